"""What Vigie watches on each of its tabs: renderer crashes, the main frame's document, the
JavaScript heap.

One ``Tab`` per pooled page, attached once when the handler creates the page (``attach``) and
kept for the page's life. It holds a CDP session of its own, because Playwright's public API
tells neither which document the main frame shows (a new one after ``location = …`` or a meta
refresh; a ``pushState`` keeps it) nor how large the page's heap is.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import CDPSession, Page
from playwright.async_api import Response as PlaywrightResponse

HEAP_POLL_SECONDS = 0.2
ANSWER_SECONDS = 5.0  # an idle tab's renderer answers a CDP call well within this
MB = 1024 * 1024


@dataclass(frozen=True)
class Document:
    """One document of the main frame: Chromium's loader id changes with every new document."""

    loader_id: str
    url: str


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

    async def document(self) -> Document:
        tree = await self.cdp.send("Page.getFrameTree")
        frame = tree["frameTree"]["frame"]
        self.main_frame_id = frame["id"]
        return Document(frame["loaderId"], frame["url"])

    async def settle(self, quiet: float, longest: float) -> None:
        """Wait until the main frame has neither loaded nor navigated for ``quiet`` seconds
        (a meta refresh or a script moving the page on right after ``load``), at most
        ``longest`` seconds."""
        deadline = time.monotonic() + longest
        while (now := time.monotonic()) < deadline:
            still = self.last_activity + quiet - now
            if not self.loading and still <= 0:
                return
            await asyncio.sleep(min(max(still, 0.05), deadline - now))

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
    await cdp.send("Page.enable")
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
