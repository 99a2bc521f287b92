"""Documentation keeps up with the code: every setting in the README's configuration table, every
export column and every status word in docs/export.md (as datasette does for its settings)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from core.errors import ErrorKind
from core.outcomes import CaptureOutcome, CloseReason, RunStatus
from core.settings import ENVIRONMENT, Settings
from indicators.registry import all_indicators
from reports.compare import SUBJECTS, VERDICTS
from reports.compare_export import COMPARE_COLUMNS
from reports.export import TABLES
from reports.indicators_export import IDENTITY_COLUMNS, PER_INDICATOR, RUN_COLUMNS, set_columns
from services.columns import COLUMN_SETS
from vigie.app import ExitCode

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXPORT_DOC = (ROOT / "docs" / "export.md").read_text(encoding="utf-8")


def _section(text: str, heading: str) -> str:
    match = re.search(rf"^#+ {re.escape(heading)}.*?(?=^#+ |\Z)", text, re.M | re.S)
    assert match, f"no section {heading!r}"
    return match.group(0)


def _config_rows() -> dict[str, str]:
    """README configuration table: setting name -> its row."""
    table = _section(README, "Configuration")
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[1].startswith("`"):
            rows[cells[1].strip("`")] = line
    return rows


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(Settings)])
def test_every_setting_is_in_the_readme_table(name: str) -> None:
    rows = _config_rows()
    assert name in rows, f"setting {name!r} is missing from README.md's configuration table"
    variable = ENVIRONMENT.get(name)
    if variable:
        assert f"`VIGIE_{variable}`" in rows[name], f"{name}: its variable VIGIE_{variable}"
    else:
        assert rows[name].lstrip("| ").startswith("—"), f"{name} has no environment variable"


def test_the_readme_lists_no_setting_that_does_not_exist() -> None:
    fields = {f.name for f in dataclasses.fields(Settings)}
    assert set(_config_rows()) <= fields


@pytest.mark.parametrize(("table", "heading"), [("services", "`services`"),
                                                ("captures", "`captures`"),
                                                ("findings", "`findings`")])
def test_every_export_column_is_documented(table: str, heading: str) -> None:
    section = _section(EXPORT_DOC, heading)
    for column in TABLES[table]:
        assert f"`{column}`" in section, f"column {column!r} of {table} not in docs/export.md"


def test_every_indicators_export_column_is_documented() -> None:
    section = _section(EXPORT_DOC, "Indicators export")
    columns = [*IDENTITY_COLUMNS, *RUN_COLUMNS,
               *(s.column for s in all_indicators() if s.column),
               *(f"<slug>_{part}" for part in PER_INDICATOR)]
    for column in columns:
        assert f"`{column}`" in section, f"indicators export column {column!r} not documented"


@pytest.mark.parametrize("column_set", list(COLUMN_SETS))
def test_every_column_of_every_set_is_documented(column_set: str) -> None:
    """The export's `--columns` names (docs/export.md) and the import's (docs/services.md)."""
    export = _section(EXPORT_DOC, "Indicators export")
    services = (ROOT / "docs" / "services.md").read_text(encoding="utf-8")
    for column in set_columns(COLUMN_SETS[column_set], all_indicators()):
        assert f"`{column}`" in export, f"{column_set} column {column!r} not in docs/export.md"
    for column in COLUMN_SETS[column_set].columns:
        assert f"`{column}`" in services, f"{column!r} not in docs/services.md"
def test_every_compare_column_key_and_verdict_is_documented() -> None:
    section = _section(EXPORT_DOC, "Published vs measured")
    for word in (*COMPARE_COLUMNS, *VERDICTS, *(s.key for s in SUBJECTS),
                 *(s.indicator for s in SUBJECTS)):
        assert f"`{word}`" in section, f"compare export: {word!r} not documented"
    rules = _section((ROOT / "docs" / "report.md").read_text(encoding="utf-8"),
                     "Published vs measured")
    for subject in SUBJECTS:
        assert f"`{subject.key}`" in rules, f"no rule for {subject.key!r} in docs/report.md"


@pytest.mark.parametrize("word", [*RunStatus, *CloseReason, *CaptureOutcome, *ErrorKind],
                         ids=str)
def test_every_status_word_is_documented(word: str) -> None:
    assert f"`{word}`" in EXPORT_DOC, f"{word!r} is not explained in docs/export.md"


@pytest.mark.parametrize("code", list(ExitCode), ids=lambda c: c.name)
def test_every_exit_code_is_in_the_readme(code: ExitCode) -> None:
    table = _section(README, "Exit codes")
    assert re.search(rf"^\| {code.value} \|", table, re.M), f"exit code {code.value}"
