"""Per-service history across runs: finding counts per run, up to the reported run.

Three grouped queries for the whole report (last runs, their scans, counts per scan), however
many services and findings.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from reports.site import labels
from storage.models import Finding, ScanRun, ServiceScan

MAX_RUNS = 20  # the chart stays readable; older runs remain in the database and exports


@dataclass(frozen=True)
class HistoryPoint:
    run_id: int
    date: str  # « 23/11/2026 15:50 »
    failed: int  # findings with outcome fail, every check
    axe_violations: int  # axe findings with outcome fail (one per violated rule and page)
    to_review: int  # findings with outcome needs_review


def load_history(session: Session, run: ScanRun, max_runs: int = MAX_RUNS
                 ) -> dict[int, list[HistoryPoint]]:
    """{service id: points oldest first} for the services of ``run``, runs up to ``run``."""
    runs = session.execute(
        select(ScanRun.id, ScanRun.started_at).where(ScanRun.id <= run.id)
        .order_by(ScanRun.id.desc()).limit(max_runs)).all()
    started = {run_id: at for run_id, at in runs}
    in_run = select(ServiceScan.service_id).where(ServiceScan.run_id == run.id)
    scans = session.execute(
        select(ServiceScan.id, ServiceScan.service_id, ServiceScan.run_id)
        .where(ServiceScan.run_id.in_(list(started)), ServiceScan.service_id.in_(in_run))
    ).all()
    is_axe = case((Finding.check_id == "axe", 1), else_=0)
    counts: dict[int, dict[tuple[int, str], int]] = defaultdict(dict)
    for scan_id, axe, outcome, n in session.execute(
            select(Finding.service_scan_id, is_axe, Finding.outcome, func.count())
            .join(ServiceScan, Finding.service_scan_id == ServiceScan.id)
            .where(ServiceScan.run_id.in_(list(started)), ServiceScan.service_id.in_(in_run),
                   Finding.outcome.in_(("fail", "needs_review")))
            .group_by(Finding.service_scan_id, is_axe, Finding.outcome)):
        counts[scan_id][(int(axe), outcome)] = int(n)
    history: dict[int, list[HistoryPoint]] = defaultdict(list)
    for scan_id, service_id, run_id in sorted(scans, key=lambda s: s[2]):
        c = counts.get(scan_id, {})
        history[service_id].append(HistoryPoint(
            run_id, labels.short_datetime(started[run_id]),
            c.get((0, "fail"), 0) + c.get((1, "fail"), 0), c.get((1, "fail"), 0),
            c.get((0, "needs_review"), 0) + c.get((1, "needs_review"), 0)))
    return history
