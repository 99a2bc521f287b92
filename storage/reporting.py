"""Reads for the report site: a run's service scans, indicators, findings and history.

Each function is a constant number of queries (never one per finding), so a run of hundreds
of services and 100k findings is read service by service.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, selectinload

from core.outcomes import RunStatus
from storage.models import (
    Finding,
    IndicatorValue,
    PageCapture,
    ScanRun,
    Service,
    ServiceScan,
)

CHUNK = 500  # ids per IN (...): stay under the databases' bound-parameter limits


def run_by_id(session: Session, run_id: int) -> ScanRun:
    return session.get_one(ScanRun, run_id)


def run_scans(session: Session, run_id: int) -> Sequence[ServiceScan]:
    """The run's service scans with their service, in creation order."""
    return session.scalars(
        select(ServiceScan).where(ServiceScan.run_id == run_id)
        .options(selectinload(ServiceScan.service)).order_by(ServiceScan.id)
    ).all()


def services_not_online(session: Session) -> Sequence[Service]:
    """The registered services with no start URL (no online procedure), by name."""
    return session.scalars(
        select(Service).where(Service.start_url.is_(None)).order_by(Service.name, Service.slug)
    ).all()


def run_indicator_values(session: Session, run_id: int) -> Sequence[IndicatorValue]:
    return session.scalars(
        select(IndicatorValue).join(ServiceScan).where(ServiceScan.run_id == run_id)).all()


def previous_scans(session: Session, run_id: int) -> dict[int, ServiceScan]:
    """For each service of the run, its latest scan in an earlier run (one grouped query)."""
    latest = (select(ServiceScan.service_id, func.max(ServiceScan.id).label("scan_id"))
              .where(ServiceScan.run_id < run_id).group_by(ServiceScan.service_id).subquery())
    in_run = select(ServiceScan.service_id).where(ServiceScan.run_id == run_id)
    scans = session.scalars(
        select(ServiceScan).join(latest, ServiceScan.id == latest.c.scan_id)
        .where(ServiceScan.service_id.in_(in_run)).options(selectinload(ServiceScan.run))
    ).all()
    return {sc.service_id: sc for sc in scans}


def indicator_labels(session: Session, scan_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Indicator labels of the given scans: {scan id: {indicator: label}}."""
    ids = list(scan_ids)
    out: dict[int, dict[str, str]] = defaultdict(dict)
    for start in range(0, len(ids), CHUNK):
        for scan_id, slug, label in session.execute(
                select(IndicatorValue.service_scan_id, IndicatorValue.indicator,
                       IndicatorValue.label)
                .where(IndicatorValue.service_scan_id.in_(ids[start:start + CHUNK]))):
            out[scan_id][slug] = label
    return out


def findings_with_evidence(session: Session, scan_id: int) -> Sequence[Finding]:
    return session.scalars(
        select(Finding).where(Finding.service_scan_id == scan_id)
        .options(selectinload(Finding.evidence)).order_by(Finding.id)).all()


@dataclass(frozen=True)
class FindingKey:
    """The part of a finding a comparison across runs reads, with its capture's URL."""

    id: int
    check_id: str
    outcome: str
    message: str
    data: dict[str, Any]
    capture_url: str | None
    capture_viewport: str | None


def finding_keys(session: Session, scan_id: int) -> list[FindingKey]:
    """A scan's findings, with their capture's URL and viewport (one query)."""
    rows = session.execute(
        select(Finding.id, Finding.check_id, Finding.outcome, Finding.message, Finding.data,
               PageCapture.final_url, PageCapture.requested_url, PageCapture.viewport)
        .outerjoin(PageCapture, Finding.page_capture_id == PageCapture.id)
        .where(Finding.service_scan_id == scan_id).order_by(Finding.id))
    return [FindingKey(fid, check, outcome, message, dict(data or {}), final or requested,
                       viewport)
            for fid, check, outcome, message, data, final, requested, viewport in rows]


def start_url(session: Session, scan_id: int) -> str | None:
    """The start page URL a scan requested."""
    return session.scalars(
        select(PageCapture.requested_url).where(PageCapture.service_scan_id == scan_id,
                                                PageCapture.page_kind == "start").limit(1)
    ).first()


@dataclass(frozen=True)
class ScanCounts:
    """Finding counts of one service scan, for the history chart."""

    run_id: int
    run_started: datetime
    service_id: int
    failed: int  # findings with outcome fail, every check
    check_failed: int  # of which by the check named in the query (axe)
    to_review: int  # findings with outcome needs_review


def history(session: Session, run_id: int, max_runs: int, check_id: str
            ) -> list[ScanCounts]:
    """Counts per scan for the services of ``run_id``, over the last ``max_runs`` runs up to
    it, oldest first (three grouped queries for the whole report)."""
    runs = session.execute(
        select(ScanRun.id, ScanRun.started_at).where(ScanRun.id <= run_id)
        .order_by(ScanRun.id.desc()).limit(max_runs)).all()
    started = {rid: at for rid, at in runs}
    in_run = select(ServiceScan.service_id).where(ServiceScan.run_id == run_id)
    scans = session.execute(
        select(ServiceScan.id, ServiceScan.service_id, ServiceScan.run_id)
        .where(ServiceScan.run_id.in_(list(started)), ServiceScan.service_id.in_(in_run))
    ).all()
    is_check = case((Finding.check_id == check_id, 1), else_=0)
    counts: dict[int, dict[tuple[int, str], int]] = defaultdict(dict)
    for scan_id, of_check, outcome, n in session.execute(
            select(Finding.service_scan_id, is_check, Finding.outcome, func.count())
            .join(ServiceScan, Finding.service_scan_id == ServiceScan.id)
            .where(ServiceScan.run_id.in_(list(started)), ServiceScan.service_id.in_(in_run),
                   Finding.outcome.in_(("fail", "needs_review")))
            .group_by(Finding.service_scan_id, is_check, Finding.outcome)):
        counts[scan_id][(int(of_check), outcome)] = int(n)
    out = []
    for scan_id, service_id, rid in sorted(scans, key=lambda s: s[2]):
        c = counts.get(scan_id, {})
        out.append(ScanCounts(
            rid, started[rid], service_id, c.get((0, "fail"), 0) + c.get((1, "fail"), 0),
            c.get((1, "fail"), 0), c.get((0, "needs_review"), 0) + c.get((1, "needs_review"), 0)))
    return out


# --- Objectives: indicator levels per scan, over runs and quarters ---------------------------

# « The last completed run » of a quarter: a run whose status is completed (not one whose
# checks failed for some service, nor a failed, interrupted or running one).
COMPLETED = RunStatus.completed


@dataclass(frozen=True)
class ScanLevels:
    """What the objectives read of one service scan."""

    scan_id: int
    run_id: int
    run_started: datetime
    service_id: int
    declared: dict[str, Any]  # the service's published values, as the registry holds them now
    levels: dict[str, str]  # indicator slug -> level code
    rgaa_failed: int  # failing findings of the named check that reference an RGAA test


def history_scan_ids(session: Session, run_id: int, max_runs: int) -> list[int]:
    """The scans, in the last ``max_runs`` runs up to ``run_id``, of the services of
    ``run_id`` (the same population as ``history``)."""
    runs = select(ScanRun.id).where(ScanRun.id <= run_id).order_by(ScanRun.id.desc()).limit(
        max_runs).subquery()
    in_run = select(ServiceScan.service_id).where(ServiceScan.run_id == run_id)
    return list(session.scalars(
        select(ServiceScan.id).where(ServiceScan.run_id.in_(select(runs.c.id)),
                                     ServiceScan.service_id.in_(in_run))
        .order_by(ServiceScan.run_id, ServiceScan.id)))


def completed_runs(session: Session, start: datetime, end: datetime,
                   up_to_run: int | None = None) -> list[int]:
    """Ids of the completed runs started in ``[start, end)`` (a quarter), up to ``up_to_run``
    if given (a report never shows what came after its run), in order."""
    return list(session.scalars(_completed_runs(start, end, up_to_run).order_by(ScanRun.id)))


def _completed_runs(start: datetime, end: datetime, up_to_run: int | None) -> Select[Any]:
    runs = select(ScanRun.id).where(ScanRun.status == COMPLETED, ScanRun.started_at >= start,
                                    ScanRun.started_at < end)
    return runs if up_to_run is None else runs.where(ScanRun.id <= up_to_run)


def last_completed_scans(session: Session, start: datetime, end: datetime,
                         up_to_run: int | None = None) -> list[int]:
    """For each service, its scan in the last completed run (highest id) started in
    ``[start, end)`` — the observatory's quarterly view, shared by the report and
    `vigie export indicators --quarter`; ``up_to_run`` as in ``completed_runs``."""
    runs = _completed_runs(start, end, up_to_run)
    latest = (select(ServiceScan.service_id, func.max(ServiceScan.run_id).label("run_id"))
              .where(ServiceScan.run_id.in_(runs)).group_by(ServiceScan.service_id).subquery())
    return list(session.scalars(
        select(ServiceScan.id).join(latest, (ServiceScan.service_id == latest.c.service_id)
                                    & (ServiceScan.run_id == latest.c.run_id))
        .order_by(ServiceScan.id)))


def run_starts(session: Session, up_to_run: int) -> list[tuple[int, datetime, str]]:
    """(id, started_at, status) of every run up to ``up_to_run``, oldest first."""
    return [(rid, at, status) for rid, at, status in session.execute(
        select(ScanRun.id, ScanRun.started_at, ScanRun.status).where(ScanRun.id <= up_to_run)
        .order_by(ScanRun.id))]


def scan_levels(session: Session, scan_ids: Iterable[int], check_id: str) -> list[ScanLevels]:
    """Indicator levels, published values and RGAA-referencing failures of ``check_id`` for
    the given scans (three queries per 500 scans), ordered by run then scan."""
    ids = list(scan_ids)
    out = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        levels: dict[int, dict[str, str]] = defaultdict(dict)
        for scan_id, slug, level in session.execute(
                select(IndicatorValue.service_scan_id, IndicatorValue.indicator,
                       IndicatorValue.level).where(IndicatorValue.service_scan_id.in_(chunk))):
            levels[scan_id][slug] = level
        failed: dict[int, int] = defaultdict(int)
        for scan_id, references in session.execute(
                select(Finding.service_scan_id, Finding.references)
                .where(Finding.service_scan_id.in_(chunk), Finding.check_id == check_id,
                       Finding.outcome == "fail")):
            if any(str(r).startswith("RGAA-") for r in references or []):
                failed[scan_id] += 1
        for scan_id, run_id, started, service_id, declared in session.execute(
                select(ServiceScan.id, ServiceScan.run_id, ScanRun.started_at,
                       ServiceScan.service_id, Service.declared)
                .join(ScanRun, ServiceScan.run_id == ScanRun.id)
                .join(Service, ServiceScan.service_id == Service.id)
                .where(ServiceScan.id.in_(chunk))):
            out.append(ScanLevels(scan_id, run_id, started, service_id, dict(declared or {}),
                                  levels.get(scan_id, {}), failed.get(scan_id, 0)))
    return sorted(out, key=lambda s: (s.run_id, s.scan_id))

