"""The observatory's own files in and out: its 2025 open-data export, its Grist table and its
older CSV, as French Excel saves them (and one .xlsx workbook); the published values in
`declared`; rows without a URL; `vigie export indicators --columns SET` giving the same cells
back, and `--quarter`."""

from __future__ import annotations

import codecs
import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from typer.testing import CliRunner

from core.settings import Settings
from indicators import runner as indicators_runner
from reports.site.build import write_site
from services import RegistryError, dump_services_yaml, load_service_list, upsert_services
from storage.context import Storage
from storage.db import transaction
from storage.models import Finding, ScanRun, Service, ServiceScan
from tests.conftest import run_vigie
from vigie import app as vigie_app
from vigie.app import NothingToScan, select_services
from vigie.cli.main import app as cli_app

FIXTURES = Path(__file__).parent / "fixtures" / "observatory"
OPEN_DATA = FIXTURES / "open-data-2025.csv"
GRIST = FIXTURES / "grist-table.csv"
OLDER = FIXTURES / "observatoire-ancien.csv"
DATE_COLUMN = "Date_Publication_Declaration_(rouge_:_perimee_;_orange_:_bientôt_perimee)"
# The observatory's columns where Vigie writes its measured level, per set: not round-tripped.
INDICATOR_COLUMNS = {"vigie": {"FranceConnect"},
                     "open-data": {"FranceConnect", "Prise_en_compte_Handicap"},
                     "grist": {"FranceConnect", "Prise_En_Compte_Handicap",
                               "DLNUF_pour_publication_"}}
cli = CliRunner()


def file_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The file's header and rows, read independently of Vigie (BOM, ``sep=;``, ``;``)."""
    text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    if text.startswith("sep="):
        text = text.split("\n", 1)[1]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    header, *rows = list(reader)
    return header, [dict(zip(header, row, strict=True)) for row in rows]


def by_slug(path: Path) -> dict[str, Any]:
    return {spec.slug: spec for spec in load_service_list(path).specs}


# --- reading: published values into `declared`, identity, extra, notices -----------------------


def test_open_data_export_from_french_excel() -> None:
    table = load_service_list(OPEN_DATA)
    assert table.column_set == "open-data"
    specs = {spec.slug: spec for spec in table.specs}
    assert sorted(specs) == ["demarche-1234", "demarche-2051", "demarche-3310", "demarche-4127",
                             "demarche-5088"]
    impots = specs["demarche-1234"]
    assert (impots.name, impots.administration, impots.start_url) == (
        "Déclaration en ligne des revenus", "DGFiP", "https://www.impots.gouv.fr/accueil")
    assert impots.ministry == "Économie, Finances et Souveraineté industrielle et numérique"
    declared = impots.declared
    # Taux_Audit_RGAA holds fractions (every value ≤ 1, no %): « 0,75 » is 75 %.
    assert declared["rgaa_rate"] == 75 and declared["digital_rate"] == 80
    assert declared["availability_rate"] == 99.8
    assert (declared["declaration_date"], declared["declaration_freshness"]) == (
        "2022-04-08", "perimee")
    assert (declared["handicap"], declared["handicap_label"]) == ("partiel", "Partiel")
    assert (declared["online_status"], declared["online_status_label"]) == ("oui", "En ligne")
    assert (declared["franceconnect"], declared["franceconnect_plus"]) == (True, False)
    assert (declared["satisfaction"], declared["plain_language"]) == (7.4, 8.1)
    assert (declared["volume_total"], declared["volume_online"]) == (39_500_000, 31_600_000)
    assert (declared["dlnuf_score"], declared["load_time"]) == (3, "612 ms")
    assert (declared["autonomy"], declared["help_effective"]) == ("Oui", "Partiel")
    assert declared["as_published"]["Taux_Audit_RGAA"] == "0,75"
    assert declared["as_published"][DATE_COLUMN] == "08/04/2022 (périmée)"

    ants = specs["demarche-2051"].declared
    assert ants["rgaa_rate"] == 100  # « 1 » in a column of fractions
    assert (ants["franceconnect"], ants["franceconnect_plus"]) == (True, True)
    assert "declaration_freshness" not in ants  # a date with no note
    bourse = specs["demarche-3310"].declared
    assert bourse["online_status"] == "partiel" and bourse["rgaa_rate"] == 0
    # « - » and « NC » are no value: the keys are absent, not zero.
    assert not {"satisfaction", "plain_language", "declaration_date",
                "availability_rate"} & set(bourse)
    assert specs["demarche-5088"].declared["declaration_freshness"] == "bientot_perimee"
    # The unmapped column is kept (with the raw reference) and named in a notice.
    assert specs["demarche-2051"].extra == {"Commentaire_DINUM": "Suivi renforcé ; voir note "
                                            "du 3 mars", "ID_Demarche": "2051"}
    assert [(n.line, n.field) for n in table.notices] == [(1, "Commentaire_DINUM")]


def test_yaml_start_url_may_be_null_and_dumps_back(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("services:\n  - id: guichet\n    name: Guichet en préfecture\n"
                    "    start_url: null\n", encoding="utf-8")
    [spec] = load_service_list(path).specs
    assert spec.start_url is None
    path.write_text(dump_services_yaml([spec]), encoding="utf-8")
    assert load_service_list(path).specs == [spec]


@pytest.mark.parametrize("path", [OPEN_DATA, GRIST, OLDER])
def test_published_values_survive_a_yaml_dump(tmp_path: Path, path: Path) -> None:
    """The `declared` keys a file fills pass the YAML list's own checks, unchanged."""
    specs = load_service_list(path).specs
    out = tmp_path / "services.yaml"
    out.write_text(dump_services_yaml(specs), encoding="utf-8")
    assert load_service_list(out).specs == specs


def test_yaml_published_values_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("services:\n  - id: caf\n    name: Allocations\n"
                    "    start_url: https://www.caf.fr/\n    declared:\n"
                    "      handicap: peut-être\n      satisfaction: 12\n"
                    "      declaration_date: 08/04/2022\n      handicaps: oui\n"
                    "      sensitive: peut-être\n",
                    encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        load_service_list(path)
    assert [(i.line, i.field) for i in caught.value.issues] == [
        (6, "declared.handicap"), (7, "declared.satisfaction"), (8, "declared.declaration_date"),
        (9, "declared.handicaps"), (10, "declared.sensitive")]
    assert "did you mean 'handicap'" in caught.value.issues[-2].message


def test_a_row_without_url_is_a_service_not_online() -> None:
    mairie = by_slug(OPEN_DATA)["demarche-4127"]
    assert mairie.start_url is None
    assert mairie.name == "Inscription sur les listes électorales en mairie"
    assert (mairie.declared["online_status"], mairie.declared["handicap"]) == ("non",
                                                                              "non_concerne")
    assert by_slug(GRIST)["demarche-58"].start_url is None
    assert by_slug(OLDER)["demarche-990"].start_url is None


def test_grist_table_columns() -> None:
    table = load_service_list(GRIST)
    assert table.column_set == "grist"
    specs = {spec.slug: spec for spec in table.specs}
    # Grist's `id` is the observatory's row id: the reference, not a Vigie slug.
    caf = specs["demarche-42"]
    assert (caf.name, caf.administration, caf.ministry) == (
        "Demande d'allocation logement", "CNAF", "Travail, Santé et Solidarités")
    assert caf.extra["id"] == "42"
    # Written as percentages (« 97,5 % », « 88 »): taken as they are.
    assert (caf.declared["availability_rate"], caf.declared["digital_rate"]) == (97.5, 88)
    assert (caf.declared["dlnuf_label"], caf.declared["satisfaction_manual"]) == ("Partiel",
                                                                                  "Oui")
    assert caf.declared["franceconnect_plus"] is True
    assert specs["demarche-17"].declared["load_time"] == "0,61 s"
    assert [n.field for n in table.notices] == ["manualSort"]  # Grist's hidden sort column


def _workbook(path: Path, bad_rate: bool = False) -> Path:
    """The open data as the observatory publishes it: a workbook, numbers as numbers,
    rates as percent-formatted fractions, dates as date cells."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Démarches"
    sheet.append(["Nom_Demarche", "ID_Demarche", "Ministere_politique", "Ref_Administration",
                  "Statut_En_ligne", "Volumetrie_Totale", "Taux_Audit_RGAA", DATE_COLUMN,
                  "Note_Satisfaction", "Prise_en_compte_Handicap", "FranceConnect", "Taux_Dispo",
                  "URL_Demarche"])
    sheet.append(["Demande de RSA", 6102, "Travail, Santé et Solidarités", "CNAF", "En ligne",
                  845000.0, 0.5 if not bad_rate else "cinquante", "17/03/2023 (périmée)",
                  7.1, "Partiel", "FranceConnect", 0.997, "https://www.caf.fr/rsa"])
    sheet.append(["Permis de conduire (examen)", 6230, "Intérieur et Outre-mer", "DSR",
                  "Pas en ligne", 1400000, None, datetime(2024, 2, 1), None, "Non", "-", None,
                  None])
    sheet["G2"].number_format = "0%"
    sheet["L2"].number_format = "0.0%"
    book.save(path)
    return path


def test_xlsx_workbook(tmp_path: Path) -> None:
    table = load_service_list(_workbook(tmp_path / "opendata.xlsx"))
    assert table.column_set == "open-data"
    rsa, permis = table.specs
    assert (rsa.slug, rsa.ministry, rsa.start_url) == (
        "demarche-6102", "Travail, Santé et Solidarités", "https://www.caf.fr/rsa")
    assert (rsa.declared["rgaa_rate"], rsa.declared["availability_rate"]) == (50, 99.7)
    assert (rsa.declared["volume_total"], rsa.declared["satisfaction"]) == (845000, 7.1)
    assert rsa.declared["declaration_freshness"] == "perimee"
    assert (permis.slug, permis.start_url) == ("demarche-6230", None)
    assert permis.declared["declaration_date"] == "2024-02-01"  # a date cell


def test_xlsx_errors_name_the_sheet_row_and_column(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "opendata.xlsx", bad_rate=True)
    with pytest.raises(RegistryError) as caught:
        load_service_list(path)
    [issue] = caught.value.issues
    assert (issue.file, issue.line, issue.field) == (f"{path} [Démarches]", 2, "Taux_Audit_RGAA")
    assert "'cinquante'" in issue.message


@pytest.mark.parametrize(("cells", "column", "fragment"), [
    ({"Taux_Audit_RGAA": "75 %"}, None, None),  # a percentage beside fractions: fine alone
    ({DATE_COLUMN: "bientôt"}, DATE_COLUMN, "must be a date such as 08/04/2022"),
    ({DATE_COLUMN: "31/02/2024"}, DATE_COLUMN, "not a real date"),
    ({"Prise_en_compte_Handicap": "Peut-être"}, "Prise_en_compte_Handicap",
     "Oui, Partiel, Non or Non concerné"),
    ({"Note_Satisfaction": "12"}, "Note_Satisfaction", "mark from 0 to 10"),
    ({"Statut_En_ligne": "Bientôt"}, "Statut_En_ligne", "En ligne, Partiellement"),
    ({"URL_Demarche": "www.impots.gouv.fr"}, "URL_Demarche", "must start with http"),
])
def test_a_wrong_value_is_located(tmp_path: Path, cells: dict[str, str], column: str | None,
                                  fragment: str | None) -> None:
    header, rows = file_rows(OPEN_DATA)
    rows[0].update(cells)
    path = tmp_path / "open-data.csv"
    body = "\r\n".join(";".join(f'"{r[c]}"' for c in header) for r in rows)
    path.write_bytes(codecs.BOM_UTF8 + (";".join(f'"{c}"' for c in header) + "\r\n" + body)
                     .encode())
    if column is None:
        assert by_slug(path)["demarche-1234"].declared["rgaa_rate"] == 75
        return
    with pytest.raises(RegistryError) as caught:
        load_service_list(path)
    [issue] = caught.value.issues
    assert (issue.line, issue.field) == (2, column) and fragment in issue.message


# --- the CLI: validate names unmapped columns, import, list -----------------------------------


def test_validate_import_and_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("VIGIE_DATABASE_URL", raising=False)
    result = cli.invoke(cli_app, ["services", "validate", str(OPEN_DATA)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == ("5 services OK (open-data columns; 1 without a URL (pas de "
                                     "démarche en ligne: never scanned); 1 column kept in extra)")
    assert f"{OPEN_DATA}:1: Commentaire_DINUM: notice: not a column" in result.stderr

    result = cli.invoke(cli_app, ["services", "import", str(GRIST)])
    assert result.exit_code == 0 and "4 created" in result.stdout, result.output
    listed = cli.invoke(cli_app, ["services", "list", "--format", "json"])
    services = {s["id"]: s for s in json.loads(listed.stdout)["services"]}
    assert services["demarche-58"]["start_url"] is None
    assert services["demarche-42"]["declared"]["dlnuf_label"] == "Partiel"
    assert services["demarche-42"]["extra"] == {"manualSort": "2", "id": "42"}

    rows = list(csv.DictReader(io.StringIO(
        cli.invoke(cli_app, ["services", "list", "--format", "csv"]).stdout)))
    permis = next(r for r in rows if r["id"] == "demarche-58")
    assert permis["start_url"] == "" and json.loads(permis["declared"])["online_status"] == "non"
    table = cli.invoke(cli_app, ["services", "list"], env={"COLUMNS": "200"})
    assert "pas de démarche en ligne" in table.stdout
    bad = cli.invoke(cli_app, ["services", "list", "--format", "xml"])
    assert bad.exit_code == 2 and "table, json, csv" in bad.stderr


def test_a_wrong_file_writes_nothing(database_url: str, tmp_path: Path) -> None:
    header, rows = file_rows(GRIST)
    rows[1]["Note_Satisfaction"] = "excellent"
    rows[3]["URL_Demarche"] = "ftp://www.demarches-simplifiees.fr/"
    path = tmp_path / "grist.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=header, delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(RegistryError) as caught:
        load_service_list(path)
    assert [(i.line, i.field) for i in caught.value.issues] == [
        (3, "Note_Satisfaction"), (5, "URL_Demarche")]
    storage = Storage.open(Settings(data_dir=tmp_path, database_url=database_url))
    try:
        with pytest.raises(vigie_app.BadServiceList):
            vigie_app.import_services(storage, vigie_app.read_services(path))
        with storage.sessions() as session:
            assert session.scalars(select(Service)).all() == []
    finally:
        storage.close()


# --- scans leave services without a URL out ---------------------------------------------------


def _imported(database_url: str, tmp_path: Path, path: Path) -> Storage:
    storage = Storage.open(Settings(data_dir=tmp_path, database_url=database_url))
    with transaction(storage.sessions) as session:
        upsert_services(session, load_service_list(path).specs)
    return storage


def test_scans_skip_services_not_online(database_url: str, tmp_path: Path) -> None:
    storage = _imported(database_url, tmp_path, OPEN_DATA)
    try:
        slugs, not_online = select_services(storage, None)
        assert not_online == ["demarche-4127"] and "demarche-4127" not in slugs
        assert "demarche-4127" not in vigie_app.scheduled_services(storage)["main"]
        with pytest.raises(NothingToScan, match="1 without a start URL"):
            vigie_app.scan_command(storage.settings, None, ["demarche-4127"])
    finally:
        storage.close()


# --- export: the same columns back -------------------------------------------------------------

FINDINGS = [("a11y-declaration", "pass", {"admissible": True, "rate": 100,
                                          "declared_on": "2025-01-01"}),
            ("auth-button", "pass", {"providers": ["franceconnect_plus"], "buttons": []})]


def scan_run(storage: Storage, started: datetime, *, status: str = "completed",
             only: list[str] | None = None) -> int:
    """A run over the imported services that have a URL, built in storage (no browser)."""
    with transaction(storage.sessions) as session:
        run = ScanRun(status=status, started_at=started, finished_at=started)
        session.add(run)
        for service in session.scalars(select(Service).where(Service.start_url.is_not(None))):
            if only is not None and service.slug not in only:
                continue
            scan = ServiceScan(run=run, service=service, status="done", close_reason="completed",
                               finished_at=started)
            session.add(scan)
            session.flush()
            session.add_all(Finding(service_scan_id=scan.id, check_id=check, check_version=1,
                                    outcome=outcome, message="m", data=data)
                            for check, outcome, data in FINDINGS)
        session.flush()
        run_id = run.id
    indicators_runner.compute_indicators(storage, run_id)
    return run_id


@pytest.mark.parametrize(("path", "columns", "ref"), [(OLDER, "vigie", "Ref_Demarche"),
                                                      (OPEN_DATA, "open-data", "ID_Demarche"),
                                                      (GRIST, "grist", "id")])
def test_round_trip(database_url: str, tmp_path: Path, path: Path, columns: str,
                    ref: str) -> None:
    """Import a file, scan, export in the same set: identity columns and untouched values
    come back as they were; Vigie's measured level fills the indicators' columns."""
    storage = _imported(database_url, tmp_path, path)
    try:
        run_id = scan_run(storage, datetime(2026, 8, 1, tzinfo=UTC))
        text = vigie_app.export(storage, "indicators", str(run_id), "csv",
                                columns=columns).text or ""
    finally:
        storage.close()
    reader = csv.DictReader(io.StringIO(text))
    exported = {row[ref]: row for row in reader}
    header, rows = file_rows(path)
    online = [row for row in rows if row["URL_Demarche"]]
    assert sorted(exported) == sorted(row[ref] for row in online)  # not online: not scanned
    assert set(reader.fieldnames or []) >= set(header)
    if columns != "vigie":  # the observatory's own order, the file's extra columns after
        assert list(reader.fieldnames or [])[:len(header)] == header
    for row in online:
        back = exported[row[ref]]
        kept = {c: row[c] for c in header if c not in INDICATOR_COLUMNS[columns]}
        assert {c: back[c] for c in kept} == kept
        assert back["FranceConnect"] == "FranceConnect+"  # measured, not the imported label
    if columns != "vigie":
        handicap = "Prise_en_compte_Handicap" if columns == "open-data" else \
            "Prise_En_Compte_Handicap"
        assert {r[handicap] for r in exported.values()} == {"Oui"}


def test_export_rejects_a_bad_column_set_or_quarter(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("VIGIE_DATABASE_URL", raising=False)
    for args, fragment in [(["--columns", "opendata"], "vigie|open-data|grist"),
                           (["--quarter", "2026-3"], "such as 2026-T3"),
                           (["--quarter", "2026-T5"], "such as 2026-T3")]:
        result = cli.invoke(cli_app, ["export", "indicators", *args, "--out",
                                      str(tmp_path / "x.csv")])
        assert result.exit_code == 2 and fragment in result.stderr, result.output
        assert not (tmp_path / "x.csv").exists()
    result = cli.invoke(cli_app, ["export", "run", "--quarter", "2026-T3"])
    assert result.exit_code == 2 and "vigie export indicators" in result.stderr


def test_quarter_takes_each_services_last_completed_run(database_url: str,
                                                        tmp_path: Path) -> None:
    storage = _imported(database_url, tmp_path, GRIST)
    try:
        july = scan_run(storage, datetime(2026, 7, 3, tzinfo=UTC))
        august = scan_run(storage, datetime(2026, 8, 20, tzinfo=UTC), only=["demarche-17"])
        scan_run(storage, datetime(2026, 9, 2, tzinfo=UTC), status="failed")
        scan_run(storage, datetime(2026, 10, 1, tzinfo=UTC))  # next quarter
        text = vigie_app.export(storage, "indicators", "latest", "csv", columns="grist",
                                quarter="2026-Q3").text or ""
        runs = {r["id"]: r["vigie_run_id"] for r in csv.DictReader(io.StringIO(text))}
        assert runs == {"17": str(august), "42": str(july), "73": str(july)}
        doc = json.loads(vigie_app.export(storage, "indicators", "latest", "json",
                                          quarter="2026-T3").text or "")
        assert (doc["quarter"], doc["runs"], doc["run"]) == ("2026-T3", [july, august], None)
        with pytest.raises(vigie_app.UnknownRun, match="no completed run started in 2026-T1"):
            vigie_app.export(storage, "indicators", "latest", "csv", quarter="2026-T1")
    finally:
        storage.close()


def test_report_lists_services_not_online(tmp_path: Path) -> None:
    storage = _imported("", tmp_path, OPEN_DATA)
    try:
        run_id = scan_run(storage, datetime(2026, 8, 1, tzinfo=UTC))
        with transaction(storage.sessions) as session:  # re-imported since without its URL
            session.scalars(select(Service).where(Service.slug == "demarche-5088")).one(
                ).start_url = None
        index = write_site(storage, run_id, tmp_path / "report")
    finally:
        storage.close()
    html = index.read_text("utf-8")
    assert "Services sans démarche en ligne" in html
    assert "Inscription sur les listes électorales en mairie" in html
    assert "pas de démarche en ligne" in html
    page = (tmp_path / "report" / "services" / "demarche-5088.html").read_text("utf-8")
    assert "aucune aujourd’hui (pas de démarche en ligne)" in page


@pytest.mark.browser
def test_scan_of_a_grist_file_leaves_the_offline_row_out(sites: dict[str, Any],
                                                         browser_choice: Any,
                                                         tmp_path: Path) -> None:
    """End to end, as a user: scan the observatory's file, export it back in its columns."""
    header, rows = file_rows(GRIST)
    rows = [rows[0], rows[2]]  # one online (pointed at a fixture site), one not online
    rows[0]["URL_Demarche"] = f"{sites['basic'].base_url}/"
    path = tmp_path / "grist.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=header, delimiter=";", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    env = {"VIGIE_NAVIGATION_TIMEOUT": "6", "VIGIE_CALL_TIMEOUT": "6", "VIGIE_PAGE_BUDGET": "20",
           "VIGIE_DOWNLOAD_DELAY": "0", "VIGIE_DATA_DIR": str(tmp_path / "data"),
           "VIGIE_DATABASE_URL": ""}
    proc = run_vigie("scan", "--services", str(path), "--allow-private", "--max-pages", "2",
                     env=env)
    assert proc.returncode == 0, proc.stderr
    assert "1 service(s) not scanned, no start URL (pas de démarche en ligne): demarche-58" in \
        " ".join(proc.stdout.split())
    proc = run_vigie("export", "indicators", "--format", "csv", "--columns", "grist", env=env)
    assert proc.returncode == 0, proc.stderr
    got = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(got) == 1, proc.stdout
    [back] = got
    kept = {c: rows[0][c] for c in header if c not in INDICATOR_COLUMNS["grist"]}
    assert {c: back[c] for c in kept} == kept
    assert back["vigie_service_id"] == "demarche-17" and back["vigie_close_reason"]
