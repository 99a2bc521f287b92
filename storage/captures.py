"""Writes of captures and of the service scans they belong to (the crawler's side of storage)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.capture import AxeResult, Collected, RedirectHop, Summary, Timings, ToolVersions
from core.errors import SITE_SIDE_KINDS, ErrorKind
from core.outcomes import CaptureOutcome, CloseReason
from core.urls import drop_credentials, drop_credentials_in
from storage.artifacts import Artifacts
from storage.models import PageCapture, ServiceScan, utcnow

COUNTER_KEYS = tuple(f"pages/{o.value}" for o in CaptureOutcome)


@dataclass
class CaptureRecord:
    """Everything the crawler learned about one page in one viewport."""

    service_scan_id: int
    viewport: str
    page_kind: str
    requested_url: str
    outcome: CaptureOutcome
    final_url: str | None = None
    redirect_chain: list[RedirectHop] = field(default_factory=list)
    http_status: int | None = None
    error: str | None = None
    error_kind: ErrorKind | None = None
    title: str | None = None
    load_seconds: float | None = None
    timings: Timings = field(default_factory=Timings)
    html: bytes | None = None
    screenshot: bytes | None = None
    axe: AxeResult | None = None
    collector: Collected | None = None
    summary: Summary = field(default_factory=Summary)
    tool_versions: ToolVersions = field(default_factory=ToolVersions)
    # Hashes of artifacts already stored: a record copied for another service (a shared page)
    # points to them once its payloads above have been dropped.
    stored: dict[str, str] = field(default_factory=dict)

    def drop_payloads(self) -> None:
        """Keep only the hashes once stored: a run may hold thousands of records."""
        self.html = self.screenshot = None
        self.axe = self.collector = None


def store_artifacts(artifacts: Artifacts, rec: CaptureRecord) -> None:
    """Write the record's payloads into ``artifacts``: ``rec.stored`` gets their hashes and
    the payloads are dropped. An ``OSError`` (full disk, permissions) propagates. Credentials
    are dropped first: the JSON artifacts are shown and exported too."""
    drop_record_credentials(rec)
    if rec.html is not None:
        rec.stored["html"] = artifacts.put(rec.html, "html")
    if rec.screenshot:
        rec.stored["screenshot"] = artifacts.put(rec.screenshot, "png")
    for key, obj in (("axe", rec.axe), ("collector", rec.collector)):
        if obj is not None:
            rec.stored[key] = artifacts.put_json(obj)
    rec.drop_payloads()


def artifacts_not_stored(rec: CaptureRecord, exc: OSError) -> None:
    """Make a record whose artifacts could not be written an ``error`` capture saying why:
    its evidence is gone, so nothing may be judged from it (nor from a partial set)."""
    rec.outcome = CaptureOutcome.error
    rec.error_kind = ErrorKind.artifact_write_failed
    rec.error = f"the page's artifacts could not be written: {exc}"
    rec.summary = Summary()
    rec.stored = {}
    rec.drop_payloads()


def start_service_scan(session: Session, service_scan_id: int) -> None:
    scan = session.get_one(ServiceScan, service_scan_id)
    scan.status = "running"
    scan.attempts += 1
    scan.started_at = utcnow()


def drop_record_credentials(rec: CaptureRecord) -> None:
    """Drop ``user:password@`` from every URL of the record, in place: a redirect or a link
    may carry credentials, which Vigie must neither store nor show (the report, the exports
    and the progress rows read what is stored here). The HTML is kept as the site sent it."""
    rec.requested_url = drop_credentials(rec.requested_url)
    rec.final_url = drop_credentials(rec.final_url) if rec.final_url else rec.final_url
    rec.redirect_chain = [RedirectHop(url=drop_credentials(hop["url"]), status=hop["status"])
                          for hop in rec.redirect_chain]
    rec.error = drop_credentials(rec.error) if rec.error else rec.error
    rec.title = drop_credentials(rec.title) if rec.title else rec.title
    rec.summary = drop_credentials_in(rec.summary)
    if rec.axe is not None:
        rec.axe = drop_credentials_in(rec.axe)
    if rec.collector is not None:
        rec.collector = drop_credentials_in(rec.collector)


def save_capture(session: Session, artifacts: Artifacts, rec: CaptureRecord) -> PageCapture:
    """Store one capture and its artifacts (``store_artifacts`` drops credentials first), and
    count it on its service scan."""
    store_artifacts(artifacts, rec)
    capture = PageCapture(
        service_scan_id=rec.service_scan_id,
        viewport=rec.viewport,
        page_kind=rec.page_kind,
        requested_url=rec.requested_url,
        final_url=rec.final_url,
        redirect_chain=rec.redirect_chain,
        http_status=rec.http_status,
        outcome=rec.outcome.value,
        error=rec.error,
        error_kind=rec.error_kind.value if rec.error_kind else None,
        title=rec.title,
        load_seconds=rec.load_seconds,
        timings=rec.timings,
        html_sha256=rec.stored.get("html"),
        screenshot_sha256=rec.stored.get("screenshot"),
        axe_sha256=rec.stored.get("axe"),
        collector_sha256=rec.stored.get("collector"),
        summary=rec.summary,
        tool_versions=rec.tool_versions,
    )
    session.add(capture)
    scan = session.get_one(ServiceScan, rec.service_scan_id, with_for_update=True)
    counters = dict(scan.counters or {})
    counters["pages/attempted"] = counters.get("pages/attempted", 0) + 1
    key = f"pages/{rec.outcome.value}"
    counters[key] = counters.get(key, 0) + 1
    scan.counters = counters  # reassign: JSON columns do not track in-place changes
    session.flush()
    return capture


def close_reason_for(captures: list[tuple[str, str | None]]) -> CloseReason:
    """A service scan's close reason from its captures' ``(outcome, error_kind)``.

    ``error`` is kept for failures on Vigie's side; a site that only answers HTTP errors, times
    out or cannot be reached is ``unreachable`` (all timeouts: ``timeout``).
    """
    if not captures:
        return CloseReason.error
    kinds = [_kind(kind) for outcome, kind in captures if outcome != CaptureOutcome.ok.value]
    if not kinds:
        return CloseReason.completed
    if len(kinds) < len(captures):
        return CloseReason.partial
    if all(k is ErrorKind.blocked_by_robots for k in kinds):
        return CloseReason.robots_disallowed
    if all(k in (ErrorKind.blocked_by_policy, ErrorKind.blocked_by_robots) for k in kinds):
        return CloseReason.blocked_by_policy
    if all(k in (ErrorKind.timeout, ErrorKind.service_budget) for k in kinds):
        return CloseReason.timeout
    if ErrorKind.browser_crashed in kinds:
        return CloseReason.browser_crashed
    if all(k in SITE_SIDE_KINDS for k in kinds):
        return CloseReason.unreachable
    return CloseReason.error


def _kind(value: str | None) -> ErrorKind:
    try:
        return ErrorKind(value or "")
    except ValueError:  # a failed capture without a kind: count it as Vigie's own failure
        return ErrorKind.vigie_error


def finish_service_scan(session: Session, service_scan_id: int) -> ServiceScan:
    scan = session.get_one(ServiceScan, service_scan_id)
    rows = session.execute(
        select(PageCapture.outcome, PageCapture.error_kind).where(
            PageCapture.service_scan_id == service_scan_id)
    ).all()
    scan.close_reason = close_reason_for([(outcome, kind) for outcome, kind in rows]).value
    scan.status = "done"
    scan.finished_at = utcnow()
    return scan
