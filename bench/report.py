"""What the benchmark prints: the heading, a row per side and run, then medians and ratios,
requests and the time per step.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from datetime import UTC, datetime

import psutil

from bench import ROOT
from bench.corpus import Corpus
from bench.process import BUSY_LIMIT
from bench.sides import SideResult

TABLE_HEADER = ("run  side      captures     wall s  capt/s  crawl s  crawl/s  peak MiB  "
                "python   cpu s  py cpu  cpu/c  other  hits/c")


def print_heading(corpus: Corpus, browser: str) -> None:
    """The corpus, then when, what and where is measured."""
    kib = [b / 1024 for b in corpus.html_bytes]
    print(f"corpus: {len(corpus.paths)} pages, HTML {min(kib):.0f}-{max(kib):.0f} KiB "
          f"(total {sum(kib):.0f} KiB), {len(corpus.assets)} assets, "
          f"{len(corpus.faults)} pages with faults")
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {_commit()}, "
          f"{os.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
          f"{browser}")


def print_plan(base_url: str, captures: int, concurrency: int, repeat: int) -> None:
    print(f"served at {base_url}/; {captures} captures per side, "
          f"concurrency {concurrency}, {repeat} run(s), sides alternating")
    print()
    print(TABLE_HEADER)


def print_busy(busy: float, what: str = "side") -> None:
    if busy >= BUSY_LIMIT:
        print(f"     (the machine is busy: {busy:.0f}% CPU before this {what}; "
              "see the 'other' column)", flush=True)


def _commit() -> str:
    """The commit measured (read-only git call); "unknown" outside a git work tree."""
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() or "unknown"


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def print_row(n: int, r: SideResult) -> None:
    total_hits = sum(r.server_hits.values())
    per = total_hits / r.expected if r.expected else 0.0
    crawl_rate = r.captures / r.crawl_s if r.crawl_s else None
    print(f"{n:>3}  {r.side:<8}  {r.captures:>4}/{r.expected:<4}  {r.run.wall_s:>7.1f}  "
          f"{r.rate:>7.2f}  {_fmt(r.crawl_s):>7}  {_fmt(crawl_rate, '.2f'):>7}  "
          f"{r.run.peak_mib:>8.0f}  {r.run.peak_root_mib:>6.0f}  {r.run.cpu_s:>6.1f}  "
          f"{r.run.root_cpu_s:>6.1f}  "
          f"{r.run.cpu_s / max(r.captures, 1):>6.2f}  {r.run.other_cpu_s:>6.1f}  {per:>6.2f}",
          flush=True)


def print_failure(r: SideResult) -> None:
    print(f"     {r.side}: {r.captures} captures ok of "
          f"{r.expected}, exit code {r.run.returncode}; "
          f"{r.details.get('outcomes', '')}\n"
          f"     {r.details.get('error', '')}", file=sys.stderr)


def print_summary(results: list[SideResult], corpus: Corpus, concurrency: int,
                  browser: str) -> None:
    """Medians and ratios over every run, then requests and steps of the last run."""
    vigie = [r for r in results if r.side == "vigie"]
    base = [r for r in results if r.side == "baseline"]
    pages = len(corpus.paths)
    _print_medians(vigie, base, pages, concurrency)
    _print_requests(vigie, base, pages)
    _print_profile(vigie, base, browser)


def _print_medians(vigie: list[SideResult], base: list[SideResult], pages: int,
                   concurrency: int) -> None:
    print()
    print(f"== medians over {len(vigie)} run(s) "
          f"({pages} pages x 2 viewports, concurrency {concurrency}) ==")
    med: dict[str, dict[str, float | None]] = {}
    for name, side in (("vigie", vigie), ("baseline", base)):
        med[name] = {
            "captures": _median([float(r.captures) for r in side]),
            "wall": _median([r.run.wall_s for r in side]),
            "rate": _median([r.rate for r in side]),
            "crawl": _median([r.crawl_s for r in side]),
            "crawl_rate": _median([r.captures / r.crawl_s if r.crawl_s else None
                                   for r in side]),
            "mem": _median([r.run.peak_mib for r in side]),
            "root_mem": _median([r.run.peak_root_mib for r in side]),
            "cpu": _median([r.run.cpu_s / r.captures if r.captures else None for r in side]),
            "py_cpu": _median([r.run.root_cpu_s / r.captures if r.captures else None
                               for r in side]),
            "crawl_mem": _median([r.details.get("python_peak_crawl_mib") for r in side]),
            "pre": _median([r.pre_s for r in side]),
            "post": _median([r.post_s for r in side]),
        }
        m = med[name]
        extra = ""
        if name == "vigie":
            extra = (f"; before the crawl {_fmt(m['pre'])} s, crawl {_fmt(m['crawl'])} s "
                     f"({_fmt(m['crawl_rate'], '.2f')} captures/s), after it "
                     f"(checks, summary) {_fmt(m['post'])} s")
        else:
            extra = (f"; launch {_fmt(m['pre'])} s, crawl {_fmt(m['crawl'])} s "
                     f"({_fmt(m['crawl_rate'], '.2f')} captures/s)")
        print(f"{name:<9} {_fmt(m['captures'], '.0f')} captures in {_fmt(m['wall'])} s = "
              f"{_fmt(m['rate'], '.2f')} captures/s, peak memory {_fmt(m['mem'], '.0f')} MiB "
              f"(Python process alone {_fmt(m['root_mem'], '.0f')} MiB"
              + (f", {_fmt(m['crawl_mem'], '.0f')} MiB until the crawl ended"
                 if m["crawl_mem"] else "") + "), "
              f"{_fmt(m['cpu'], '.2f')} CPU s per capture (Python process "
              f"{_fmt(m['py_cpu'], '.2f')}){extra}")
    v, b = med["vigie"], med["baseline"]
    if v["rate"] and b["rate"]:
        print(f"ratio vigie/baseline, captures/s (whole process): {v['rate'] / b['rate']:.2f}")
    if v["crawl_rate"] and b["crawl_rate"]:
        print(f"ratio vigie/baseline, captures/s (crawl only):     "
              f"{v['crawl_rate'] / b['crawl_rate']:.2f}")
    if v["cpu"] and b["cpu"]:
        print(f"ratio vigie/baseline, captures per CPU second:    {b['cpu'] / v['cpu']:.2f}")
    if v["mem"] and b["mem"]:
        print(f"ratio vigie/baseline, peak memory:                {v['mem'] / b['mem']:.2f}")


def _print_requests(vigie: list[SideResult], base: list[SideResult], pages: int) -> None:
    print()
    print("== requests ==")
    for name, side in (("vigie", vigie), ("baseline", base)):
        if not side:
            continue
        last = side[-1]
        hits = dict(sorted(last.server_hits.items()))
        per = sum(last.server_hits.values()) / last.expected if last.expected else 0
        print(f"{name:<9} server hits (last run): {hits} = {per:.2f} per capture")
    stats = vigie[-1].details.get("stats", {}) if vigie else {}
    count = stats.get("playwright/request_count")
    if count and vigie[-1].captures:
        by_type = {k.rsplit("/", 1)[-1]: v for k, v in sorted(stats.items())
                   if k.startswith("playwright/request_count/resource_type/")}
        print(f"vigie     browser requests (scan_run.stats playwright/request_count): {count} = "
              f"{count / vigie[-1].captures:.2f} per capture ({count / pages:.2f} "
              f"per page, 2 viewports); by type {by_type}")


def _print_profile(vigie: list[SideResult], base: list[SideResult], browser: str) -> None:
    print()
    print("== profile (means per capture, last run, seconds) ==")
    if vigie and vigie[-1].details.get("mean_s"):
        d = vigie[-1].details
        print("vigie    ", "  ".join(f"{k}={val:.3f}" for k, val in d["mean_s"].items()))
        for vp, means in d.get("mean_by_viewport", {}).items():
            print(f"  {vp:<8}", "  ".join(f"{k}={val:.3f}" for k, val in means.items()))
        print("          (load_event_s: navigation start -> load event, in the page; "
              "load_seconds: as stored, from the start of the download to the stored capture)")
        print(f"          axe findings (rules) violations={d.get('violations')} "
              f"incomplete={d.get('incomplete')}; artifacts {d.get('artifacts_mib', 0):.1f} MiB")
    if base and base[-1].details.get("mean_s"):
        d = base[-1].details
        print("baseline ", "  ".join(f"{k}={val:.3f}" for k, val in d["mean_s"].items()))
        for vp, means in d.get("mean_by_viewport", {}).items():
            print(f"  {vp:<8}", "  ".join(f"{k}={val:.3f}" for k, val in means.items()))
        print(f"          axe findings (rules) violations={d.get('violations')} "
              f"incomplete={d.get('incomplete')}; extras={d.get('extras') or 'none'}")
    if base and base[-1].details.get("browser_version"):
        print(f"browser: {browser}, version {base[-1].details['browser_version']}")
