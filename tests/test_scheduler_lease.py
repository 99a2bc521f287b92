"""The scheduler's lease and the unique run per due time, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from core.schedules import MAIN
from core.settings import Settings
from storage.context import Storage
from storage.db import transaction
from storage.runs import create_run
from storage.scheduling import (
    DueTimeTaken,
    acquire_lease,
    read_lease,
    release_lease,
    renew_lease,
    tag_scheduled_run,
)
from tests.schedulerkit import add_services, runs
from vigie import app as vigie_app

T0 = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
TTL = 60.0


@pytest.fixture
def storage(database_url: str, tmp_path: Path) -> Iterator[Storage]:
    with Storage.open(Settings(data_dir=tmp_path / "data", database_url=database_url)) as st:
        add_services(st, ("a", None))
        yield st


def take(storage: Storage, holder: str, now: datetime) -> bool:
    with transaction(storage.sessions) as session:
        return acquire_lease(session, holder=holder, host="h", pid=1, now=now, ttl=TTL)


def renew(storage: Storage, holder: str, now: datetime) -> bool:
    with transaction(storage.sessions) as session:
        return renew_lease(session, holder=holder, now=now, ttl=TTL, next_fire_at=None)


def test_one_holder_until_it_expires(storage: Storage) -> None:
    assert take(storage, "a", T0)
    assert not take(storage, "b", T0 + timedelta(seconds=30))
    assert renew(storage, "a", T0 + timedelta(seconds=50))  # the heartbeat
    assert not take(storage, "b", T0 + timedelta(seconds=100))  # renewed: until 110 s
    assert take(storage, "b", T0 + timedelta(seconds=111))  # expired: a standby takes it
    assert not renew(storage, "a", T0 + timedelta(seconds=112))  # a lost it
    with storage.sessions() as session:
        lease = read_lease(session)
    assert lease is not None
    assert (lease.holder, lease.acquired_at) == ("b", T0 + timedelta(seconds=111))
    assert lease.beat_at == lease.acquired_at and lease.version == 3


def test_release_frees_it_at_once(storage: Storage) -> None:
    assert take(storage, "a", T0)
    with transaction(storage.sessions) as session:
        assert not release_lease(session, holder="b", now=T0)  # not b's to release
        assert release_lease(session, holder="a", now=T0 + timedelta(seconds=1))
    assert take(storage, "b", T0 + timedelta(seconds=2))


def test_renewing_keeps_the_acquisition_time(storage: Storage) -> None:
    assert take(storage, "a", T0)
    assert take(storage, "a", T0 + timedelta(seconds=10))  # acquire again = renew
    with storage.sessions() as session:
        lease = read_lease(session)
    assert lease is not None and lease.acquired_at == T0
    assert lease.expires_at == T0 + timedelta(seconds=10 + TTL)


@pytest.mark.parametrize("existing", [False, True], ids=["no-row", "expired-row"])
def test_concurrent_takers_one_wins(storage: Storage, existing: bool) -> None:
    if existing:
        assert take(storage, "old", T0 - timedelta(hours=1))
    barrier = threading.Barrier(6)
    won: list[str] = []
    errors: list[BaseException] = []

    def contender(name: str) -> None:
        barrier.wait()
        try:
            if take(storage, name, T0):
                won.append(name)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=contender, args=(f"s{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and len(won) == 1
    with storage.sessions() as session:
        lease = read_lease(session)
    assert lease is not None and lease.holder == won[0]


def test_one_run_per_due_time(storage: Storage) -> None:
    due = datetime(2026, 6, 1, 1, tzinfo=UTC)
    first = vigie_app.start_scheduled_run(storage, MAIN, due)
    assert first is not None
    assert vigie_app.start_scheduled_run(storage, MAIN, due) is None  # already has its run
    # Even past the look-up (two schedulers at once), the constraint refuses a second one.
    with pytest.raises(DueTimeTaken), transaction(storage.sessions) as session:
        run_id, _ = create_run(session, ["a"], trigger="schedule", config={},
                               tool_versions={})
        tag_scheduled_run(session, run_id, schedule=MAIN, scheduled_for=due)
    assert [r.id for r in runs(storage)] == [first]  # the refused run was rolled back
    with pytest.raises(vigie_app.NothingToScan, match="'weekly' has no service"):
        vigie_app.start_scheduled_run(storage, "weekly", due)


def test_manual_runs_are_not_constrained(storage: Storage) -> None:
    for _ in range(2):
        with transaction(storage.sessions) as session:
            create_run(session, ["a"], trigger="manual", config={}, tool_versions={})
    assert len(runs(storage)) == 2


def test_the_database_refuses_a_second_run_for_a_due_time(storage: Storage) -> None:
    from storage.models import ScanRun

    due = datetime(2026, 6, 1, 1, tzinfo=UTC)
    with pytest.raises(IntegrityError), transaction(storage.sessions) as session:
        session.add_all([ScanRun(schedule=MAIN, scheduled_for=due),
                         ScanRun(schedule=MAIN, scheduled_for=due)])
