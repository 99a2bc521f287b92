"""Faults lose no data: a crashed browser, a killed `vigie scan`."""

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
from sqlalchemy.exc import OperationalError

from core.settings import Settings
from storage.context import SchemaOutOfDate, Storage
from storage.models import PageCapture, ScanRun, ServiceScan
from tests.conftest import ROOT, run_vigie
from vigie.demo.server import SiteServer

pytestmark = pytest.mark.browser
PAGES = 8  # of the slow_site fixture


def start_scan(site: SiteServer, tmp_path: Path) -> tuple[subprocess.Popen[str], Settings]:
    services = tmp_path / "services.yaml"
    urls = "\n".join(f"      - {site.base_url}/p{i}.html" for i in range(1, PAGES))
    services.write_text(f"services:\n  - id: slow\n    name: Lent\n"
                        f"    start_url: {site.base_url}/p0.html\n    extra_urls:\n{urls}\n",
                        encoding="utf-8")
    data = tmp_path / "data"
    env = {**os.environ, "VIGIE_DATA_DIR": str(data), "VIGIE_DATABASE_URL": "",
           "VIGIE_DOWNLOAD_DELAY": "0", "VIGIE_MAX_PAGES": str(PAGES)}
    proc = subprocess.Popen([sys.executable, "-m", "vigie", "scan", "--services", str(services),
                             "--allow-private"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    return proc, Settings(data_dir=data)


def wait_for_captures(settings: Settings, n: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            st = Storage.open(settings, migrate=False)
        except (SchemaOutOfDate, OperationalError):
            pass  # the scan has not created its database yet
        else:
            with st.sessions() as session:
                count = len(session.scalars(select(PageCapture.id)).all())
            st.close()
            if count >= n:
                return
        time.sleep(0.2)
    raise AssertionError(f"fewer than {n} captures after {timeout} s")


def kill_browsers(pid: int) -> int:
    killed = 0
    for child in psutil.Process(pid).children(recursive=True):
        try:
            if "chrom" in child.name().lower():
                child.kill()
                killed += 1
        except psutil.NoSuchProcess:
            pass  # already gone with its parent
    return killed


def stored(settings: Settings) -> tuple[list[PageCapture], ServiceScan, ScanRun]:
    st = Storage.open(settings, migrate=False)
    with st.sessions() as session:
        captures = list(session.scalars(select(PageCapture)))
        scan = session.scalars(select(ServiceScan)).one()
        run = session.scalars(select(ScanRun).order_by(ScanRun.id)).first()
    st.close()
    assert run is not None
    return captures, scan, run


def test_a_killed_scan_keeps_what_it_stored(slow_site: SiteServer, tmp_path: Path,
                                             browser_choice: Any) -> None:
    proc, settings = start_scan(slow_site, tmp_path)
    wait_for_captures(settings, 3)
    os.killpg(proc.pid, signal.SIGKILL)  # the scan and its browser, without warning
    proc.wait(timeout=30)

    captures, scan, run = stored(settings)
    assert len(captures) >= 3
    assert scan.counters["pages/attempted"] == len(captures)  # counted in the same commit
    artifacts = Storage.open(settings, migrate=False).artifacts
    for c in captures:
        if c.outcome == "ok":
            assert artifacts.path_for(c.screenshot_sha256 or "", "png").exists()
            assert artifacts.path_for(c.axe_sha256 or "", "json").exists()
    assert run.status == "running"

    # The next scan on this machine sees the dead process and closes its run.
    assert run_vigie("scan", "--only", "nothing-here", env={
        "VIGIE_DATA_DIR": str(settings.data_dir), "VIGIE_DATABASE_URL": ""}).returncode == 2
    proc2 = run_vigie("scan", "--allow-private", "--max-pages", "1", env={
        "VIGIE_DATA_DIR": str(settings.data_dir), "VIGIE_DATABASE_URL": "",
        "VIGIE_DOWNLOAD_DELAY": "0"})
    assert proc2.returncode == 0, proc2.stderr
    st = Storage.open(settings, migrate=False)
    with st.sessions() as session:
        first = session.get_one(ScanRun, run.id)
        assert first.status == "interrupted" and first.finished_at is not None
        assert all(sc.status == "done" for sc in first.service_scans)
        kept = session.scalars(select(PageCapture).join(ServiceScan)
                               .where(ServiceScan.run_id == run.id)).all()
        assert len(kept) == len(captures)
    st.close()


def test_a_crashed_browser_is_restarted_and_every_page_accounted(
        slow_site: SiteServer, tmp_path: Path, browser_choice: Any) -> None:
    proc, settings = start_scan(slow_site, tmp_path)
    wait_for_captures(settings, 2)
    assert kill_browsers(proc.pid), "the scan runs no Chromium?"
    _out, err = proc.communicate(timeout=240)

    captures, scan, run = stored(settings)
    assert run.status == "completed"
    assert len(captures) == 2 * PAGES  # every page, in both viewports, has its row
    assert scan.counters["pages/attempted"] == 2 * PAGES
    after = [c for c in captures[4:] if c.outcome == "ok"]
    assert after, "no page was captured after the crash: the browser was not restarted"
    assert proc.returncode == 0, err
