"""`vigie export compare`: published vs measured, one row per service and published value."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from core.settings import Settings
from indicators import runner
from indicators.model import FindingRef
from storage.context import Storage
from storage.db import transaction
from storage.models import Finding, ScanRun, Service, ServiceScan
from tests.comparekit import NO_DECLARATION, auth, availability, axe, declaration, jdma
from tests.conftest import run_vigie

SERVICES: dict[str, tuple[str, dict[str, Any], list[FindingRef]]] = {
    # slug: (ministry, published values, findings of the scan)
    "musique": ("Ministère de la Culture",
                {"handicap": "oui", "handicap_label": "Oui", "rgaa_rate": 100,
                 "satisfaction": 7.8, "plain_language": 8.1},
                [NO_DECLARATION, axe("image-alt", ["1.1.1"]), jdma(True), auth()]),
    "fontaines": ("Ministère de l’Intérieur",
                  {"online_status": "oui", "online_status_label": "En ligne",
                   "availability_rate": 99.5, "franceconnect": True,
                   "franceconnect_label": "Oui", "declaration_date": "2024-10-03"},
                  [availability(500), auth(),
                   declaration(declared_on="2022-10-03", reasons=("expired",),
                               outcome="fail")]),
    "silencieux": ("Ministère de la Culture", {}, [availability(200)]),
}


def seed(storage: Storage) -> int:
    with transaction(storage.sessions) as session:
        run = ScanRun(status="completed", tool_versions={"axe-core": "4.14.1"})
        session.add(run)
        for slug, (ministry, declared, findings) in SERVICES.items():
            service = Service(slug=slug, name=f"Démarche {slug}", ministry=ministry,
                              start_url=f"https://{slug}.exemple.gouv.fr/", declared=declared)
            scan = ServiceScan(run=run, service=service, close_reason="completed")
            session.add_all([service, scan])
            session.flush()
            for f in findings:
                session.add(Finding(service_scan_id=scan.id, check_id=f.check_id,
                                    check_version=1, outcome=f.outcome, message=f.message,
                                    data=f.data))
        session.flush()
        run_id = run.id
    runner.compute_indicators(storage, run_id)  # the levels the real rules give
    return run_id


def test_export_compare_csv_and_json(tmp_path: Path) -> None:
    storage = Storage.open(Settings(data_dir=tmp_path, database_url=""))
    run_id = seed(storage)
    storage.close()
    env = {"VIGIE_DATA_DIR": str(tmp_path), "VIGIE_DATABASE_URL": ""}
    proc = run_vigie("export", "compare", "--run", str(run_id), "--format", "csv", env=env)
    assert proc.returncode == 0, proc.stderr
    reader = csv.DictReader(io.StringIO(proc.stdout))
    assert reader.fieldnames and reader.fieldnames[:3] == ["run_id", "service_id",
                                                            "service_name"]
    rows = {(r["service_id"], r["published_key"]): r for r in reader}
    # Nothing published for « silencieux »; « plain_language » has no measure to compare.
    assert sorted(rows) == [
        ("fontaines", "availability_rate"), ("fontaines", "declaration_date"),
        ("fontaines", "franceconnect"), ("fontaines", "online_status"),
        ("musique", "handicap"), ("musique", "rgaa_rate"), ("musique", "satisfaction")]
    assert {k: r["verdict"] for k, r in rows.items()} == {
        ("fontaines", "availability_rate"): "disagreement",
        ("fontaines", "declaration_date"): "disagreement",
        ("fontaines", "franceconnect"): "disagreement",
        ("fontaines", "online_status"): "disagreement",
        ("musique", "handicap"): "disagreement",
        ("musique", "rgaa_rate"): "disagreement",
        ("musique", "satisfaction"): "agreement"}
    online = rows[("fontaines", "online_status")]
    assert (online["indicator"], online["published_value"], online["published_label"]) == (
        "online", "oui", "En ligne")
    assert (online["measured_level"], online["measured_label"]) == ("unreachable",
                                                                    "Injoignable")
    assert online["explanation"] == ("Publié « En ligne », mais la page de départ n’a pas "
                                     "répondu (HTTP 500).")
    assert online["ministry"] == "Ministère de l’Intérieur" and online["run_id"] == str(run_id)
    handicap = rows[("musique", "handicap")]
    assert len(handicap["finding_ids"].split()) == 2  # the declaration check and axe
    assert rows[("fontaines", "declaration_date")]["published_value"] == "2024-10-03"

    out = tmp_path / "compare.json"
    proc = run_vigie("export", "compare", "--format", "json", "--out", str(out), env=env)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text("utf-8"))
    assert doc["schema"] == "vigie-compare/1" and doc["run"]["id"] == run_id
    assert [s["key"] for s in doc["subjects"]][:3] == ["handicap", "rgaa_rate",
                                                       "declaration_date"]
    by_key = {(c["service_id"], c["published_key"]): c for c in doc["comparisons"]}
    assert by_key[("fontaines", "availability_rate")]["published_value"] == 99.5
    assert by_key[("musique", "handicap")]["finding_ids"] == [
        int(i) for i in handicap["finding_ids"].split()]


def test_export_compare_rejects_a_bad_format_and_writes_nothing(tmp_path: Path) -> None:
    proc = run_vigie("export", "compare", "--format", "xlsx", "--out", str(tmp_path / "x"),
                     env={"VIGIE_DATA_DIR": str(tmp_path), "VIGIE_DATABASE_URL": ""})
    assert proc.returncode == 2 and "--format" in proc.stderr
    assert not (tmp_path / "x").exists()
