"""`vigie schedule` end to end, with the real executor: a due time becomes a run that is crawled
in real Chromium, judged, closed, and published (report site and indicators export)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.context import Storage
from storage.models import Finding, PageCapture, ScanRun
from tests.conftest import ROOT
from tests.schedulerkit import environment, recorded, runs, scheduler_settings, wait_for
from vigie import app as vigie_app
from vigie.demo.server import SiteServer

pytestmark = pytest.mark.browser


def test_a_due_time_is_scanned_and_published(sites: dict[str, SiteServer], tmp_path: Path,
                                             browser_choice: Any) -> None:
    base = sites["basic"].base_url
    settings = scheduler_settings(tmp_path, "", schedule="*/4 * * * * *",
                                  executor_command="", allow_private=True, max_pages=2,
                                  download_delay=0.0)
    with Storage.open(settings) as storage:
        services = tmp_path / "services.yaml"
        services.write_text(f"services:\n  - id: basic\n    name: Démarche de test\n"
                            f"    start_url: {base}/\n", encoding="utf-8")
        vigie_app.import_services(storage, vigie_app.read_services(services))
    env = {**os.environ, **environment(settings), "VIGIE_ALLOW_PRIVATE": "1",
           "VIGIE_MAX_PAGES": "2", "VIGIE_DOWNLOAD_DELAY": "0", "VIGIE_EXECUTOR_COMMAND": ""}
    proc = subprocess.Popen([sys.executable, "-m", "vigie", "schedule"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        with Storage.open(settings, migrate=False) as storage:
            wait_for(lambda: recorded(storage, "report_built"), 240, "a published report")
            done = [r for r in runs(storage) if r.status == "completed"]
            assert done, "no completed run"
            run = done[0]
            assert run.schedule and run.scheduled_for is not None and run.trigger == "schedule"
            with storage.sessions() as session:
                captures = session.scalar(select(func.count(PageCapture.id)))
                findings = session.scalar(select(func.count(Finding.id)))
                per_due = session.execute(
                    select(ScanRun.scheduled_for, func.count(ScanRun.id))
                    .group_by(ScanRun.scheduled_for)).all()
            assert captures and findings
            assert all(n == 1 for _due, n in per_due), "a due time got two runs"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    report = Path(settings.report_dir)
    assert (report / "index.html").is_file()
    assert any(report.parent.glob("indicateurs*")) or any(report.glob("indicateurs*"))
