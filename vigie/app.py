"""The orchestration layer: what Vigie does, as functions every entry point calls.

The CLI, the demo, the scheduler and the workers call these and only display or log what they
return; the stages below (crawler, checks, indicators, reports) never call each other. Bad
input raises a ``core.errors.BadInput`` (exit code 2) before anything is written; Vigie's own
failures raise a ``core.errors.OperationalError`` (exit code 1).
"""

from __future__ import annotations

import enum
import os
import socket
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from checks.runner import run_checks
from core.errors import BadInput, OperationalError
from core.events import Listener
from core.outcomes import CloseReason, RunStatus
from core.schedules import MAIN
from core.settings import Settings
from crawler.browser import BrowserChoice, BrowserNotFound, find_browser
from crawler.run import run_crawl, tool_versions
from indicators.registry import all_indicators
from indicators.runner import compute_indicators
from reports.export import to_json, write_csv
from reports.health import Health, collect
from reports.indicators_export import indicators_csv, indicators_json
from reports.site.build import write_site
from services import RegistryError, ServiceSpec, load_services, upsert_services
from storage.context import Storage
from storage.db import transaction
from storage.exports import load_run
from storage.runs import (
    ServiceScanSummary,
    close_reasons,
    create_run,
    finish_run,
    interrupt_dead_runs,
    observed_tool_versions,
    resolve_run,
    run_status,
    service_scan_summaries,
    service_slugs,
)
from storage.scheduling import DueTimeTaken, run_for_due_time, tag_scheduled_run
from storage.services import list_services as stored_services
from storage.services import service_schedules

# Close reasons that mean Vigie itself failed (the exit code reports them), as opposed to
# facts about a service (unreachable, robots...) which are findings.
OPERATIONAL_FAILURES = frozenset({CloseReason.error.value, CloseReason.browser_crashed.value})


class ExitCode(enum.IntEnum):
    """Exit codes of every ``vigie`` command (README, « Exit codes »)."""

    ok = 0
    operational_failure = 1  # Vigie could not do its job (no browser, a scan failed on its side)
    bad_input = 2  # a file, flag or id the user can fix; nothing was written


class UnknownServices(BadInput):
    pass


class UnknownRun(BadInput):
    pass


class NothingToScan(BadInput):
    pass


class BadServiceList(BadInput):
    """A service list with errors; ``issues`` are located (``file:line: field: message``)."""

    def __init__(self, error: RegistryError) -> None:
        super().__init__(str(error))
        self.issues = error.issues


@dataclass
class ScanResult:
    run_id: int
    status: str
    findings: Counter[str]
    close_reasons: dict[str, str]
    summaries: list[ServiceScanSummary] = field(default_factory=list)

    @property
    def operational_failure(self) -> bool:
        return self.status != RunStatus.completed or any(
            r in OPERATIONAL_FAILURES for r in self.close_reasons.values())


def settings(data_dir: Path | None = None, **overrides: Any) -> Settings:
    """Defaults, then ``VIGIE_*`` variables, then the given overrides (None: not given)."""
    return Settings.from_env().with_overrides(data_dir=data_dir, **overrides)


def open_storage(config: Settings, *, migrate: bool = True) -> Storage:
    return Storage.open(config, migrate=migrate)


def database_name(config: Settings) -> str:
    """The database URL without its password, for messages."""
    return str(config.public_dict()["database_url"])


# -- the service list ---------------------------------------------------------------------------


def read_services(path: Path) -> list[ServiceSpec]:
    """A checked service list, or ``BadServiceList`` naming every problem."""
    try:
        return load_services(path)
    except RegistryError as exc:
        raise BadServiceList(exc) from None


def import_services(storage: Storage, specs: list[ServiceSpec]) -> tuple[int, int]:
    """Create or update the services (all or nothing); returns (created, updated)."""
    with transaction(storage.sessions) as session:
        return upsert_services(session, specs)


def list_services(storage: Storage) -> list[ServiceSpec]:
    """The registered services, by id."""
    with storage.sessions() as session:
        return [ServiceSpec.from_model(row) for row in stored_services(session)]


def select_services(storage: Storage, only: list[str] | None) -> list[str]:
    """The slugs to scan: every registered service, or those of ``only`` (all must exist)."""
    with storage.sessions() as session:
        slugs = service_slugs(session)
    if only:
        missing = [slug for slug in only if slug not in set(slugs)]
        if missing:
            raise UnknownServices(f"unknown service id(s): {', '.join(missing)}")
        slugs = [s for s in slugs if s in set(only)]
    return slugs


# -- scanning -----------------------------------------------------------------------------------


def scan_command(config: Settings, services_file: Path | None = None,
                 only: list[str] | None = None, *, trigger: str = "manual",
                 listener: Listener | None = None) -> ScanResult:
    """``vigie scan``: import the list if one is given, then scan (all of it, or ``only``)."""
    specs = read_services(services_file) if services_file is not None else None
    with open_storage(config) as storage:
        if specs is not None:
            import_services(storage, specs)
            only = only or [s.slug for s in specs]
        slugs = select_services(storage, only)
        if not slugs:
            raise NothingToScan("no service to scan: import some with `vigie services import "
                                "FILE` or pass --services FILE")
        return scan(storage, slugs, trigger=trigger, listener=listener)


def scan(storage: Storage, slugs: list[str], *, trigger: str = "manual",
         listener: Listener | None = None, browser: BrowserChoice | None = None) -> ScanResult:
    """One run over ``slugs``: crawl, then judge (checks, then indicators); the run is closed
    whatever happens to the crawl, with the captures stored so far."""
    config = storage.settings
    try:
        browser = browser or find_browser(config.browser_path)
    except BrowserNotFound as exc:
        raise OperationalError(str(exc)) from None
    owner: dict[str, Any] = {"host": socket.gethostname(), "pid": os.getpid()}
    with transaction(storage.sessions) as session:
        interrupt_dead_runs(session, owner["host"], _pid_alive)
        run_id, targets = create_run(
            session, slugs, trigger=trigger,
            config={**config.public_dict(), "browser_source": browser.source, "owner": owner},
            tool_versions=tool_versions())
    status = RunStatus.completed.value
    stats: dict[str, Any] = {}
    try:
        stats = run_crawl(storage, config, targets, browser, listener)
    except BaseException:
        status = RunStatus.failed.value
        raise
    finally:
        with transaction(storage.sessions) as session:
            versions = observed_tool_versions(session, run_id)
            finish_run(session, run_id, status=status, stats=_public_stats(stats),
                       tool_versions=versions)
    findings = judge(storage, run_id)
    with storage.sessions() as session:
        return ScanResult(run_id, run_status(session, run_id), findings,
                          close_reasons(session, run_id), service_scan_summaries(session, run_id))


def judge(storage: Storage, run_id: int, check_ids: list[str] | None = None) -> Counter[str]:
    """Run the checks over a run's stored captures, then recompute its indicators."""
    findings = run_checks(storage, run_id, check_ids)
    compute_indicators(storage, run_id)
    return findings


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


# -- stored runs: recheck, export, report --------------------------------------------------------


def run_id_of(storage: Storage, run: str, *, flag: str = "--run") -> int:
    """The id of ``run`` ('latest' or a number), or ``UnknownRun``."""
    with storage.sessions() as session:
        found = resolve_run(session, run)
        if found is None:
            raise UnknownRun(f"{flag}: no run {run!r} in {database_name(storage.settings)}")
        return found.id


def recheck(storage: Storage, run: str, check_ids: list[str] | None = None
            ) -> tuple[int, Counter[str]]:
    """Recompute a stored run's findings and indicators from its captures (no browser)."""
    run_id = run_id_of(storage, run)
    return run_id, judge(storage, run_id, check_ids)


EXPORT_KINDS = ("run", "findings", "indicators")
EXPORT_FORMATS = ("json", "csv")


def check_export_arguments(what: str, fmt: str) -> None:
    """Raise ``BadInput`` for an unknown export kind or format (before opening storage)."""
    if what not in EXPORT_KINDS:
        raise BadInput(f"WHAT: expected one of {', '.join(EXPORT_KINDS)}, got {what!r}")
    if fmt not in EXPORT_FORMATS:
        raise BadInput(f"--format: expected json or csv, got {fmt!r}")


@dataclass
class Export:
    run_id: int
    text: str | None = None  # the document, for a single-file export
    files: list[Path] = field(default_factory=list)  # written files, for the CSV run export


def export(storage: Storage, what: str, run: str, fmt: str, csv_dir: Path | None = None
           ) -> Export:
    """A run's export document (docs/export.md): ``run``/``findings`` or ``indicators``."""
    check_export_arguments(what, fmt)
    run_id = run_id_of(storage, run)
    with storage.sessions() as session:
        found = resolve_run(session, str(run_id))
        assert found is not None
        data = load_run(session, found, [spec.slug for spec in all_indicators()])
    if what == "indicators":
        return Export(run_id, indicators_json(data) if fmt == "json" else indicators_csv(data))
    if fmt == "json":
        return Export(run_id, to_json(data) + "\n")
    return Export(run_id, files=write_csv(data, csv_dir or Path(f"vigie-export-{run_id}")))


def report(storage: Storage, run: str, out: Path) -> Path:
    """Write the report site of a run; returns its ``index.html``."""
    return write_site(storage, run_id_of(storage, run), out)


# -- scheduled runs and status (the scheduler, docs/operations.md) -------------------------------


def scheduled_services(storage: Storage) -> dict[str, list[str]]:
    """Schedule name -> the slugs its runs scan: ``main`` has every service without a
    schedule of its own, each other schedule the services that name it."""
    with storage.sessions() as session:
        schedules = service_schedules(session)
    out: dict[str, list[str]] = {MAIN: []}
    for slug, schedule in schedules.items():
        out.setdefault(schedule or MAIN, []).append(slug)
    return out


def start_scheduled_run(storage: Storage, schedule: str, scheduled_for: datetime) -> int | None:
    """Create the run of one due time of a schedule, over its services as they are now, for
    the executor (``vigie scan --resume RUN``) to crawl. None when that due time already has
    its run: another scheduler made it (runs are unique on schedule and due time)."""
    slugs = scheduled_services(storage).get(schedule, [])
    if not slugs:
        raise NothingToScan(f"schedule {schedule!r} has no service to scan")
    config = storage.settings
    owner: dict[str, Any] = {"host": socket.gethostname(), "pid": os.getpid()}
    try:
        with transaction(storage.sessions) as session:
            if run_for_due_time(session, schedule, scheduled_for) is not None:
                return None
            run_id, _ = create_run(session, slugs, trigger="schedule",
                                   config={**config.public_dict(), "owner": owner},
                                   tool_versions=tool_versions())
            tag_scheduled_run(session, run_id, schedule=schedule, scheduled_for=scheduled_for)
    except DueTimeTaken:
        return None
    return run_id


def process_alive(owner: dict[str, Any]) -> bool | None:
    """Whether the process ``{host, pid}`` runs (None: on another host, we cannot tell)."""
    pid = owner.get("pid")
    if owner.get("host") != socket.gethostname() or not isinstance(pid, int):
        return None
    return _pid_alive(pid)


def status(storage: Storage, now: datetime | None = None) -> Health:
    """``vigie status``: the scheduler's heartbeat, runs in progress, the last run, alerts."""
    with storage.sessions() as session:
        return collect(session, now=now or datetime.now(UTC),
                       alert_after=storage.settings.alert_after, is_alive=process_alive)
