"""Compute and store the indicators of every service scan of a run (after the checks)."""

from __future__ import annotations

import traceback
from collections import Counter

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from indicators.model import NOT_MEASURED, FindingRef, Result, ScanFindings
from indicators.registry import IndicatorSpec, all_indicators
from storage.context import Storage
from storage.db import transaction
from storage.models import Finding, IndicatorValue, ServiceScan
from storage.repository import service_scan_ids


def scan_findings(session: Session, scan: ServiceScan) -> ScanFindings:
    rows = session.scalars(
        select(Finding).where(Finding.service_scan_id == scan.id).order_by(Finding.id)
    ).all()
    refs = [FindingRef(f.id, f.check_id, f.outcome, f.message, f.data or {}, f.page_capture_id)
            for f in rows]
    return ScanFindings(refs, declared=scan.service.declared or {}, jdma_id=scan.service.jdma_id)


def one_line(text: str, limit: int = 300) -> str:
    """Rationales are one line: error messages (a browser's call log) keep their first line."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"


def evaluate(spec: IndicatorSpec, findings: ScanFindings) -> Result:
    """A crashing rule gives « Non mesuré » with the error, never a level it did not reach."""
    try:
        return spec.evaluate(findings)
    except Exception as exc:
        return Result(NOT_MEASURED, f"La règle {spec.slug} a échoué : {type(exc).__name__}: "
                      f"{exc}", value={"error": traceback.format_exc(limit=5)})


def compute_indicators(storage: Storage, run_id: int) -> Counter[str]:
    """Replace the indicators of each service scan of the run; returns counts per level."""
    specs = all_indicators()
    totals: Counter[str] = Counter()
    with storage.sessions() as session:
        scan_ids = service_scan_ids(session, run_id)
    for scan_id in scan_ids:
        with transaction(storage.sessions) as session:
            scan = session.get_one(ServiceScan, scan_id)
            findings = scan_findings(session, scan)
            session.execute(delete(IndicatorValue).where(
                IndicatorValue.service_scan_id == scan_id))
            for spec in specs:
                result = evaluate(spec, findings)
                level = spec.level(result.level)
                session.add(IndicatorValue(
                    service_scan_id=scan_id, indicator=spec.slug, level=level.code,
                    label=level.label, official=spec.official, value=result.value,
                    rationale=one_line(result.rationale), finding_ids=result.finding_ids,
                    rule_version=spec.version,
                ))
                totals[f"{spec.slug}:{level.code}"] += 1
    return totals
