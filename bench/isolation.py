"""What running Vigie's in-page collection in isolated worlds costs, per capture.

Run by hand (2 cores: about a minute with the defaults)::

    .venv/bin/python bench/isolation.py [--pages 20] [--repeat 3] [--frames]

Serves the throughput benchmark's corpus (``bench/corpus.py``) on 127.0.0.1 and, in one
Chromium tab (Vigie's browser and launch options, desktop viewport), loads each page and runs
``crawler.collect.collect_page`` on it twice: once as captures do (``world="isolated"``: a
protocol session, an isolated world per frame, axe-core frame by frame) and once in the page's
own world (``world="main"``: the same scripts through Playwright's ``Frame.evaluate``), the
order alternating from page to page and each run on a fresh load. ``--frames`` adds the
forged-evidence fixture page (tests/sites/forged/, which frames a fare simulator) to the pages.

Prints one JSON object: per world, the median and mean of the whole ``collect_page`` call and
of each step (``collector_s``, ``axe_inject_s``, ``axe_s``, ...), and the ratio and difference
of the medians. Both worlds must find the same axe violations on every page (exit code 1
otherwise).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.async_api import async_playwright

from bench.corpus import build_corpus
from core.settings import DESKTOP, Settings
from crawler.browser import find_browser
from crawler.collect import WorldKind, collect_page
from vigie.demo.server import SiteServer

WORLDS: tuple[WorldKind, WorldKind] = ("isolated", "main")
FORGED = Path(__file__).resolve().parent.parent / "tests" / "sites" / "forged"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each world per page")
    parser.add_argument("--frames", action="store_true",
                        help="add the forged-evidence fixture page, which has a frame")
    return parser.parse_args(argv)


def violations(result: dict[str, Any]) -> list[tuple[str, int]]:
    return sorted((r["id"], len(r["nodes"])) for r in (result.get("axe") or {}).get(
        "violations", []))


async def measure(urls: list[str], repeat: int) -> dict[str, Any]:
    times: dict[str, list[float]] = {w: [] for w in WORLDS}
    steps: dict[str, dict[str, list[float]]] = {w: {} for w in WORLDS}
    disagreements: list[str] = []
    browser_choice: Any = find_browser("")
    async with async_playwright() as p:
        browser = await p.chromium.launch(**browser_choice.launch_options(
            Settings().browser_args))
        page = await browser.new_page(viewport={"width": DESKTOP.width,
                                                "height": DESKTOP.height})
        await page.goto(urls[0], wait_until="load")  # warm the cache and the browser
        await collect_page(page, 30.0, False)
        for i, url in enumerate(urls * repeat):
            order = WORLDS if i % 2 == 0 else WORLDS[::-1]
            found: dict[str, Any] = {}
            for world in order:
                await page.goto(url, wait_until="load")
                started = time.perf_counter()
                result = await collect_page(page, 30.0, False, world=world)
                times[world].append(time.perf_counter() - started)
                for name, seconds in result["timings"].items():
                    steps[world].setdefault(name, []).append(seconds)
                if result["errors"]:
                    disagreements.append(f"{url} ({world}): " + "; ".join(
                        f"{k}: {v['message'][:200]}" for k, v in result["errors"].items()))
                found[world] = violations(dict(result))
            if found["isolated"] != found["main"]:
                disagreements.append(f"{url}: {found}")
        await browser.close()
    medians = {w: statistics.median(times[w]) for w in WORLDS}
    return {
        "captures_per_world": len(times["isolated"]),
        "collect_page_s": {w: {"median": round(medians[w], 4),
                               "mean": round(statistics.fmean(times[w]), 4)} for w in WORLDS},
        "steps_median_s": {w: {k: round(statistics.median(v), 4) for k, v in steps[w].items()}
                           for w in WORLDS},
        "isolated_over_main": round(medians["isolated"] / medians["main"], 3),
        "isolated_minus_main_ms": round((medians["isolated"] - medians["main"]) * 1000, 1),
        "disagreements": disagreements,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vigie-isolation-") as tmp:
        corpus = build_corpus(Path(tmp), args.pages)
        with SiteServer(Path(tmp)) as server, SiteServer(FORGED) as forged:
            urls = [server.base_url + path for path in corpus.paths]
            if args.frames:
                urls.append(forged.base_url + "/index.html")
            report = asyncio.run(measure(urls, args.repeat))
    print(json.dumps({"pages": len(urls), **report}, indent=1))
    return 1 if report["disagreements"] else 0


if __name__ == "__main__":
    sys.exit(main())
