"""The Vigie spider: for each service, its entry pages, then the key pages found from them.

Every page is requested once per viewport. Every request ends as exactly one stored capture
(ok, error, timeout or blocked), so a service scan's ``pages/attempted`` always equals the sum
of its outcomes; the pipeline tells the spider when a capture is stored, and the service scan is
closed when its last capture is in.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy_playwright.page import PageMethod
from twisted.python.failure import Failure

from core.capture import EgressRefused, RedirectHop, Summary, Timings, Tls, ToolVersions
from core.errors import (
    FAILURE_BY_KIND,
    CaptureFailure,
    CaptureTimeout,
    ErrorKind,
    HttpError,
    NotHtml,
)
from core.outcomes import CaptureOutcome
from core.settings import Settings
from core.version import __version__
from crawler.budget import ServiceClock
from crawler.context import context_of
from crawler.discovery import canonical, key_pages
from crawler.document import DocumentCollection, collect_document
from crawler.egress import MARK_HEADER, VerdictLog
from crawler.failures import failure_of, failure_of_verdict
from crawler.handler import remove_interception
from crawler.policy import HostNotResolved, PolicyViolation, VerdictKind, check_url
from crawler.recorder import Recorder
from crawler.signals import capture_stored
from storage.captures import CaptureRecord
from storage.runs import ScanTarget


def _tls(details: Any) -> Tls | None:
    """Playwright's security details of the main response (HTTPS only)."""
    if not details:
        return None
    return Tls(protocol=details.get("protocol"), issuer=details.get("issuer"),
               subjectName=details.get("subjectName"), validFrom=details.get("validFrom"),
               validTo=details.get("validTo"))


@dataclass
class _ServiceState:
    target: ScanTarget
    started: float
    seen: set[str] = field(default_factory=set)
    outstanding: int = 0
    over_cap: int = 0
    finished: bool = False


class VigieSpider(scrapy.Spider):
    name = "vigie"
    recorder: Recorder  # all three from the crawl's context (crawler.context), in from_crawler
    clock: ServiceClock
    egress: VerdictLog | None

    def __init__(self, targets: list[ScanTarget], vigie_settings: Settings,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.targets = targets
        self.vs = vigie_settings
        self.states: dict[int, _ServiceState] = {}
        # A page shared by several services (a ministry's accessibility declaration, say) is
        # fetched once per run: (url, viewport) -> its record once made, None while in flight.
        self.fetched: dict[tuple[str, str], CaptureRecord | None] = {}
        self.waiting: dict[tuple[str, str], list[tuple[_ServiceState, str]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> VigieSpider:
        spider: VigieSpider = super().from_crawler(crawler, *args, **kwargs)
        context = context_of(crawler)
        spider.recorder, spider.clock = context.recorder, context.clock
        spider.egress = context.egress
        crawler.signals.connect(spider.capture_saved, signal=capture_stored)
        return spider

    # -- scheduling ---------------------------------------------------------------------------

    async def start(self) -> Any:
        for target in self.targets:
            state = _ServiceState(target, started=time.monotonic())
            self.states[target.service_scan_id] = state
            self.clock.start(target.service_scan_id)
            self.recorder.service_started(target.service_scan_id, target.slug)
            entries = [("start", target.start_url)] + [("extra", u) for u in target.extra_urls]
            for kind, url in entries:
                for out in self._schedule(state, url, kind):
                    yield out
            if state.outstanding == 0:
                self._finish(state)

    def _schedule(self, state: _ServiceState, url: str, kind: str) -> Iterator[Any]:
        url = canonical(url)
        if url in state.seen:
            return
        if len(state.seen) >= self.vs.max_pages:
            state.over_cap += 1
            return
        state.seen.add(url)
        try:
            check_url(url, allow_private=self.vs.allow_private,
                      allowed_private=self.vs.allowed_private)
        except (PolicyViolation, HostNotResolved) as exc:
            prefix = "blocked by policy" if isinstance(exc, PolicyViolation) else "DNS"
            for viewport in self.vs.viewports:
                state.outstanding += 1
                yield self._failed(state, viewport.name, kind, url, exc,
                                   error=f"{prefix}: {exc}")
            return
        for viewport in self.vs.viewports:
            state.outstanding += 1
            key = (url, viewport.name)
            if key in self.fetched:
                done = self.fetched[key]
                if done is None:
                    self.waiting.setdefault(key, []).append((state, kind))
                else:
                    yield self._shared_copy(done, state, kind)
                continue
            self.fetched[key] = None
            yield scrapy.Request(
                url,
                callback=self.parse_capture,
                errback=self.capture_failed,
                dont_filter=True,  # one URL is requested once per viewport, on purpose
                meta={
                    "playwright": True,
                    "playwright_context": viewport.name,
                    "playwright_context_kwargs": viewport.context_kwargs(self.vs.user_agent),
                    "playwright_page_init_callback": remove_interception,
                    "playwright_page_goto_kwargs": {
                        "wait_until": "load",
                        "timeout": self.vs.navigation_timeout * 1000,
                    },
                    "playwright_page_methods": [
                        PageMethod(collect_document, self.vs.call_timeout,
                                   self.vs.screenshot_full_page, viewport.is_mobile,
                                   settle_quiet=self.vs.settle_quiet_ms / 1000,
                                   settle_max=self.vs.settle_max_ms / 1000)
                    ],
                    "handle_httpstatus_all": True,
                    "vigie": {
                        "service_scan_id": state.target.service_scan_id,
                        "viewport": viewport.name,
                        "kind": kind,
                        "requested_url": url,
                        "started": time.monotonic(),
                    },
                },
            )

    # -- outcomes -----------------------------------------------------------------------------

    def parse_capture(self, response: Response) -> Iterable[Any]:
        info = response.meta["vigie"]
        state = self.states[info["service_scan_id"]]
        redirects = [
            RedirectHop(url=url, status=status)
            for url, status in zip(response.meta.get("redirect_urls", []),
                                   response.meta.get("redirect_reasons", []), strict=False)
        ]
        refused_here = self._egress_failure(response, info["started"])
        if refused_here is not None:  # the proxy answered instead of the site
            yield from self._done(self._failed(
                state, info["viewport"], info["kind"], info["requested_url"], refused_here,
                final_url=response.url, redirect_chain=redirects))
            return
        # A second guard, after the fact: every hop and the final URL, judged again.
        for hop in [*(r["url"] for r in redirects[1:]), response.url]:
            try:
                check_url(hop, allow_private=self.vs.allow_private,
                          allowed_private=self.vs.allowed_private)
            except (PolicyViolation, HostNotResolved) as exc:
                yield from self._done(self._failed(
                    state, info["viewport"], info["kind"], info["requested_url"], exc,
                    error=f"redirected to {hop}: {exc}", final_url=hop,
                    redirect_chain=redirects))
                return
        methods = response.meta.get("playwright_page_methods") or []
        result = cast(DocumentCollection, (methods[0].result if methods else None) or {})
        if "playwright_suggested_filename" in response.meta:
            # A download: the tab still shows the previous document, so the in-page
            # collection describes that one and must not be kept.
            content_type = (response.headers.get("Content-Type") or b"").decode()
            yield from self._done(self._failed(
                state, info["viewport"], info["kind"], info["requested_url"],
                NotHtml(f"not an HTML page: the browser downloaded it ({content_type})"),
                http_status=response.status, final_url=response.url, redirect_chain=redirects))
            return
        collector = result.get("collector")
        axe = result.get("axe")
        errors = result.get("errors", {})
        failure = _page_failure(result, collector, response.status)
        tool_versions: ToolVersions = {
            "vigie": __version__,
            "chromium": result.get("browser_version"),
            "axe-core": ((axe or {}).get("testEngine") or {}).get("version"),
        }
        html = response.body[: self.vs.max_html_bytes] if collector is not None else None
        summary: Summary = {
            "errors": errors,
            "html_truncated": len(response.body) > self.vs.max_html_bytes,
            "lang": (collector or {}).get("lang"),
            "viewport_meta": (collector or {}).get("viewport_meta"),
            "widths": (collector or {}).get("widths"),
            "axe_violations": len((axe or {}).get("violations", [])),
            "axe_incomplete": len((axe or {}).get("incomplete", [])),
            "narrow": result.get("narrow"),
            "tls": _tls(response.meta.get("playwright_security_details")),
            "server_ip": self._server_ip(response),
        }
        refused = self._egress_refused(info["started"], response.url)
        if refused:
            summary["egress_refused"] = refused
        if result.get("navigated_after_load"):
            summary["navigated_after_load"] = result["navigated_after_load"]
        record = CaptureRecord(
            service_scan_id=state.target.service_scan_id,
            viewport=info["viewport"],
            page_kind=info["kind"],
            requested_url=info["requested_url"],
            outcome=failure.outcome if failure else CaptureOutcome.ok,
            final_url=response.url,
            redirect_chain=redirects,
            http_status=response.status,
            error=str(failure) if failure else None,
            error_kind=failure.kind if failure else None,
            title=(collector or {}).get("title"),
            load_seconds=round(time.monotonic() - info["started"], 3),
            # The call timings are keyed by call name ("<call>_s"), hence the cast.
            timings=cast(Timings, {**result.get("timings", {}),
                                   **((collector or {}).get("timing") or {})}),
            html=html,
            screenshot=result.get("screenshot"),
            axe=axe,
            collector=collector,
            summary=summary,
            tool_versions=tool_versions,
        )
        # Follow-ups first: they must count as outstanding before this capture is stored.
        if collector and info["viewport"] == self.vs.viewports[0].name:
            for kind, url in key_pages(collector.get("links", []), response.url):
                yield from self._schedule(state, url, kind)
        yield from self._done(record)

    def capture_failed(self, failure: Failure) -> Iterable[Any]:
        request = failure.request  # type: ignore[attr-defined]
        info = request.meta["vigie"]
        state = self.states[info["service_scan_id"]]
        raised = failure.value or RuntimeError("unknown failure")
        egress, started = self.egress, info["started"]
        exc = failure_of(raised, None if egress is None else
                         lambda: egress.failure_for(request.url, started))
        # Vigie's own failures say what happened in their message; others keep their type
        # (``describe``), with the egress proxy's reason when it failed the navigation.
        message = str(exc)
        yield from self._done(self._failed(
            state, info["viewport"], info["kind"], info["requested_url"], exc,
            error=message[:2000], load_seconds=round(time.monotonic() - info["started"], 3)))

    # -- the egress proxy's verdicts -----------------------------------------------------------

    def _egress_failure(self, response: Response, started: float) -> CaptureFailure | None:
        """The proxy's refusal or failure when it, not the site, answered this navigation (plain
        HTTP: the proxy answers with an error page; its log, not the header, is trusted)."""
        if self.egress is None or MARK_HEADER.decode() not in response.headers:
            return None
        verdict = self.egress.for_url(response.url, started)
        if verdict is None or verdict.kind is VerdictKind.allowed:
            return None
        return failure_of_verdict(verdict)

    def _egress_refused(self, started: float, page_url: str) -> EgressRefused | None:
        """The requests refused while this capture ran (another capture in flight at the same
        time may add its own: the list is of the time window, exact with concurrency 1)."""
        if self.egress is None:
            return None
        refused = [v.target for v in self.egress.refused_since(started) if v.target != page_url]
        if not refused:
            return None
        return {"count": len(refused), "urls": list(dict.fromkeys(refused))[:10]}

    def _server_ip(self, response: Response) -> str | None:
        """The address the page came from: behind the proxy, the one it pinned and connected
        to (the browser only sees the proxy)."""
        if self.egress is not None:
            # The latest connection to it: a kept-alive tunnel may predate this capture.
            verdict = self.egress.for_url(response.url, 0.0)
            return verdict.address if verdict is not None else None
        return str(response.ip_address) if response.ip_address else None

    def _failed(self, state: _ServiceState, viewport: str, kind: str, url: str,
                failure: CaptureFailure, **fields: Any) -> CaptureRecord:
        """The record of a capture that failed; ``error`` defaults to the failure's message."""
        fields.setdefault("error", str(failure))
        return CaptureRecord(service_scan_id=state.target.service_scan_id, viewport=viewport,
                             page_kind=kind, requested_url=url, outcome=failure.outcome,
                             error_kind=failure.kind, tool_versions={"vigie": __version__},
                             **fields)

    def _done(self, record: CaptureRecord) -> Iterator[CaptureRecord]:
        """The request's own record, then a copy for each service waiting on the same page."""
        key = (record.requested_url, record.viewport)
        self.fetched[key] = record
        yield record
        for state, kind in self.waiting.pop(key, []):
            yield self._shared_copy(record, state, kind)

    @staticmethod
    def _shared_copy(record: CaptureRecord, state: _ServiceState, kind: str) -> CaptureRecord:
        return dataclasses.replace(
            record, service_scan_id=state.target.service_scan_id, page_kind=kind,
            summary={**record.summary, "shared_from_service_scan": record.service_scan_id})

    # -- on the pipeline's ``capture_stored`` signal --------------------------------------------

    def capture_saved(self, record: CaptureRecord) -> None:
        state = self.states[record.service_scan_id]
        state.outstanding -= 1
        if state.outstanding <= 0:
            self._finish(state)

    def _finish(self, state: _ServiceState) -> None:
        if state.finished:
            return
        state.finished = True
        self.recorder.service_finished(state.target.service_scan_id, over_cap=state.over_cap)


def _page_failure(result: DocumentCollection, collector: Any, status: int) -> CaptureFailure | None:
    """Why a loaded page gives no usable capture, or None when it does."""
    errors = result.get("errors", {})
    if result.get("page_stuck"):
        return CaptureTimeout(errors["collector"]["message"])
    if collector is None:
        error = errors.get("collector")
        if not error or not error["message"]:
            return NotHtml("not an HTML page: the browser downloaded it instead of displaying it")
        kind = ErrorKind(error.get("error_kind") or ErrorKind.vigie_error)
        return FAILURE_BY_KIND[kind](error["message"])
    if status >= 400:
        return HttpError(f"HTTP {status}")
    return None
