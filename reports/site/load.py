"""Database → view models for the report pages.

The overview is loaded with two queries (service scans, indicator values); each service page
with a constant number of queries (captures, findings with their evidence, the previous scan's
findings), never one per finding, so a run of hundreds of services and 100k findings is read
service by service without holding it all in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from indicators.registry import IndicatorSpec
from reports.site import details, labels
from storage import reporting
from storage.findings import captures_of_scan
from storage.reporting import FindingKey as FindingKeyRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import Finding, IndicatorValue, ScanRun, ServiceScan

MAX_NODES_SHOWN = 10  # evidence items shown per finding (axe keeps up to 50)
SNIPPET_LIMIT = 500


@dataclass(frozen=True)
class RunView:
    id: int
    status: str
    trigger: str
    started: str
    finished: str
    tool_versions: list[tuple[str, str]]

    @classmethod
    def of(cls, run: ScanRun) -> RunView:
        return cls(run.id, labels.RUN_STATUS_FR.get(run.status, run.status), run.trigger,
                   labels.when(run.started_at), labels.when(run.finished_at),
                   sorted((str(k), str(v)) for k, v in (run.tool_versions or {}).items()))


@dataclass(frozen=True)
class IndicatorCell:
    slug: str
    level: str
    label: str
    badge: str  # DSFR badge modifier class
    rationale: str
    finding_ids: list[int]


@dataclass
class ServiceRow:
    """One service of the run, as the overview, filters and auditor view need it."""

    scan_id: int
    service_id: int
    slug: str
    name: str
    start_url: str | None  # None: re-imported without a URL since this scan
    ministry: str | None
    administration: str | None
    jdma_id: str | None
    declared: dict[str, Any]
    close_reason: str | None
    counters: dict[str, Any]
    indicators: dict[str, IndicatorCell] = field(default_factory=dict)

    @property
    def page(self) -> str:
        return f"services/{self.slug}.html"

    @property
    def close_reason_fr(self) -> str:
        return labels.CLOSE_REASON_FR.get(self.close_reason or "", "en cours")


@dataclass(frozen=True)
class EvidenceView:
    kind: str
    url: str
    selector: str
    snippet: str
    note: str  # axe's failure summary, or other short extra facts


@dataclass
class FindingView:
    id: int
    check_id: str
    outcome: str
    severity: str | None
    message: str
    data: dict[str, Any]
    page_url: str
    viewport: str
    evidence: list[EvidenceView]
    evidence_total: int

    @property
    def outcome_fr(self) -> str:
        return labels.OUTCOME_FR.get(self.outcome, self.outcome)

    @property
    def outcome_badge(self) -> str:
        return labels.OUTCOME_BADGE.get(self.outcome, "fr-badge--no-icon")

    @property
    def viewport_fr(self) -> str:
        return labels.VIEWPORT_FR.get(self.viewport, self.viewport)

    @property
    def third_party_contacts(self) -> list[details.ThirdPartyContact]:
        return details.third_party_contacts(self.check_id, self.data)

    @property
    def partial_kind_fr(self) -> str:
        return details.partial_kind(self.check_id, self.data)


@dataclass(frozen=True)
class CaptureView:
    id: int
    kind: str
    viewport: str
    url: str
    requested_url: str
    http_status: int | None
    outcome: str
    error: str
    title: str
    load_seconds: float | None
    screenshot_sha256: str | None
    error_kind: str | None = None

    @property
    def error_kind_fr(self) -> str:
        return labels.ERROR_KIND_FR.get(self.error_kind or "", "")

    @property
    def kind_fr(self) -> str:
        return labels.PAGE_KIND_FR.get(self.kind, self.kind)

    @property
    def viewport_fr(self) -> str:
        return labels.VIEWPORT_FR.get(self.viewport, self.viewport)

    @property
    def outcome_fr(self) -> str:
        return labels.CAPTURE_OUTCOME_FR.get(self.outcome, self.outcome)

    @property
    def load_fr(self) -> str:
        return f"{self.load_seconds:.1f} s".replace(".", ",") if self.load_seconds else ""

    def order(self) -> tuple[Any, ...]:
        kinds = labels.PAGE_KIND_ORDER
        rank = kinds.index(self.kind) if self.kind in kinds else len(kinds)
        return (rank, self.requested_url, self.viewport != "desktop", self.id)


def _cell(spec: IndicatorSpec, value: IndicatorValue) -> IndicatorCell:
    try:
        color = spec.level(value.level).color
    except KeyError:  # a level from an older rule version: still shown, neutral
        color = "gray"
    return IndicatorCell(value.indicator, value.level, value.label,
                         labels.BADGE_CLASS.get(color, "fr-badge--no-icon"), value.rationale,
                         [int(i) for i in value.finding_ids or []])


def load_services(session: Session, run: ScanRun, specs: Iterable[IndicatorSpec]
                  ) -> list[ServiceRow]:
    """Every service scan of the run with its indicators, ordered by service name."""
    by_slug = {s.slug: s for s in specs}
    scans = reporting.run_scans(session, run.id)
    rows = {sc.id: ServiceRow(
        sc.id, sc.service_id, sc.service.slug, sc.service.name, sc.service.start_url,
        sc.service.ministry or None, sc.service.administration or None, sc.service.jdma_id,
        dict(sc.service.declared or {}), sc.close_reason, dict(sc.counters or {}),
    ) for sc in scans}
    for value in reporting.run_indicator_values(session, run.id):
        spec = by_slug.get(value.indicator)
        if spec is not None and value.service_scan_id in rows:
            rows[value.service_scan_id].indicators[value.indicator] = _cell(spec, value)
    return sorted(rows.values(), key=lambda r: (r.name.casefold(), r.slug))


@dataclass(frozen=True)
class OfflineService:
    """A registered service with no online procedure: listed, never scanned."""

    slug: str
    name: str
    ministry: str | None
    administration: str | None


def load_not_online(session: Session) -> list[OfflineService]:
    return [OfflineService(s.slug, s.name, s.ministry or None, s.administration or None)
            for s in reporting.services_not_online(session)]


def previous_scans(session: Session, run: ScanRun) -> dict[int, ServiceScan]:
    """For each service of the run, its latest scan in an earlier run."""
    return reporting.previous_scans(session, run.id)


def previous_levels(session: Session, scan_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Indicator labels of earlier scans: {scan id: {indicator: label}}."""
    return reporting.indicator_labels(session, scan_ids)


def _evidence(finding: Finding) -> list[EvidenceView]:
    shown = []
    for ev in finding.evidence[:MAX_NODES_SHOWN]:
        extra = ev.extra or {}
        note = extra.get("failure_summary") or ""
        shown.append(EvidenceView(ev.kind, ev.url or "", labels.truncate(ev.selector, 300),
                                  labels.truncate(ev.snippet, SNIPPET_LIMIT),
                                  labels.truncate(str(note), SNIPPET_LIMIT)))
    return shown


def load_captures(session: Session, scan_id: int) -> list[CaptureView]:
    rows = captures_of_scan(session, scan_id)
    captures = [CaptureView(c.id, c.page_kind, c.viewport, c.final_url or c.requested_url,
                            c.requested_url, c.http_status, c.outcome, c.error or "",
                            c.title or "", c.load_seconds, c.screenshot_sha256, c.error_kind)
                for c in rows]
    return sorted(captures, key=CaptureView.order)


def load_findings(session: Session, scan_id: int, captures: dict[int, CaptureView]
                  ) -> list[FindingView]:
    views = []
    for f in reporting.findings_with_evidence(session, scan_id):
        data = dict(f.data or {})
        capture = captures.get(f.page_capture_id) if f.page_capture_id else None
        page_url = str(data.get("page_url") or (capture.url if capture else ""))
        viewport = str(data.get("viewport") or (capture.viewport if capture else ""))
        views.append(FindingView(f.id, f.check_id, f.outcome, f.severity, f.message, data,
                                 page_url, viewport, _evidence(f), len(f.evidence)))
    return views


def load_previous_findings(session: Session, scan_id: int) -> list[FindingKeyRow]:
    """An earlier scan's findings, with their capture's URL and viewport (one query)."""
    return reporting.finding_keys(session, scan_id)


def start_url(session: Session, scan_id: int) -> str | None:
    """The start page URL a scan requested (its origin lets pages be compared across runs)."""
    return reporting.start_url(session, scan_id)
