"""The indicator values of a service scan: replaced as a whole each time they are computed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storage.models import IndicatorValue


@dataclass
class IndicatorRecord:
    indicator: str
    level: str
    label: str
    official: bool
    rationale: str
    rule_version: int
    value: dict[str, Any] = field(default_factory=dict)
    finding_ids: list[int] = field(default_factory=list)


def replace_indicator_values(session: Session, service_scan_id: int,
                             records: Iterable[IndicatorRecord]) -> None:
    session.execute(delete(IndicatorValue).where(IndicatorValue.service_scan_id == service_scan_id))
    for r in records:
        session.add(IndicatorValue(
            service_scan_id=service_scan_id, indicator=r.indicator, level=r.level, label=r.label,
            official=r.official, value=r.value, rationale=r.rationale,
            finding_ids=r.finding_ids, rule_version=r.rule_version))
