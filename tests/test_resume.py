"""A killed scan is resumed, and one service of a stored run is redone, with real processes.

kill -9 of the whole `vigie scan` process group mid-service, then `vigie scan --resume`:
0 duplicates, 0 missing, counters adding up, no browser left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
from sqlalchemy import select

from core.settings import Settings
from storage.context import Storage
from storage.models import PageCapture, ScanRun, ServiceScan
from tests.conftest import ROOT, run_vigie
from vigie.demo.server import SiteServer

pytestmark = pytest.mark.browser
PAGES = 6  # of the slow_site fixture


def services_file(site: SiteServer, tmp_path: Path) -> Path:
    extra = "\n".join(f"      - {site.base_url}/p{i}.html" for i in range(1, PAGES))
    path = tmp_path / "services.yaml"
    path.write_text(
        "services:\n"
        f"  - id: lent\n    name: Service lent\n    start_url: {site.base_url}/p0.html\n"
        f"    extra_urls:\n{extra}\n"
        f"  - id: rapide\n    name: Service rapide\n    start_url: {site.base_url}/p1.html\n",
        encoding="utf-8")
    return path


def env_for(data: Path) -> dict[str, str]:
    return {"VIGIE_DATA_DIR": str(data), "VIGIE_DATABASE_URL": "", "VIGIE_DOWNLOAD_DELAY": "0",
            "VIGIE_MAX_PAGES": str(PAGES)}


def count_captures(settings: Settings) -> int:
    try:
        with Storage.open(settings, migrate=False) as st, st.sessions() as session:
            return len(session.scalars(select(PageCapture.id)).all())
    except Exception:  # the scan has not created its database yet
        return 0


def final_state(settings: Settings) -> tuple[ScanRun, list[ServiceScan], list[PageCapture]]:
    with Storage.open(settings, migrate=False) as st, st.sessions() as session:
        runs = session.scalars(select(ScanRun)).all()
        assert len(runs) == 1
        scans = list(session.scalars(select(ServiceScan)))
        for sc in scans:
            _ = sc.service.slug
        return runs[0], scans, list(session.scalars(select(PageCapture)))


def test_a_killed_scan_is_resumed_with_nothing_lost_or_doubled(
        slow_site: SiteServer, tmp_path: Path, browser_choice: Any) -> None:
    data = tmp_path / "data"
    settings = Settings(data_dir=data)
    proc = subprocess.Popen(
        [sys.executable, "-m", "vigie", "scan", "--services",
         str(services_file(slow_site, tmp_path)), "--allow-private"],
        cwd=ROOT, env={**os.environ, **env_for(data)}, text=True, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 90
    while count_captures(settings) < 3:
        assert time.monotonic() < deadline, "the scan stored no captures"
        time.sleep(0.2)
    family = [proc.pid, *(c.pid for c in psutil.Process(proc.pid).children(recursive=True))]
    assert any("chrom" in psutil.Process(p).name().lower() for p in family[1:]
               if psutil.pid_exists(p))
    os.killpg(proc.pid, signal.SIGKILL)  # the scan, its crawl child and its browser
    proc.wait(timeout=30)
    time.sleep(1)
    alive = [p for p in family if psutil.pid_exists(p)
             and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"processes left behind: {alive}"

    resumed = run_vigie("scan", "--resume", "--allow-private", env=env_for(data))
    assert resumed.returncode == 0, resumed.stderr + resumed.stdout

    run, scans, captures = final_state(settings)
    assert run.status == "completed" and run.finished_at is not None
    assert all(sc.status == "done" and sc.close_reason == "completed" for sc in scans)
    by_scan = {sc.id: sc for sc in scans}
    keys = [(c.service_scan_id, c.requested_url, c.viewport) for c in captures]
    assert len(keys) == len(set(keys)), "duplicate captures"
    expected = {"lent": PAGES * 2, "rapide": 2}
    for sc in scans:
        mine = [c for c in captures if c.service_scan_id == sc.id]
        assert len(mine) == expected[sc.service.slug], "missing captures"
        assert sc.counters["pages/attempted"] == len(mine) == sc.counters["pages/ok"]
    assert {by_scan[c.service_scan_id].service.slug for c in captures} == {"lent", "rapide"}
    # The service in flight was redone (a second attempt); attempts count every start.
    assert max(sc.attempts for sc in scans) == 2


def test_one_service_of_a_stored_run_is_redone(slow_site: SiteServer, tmp_path: Path,
                                               browser_choice: Any) -> None:
    data = tmp_path / "data"
    settings = Settings(data_dir=data)
    first = run_vigie("scan", "--services", str(services_file(slow_site, tmp_path)),
                      "--allow-private", "--max-pages", "1", env=env_for(data))
    assert first.returncode == 0, first.stderr
    _run, scans, captures = final_state(settings)
    kept = {c.id for c in captures if c.service_scan_id in
            {sc.id for sc in scans if sc.service.slug == "lent"}}

    report = tmp_path / "report"
    again = run_vigie("rerun", "--service", "rapide", "--report", str(report),
                      "--allow-private", env={**env_for(data), "VIGIE_MAX_PAGES": "1"})
    assert again.returncode == 0, again.stderr + again.stdout
    run, scans, captures = final_state(settings)
    attempts = {sc.service.slug: sc.attempts for sc in scans}
    assert attempts == {"lent": 1, "rapide": 2}
    assert kept <= {c.id for c in captures}  # the other service is untouched
    assert len(captures) == 4 and run.status == "completed"
    assert (report / "index.html").is_file()

    unknown = run_vigie("rerun", "--service", "nope", env=env_for(data))
    assert unknown.returncode == 2 and "nope" in unknown.stderr
