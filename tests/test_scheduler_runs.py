"""What the scheduler does with runs: it resumes an unfinished one when it starts, rewrites the
report site and the indicators export after a run closes, and records a firing that fails."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.schedules import MAIN, EventKind
from core.settings import Settings
from scheduler.process import Scheduler
from storage.context import Storage
from storage.db import transaction
from storage.models import ScanRun
from tests.schedulerkit import add_services, recorded, runs, scheduler_settings, wait_for
from vigie import app as vigie_app


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return scheduler_settings(tmp_path, database_url)


@pytest.fixture
def storage(settings: Settings) -> Iterator[Storage]:
    with Storage.open(settings) as st:
        add_services(st, ("a", None), ("b", "weekly"))
        yield st


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def unfinished_run(storage: Storage, status: str, owner_pid: int | None) -> int:
    due = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    run_id = vigie_app.start_scheduled_run(storage, MAIN, due)
    assert run_id is not None
    with transaction(storage.sessions) as session:
        run = session.get_one(ScanRun, run_id)
        owner = {"host": socket.gethostname(), "pid": owner_pid} if owner_pid else {}
        run.config = {**run.config, "owner": owner}
        run.status = status
    return run_id


@pytest.mark.parametrize("state", ["running-owner-gone", "interrupted"])
def test_an_unfinished_run_is_resumed_then_reported(storage: Storage, settings: Settings,
                                                    state: str) -> None:
    run_id = unfinished_run(storage, "interrupted" if state == "interrupted" else "running",
                            None if state == "interrupted" else dead_pid())
    scheduler = Scheduler(storage)
    try:
        scheduler.step()
        built = wait_for(lambda: recorded(storage, EventKind.report_built), 20,
                         "the report after the resumed run")
    finally:
        scheduler.shutdown()
    [resumed] = recorded(storage, EventKind.resumed)
    assert resumed.run_id == run_id and "executing it again" in resumed.detail
    assert [e.run_id for e in built] == [run_id]
    [run] = runs(storage)
    assert run.status == "completed"
    report = settings.resolved_report_dir
    assert (report / "index.html").is_file()
    header = (report / "indicateurs.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("Ref_Demarche") and "vigie_run_id" in header
    assert (report / "indicateurs.json").is_file()
    assert not list(report.parent.glob(".report.*"))  # built beside, swapped in


def test_a_run_owned_by_a_live_process_is_watched(storage: Storage) -> None:
    run_id = unfinished_run(storage, "running", owner_pid=None)
    with transaction(storage.sessions) as session:
        run = session.get_one(ScanRun, run_id)
        run.config = {**run.config, "owner": {"host": socket.gethostname(), "pid": 1}}
    scheduler = Scheduler(storage)
    try:
        scheduler.step()
        [resumed] = recorded(storage, EventKind.resumed)
        assert "still running: watching it" in resumed.detail
        assert not recorded(storage, EventKind.executed)
    finally:
        scheduler.shutdown()


def test_a_failing_firing_is_recorded(storage: Storage, settings: Settings,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("the database said no")

    monkeypatch.setattr(vigie_app, "start_scheduled_run", broken)
    with Storage.open(settings.with_overrides(schedule="* * * * * *")) as own:
        scheduler = Scheduler(own)
        try:
            scheduler.step()
            [error, *_] = wait_for(lambda: recorded(own, EventKind.error), 10, "an error")
        finally:
            scheduler.shutdown()
    assert error.detail == "RuntimeError: the database said no"
    assert error.schedule == MAIN and error.scheduled_for is not None


def test_each_schedule_of_the_service_list_is_a_job(storage: Storage) -> None:
    scheduler = Scheduler(storage)
    try:
        scheduler.step()
        assert scheduler._aps is not None
        jobs = {job.id: job for job in scheduler._aps.get_jobs()}
        assert set(jobs) == {MAIN, "weekly"}
        assert jobs["weekly"].next_run_time.strftime("%A %H:%M") == "Sunday 03:00"
        assert vigie_app.scheduled_services(storage) == {MAIN: ["a"], "weekly": ["b"]}
    finally:
        scheduler.shutdown()
