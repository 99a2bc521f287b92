"""Compute and store the indicators of every service scan of a run (after the checks)."""

from __future__ import annotations

import logging
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.errors import reason_of
from indicators.model import NOT_MEASURED, FindingRef, Result, ScanFindings
from indicators.registry import IndicatorSpec, all_indicators
from storage.context import Storage
from storage.db import transaction
from storage.findings import findings_of_scan, service_of_scan
from storage.indicator_values import IndicatorRecord, replace_indicator_values
from storage.runs import service_scan_ids, set_judge_error

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def scan_findings(session: Session, service_scan_id: int) -> ScanFindings:
    refs = [FindingRef(f.id, f.check_id, f.outcome, f.message, f.data or {}, f.page_capture_id)
            for f in findings_of_scan(session, service_scan_id)]
    service = service_of_scan(session, service_scan_id)
    return ScanFindings(refs, declared=service.declared or {}, jdma_id=service.jdma_id)


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


@dataclass
class IndicatorsResult:
    levels: Counter[str] = field(default_factory=Counter)  # "slug:level" -> count
    failures: dict[int, str] = field(default_factory=dict)  # service scan id -> why


def compute_scan_indicators(storage: Storage, scan_id: int, specs: list[IndicatorSpec]
                            ) -> Counter[str]:
    """Replace the indicators of one service scan (one transaction); counts per level."""
    totals: Counter[str] = Counter()
    with transaction(storage.sessions) as session:
        findings = scan_findings(session, scan_id)
        records = []
        for spec in specs:
            result = evaluate(spec, findings)
            level = spec.level(result.level)
            records.append(IndicatorRecord(
                indicator=spec.slug, level=level.code, label=level.label,
                official=spec.official, rationale=one_line(result.rationale),
                rule_version=spec.version, value=result.value,
                finding_ids=result.finding_ids))
            totals[f"{spec.slug}:{level.code}"] += 1
        replace_indicator_values(session, scan_id, records)
    return totals


def compute_indicators(storage: Storage, run_id: int) -> IndicatorsResult:
    """Replace the indicators of each service scan of the run, each on its own: a service
    whose indicators cannot be stored keeps none, and the reason is recorded on its service
    scan; the others are computed as usual."""
    specs = all_indicators()
    result = IndicatorsResult()
    with storage.sessions() as session:
        scan_ids = service_scan_ids(session, run_id)
    for scan_id in scan_ids:
        try:
            result.levels.update(compute_scan_indicators(storage, scan_id, specs))
        except Exception as exc:
            result.failures[scan_id] = f"indicators could not be stored: {reason_of(exc)}"
            logger.error("service scan %s: %s", scan_id, result.failures[scan_id])
            try:
                with transaction(storage.sessions) as session:
                    replace_indicator_values(session, scan_id, [])
                    set_judge_error(session, scan_id, result.failures[scan_id])
            except Exception:  # the database itself refuses: the caller reports the reason
                pass
    return result
