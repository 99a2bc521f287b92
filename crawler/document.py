"""One document per capture: everything a capture keeps comes from the same document.

A page may move on after its ``load`` event (``location = …`` after a login check, a meta
refresh to a site's new home, a timer). The in-page collection (``collect_page``) then risks
describing one document while the HTML and URL describe the next. ``collect_document`` wraps
it: it first lets the page settle (``Tab.settle``: no main-frame load or navigation for
``SETTLE_QUIET`` seconds; then no request in flight and no DOM change for ``settle_quiet``, at
most ``settle_max``, for content rendered after ``load``), collects, takes the HTML and URL
itself, and checks that the main frame still shows the same document (Chromium's loader id).
If not, it settles and collects once more on the new document; a page that moves again gives a
``timeout`` capture with nothing kept — never a mix. The URLs the page went through are kept in
``navigated_after_load``; the first settle's duration and end are kept in the timings.
"""

from __future__ import annotations

import contextlib
from typing import Any, TypedDict, cast

from playwright.async_api import Page

from core.errors import ErrorKind
from crawler.collect import PageCollection, bounded, collect_page
from crawler.failures import describe
from crawler.tabs import SettleWindow, Tab, attach, tab_of

SETTLE_QUIET = 0.25  # s without main-frame activity before collecting (meta refresh 0 s, …)
SETTLE_LONGEST = 2.0  # s: a page still moving by then is collected anyway, and checked
CONTENT_QUIET = 0.5  # s without a request in flight or a DOM change (Settings.settle_quiet_ms)
CONTENT_CAP = 3.0  # s: its cap (Settings.settle_max_ms)
ATTEMPTS = 2  # the first document, then the one it moved to
MAX_NAVIGATIONS_KEPT = 20


class CapturedDocument(TypedDict):
    """The document the collection described, for the handler to build the response from."""

    url: str
    html: str
    status: int | None  # of the document's own response, when it is not the requested one
    headers: dict[str, str] | None


class DocumentCollection(PageCollection, total=False):
    document: CapturedDocument
    navigated_after_load: list[str]


async def collect_document(page: Page, call_timeout: float, screenshot_full_page: bool,
                           measure_narrow: bool = False, *, settle_quiet: float = CONTENT_QUIET,
                           settle_max: float = CONTENT_CAP) -> DocumentCollection:
    """``collect_page`` on one document, with that document's HTML and URL (module docstring).
    Raises only when the tab itself is gone (a crash): the handler maps that."""
    tab = tab_of(page) or await attach(page)
    window = SettleWindow(SETTLE_QUIET, min(SETTLE_LONGEST, call_timeout), settle_quiet,
                          min(settle_max, call_timeout))
    settled = await tab.settle(window)
    result: DocumentCollection = {}
    for _attempt in range(ATTEMPTS):
        before = await tab.document()
        result = cast(DocumentCollection, await collect_page(
            page, call_timeout, screenshot_full_page, measure_narrow))
        # The first settle's: what every capture pays before its collection.
        result["timings"].update({"settle_ms": settled.ms, "settle_stop": settled.stop})
        html: str | None = None
        try:
            html = await bounded(page.content(), call_timeout, "html")
        except Exception as exc:  # the page is navigating away: seen just below
            result["errors"]["html"] = {"kind": "error", "error_kind": ErrorKind.vigie_error.value,
                                        "message": describe(exc)}
        after = await tab.document()
        if after.loader_id == before.loader_id:
            break
        await tab.settle(window)  # the new document's content gets its time too
    else:
        await _freeze(tab)
        return _unstable(result, tab.documents_since_request())
    await _freeze(tab)
    moved = tab.navigated_after_load()[:MAX_NAVIGATIONS_KEPT]
    if moved:
        result["navigated_after_load"] = moved
    if html is not None and not result.get("page_stuck"):
        result["document"] = {"url": after.url, "html": html, "status": None, "headers": None}
        response = tab.document_response
        if moved and response is not None and response.url == after.url:
            result["document"]["status"] = response.status
            result["document"]["headers"] = await _headers(response)
    return result


async def _freeze(tab: Tab) -> None:
    # What follows the collection in the download (scrapy-playwright's own page.content())
    # must not fail because the page moved on meanwhile.
    with contextlib.suppress(Exception):  # a crashed tab: the handler sees it
        await tab.freeze()


async def _headers(response: Any) -> dict[str, str] | None:
    try:
        headers: dict[str, str] = await response.all_headers()
    except Exception:
        return None
    return headers


def _unstable(result: DocumentCollection, committed: list[str]) -> DocumentCollection:
    """Nothing of a page that kept moving during every collection is kept."""
    urls = committed[:MAX_NAVIGATIONS_KEPT]
    message = ("the page kept navigating after load (" + " → ".join(urls) +
               f"): no document stayed for {ATTEMPTS} collections, nothing kept")
    errors = dict(result.get("errors", {}))
    errors["collector"] = {"kind": "timeout", "error_kind": ErrorKind.timeout.value,
                           "message": message}
    return {"errors": errors, "timings": result.get("timings", {}), "collector": None,
            "axe": None, "screenshot": None, "navigated_after_load": urls[1:],
            "browser_version": result.get("browser_version")}
