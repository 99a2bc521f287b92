"""One scan from start to end: create the run, crawl, run the checks, close the run."""

from __future__ import annotations

import os
import socket
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from checks.runner import run_checks
from crawler.browser import BrowserChoice, find_browser
from crawler.recorder import Listener
from crawler.run import run_crawl, tool_versions
from crawler.spider import ServiceTarget
from indicators.runner import compute_indicators
from storage.context import Storage
from storage.db import transaction
from storage.models import CloseReason, PageCapture, ScanRun, Service, ServiceScan
from storage.repository import create_run, finish_run, interrupt_dead_runs

# Close reasons that mean Vigie itself failed (the exit code reports them), as opposed to
# facts about a service (unreachable, robots...) which are findings.
OPERATIONAL_FAILURES = {CloseReason.error.value, CloseReason.browser_crashed.value}


class UnknownServices(ValueError):
    pass


@dataclass
class ScanResult:
    run_id: int
    status: str
    findings: Counter[str]
    close_reasons: dict[str, str]

    @property
    def operational_failure(self) -> bool:
        return self.status != "completed" or any(
            r in OPERATIONAL_FAILURES for r in self.close_reasons.values()
        )


def select_services(storage: Storage, only: list[str] | None) -> list[Service]:
    with storage.sessions() as session:
        services = list(session.scalars(select(Service).order_by(Service.slug)).all())
    if only:
        known = {s.slug for s in services}
        missing = [slug for slug in only if slug not in known]
        if missing:
            raise UnknownServices(f"unknown service id(s): {', '.join(missing)}")
        services = [s for s in services if s.slug in set(only)]
    return services


def scan(storage: Storage, services: list[Service], *, trigger: str = "manual",
         listener: Listener | None = None, browser: BrowserChoice | None = None) -> ScanResult:
    settings = storage.settings
    browser = browser or find_browser(settings.browser_path)
    versions = tool_versions()
    host = socket.gethostname()
    owner: dict[str, Any] = {"host": host, "pid": os.getpid()}
    with transaction(storage.sessions) as session:
        interrupt_dead_runs(session, host, _pid_alive)
        attached = [session.merge(s) for s in services]
        run = create_run(session, attached, trigger=trigger,
                         config={**settings.public_dict(), "browser_source": browser.source,
                                 "owner": owner},
                         tool_versions=versions)
        run_id = run.id
        by_service = {sc.service_id: sc.id for sc in run.service_scans}
        targets = [ServiceTarget(by_service[s.id], s.slug, s.start_url, list(s.extra_urls or []))
                   for s in attached]
    status = "completed"
    stats: dict[str, Any] = {}
    try:
        stats = run_crawl(storage, settings, targets, browser, listener)
    except BaseException:
        status = "failed"
        raise
    finally:
        with transaction(storage.sessions) as session:
            finish_run(session, run_id, status=status, stats=_public_stats(stats),
                             tool_versions=_observed_versions(storage, run_id))
    findings = run_checks(storage, run_id)
    compute_indicators(storage, run_id)
    with storage.sessions() as session:
        done = session.get_one(ScanRun, run_id)
        reasons = {sc.service.slug: sc.close_reason or "" for sc in done.service_scans}
    return ScanResult(run_id, status, findings, reasons)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _public_stats(stats: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stats.items() if isinstance(v, int | float | str)}


def _observed_versions(storage: Storage, run_id: int) -> dict[str, Any]:
    """The browser and axe versions as reported by the captures themselves."""
    with storage.sessions() as session:
        row = session.execute(
            select(PageCapture.tool_versions)
            .join(ServiceScan, ServiceScan.id == PageCapture.service_scan_id)
            .where(ServiceScan.run_id == run_id, PageCapture.outcome == "ok")
            .limit(1)
        ).scalar()
    return {k: v for k, v in (row or {}).items() if v}
