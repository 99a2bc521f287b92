"""Run the registered checks over the stored captures of a run, and store their findings.

Running again replaces a service scan's findings (``vigie recheck``): checks read captures
only, so old runs can be re-judged when a rule changes, without a browser.

Each service scan is judged in its own transaction: one service whose data cannot be read or
whose findings cannot be stored gets ``error`` findings saying why (and the reason on its
service scan), and the others are judged as usual. The caller learns of every such failure
(``ChecksResult.failures``) so the run does not say ``completed``.
"""

from __future__ import annotations

import logging
import traceback
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

from checks.inputs import CaptureView, ServiceCaptures, ServiceInfo
from checks.model import Finding, Outcome
from checks.registry import CheckSpec, all_checks
from core.capture import Summary, Timings, ToolVersions
from core.errors import reason_of
from storage.artifacts import Artifacts
from storage.context import Storage
from storage.db import transaction
from storage.findings import (
    EvidenceRecord,
    FindingRecord,
    captures_of_scan,
    replace_findings,
    service_of_scan,
)
from storage.runs import service_scan_ids, set_judge_error

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import PageCapture


def _aware(when: datetime | None) -> datetime | None:
    # SQLite gives back naive datetimes; every time Vigie stores is UTC.
    return when.replace(tzinfo=UTC) if when and when.tzinfo is None else when


def capture_view(c: PageCapture, artifacts: Artifacts) -> CaptureView:
    return CaptureView(
        id=c.id, viewport=c.viewport, page_kind=c.page_kind, requested_url=c.requested_url,
        final_url=c.final_url, outcome=c.outcome, http_status=c.http_status, error=c.error,
        error_kind=c.error_kind, title=c.title, summary=cast(Summary, c.summary or {}),
        timings=cast(Timings, c.timings or {}),
        tool_versions=cast(ToolVersions, c.tool_versions or {}),
        screenshot_sha256=c.screenshot_sha256, html_sha256=c.html_sha256,
        axe_sha256=c.axe_sha256, collector_sha256=c.collector_sha256, artifacts=artifacts,
        redirect_chain=c.redirect_chain or [], captured_at=_aware(c.started_at),
    )


def load_inputs(session: Session, artifacts: Artifacts, service_scan_id: int
                ) -> ServiceCaptures:
    views = [capture_view(c, artifacts) for c in captures_of_scan(session, service_scan_id)]
    s = service_of_scan(session, service_scan_id)
    # A service re-imported without a URL since this scan: the URL the scan started from.
    start = s.start_url or next((v.requested_url for v in views if v.page_kind == "start"), "")
    info = ServiceInfo(slug=s.slug, name=s.name, start_url=start, jdma_id=s.jdma_id,
                       declared=s.declared or {})
    return ServiceCaptures(info, views)


def evaluate(spec: CheckSpec, inputs: ServiceCaptures) -> list[Finding]:
    """Run one check; a crashing check yields an ``error`` finding, never a pass or a fail."""
    targets = inputs.captures if spec.scope == "page" else [inputs]
    out: list[Finding] = []
    for target in targets:
        try:
            out.extend(spec.func(target))
        except Exception as exc:
            out.append(Finding(
                outcome=Outcome.error,
                message=f"Le contrôle {spec.id} a échoué : {type(exc).__name__}: {exc}",
                page_capture_id=getattr(target, "id", None),
                data={"error": traceback.format_exc(limit=5)},
            ))
    return out


def record(spec: CheckSpec, finding: Finding) -> FindingRecord:
    return FindingRecord(
        check_id=spec.id, check_version=spec.version, outcome=finding.outcome.value,
        message=finding.message, severity=finding.severity,
        references=list(finding.references), data=finding.data,
        page_capture_id=finding.page_capture_id,
        evidence=[EvidenceRecord(e.kind, e.url, e.selector, e.snippet, e.artifact_sha256,
                                 e.extra) for e in finding.evidence])


@dataclass
class ChecksResult:
    findings: Counter[str] = field(default_factory=Counter)  # outcome -> count
    failures: dict[int, str] = field(default_factory=dict)  # service scan id -> why


def judge_service_scan(storage: Storage, service_scan_id: int, specs: Sequence[CheckSpec],
                       artifacts: Artifacts | None = None) -> Counter[str]:
    """Replace one service scan's findings, all at once or not at all (one transaction)."""
    totals: Counter[str] = Counter()
    with transaction(storage.sessions) as session:
        inputs = load_inputs(session, artifacts or storage.artifacts, service_scan_id)
        records = [record(spec, f) for spec in specs for f in evaluate(spec, inputs)]
        replace_findings(session, service_scan_id, [s.id for s in specs], records)
        set_judge_error(session, service_scan_id, None)
    totals.update(r.outcome for r in records)
    return totals


def judge_failed(storage: Storage, service_scan_id: int, specs: Sequence[CheckSpec],
                 exc: BaseException) -> str:
    """Store what is known of a service scan whose judging failed: one ``error`` finding per
    check (its earlier findings would mix with a rule set they were not judged by) and the
    reason on the service scan. Returns the reason."""
    reason = f"checks could not be stored: {reason_of(exc)}"
    message = f"Le contrôle n'a pas pu être enregistré : {reason_of(exc, 200)}"
    errors = [FindingRecord(check_id=spec.id, check_version=spec.version,
                            outcome=Outcome.error.value, message=message,
                            data={"error": reason}) for spec in specs]
    try:
        with transaction(storage.sessions) as session:
            replace_findings(session, service_scan_id, [s.id for s in specs], errors)
            set_judge_error(session, service_scan_id, reason)
    except Exception:  # the database itself refuses: the caller still reports the reason
        pass
    return reason


def run_checks(storage: Storage, run_id: int, check_ids: list[str] | None = None,
               artifacts: Artifacts | None = None) -> ChecksResult:
    """Judge every service scan of the run, each on its own; ``artifacts``: where the run's
    artifacts are (default: the storage's)."""
    specs = [s for s in all_checks() if check_ids is None or s.id in check_ids]
    result = ChecksResult()
    with storage.sessions() as session:
        scan_ids = service_scan_ids(session, run_id)
    for scan_id in scan_ids:
        try:
            result.findings.update(judge_service_scan(storage, scan_id, specs, artifacts))
        except Exception as exc:
            result.failures[scan_id] = judge_failed(storage, scan_id, specs, exc)
            logger.error("service scan %s: %s", scan_id, result.failures[scan_id])
            result.findings[Outcome.error.value] += len(specs)
    return result
