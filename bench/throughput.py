"""Throughput and memory of a Vigie scan against a plain Playwright + axe-core loop.

Run by hand (2 cores: a run takes one to two minutes per repeat)::

    .venv/bin/python bench/throughput.py [--pages 50] [--concurrency 2] [--repeat 3]

1. Generates a corpus of French public-service-like pages (DSFR-like header, navigation,
   headings, paragraphs, a table, a labelled form, local images, footer links; one shared CSS
   and JS file; accessibility faults on some pages; 20-150 KB of HTML each) and serves it on
   127.0.0.1 with ``vigie.demo.server.SiteServer``. Assets are sent with
   ``Cache-Control: max-age=86400``, as a real site's would be.
2. Vigie: ``python -m vigie scan`` of one service (page 0 as start_url, the others as
   extra_urls), SQLite, no delay, robots.txt ignored; every page in both viewports.
3. Baseline: ``bench/baseline_playwright.py``: same browser, launch options, viewports, axe-core
   and concurrency; goto + axe only.
4. Each side is measured as a whole process (wall time from start to exit, browser launch
   included) and by the peak of the summed RSS of the process and all its descendants
   (Chromium included), sampled every 50 ms. With ``--repeat N`` the sides alternate and
   medians are printed.

The corpus is built by ``bench/corpus.py`` (assets in ``bench/assets.py``), each side is run
by ``bench/sides.py`` and measured by ``bench/process.py``, and ``bench/report.py`` prints.
See docs/benchmarks.md for the method and the figures measured.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path

# ``python bench/throughput.py`` puts bench/ on the path, not the repository: add it, so that
# ``bench`` imports and the code measured in this process is this tree's.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import build_corpus
from bench.options import add_run_options, browser_label, work_dir
from bench.process import wait_for_idle
from bench.report import (
    print_busy,
    print_failure,
    print_heading,
    print_plan,
    print_row,
    print_summary,
)
from bench.sides import SideResult, run_baseline, run_vigie
from vigie.demo.server import SiteServer


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=1, help="alternate the sides N times")
    parser.add_argument("--only", choices=["vigie", "baseline"], help="run one side only")
    parser.add_argument("--baseline-extras", default="",
                        help="in-page work added to the baseline, to split the gap: "
                             "collector,locale,screenshot,content, or vigie (Vigie's own "
                             "collect_page + page.content())")
    add_run_options(parser, timeout_of="side")
    args = parser.parse_args(argv)
    if args.pages < 1 or args.concurrency < 1 or args.repeat < 1:
        parser.error("--pages, --concurrency and --repeat must be at least 1")
    return args


def run_side(side: str, urls: list[str], work: Path, server: SiteServer,
             args: argparse.Namespace) -> SideResult:
    if side == "vigie":
        return run_vigie(urls, work, server, concurrency=args.concurrency,
                         timeout=args.timeout)
    return run_baseline(urls, work, server, concurrency=args.concurrency,
                        timeout=args.timeout, extras=args.baseline_extras)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    browser = browser_label("bench/throughput.py")
    if browser is None:
        return 2
    with ExitStack() as stack:
        base_dir = work_dir(stack, args.keep)
        corpus = build_corpus(base_dir / "site", args.pages)
        print_heading(corpus, browser)
        with SiteServer(corpus.root) as server:
            urls = [server.base_url + p for p in corpus.paths]
            print_plan(server.base_url, 2 * len(urls), args.concurrency, args.repeat)
            results: list[SideResult] = []
            failed = False
            for n in range(1, args.repeat + 1):
                sides = ["vigie", "baseline"] if n % 2 else ["baseline", "vigie"]
                for side in sides:
                    if args.only and side != args.only:
                        continue
                    print_busy(wait_for_idle(args.idle_wait))
                    result = run_side(side, urls, base_dir / f"run{n}-{side}", server, args)
                    results.append(result)
                    print_row(n, result)
                    if result.captures != result.expected or result.details.get("error"):
                        failed = True
                        print_failure(result)
            print_summary(results, corpus, args.concurrency, browser)
        if failed:
            print("some captures failed: the figures above do not compare like with like",
                  file=sys.stderr)
            return 1
        return 0


if __name__ == "__main__":
    sys.exit(main())
