"""Read a run back from storage as plain dictionaries (the export document, docs/export.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storage.models import Finding, IndicatorValue, PageCapture, ScanRun, ServiceScan
from storage.reporting import completed_runs, last_completed_scans

SCHEMA = "vigie-export/1"


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def run_dict(run: ScanRun) -> dict[str, Any]:
    return {
        "id": run.id, "status": run.status, "trigger": run.trigger,
        "started_at": _iso(run.started_at), "finished_at": _iso(run.finished_at),
        "tool_versions": run.tool_versions, "config": run.config,
        "artifacts_root": run.artifacts_root,
    }


def _service_dicts(scans: Sequence[ServiceScan]) -> list[dict[str, Any]]:
    return [{
        "id": sc.service.slug, "name": sc.service.name, "start_url": sc.service.start_url,
        "extra_urls": sc.service.extra_urls, "ministry": sc.service.ministry,
        "administration": sc.service.administration, "jdma_id": sc.service.jdma_id,
        "declared": sc.service.declared, "extra": sc.service.extra,
        "service_scan_id": sc.id, "run_id": sc.run_id, "status": sc.status,
        "close_reason": sc.close_reason, "attempts": sc.attempts,
        "started_at": _iso(sc.started_at), "finished_at": _iso(sc.finished_at),
        "counters": sc.counters, "error": sc.error,
    } for sc in scans]


def load_run(session: Session, run: ScanRun, indicator_order: Sequence[str] = ()) -> dict[str, Any]:
    """The export document of ``run``; indicators are listed in ``indicator_order``."""
    scans = session.scalars(
        select(ServiceScan).where(ServiceScan.run_id == run.id)
        .options(selectinload(ServiceScan.service)).order_by(ServiceScan.id)
    ).all()
    slug_of = {sc.id: sc.service.slug for sc in scans}
    services = _service_dicts(scans)
    captures = [{
        "id": c.id, "service_id": slug_of[c.service_scan_id], "viewport": c.viewport,
        "page_kind": c.page_kind, "requested_url": c.requested_url, "final_url": c.final_url,
        "http_status": c.http_status, "outcome": c.outcome, "error": c.error,
        "error_kind": c.error_kind, "title": c.title,
        "started_at": _iso(c.started_at), "load_seconds": c.load_seconds,
        "redirect_chain": c.redirect_chain, "timings": c.timings,
        "screenshot_sha256": c.screenshot_sha256, "html_sha256": c.html_sha256,
        "axe_sha256": c.axe_sha256, "collector_sha256": c.collector_sha256,
        "tool_versions": c.tool_versions,
    } for c in session.scalars(
        select(PageCapture).where(PageCapture.service_scan_id.in_(slug_of)).order_by(PageCapture.id)
    )]
    findings = [{
        "id": f.id, "service_id": slug_of[f.service_scan_id], "capture_id": f.page_capture_id,
        "check_id": f.check_id, "check_version": f.check_version, "outcome": f.outcome,
        "severity": f.severity, "message": f.message, "references": f.references,
        "data": f.data,
        "evidence": [{"kind": e.kind, "url": e.url, "selector": e.selector, "snippet": e.snippet,
                      "artifact_sha256": e.artifact_sha256, "extra": e.extra}
                     for e in f.evidence],
    } for f in session.scalars(
        select(Finding).where(Finding.service_scan_id.in_(slug_of))
        .options(selectinload(Finding.evidence)).order_by(Finding.id)
    )]
    return {"schema": SCHEMA, "run": run_dict(run), "services": services,
            "captures": captures, "findings": findings,
            "indicators": load_indicators(session, slug_of, indicator_order)}


def load_period(session: Session, start: datetime, end: datetime,
                indicator_order: Sequence[str] = ()) -> dict[str, Any] | None:
    """Services and indicators of, for each service, its scan in the last completed run
    started in [start, end) (the observatory's quarterly view,
    ``storage.reporting.last_completed_scans``); None: no such run.

    ``run`` is None in the document: each service names its own ``run_id``."""
    runs = completed_runs(session, start, end)
    if not runs:
        return None
    scans = sorted(session.scalars(
        select(ServiceScan).where(ServiceScan.id.in_(last_completed_scans(session, start, end)))
        .options(selectinload(ServiceScan.service))), key=lambda sc: sc.service.slug)
    slug_of = {sc.id: sc.service.slug for sc in scans}
    return {"schema": SCHEMA, "run": None, "runs": runs, "services": _service_dicts(scans),
            "indicators": load_indicators(session, slug_of, indicator_order)}


def load_indicators(session: Session, slug_of: dict[int, str],
                    indicator_order: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Indicator values of the given service scans (id -> service slug), in the given order."""
    order = {slug: i for i, slug in enumerate(indicator_order)}
    rows = session.scalars(
        select(IndicatorValue).where(IndicatorValue.service_scan_id.in_(slug_of))
    ).all()
    rows = sorted(rows, key=lambda r: (r.service_scan_id, order.get(r.indicator, len(order))))
    return [{
        "service_id": slug_of[r.service_scan_id], "indicator": r.indicator, "level": r.level,
        "label": r.label, "official": r.official, "rationale": r.rationale,
        "finding_ids": r.finding_ids, "value": r.value, "rule_version": r.rule_version,
        "computed_at": _iso(r.computed_at),
    } for r in rows]
