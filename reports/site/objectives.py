"""View data of the « Objectifs » pages: each objective judged for every service of the run,
counted per ministry, and over past runs and quarters (``reports.objectives`` judges).

The trend covers the services of the reported run over the last runs up to it (as the
service history does); the quarterly view takes, for each service, its scan in the last
completed run of each quarter (``storage.reporting.last_completed_scans``), for the last
quarters up to the reported run. Services listed without a start URL were never scanned: they
are judged on the registry alone, the same in every run and quarter.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from checks.axe import CHECK_ID as AXE_CHECK
from core.quarters import Quarter
from reports.objectives import (
    OBJECTIVES,
    STATUS_FR,
    Evidence,
    Objective,
    Verdict,
)
from reports.site import labels
from reports.site.chart import Chart, line_chart
from reports.site.history import MAX_RUNS
from reports.site.load import ServiceRow
from storage import reporting
from storage.reporting import COMPLETED, ScanLevels

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import ScanRun

MAX_QUARTERS = 4  # a year of the observatory's quarterly publication
CHART_LINES = (("met", "vigie-chart__met", "circle"), ("not_met", "vigie-chart__notmet",
               "square"), ("unknown", "vigie-chart__unknown", "triangle"))


@dataclass(frozen=True)
class Entry:
    """One service under one objective."""

    name: str
    page: str | None  # its service page; None: never scanned (no start URL)
    reason: str
    links: list[tuple[str, str]]  # (indicator title, page#anchor) the verdict rests on
    published: tuple[str, ...]  # the `declared` keys it rests on


@dataclass
class MinistryBlock:
    name: str
    slug: str
    counts: Counter[str] = field(default_factory=Counter)
    entries: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))


@dataclass(frozen=True)
class TrendPoint:
    label: str  # « n° 12 » or « 2026-T3 »
    date: str  # the run's start, or the quarter's runs
    counts: Counter[str]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class ObjectiveView:
    objective: Objective
    passed: bool  # the deadline is over on the run's date
    counts: Counter[str]
    ministries: list[MinistryBlock]
    trend: list[TrendPoint]
    quarters: list[TrendPoint]

    @property
    def slug(self) -> str:
        return self.objective.id.replace("_", "-")

    @property
    def page(self) -> str:
        return f"objectifs/{self.slug}.html"

    @property
    def statuses(self) -> list[tuple[str, str]]:
        return [(s, STATUS_FR[s]) for s in self.objective.statuses]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def chart(self) -> Chart | None:
        if not self.trend:
            return None
        return line_chart([(p.label, p.date[:5] + p.date[10:]) for p in self.trend],
                          [(STATUS_FR[s], css, marker, [p.counts[s] for p in self.trend])
                           for s, css, marker in CHART_LINES])


def evidence_of(scan: ScanLevels) -> Evidence:
    return Evidence(scan.levels, scan.declared, scan.rgaa_failed)


def counts_of(objective: Objective, evidences: Iterable[Evidence]) -> Counter[str]:
    return Counter(objective.evaluate(ev).status for ev in evidences)


def _entry(verdict: Verdict, row: ServiceRow | None, name: str,
           titles: dict[str, str]) -> Entry:
    links = [(titles.get(slug, slug), f"{row.page}#indicateur-{slug}")
             for slug in verdict.indicators if row is not None and slug in row.indicators]
    return Entry(name, row.page if row else None, verdict.reason, links, verdict.declared)


def load_objectives(session: Session, run: ScanRun, services: list[ServiceRow],
                    titles: dict[str, str]) -> list[ObjectiveView]:
    """Every objective's view for the run (a constant number of queries per 500 scans)."""
    history = reporting.scan_levels(
        session, reporting.history_scan_ids(session, run.id, MAX_RUNS), AXE_CHECK)
    offline = [(s.name, s.ministry or labels.NOT_SET, Evidence(declared=dict(s.declared or {}),
                                                              online=False))
               for s in reporting.services_not_online(session)]
    offline_evidence = [ev for *_, ev in offline]
    by_run: dict[int, list[ScanLevels]] = defaultdict(list)
    for scan in history:
        by_run[scan.run_id].append(scan)
    current = {scan.scan_id: scan for scan in by_run.get(run.id, [])}
    rows = [(row, current[row.scan_id]) for row in services]

    quarter_scans: list[tuple[Quarter, list[ScanLevels]]] = []
    finished = sorted({Quarter.of(at) for _, at, status in reporting.run_starts(session, run.id)
                       if status == COMPLETED})
    for quarter in finished[-MAX_QUARTERS:]:
        ids = reporting.last_completed_scans(session, quarter.start, quarter.end, run.id)
        quarter_scans.append((quarter, reporting.scan_levels(session, ids, AXE_CHECK)))

    ministry_names = sorted({r.ministry or labels.NOT_SET for r in services}
                            | {m for _, m, _ in offline}, key=labels.group_order)
    slugs = labels.group_slugs(ministry_names)
    run_date = run.started_at.date()
    views = []
    for objective in OBJECTIVES:
        blocks = {name: MinistryBlock(name, slug) for name, slug in slugs.items()}
        for row, scan in rows:
            verdict = objective.evaluate(evidence_of(scan))
            block = blocks[row.ministry or labels.NOT_SET]
            block.counts[verdict.status] += 1
            block.entries[verdict.status].append(_entry(verdict, row, row.name, titles))
        for name, ministry, ev in offline:
            verdict = objective.evaluate(ev)
            blocks[ministry].counts[verdict.status] += 1
            blocks[ministry].entries[verdict.status].append(_entry(verdict, None, name, titles))
        for block in blocks.values():
            for entries in block.entries.values():
                entries.sort(key=lambda e: e.name.casefold())
        counts: Counter[str] = Counter()
        for block in blocks.values():
            counts.update(block.counts)
        trend = [TrendPoint(f"n° {rid}", labels.short_datetime(scans[0].run_started),
                            counts_of(objective, [*map(evidence_of, scans),
                                                  *offline_evidence]))
                 for rid, scans in sorted(by_run.items())]
        quarters = [TrendPoint(q.label, _runs_of(scans), counts_of(
            objective, [*map(evidence_of, scans), *offline_evidence]))
            for q, scans in quarter_scans]
        views.append(ObjectiveView(objective, objective.passed(run_date), counts,
                                   [b for b in blocks.values() if b.counts], trend, quarters))
    return views


def _runs_of(scans: list[ScanLevels]) -> str:
    """« passages n° 3, 5 » : the runs a quarter's services were taken from."""
    ids = sorted({s.run_id for s in scans})
    if not ids:
        return "aucun passage terminé"
    return ("passage n° " if len(ids) == 1 else "passages n° ") + ", ".join(map(str, ids))

