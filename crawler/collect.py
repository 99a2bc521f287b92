"""The one bounded in-page collection made for every capture: axe-core, collector, screenshot.

It runs inside the download (as a scrapy-playwright page method), so it counts against the
crawl's concurrency. Every call into the page is under ``asyncio.wait_for``; a call that fails
or overruns is recorded in ``errors`` and the others still run, so one broken part of a page
never costs the rest of its evidence.

Vigie's scripts run in an isolated JavaScript world of each frame (``crawler.worlds``), never
in the page's own: a page that redefines ``JSON.stringify``, ``Promise`` or ``window.axe``
cannot change what is recorded. axe-core runs frame by frame (``axe.runPartial`` in each
frame's isolated world, ``axe.finishRun`` in the top frame's), without frame messaging a page
could answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypedDict, TypeVar

from playwright.async_api import Page

from core.capture import AssetHead, AxeResult, CallError, Collected, NarrowWidths
from core.errors import ErrorKind
from crawler.failures import describe, failure_of
from crawler.worlds import FrameWorld, IsolatedWorlds, MainWorld

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
MAX_FRAMES = 20  # frames axe visits, the top one included; the others are axe's own incomplete
# Frames may use this share of the axe call's budget; the rest is kept for the top frame's
# result, so a stuck frame (another renderer) costs that frame's results only.
FRAMES_SHARE = 0.75
DETACH_SECONDS = 5.0  # closing the protocol sessions, at most
FRAME_CONTEXTS_JS = "(options) => axe.utils.getFrameContexts(document, options)"
NARROW_JS = """() => new Promise((done) => requestAnimationFrame(() => done({
    document_scroll: document.documentElement.scrollWidth,
    document_client: document.documentElement.clientWidth,
    body_scroll: document.body ? document.body.scrollWidth : null,
    window_inner: window.innerWidth,
})))"""

T = TypeVar("T")
WorldKind = Literal["isolated", "main"]
TopWorld = Callable[[], Awaitable[FrameWorld]]  # the top frame's world, opened on first use


class PageCollection(TypedDict, total=False):
    """What ``collect_page`` hands the spider, which builds the capture row from it."""

    errors: dict[str, CallError]  # by call name; becomes summary.errors
    # "<call>_s"; the start of the row's timings (crawler.document adds the settle step's)
    timings: dict[str, float | str]
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
    page: Page, call_timeout: float, screenshot_full_page: bool, measure_narrow: bool = False,
    *, world: WorldKind = "isolated",
) -> PageCollection:
    """Collect everything Vigie keeps about the loaded page. Never raises for page faults.

    ``world="main"`` runs the same scripts in the page's own world, which the page can forge:
    for the benchmark's comparison and the tests' proof of that, never for captures.
    """
    result: PageCollection = {"errors": {}, "timings": {}}
    worlds: IsolatedWorlds | None = None
    top: FrameWorld | None = None

    async def top_world() -> FrameWorld:
        nonlocal worlds, top
        if top is None:
            if world == "main":
                top = MainWorld(page.main_frame)
            else:
                worlds = worlds or await IsolatedWorlds.open(page)
                top = await worlds.top()
        return top

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

    async def collector() -> Collected:
        collected: Collected = await (await top_world()).call(_asset("collector.js"),
                                                               COLLECTOR_LIMITS)
        return collected

    async def inject() -> None:
        await (await top_world()).run(axe_bundle())

    async def axe() -> AxeResult:
        return await _run_axe(await top_world(), call_timeout)

    try:
        result["collector"] = await step("collector", collector)
        if "collector" in result["errors"] and result["errors"]["collector"]["kind"] == "timeout":
            # The page's main thread is stuck: further calls would only burn the budget.
            result["page_stuck"] = True
            return result
        await step("axe_inject", inject)
        if "axe_inject" not in result["errors"]:
            result["axe"] = await step("axe", axe)
        result["screenshot"] = await step(
            "screenshot",
            lambda: page.screenshot(
                type="png", full_page=screenshot_full_page, timeout=call_timeout * 1000,
                animations="disabled", caret="hide",
            ),
        )
        collected = result["collector"]
        if isinstance(collected, dict):  # (a main-world run may get anything back)
            collected["asset_heads"] = await step(
                "asset_heads", lambda: _asset_heads(page, top_world, collected))
        if measure_narrow:
            result["narrow"] = await step("narrow", lambda: _measure_narrow(page, top_world))
    finally:
        if worlds is not None:
            with contextlib.suppress(Exception):
                await bounded(worlds.close(), min(call_timeout, DETACH_SECONDS), "detach")
    browser = page.context.browser
    result["browser_version"] = browser.version if browser else None
    return result


async def _run_axe(top: FrameWorld, call_timeout: float) -> AxeResult:
    """axe-core over the top frame and its frames, each in its own world, then combined.

    A page without frames gets one ``axe.run`` (the same result, without the partial results'
    round trip, which cost 40–70 % more than one run on a large page when measured).

    The partial results are in axe's order (a frame's own, then each of its frames' in
    ``getFrameContexts`` order, depth first); a frame that cannot be reached, overruns its share
    of the budget or is past ``MAX_FRAMES`` stays ``null``, which axe reports as not tested.
    """
    frames = await top.call(FRAME_CONTEXTS_JS, AXE_OPTIONS)
    if not frames:  # nothing to visit: axe.run itself, whose partial results never cross
        alone: AxeResult = await top.call(_asset("axe_run.js"), {"options": AXE_OPTIONS})
        return alone
    deadline = time.perf_counter() + call_timeout * FRAMES_SHARE
    partials: list[Any] = []
    visits = [0]

    async def visit(frame: FrameWorld, context: Any) -> None:
        visits[0] += 1
        got = await frame.call(_asset("axe_partial.js"), {"context": context,
                                                         "options": AXE_OPTIONS})
        partials.append(got["partial"])
        for inner in got["frames"]:
            mark = len(partials)
            left = deadline - time.perf_counter()
            try:
                if visits[0] >= MAX_FRAMES or left <= 0:
                    raise CallTimeout("no budget left for this frame")
                await bounded(enter(frame, inner), left, "frame")
            except Exception:
                del partials[mark:]  # never half a frame's results
                partials.append(None)

    async def enter(parent: FrameWorld, inner: dict[str, Any]) -> None:
        child = await parent.child(inner["frameSelector"])
        if child is None:
            raise LookupError(f"no frame at {inner['frameSelector']}")
        await child.run(axe_bundle())
        await visit(child, inner["frameContext"])

    await visit(top, None)
    result: AxeResult = await top.call(_asset("axe_finish.js"),
                                       {"partials": partials, "options": AXE_OPTIONS})
    return result


async def _asset_heads(page: Page, top_world: TopWorld, collector: Collected) -> list[AssetHead]:
    origin = page.url.split("/", 3)[:3]
    same_origin = [u for u in [*collector.get("stylesheets", []), *collector.get("scripts", [])]
                   if u.split("/", 3)[:3] == origin]
    urls = same_origin[: ASSET_HEADS["max_assets"]]
    if not urls:
        return []
    heads: list[AssetHead] = await (await top_world()).call(
        _asset("asset_heads.js"), {"urls": urls, "bytes": ASSET_HEADS["bytes"],
                                   "ms": ASSET_HEADS["ms"]})
    return heads


async def _measure_narrow(page: Page, top_world: TopWorld) -> NarrowWidths:
    """Document widths with the viewport narrowed to 320 CSS px, then restored."""
    size = page.viewport_size or {"width": 375, "height": 812}
    await page.set_viewport_size({"width": NARROW_WIDTH, "height": size["height"]})
    try:
        widths: NarrowWidths = await (await top_world()).call(NARROW_JS, None)
    finally:
        await page.set_viewport_size(size)
    widths["overflow_px"] = max(0, widths["document_scroll"] - widths["document_client"])
    return widths


@cache
def axe_bundle() -> str:
    """axe-core with its French locale configured (once per frame, not once per run call)."""
    return f"{axe_source()};axe.configure({{locale: {json.dumps(axe_locale())}}});"
