"""Baseline for bench/throughput.py: a plain Playwright + axe-core loop, nothing else.

Same browser and launch options as Vigie (``crawler.browser.find_browser`` and
``Settings().browser_args``), same viewports (``DESKTOP`` / ``MOBILE`` context options), same
pinned axe-core, same concurrency: ``--concurrency`` workers take ``(url, viewport)`` items
from one shared queue; each worker keeps one tab per viewport (in a desktop and a mobile
browser context shared by all workers, as Vigie shares one context per viewport) and navigates
it from page to page (``wait_until="load"``), injects axe, runs
``axe.run(document, {resultTypes: ["violations", "incomplete"]})`` and gets back violations and
incomplete only.

``--extras`` adds, one by one, the other in-page work Vigie does for each capture, so that the
gap between Vigie and this loop can be split between in-page work and everything else:
``collector`` (Vigie's collector.js), ``locale`` (Vigie's axe_run.js, French locale),
``screenshot`` (PNG of the viewport, Vigie's options), ``content`` (``page.content()``, which
scrapy-playwright calls for the response body). ``vigie`` replaces the axe steps with Vigie's
own ``crawler.collect.collect_page`` (whatever it does at the commit measured) followed by
``page.content()``: the same in-page work as a Vigie capture, without Scrapy or storage.

Prints one JSON object on standard output. Exit code 0 when every item was captured, 1 when
some failed, 2 when no browser is found.

    python bench/baseline_playwright.py --urls-file urls.json --concurrency 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

# ``python bench/baseline_playwright.py`` puts bench/ on the path, not the repository: add it,
# so that the Vigie code it measures against is this tree's, like bench/throughput.py's.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.async_api import BrowserContext, Page, async_playwright

from core.settings import DESKTOP, MOBILE, Settings
from crawler.browser import BrowserNotFound, find_browser
from crawler.collect import (
    AXE_OPTIONS,
    COLLECTOR_LIMITS,
    _asset,
    axe_locale,
    axe_source,
    collect_page,
)

EXTRAS = ("collector", "locale", "screenshot", "content", "vigie")
AXE_PLAIN = """async (options) => {
  const r = await axe.run(document, options);
  return { violations: r.violations, incomplete: r.incomplete };
}"""


async def capture(page: Page, url: str, extras: set[str], timeout_s: float,
                  mobile: bool) -> dict[str, Any]:
    t: dict[str, float] = {}
    started = time.perf_counter()
    await page.goto(url, wait_until="load", timeout=timeout_s * 1000)
    t["goto_s"] = time.perf_counter() - started
    if "vigie" in extras:
        collected = await collect_page(page, timeout_s, False, measure_narrow=mobile)
        t.update(collected["timings"])
        mark = time.perf_counter()
        await page.content()
        t["content_s"] = time.perf_counter() - mark
        t["total_s"] = time.perf_counter() - started
        axe = collected.get("axe") or {}
        return {"timings": t, "violations": len(axe.get("violations", [])),
                "incomplete": len(axe.get("incomplete", []))}
    if "collector" in extras:
        mark = time.perf_counter()
        await page.evaluate(_asset("collector.js"), COLLECTOR_LIMITS)
        t["collector_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    await page.evaluate(axe_source())
    t["axe_inject_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    if "locale" in extras:
        result = await page.evaluate(
            _asset("axe_run.js"), {"options": AXE_OPTIONS, "locale": axe_locale()}
        )
    else:
        result = await page.evaluate(AXE_PLAIN, AXE_OPTIONS)
    t["axe_s"] = time.perf_counter() - mark
    if "screenshot" in extras:
        mark = time.perf_counter()
        await page.screenshot(type="png", full_page=False, timeout=timeout_s * 1000,
                              animations="disabled", caret="hide")
        t["screenshot_s"] = time.perf_counter() - mark
    if "content" in extras:
        mark = time.perf_counter()
        await page.content()
        t["content_s"] = time.perf_counter() - mark
    t["total_s"] = time.perf_counter() - started
    return {"timings": t, "violations": len(result["violations"]),
            "incomplete": len(result["incomplete"])}


async def run(urls: list[str], concurrency: int, extras: set[str],
              timeout_s: float) -> dict[str, Any]:
    t0 = time.perf_counter()
    settings = Settings.from_env()
    choice = find_browser(settings.browser_path)
    user_agent = settings.user_agent
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for url in urls:  # Vigie schedules each URL in every viewport, desktop first
        for viewport in (DESKTOP, MOBILE):
            queue.put_nowait((url, viewport.name))
    done: list[dict[str, Any]] = []
    failures: list[str] = []
    async with async_playwright() as p:
        options: dict[str, Any] = choice.launch_options(settings.browser_args)
        browser = await p.chromium.launch(**options)
        contexts: dict[str, BrowserContext] = {
            vp.name: await browser.new_context(**vp.context_kwargs(user_agent))
            for vp in (DESKTOP, MOBILE)
        }
        launched = time.perf_counter()

        async def worker() -> None:
            tabs: dict[str, Page] = {}
            while True:
                try:
                    url, viewport = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                if viewport not in tabs:
                    tabs[viewport] = await contexts[viewport].new_page()
                try:
                    item = await capture(tabs[viewport], url, extras, timeout_s,
                                         viewport == MOBILE.name)
                except Exception as exc:
                    failures.append(f"{viewport} {url}: {type(exc).__name__}: {exc}")
                else:
                    done.append({"url": url, "viewport": viewport, **item})

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        crawled = time.perf_counter()
        for context in contexts.values():
            await context.close()
        await browser.close()
    ended = time.perf_counter()
    phases = sorted({k for item in done for k in item["timings"]})
    return {
        "captures": len(done),
        "failures": failures,
        "browser": choice.executable or choice.source,
        "browser_version": browser.version,
        "extras": sorted(extras),
        "setup_s": round(launched - t0, 3),  # imports excluded: they precede t0
        "crawl_s": round(crawled - launched, 3),
        "close_s": round(ended - crawled, 3),
        "mean_s": _means(done, phases),
        "mean_by_viewport": {vp: _means([i for i in done if i["viewport"] == vp], phases)
                             for vp in ("desktop", "mobile")},
        "violations": {vp: sum(i["violations"] for i in done if i["viewport"] == vp)
                       for vp in ("desktop", "mobile")},
        "incomplete": {vp: sum(i["incomplete"] for i in done if i["viewport"] == vp)
                       for vp in ("desktop", "mobile")},
    }


def _means(items: list[dict[str, Any]], phases: list[str]) -> dict[str, float]:
    if not items:
        return {}
    return {k: round(statistics.fmean(i["timings"].get(k, 0.0) for i in items), 4)
            for k in phases}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls-file", type=Path, required=True, help="JSON list of URLs")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--extras", default="",
                        help=f"comma-separated extra in-page work: {', '.join(EXTRAS)}")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per call")
    args = parser.parse_args(argv)
    extras = {e for e in args.extras.split(",") if e}
    unknown = extras - set(EXTRAS)
    if unknown:
        parser.error(f"unknown extras: {', '.join(sorted(unknown))}")
    urls = json.loads(args.urls_file.read_text(encoding="utf-8"))
    try:
        result = asyncio.run(run(urls, max(1, args.concurrency), extras, args.timeout))
    except BrowserNotFound as exc:
        print(f"no browser: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
