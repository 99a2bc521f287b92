"""`vigie schedule` (the scheduler, in the foreground) and `vigie status` (how it is doing)."""

from __future__ import annotations

import json
import logging
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from core.schedules import zone
from reports.health import Health
from scheduler.process import Scheduler, check_settings
from vigie import app as vigie_app
from vigie.app import ExitCode
from vigie.console import console, handled

DataDir = Annotated[Path | None, typer.Option(help="Data folder (database, artifacts). "
                                              "Default: $VIGIE_DATA_DIR or ./vigie-data")]


def schedule(data_dir: DataDir = None) -> None:
    """Start runs on VIGIE_SCHEDULE (and the service list's own schedules), until Ctrl-C or
    SIGTERM. A second scheduler on the same database waits on standby (docs/operations.md)."""
    config = vigie_app.settings(data_dir)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    with handled():
        check_settings(config)  # before the database: a bad schedule writes nothing
        with vigie_app.open_storage(config) as storage:
            scheduler = Scheduler(storage)
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: scheduler.stop())
            scheduler.serve()
    raise typer.Exit(ExitCode.ok)


def status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON (schema "
                                                 "vigie-status/1, docs/operations.md).")
                              ] = False,
           data_dir: DataDir = None) -> None:
    """Show the scheduler (alive or stale), runs in progress, the last run and alerts.

    Exits 1 when there is an alert (a stale heartbeat, no run finished for too long)."""
    config = vigie_app.settings(data_dir)
    with handled(), vigie_app.open_storage(config, migrate=False) as storage:
        health = vigie_app.status(storage)
    if as_json:
        sys.stdout.write(json.dumps(health.as_json(), indent=2, ensure_ascii=False) + "\n")
    else:
        for line in status_lines(health, config.timezone):
            console.print(line, highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(ExitCode.operational_failure if health.alerts else ExitCode.ok)


def status_lines(health: Health, timezone: str) -> list[str]:
    tz = zone(timezone)

    def at(moment: datetime | None) -> str:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z") if moment else "—"

    def ago(moment: datetime) -> str:
        seconds = int((health.now - moment).total_seconds())
        return f"{seconds} s ago" if seconds < 120 else f"{seconds // 60} min ago"

    doc = health.as_json()
    lines = []
    lease = health.lease
    if lease is None:
        lines.append("scheduler: none has run on this database (start one with "
                     "`vigie schedule`)")
    else:
        lines.append(f"scheduler: {health.scheduler} — {lease.host} pid {lease.pid}, last "
                     f"beat {at(lease.beat_at)} ({ago(lease.beat_at)})")
        if health.scheduler == "alive":
            lines.append(f"next fire: {at(lease.next_fire_at)}")
    if not health.current_runs:
        lines.append("runs in progress: none")
    for run in doc["current_runs"]:
        services = run["services"]
        owner = _owner(run["owner"], run["owner_alive"])
        lines.append(f"run {run['id']} in progress ({_origin(run)}), started "
                     f"{at(_parse(run['started_at']))}: {services['done']} done, "
                     f"{services['in_flight']} in flight, {services['waiting']} waiting; "
                     f"{owner}")
    last = doc["last_run"]
    if last is None:
        lines.append("last run: none finished yet")
    else:
        reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(last["close_reasons"]
                                                                    .items())) or "no service"
        lines.append(f"last run: {last['id']} {last['status']} ({_origin(last)}), "
                     f"{at(_parse(last['started_at']))} → {at(_parse(last['finished_at']))}; "
                     f"{reasons}")
    for worker in doc["workers"]:
        lines.append(f"worker: {worker['host']} pid {worker['pid']} (run {worker['run_id']}, "
                     f"{_alive_word(worker['alive'])})")
    if health.events:
        lines.append("recent events:")
    for event in health.events:
        due = f" due {at(event.scheduled_for)}" if event.scheduled_for else ""
        run_text = f" run {event.run_id}" if event.run_id is not None else ""
        lines.append(f"  {at(event.at)} {event.kind} {event.schedule or ''}{due}{run_text}"
                     + (f": {event.detail}" if event.detail else ""))
    for alert in health.alerts:
        lines.append(f"ALERT: {alert.message}")
    return lines


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _origin(run: dict[str, Any]) -> str:
    if run["schedule"]:
        return f"schedule {run['schedule']}"
    return str(run["trigger"])


def _alive_word(alive: bool | None) -> str:
    return "on another host" if alive is None else "alive" if alive else "gone"


def _owner(owner: dict[str, Any], alive: bool | None) -> str:
    if not owner:
        return "no process"
    return f"process {owner.get('host')} pid {owner.get('pid')} ({_alive_word(alive)})"
