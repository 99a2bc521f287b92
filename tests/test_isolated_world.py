"""The isolated-world collection keeps its budgets: frames it cannot test, a stuck page, a crash.

(What it records is compared with the clean page in tests/test_forged_evidence.py and with two
axe-core references in tests/test_axe_match.py and tests/test_axe_reference.py.)
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import pytest
from playwright.async_api import async_playwright

import crawler.collect
from core.settings import Settings
from crawler.collect import PageCollection, collect_page
from tests.conftest import SITES
from vigie.demo.server import SiteServer

pytestmark = pytest.mark.browser


async def collect(url: str, browser_choice: Any, call_timeout: float) -> tuple[PageCollection,
                                                                               float]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(**browser_choice.launch_options(
            Settings().browser_args))
        page = await browser.new_page()
        await page.goto(url, wait_until="load")
        started = time.perf_counter()
        result = await collect_page(page, call_timeout, False)
        seconds = time.perf_counter() - started
        await browser.close()
    return result, seconds


def test_a_frame_past_the_limit_is_reported_by_axe_as_not_tested(
        browser_choice: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crawler.collect, "MAX_FRAMES", 1)  # the top frame only
    with SiteServer(SITES / "forged") as server:
        result, _ = asyncio.run(collect(server.url("/index.html"), browser_choice, 30.0))
    assert result["errors"] == {}
    axe = result["axe"] or {}
    incomplete = {r["id"]: [n["target"] for n in r["nodes"]] for r in axe["incomplete"]}
    assert incomplete.get("frame-tested") == [["iframe"]]
    # The top frame's own results are all there; none from inside the frame.
    label = next(r for r in axe["violations"] if r["id"] == "label")
    assert [n["target"] for n in label["nodes"]] == [
        ['input[name="nom"]'], ['input[name="prenom"]'], ['input[name="lundi"]'],
        ['input[name="mardi"]']]


def test_a_stuck_page_ends_as_page_stuck_within_the_call_timeout(browser_choice: Any) -> None:
    with SiteServer(SITES / "hostile") as server:
        result, seconds = asyncio.run(collect(server.url("/endless-script.html"),
                                              browser_choice, 3.0))
    assert result.get("page_stuck") is True
    assert result["errors"]["collector"]["kind"] == "timeout"
    assert "axe" not in result
    assert seconds < 3.0 + 5.0  # the call timeout, and closing the protocol sessions


async def collect_while_crashing(url: str, browser_choice: Any) -> tuple[PageCollection, float]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(**browser_choice.launch_options(
            Settings().browser_args))
        page = await browser.new_page()
        await page.goto(url, wait_until="load")
        crasher = await page.context.new_cdp_session(page)
        started = time.perf_counter()
        collecting = asyncio.create_task(collect_page(page, 30.0, False))
        await asyncio.sleep(0.5)
        with contextlib.suppress(TimeoutError):  # a crashed renderer never answers
            await asyncio.wait_for(crasher.send("Page.crash"), 2.0)
        result = await collecting
        seconds = time.perf_counter() - started
        await browser.close()
    return result, seconds


def test_a_renderer_crash_fails_the_calls_at_once_as_browser_crashed(
        browser_choice: Any) -> None:
    with SiteServer(SITES / "forged") as server:
        result, seconds = asyncio.run(collect_while_crashing(server.url("/index.html"),
                                                             browser_choice))
    kinds = {name: error["error_kind"] for name, error in result["errors"].items()}
    assert kinds and set(kinds.values()) == {"browser_crashed"}, result["errors"]
    assert seconds < 15.0  # not the 30 s call timeout of each unanswered call
