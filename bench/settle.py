"""What the settle step (content rendered after ``load``) costs per capture.

Run by hand (2 cores: about two minutes with the defaults)::

    .venv/bin/python bench/settle.py [--pages 20] [--repeat 3]

Serves the throughput benchmark's corpus (``bench/corpus.py``: static pages) and the demo's
single-page application whose footer arrives 800 ms after ``load``
(``vigie/demo/sites/pied-de-page-tardif``) on 127.0.0.1. In one Chromium tab (Vigie's browser
and launch options, desktop viewport, the tab watched as the crawler's are), each page is
captured as the crawler does — ``Tab.new_capture``, ``goto`` until ``load``, then
``crawler.document.collect_document`` — twice, the order alternating from page to page:

- ``baseline``: ``settle_max`` 0, what captures did before the step (the main frame's settle
  only: no load or navigation for 0.25 s);
- ``settle``: the defaults (``Settings.settle_quiet_ms``, ``settle_max_ms``).

Prints one JSON object: per kind of page (``static``, ``late``) and mode, the median and mean
capture time (``goto`` + ``collect_document``), the median ``settle_ms``, how the step ended
(``settle_stop`` counts), how many captures saw the late footer's JDMA link; then the ratio
and difference of the medians. The late page must show its footer in every ``settle``
capture (exit code 1 otherwise).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.async_api import async_playwright

from bench.corpus import build_corpus
from core.settings import DESKTOP, Settings
from crawler.browser import find_browser
from crawler.document import collect_document
from crawler.tabs import attach
from vigie.demo.catalog import SITES_DIR
from vigie.demo.server import SiteServer

LATE = SITES_DIR / "pied-de-page-tardif"
FOOTER_MARK = "jedonnemonavis.numerique.gouv.fr"  # the late footer's JDMA link


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=20, help="static pages of the corpus")
    parser.add_argument("--repeat", type=int, default=3, help="captures of each page per mode")
    return parser.parse_args(argv)


def modes(settings: Settings) -> dict[str, dict[str, float]]:
    return {"baseline": {"settle_max": 0.0},
            "settle": {"settle_max": settings.settle_max_ms / 1000,
                       "settle_quiet": settings.settle_quiet_ms / 1000}}


async def measure(pages: list[tuple[str, str]], repeat: int) -> dict[str, Any]:
    settings = Settings()
    runs = modes(settings)
    seen: dict[tuple[str, str], list[dict[str, Any]]] = {}
    browser_choice: Any = find_browser(settings.browser_path)
    async with async_playwright() as p:
        browser = await p.chromium.launch(**browser_choice.launch_options(settings.browser_args))
        page = await browser.new_page(viewport={"width": DESKTOP.width,
                                                "height": DESKTOP.height})
        tab = await attach(page)
        for i, (kind, url) in enumerate([pages[0], *pages * repeat]):
            order = list(runs) if i % 2 == 0 else list(runs)[::-1]
            for mode in order:
                await tab.new_capture(url)
                started = time.perf_counter()
                await page.goto(url, wait_until="load")
                result = await collect_document(page, 30.0, False, **runs[mode])
                seconds = time.perf_counter() - started
                if i == 0:
                    continue  # warms the cache and the browser
                links = (result.get("collector") or {}).get("links", [])
                seen.setdefault((kind, mode), []).append({
                    "s": seconds, "timings": result["timings"],
                    "footer": any(FOOTER_MARK in str(link.get("href")) for link in links)})
        await browser.close()
    return summary(seen)


def summary(seen: dict[tuple[str, str], list[dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for (kind, mode), items in sorted(seen.items()):
        seconds = [i["s"] for i in items]
        out.setdefault(kind, {})[mode] = {
            "captures": len(items),
            "capture_s": {"median": round(statistics.median(seconds), 4),
                          "mean": round(statistics.fmean(seconds), 4)},
            "settle_ms_median": statistics.median(int(i["timings"]["settle_ms"])
                                                  for i in items),
            "settle_stop": dict(Counter(str(i["timings"]["settle_stop"]) for i in items)),
            "footer_seen": sum(i["footer"] for i in items),
        }
    for by_mode in out.values():
        base, settle = (by_mode[m]["capture_s"]["median"] for m in ("baseline", "settle"))
        by_mode["settle_over_baseline"] = round(settle / base, 3)
        by_mode["settle_minus_baseline_ms"] = round((settle - base) * 1000, 1)
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vigie-settle-") as tmp:
        corpus = build_corpus(Path(tmp), args.pages)
        with SiteServer(Path(tmp)) as server, SiteServer(LATE) as late:
            pages = [("static", server.base_url + path) for path in corpus.paths]
            pages.append(("late", late.url("/")))
            report = asyncio.run(measure(pages, args.repeat))
    late_settled = report["late"]["settle"]
    print(json.dumps({"static_pages": args.pages, "repeat": args.repeat, **report}, indent=1))
    return 0 if late_settled["footer_seen"] == late_settled["captures"] else 1


if __name__ == "__main__":
    sys.exit(main())
