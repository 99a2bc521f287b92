"""Workers on Celery + Redis, with real processes: a Redis server of the test's own (so it can
be restarted), PostgreSQL, `vigie worker` processes and real Chromium.

Two workers scan services into one run; kill -9 of a worker's whole process group mid-service
hands that service to the other (attempts = 2, 0 duplicates, 0 missing, no Chromium left);
a Redis restart mid-run still lets the run complete.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from sqlalchemy import select

from bench.redis_server import RedisServer
from core.settings import Settings
from storage.context import Storage
from storage.models import PageCapture, ScanRun, ServiceScan
from tests.conftest import IN_CI, ROOT, _schema_url, run_vigie
from vigie.backends import CeleryNeedsPostgres, make_celery
from vigie.demo.server import SiteServer

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]
PAGES = 6  # of the slow_site fixture


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of the test's own, so that it can be restarted mid-run."""
    if shutil.which("redis-server") is None:
        message = "redis-server not installed (apt-get install redis-server)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with RedisServer(tmp_path / "redis") as server:
        yield server


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    yield from _schema_url(postgres_url)


def env_for(tmp: Path, pg: str, broker: str) -> dict[str, str]:
    return {**os.environ, "VIGIE_DATA_DIR": str(tmp / "data"), "VIGIE_DATABASE_URL": pg,
            "VIGIE_BROKER_URL": broker, "VIGIE_DOWNLOAD_DELAY": "0", "VIGIE_ALLOW_PRIVATE": "1",
            "VIGIE_MAX_PAGES": str(PAGES), "VIGIE_TASK_LEASE_TTL": "4",
            "VIGIE_VISIBILITY_TIMEOUT": "12", "VIGIE_REQUEUE_AFTER": "25",
            "VIGIE_SERVICE_BUDGET": "120"}


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "vigie", "worker"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def services_file(tmp: Path, slow: SiteServer, basic: SiteServer) -> Path:
    extra = "\n".join(f"      - {slow.base_url}/p{i}.html" for i in range(1, PAGES))
    path = tmp / "services.yaml"
    path.write_text(
        "services:\n"
        f"  - id: lent\n    name: Service lent\n    start_url: {slow.base_url}/p0.html\n"
        f"    extra_urls:\n{extra}\n"
        f"  - id: simple\n    name: Service simple\n    start_url: {basic.base_url}/\n"
        f"  - id: court\n    name: Service court\n    start_url: {slow.base_url}/p1.html\n",
        encoding="utf-8")
    return path


def stored(pg: str, tmp: Path) -> tuple[list[ScanRun], list[ServiceScan], list[PageCapture]]:
    settings = Settings(data_dir=tmp / "data", database_url=pg)
    with Storage.open(settings, migrate=False) as st, st.sessions() as session:
        scans = list(session.scalars(select(ServiceScan)))
        for sc in scans:
            _ = sc.service.slug
        return (list(session.scalars(select(ScanRun))), scans,
                list(session.scalars(select(PageCapture))))


def assert_complete(pg: str, tmp: Path, expected_pages: dict[str, int | None]
                    ) -> list[ServiceScan]:
    """The run closed, each service scan once, each page once per viewport (None: as many
    pages as the site's key pages give)."""
    runs, scans, captures = stored(pg, tmp)
    assert len(runs) == 1 and runs[0].status == "completed"
    keys = [(c.service_scan_id, c.requested_url, c.viewport) for c in captures]
    assert len(keys) == len(set(keys)), "duplicate captures"
    for sc in scans:
        assert sc.status == "done" and sc.close_reason == "completed", sc.service.slug
        mine = [c for c in captures if c.service_scan_id == sc.id]
        pages = expected_pages[sc.service.slug]
        assert len(mine) == 2 * pages if pages else len(mine) >= 2, f"missing: {sc.service.slug}"
        assert sc.counters["pages/attempted"] == len(mine)
    return scans


def start_scan(env: dict[str, str], tmp: Path, slow: SiteServer, basic: SiteServer
               ) -> subprocess.Popen[str]:
    """`vigie scan` of the three services with the broker: it sends tasks and waits."""
    return subprocess.Popen(
        [sys.executable, "-m", "vigie", "scan", "--services", str(services_file(tmp, slow, basic))],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for_scans(pg: str, tmp: Path, ready: Callable[[list[ServiceScan], list[PageCapture]],
                                                         bool], what: str) -> None:
    deadline = time.monotonic() + 120
    while True:
        assert time.monotonic() < deadline, what
        try:
            _runs, scans, captures = stored(pg, tmp)
        except Exception:  # the scan has not created its tables yet
            scans, captures = [], []
        if scans and ready(scans, captures):
            return
        time.sleep(0.3)


def family(pid: int) -> list[int]:
    return [pid, *(c.pid for c in psutil.Process(pid).children(recursive=True))]


def alive(pids: list[int]) -> list[int]:
    out = []
    for p in pids:
        try:
            if psutil.Process(p).status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def stop_all(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def test_the_celery_backend_refuses_sqlite(tmp_path: Path) -> None:
    with pytest.raises(CeleryNeedsPostgres, match="PostgreSQL"):
        make_celery(Settings(data_dir=tmp_path, broker_url="redis://127.0.0.1:1/0"))
    result = run_vigie("worker", env={"VIGIE_DATA_DIR": str(tmp_path / "d"),
                                      "VIGIE_DATABASE_URL": "",
                                      "VIGIE_BROKER_URL": "redis://127.0.0.1:1/0"})
    assert result.returncode == 2 and "PostgreSQL" in result.stderr
    assert not (tmp_path / "d").exists() or not any((tmp_path / "d").iterdir())


def test_two_workers_scan_one_run_and_a_killed_worker_loses_nothing(
        slow_site: SiteServer, sites: dict[str, SiteServer], redis_server: RedisServer,
        pg_url: str, tmp_path: Path, browser_choice: Any) -> None:
    env = env_for(tmp_path, pg_url, redis_server.url)
    first = start_worker(env, tmp_path / "worker-a.log")
    workers = [first]
    try:
        scan = start_scan(env, tmp_path, slow_site, sites["basic"])

        def inside_the_slow_service(scans: list[ServiceScan], captures: list[PageCapture]
                                    ) -> bool:
            slow = [sc for sc in scans if sc.service.slug == "lent"]
            return bool(slow) and slow[0].status == "running" and sum(
                1 for c in captures if c.service_scan_id == slow[0].id) >= 2

        # Wait until the first worker is inside the slow service, then kill it whole.
        wait_for_scans(pg_url, tmp_path, inside_the_slow_service,
                       "the worker never started the slow service")
        workers.append(start_worker(env, tmp_path / "worker-b.log"))
        doomed = family(first.pid)
        assert any("chrom" in psutil.Process(p).name().lower() for p in alive(doomed[1:]))
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        time.sleep(1)
        assert not alive(doomed), "the killed worker left processes behind"

        out, _ = scan.communicate(timeout=400)
        assert scan.returncode == 0, out
    finally:
        stop_all(workers)
    scans = assert_complete(pg_url, tmp_path, {"lent": PAGES, "simple": None, "court": 1})
    attempts = {sc.service.slug: sc.attempts for sc in scans}
    assert attempts["lent"] == 2  # started by the killed worker, finished by the other
    log_b = (tmp_path / "worker-b.log").read_text(errors="replace")
    assert "taken" in log_b


def test_a_redis_restart_mid_run_does_not_lose_the_run(
        slow_site: SiteServer, sites: dict[str, SiteServer], redis_server: RedisServer,
        pg_url: str, tmp_path: Path, browser_choice: Any) -> None:
    env = env_for(tmp_path, pg_url, redis_server.url)
    workers = [start_worker(env, tmp_path / "worker.log")]
    try:
        scan = start_scan(env, tmp_path, slow_site, sites["basic"])
        # The first service is being scanned: restart Redis (it keeps nothing).
        wait_for_scans(pg_url, tmp_path,
                       lambda scans, _captures: any(sc.status == "running" for sc in scans),
                       "no service started")
        redis_server.stop()
        time.sleep(2)
        redis_server.start()
        out, _ = scan.communicate(timeout=400)
        assert scan.returncode == 0, out
    finally:
        stop_all(workers)
    assert_complete(pg_url, tmp_path, {"lent": PAGES, "simple": None, "court": 1})
