"""The service registry: YAML/CSV reading, located errors, all-or-nothing import."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from core.settings import Settings
from services import (
    RegistryError,
    RegistryIssue,
    ServiceSpec,
    dump_services_yaml,
    load_services,
    parse_services_yaml,
    upsert_services,
)
from storage.context import Storage
from storage.db import transaction
from storage.models import Service
from tests.conftest import run_vigie
from vigie.cli.services import services_app

runner = CliRunner()

GOOD_YAML = """\
services:
  - id: impots
    name: Impots.gouv
    start_url: https://www.impots.gouv.fr/
    extra_urls: [https://www.impots.gouv.fr/contact]
    ministry: Économie
    administration: DGFiP
    jdma_id: 1234
    declared:
      rgaa_rate: 75
      accessibility_status: partiellement conforme
      declaration_url: https://www.impots.gouv.fr/accessibilite
      franceconnect: true
    extra: {team: dgfip, since: 2024-01-01}
  - id: caf
    name: CAF
    start_url: http://www.caf.fr/
    schedule: weekly
"""

GOOD_SPECS = [
    ServiceSpec(
        slug="impots",
        name="Impots.gouv",
        start_url="https://www.impots.gouv.fr/",
        extra_urls=["https://www.impots.gouv.fr/contact"],
        ministry="Économie",
        administration="DGFiP",
        jdma_id="1234",
        declared={
            "rgaa_rate": 75,
            "accessibility_status": "partiellement conforme",
            "declaration_url": "https://www.impots.gouv.fr/accessibilite",
            "franceconnect": True,
        },
        extra={"team": "dgfip", "since": "2024-01-01"},
    ),
    ServiceSpec(slug="caf", name="CAF", start_url="http://www.caf.fr/", schedule="weekly"),
]

OBSERVATORY_CSV = (
    "\ufeffRef_Demarche;Nom_Demarche;URL_Demarche;Dashlord_ID_JDMA;Nom_Ministere;"
    "Nom_Administration;Taux_RGAA_Publie;FranceConnect;Volumetrie\r\n"
    '12345;"Déclarer ses revenus\r\nen ligne";https://www.impots.gouv.fr/;987;Économie;DGFiP;'
    "75,5 %;Oui;1000000\r\n"
    "AB 7;Allocations;https://www.caf.fr/;;Solidarités;CNAF;;En cours;\r\n"
    "678;Carte grise;https://ants.gouv.fr/;12;Intérieur;ANTS;100;Non;50000\r\n"
)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SQLite database under tmp_path, as `Settings.from_env()` finds it."""
    data = tmp_path / "data"
    monkeypatch.setenv("VIGIE_DATA_DIR", str(data))
    monkeypatch.delenv("VIGIE_DATABASE_URL", raising=False)
    return data


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def db_specs() -> list[ServiceSpec]:
    storage = Storage.open(Settings.from_env(), migrate=False)
    try:
        with storage.sessions() as session:
            rows = session.scalars(select(Service).order_by(Service.slug))
            return [ServiceSpec.from_model(row) for row in rows]
    finally:
        storage.close()


def by_slug(specs: list[ServiceSpec]) -> list[ServiceSpec]:
    return sorted(specs, key=lambda spec: spec.slug)


def invoke(*args: str | Path) -> Result:
    return runner.invoke(services_app, [str(arg) for arg in args])


# --- Bad input: exit 2, every issue located, database untouched -------------------------

# (file name, content, expected issues as (line, field, message fragment))
BAD_CASES: dict[str, tuple[str, str | bytes, list[tuple[int, str, str]]]] = {
    "missing-required": (
        "r.yaml",
        "services:\n  - id: a\n    name: A\n",
        [(2, "start_url", "missing required field")],
    ),
    "malformed-url": (
        "r.yaml",
        "services:\n  - id: a\n    name: A\n    start_url: https//example.fr\n",
        [(4, "start_url", "malformed URL 'https//example.fr'")],
    ),
    "url-without-host": (
        "r.yaml",
        "services:\n  - id: a\n    name: A\n    start_url: 'https://'\n",
        [(4, "start_url", "no host")],
    ),
    "ftp-scheme": (
        "r.yaml",
        "services:\n  - id: a\n    name: A\n    start_url: ftp://example.fr/\n",
        [(4, "start_url", "scheme 'ftp' is not allowed")],
    ),
    "extra-url-scheme": (
        "r.yaml",
        "services:\n  - id: a\n    name: A\n    start_url: https://a.fr\n"
        "    extra_urls:\n      - https://a.fr/ok\n      - javascript:alert(1)\n",
        [(7, "extra_urls[1]", "scheme 'javascript' is not allowed")],
    ),
    "duplicate-id": (
        "r.yaml",
        "services:\n  - id: a\n    name: A\n    start_url: https://a.fr\n"
        "  - id: a\n    name: A bis\n    start_url: https://b.fr\n",
        [(5, "id", "duplicate id 'a': first defined at line 2")],
    ),
    "name-is-a-list": (
        "r.yaml",
        "services:\n  - id: a\n    name: [A, B]\n    start_url: https://a.fr\n",
        [(3, "name", "must be a string, got a list")],
    ),
    "extra-urls-is-a-string": (
        "r.yaml",
        "services:\n  - id: a\n    name: A\n    start_url: https://a.fr\n"
        "    extra_urls: https://a.fr/x\n",
        [(5, "extra_urls", "must be a list of URLs, got a string")],
    ),
    "rate-not-a-number": (
        "r.yaml",
        "services:\n  - id: a\n    name: A\n    start_url: https://a.fr\n"
        "    declared:\n      rgaa_rate: abc\n",
        [(6, "declared.rgaa_rate", "must be a number between 0 and 100, got 'abc'")],
    ),
    "rate-out-of-range": (
        "r.yaml",
        "services:\n  - id: a\n    name: A\n    start_url: https://a.fr\n"
        "    declared:\n      rgaa_rate: 150\n",
        [(6, "declared.rgaa_rate", "between 0 and 100, got 150")],
    ),
    "bad-id-and-jdma": (
        "r.yaml",
        "services:\n  - id: Mon Service\n    name: A\n    start_url: https://a.fr\n"
        "    jdma_id: 12a\n",
        [(2, "id", "not a valid id"), (5, "jdma_id", "must be digits")],
    ),
    "typo-field": (
        "r.yaml",
        "services:\n  - id: a\n    name: A\n    start_ulr: https://a.fr\n",
        [(4, "start_ulr", "unknown field; did you mean 'start_url'?")],
    ),
    "unknown-field": (
        "r.yaml",
        "services:\n  - id: a\n    name: A\n    start_url: https://a.fr\n    colour: blue\n",
        [(5, "colour", "unknown field")],
    ),
    "not-json-in-extra": (
        "r.yaml",
        "services:\n  - id: a\n    name: A\n    start_url: https://a.fr\n"
        "    extra: {blob: !!binary aGk=}\n",
        [(5, "extra", "cannot be stored")],
    ),
    "several-errors-all-reported": (
        "r.yml",
        "services:\n  - id: a\n    name: ''\n    start_url: https://a.fr\n"
        "  - id: b\n    name: B\n    start_url: mailto:x@a.fr\n"
        "  - id: c\n    name: C\n    start_url: https://c.fr\n    extra_urls: [http://]\n",
        [
            (3, "name", "must not be empty"),
            (7, "start_url", "scheme 'mailto' is not allowed"),
            (11, "extra_urls[0]", "no host"),
        ],
    ),
    "empty-yaml": ("r.yaml", "", [(1, "services", "file is empty")]),
    "comments-only-yaml": ("r.yaml", "# services: later\n", [(1, "services", "file is empty")]),
    "no-services": ("r.yaml", "services: []\n", [(1, "services", "no services defined")]),
    "invalid-yaml": (
        "r.yaml",
        "services:\n  - id: a\n\tname: A\n",
        [(3, "yaml", "invalid YAML: found character '\\t'")],
    ),
    "non-utf8-yaml": (
        "r.yaml",
        b"services:\n  - id: a\n    name: Caf\xe9\n    start_url: https://a.fr\n",
        [(3, "encoding", "byte 0xe9 at column 14 is not valid UTF-8")],
    ),
    "csv-typo-columns": (
        "r.csv",
        "id,name,URL_Demarch,Nom_Ministre\na,A,https://a.fr,X\n",
        [
            (1, "URL_Demarch", "unknown column; did you mean 'URL_Demarche'?"),
            (1, "Nom_Ministre", "unknown column; did you mean 'Nom_Ministere'?"),
        ],
    ),
    "csv-missing-id-columns": (
        "r.csv",
        "name,start_url\nA,https://a.fr\n",
        [(1, "id", "missing id column: add 'id', 'Ref_Demarche' or 'ID_Demarche'")],
    ),
    "csv-missing-required-column": (
        "r.csv",
        "Ref_Demarche;URL_Demarche\n1;https://a.fr\n",
        [(1, "name", "missing required column: add 'name', 'Nom_Demarche' or 'Nom_demarche_AT_'")],
    ),
    "csv-row-errors-physical-lines": (
        "r.csv",
        "Ref_Demarche;Nom_Demarche;URL_Demarche;Taux_RGAA_Publie\n"
        '1;"Nom sur\ndeux lignes";https://a.fr;50\n'
        "2;B;www.b.fr;abc\n"
        "3;C;https://c.fr;150 %\n"
        "1;D;https://d.fr;\n",
        [
            (4, "URL_Demarche", "malformed URL 'www.b.fr'"),
            (4, "Taux_RGAA_Publie", "got 'abc'"),
            (5, "Taux_RGAA_Publie", "got '150 %'"),
            (6, "Ref_Demarche", "duplicate id 'demarche-1': first defined at line 2"),
        ],
    ),
    "csv-missing-value": (
        "r.csv",
        "id,name,start_url\na,,https://a.fr\n,B,https://b.fr\n",
        [(2, "name", "must not be empty"), (3, "id", "missing required value")],
    ),
    "csv-too-many-cells": (
        "r.csv",
        "id,name,start_url\na,A,https://a.fr,surprise\n",
        [(2, "row", "4 values but the header has 3 columns")],
    ),
    "bad-schedule": (
        "r.yaml",
        "services:\n  - id: a\n    name: A\n    start_url: https://a.fr\n"
        "    schedule: monthly\n",
        [(5, "schedule", "expected daily, weekly or cron text")],
    ),
    "schedule-weekday-out-of-range": (
        "r.yaml",
        "services:\n  - id: a\n    name: A\n    start_url: https://a.fr\n"
        "    schedule: '0 5 * * 8'\n",
        [(5, "schedule", "'8' is not 0-7 or sun..sat")],
    ),
    "csv-bad-schedule": (
        "r.csv",
        "id,name,start_url,schedule\na,A,https://a.fr/,0 25 * * *\n",
        [(2, "schedule", "higher than the maximum value (23)")],
    ),
    "csv-empty": ("r.csv", "\n", [(1, "services", "file is empty")]),
    "csv-header-only": ("r.csv", "id,name,start_url\n", [(1, "services", "no services")]),
    "non-utf8-csv": (
        "r.csv",
        b"id;name;start_url\na;A;https://a.fr\nb;Sant\xe9;https://b.fr\n",
        [(3, "encoding", "not valid UTF-8")],
    ),
    "wrong-extension": ("r.txt", "services: []\n", [(1, "file", "unsupported file type '.txt'")]),
}


def alias_bomb(levels: int = 9) -> str:
    """« Billion laughs »: each line repeats the previous one nine times (9**9 values)."""
    lines = ['      n0: &n0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"      n{i}: &n{i} [{', '.join([f'*n{i - 1}'] * 9)}]" for i in range(1, levels)]
    return ("services:\n  - id: prefecture-nord\n    name: Préfecture du Nord\n"
            "    start_url: https://www.nord.gouv.fr/\n    extra:\n" + "\n".join(lines) + "\n")


SECRET = "MotDePasse-2024"
LONG_QUERY = "?recherche=" + "d%C3%A9claration-" * 140  # 2,410 characters after the host
# Hostile or broken input: control characters (PostgreSQL refuses NUL), bidirectional controls
# in names and URLs, credentials and overlong URLs, and YAML that costs more than it says.
BAD_CASES.update({
    "yaml-nul-in-name": (
        "r.yaml",
        'services:\n  - id: caf\n    name: "Caisse d’allocations\\0 familiales"\n'
        "    start_url: https://www.caf.fr/\n",
        [(3, "name", "contains the control character U+0000 at character 21 of the value")],
    ),
    "yaml-raw-escape-character": (
        "r.yaml",
        "services:\n  - id: caf\n    name: Caisse d’allocations \x1b[2J familiales\n"
        "    start_url: https://www.caf.fr/\n",
        [(3, "yaml", "the control character U+001B at column 32")],
    ),
    "yaml-c1-in-ministry": (
        "r.yaml",
        "services:\n  - id: caf\n    name: CAF\n    start_url: https://www.caf.fr/\n"
        '    ministry: "Ministère des Solidarités\\x9b31m"\n',
        [(5, "ministry", "the control character U+009B at character 26")],
    ),
    "yaml-del-in-extra": (
        "r.yaml",
        "services:\n  - id: caf\n    name: CAF\n    start_url: https://www.caf.fr/\n"
        '    extra: {équipe: "Pôle\\x7fnumérique"}\n',
        [(5, "extra", "équipe: contains the control character U+007F at character 5")],
    ),
    "yaml-lone-surrogate": (
        "r.yaml",
        "services:\n  - id: caf\n    name: CAF\n    start_url: https://www.caf.fr/\n"
        '    administration: "CNAF \\ud800"\n',
        [(5, "administration", "a lone surrogate U+D800 (broken UTF-16)")],
    ),
    "yaml-bidi-override-in-name": (
        "r.yaml",
        "services:\n  - id: caf\n    name: \"Allocations \u202efdp.exe\"\n"
        "    start_url: https://www.caf.fr/\n",
        [(3, "name", "the bidirectional control U+202E (RLO) at character 13")],
    ),
    "yaml-bidi-isolate-in-url": (
        "r.yaml",
        "services:\n  - id: caf\n    name: CAF\n    start_url: https://www.caf.fr/\u2066aide\n",
        [(4, "start_url", "the bidirectional control U+2066 (LRI)")],
    ),
    "yaml-control-in-field-name": (
        "r.yaml",
        "services:\n  - id: caf\n    name: CAF\n    start_url: https://www.caf.fr/\n"
        '    "nom\\x07": Caisse\n',
        [(5, "field name", "the control character U+0007 at character 4")],
    ),
    "yaml-credentials-in-start-url": (
        "r.yaml",
        "services:\n  - id: intranet-agents\n    name: Portail des agents\n"
        f"    start_url: http://jdupont:{SECRET}@portail.interieur.gouv.fr/\n",
        [(4, "start_url", "URL holds a user name or password (user:password@host)")],
    ),
    "yaml-credentials-in-extra-url": (
        "r.yaml",
        "services:\n  - id: caf\n    name: CAF\n    start_url: https://www.caf.fr/\n"
        f"    extra_urls: [https://www.caf.fr/aide, 'https://agent:{SECRET}@www.caf.fr/x']\n",
        [(5, "extra_urls[1]", "holds a user name or password")],
    ),
    "yaml-user-name-in-declaration-url": (
        "r.yaml",
        "services:\n  - id: caf\n    name: CAF\n    start_url: https://www.caf.fr/\n"
        "    declared:\n      declaration_url: https://admin@www.caf.fr/accessibilite\n",
        [(6, "declared.declaration_url", "holds a user name or password")],
    ),
    "yaml-url-too-long": (
        "r.yaml",
        "services:\n  - id: caf\n    name: CAF\n"
        f"    start_url: https://www.caf.fr/{LONG_QUERY}\n",
        [(4, "start_url", f"URL of {19 + len(LONG_QUERY):,} characters")],
    ),
    "yaml-alias-bomb": ("bomb.yaml", alias_bomb(), [(11, "yaml", "alias *n4 (column 16) brings "
                                                    "the values repeated through aliases past")]),
    "yaml-alias-inside-itself": (
        "r.yaml",
        "services:\n  - id: caf\n    name: CAF\n    start_url: https://www.caf.fr/\n"
        "    extra: &boucle {suite: *boucle}\n",
        [(5, "yaml", "alias *boucle (column 28) is inside the value it names")],
    ),
    "yaml-nested-too-deep": (
        "r.yaml",
        "services:\n  - id: caf\n    name: CAF\n    start_url: https://www.caf.fr/\n"
        f"    extra: {{niveaux: {'[' * 5000}{']' * 5000}}}\n",
        [(5, "yaml", "values nested more than 64 levels deep")],
    ),
    "csv-nul-in-name": (
        "r.csv",
        "Ref_Demarche;Nom_Demarche;URL_Demarche\n"
        "12;Demande d’aide au logement\x00;https://www.caf.fr/\n",
        [(2, "Nom_Demarche", "the control character U+0000 at character 27")],
    ),
    "csv-control-in-kept-column": (
        "r.csv",
        "Ref_Demarche;Nom_Demarche;URL_Demarche;Commentaire\n"
        "12;Aide au logement;https://www.caf.fr/;à revoir\x1b]8;;\n",
        [(2, "Commentaire", "the control character U+001B at character 9")],
    ),
    "csv-control-in-header": (
        "r.csv",
        "Ref_Demarche;Nom_Demarche;URL_Demarche;Obser\x08vations\n12;Aide;https://www.caf.fr/;x\n",
        [(1, "column 4", "the control character U+0008 at character 6")],
    ),
    "csv-credentials-in-url": (
        "r.csv",
        "Ref_Demarche;Nom_Demarche;URL_Demarche\n"
        f"12;Aide au logement;https://caf-agent:{SECRET}@www.caf.fr/\n",
        [(2, "URL_Demarche", "holds a user name or password")],
    ),
    "csv-bidi-in-name": (
        "r.csv",
        "id,name,start_url\ncaf,\u202bCAF,https://www.caf.fr/\n",
        [(2, "name", "the bidirectional control U+202B (RLE) at character 1")],
    ),
})

ISSUE_LINE = re.compile(r"^(?P<file>.+):(?P<line>\d+): (?P<field>[^:]+): (?P<message>.+)$")


def reported_issues(stderr: str, path: Path) -> list[tuple[int, str, str]]:
    issues = []
    for text in stderr.splitlines():
        match = ISSUE_LINE.match(text)
        if match and match["file"] == str(path):
            issues.append((int(match["line"]), match["field"], match["message"]))
    return issues


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_registry_is_rejected_with_located_issues(
    case: str, tmp_path: Path, data_dir: Path
) -> None:
    good = write(tmp_path, "good.yaml", GOOD_YAML)
    assert invoke("import", good).exit_code == 0
    name, content, expected = BAD_CASES[case]
    bad = write(tmp_path, name, content)

    result = invoke("import", bad)

    assert result.exit_code == 2, result.output
    issues = reported_issues(result.stderr, bad)
    assert len(issues) == len(expected), result.stderr
    for (line, field, fragment), (got_line, got_field, message) in zip(
        expected, issues, strict=True
    ):
        assert (got_line, got_field) == (line, field), result.stderr
        assert fragment in message, result.stderr
    assert "nothing imported" in result.stderr
    assert SECRET not in result.output  # a password is never shown back
    assert by_slug(db_specs()) == by_slug(GOOD_SPECS)


def test_missing_file_is_an_issue(tmp_path: Path, data_dir: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = invoke("import", missing)
    assert result.exit_code == 2
    assert f"{missing}:1: file: cannot read" in result.stderr
    assert not data_dir.exists()  # nothing was opened, let alone written


def test_validate_reports_issues_without_touching_the_database(
    tmp_path: Path, data_dir: Path
) -> None:
    bad = write(tmp_path, "r.yaml", BAD_CASES["ftp-scheme"][1])
    result = invoke("validate", bad)
    assert result.exit_code == 2
    assert f"{bad}:4: start_url: URL scheme 'ftp'" in result.stderr
    assert "1 issue in" in result.stderr
    assert not data_dir.exists()


def test_issue_and_error_format() -> None:
    first = RegistryIssue("s.yaml", 3, "name", "must not be empty")
    second = RegistryIssue("s.yaml", 9, "start_url", "no host")
    assert str(first) == "s.yaml:3: name: must not be empty"
    error = RegistryError([first, second])
    assert str(error) == "s.yaml:3: name: must not be empty\ns.yaml:9: start_url: no host"
    assert error.issues == [first, second]


# --- Good input --------------------------------------------------------------------------


def test_validate_counts_services(tmp_path: Path, data_dir: Path) -> None:
    result = invoke("validate", write(tmp_path, "good.yaml", GOOD_YAML))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "2 services OK"


def test_import_yaml(tmp_path: Path, data_dir: Path) -> None:
    result = invoke("import", write(tmp_path, "good.yaml", GOOD_YAML))
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 0 unchanged" in result.stdout
    assert by_slug(db_specs()) == by_slug(GOOD_SPECS)


def test_import_observatory_csv_with_bom_and_semicolons(tmp_path: Path, data_dir: Path) -> None:
    path = write(tmp_path, "observatoire.csv", OBSERVATORY_CSV)
    result = invoke("import", path)
    assert result.exit_code == 0, result.output
    assert "3 created" in result.stdout
    assert by_slug(db_specs()) == [
        ServiceSpec(
            slug="demarche-12345",
            name="Déclarer ses revenus\r\nen ligne",
            start_url="https://www.impots.gouv.fr/",
            ministry="Économie",
            administration="DGFiP",
            jdma_id="987",
            declared={"rgaa_rate": 75.5, "franceconnect_label": "Oui", "franceconnect": True,
                      "as_published": {"Taux_RGAA_Publie": "75,5 %", "FranceConnect": "Oui"}},
            extra={"Ref_Demarche": "12345", "Volumetrie": "1000000"},
        ),
        ServiceSpec(
            slug="demarche-678",
            name="Carte grise",
            start_url="https://ants.gouv.fr/",
            ministry="Intérieur",
            administration="ANTS",
            jdma_id="12",
            declared={"rgaa_rate": 100, "franceconnect_label": "Non", "franceconnect": False,
                      "franceconnect_plus": False,
                      "as_published": {"Taux_RGAA_Publie": "100", "FranceConnect": "Non"}},
            extra={"Ref_Demarche": "678", "Volumetrie": "50000"},
        ),
        ServiceSpec(
            slug="demarche-ab-7",
            name="Allocations",
            start_url="https://www.caf.fr/",
            ministry="Solidarités",
            administration="CNAF",
            # "En cours" is neither yes nor no: the text is kept, no flag is guessed.
            declared={"franceconnect_label": "En cours",
                      "as_published": {"FranceConnect": "En cours"}},
            extra={"Ref_Demarche": "AB 7"},
        ),
    ]


def test_csv_with_vigie_columns(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "r.csv",
        "id,name,start_url,extra_urls,ministry,jdma_id,note\n"
        "a,A,https://a.fr,https://a.fr/x | https://a.fr/y  https://a.fr/z,Culture,42,hello\n",
    )
    assert load_services(path) == [
        ServiceSpec(
            slug="a",
            name="A",
            start_url="https://a.fr",
            extra_urls=["https://a.fr/x", "https://a.fr/y", "https://a.fr/z"],
            ministry="Culture",
            jdma_id="42",
            extra={"note": "hello"},
        )
    ]


def test_reimport_updates_instead_of_duplicating(tmp_path: Path, data_dir: Path) -> None:
    assert invoke("import", write(tmp_path, "v1.yaml", GOOD_YAML)).exit_code == 0
    changed = GOOD_YAML.replace("name: CAF", "name: Caisse d'allocations familiales") + (
        "  - id: ants\n    name: ANTS\n    start_url: https://ants.gouv.fr/\n"
    )
    result = invoke("import", write(tmp_path, "v2.yaml", changed))
    assert result.exit_code == 0, result.output
    assert "1 created, 1 updated, 1 unchanged" in result.stdout
    rows = db_specs()
    assert [spec.slug for spec in rows] == ["ants", "caf", "impots"]
    assert rows[1].name == "Caisse d'allocations familiales"
    assert rows[2] == GOOD_SPECS[0]


def test_import_is_one_transaction(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert invoke("import", write(tmp_path, "good.yaml", GOOD_YAML)).exit_code == 0

    def upsert_then_fail(session: Session, specs: list[ServiceSpec]) -> tuple[int, int]:
        upsert_services(session, specs)
        raise RuntimeError("database went away")

    monkeypatch.setattr("vigie.app.upsert_services", upsert_then_fail)
    changed = GOOD_YAML.replace("name: CAF", "name: Changed") + (
        "  - id: new\n    name: New\n    start_url: https://new.fr/\n"
    )
    result = invoke("import", write(tmp_path, "v2.yaml", changed))
    assert result.exit_code != 0
    assert by_slug(db_specs()) == by_slug(GOOD_SPECS)


def test_upsert_counts_only_real_changes(data_dir: Path) -> None:
    storage = Storage.open(Settings.from_env())
    try:
        with transaction(storage.sessions) as session:
            assert upsert_services(session, GOOD_SPECS) == (2, 0)
        with transaction(storage.sessions) as session:
            assert upsert_services(session, GOOD_SPECS) == (0, 0)
        edited = ServiceSpec(**{**vars(GOOD_SPECS[0]), "declared": {"rgaa_rate": 80}})
        with transaction(storage.sessions) as session:
            assert upsert_services(session, [edited]) == (0, 1)
    finally:
        storage.close()
    assert by_slug(db_specs()) == by_slug([edited, GOOD_SPECS[1]])


def test_list_shows_imported_services(tmp_path: Path, data_dir: Path) -> None:
    assert invoke("import", write(tmp_path, "good.yaml", GOOD_YAML)).exit_code == 0
    result = invoke("list")
    assert result.exit_code == 0, result.output
    for text in ("impots", "Impots.gouv", "caf", "CAF", "Économie"):
        assert text in result.stdout


def test_yaml_dump_round_trips(tmp_path: Path) -> None:
    tricky = [
        *GOOD_SPECS,
        ServiceSpec(
            slug="0123-x",
            name="yes",  # YAML 1.1 would read an unquoted yes as true
            start_url="https://x.fr/?a=1&b=#frag",
            jdma_id="0123",  # and an unquoted 0123 as the octal number 83
            declared={"rgaa_rate": 12.5, "franceconnect": False, "note": "null"},
            extra={"date": "2024-01-01", "nested": {"list": [1, "2", None]}, "é": "ü: x"},
        ),
    ]
    text = dump_services_yaml(tricky)
    assert parse_services_yaml(text) == tricky
    path = write(tmp_path, "dumped.yaml", text)
    assert load_services(path) == tricky


def test_csv_import_dumps_to_equivalent_yaml(tmp_path: Path) -> None:
    specs = load_services(write(tmp_path, "o.csv", OBSERVATORY_CSV))
    assert load_services(write(tmp_path, "o.yaml", dump_services_yaml(specs))) == specs


def test_yaml_keeps_leading_zeros_and_dates_as_text() -> None:
    specs = parse_services_yaml(
        "services:\n  - id: a\n    name: 3919\n    start_url: https://a.fr\n"
        "    jdma_id: 0123\n    extra: {since: 2024-01-01}\n"
    )
    assert (specs[0].name, specs[0].jdma_id, specs[0].extra) == (
        "3919",
        "0123",
        {"since": "2024-01-01"},
    )


# --- Real-world text stays accepted; hostile text is refused through the real CLI -------------

FRENCH_YAML = """\
services:
  - id: aide-logement
    name: "Demande d’aide au logement\u00a0: simulation"   # typographic apostrophe, NBSP
    start_url: https://wwwd.caf.fr/wps/portal/caffr/aidesetservices/lesservicesenligne/
    ministry: &solidarites Ministère des Solidarités et des Familles
    administration: Caisse nationale des allocations familiales (CNAF)
    declared:
      accessibility_status: partiellement conforme
      franceconnect_label: « Oui, via FranceConnect »
    extra:
      note: "Contact\u202f: 3230 (service gratuit + prix d’appel)"   # narrow NBSP
      téléphone: "\u202a+33 9 69 32 52 52\u202c"   # as spreadsheets copy a phone number
  - id: prime-activite
    name: Prime d’activité — Déclaration trimestrielle de ressources
    start_url: https://www.caf.fr/allocataires/aides-et-demarches/droits-et-prestations/
    ministry: *solidarites
"""

FRENCH_CSV = (
    "Ref_Demarche;Nom_Demarche;URL_Demarche;Nom_Ministere;FranceConnect;Commentaire\r\n"
    "2051;\"Demande d’aide au logement\r\n(étudiants)\";https://wwwd.caf.fr/;"
    "Ministère des Solidarités;Oui;\"Délai\u00a0: 2 mois\tà vérifier\"\r\n"
    "2052;Prime d’activité;https://www.caf.fr/;Ministère des Solidarités;Non;"
    "Tél.\u202f: \u202a+33 9 69 32 52 52\u202c\r\n"
)


def test_french_text_is_accepted_as_written(tmp_path: Path) -> None:
    yaml_specs = load_services(write(tmp_path, "caf.yaml", FRENCH_YAML))
    assert [s.name for s in yaml_specs] == [
        "Demande d’aide au logement\u00a0: simulation",
        "Prime d’activité — Déclaration trimestrielle de ressources"]
    assert yaml_specs[1].ministry == yaml_specs[0].ministry  # a scalar alias still works
    assert yaml_specs[0].declared["franceconnect_label"] == "« Oui, via FranceConnect »"
    assert yaml_specs[0].extra == {
        "note": "Contact\u202f: 3230 (service gratuit + prix d’appel)",
        "téléphone": "\u202a+33 9 69 32 52 52\u202c"}
    csv_specs = load_services(write(tmp_path, "caf.csv", FRENCH_CSV))
    assert csv_specs[0].name == "Demande d’aide au logement\r\n(étudiants)"
    assert csv_specs[0].extra["Commentaire"] == "Délai\u00a0: 2 mois\tà vérifier"
    assert csv_specs[1].extra["Commentaire"] == "Tél.\u202f: \u202a+33 9 69 32 52 52\u202c"


def _cli_env(tmp_path: Path, database_url: str = "") -> dict[str, str]:
    return {"VIGIE_DATA_DIR": str(tmp_path / "data"), "VIGIE_DATABASE_URL": database_url}


def _stored(tmp_path: Path, database_url: str = "") -> tuple[list[ServiceSpec], int]:
    """The services and the number of runs in the database the CLI used."""
    from storage.models import ScanRun

    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    storage = Storage.open(settings, migrate=False)
    try:
        with storage.sessions() as session:
            specs = [ServiceSpec.from_model(row)
                     for row in session.scalars(select(Service).order_by(Service.slug))]
            runs = len(session.scalars(select(ScanRun)).all())
    finally:
        storage.close()
    return specs, runs


def test_alias_bomb_is_refused_at_once_with_its_line(tmp_path: Path) -> None:
    bomb = write(tmp_path, "services.yaml", alias_bomb())
    started = time.perf_counter()
    with pytest.raises(RegistryError) as raised:
        load_services(bomb)
    assert time.perf_counter() - started < 0.5  # was 51 s and 4 GB, then a MemoryError
    assert [str(i) for i in raised.value.issues] == [
        f"{bomb}:11: yaml: alias *n4 (column 16) brings the values repeated through aliases "
        "past 100,000: write the values out instead"]

    good = write(tmp_path, "caf.yaml", FRENCH_YAML)
    assert run_vigie("services", "import", str(good), env=_cli_env(tmp_path)).returncode == 0
    result = run_vigie("scan", "--services", str(bomb), env=_cli_env(tmp_path), timeout=60)
    assert result.returncode == 2, result.stderr
    assert f"{bomb}:11: yaml: alias *n4 (column 16)" in result.stderr
    assert "Traceback" not in result.stderr
    specs, runs = _stored(tmp_path)
    assert ([s.slug for s in specs], runs) == (["aide-logement", "prime-activite"], 0)


def test_credentials_in_a_start_url_are_refused_and_never_shown(tmp_path: Path) -> None:
    listing = write(tmp_path, "agents.yaml", FRENCH_YAML + (
        "  - id: portail-agents\n    name: Portail des agents\n"
        f"    start_url: http://jdupont:{SECRET}@portail.interieur.gouv.fr/\n"))
    result = run_vigie("scan", "--services", str(listing), env=_cli_env(tmp_path), timeout=60)
    assert result.returncode == 2, result.stderr
    assert (f"{listing}:19: start_url: URL holds a user name or password (user:password@host)"
            in result.stderr)
    assert SECRET not in result.stdout + result.stderr
    assert not (tmp_path / "data").exists()  # refused before the database was opened

    assert run_vigie("services", "import", str(write(tmp_path, "caf.yaml", FRENCH_YAML)),
                     env=_cli_env(tmp_path)).returncode == 0
    result = run_vigie("services", "import", str(listing), env=_cli_env(tmp_path))
    assert result.returncode == 2 and "nothing imported" in result.stderr
    specs, runs = _stored(tmp_path)
    assert ([s.slug for s in specs], runs) == (["aide-logement", "prime-activite"], 0)


def test_nul_in_a_name_is_refused_before_the_database(tmp_path: Path, database_url: str) -> None:
    """On PostgreSQL, which refuses NUL in text, this was a traceback after « validate: OK »."""
    env = _cli_env(tmp_path, database_url)
    assert run_vigie("services", "import", str(write(tmp_path, "caf.yaml", FRENCH_YAML)),
                     env=env).returncode == 0
    csv_list = write(tmp_path, "observatoire.csv", FRENCH_CSV.replace(
        "Prime d’activité", "Prime d’activité\x00"))
    for command in ("validate", "import"):
        result = run_vigie("services", command, str(csv_list), env=env)
        assert result.returncode == 2, result.stdout + result.stderr
        assert (f"{csv_list}:4: Nom_Demarche: contains the control character U+0000 at "
                "character 17 of the value: remove it") in result.stderr
        assert "Traceback" not in result.stderr
    specs, _ = _stored(tmp_path, database_url)
    assert [s.slug for s in specs] == ["aide-logement", "prime-activite"]
