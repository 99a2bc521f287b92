"""Indicators stored per service scan (SQLite and PostgreSQL) and `vigie export indicators`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.settings import Settings
from indicators import runner
from indicators.registry import all_indicators
from storage.context import Storage
from storage.db import transaction
from storage.models import Finding, IndicatorValue, ScanRun, Service, ServiceScan
from tests.conftest import run_vigie

FINDINGS: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "conforme": [
        ("a11y-declaration", "pass", {"admissible": True, "rate": 100,
                                      "declared_on": "2025-01-01"}),
        ("auth-button", "pass", {"providers": ["franceconnect_plus"], "buttons": []}),
        ("dlnuf-fields", "pass", {"level": "optimal", "count": 1, "categories": ["nom"],
                                  "forms_examined": [{"page_url": "u", "form": "#f"}]}),
    ],
    "a-verifier": [
        ("a11y-declaration", "needs_review", {"admissible": None}),
        ("auth-button", "needs_review", {"providers": [], "buttons": []}),
    ],
}


def seed(storage: Storage) -> int:
    with transaction(storage.sessions) as session:
        run = ScanRun(status="completed", tool_versions={"axe-core": "4.14.1"})
        session.add(run)
        for slug, findings in FINDINGS.items():
            service = Service(slug=slug, name=f"Démarche {slug}", ministry="Ministère A",
                              start_url=f"https://{slug}.exemple.gouv.fr/",
                              extra={"Ref_Demarche": f"R-{slug}"})
            scan = ServiceScan(run=run, service=service, close_reason="completed")
            session.add_all([service, scan])
            session.flush()
            for check_id, outcome, data in findings:
                session.add(Finding(service_scan_id=scan.id, check_id=check_id,
                                    check_version=1, outcome=outcome, message="m", data=data))
        session.flush()
        run_id = run.id
    runner.compute_indicators(storage, run_id)
    return run_id


def test_indicators_are_stored_per_scan_and_replaced_on_recompute(database_url: str,
                                                                  tmp_path: Path) -> None:
    storage = Storage.open(Settings(data_dir=tmp_path, database_url=database_url))
    run_id = seed(storage)
    runner.compute_indicators(storage, run_id)  # again: replaced, not doubled
    with storage.sessions() as session:
        rows = session.execute(select(Service.slug, IndicatorValue).join(
            ServiceScan, ServiceScan.id == IndicatorValue.service_scan_id).join(
            Service, Service.id == ServiceScan.service_id)).all()
        finding_ids = set(session.scalars(select(Finding.id)))
    assert len(rows) == len(FINDINGS) * len(all_indicators())
    got = {(slug, v.indicator): v for slug, v in rows}
    handicap = got[("conforme", "handicap")]
    assert (handicap.level, handicap.label, handicap.official) == ("oui", "Oui", True)
    assert handicap.finding_ids and set(handicap.finding_ids) <= finding_ids
    assert "100 %" in handicap.rationale and handicap.value["rate"] == 100
    assert got[("conforme", "auth")].label == "FranceConnect+"
    assert got[("a-verifier", "auth")].level == "needs_review"
    assert got[("a-verifier", "dsfr")].level == "not_measured"
    assert got[("a-verifier", "dsfr")].official is False
    storage.close()


def test_export_indicators_csv_loads_into_the_observatory_columns(tmp_path: Path) -> None:
    storage = Storage.open(Settings(data_dir=tmp_path, database_url=""))
    seed(storage)
    storage.close()
    env = {"VIGIE_DATA_DIR": str(tmp_path), "VIGIE_DATABASE_URL": ""}
    proc = run_vigie("export", "indicators", "--format", "csv", env=env)
    assert proc.returncode == 0, proc.stderr
    rows = {r["vigie_service_id"]: r for r in csv.DictReader(io.StringIO(proc.stdout))}
    good, unsure = rows["conforme"], rows["a-verifier"]
    assert (good["Ref_Demarche"], good["Nom_Demarche"]) == ("R-conforme", "Démarche conforme")
    assert good["Prise_En_Compte_Handicap"] == "Oui"
    assert good["FranceConnect"] == "FranceConnect+"
    assert good["DLNUF_pour_publication_"] == "Optimal"
    # Undecided levels leave the observatory's cell empty: loading never writes a guess there.
    assert unsure["FranceConnect"] == "" and unsure["Prise_En_Compte_Handicap"] == ""
    assert unsure["auth_level"] == "needs_review" and unsure["auth_label"] == "À vérifier"
    assert good["handicap_rationale"].startswith("La déclaration recevable annonce 100 %")
    assert good["handicap_findings"].split() and good["vigie_close_reason"] == "completed"
    for spec in all_indicators():
        assert f"{spec.slug}_level" in good

    out = tmp_path / "indicators.json"
    proc = run_vigie("export", "indicators", "--format", "json", "--out", str(out), env=env)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text("utf-8"))
    assert doc["schema"] == "vigie-indicators/1"
    assert [i["slug"] for i in doc["indicators"]] == [s.slug for s in all_indicators()]
    by_id = {s["id"]: s for s in doc["services"]}
    assert by_id["conforme"]["observatory"]["Prise_En_Compte_Handicap"] == "Oui"
    assert by_id["conforme"]["indicators"]["handicap"]["finding_ids"]
    assert not by_id["a-verifier"]["indicators"]["mobile"]["official"]

    # The findings export keeps working, and now carries the indicators too.
    proc = run_vigie("export", "--format", "json", env=env)
    assert proc.returncode == 0 and json.loads(proc.stdout)["indicators"]
    proc = run_vigie("export", "findings", "--format", "csv", "--out", str(tmp_path / "c"),
                     env=env)
    assert proc.returncode == 0 and (tmp_path / "c" / "findings.csv").exists()


def test_export_rejects_an_unknown_kind_and_writes_nothing(tmp_path: Path) -> None:
    proc = run_vigie("export", "indicateurs", "--out", str(tmp_path / "x.csv"),
                     env={"VIGIE_DATA_DIR": str(tmp_path), "VIGIE_DATABASE_URL": ""})
    assert proc.returncode == 2 and "indicators" in proc.stderr
    assert not (tmp_path / "x.csv").exists()
