"""Runs and their service scans: create, close, find, summarise."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from core.errors import ErrorKind
from core.outcomes import CaptureOutcome, RunStatus
from storage.captures import COUNTER_KEYS, finish_service_scan
from storage.models import (
    Finding,
    IndicatorValue,
    PageCapture,
    ScanRun,
    Service,
    ServiceScan,
    utcnow,
)


@dataclass(frozen=True)
class ScanTarget:
    """A service scan the crawler has to make (the crawler's input, read from storage)."""

    service_scan_id: int
    slug: str
    start_url: str
    extra_urls: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ServiceScanSummary:
    slug: str
    close_reason: str | None
    counters: dict[str, Any]
    findings: dict[str, int]  # outcome -> count


def create_run(session: Session, slugs: Sequence[str], *, trigger: str, config: dict[str, Any],
               tool_versions: dict[str, Any], **run_fields: Any
               ) -> tuple[int, list[ScanTarget]]:
    """A new run with one pending service scan per service; its id and the crawl targets.

    ``run_fields`` are further ``scan_run`` columns (the scheduler's due time, say)."""
    # A service without a start URL (not online) is never scanned.
    services = [s for s in services_by_slug(session, slugs) if s.start_url is not None]
    run = ScanRun(status=RunStatus.running.value, trigger=trigger, config=config,
                  tool_versions=tool_versions, **run_fields)
    session.add(run)
    session.flush()
    targets = []
    for service in services:
        assert service.start_url is not None  # filtered above
        scan = ServiceScan(run_id=run.id, service_id=service.id, status="pending",
                           counters=dict.fromkeys(("pages/attempted", *COUNTER_KEYS), 0))
        session.add(scan)
        session.flush()
        targets.append(ScanTarget(scan.id, service.slug, service.start_url,
                                  list(service.extra_urls or [])))
    return run.id, targets


def services_by_slug(session: Session, slugs: Sequence[str]) -> list[Service]:
    rows = {s.slug: s for s in session.scalars(select(Service).where(Service.slug.in_(slugs)))}
    return [rows[slug] for slug in slugs if slug in rows]


def service_slugs(session: Session) -> list[str]:
    return list(session.scalars(select(Service.slug).order_by(Service.slug)).all())


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


def set_run_status(session: Session, run_id: int, status: str) -> None:
    session.get_one(ScanRun, run_id).status = status


def set_judge_error(session: Session, service_scan_id: int, reason: str | None) -> None:
    """Record why a service scan's checks or indicators could not be stored (None: they
    were)."""
    session.get_one(ServiceScan, service_scan_id).error = reason


def scan_slugs(session: Session, run_id: int) -> dict[int, str]:
    """Service scan id -> service slug, for a run."""
    rows = session.execute(
        select(ServiceScan.id, Service.slug).join(Service, Service.id == ServiceScan.service_id)
        .where(ServiceScan.run_id == run_id).order_by(ServiceScan.id))
    return {scan_id: slug for scan_id, slug in rows}


def close_scans(session: Session, run_id: int) -> None:
    """Close every service scan of the run not closed yet, from the captures it holds."""
    for scan_id in unfinished_scan_ids(session, run_id):
        finish_service_scan(session, scan_id)


ARTIFACT_COLUMNS = (("html_sha256", "html"), ("screenshot_sha256", "png"),
                    ("axe_sha256", "json"), ("collector_sha256", "json"))


def artifacts_of_run(session: Session, run_id: int) -> list[tuple[str, str]]:
    """Every distinct artifact ``(sha256, ext)`` the run's captures point to."""
    rows = session.execute(
        select(*(getattr(PageCapture, column) for column, _ in ARTIFACT_COLUMNS))
        .join(ServiceScan, ServiceScan.id == PageCapture.service_scan_id)
        .where(ServiceScan.run_id == run_id).order_by(PageCapture.id))
    seen: dict[tuple[str, str], None] = {}
    for row in rows:
        for sha, (_column, ext) in zip(row, ARTIFACT_COLUMNS, strict=True):
            if sha:
                seen[(sha, ext)] = None
    return list(seen)


def unstored_captures(session: Session, run_id: int) -> int:
    """How many of the run's captures lost their artifacts (full disk, permissions)."""
    return session.scalar(
        select(func.count()).select_from(PageCapture)
        .join(ServiceScan, ServiceScan.id == PageCapture.service_scan_id)
        .where(ServiceScan.run_id == run_id,
               PageCapture.error_kind == ErrorKind.artifact_write_failed.value)) or 0


def artifacts_root(session: Session, run_id: int) -> str | None:
    """The folder the run's artifacts were written to (None: a run older than this record)."""
    return session.get_one(ScanRun, run_id).artifacts_root


def interrupt_dead_runs(session: Session, host: str, is_alive: Callable[[int], bool]) -> list[int]:
    """Close runs left ``running`` by a process of this host that no longer exists.

    Their stored captures stay; unfinished service scans are closed from what they hold.
    """
    closed = []
    for run in session.scalars(select(ScanRun).where(ScanRun.status == RunStatus.running.value)):
        owner = (run.config or {}).get("owner") or {}
        if owner.get("host") == host and isinstance(owner.get("pid"), int) \
                and not is_alive(owner["pid"]):
            finish_run(session, run.id, status=RunStatus.interrupted.value,
                       stats=run.stats or {}, tool_versions={})
            closed.append(run.id)
    return closed


def resolve_run(session: Session, run: str) -> ScanRun | None:
    """``latest`` or a run id."""
    if run == "latest":
        return session.scalars(select(ScanRun).order_by(ScanRun.id.desc()).limit(1)).first()
    if not run.isdigit():
        return None
    return session.get(ScanRun, int(run))


def resolve_run_id(session: Session, run: str) -> int | None:
    found = resolve_run(session, run)
    return found.id if found else None


def service_scan_ids(session: Session, run_id: int) -> list[int]:
    """The run's service scans, in creation order (checks and indicators go through them)."""
    return list(session.scalars(
        select(ServiceScan.id).where(ServiceScan.run_id == run_id).order_by(ServiceScan.id)
    ).all())


def run_status(session: Session, run_id: int) -> str:
    return session.get_one(ScanRun, run_id).status


def close_reasons(session: Session, run_id: int) -> dict[str, str]:
    """Service slug -> close reason ('' while open), for a run."""
    rows = session.execute(
        select(Service.slug, ServiceScan.close_reason)
        .join(Service, Service.id == ServiceScan.service_id)
        .where(ServiceScan.run_id == run_id).order_by(ServiceScan.id))
    return {slug: reason or "" for slug, reason in rows}


def service_scan_summaries(session: Session, run_id: int) -> list[ServiceScanSummary]:
    """Per service scan of the run: close reason, page counters, findings per outcome."""
    counts: dict[int, dict[str, int]] = {}
    for scan_id, outcome, count in session.execute(
            select(Finding.service_scan_id, Finding.outcome, func.count())
            .join(ServiceScan, ServiceScan.id == Finding.service_scan_id)
            .where(ServiceScan.run_id == run_id)
            .group_by(Finding.service_scan_id, Finding.outcome)):
        counts.setdefault(scan_id, {})[outcome] = count
    rows = session.execute(
        select(ServiceScan.id, Service.slug, ServiceScan.close_reason, ServiceScan.counters)
        .join(Service, Service.id == ServiceScan.service_id)
        .where(ServiceScan.run_id == run_id).order_by(ServiceScan.id))
    return [ServiceScanSummary(slug, reason, counters or {}, counts.get(scan_id, {}))
            for scan_id, slug, reason, counters in rows]


def observed_tool_versions(session: Session, run_id: int) -> dict[str, Any]:
    """The browser and axe versions as reported by the run's captures themselves."""
    row = session.execute(
        select(PageCapture.tool_versions)
        .join(ServiceScan, ServiceScan.id == PageCapture.service_scan_id)
        .where(ServiceScan.run_id == run_id, PageCapture.outcome == CaptureOutcome.ok.value)
        .limit(1)
    ).scalar()
    return {k: v for k, v in (row or {}).items() if v}


# -- resuming and retrying ----------------------------------------------------------------------


@dataclass(frozen=True)
class ClosedScan:
    service_scan_id: int
    slug: str
    close_reason: str | None
    attempts: int
    finished_at: datetime | None


def run_owner(session: Session, run_id: int) -> tuple[str, dict[str, Any]]:
    """A run's status and the process that owns it (``{host, pid}``, empty when none)."""
    run = session.get_one(ScanRun, run_id)
    return run.status, dict((run.config or {}).get("owner") or {})


def claim_run(session: Session, run_id: int, owner: dict[str, Any], **config: Any) -> None:
    """Make ``owner`` the process executing the run, and the run ``running`` again; ``config``
    adds to what the run records of its set-up."""
    run = session.get_one(ScanRun, run_id, with_for_update=True)
    run.config = {**(run.config or {}), **config, "owner": owner}
    run.status = RunStatus.running.value
    run.finished_at = None


def unfinished_scan_ids(session: Session, run_id: int, *, unleased: bool = False
                        ) -> list[int]:
    """The run's service scans not closed yet; with ``unleased``, only those no live worker
    holds (a worker's lease that has not expired)."""
    query = select(ServiceScan.id).where(ServiceScan.run_id == run_id,
                                         ServiceScan.status != "done")
    if unleased:
        query = query.where(or_(ServiceScan.lease_holder.is_(None),
                                ServiceScan.lease_expires_at < utcnow()))
    return list(session.scalars(query.order_by(ServiceScan.id)).all())


def reset_service_scans(session: Session, scan_ids: Sequence[int]) -> None:
    """Make service scans pending again for a new attempt: the previous attempt's captures,
    findings and indicator values are removed (its artifacts stay: they are shared by hash),
    its counters start again from zero. ``attempts`` keeps counting."""
    if not scan_ids:
        return
    ids = list(scan_ids)
    session.execute(delete(IndicatorValue).where(IndicatorValue.service_scan_id.in_(ids)))
    session.execute(delete(Finding).where(Finding.service_scan_id.in_(ids)))
    session.execute(delete(PageCapture).where(PageCapture.service_scan_id.in_(ids)))
    for scan in session.scalars(select(ServiceScan).where(ServiceScan.id.in_(ids))):
        scan.status = "pending"
        scan.close_reason = scan.error = None
        scan.lease_holder = scan.lease_expires_at = None
        scan.started_at = scan.finished_at = None
        scan.counters = dict.fromkeys(("pages/attempted", *COUNTER_KEYS), 0)


def pending_targets(session: Session, run_id: int, only: Sequence[int] | None = None
                    ) -> list[ScanTarget]:
    """The run's pending service scans (or those of ``only``) as crawl targets."""
    query = (select(ServiceScan.id, Service.slug, Service.start_url, Service.extra_urls)
             .join(Service, Service.id == ServiceScan.service_id)
             .where(ServiceScan.run_id == run_id, ServiceScan.status == "pending")
             .order_by(Service.slug))
    if only is not None:
        query = query.where(ServiceScan.id.in_(list(only)))
    return [ScanTarget(scan_id, slug, url, list(extra or []))
            for scan_id, slug, url, extra in session.execute(query)
            if url is not None]  # its service lost its URL since: nothing to crawl


def close_unfinished(session: Session, run_id: int, only: Sequence[int] | None = None
                     ) -> list[int]:
    """Close the run's service scans left ``running`` (their crawl died) from what they hold;
    with ``only``, those of these service scans only."""
    query = select(ServiceScan.id).where(ServiceScan.run_id == run_id,
                                         ServiceScan.status == "running")
    if only is not None:
        query = query.where(ServiceScan.id.in_(list(only)))
    ids = list(session.scalars(query).all())
    for scan_id in ids:
        finish_service_scan(session, scan_id)
    return ids


def closed_scans(session: Session, run_id: int) -> list[ClosedScan]:
    rows = session.execute(
        select(ServiceScan.id, Service.slug, ServiceScan.close_reason, ServiceScan.attempts,
               ServiceScan.finished_at)
        .join(Service, Service.id == ServiceScan.service_id)
        .where(ServiceScan.run_id == run_id, ServiceScan.status == "done")
        .order_by(ServiceScan.id))
    return [ClosedScan(*row) for row in rows]


def service_scan_of(session: Session, run_id: int, slug: str) -> int | None:
    return session.scalars(
        select(ServiceScan.id).join(Service, Service.id == ServiceScan.service_id)
        .where(ServiceScan.run_id == run_id, Service.slug == slug)).first()


# -- leases on service scans (workers) ------------------------------------------------------------


class LeaseResult(enum.StrEnum):
    taken = "taken"  # this worker holds it now; the scan starts from scratch
    done = "done"  # the service scan is closed: nothing to do
    held = "held"  # a live worker holds it


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def acquire_service_scan(session: Session, service_scan_id: int, holder: str, ttl: float
                         ) -> LeaseResult:
    """Take the lease of a service scan unless it is closed or held by a live worker. A scan
    left ``running`` by a worker whose lease expired is made pending again (its partial
    captures removed) so that the new attempt starts clean."""
    scan = session.get_one(ServiceScan, service_scan_id, with_for_update=True)
    now = utcnow()
    if scan.status == "done":
        return LeaseResult.done
    expires = _utc(scan.lease_expires_at)
    if scan.lease_holder not in (None, holder) and expires is not None and expires > now:
        return LeaseResult.held
    if scan.status != "pending":
        reset_service_scans(session, [service_scan_id])
    scan.lease_holder = holder
    scan.lease_expires_at = now + timedelta(seconds=ttl)
    return LeaseResult.taken


def renew_service_scan_lease(session: Session, service_scan_id: int, holder: str, ttl: float
                             ) -> bool:
    """Extend a lease this worker holds; False when it no longer holds it."""
    scan = session.get_one(ServiceScan, service_scan_id, with_for_update=True)
    if scan.lease_holder != holder:
        return False
    scan.lease_expires_at = utcnow() + timedelta(seconds=ttl)
    return True


def release_service_scan(session: Session, service_scan_id: int, holder: str) -> None:
    scan = session.get_one(ServiceScan, service_scan_id, with_for_update=True)
    if scan.lease_holder == holder:
        scan.lease_holder = None
        scan.lease_expires_at = None


@dataclass(frozen=True)
class ScanProgress:
    service_scan_id: int
    slug: str
    status: str
    lease_holder: str | None
    close_reason: str | None


def scan_progress(session: Session, scan_ids: Sequence[int]) -> list[ScanProgress]:
    rows = session.execute(
        select(ServiceScan.id, Service.slug, ServiceScan.status, ServiceScan.lease_holder,
               ServiceScan.close_reason)
        .join(Service, Service.id == ServiceScan.service_id)
        .where(ServiceScan.id.in_(list(scan_ids))).order_by(ServiceScan.id)
        .execution_options(populate_existing=True))
    return [ScanProgress(*row) for row in rows]


def held_leases(session: Session) -> list[tuple[str, int, datetime | None]]:
    """(worker, run id, lease expiry) of every service scan a worker holds."""
    rows = session.execute(
        select(ServiceScan.lease_holder, ServiceScan.run_id, ServiceScan.lease_expires_at)
        .where(ServiceScan.lease_holder.is_not(None)).order_by(ServiceScan.run_id))
    return [(holder or "", run_id, _utc(expires)) for holder, run_id, expires in rows]
