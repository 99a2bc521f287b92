"""Misfires, with a fake clock (time-machine): a scheduler that was down at a due time runs it
once when it comes back within the grace window, records it missed after, and runs one run,
not three, after three nights down. On SQLite and PostgreSQL.

The scheduler that was down is a lease row beating for the last time before the due time, as
a crashed scheduler leaves it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.schedules import MAIN, EventKind
from core.settings import Settings
from scheduler.process import Scheduler
from storage.context import Storage
from storage.db import transaction
from storage.runs import finish_run
from storage.scheduling import acquire_lease, utc
from tests.schedulerkit import add_services, recorded, runs, scheduler_settings, wait_for
from vigie import app as vigie_app

PARIS = ZoneInfo("Europe/Paris")
MONDAY = datetime(2026, 6, 1, tzinfo=PARIS)  # the main schedule fires at 01:00, Paris time


def paris(day: datetime, hour: int, minute: int = 0) -> datetime:
    return day.replace(hour=hour, minute=minute)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # A slow executor: firing is what these tests look at, not executing.
    return scheduler_settings(tmp_path, database_url, lease_ttl=120.0, heartbeat_interval=30.0)


@pytest.fixture
def storage(settings: Settings) -> Iterator[Storage]:
    with Storage.open(settings) as st:
        add_services(st, ("a", None), ("b", None))
        yield st


def crashed_scheduler(storage: Storage, last_beat: datetime) -> None:
    with transaction(storage.sessions) as session:
        assert acquire_lease(session, holder="gone:1:000000", host="gone", pid=1,
                             now=last_beat, ttl=120.0)


def come_back(storage: Storage, at: datetime, until: EventKind) -> list:
    """Start a scheduler at ``at`` (fake clock) and wait for its first ``until`` event."""
    with time_machine.travel(at, tick=True):
        scheduler = Scheduler(storage)
        try:
            scheduler.step()
            assert scheduler.active
            wait_for(lambda: recorded(storage, until), 10, f"a {until} event")
        finally:
            scheduler.shutdown()
    return recorded(storage)


def test_back_within_the_grace_window_runs_the_missed_run_once(storage: Storage) -> None:
    crashed_scheduler(storage, paris(MONDAY, 0, 30))

    log = come_back(storage, paris(MONDAY, 3), EventKind.fired)

    [run] = runs(storage)
    assert utc(run.scheduled_for) == paris(MONDAY, 1).astimezone(UTC)
    assert (run.schedule, run.trigger) == (MAIN, "schedule")
    fired = [e for e in log if e.kind == EventKind.fired]
    assert [(e.run_id, e.scheduled_for) for e in fired] == [(run.id, utc(run.scheduled_for))]
    assert not [e for e in log if e.kind == EventKind.missed]


def test_back_after_the_grace_window_records_the_miss(storage: Storage) -> None:
    crashed_scheduler(storage, paris(MONDAY, 0, 30))

    log = come_back(storage, paris(MONDAY, 8), EventKind.missed)  # 7 h late, grace 6 h

    assert runs(storage) == []
    [missed] = [e for e in log if e.kind == EventKind.missed]
    assert missed.scheduled_for == paris(MONDAY, 1).astimezone(UTC)
    assert "beyond the grace window (6 h 00 min)" in missed.detail
    assert not [e for e in log if e.kind == EventKind.fired]


def test_three_nights_down_make_one_run(storage: Storage) -> None:
    with time_machine.travel(paris(MONDAY, 1), tick=False):
        monday_run = vigie_app.start_scheduled_run(storage, MAIN, paris(MONDAY, 1))
        assert monday_run is not None
        with transaction(storage.sessions) as session:
            finish_run(session, monday_run, status="completed", stats={}, tool_versions={})
    crashed_scheduler(storage, paris(MONDAY, 2))
    thursday = MONDAY + timedelta(days=3)

    log = come_back(storage, paris(thursday, 2), EventKind.fired)

    [monday, new] = runs(storage)
    assert monday.id == monday_run
    assert utc(new.scheduled_for) == paris(thursday, 1).astimezone(UTC)
    [coalesced] = [e for e in log if e.kind == EventKind.missed]
    assert "2 due time(s)" in coalesced.detail and "coalesced" in coalesced.detail
    assert coalesced.scheduled_for == paris(thursday - timedelta(days=1), 1).astimezone(UTC)


def test_a_fresh_database_fires_nothing_from_the_past(storage: Storage) -> None:
    """No scheduler ever ran here: its first start is not a comeback."""
    with time_machine.travel(paris(MONDAY, 3), tick=True):
        scheduler = Scheduler(storage)
        try:
            scheduler.step()
            assert scheduler.active
            assert scheduler.next_fire_at() == paris(MONDAY + timedelta(days=1), 1)
        finally:
            scheduler.shutdown()
    assert runs(storage) == []
    assert [e.kind for e in recorded(storage)] == [EventKind.started, EventKind.stopped]
