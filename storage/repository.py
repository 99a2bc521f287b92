"""Reads and writes of runs, service scans and captures (the crawler's and CLI's entry points)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.capture import AxeResult, Collected, RedirectHop, Summary, Timings, ToolVersions
from storage.artifacts import ArtifactStore
from storage.models import (
    CaptureOutcome,
    CloseReason,
    PageCapture,
    ScanRun,
    Service,
    ServiceScan,
    utcnow,
)

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


def create_run(
    session: Session, services: list[Service], *, trigger: str, config: dict[str, Any],
    tool_versions: dict[str, Any],
) -> ScanRun:
    run = ScanRun(status="running", trigger=trigger, config=config, tool_versions=tool_versions)
    session.add(run)
    session.flush()
    for service in services:
        session.add(ServiceScan(run_id=run.id, service_id=service.id, status="pending",
                                counters=dict.fromkeys(("pages/attempted", *COUNTER_KEYS), 0)))
    session.flush()
    return run


def start_service_scan(session: Session, service_scan_id: int) -> None:
    scan = session.get_one(ServiceScan, service_scan_id)
    scan.status = "running"
    scan.attempts += 1
    scan.started_at = utcnow()


def save_capture(session: Session, artifacts: ArtifactStore, rec: CaptureRecord) -> PageCapture:
    """Store one capture and its artifacts, and count it on its service scan."""
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
        title=rec.title,
        load_seconds=rec.load_seconds,
        timings=rec.timings,
        html_sha256=(artifacts.put(rec.html, "html") if rec.html is not None
                     else rec.stored.get("html")),
        screenshot_sha256=(artifacts.put(rec.screenshot, "png") if rec.screenshot
                           else rec.stored.get("screenshot")),
        axe_sha256=artifacts.put_json(rec.axe) if rec.axe is not None else rec.stored.get("axe"),
        collector_sha256=(artifacts.put_json(rec.collector) if rec.collector is not None
                          else rec.stored.get("collector")),
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
    rec.stored = {k: v for k, v in {
        "html": capture.html_sha256, "screenshot": capture.screenshot_sha256,
        "axe": capture.axe_sha256, "collector": capture.collector_sha256}.items() if v}
    return capture


def close_reason_for(captures: list[tuple[str, int | None, str]]) -> CloseReason:
    """A service scan's close reason from its captures' ``(outcome, http_status, error)``.

    ``error`` is kept for failures on Vigie's side; a site that only answers HTTP errors or
    cannot be reached is ``unreachable``.
    """
    if not captures:
        return CloseReason.error
    outcomes = [c[0] for c in captures]
    failed = [c for c in captures if c[0] != CaptureOutcome.ok.value]
    if not failed:
        return CloseReason.completed
    if len(failed) < len(captures):
        return CloseReason.partial
    errors = [c[2] or "" for c in failed]
    if all(o == CaptureOutcome.blocked.value for o in outcomes):
        if all("robots.txt" in e for e in errors):
            return CloseReason.robots_disallowed
        return CloseReason.blocked_by_policy
    if all(o == CaptureOutcome.timeout.value for o in outcomes):
        return CloseReason.timeout
    joined = " ".join(errors)
    if any(marker in joined for marker in CRASH_MARKERS):
        return CloseReason.browser_crashed
    if all(_site_side_failure(c) for c in failed):
        return CloseReason.unreachable
    return CloseReason.error


def _site_side_failure(capture: tuple[str, int | None, str]) -> bool:
    outcome, status, error = capture
    return (
        outcome == CaptureOutcome.timeout.value
        or (status is not None and status >= 400)
        or any(marker in (error or "") for marker in UNREACHABLE_MARKERS)
    )


CRASH_MARKERS = ("Target crashed", "Page crashed", "Browser closed", "browser has been closed",
                 "Target page, context or browser has been closed")
UNREACHABLE_MARKERS = (
    "ERR_CONNECTION_REFUSED",
    "ERR_NAME_NOT_RESOLVED",
    "ERR_ADDRESS_UNREACHABLE",
    "ERR_CONNECTION_TIMED_OUT",
    "ERR_INTERNET_DISCONNECTED",
    "ConnectionRefusedError",
    "DNSLookupError",
)


def finish_service_scan(session: Session, service_scan_id: int) -> ServiceScan:
    scan = session.get_one(ServiceScan, service_scan_id)
    rows = session.execute(
        select(PageCapture.outcome, PageCapture.http_status, PageCapture.error).where(
            PageCapture.service_scan_id == service_scan_id
        )
    ).all()
    scan.close_reason = close_reason_for([(r[0], r[1], r[2] or "") for r in rows]).value
    scan.status = "done"
    scan.finished_at = utcnow()
    return scan


def finish_run(session: Session, run_id: int, *, status: str, stats: dict[str, Any],
               tool_versions: dict[str, Any]) -> ScanRun:
    run = session.get_one(ScanRun, run_id)
    for scan in run.service_scans:
        if scan.status != "done":
            finish_service_scan(session, scan.id)
    run.status = status
    run.finished_at = utcnow()
    run.stats = stats
    run.tool_versions = {**(run.tool_versions or {}), **tool_versions}
    return run


def interrupt_dead_runs(session: Session, host: str, is_alive: Callable[[int], bool]) -> list[int]:
    """Close runs left ``running`` by a process of this host that no longer exists.

    Their stored captures stay; unfinished service scans are closed from what they hold.
    """
    closed = []
    for run in session.scalars(select(ScanRun).where(ScanRun.status == "running")):
        owner = (run.config or {}).get("owner") or {}
        if owner.get("host") == host and isinstance(owner.get("pid"), int) \
                and not is_alive(owner["pid"]):
            finish_run(session, run.id, status="interrupted", stats=run.stats or {},
                       tool_versions={})
            closed.append(run.id)
    return closed


def resolve_run(session: Session, run: str) -> ScanRun | None:
    """``latest`` or a run id."""
    if run == "latest":
        return session.scalars(select(ScanRun).order_by(ScanRun.id.desc()).limit(1)).first()
    if not run.isdigit():
        return None
    return session.get(ScanRun, int(run))


def service_scan_ids(session: Session, run_id: int) -> list[int]:
    """The run's service scans, in creation order (checks and indicators go through them)."""
    return list(session.scalars(
        select(ServiceScan.id).where(ServiceScan.run_id == run_id).order_by(ServiceScan.id)
    ).all())
