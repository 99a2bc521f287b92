"""Run the registered checks over the stored captures of a run, and store their findings.

Running again replaces a service scan's findings (``vigie recheck``): checks read captures
only, so old runs can be re-judged when a rule changes, without a browser.
"""

from __future__ import annotations

import traceback
from collections import Counter
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from checks.inputs import CaptureView, ServiceCaptures, ServiceInfo
from checks.model import Finding, Outcome
from checks.registry import CheckSpec, all_checks
from core.capture import Summary, Timings, ToolVersions
from storage.artifacts import ArtifactStore
from storage.context import Storage
from storage.db import transaction
from storage.models import Evidence as EvidenceRow
from storage.models import Finding as FindingRow
from storage.models import PageCapture, ServiceScan
from storage.repository import service_scan_ids


def _aware(when: datetime | None) -> datetime | None:
    # SQLite gives back naive datetimes; every time Vigie stores is UTC.
    return when.replace(tzinfo=UTC) if when and when.tzinfo is None else when


def load_inputs(session: Session, artifacts: ArtifactStore, scan: ServiceScan) -> ServiceCaptures:
    captures = session.scalars(
        select(PageCapture).where(PageCapture.service_scan_id == scan.id).order_by(PageCapture.id)
    ).all()
    views = [
        CaptureView(
            id=c.id, viewport=c.viewport, page_kind=c.page_kind, requested_url=c.requested_url,
            final_url=c.final_url, outcome=c.outcome, http_status=c.http_status, error=c.error,
            title=c.title, summary=cast(Summary, c.summary or {}),
            timings=cast(Timings, c.timings or {}),
            tool_versions=cast(ToolVersions, c.tool_versions or {}),
            screenshot_sha256=c.screenshot_sha256, html_sha256=c.html_sha256,
            axe_sha256=c.axe_sha256, collector_sha256=c.collector_sha256, artifacts=artifacts,
            redirect_chain=c.redirect_chain or [], captured_at=_aware(c.started_at),
        )
        for c in captures
    ]
    s = scan.service
    info = ServiceInfo(slug=s.slug, name=s.name, start_url=s.start_url, jdma_id=s.jdma_id,
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


def _store(session: Session, scan_id: int, spec: CheckSpec, finding: Finding) -> None:
    row = FindingRow(
        service_scan_id=scan_id, page_capture_id=finding.page_capture_id, check_id=spec.id,
        check_version=spec.version, outcome=finding.outcome.value, severity=finding.severity,
        message=finding.message, references=list(finding.references), data=finding.data,
    )
    row.evidence = [
        EvidenceRow(kind=e.kind, url=e.url, selector=e.selector, snippet=e.snippet,
                    artifact_sha256=e.artifact_sha256, extra=e.extra)
        for e in finding.evidence
    ]
    session.add(row)


def run_checks(storage: Storage, run_id: int, check_ids: list[str] | None = None) -> Counter[str]:
    """Judge every service scan of the run; returns the number of findings per outcome."""
    specs = [s for s in all_checks() if check_ids is None or s.id in check_ids]
    totals: Counter[str] = Counter()
    with storage.sessions() as session:
        scan_ids = service_scan_ids(session, run_id)
    for scan_id in scan_ids:
        # One transaction per service scan: its findings are replaced all at once or not at all.
        with transaction(storage.sessions) as session:
            scan = session.get_one(ServiceScan, scan_id)
            inputs = load_inputs(session, storage.artifacts, scan)
            session.execute(delete(FindingRow).where(
                FindingRow.service_scan_id == scan_id,
                FindingRow.check_id.in_([s.id for s in specs]),
            ))
            for spec in specs:
                for finding in evaluate(spec, inputs):
                    _store(session, scan_id, spec, finding)
                    totals[finding.outcome.value] += 1
    return totals
