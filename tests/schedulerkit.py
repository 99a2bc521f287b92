"""Helpers of the scheduler tests: settings with a fake executor, services, waiting on events."""

from __future__ import annotations

import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select

from core.settings import Settings
from services import ServiceSpec
from storage.context import Storage
from storage.models import ScanRun, SchedulerEvent
from storage.scheduling import Event, events
from vigie import app as vigie_app

FAKE_EXECUTOR = Path(__file__).resolve().parent / "fake_executor.py"
T = TypeVar("T")


def fake_command(*options: str) -> str:
    """The executor command line of the tests: ``tests/fake_executor.py {run} OPTIONS``."""
    return shlex.join([sys.executable, str(FAKE_EXECUTOR), "{run}", *options])


def scheduler_settings(tmp: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp / "data", "database_url": database_url, "schedule": "0 1 * * *",
        "timezone": "Europe/Paris", "report_dir": str(tmp / "report"),
        "executor_command": fake_command(), "heartbeat_interval": 0.5, "lease_ttl": 3.0,
        "stop_timeout": 5.0,
    }
    return Settings(**{**values, **overrides})


def environment(settings: Settings) -> dict[str, str]:
    """The same settings as ``VIGIE_*`` variables, for a `vigie schedule` subprocess."""
    return {"VIGIE_DATA_DIR": str(settings.data_dir), "VIGIE_DATABASE_URL":
            settings.database_url, "VIGIE_SCHEDULE": settings.schedule,
            "VIGIE_TIMEZONE": settings.timezone, "VIGIE_REPORT_DIR": settings.report_dir,
            "VIGIE_EXECUTOR_COMMAND": settings.executor_command,
            "VIGIE_HEARTBEAT_INTERVAL": str(settings.heartbeat_interval),
            "VIGIE_LEASE_TTL": str(settings.lease_ttl),
            "VIGIE_STOP_TIMEOUT": str(settings.stop_timeout),
            "VIGIE_MISFIRE_GRACE": str(settings.misfire_grace)}


def add_services(storage: Storage, *specs: tuple[str, str | None]) -> None:
    """Services (slug, own schedule) with loopback start URLs (never requested here)."""
    vigie_app.import_services(storage, [
        ServiceSpec(slug=slug, name=slug.title(), start_url=f"http://127.0.0.1:9/{slug}",
                    schedule=schedule) for slug, schedule in specs])


def wait_for(condition: Callable[[], T], timeout: float, what: str, step: float = 0.1) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(step)


def recorded(storage: Storage, kind: str | None = None, limit: int = 1000) -> list[Event]:
    """Events, oldest first."""
    with storage.sessions() as session:
        return list(reversed(events(session, limit=limit, kind=kind)))


def runs(storage: Storage) -> list[ScanRun]:
    with storage.sessions() as session:
        return list(session.scalars(select(ScanRun).order_by(ScanRun.id)))


def event_rows(storage: Storage) -> list[SchedulerEvent]:
    with storage.sessions() as session:
        return list(session.scalars(select(SchedulerEvent).order_by(SchedulerEvent.id)))
