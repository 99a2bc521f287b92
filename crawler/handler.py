"""scrapy-playwright's download handler, with Vigie's page reuse and page budget.

* Page reuse: one tab per concurrent capture and per viewport, navigated from page to page
  (a new tab per URL is 1.4-1.7x slower: closing a site's last tab ends its renderer).
* No request interception: scrapy-playwright routes every sub-resource through Python, which is
  slow and disables the browser cache. Our page init callback removes that route; headers come
  from the browser context (user agent, locale), which is all a GET capture needs.
* Page budget: the whole download (navigation, in-page collection, HTML) runs under
  ``asyncio.wait_for``; a page that overruns is closed, never reused, and the capture fails
  with ``PageBudgetExceeded``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from typing import Any

from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from core.errors import CaptureTimeout

logger = logging.getLogger(__name__)
CLOSE_TIMEOUT = 10.0


class PageBudgetExceeded(CaptureTimeout):
    pass


async def remove_interception(page: Page, request: Request) -> None:
    """Page init callback (see module docstring)."""
    await page.unroute("**")


class VigieDownloadHandler(ScrapyPlaywrightDownloadHandler):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.page_budget = crawler.settings.getfloat("VIGIE_PAGE_BUDGET", 60.0)
        self.idle_pages: dict[str, list[Page]] = defaultdict(list)

    async def _download_request(self, request: Request, spider: Spider | None = None) -> Response:
        if not request.meta.get("playwright"):
            return await super()._download_request(request, spider)
        context = request.meta.get("playwright_context", "default")
        if "vigie" in request.meta:  # load time counts from here, not from scheduling
            request.meta["vigie"]["started"] = time.monotonic()
        request.meta["playwright_include_page"] = True
        request.meta["playwright_page"] = self._take_idle_page(context)
        try:
            response = await asyncio.wait_for(
                super()._download_request(request, spider), timeout=self.page_budget
            )
        except TimeoutError:
            await self._discard(request.meta.pop("playwright_page", None))
            raise PageBudgetExceeded(
                f"page budget of {self.page_budget:g} s exceeded (page closed)"
            ) from None
        except PlaywrightTimeoutError:
            # A page that never finished loading may have a hung renderer: never reuse it.
            await self._discard(request.meta.pop("playwright_page", None))
            raise
        except BaseException:
            # After a navigation error (refused, redirect loop...) the tab itself is fine.
            self._release(context, request.meta.pop("playwright_page", None))
            raise
        # The spider never touches pages: they go back to the pool here.
        page = request.meta.pop("playwright_page", None)
        result = _collection(response)
        if result and result.get("page_stuck"):
            await self._discard(page)
        else:
            self._release(context, page)
        return response

    def _take_idle_page(self, context: str) -> Page | None:
        pool = self.idle_pages[context]
        while pool:
            page = pool.pop()
            if not page.is_closed():
                return page
        return None

    def _release(self, context: str, page: Any) -> None:
        if isinstance(page, Page) and not page.is_closed():
            self.idle_pages[context].append(page)

    async def _discard(self, page: Any) -> None:
        if isinstance(page, Page) and not page.is_closed():
            try:
                await asyncio.wait_for(page.close(run_before_unload=False), CLOSE_TIMEOUT)
            except Exception as exc:  # the browser-disconnect path restarts a dead browser
                logger.warning("could not close an overrunning page: %s", exc)


def _collection(response: Response) -> dict[str, Any] | None:
    methods = response.meta.get("playwright_page_methods") or []
    return methods[0].result if methods else None
