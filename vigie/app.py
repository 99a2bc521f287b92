"""The orchestration layer: what Vigie does, as functions every entry point calls.

The CLI, the demo, the scheduler and the workers call these and only display or log what they
return; the stages below (crawler, checks, indicators, reports) never call each other. Bad
input raises a ``core.errors.BadInput`` (exit code 2) before anything is written; Vigie's own
failures raise a ``core.errors.OperationalError`` (exit code 1).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import BadInput
from core.events import Listener
from core.outcomes import RunStatus
from core.quarters import Quarter
from core.schedules import MAIN
from core.settings import Settings
from crawler.browser import BrowserChoice
from indicators.registry import all_indicators
from reports.compare_export import compare_csv, compare_json
from reports.export import to_json, write_csv
from reports.health import Health, collect
from reports.indicators_export import indicators_csv, indicators_json
from reports.site.build import write_site
from services import (
    RegistryError,
    ServiceSpec,
    ServiceTable,
    load_service_list,
    upsert_services,
)
from services.columns import COLUMN_SETS
from storage.context import Storage
from storage.db import transaction
from storage.exports import load_period, load_run
from storage.runs import resolve_run, run_status, service_scan_of, service_slugs, set_run_status
from storage.scheduling import DueTimeTaken, run_for_due_time, tag_scheduled_run
from storage.services import list_services as stored_services
from storage.services import offline_slugs, service_schedules
from vigie.execution import (
    Judgement,
    ScanResult,
    execute_run,
    judge,
    pid_alive,
    rerun_services,
    resume_run,
    start_run,
    this_process,
)


class ExitCode(enum.IntEnum):
    """Exit codes of every ``vigie`` command (README, « Exit codes »)."""

    ok = 0
    # Vigie could not do its job: no browser, a scan failed on its side, artifacts that could
    # not be written or are missing, checks that could not be stored
    operational_failure = 1
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


def settings(data_dir: Path | None = None, **overrides: Any) -> Settings:
    """Defaults, then ``VIGIE_*`` variables, then the given overrides (None: not given);
    BadInput naming the variable or setting when a value is not valid."""
    try:
        return Settings.from_env().with_overrides(data_dir=data_dir, **overrides)
    except ValueError as exc:
        raise BadInput(str(exc)) from None


def open_storage(config: Settings, *, migrate: bool = True) -> Storage:
    return Storage.open(config, migrate=migrate)


def database_name(config: Settings) -> str:
    """The database URL without its password, for messages."""
    return str(config.public_dict()["database_url"])


# -- the service list ---------------------------------------------------------------------------


def read_services(path: Path) -> list[ServiceSpec]:
    """A checked service list, or ``BadServiceList`` naming every problem."""
    return read_service_list(path).specs


def read_service_list(path: Path) -> ServiceTable:
    """A checked service list with its notices (columns kept in ``extra``) and column set,
    or ``BadServiceList`` naming every problem."""
    try:
        return load_service_list(path)
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


def select_services(storage: Storage, only: list[str] | None) -> tuple[list[str], list[str]]:
    """The slugs to scan: every registered service, or those of ``only`` (all must exist);
    and those left out because they have no start URL (not online: never scanned)."""
    with storage.sessions() as session:
        slugs = service_slugs(session)
        offline = set(offline_slugs(session))
    if only:
        missing = [slug for slug in only if slug not in set(slugs)]
        if missing:
            raise UnknownServices(f"unknown service id(s): {', '.join(missing)}")
        slugs = [s for s in slugs if s in set(only)]
    return [s for s in slugs if s not in offline], [s for s in slugs if s in offline]


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
        slugs, not_online = select_services(storage, only)
        if not slugs:
            why = (f" ({len(not_online)} without a start URL: not online)" if not_online
                   else "")
            raise NothingToScan(f"no service to scan{why}: import some with `vigie services "
                                "import FILE` or pass --services FILE")
        result = scan(storage, slugs, trigger=trigger, listener=listener)
        result.not_online = not_online
        return result


def scan(storage: Storage, slugs: list[str], *, trigger: str = "manual",
         listener: Listener | None = None, browser: BrowserChoice | None = None) -> ScanResult:
    """One new run over ``slugs``: crawl (with retries), then judge (checks, then
    indicators); the run is closed whatever happens to the crawl, with what it stored."""
    run_id = start_run(storage, slugs, trigger=trigger)
    return execute_run(storage, run_id, listener=listener, browser=browser)


def resume(config: Settings, run: str, *, listener: Listener | None = None) -> ScanResult:
    """``vigie scan --resume``: finish a run whose process died (docs/operations.md)."""
    with open_storage(config) as storage:
        return resume_run(storage, run_id_of(storage, run, flag="--resume"), listener=listener)


def rerun(config: Settings, run: str, slugs: list[str], *, listener: Listener | None = None,
          report_dir: Path | None = None) -> ScanResult:
    """``vigie rerun``: redo some services of a stored run (a new attempt each), judge the run
    again, and rewrite its report site when ``report_dir`` is given."""
    with open_storage(config) as storage:
        run_id = run_id_of(storage, run)
        with storage.sessions() as session:
            ids = {slug: service_scan_of(session, run_id, slug) for slug in slugs}
            offline = set(offline_slugs(session)) & set(slugs)
        missing = [slug for slug, scan_id in ids.items() if scan_id is None]
        if missing:
            raise UnknownServices(f"--service: not in run {run_id}: {', '.join(missing)}")
        if offline:
            raise UnknownServices(f"--service: no start URL now (not online), nothing to "
                                  f"crawl: {', '.join(sorted(offline))}")
        result = rerun_services(storage, run_id, [i for i in ids.values() if i is not None],
                                listener=listener)
        if report_dir is not None:
            write_site(storage, run_id, report_dir)
        return result


# -- stored runs: recheck, export, report --------------------------------------------------------


def run_id_of(storage: Storage, run: str, *, flag: str = "--run") -> int:
    """The id of ``run`` ('latest' or a number), or ``UnknownRun``."""
    with storage.sessions() as session:
        found = resolve_run(session, run)
        if found is None:
            raise UnknownRun(f"{flag}: no run {run!r} in {database_name(storage.settings)}")
        return found.id


def recheck(storage: Storage, run: str, check_ids: list[str] | None = None
            ) -> tuple[int, Judgement]:
    """Recompute a stored run's findings and indicators from its captures (no browser).

    The artifacts are read where the run wrote them; when some are missing it refuses
    (``MissingArtifacts``) and replaces nothing. A run whose checks now fail (or no longer
    fail) says so: ``checks_failed`` or ``completed``."""
    run_id = run_id_of(storage, run)
    judgement = judge(storage, run_id, check_ids, complete=True)
    with transaction(storage.sessions) as session:
        current = run_status(session, run_id)
        if current in (RunStatus.completed, RunStatus.checks_failed):
            set_run_status(session, run_id, (RunStatus.checks_failed if judgement.failures
                                             else RunStatus.completed).value)
    return run_id, judgement


EXPORT_KINDS = ("run", "findings", "indicators", "compare")
EXPORT_FORMATS = ("json", "csv")


def parse_quarter(quarter: str) -> Quarter:
    """``--quarter 2026-T3`` (or ``2026-Q3``); ``BadInput`` naming the flag otherwise."""
    try:
        return Quarter.parse(quarter)
    except BadInput as exc:
        raise BadInput(f"--quarter: {exc}") from None


def check_export_arguments(what: str, fmt: str, columns: str = "vigie",
                           quarter: str | None = None) -> None:
    """Raise ``BadInput`` for an unknown export kind, format, column set or quarter, or an
    option the kind does not take (before opening storage)."""
    if what not in EXPORT_KINDS:
        raise BadInput(f"WHAT: expected one of {', '.join(EXPORT_KINDS)}, got {what!r}")
    if fmt not in EXPORT_FORMATS:
        raise BadInput(f"--format: expected json or csv, got {fmt!r}")
    if columns not in COLUMN_SETS:
        raise BadInput(f"--columns: expected one of {'|'.join(COLUMN_SETS)}, got {columns!r}")
    if what != "indicators" and (columns != "vigie" or quarter is not None):
        raise BadInput("--columns and --quarter are options of `vigie export indicators`")
    if quarter is not None:
        parse_quarter(quarter)


@dataclass
class Export:
    run_id: int | None  # None: a quarter's export (each service names its run)
    text: str | None = None  # the document, for a single-file export
    files: list[Path] = field(default_factory=list)  # written files, for the CSV run export


def export(storage: Storage, what: str, run: str, fmt: str, csv_dir: Path | None = None,
           *, columns: str = "vigie", quarter: str | None = None) -> Export:
    """A run's export document (docs/export.md): ``run``/``findings``, ``indicators`` or
    ``compare`` (published vs measured); the indicators under the ``columns`` set's names,
    of one run or, with ``quarter``, of each service's last completed run in that quarter."""
    check_export_arguments(what, fmt, columns, quarter)
    order = [spec.slug for spec in all_indicators()]
    if quarter is not None:
        period_of = parse_quarter(quarter)
        with storage.sessions() as session:
            period = load_period(session, period_of.start, period_of.end, order)
        if period is None:
            raise UnknownRun(f"--quarter: no completed run started in {period_of.label} in "
                             f"{database_name(storage.settings)}")
        period["quarter"] = period_of.label
        return Export(None, _indicators(period, fmt, columns))
    run_id = run_id_of(storage, run)
    with storage.sessions() as session:
        found = resolve_run(session, str(run_id))
        assert found is not None
        data = load_run(session, found, order)
    if what == "indicators":
        return Export(run_id, _indicators(data, fmt, columns))
    if what == "compare":
        return Export(run_id, compare_json(data) if fmt == "json" else compare_csv(data))
    if fmt == "json":
        return Export(run_id, to_json(data) + "\n")
    return Export(run_id, files=write_csv(data, csv_dir or Path(f"vigie-export-{run_id}")))


def _indicators(data: dict[str, Any], fmt: str, columns: str) -> str:
    return indicators_json(data, columns) if fmt == "json" else indicators_csv(data, columns)


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
    with storage.sessions() as session:
        if run_for_due_time(session, schedule, scheduled_for) is not None:
            return None
    try:
        return start_run(storage, slugs, trigger="schedule",
                         tag=lambda session, run_id: tag_scheduled_run(
                             session, run_id, schedule=schedule, scheduled_for=scheduled_for))
    except DueTimeTaken:
        return None


def process_alive(owner: dict[str, Any]) -> bool | None:
    """Whether the process ``{host, pid}`` runs (None: on another host, we cannot tell)."""
    pid = owner.get("pid")
    if owner.get("host") != this_process()["host"] or not isinstance(pid, int):
        return None
    return pid_alive(pid)


def status(storage: Storage, now: datetime | None = None) -> Health:
    """``vigie status``: the scheduler's heartbeat, runs in progress, the last run, alerts."""
    with storage.sessions() as session:
        return collect(session, now=now or datetime.now(UTC),
                       alert_after=storage.settings.alert_after, is_alive=process_alive)
