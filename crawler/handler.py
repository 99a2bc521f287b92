"""scrapy-playwright's download handler, with Vigie's page reuse, page budget and tab hygiene.

* Page reuse: one tab per concurrent capture and per viewport, navigated from page to page
  (a new tab per URL is 1.4-1.7x slower: closing a site's last tab ends its renderer).
* No request interception: scrapy-playwright routes every sub-resource through Python, which is
  slow and disables the browser cache. Our page init callback removes that route; headers come
  from the browser context (user agent, locale), which is all a GET capture needs.
* Page budget: the whole download (navigation, in-page collection, HTML) runs under one
  deadline; a page that overruns is closed, never reused, and the capture fails with
  ``PageBudgetExceeded``.
* Crashes: a tab whose renderer crashed is closed, never reused (the next capture gets a fresh
  one); ``CRASH_STREAK`` crashes in a row close the browser, which scrapy-playwright relaunches
  on the next page (its ``disconnected`` handling, also used when the browser process dies).
  scrapy-playwright's own retry of a closed target is skipped: a failed page is evidence.
* Memory: during each download the tab's JavaScript heap is polled (``crawler.tabs``); past
  ``renderer_memory_mb`` the tab is closed and the capture fails with ``resource_limit``. V8's
  ``--max-old-space-size`` (``crawler.run``) stops a page too busy to be polled: its renderer
  crashes; with the heap last seen past half the limit that is reported ``resource_limit``
  too, otherwise ``browser_crashed``, its message saying the heap went unmeasured.
* Popups and extra tabs a page opens are closed as soon as they appear, and any left are
  closed after each capture, so they never load during the next one.
* One document per capture: the response is rebuilt from the document the collection
  described (``crawler.document``): its URL, HTML and, when the page moved on, its status.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from typing import Any

from playwright.async_api import BrowserContext, Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from core.errors import BrowserCrashed, CaptureTimeout, ResourceLimitExceeded
from crawler.failures import describe, failure_of
from crawler.tabs import MB, Tab, attach, memory_limit_message, tab_of

logger = logging.getLogger(__name__)
CLOSE_TIMEOUT = 10.0
BUSY_SECONDS = 0.5  # a heap poll unanswered this long: the page's script holds the thread
CRASH_STREAK = 3  # tabs crashed in a row (no good capture between) before the browser is closed


class PageBudgetExceeded(CaptureTimeout):
    pass


async def remove_interception(page: Page, request: Request) -> None:
    """Page init callback (see module docstring)."""
    await page.unroute("**")


class VigieDownloadHandler(ScrapyPlaywrightDownloadHandler):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.page_budget = crawler.settings.getfloat("VIGIE_PAGE_BUDGET", 60.0)
        self.memory_mb = crawler.settings.getint("VIGIE_RENDERER_MEMORY_MB", 0)
        self.idle_pages: dict[str, list[Page]] = defaultdict(list)
        self.own_pages: set[Page] = set()  # created by the handler: every other tab is a popup
        self.watched_contexts: set[BrowserContext] = set()
        self.crash_streak = 0

    # -- pages ----------------------------------------------------------------------------------

    async def _create_page(self, request: Request, spider: Spider) -> Page:
        page: Page = await super()._create_page(request, spider)
        self.own_pages.add(page)
        if page.context not in self.watched_contexts:
            self.watched_contexts.add(page.context)
            page.context.on("page", self._close_if_popup)
        await attach(page)
        return page

    async def _close_if_popup(self, page: Page) -> None:
        with contextlib.suppress(Exception):
            if await page.opener() is not None and page not in self.own_pages:
                self.stats.inc_value("vigie/popups_closed")
                await page.close(run_before_unload=False)

    async def _close_strays(self, context: BrowserContext | None) -> None:
        """Tabs of the context that are not Vigie's (popups that slipped by the listener)."""
        if context is None:
            return
        for page in list(context.pages):
            if page not in self.own_pages:
                self.stats.inc_value("vigie/popups_closed")
                await self._discard(page)

    # -- the download ---------------------------------------------------------------------------

    async def _download_request(self, request: Request, spider: Spider | None = None) -> Response:
        if not request.meta.get("playwright"):
            return await super()._download_request(request, spider)
        spider = spider or self._crawler.spider
        context = request.meta.get("playwright_context", "default")
        deadline = time.monotonic() + self.page_budget
        if "vigie" in request.meta:  # load time counts from here, not from scheduling
            request.meta["vigie"]["started"] = time.monotonic()
        request.meta["playwright_include_page"] = True
        page = await self._take_idle_page(context)
        try:
            if page is None:
                page = await asyncio.wait_for(self._create_page(request, spider),
                                              timeout=self.page_budget)
        except TimeoutError:
            raise PageBudgetExceeded(
                f"page budget of {self.page_budget:g} s exceeded (no tab could be opened)"
            ) from None
        tab = tab_of(page) or await attach(page)
        await tab.new_capture(request.url)
        if tab.crashed:  # died or hung while idle: a fresh tab
            await self._discard(page)
            page = await asyncio.wait_for(self._create_page(request, spider),
                                          timeout=self.page_budget)
            tab = tab_of(page) or await attach(page)
            await tab.new_capture(request.url)
        request.meta["playwright_page"] = page
        try:
            response = await self._download_watched(request, spider, tab, deadline)
        except BaseException:
            if not tab.crashed:  # a crashed or overrunning tab is already closed
                self._release(context, page)
            raise
        finally:
            used = request.meta.pop("playwright_page", None)
            if isinstance(used, Page) and used is not page:
                await self._discard(used)  # scrapy-playwright replaced a closed tab: not pooled
            await self._close_strays(page.context if not page.is_closed() else None)
        if tab.crashed:  # after the collection: the capture has what it saw
            await self._crashed(tab)
            raise BrowserCrashed("the tab's renderer crashed (Target crashed); tab closed")
        self.crash_streak = 0
        result = _collection(response)
        if result and result.get("page_stuck"):
            await self._discard(page)
        else:
            self._release(context, page)
        return _of_document(response, result)

    async def _download_watched(self, request: Request, spider: Spider, tab: Tab,
                                deadline: float) -> Response:
        """The download, under the page budget and the memory watch; failures mapped here."""
        download = asyncio.ensure_future(self._download_request_with_retry(request, spider))
        watchers = {download}
        crash = asyncio.ensure_future(tab.crash_seen.wait())
        watchers.add(crash)
        if self.memory_mb > 0:
            watchers.add(asyncio.ensure_future(tab.watch_heap(self.memory_mb * MB)))
        try:
            while not download.done():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                done, _ = await asyncio.wait(watchers, timeout=remaining,
                                             return_when=asyncio.FIRST_COMPLETED)
                if crash in done and not download.done():
                    await self._crashed(tab)
                    raise self._crash_failure(tab, None)
                for watch in done - {download, crash}:
                    watchers.discard(watch)
                    used = watch.result()
                    if used is not None:  # past the limit (None: the tab went away)
                        self.stats.inc_value("vigie/resource_limit")
                        await self._discard(tab.page)
                        raise ResourceLimitExceeded(memory_limit_message(self.memory_mb, used))
            if not download.done():
                await self._discard(tab.page)
                raise PageBudgetExceeded(
                    f"page budget of {self.page_budget:g} s exceeded (page closed)")
            return download.result()
        except PlaywrightTimeoutError:
            # A page that never finished loading may have a hung renderer: never reuse it.
            await self._discard(tab.page)
            raise
        except (PageBudgetExceeded, ResourceLimitExceeded, BrowserCrashed):
            raise
        except Exception as exc:
            if tab.crashed or isinstance(failure_of(exc), BrowserCrashed):
                tab.crashed = True
                await self._crashed(tab)
                raise self._crash_failure(tab, exc) from None
            # After a navigation error (refused, redirect loop...) the tab itself is fine.
            raise
        finally:
            for watch in watchers:
                watch.cancel()
            if not download.done():
                download.cancel()
                with contextlib.suppress(BaseException):
                    await download

    def _crash_failure(self, tab: Tab, exc: BaseException | None) -> BrowserCrashed | \
            ResourceLimitExceeded:
        limited = self.memory_mb > 0
        # A renderer that dies with its heap seen past half the limit met V8's ceiling.
        if limited and tab.heap_peak * 2 >= self.memory_mb * MB:
            return ResourceLimitExceeded(
                memory_limit_message(self.memory_mb, tab.heap_peak, crashed=True))
        cause = f" ({describe(exc)})" if exc is not None else ""
        busy = tab.busy_for()
        if limited and busy >= BUSY_SECONDS:
            # Its script held the main thread, so the heap went unmeasured: say what is known
            # (a killed renderer looks the same from here).
            cause += (f"; its script had held the main thread for {busy:.1f} s, its heap "
                      f"unmeasured: possibly V8's heap ceiling, 1.5 × renderer_memory_mb "
                      f"({self.memory_mb} MB)")
        return BrowserCrashed(f"the tab's renderer crashed; tab closed{cause}")

    async def _crashed(self, tab: Tab) -> None:
        """Close a crashed tab; close the browser when tabs keep crashing (it is relaunched)."""
        self.stats.inc_value("vigie/tabs_crashed")
        await self._discard(tab.page)
        self.crash_streak += 1
        if self.crash_streak >= CRASH_STREAK and hasattr(self, "browser"):
            logger.warning("%d tabs crashed in a row: relaunching the browser", self.crash_streak)
            self.crash_streak = 0
            self.stats.inc_value("vigie/browser_relaunched")
            self.idle_pages.clear()
            self.own_pages.clear()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.browser.close(), CLOSE_TIMEOUT)

    async def _take_idle_page(self, context: str) -> Page | None:
        pool = self.idle_pages[context]
        while pool:
            page = pool.pop()
            tab = tab_of(page)
            if not page.is_closed() and tab is not None and not tab.crashed:
                return page
            self.own_pages.discard(page)  # crashed while idle: closed below, never reused
            await self._discard(page)
        return None

    def _release(self, context: str, page: Any) -> None:
        if isinstance(page, Page) and not page.is_closed():
            self.idle_pages[context].append(page)

    async def _discard(self, page: Any) -> None:
        if not isinstance(page, Page):
            return
        self.own_pages.discard(page)
        if not page.is_closed():
            try:
                await asyncio.wait_for(page.close(run_before_unload=False), CLOSE_TIMEOUT)
            except Exception as exc:  # the browser-disconnect path restarts a dead browser
                logger.warning("could not close a page: %s", exc)


def _collection(response: Response) -> dict[str, Any] | None:
    methods = response.meta.get("playwright_page_methods") or []
    return methods[0].result if methods else None


def _of_document(response: Response, result: dict[str, Any] | None) -> Response:
    """The response rebuilt from the document the collection described (crawler.document)."""
    document = (result or {}).get("document")
    if not document or not isinstance(response, TextResponse) or \
            "playwright_suggested_filename" in response.meta:  # a download: the tab's old page
        return response
    changes: dict[str, Any] = {"url": document["url"],
                               "body": document["html"].encode("utf-8"), "encoding": "utf-8"}
    if document.get("status") is not None:
        changes["status"] = document["status"]
    if document.get("headers") is not None:
        changes["headers"] = {k: v for k, v in document["headers"].items()
                              if k.lower() != "content-encoding"}
    return response.replace(**changes)
