"""Reads of a service scan's captures and findings, and the replacement of its findings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import Evidence, Finding, PageCapture, Service, ServiceScan


@dataclass
class EvidenceRecord:
    kind: str
    url: str | None = None
    selector: str | None = None
    snippet: str | None = None
    artifact_sha256: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class FindingRecord:
    """One finding to store, as a check produced it."""

    check_id: str
    check_version: int
    outcome: str
    message: str
    severity: str | None = None
    references: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    page_capture_id: int | None = None
    evidence: list[EvidenceRecord] = field(default_factory=list)


def service_of_scan(session: Session, service_scan_id: int) -> Service:
    return session.get_one(ServiceScan, service_scan_id).service


def captures_of_scan(session: Session, service_scan_id: int) -> Sequence[PageCapture]:
    return session.scalars(
        select(PageCapture).where(PageCapture.service_scan_id == service_scan_id)
        .order_by(PageCapture.id)
    ).all()


def findings_of_scan(session: Session, service_scan_id: int) -> Sequence[Finding]:
    return session.scalars(
        select(Finding).where(Finding.service_scan_id == service_scan_id).order_by(Finding.id)
    ).all()


def replace_findings(session: Session, service_scan_id: int, check_ids: Iterable[str],
                     findings: Iterable[FindingRecord]) -> None:
    """Drop the scan's findings of ``check_ids`` and store ``findings`` in their place."""
    session.execute(delete(Finding).where(Finding.service_scan_id == service_scan_id,
                                          Finding.check_id.in_(list(check_ids))))
    for f in findings:
        row = Finding(
            service_scan_id=service_scan_id, page_capture_id=f.page_capture_id,
            check_id=f.check_id, check_version=f.check_version, outcome=f.outcome,
            severity=f.severity, message=f.message, references=list(f.references), data=f.data)
        row.evidence = [Evidence(kind=e.kind, url=e.url, selector=e.selector, snippet=e.snippet,
                                 artifact_sha256=e.artifact_sha256, extra=e.extra)
                        for e in f.evidence]
        session.add(row)
