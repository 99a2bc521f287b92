"""Storage on SQLite and PostgreSQL: schema, constraints, counters, artifacts."""

from __future__ import annotations

import hashlib
import multiprocessing
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from core.outcomes import CaptureOutcome, CloseReason
from core.settings import Settings
from storage.artifacts import ArtifactStore
from storage.captures import (
    CaptureRecord,
    close_reason_for,
    finish_service_scan,
    save_capture,
)
from storage.context import SchemaOutOfDate, Storage
from storage.db import transaction
from storage.migrate import current_revision, head_revision
from storage.models import PageCapture, Service, ServiceScan
from storage.runs import create_run


@pytest.fixture
def storage(database_url: str, tmp_path: Path) -> Storage:
    st = Storage.open(Settings(data_dir=tmp_path / "data", database_url=database_url))
    yield st
    st.close()


def _service(session, slug: str = "svc") -> Service:
    svc = Service(slug=slug, name=slug.title(), start_url=f"https://{slug}.example.fr/")
    session.add(svc)
    session.flush()
    return svc


def test_init_creates_every_table_and_is_idempotent(storage: Storage) -> None:
    tables = set(inspect(storage.engine).get_table_names())
    assert {"service", "scan_run", "service_scan", "page_capture", "finding",
            "evidence"} <= tables
    assert current_revision(storage.engine) == head_revision(storage.engine)
    again = Storage.open(storage.settings)  # upgrading an up-to-date database changes nothing
    assert current_revision(again.engine) == head_revision(storage.engine)
    again.close()


def test_opening_without_migration_refuses_an_empty_database(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    with pytest.raises(SchemaOutOfDate, match="vigie init"):
        Storage.open(settings, migrate=False)


def test_a_service_is_scanned_once_per_run(storage: Storage) -> None:
    with transaction(storage.sessions) as session:
        svc = _service(session)
        run_id, _ = create_run(session, [svc.slug], trigger="manual", config={},
                               tool_versions={})
        svc_id = svc.id
    with pytest.raises(IntegrityError), transaction(storage.sessions) as session:
        session.add(ServiceScan(run_id=run_id, service_id=svc_id))


def test_captures_are_counted_and_close_the_scan(storage: Storage) -> None:
    with transaction(storage.sessions) as session:
        svc = _service(session)
        _, targets = create_run(session, [svc.slug], trigger="manual", config={},
                                tool_versions={})
        scan_id = targets[0].service_scan_id
    outcomes = [CaptureOutcome.ok, CaptureOutcome.ok, CaptureOutcome.timeout,
                CaptureOutcome.blocked, CaptureOutcome.error]
    for i, outcome in enumerate(outcomes):
        with transaction(storage.sessions) as session:
            save_capture(session, storage.artifacts, CaptureRecord(
                service_scan_id=scan_id, viewport="desktop", page_kind="start",
                requested_url=f"https://svc.example.fr/{i}", outcome=outcome,
                html=b"<html></html>" if outcome is CaptureOutcome.ok else None,
                http_status=500 if outcome is CaptureOutcome.error else 200))
    with transaction(storage.sessions) as session:
        scan = finish_service_scan(session, scan_id)
        counters = dict(scan.counters)
        reason = scan.close_reason
    assert counters["pages/attempted"] == 5
    assert counters["pages/attempted"] == sum(
        counters[f"pages/{o.value}"] for o in CaptureOutcome)
    assert counters["pages/ok"] == 2 and counters["pages/timeout"] == 1
    assert reason == CloseReason.partial.value


def test_a_failed_transaction_writes_nothing(storage: Storage) -> None:
    with pytest.raises(RuntimeError), transaction(storage.sessions) as session:
        _service(session, "first")
        raise RuntimeError("boom")
    with storage.sessions() as session:
        assert session.scalars(select(Service)).all() == []


@pytest.mark.parametrize(("captures", "expected"), [
    ([("ok", None)] * 2, CloseReason.completed),
    ([("ok", None), ("timeout", "timeout")], CloseReason.partial),
    ([("timeout", "timeout"), ("timeout", "service_budget")], CloseReason.timeout),
    ([("blocked", "blocked_by_robots")] * 2, CloseReason.robots_disallowed),
    ([("blocked", "blocked_by_policy")], CloseReason.blocked_by_policy),
    ([("blocked", "blocked_by_policy"), ("blocked", "blocked_by_robots")],
     CloseReason.blocked_by_policy),
    ([("error", "http_error"), ("error", "http_error")], CloseReason.unreachable),
    ([("error", "unreachable")], CloseReason.unreachable),
    ([("error", "tls_refused"), ("timeout", "timeout")], CloseReason.unreachable),
    ([("error", "browser_crashed"), ("error", "http_error")], CloseReason.browser_crashed),
    # A page past the memory limit is the site's doing, as a page past its budget is.
    ([("error", "resource_limit"), ("error", "resource_limit")], CloseReason.unreachable),
    ([("error", "resource_limit"), ("ok", None)], CloseReason.partial),
    ([("error", "vigie_error")], CloseReason.error),
    ([("error", "not_html")], CloseReason.error),
    ([("error", None)], CloseReason.error),  # a failure without a kind is counted as Vigie's
    ([], CloseReason.error),
])
def test_close_reason(captures: list[tuple[str, str | None]], expected: CloseReason) -> None:
    assert close_reason_for(captures) is expected


def test_artifacts_are_content_addressed(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    data = b"\x89PNG fake screenshot"
    sha = store.put(data, "png")
    assert sha == hashlib.sha256(data).hexdigest()
    path = store.path_for(sha, "png")
    assert path == tmp_path / sha[:2] / sha[2:4] / f"{sha}.png"
    assert store.put(data, "png") == sha and store.get(sha, "png") == data
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left behind
    with pytest.raises(ValueError):
        store.path_for("../../etc/passwd", "png")


def _open_storage(url: str, data_dir: str) -> None:
    Storage.open(Settings(data_dir=Path(data_dir), database_url=url)).close()


def test_processes_that_start_together_on_a_new_database_all_open_it(
        database_url: str, tmp_path: Path) -> None:
    # A scan and its workers, or two schedulers, each upgrade the schema as they start.
    context = multiprocessing.get_context("spawn")
    procs = [context.Process(target=_open_storage, args=(database_url, str(tmp_path / "d")))
             for _ in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
    assert [proc.exitcode for proc in procs] == [0, 0, 0, 0]
    with Storage.open(Settings(data_dir=tmp_path / "d", database_url=database_url)) as st:
        assert current_revision(st.engine) == head_revision(st.engine)


def test_credentials_met_while_crawling_are_dropped_before_they_are_stored(
        storage: Storage) -> None:
    """A redirect or a link may carry ``user:password@``: no row, artifact, export nor progress
    event keeps it (the page's HTML is kept as the site sent it)."""
    from core.events import CaptureStored
    from crawler.recorder import Recorder
    from vigie import app as vigie_app

    secret = "MotDePasse-2024"
    landing = f"https://jdupont:{secret}@teleservices.example.fr/connexion?retour=%2Fdossier"
    with transaction(storage.sessions) as session:
        svc = _service(session, "teleservices")
        run_id, targets = create_run(session, [svc.slug], trigger="manual", config={},
                                     tool_versions={})
    events: list[object] = []
    recorder = Recorder(storage, events.append)
    recorder.save(CaptureRecord(
        service_scan_id=targets[0].service_scan_id, viewport="desktop", page_kind="contact",
        requested_url=f"https://agent:{secret}@teleservices.example.fr/contact",
        outcome=CaptureOutcome.ok, http_status=200, final_url=landing,
        redirect_chain=[{"url": f"https://agent:{secret}@teleservices.example.fr/contact",
                         "status": 302}, {"url": landing, "status": 200}],
        title="Connexion à votre espace",
        html=b"<!doctype html><html lang='fr'><title>Connexion</title></html>",
        collector={"url": landing, "title": "Connexion à votre espace", "links": [
            {"text": "Mon dossier", "href": f"https://u:{secret}@teleservices.example.fr/d"},
            {"text": "Aide", "href": "https://teleservices.example.fr/aide?courriel=a@b.fr"}]},
        axe={"url": landing, "violations": [], "incomplete": []},
        summary={"errors": {"narrow": {"kind": "error", "error_kind": "vigie_error",
                                       "message": f"page.goto: net::ERR_ABORTED at {landing}"}}},
    ))
    document = vigie_app.export(storage, "run", str(run_id), "json").text or ""
    assert "teleservices.example.fr/connexion?retour=%2Fdossier" in document
    assert secret not in document and "jdupont" not in document
    with storage.sessions() as session:
        capture = session.scalars(select(PageCapture)).one()
        collector = storage.artifacts.get_json(capture.collector_sha256)
        axe = storage.artifacts.get_json(capture.axe_sha256)
        assert capture.requested_url == "https://teleservices.example.fr/contact"
        assert [hop["url"] for hop in capture.redirect_chain] == [
            "https://teleservices.example.fr/contact",
            "https://teleservices.example.fr/connexion?retour=%2Fdossier"]
        assert secret not in str(capture.summary)
    assert [link["href"] for link in collector["links"]] == [
        "https://teleservices.example.fr/d",
        "https://teleservices.example.fr/aide?courriel=a@b.fr"]  # an @ in a query is kept
    assert axe["url"] == collector["url"] == capture.final_url
    assert [e.url for e in events if isinstance(e, CaptureStored)] == [
        "https://teleservices.example.fr/contact"]
