"""What bench/workers.py prints: a row per scan, then medians and ratios against the
single-process scan, the worker path's overhead per service, and the night model."""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass, field

from bench.night import MACHINES, NIGHT_PAGES, NIGHT_SERVICES, VIEWPORTS, NightModel
from bench.sides import SideResult

SINGLE, ONE, TWO = "single", "1 worker", "2 workers"
PATHS = (SINGLE, ONE, TWO)
WORKERS = {SINGLE: 0, ONE: 1, TWO: 2}
TABLE_HEADER = ("rep  path       scan     captures   wall s  capt/s  before s  run s  after s"
                "  peak MiB   cpu s  cpu/c  other")


@dataclass
class Measured:
    rep: int
    path: str  # SINGLE, ONE or TWO
    scan: str  # "tiny" (one page) or "corpus"
    result: SideResult
    tasks: list[float] = field(default_factory=list)  # task durations the workers logged

    @property
    def run_s(self) -> float | None:
        """scan_run.started_at -> finished_at: the crawl, until every service scan closed."""
        value = self.result.details.get("run_s")
        return float(value) if value is not None else None


def print_plan(services: int, pages: int, concurrency: int, repeat: int) -> None:
    captures = services * pages * VIEWPORTS
    print(f"{services} services x {pages} pages x {VIEWPORTS} viewports = {captures} captures "
          f"per scan, each service on its own 127.0.0.1 port; concurrency {concurrency} per "
          f"scan and per worker; PostgreSQL (a fresh schema per path), a private redis-server; "
          f"{repeat} run(s), paths alternating")
    print("each path: a tiny service (1 page) then the corpus; workers started and ready "
          "before the scans (not timed)")
    print()
    print(TABLE_HEADER)


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def print_row(m: Measured) -> None:
    r = m.result
    print(f"{m.rep:>3}  {m.path:<9}  {m.scan:<6}  {r.captures:>4}/{r.expected:<4}  "
          f"{r.run.wall_s:>7.1f}  {r.rate:>6.2f}  {_fmt(r.pre_s):>8}  {_fmt(m.run_s):>5}  "
          f"{_fmt(r.post_s):>7}  {r.run.peak_mib:>8.0f}  {r.run.cpu_s:>6.1f}  "
          f"{r.run.cpu_s / max(r.captures, 1):>5.2f}  {r.run.other_cpu_s:>5.1f}", flush=True)


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _of(results: list[Measured], path: str, scan: str) -> list[Measured]:
    return [m for m in results if m.path == path and m.scan == scan]


@dataclass(frozen=True)
class _Medians:
    wall: float | None
    rate: float | None
    run_s: float | None
    pre: float | None
    post: float | None
    cpu_per_capture: float | None
    peak: float | None
    other: float | None


def _medians(ms: list[Measured]) -> _Medians:
    return _Medians(
        wall=_median([m.result.run.wall_s for m in ms]),
        rate=_median([m.result.rate for m in ms]),
        run_s=_median([m.run_s for m in ms]),
        pre=_median([m.result.pre_s for m in ms]),
        post=_median([m.result.post_s for m in ms]),
        cpu_per_capture=_median([m.result.run.cpu_s / m.result.captures
                                 for m in ms if m.result.captures]),
        peak=_median([m.result.run.peak_mib for m in ms]),
        other=_median([m.result.run.other_cpu_s for m in ms]))


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a and b else "-"


def print_summary(results: list[Measured], services: int, pages: int) -> None:
    corpus = {path: _medians(_of(results, path, "corpus")) for path in PATHS}
    tiny = {path: _medians(_of(results, path, "tiny")) for path in PATHS}
    captures = services * pages * VIEWPORTS
    base = corpus[SINGLE]
    runs = len(_of(results, SINGLE, "corpus"))
    print()
    print(f"== captures per second, medians over {runs} run(s): {services} services x {pages} "
          f"pages x {VIEWPORTS} viewports = {captures} captures ==")
    print("path        wall s  capt/s  ratio   run s  capt/s (run)  ratio  after s  "
          "cpu s/capture  peak MiB  other")
    for path in PATHS:
        m = corpus[path]
        run_rate = captures / m.run_s if m.run_s else None
        base_run_rate = captures / base.run_s if base.run_s else None
        print(f"{path:<10}  {_fmt(m.wall):>6}  {_fmt(m.rate, '.2f'):>6}  "
              f"{_ratio(m.rate, base.rate):>5}  {_fmt(m.run_s):>6}  "
              f"{_fmt(run_rate, '.2f'):>12}  {_ratio(run_rate, base_run_rate):>5}  "
              f"{_fmt(m.post):>7}  {_fmt(m.cpu_per_capture, '.2f'):>13}  "
              f"{_fmt(m.peak, '.0f'):>8}  {_fmt(m.other):>5}")
    print("(ratio: against the single-process scan of this run; run s: scan_run started -> "
          "finished, i.e. the crawl until every service scan closed; after s: checks, "
          "indicators and summary in the scan's process; cpu and memory include the workers "
          "and their Chromium; other: CPU seconds used meanwhile by the rest of the machine)")
    _print_overhead(results, corpus, tiny, services)
    _print_night(corpus, services, pages)


def _gaps(m: Measured) -> list[float]:
    """On one worker, from a service scan closing to the next one starting."""
    spans = sorted(m.result.details.get("service_spans", []))
    return [b[0] - a[1] for a, b in itertools.pairwise(spans)]


def _print_overhead(results: list[Measured], corpus: dict[str, _Medians],
                    tiny: dict[str, _Medians], services: int) -> None:
    print()
    print("== the worker path's overhead per service ==")
    single, one = corpus[SINGLE], corpus[ONE]
    if single.wall and one.wall:
        print(f"(wall 1 worker - wall single) / {services} services = "
              f"{(one.wall - single.wall) / services:.2f} s per service")
    if single.run_s and one.run_s:
        print(f"(run 1 worker - run single) / {services} services  = "
              f"{(one.run_s - single.run_s) / services:.2f} s per service")
    ones = _of(results, ONE, "corpus")
    gaps = [g for m in ones for g in _gaps(m)]
    spans = [b - a for m in ones for a, b in m.result.details.get("service_spans", [])]
    tasks = [t for m in ones for t in m.tasks]
    if gaps and spans and tasks:
        print(f"1 worker: a task lasts {statistics.fmean(tasks):.2f} s (worker log), its service "
              f"scan {statistics.fmean(spans):.2f} s (started -> closed, in the database); "
              f"from one service scan closing to the next starting {statistics.fmean(gaps):.2f} "
              f"s (min {min(gaps):.2f}, max {max(gaps):.2f}): acknowledging, receiving the next "
              "task, the lease, a crawl child with its Python imports, Scrapy and Chromium")
    two_tasks = [t for m in _of(results, TWO, "corpus") for t in m.tasks]
    if two_tasks:
        print(f"2 workers: a task lasts {statistics.fmean(two_tasks):.2f} s (worker log)")
    s, w = tiny[SINGLE], tiny[ONE]
    if s.wall and w.wall:
        tiny_tasks = [t for m in _of(results, ONE, "tiny") for t in m.tasks]
        task = f"; the task itself {statistics.fmean(tiny_tasks):.2f} s" if tiny_tasks else ""
        run = (f"; run s {_fmt(s.run_s, '.2f')} and {_fmt(w.run_s, '.2f')} -> "
               f"{w.run_s - s.run_s:+.2f} s" if s.run_s and w.run_s else "")
        print(f"fixed cost of one task (a service of one tiny page, 2 captures): single process "
              f"{s.wall:.2f} s, through 1 worker {w.wall:.2f} s -> {w.wall - s.wall:+.2f} s"
              f"{run}{task} (both paths start one crawl child and one Chromium for it: the "
              "difference is the task's delivery, lease and closing, and the executor's "
              "polling)")


def model_of(corpus: dict[str, _Medians], services: int, pages: int) -> NightModel | None:
    single, one, two = corpus[SINGLE], corpus[ONE], corpus[TWO]
    if not (single.run_s and one.run_s and two.run_s and single.post is not None):
        return None
    captures = services * pages * VIEWPORTS
    capture_s = single.run_s / captures
    return NightModel(
        capture_s=capture_s,
        overhead_s=one.run_s / services - VIEWPORTS * pages * capture_s,
        two_worker_gain=one.run_s / two.run_s,
        checks_s=single.post / captures,
        fixed_s=single.pre or 0.0)


def _print_night(corpus: dict[str, _Medians], services: int, pages: int) -> None:
    model = model_of(corpus, services, pages)
    print()
    captures = NIGHT_SERVICES * NIGHT_PAGES * VIEWPORTS
    print(f"== a {NIGHT_SERVICES:,}-service night: {NIGHT_PAGES} pages x {VIEWPORTS} viewports "
          f"= {captures:,} captures, machines of this size ==")
    if model is None:
        print("(not computed: a path is missing or failed)")
        return
    print(f"a capture, single process: {model.capture_s:.3f} s (run s / captures); worker "
          f"overhead: {model.overhead_s:.2f} s per service (run 1 worker / services - "
          f"{VIEWPORTS * pages} x {model.capture_s:.3f})")
    print(f"a service of {NIGHT_PAGES} pages: 1 worker per machine {model.service_s(1):.1f} s, "
          f"2 workers per machine {model.service_s(2):.1f} s of the machine (gain of the second "
          f"worker {model.two_worker_gain:.2f}, as measured at {pages} pages)")
    print(f"after the crawl, on the machine that owns the run, not spread over workers: "
          f"{model.checks_s:.3f} s per capture (checks, indicators) = "
          f"{captures * model.checks_s / 3600:.2f} h; before it {model.fixed_s:.1f} s")
    print("machines share only PostgreSQL and Redis: the crawl divides by their number")
    print("machines  single process  1 worker each  2 workers each")
    for n in MACHINES:
        single = f"{model.hours(1, None):.2f} h" if n == 1 else "-"
        print(f"{n:>8}  {single:>14}  {model.hours(n, 1):>11.2f} h  {model.hours(n, 2):>12.2f} h")
