"""Per-service history across runs: finding counts per run, up to the reported run.

Three grouped queries for the whole report (``storage.reporting.history``), however many
services and findings.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from checks.axe import CHECK_ID as AXE_CHECK
from reports.site import labels
from storage import reporting

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

MAX_RUNS = 20  # the chart stays readable; older runs remain in the database and exports


@dataclass(frozen=True)
class HistoryPoint:
    run_id: int
    date: str  # « 23/11/2026 15:50 »
    failed: int  # findings with outcome fail, every check
    axe_violations: int  # axe findings with outcome fail (one per violated rule and page)
    to_review: int  # findings with outcome needs_review


def load_history(session: Session, run_id: int, max_runs: int = MAX_RUNS
                 ) -> dict[int, list[HistoryPoint]]:
    """{service id: points oldest first} for the services of the run, runs up to it."""
    history: dict[int, list[HistoryPoint]] = defaultdict(list)
    for c in reporting.history(session, run_id, max_runs, AXE_CHECK):
        history[c.service_id].append(HistoryPoint(
            c.run_id, labels.short_datetime(c.run_started), c.failed, c.check_failed,
            c.to_review))
    return history
