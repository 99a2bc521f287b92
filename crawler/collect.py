"""The one bounded in-page collection made for every capture: axe-core, collector, screenshot.

It runs inside the download (as a scrapy-playwright page method), so it counts against the
crawl's concurrency. Every call into the page is under ``asyncio.wait_for``; a call that fails
or overruns is recorded in ``errors`` and the others still run, so one broken part of a page
never costs the rest of its evidence.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable
from functools import cache
from pathlib import Path
from typing import Any, TypedDict, TypeVar

from playwright.async_api import Page

from core.capture import AssetHead, AxeResult, CallError, Collected, NarrowWidths
from core.errors import ErrorKind
from crawler.failures import describe, failure_of

ASSETS = Path(__file__).parent / "assets"
AXE_DIR = ASSETS / "axe-core"
COLLECTOR_LIMITS = {
    "links": 2000,
    "buttons": 500,
    "images": 1000,
    "forms": 50,
    "fields": 200,
    "iframes": 50,
    "headings": 300,
    "assets": 200,
    "text_chars": 200_000,
    "fr_classes": 500,
}
ASSET_HEADS = {"max_assets": 6, "bytes": 400, "ms": 3000}
NARROW_WIDTH = 320  # RGAA 10.11 / WCAG 1.4.10: content must reflow at 320 CSS px
# Keep violations and incomplete in full; axe still lists passes/inapplicable (ids only).
# css-orientation-lock (RGAA 13.9.1, WCAG 1.3.4) is experimental in axe, so off by default.
AXE_OPTIONS: dict[str, Any] = {
    "resultTypes": ["violations", "incomplete"],
    "rules": {"css-orientation-lock": {"enabled": True}},
}
MAX_FRAMES = 20

T = TypeVar("T")


class PageCollection(TypedDict, total=False):
    """What ``collect_page`` hands the spider, which builds the capture row from it."""

    errors: dict[str, CallError]  # by call name; becomes summary.errors
    timings: dict[str, float]  # "<call>_s"; the start of the row's timings
    collector: Collected | None
    page_stuck: bool  # the collector timed out: the page's main thread is stuck
    axe: AxeResult | None
    screenshot: bytes | None
    narrow: NarrowWidths | None  # mobile only
    browser_version: str | None


@cache
def axe_source() -> str:
    return (AXE_DIR / "axe.min.js").read_text(encoding="utf-8")


@cache
def axe_version() -> str:
    return (AXE_DIR / "VERSION.txt").read_text(encoding="utf-8").strip()


@cache
def axe_locale() -> Any:
    return json.loads((AXE_DIR / "locale-fr.json").read_text(encoding="utf-8"))


@cache
def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


class CallTimeout(Exception):
    pass


async def bounded(awaitable: Awaitable[T], seconds: float, what: str) -> T:
    try:
        return await asyncio.wait_for(awaitable, timeout=seconds)
    except TimeoutError:
        raise CallTimeout(f"{what} took longer than {seconds:g} s") from None


async def collect_page(
    page: Page, call_timeout: float, screenshot_full_page: bool, measure_narrow: bool = False
) -> PageCollection:
    """Collect everything Vigie keeps about the loaded page. Never raises for page faults."""
    result: PageCollection = {"errors": {}, "timings": {}}

    async def step(name: str, make: Any) -> Any:
        started = time.perf_counter()
        try:
            return await bounded(make(), call_timeout, name)
        except CallTimeout as exc:
            result["errors"][name] = {"kind": "timeout", "error_kind": ErrorKind.timeout.value,
                                      "message": str(exc)}
        except Exception as exc:  # a page fault is evidence, not a crash
            result["errors"][name] = {"kind": "error", "error_kind": failure_of(exc).kind.value,
                                      "message": describe(exc)}
        finally:
            result["timings"][f"{name}_s"] = round(time.perf_counter() - started, 4)
        return None

    result["collector"] = await step(
        "collector", lambda: evaluate_json(page, _asset("collector.js"), COLLECTOR_LIMITS)
    )
    if "collector" in result["errors"] and result["errors"]["collector"]["kind"] == "timeout":
        # The page's main thread is stuck: further calls would only burn the budget.
        result["page_stuck"] = True
        return result
    await step("axe_inject", lambda: _inject_axe(page))
    if "axe_inject" not in result["errors"]:
        result["axe"] = await step(
            "axe", lambda: evaluate_json(page, _asset("axe_run.js"), {"options": AXE_OPTIONS})
        )
    result["screenshot"] = await step(
        "screenshot",
        lambda: page.screenshot(
            type="png", full_page=screenshot_full_page, timeout=call_timeout * 1000,
            animations="disabled", caret="hide",
        ),
    )
    collector = result["collector"]
    if collector is not None:
        collector["asset_heads"] = await step("asset_heads", lambda: _asset_heads(page, collector))
    if measure_narrow:
        result["narrow"] = await step("narrow", lambda: _measure_narrow(page))
    browser = page.context.browser
    result["browser_version"] = browser.version if browser else None
    return result


async def _asset_heads(page: Page, collector: Collected) -> list[AssetHead]:
    origin = page.url.split("/", 3)[:3]
    same_origin = [u for u in [*collector.get("stylesheets", []), *collector.get("scripts", [])]
                   if u.split("/", 3)[:3] == origin]
    urls = same_origin[: ASSET_HEADS["max_assets"]]
    if not urls:
        return []
    heads: list[AssetHead] = await page.evaluate(
        _asset("asset_heads.js"), {"urls": urls, "bytes": ASSET_HEADS["bytes"],
                                   "ms": ASSET_HEADS["ms"]})
    return heads


async def _measure_narrow(page: Page) -> NarrowWidths:
    """Document widths with the viewport narrowed to 320 CSS px, then restored."""
    size = page.viewport_size or {"width": 375, "height": 812}
    await page.set_viewport_size({"width": NARROW_WIDTH, "height": size["height"]})
    try:
        widths: NarrowWidths = await page.evaluate(
            """() => new Promise((done) => requestAnimationFrame(() => done({
                document_scroll: document.documentElement.scrollWidth,
                document_client: document.documentElement.clientWidth,
                body_scroll: document.body ? document.body.scrollWidth : null,
                window_inner: window.innerWidth,
            })))"""
        )
    finally:
        await page.set_viewport_size(size)
    widths["overflow_px"] = max(0, widths["document_scroll"] - widths["document_client"])
    return widths


async def evaluate_json(page: Page, function: str, arg: Any) -> Any:
    """Run ``function`` in the page and get its result back as JSON text.

    Large results (the collector's, axe's) cross to Python several times faster as one string
    than as an object Playwright serialises and validates field by field.
    """
    text = await page.evaluate(f"async (a) => JSON.stringify(await ({function})(a))", arg)
    return json.loads(text) if text is not None else None


@cache
def axe_bundle() -> str:
    """axe-core with its French locale configured (once per page, not once per run call)."""
    return f"{axe_source()};axe.configure({{locale: {json.dumps(axe_locale())}}});"


async def _inject_axe(page: Page) -> None:
    # Into every frame: axe.run in the top frame asks each frame for its results and would
    # wait (frameWaitTime) on frames that have no axe.
    source = axe_bundle()
    frames = page.frames[:MAX_FRAMES]
    await page.main_frame.evaluate(source)
    for frame in frames:
        if frame is not page.main_frame and not frame.is_detached():
            # A frame that cannot take axe is reported by axe itself as incomplete.
            with contextlib.suppress(Exception):
                await frame.evaluate(source)
