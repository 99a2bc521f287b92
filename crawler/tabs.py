"""What Vigie watches on each of its tabs: renderer crashes, the main frame's document, the
JavaScript heap, the page's requests and DOM changes (for the settle step).

One ``Tab`` per pooled page, attached once when the handler creates the page (``attach``) and
kept for the page's life. It holds a CDP session of its own, because Playwright's public API
tells neither which document the main frame shows (a new one after ``location = …`` or a meta
refresh; a ``pushState`` keeps it) nor how large the page's heap is.

The settle step (``Tab.settle``) waits, before the collection, for content that arrives after
``load`` (a single-page application filling its footer from a request): no request of the page
in flight and no DOM change for a quiet window, at most a cap. Requests come from the Network
events of the tab's session; DOM changes from a ``MutationObserver`` that Vigie installs at
each document's start in an isolated world of its own (never in the page's world: the page
can neither see it nor tell it the DOM is quiet). Activity before ``load`` counts, so a static
page, quiet since it loaded, is collected as soon as the window has passed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Literal

from playwright.async_api import CDPSession, Page
from playwright.async_api import Response as PlaywrightResponse

HEAP_POLL_SECONDS = 0.2
ANSWER_SECONDS = 5.0  # an idle tab's renderer answers a CDP call well within this
MB = 1024 * 1024
SETTLE_POLL = 0.1  # s: the settle step checks again at least this often
SETTLE_WORLD = "vigie-settle"
# Long-lived connections never finish: they must not hold the settle step to its cap.
LONG_LIVED = frozenset({"WebSocket", "EventSource", "Media", "Ping"})
STREAM_SECONDS = 1.0  # a response still arriving this long after its headers is a stream
# Idempotent, so the query installs it on a document that began before the tab was watched.
# Only nodes and texts count: a carousel's style changes would keep every such page to the cap.
_OBSERVER = """function () {
  if (globalThis.__vigieSettle || window !== window.top) return;
  const state = {last: performance.now()};
  globalThis.__vigieSettle = state;
  new MutationObserver(() => { state.last = performance.now(); })
    .observe(document, {childList: true, subtree: true, characterData: true});
}"""
OBSERVER_JS = f"({_OBSERVER})()"
SINCE_MUTATION_JS = f"({_OBSERVER})(), performance.now() - globalThis.__vigieSettle.last"


@dataclass(frozen=True)
class Document:
    """One document of the main frame: Chromium's loader id changes with every new document."""

    loader_id: str
    url: str


@dataclass(frozen=True)
class SettleWindow:
    """How long the settle step waits: the main frame's quiet and the page's."""

    navigation_quiet: float  # s without main-frame load or navigation
    navigation_longest: float  # s: a page still moving by then is collected anyway
    quiet: float = 0.0  # s without a request in flight or a DOM change
    cap: float = 0.0  # s: the page's quiet is awaited this long at most (0: not at all)


@dataclass(frozen=True)
class Settled:
    """What the settle step took, for the capture's timings."""

    ms: int
    stop: Literal["quiet", "cap"]  # the page went quiet, or the cap came first


@dataclass
class Tab:
    page: Page
    cdp: CDPSession
    main_frame_id: str = ""
    crashed: bool = False
    # Main-frame activity, for the settle step: last navigation event, and whether it is loading.
    last_activity: float = field(default_factory=time.monotonic)
    loading: bool = False
    committed: list[Document] = field(default_factory=list)  # new documents, in order
    requested: str = ""  # the URL the handler navigates to for the current capture
    requested_loader: str = ""  # the loader of that navigation (the same through redirects)
    frozen: bool = False
    document_response: PlaywrightResponse | None = None  # of the last main-frame navigation
    # The page's requests in flight (id -> when its headers came, None before), and when one
    # last started or ended.
    in_flight: dict[str, float | None] = field(default_factory=dict)
    network_activity: float = 0.0
    heap_peak: int = 0  # bytes, highest JS heap seen during the current capture
    poll_sent: float = 0.0  # when the pending heap poll was sent (0: none pending)
    crash_seen: asyncio.Event = field(default_factory=asyncio.Event)  # a crashed page may
    # leave a navigation or an evaluation pending for ever: the handler waits on this too

    # -- events -------------------------------------------------------------------------------

    def _on_main_frame(self, event: dict[str, Any], *, loading: bool | None = None) -> None:
        frame_id = event.get("frameId") or event.get("frame", {}).get("id")
        if frame_id != self.main_frame_id:
            return
        self.last_activity = time.monotonic()
        if loading is not None:
            self.loading = loading

    def _on_navigated(self, event: dict[str, Any]) -> None:
        frame = event.get("frame", {})
        if frame.get("parentId") is None:
            self.main_frame_id = frame.get("id", self.main_frame_id)
            self.committed.append(Document(frame.get("loaderId", ""), frame.get("url", "")))
            self.last_activity = time.monotonic()

    def _on_started_navigating(self, event: dict[str, Any]) -> None:
        self._on_main_frame(event)
        if event.get("frameId") == self.main_frame_id and not self.requested_loader and \
                _same_url(event.get("url", ""), self.requested):
            self.requested_loader = event.get("loaderId", "")

    def _on_response(self, response: PlaywrightResponse) -> None:
        with contextlib.suppress(Exception):  # a response of a frame already detached
            if response.request.is_navigation_request() and \
                    response.frame == self.page.main_frame:
                self.document_response = response

    def _on_request(self, event: dict[str, Any]) -> None:
        if event.get("type") in LONG_LIVED:
            return
        self.in_flight[event.get("requestId", "")] = None
        self.network_activity = time.monotonic()

    def _on_headers(self, event: dict[str, Any]) -> None:
        if event.get("requestId") in self.in_flight:
            self.in_flight[event["requestId"]] = time.monotonic()

    def _on_request_end(self, event: dict[str, Any]) -> None:
        if event.get("requestId") in self.in_flight:
            del self.in_flight[event["requestId"]]
            self.network_activity = time.monotonic()

    def _on_crash(self, _page: Page) -> None:
        self.crashed = True
        self.crash_seen.set()

    # -- queries ------------------------------------------------------------------------------

    async def new_capture(self, url: str) -> None:
        """Forget the previous capture's document; events the browser sent before this call
        are flushed first (by a round trip), so they are not taken for the new capture's."""
        try:
            async with asyncio.timeout(ANSWER_SECONDS):
                if self.frozen:
                    # Leave the collected document while its scripts are still off: turned
                    # back on there, its timers (a dialog loop, a reload loop) would run again
                    # and could interrupt the next navigation.
                    await self.cdp.send("Page.navigate", {"url": "about:blank"})
                    await self.cdp.send("Emulation.setScriptExecutionDisabled",
                                        {"value": False})
                    self.frozen = False
                await self.document()
        except TimeoutError:  # a renderer that no longer answers is as good as crashed
            self.crashed = True
        except Exception:
            pass  # a crashed or closed tab: the download says so
        self.committed.clear()
        self.requested, self.requested_loader = url, ""
        self.heap_peak = 0
        self.poll_sent = 0.0
        self.document_response = None
        self.in_flight.clear()  # the previous document's: stopped with it
        self.network_activity = 0.0

    async def document(self) -> Document:
        tree = await self.cdp.send("Page.getFrameTree")
        frame = tree["frameTree"]["frame"]
        self.main_frame_id = frame["id"]
        return Document(frame["loaderId"], frame["url"])

    async def settle(self, window: SettleWindow) -> Settled:
        """Wait until the main frame has neither loaded nor navigated for
        ``navigation_quiet`` (a meta refresh or a script moving the page on right after
        ``load``), at most ``navigation_longest``; and until the page has had no request in
        flight and no DOM change for ``quiet``, at most ``cap`` (module docstring)."""
        started = time.monotonic()
        navigation_end = started + window.navigation_longest
        cap_end = started + window.cap
        while True:
            now = time.monotonic()
            wait = self._navigation_wait(now, window.navigation_quiet) \
                if now < navigation_end else 0.0
            content = now < cap_end
            if content and wait <= 0:  # the DOM is asked last: the only one a round trip
                wait = self._network_wait(now, window.quiet)
                if wait <= 0:
                    wait = await self._dom_wait(window.quiet, cap_end)
            if wait <= 0:
                break
            await asyncio.sleep(min(wait, SETTLE_POLL))
        return Settled(round((time.monotonic() - started) * 1000), "quiet" if content else "cap")

    def _navigation_wait(self, now: float, quiet: float) -> float:
        return SETTLE_POLL if self.loading else self.last_activity + quiet - now

    def _network_wait(self, now: float, quiet: float) -> float:
        """Seconds at least before the network can be called quiet (≤ 0: it is)."""
        if any(headers is None or now - headers < STREAM_SECONDS
               for headers in self.in_flight.values()):
            return SETTLE_POLL
        return self.network_activity + quiet - now

    async def _dom_wait(self, quiet: float, end: float) -> float:
        """Seconds at least before the DOM can be called quiet (≤ 0: it is). A main thread
        too busy to answer by ``end`` leaves the step to its cap."""
        try:
            async with asyncio.timeout(max(end - time.monotonic(), 0.001)):
                world = await self.cdp.send("Page.createIsolatedWorld", {
                    "frameId": self.main_frame_id, "worldName": SETTLE_WORLD})
                reply = await self.cdp.send("Runtime.evaluate", {
                    "expression": SINCE_MUTATION_JS, "contextId": world["executionContextId"],
                    "returnByValue": True, "silent": True})
        except TimeoutError:
            return SETTLE_POLL
        except Exception:
            return 0.0  # no document to watch (the tab is going away): nothing to wait for
        since = reply.get("result", {}).get("value")
        if not isinstance(since, int | float):
            return 0.0
        return quiet - since / 1000

    def documents_since_request(self) -> list[str]:
        """URLs of the requested page's document and of those that followed it, in order."""
        loaders = [d.loader_id for d in self.committed]
        first = loaders.index(self.requested_loader) if self.requested_loader in loaders else 0
        return [d.url for d in self.committed[first:]]

    def navigated_after_load(self) -> list[str]:
        """URLs of the documents that followed the requested page's, in order."""
        return self.documents_since_request()[1:]

    async def freeze(self) -> None:
        """Stop the document from moving on once it has been collected (its scripts and any
        pending navigation), until the tab's next capture."""
        self.frozen = True
        await self.cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
        await self.cdp.send("Page.stopLoading")

    def busy_for(self) -> float:
        """Seconds the page's main thread has left a heap poll unanswered (running script)."""
        return time.monotonic() - self.poll_sent if self.poll_sent else 0.0

    async def heap_used(self) -> int:
        self.poll_sent = time.monotonic()
        usage = await self.cdp.send("Runtime.getHeapUsage")
        self.poll_sent = 0.0
        used = int(usage.get("usedSize", 0))
        self.heap_peak = max(self.heap_peak, used)
        return used

    async def watch_heap(self, limit_bytes: int) -> int | None:
        """Return the heap size once the page's JS heap is past ``limit_bytes``, None if the tab
        went away; runs until cancelled otherwise. A renderer too busy to answer is left to
        V8's own heap limit (the browser's ``--max-old-space-size``)."""
        while True:
            try:
                used = await asyncio.wait_for(self.heap_used(), timeout=5.0)
            except TimeoutError:
                self.poll_sent = time.monotonic() - 5.0  # still busy: poll again, keep the age
                continue  # the main thread is busy; V8's limit still holds
            except Exception:
                return None  # the tab is gone: nothing more to watch
            if used > limit_bytes:
                return used
            await asyncio.sleep(HEAP_POLL_SECONDS)


_TABS: weakref.WeakKeyDictionary[Page, Tab] = weakref.WeakKeyDictionary()


async def attach(page: Page) -> Tab:
    """Start watching a new tab (once per page)."""
    existing = _TABS.get(page)
    if existing is not None:
        return existing
    cdp = await page.context.new_cdp_session(page)
    tab = Tab(page, cdp)
    page.on("crash", tab._on_crash)
    page.on("response", tab._on_response)
    cdp.on("Page.frameNavigated", tab._on_navigated)
    cdp.on("Page.frameStartedLoading", lambda e: tab._on_main_frame(e, loading=True))
    cdp.on("Page.frameStoppedLoading", lambda e: tab._on_main_frame(e, loading=False))
    cdp.on("Page.frameRequestedNavigation", tab._on_main_frame)
    cdp.on("Page.frameStartedNavigating", tab._on_started_navigating)
    cdp.on("Network.requestWillBeSent", tab._on_request)
    cdp.on("Network.responseReceived", tab._on_headers)
    cdp.on("Network.loadingFinished", tab._on_request_end)
    cdp.on("Network.loadingFailed", tab._on_request_end)
    await cdp.send("Page.enable")
    # This session only follows requests: it keeps no response bodies (Playwright's does).
    await cdp.send("Network.enable", {"maxTotalBufferSize": 0, "maxResourceBufferSize": 0})
    await cdp.send("Page.addScriptToEvaluateOnNewDocument",
                   {"source": OBSERVER_JS, "worldName": SETTLE_WORLD})
    await tab.document()
    _TABS[page] = tab
    return tab


def tab_of(page: Page) -> Tab | None:
    return _TABS.get(page)


def _same_url(a: str, b: str) -> bool:
    return a.split("#", 1)[0].rstrip("/") == b.split("#", 1)[0].rstrip("/")


def memory_limit_message(limit_mb: int, used: int | None = None, *,
                         crashed: bool = False) -> str:
    seen = f" ({used / MB:.0f} MB)" if used and used > limit_mb * MB else ""
    end = "its renderer crashed; tab closed" if crashed else "tab closed"
    return (f"the page's JavaScript heap grew past the {limit_mb} MB limit{seen} "
            f"(renderer_memory_mb, VIGIE_RENDERER_MEMORY_MB): {end}")
