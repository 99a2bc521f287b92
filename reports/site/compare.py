"""The « Publié / mesuré » page: each service's comparisons (``reports.compare``), counted per
published value and per ministry, and the disagreements listed with a link to each service."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from indicators.registry import get_indicator
from reports.compare import (
    DISAGREEMENT,
    SUBJECT_TITLES,
    SUBJECTS,
    VERDICTS,
    Comparison,
    Measured,
    compare_service,
)
from reports.site import labels
from reports.site.load import FindingView, ServiceRow

VERDICT_BADGE = {"agreement": "fr-badge--success", "disagreement": "fr-badge--error",
                 "not_comparable": "fr-badge--no-icon"}


@dataclass(frozen=True)
class CompareRow:
    """One comparison of one service, as the page lists it."""

    service: ServiceRow
    comparison: Comparison

    @property
    def title(self) -> str:
        return SUBJECT_TITLES[self.comparison.key]

    @property
    def measured(self) -> str:
        """Vigie's level, with the indicator it is a level of (the rate's is « handicap »)."""
        c = self.comparison
        if not c.measured_label:
            return "—"
        return f"{c.measured_label} ({get_indicator(c.indicator).title})"

    @property
    def badge(self) -> str:
        return VERDICT_BADGE[self.comparison.verdict]


@dataclass
class Tally:
    """How many comparisons of a group ended in each verdict."""

    name: str
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def cells(self) -> list[tuple[str, int]]:
        return [(verdict, self.counts[verdict]) for verdict in VERDICTS]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def service_comparisons(service: ServiceRow, findings: Iterable[FindingView]
                        ) -> list[CompareRow]:
    measured = {slug: Measured(cell.level, cell.label, cell.rationale, tuple(cell.finding_ids))
                for slug, cell in service.indicators.items()}
    return [CompareRow(service, c)
            for c in compare_service(service.declared, measured, findings)]


def _tally(rows: list[CompareRow], names: Iterable[str], name_of: Callable[[CompareRow], str]
           ) -> list[Tally]:
    tallies = {name: Tally(name) for name in names}
    for row in rows:
        tallies.setdefault(name_of(row), Tally(name_of(row))).counts[row.comparison.verdict] += 1
    return [t for t in tallies.values() if t.total]


def by_subject(rows: list[CompareRow]) -> list[Tally]:
    return _tally(rows, [s.title for s in SUBJECTS], lambda r: r.title)


def by_ministry(rows: list[CompareRow]) -> list[Tally]:
    ministries = sorted({r.service.ministry or labels.NOT_SET for r in rows},
                        key=lambda n: (n == labels.NOT_SET, n.casefold()))
    return _tally(rows, ministries, lambda r: r.service.ministry or labels.NOT_SET)


def disagreements(rows: list[CompareRow]) -> list[CompareRow]:
    order = {s.key: i for i, s in enumerate(SUBJECTS)}
    return sorted((r for r in rows if r.comparison.verdict == DISAGREEMENT),
                  key=lambda r: (order[r.comparison.key], r.service.name.casefold()))
