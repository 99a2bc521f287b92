"""The egress proxy's cost per capture: the same Vigie scan with the proxy on and off.

Run by hand (2 cores: about a minute per scan)::

    .venv/bin/python bench/egress.py [--pages 30] [--concurrency 2] [--repeat 3]

The corpus, the scan and its measures are those of bench/throughput.py (docs/benchmarks.md);
the only difference between the two sides is ``VIGIE_EGRESS_PROXY=0`` on the "off" side. The
proxy is off here only to measure it: off, nothing stops a page's requests to refused addresses
(docs/security.md). Sides alternate; medians and the on/off ratios are printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import build_corpus
from bench.options import add_run_options, browser_label, work_dir
from bench.process import wait_for_idle
from bench.report import print_busy, print_failure
from bench.sides import SideResult, run_vigie
from vigie.demo.server import SiteServer

SIDES = {"proxy-on": {}, "proxy-off": {"VIGIE_EGRESS_PROXY": "0"}}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3, help="alternate the sides N times")
    add_run_options(parser, timeout_of="scan")
    args = parser.parse_args(argv)
    if args.pages < 1 or args.concurrency < 1 or args.repeat < 1:
        parser.error("--pages, --concurrency and --repeat must be at least 1")
    return args


def _per_capture_ms(r: SideResult) -> float | None:
    return 1000 * r.crawl_s / r.captures if r.crawl_s and r.captures else None


def _median(values: list[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return statistics.median(kept) if kept else None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    browser = browser_label("bench/egress.py")
    if browser is None:
        return 2
    failed = False
    results: dict[str, list[SideResult]] = {side: [] for side in SIDES}
    with ExitStack() as stack:
        base_dir = work_dir(stack, args.keep)
        corpus = build_corpus(base_dir / "site", args.pages)
        print(f"egress proxy cost: {args.pages} pages x 2 viewports, concurrency "
              f"{args.concurrency}, {args.repeat} repeats; browser {browser}")
        print("run  side       captures  wall s  crawl s  ms/capture (crawl)  CPU s  peak MiB")
        with SiteServer(corpus.root) as server:
            urls = [server.base_url + p for p in corpus.paths]
            for n in range(1, args.repeat + 1):
                order = list(SIDES) if n % 2 else list(reversed(SIDES))
                for side in order:
                    print_busy(wait_for_idle(args.idle_wait), "scan")
                    r = run_vigie(urls, base_dir / f"run{n}-{side}", server,
                                  concurrency=args.concurrency, timeout=args.timeout,
                                  side=side, env_extra=SIDES[side])
                    results[side].append(r)
                    per = _per_capture_ms(r)
                    print(f"{n:>3}  {side:<9}  {r.captures:>4}/{r.expected:<4}  "
                          f"{r.run.wall_s:>6.1f}  {r.crawl_s or 0:>7.1f}  "
                          f"{per or 0:>18.0f}  {r.run.cpu_s:>5.1f}  {r.run.peak_mib:>8.0f}")
                    if r.captures != r.expected or r.details.get("error"):
                        failed = True
                        print_failure(r)
    on, off = results["proxy-on"], results["proxy-off"]
    medians = {name: (_median([_per_capture_ms(r) for r in side]),
                      _median([r.run.cpu_s / r.captures if r.captures else None
                               for r in side]))
               for name, side in (("on", on), ("off", off))}
    (ms_on, cpu_on), (ms_off, cpu_off) = medians["on"], medians["off"]
    if ms_on and ms_off:
        print(f"median crawl time per capture: proxy on {ms_on:.0f} ms, off {ms_off:.0f} ms; "
              f"ratio on/off {ms_on / ms_off:.2f} ({ms_on - ms_off:+.0f} ms per capture)")
    if cpu_on and cpu_off:
        print(f"median CPU per capture (process tree): on {1000 * cpu_on:.0f} ms, off "
              f"{1000 * cpu_off:.0f} ms; ratio on/off {cpu_on / cpu_off:.2f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
