"""Real `vigie schedule` processes: exactly one of two fires (SQLite file and PostgreSQL), the
standby takes over within the lease's time after a kill -9, SIGTERM stops cleanly. And, in
process, the overlap rule. The executor is tests/fake_executor.py; schedules fire every
second or two (six-field cron text)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.schedules import MAIN, EventKind
from core.settings import Settings
from scheduler.process import Scheduler
from storage.context import Storage
from storage.scheduling import Lease, read_lease
from tests.conftest import ROOT
from tests.schedulerkit import (
    add_services,
    environment,
    fake_command,
    recorded,
    runs,
    scheduler_settings,
    wait_for,
)

TTL, BEAT = 3.0, 0.5


class SchedulerProcess:
    def __init__(self, settings: Settings, log: Path, **extra_env: str) -> None:
        self.log = log
        env = {**os.environ, **environment(settings), "PYTHONPATH": str(ROOT), **extra_env}
        with log.open("wb") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "vigie", "schedule"],
                                            cwd=ROOT, env=env, stdout=out,
                                            stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return scheduler_settings(tmp_path, database_url, schedule="*/2 * * * * *",
                              lease_ttl=TTL, heartbeat_interval=BEAT)


@pytest.fixture
def storage(settings: Settings) -> Iterator[Storage]:
    with Storage.open(settings) as st:
        add_services(st, ("a", None), ("b", None))
        yield st


def lease(storage: Storage) -> Lease | None:
    with storage.sessions() as session:
        return read_lease(session)


def holder_pid(storage: Storage) -> int | None:
    current = lease(storage)
    return current.pid if current and current.expires_at > datetime.now(UTC) else None


def fired_by(storage: Storage) -> list[tuple[str | None, datetime | None]]:
    return [(e.holder, e.scheduled_for) for e in recorded(storage, EventKind.fired)]


def test_exactly_one_of_two_schedulers_fires_and_the_standby_takes_over(
        storage: Storage, settings: Settings, tmp_path: Path) -> None:
    first, second = (SchedulerProcess(settings, tmp_path / f"scheduler-{i}.log")
                     for i in (1, 2))
    processes = {first.pid: first, second.pid: second}
    try:
        active_pid = wait_for(lambda: holder_pid(storage), 20, "an active scheduler")
        active = processes[active_pid]
        standby = second if active is first else first
        wait_for(lambda: len(fired_by(storage)) >= 3, 15, "three fired due times")
        wait_for(lambda: "standby: the lease is held by" in standby.output(), 10,
                 "the standby's log line")

        os.kill(active.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        active.process.wait(10)
        wait_for(lambda: holder_pid(storage) == standby.pid, TTL + 5, "the takeover")
        takeover = time.monotonic() - killed_at
        assert takeover <= TTL + 2 * BEAT + 1.0, f"took over after {takeover:.1f} s"
        new_holder = lease(storage)
        assert new_holder is not None
        wait_for(lambda: any(h == new_holder.holder for h, _ in fired_by(storage)), 10,
                 "a due time fired by the new holder")
    finally:
        for process in (first, second):
            process.stop()

    fired = fired_by(storage)
    due_times = [due for _, due in fired]
    assert len(due_times) == len(set(due_times)), Counter(due_times).most_common(3)
    holders = [holder for holder, _ in fired]
    # One holder, then the other: never interleaved.
    assert holders == sorted(holders, key=lambda h: h == new_holder.holder)
    scheduled = [run.scheduled_for for run in runs(storage) if run.schedule == MAIN]
    assert len(scheduled) == len(set(scheduled)) == len(fired)


def test_sigterm_stops_cleanly(storage: Storage, settings: Settings, tmp_path: Path) -> None:
    executions = tmp_path / "executions.log"
    settings = settings.with_overrides(executor_command=fake_command("--seconds", "60",
                                                                     "--child"))
    process = SchedulerProcess(settings, tmp_path / "scheduler.log",
                               FAKE_EXECUTOR_LOG=str(executions))
    try:
        wait_for(lambda: executions.exists() and executions.read_text().strip(), 25,
                 "the executor to start")
        run_id, executor_pid, child_pid = map(int, executions.read_text().split()[:3])
        process.process.send_signal(signal.SIGTERM)
        assert process.process.wait(20) == 0, process.output()
    finally:
        process.stop()

    for pid in (executor_pid, child_pid):  # the executor's whole process group is gone
        wait_for(lambda pid=pid: not _exists(pid), 5, f"process {pid} to be gone")
    released = lease(storage)
    assert released is not None and released.expires_at <= datetime.now(UTC)
    stopped = recorded(storage, EventKind.stopped)
    assert len(stopped) == 1 and f"run {run_id} handed back" in stopped[0].detail
    assert "stopped: stopped on request" in process.output()


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (not yet reaped) is gone for our purpose.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()


def test_a_run_still_going_is_not_doubled(storage: Storage, settings: Settings) -> None:
    """Overlap rule: a due time of a schedule whose run is still going is recorded skipped."""
    settings = settings.with_overrides(schedule="* * * * * *",
                                       executor_command=fake_command("--seconds", "4"))
    with Storage.open(settings) as own:
        scheduler = Scheduler(own)
        try:
            scheduler.step()
            assert scheduler.active
            wait_for(lambda: len(recorded(own, EventKind.skipped)) >= 2, 15, "two skips")
        finally:
            scheduler.shutdown()
        [run] = [r for r in runs(own)]
        skipped = recorded(own, EventKind.skipped)
        assert all(e.detail == f"run {run.id} still running" and e.run_id == run.id
                   for e in skipped)
        assert len({e.scheduled_for for e in skipped}) == len(skipped)
