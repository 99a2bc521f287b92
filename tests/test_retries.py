"""Retries within a run, and resuming a run, with the crawl replaced by a scripted fake.

The fake stands where the crawl child process stands (a ``vigie.backends`` backend) and
writes through the same storage functions, so these tests exercise the real retry rules,
run claiming and closing, on SQLite and PostgreSQL, without a browser.
"""

from __future__ import annotations

import subprocess
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.errors import ErrorKind
from core.outcomes import CaptureOutcome
from core.settings import Settings
from crawler.browser import BrowserChoice
from storage.captures import CaptureRecord, finish_service_scan, save_capture, start_service_scan
from storage.context import Storage
from storage.db import transaction
from storage.models import PageCapture, Service, ServiceScan
from storage.runs import claim_run, pending_targets
from vigie import execution

BROWSER = BrowserChoice("/bin/true", "system")
# What each attempt of a service meets: a list of (outcome, kind) per attempt; ok when absent.
Script = dict[str, list[tuple[CaptureOutcome, ErrorKind | None]]]


@pytest.fixture
def storage(database_url: str, tmp_path: Path) -> Iterator[Storage]:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url,
                        retry_vigie_failures=1, retry_site_failures=1, retry_delay=0.3)
    with Storage.open(settings) as st:
        with transaction(st.sessions) as session:
            for slug in ("alpha", "beta", "gamma"):
                session.add(Service(slug=slug, name=slug.title(),
                                    start_url=f"https://{slug}.example.fr/"))
        yield st


class FakeBackend:
    def __init__(self, crawl: Callable[..., dict[str, Any]]) -> None:
        self.crawl = crawl


def use(monkeypatch: pytest.MonkeyPatch, crawl: Callable[..., dict[str, Any]]) -> None:
    """Crawls go to ``crawl`` instead of a child process."""
    monkeypatch.setattr(execution, "backend_for", lambda _config: FakeBackend(crawl))


def fake_crawl(storage: Storage, script: Script, calls: list[tuple[float, list[str]]]
               ) -> Callable[..., dict[str, Any]]:
    attempts: dict[str, int] = defaultdict(int)

    def crawl(config: Settings, run_id: int, scan_ids: list[int], browser: BrowserChoice,
              listener: Any) -> dict[str, Any]:
        with storage.sessions() as session:
            targets = pending_targets(session, run_id, scan_ids)
        calls.append((time.monotonic(), [t.slug for t in targets]))
        for t in targets:
            attempt = attempts[t.slug]
            attempts[t.slug] += 1
            steps = script.get(t.slug, [])
            outcome, kind = steps[attempt] if attempt < len(steps) else (CaptureOutcome.ok, None)
            with transaction(storage.sessions) as session:
                start_service_scan(session, t.service_scan_id)
            for viewport in ("desktop", "mobile"):
                with transaction(storage.sessions) as session:
                    save_capture(session, storage.artifacts, CaptureRecord(
                        service_scan_id=t.service_scan_id, viewport=viewport,
                        page_kind="start", requested_url=t.start_url, outcome=outcome,
                        error_kind=kind, error=str(kind) if kind else None,
                        html=b"<html></html>" if kind is None else None))
            with transaction(storage.sessions) as session:
                finish_service_scan(session, t.service_scan_id)
        return {"downloader/request_count": len(targets) * 2}

    return crawl


def run(storage: Storage, slugs: list[str]) -> execution.ScanResult:
    return execution.execute_run(storage, execution.start_run(storage, slugs), browser=BROWSER)


def scans(storage: Storage, run_id: int) -> dict[str, ServiceScan]:
    with storage.sessions() as session:
        rows = session.scalars(select(ServiceScan).where(ServiceScan.run_id == run_id)).all()
        return {sc.service.slug: sc for sc in rows}


def captures(storage: Storage, run_id: int) -> list[PageCapture]:
    with storage.sessions() as session:
        return list(session.scalars(select(PageCapture).join(ServiceScan)
                                    .where(ServiceScan.run_id == run_id)))


def test_vigie_failures_are_redone_at_once_site_failures_after_the_delay(
        storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    script: Script = {
        "alpha": [(CaptureOutcome.error, ErrorKind.browser_crashed)],  # then fine
        "beta": [(CaptureOutcome.error, ErrorKind.unreachable)] * 2,  # down both times
    }
    calls: list[tuple[float, list[str]]] = []
    use(monkeypatch, fake_crawl(storage, script, calls))
    result = run(storage, ["alpha", "beta", "gamma"])

    assert [slugs for _when, slugs in calls] == [["alpha", "beta", "gamma"], ["alpha"],
                                                 ["beta"]]
    assert calls[2][0] - calls[0][0] >= 0.3  # the site failure waited retry_delay
    by_slug = scans(storage, result.run_id)
    assert {s: (sc.attempts, sc.close_reason) for s, sc in by_slug.items()} == {
        "alpha": (2, "completed"), "beta": (2, "unreachable"), "gamma": (1, "completed")}
    # Only the final attempt's captures remain, and the counters say so.
    rows = captures(storage, result.run_id)
    assert len(rows) == 6
    for sc in by_slug.values():
        assert sc.counters["pages/attempted"] == 2 == sum(
            1 for c in rows if c.service_scan_id == sc.id)
    assert result.status == "completed" and not result.operational_failure


def test_retries_can_be_turned_off(storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    storage.settings = Settings(**{**vars(storage.settings), "retry_vigie_failures": 0,
                                   "retry_site_failures": 0})
    script: Script = {"alpha": [(CaptureOutcome.error, ErrorKind.vigie_error)]}
    calls: list[tuple[float, list[str]]] = []
    use(monkeypatch, fake_crawl(storage, script, calls))
    result = run(storage, ["alpha"])
    assert len(calls) == 1
    assert scans(storage, result.run_id)["alpha"].close_reason == "error"
    assert result.operational_failure  # a Vigie-side failure still says so in the exit code


def test_a_dead_run_is_resumed_without_duplicates(storage: Storage,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    run_id = execution.start_run(storage, ["alpha", "beta", "gamma"])
    # The first process closed alpha, was killed in the middle of beta, never reached gamma.
    with transaction(storage.sessions) as session:
        by_slug = {t.slug: t for t in pending_targets(session, run_id)}
    fake_crawl(storage, {}, [])(storage.settings, run_id, [by_slug["alpha"].service_scan_id],
                                BROWSER, None)
    with transaction(storage.sessions) as session:
        start_service_scan(session, by_slug["beta"].service_scan_id)
        save_capture(session, storage.artifacts, CaptureRecord(
            service_scan_id=by_slug["beta"].service_scan_id, viewport="desktop",
            page_kind="start", requested_url="https://beta.example.fr/",
            outcome=CaptureOutcome.ok, html=b"<html></html>"))
    dead = _dead_pid()
    with transaction(storage.sessions) as session:
        claim_run(session, run_id, {"host": execution.this_process()["host"], "pid": dead})
    alpha_captures = {c.id for c in captures(storage, run_id)
                      if c.service_scan_id == by_slug["alpha"].service_scan_id}

    calls: list[tuple[float, list[str]]] = []
    use(monkeypatch, fake_crawl(storage, {}, calls))
    result = execution.resume_run(storage, run_id, browser=BROWSER)

    assert [slugs for _when, slugs in calls] == [["beta", "gamma"]]
    final = scans(storage, run_id)
    assert {s: (sc.status, sc.attempts) for s, sc in final.items()} == {
        "alpha": ("done", 1), "beta": ("done", 2), "gamma": ("done", 1)}
    rows = captures(storage, run_id)
    keys = [(c.service_scan_id, c.requested_url, c.viewport) for c in rows]
    assert len(keys) == len(set(keys)) == 6  # 0 duplicates, 0 missing
    assert alpha_captures <= {c.id for c in rows}  # the closed service scan was kept as it was
    for sc in final.values():
        assert sc.counters["pages/attempted"] == sum(1 for c in rows
                                                     if c.service_scan_id == sc.id)
    assert result.status == "completed"


def test_a_live_run_is_not_resumed(storage: Storage) -> None:
    run_id = execution.start_run(storage, ["alpha"])
    other = subprocess.Popen(["sleep", "30"])  # a live process of this host owns the run
    try:
        with transaction(storage.sessions) as session:
            claim_run(session, run_id, {"host": execution.this_process()["host"],
                                        "pid": other.pid})
        with pytest.raises(execution.RunInProgress, match="still running"):
            execution.resume_run(storage, run_id, browser=BROWSER)
    finally:
        other.kill()
        other.wait()


def _dead_pid() -> int:
    pid = 999_999
    while execution.pid_alive(pid):
        pid -= 1
    return pid
