"""`vigie status` (and `--json`): the scheduler alive, stopped or stale, runs in progress, the
last run, workers, events and alerts; the same alerts at the top of the report site."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.schedules import MAIN, EventKind
from core.settings import Settings
from reports.health import NO_RECENT_RUN, STALE_HEARTBEAT
from reports.site.build import write_site
from storage.context import Storage
from storage.db import transaction
from storage.models import ServiceScan
from storage.runs import create_run, finish_run
from storage.scheduling import acquire_lease, record_event, release_lease
from tests.schedulerkit import add_services
from vigie import app as vigie_app
from vigie.cli.main import app as cli

runner = CliRunner()
HOLDER = "box:4242:abcdef"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
def storage(settings: Settings) -> Iterator[Storage]:
    with Storage.open(settings) as st:
        add_services(st, ("a", None), ("b", None), ("c", None))
        yield st


def scheduler_beat(storage: Storage, at: datetime, ttl: float = 120.0) -> None:
    with transaction(storage.sessions) as session:
        acquire_lease(session, holder=HOLDER, host="box", pid=4242, now=at, ttl=ttl)


def finished_run(storage: Storage) -> int:
    with transaction(storage.sessions) as session:
        run_id, _ = create_run(session, ["a", "b"], trigger="manual", config={},
                               tool_versions={})
        finish_run(session, run_id, status="completed", stats={}, tool_versions={})
    return run_id


def run_in_progress(storage: Storage) -> int:
    """A scheduled run: a done, b crawled right now, c waiting; owned by a live process."""
    due = datetime.now(UTC).replace(microsecond=0)
    run_id = vigie_app.start_scheduled_run(storage, MAIN, due)
    assert run_id is not None
    with transaction(storage.sessions) as session:
        scans = session.query(ServiceScan).filter_by(run_id=run_id).order_by(ServiceScan.id)
        first, second, _ = scans.all()
        first.status, first.close_reason = "done", "completed"
        second.status = "running"
        record_event(session, EventKind.fired, at=due, schedule=MAIN, scheduled_for=due,
                     run_id=run_id, holder=HOLDER)
    return run_id


def status(settings: Settings, *args: str) -> tuple[int, str]:
    env = {"VIGIE_DATA_DIR": str(settings.data_dir), "VIGIE_DATABASE_URL":
           settings.database_url}
    result = runner.invoke(cli, ["status", *args], env=env)
    return result.exit_code, result.stdout


def test_status_json(storage: Storage, settings: Settings) -> None:
    scheduler_beat(storage, datetime.now(UTC))
    last = finished_run(storage)
    current = run_in_progress(storage)

    code, out = status(settings, "--json")

    assert code == 0, out
    doc = json.loads(out)
    assert doc["schema"] == "vigie-status/1"
    assert set(doc) == {"schema", "now", "scheduler", "current_runs", "last_run", "workers",
                        "events", "alerts"}
    scheduler = doc["scheduler"]
    assert (scheduler["state"], scheduler["host"], scheduler["pid"]) == ("alive", "box", 4242)
    assert set(scheduler) == {"state", "holder", "host", "pid", "acquired_at", "last_beat",
                              "expires_at", "next_fire_at"}
    [run] = doc["current_runs"]
    assert (run["id"], run["schedule"], run["trigger"]) == (current, MAIN, "schedule")
    assert run["services"] == {"done": 1, "in_flight": 1, "waiting": 1}
    assert run["owner_alive"] is True  # this test's own process created it
    assert doc["last_run"]["id"] == last and doc["last_run"]["status"] == "completed"
    assert doc["last_run"]["close_reasons"] == {"error": 2}  # no captures: Vigie's failure
    assert doc["last_run"]["finished_at"] is not None
    assert [w["run_id"] for w in doc["workers"]] == [current]
    assert doc["events"][0]["kind"] == "fired" and doc["events"][0]["run_id"] == current
    assert doc["alerts"] == []


def test_text_status(storage: Storage, settings: Settings) -> None:
    scheduler_beat(storage, datetime.now(UTC))
    finished_run(storage)
    current = run_in_progress(storage)
    code, out = status(settings)
    assert code == 0
    assert "scheduler: alive — box pid 4242" in out
    assert f"run {current} in progress (schedule main)" in out
    assert "1 done, 1 in flight, 1 waiting" in out
    assert "ALERT" not in out


def test_no_scheduler_yet(storage: Storage, settings: Settings) -> None:
    code, out = status(settings, "--json")
    doc = json.loads(out)
    assert code == 0 and doc["scheduler"]["state"] == "none" and doc["alerts"] == []
    assert doc["last_run"] is None and doc["current_runs"] == []


def test_a_stale_heartbeat_is_an_alert(storage: Storage, settings: Settings) -> None:
    beat = datetime.now(UTC) - timedelta(minutes=10)
    scheduler_beat(storage, beat, ttl=60)
    finished_run(storage)

    code, out = status(settings, "--json")

    assert code == 1
    doc = json.loads(out)
    assert doc["scheduler"]["state"] == "stale" and doc["scheduler"]["next_fire_at"] is None
    [alert] = doc["alerts"]
    assert alert["kind"] == STALE_HEARTBEAT and "box" in alert["message"]
    code, out = status(settings)
    assert code == 1 and "ALERT: scheduler heartbeat stale since" in out


def test_a_clean_stop_is_not_stale(storage: Storage) -> None:
    scheduler_beat(storage, datetime.now(UTC) - timedelta(minutes=10), ttl=60)
    finished_run(storage)
    with transaction(storage.sessions) as session:
        now = datetime.now(UTC) - timedelta(minutes=9)
        record_event(session, EventKind.stopped, at=now, holder=HOLDER)
        release_lease(session, holder=HOLDER, now=now)
    health = vigie_app.status(storage)
    assert health.scheduler == "stopped" and health.alerts == []


def test_no_run_finished_for_too_long_is_an_alert(storage: Storage) -> None:
    scheduler_beat(storage, datetime.now(UTC))
    finished_run(storage)
    assert vigie_app.status(storage).alerts == []
    later = datetime.now(UTC) + timedelta(hours=27)
    scheduler_beat(storage, later)  # alive all along
    [alert] = vigie_app.status(storage, now=later).alerts
    assert alert.kind == NO_RECENT_RUN and "over 26 h" in alert.message


def test_the_report_site_shows_the_alerts(storage: Storage, tmp_path: Path) -> None:
    run_id = finished_run(storage)
    quiet = write_site(storage, run_id, tmp_path / "quiet").read_text(encoding="utf-8")
    assert "fr-notice" not in quiet
    scheduler_beat(storage, datetime.now(UTC) - timedelta(hours=30), ttl=60)

    index = write_site(storage, run_id, tmp_path / "alert")

    for page in (index, index.parent / "auditeur.html", index.parent / "services" / "a.html"):
        html = page.read_text(encoding="utf-8")
        assert "Alerte sur la collecte automatique" in html, page
        assert "Le planificateur ne donne plus signe de vie depuis le" in html
        assert "Aucun passage ne s’est terminé depuis le" not in html  # the run is recent
