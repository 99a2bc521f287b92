"""Every registered check is complete: documented, with its data keys, in docs/checks.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from checks.registry import all_checks, check

TESTS = Path(__file__).resolve().parent
DOCS = (TESTS.parent / "docs" / "checks.md").read_text(encoding="utf-8")
MIN_FIXTURES = 6  # at least three pass and three fail cases


def _section(check_id: str) -> str:
    match = re.search(rf"^## `{re.escape(check_id)}`.*?(?=^## |\Z)", DOCS, re.M | re.S)
    assert match, f"docs/checks.md has no section for check {check_id!r}"
    return match.group(0)


@pytest.mark.parametrize("spec", all_checks(), ids=lambda s: s.id)
def test_check_is_documented_with_its_data_keys(spec) -> None:  # type: ignore[no-untyped-def]
    section = _section(spec.id)
    assert spec.title and spec.version >= 1 and spec.data_keys
    for key in spec.data_keys:
        assert f"| `{key}` |" in section, f"data key {key!r} of {spec.id} is not documented"
    for ref in spec.references:
        assert f"`{ref}`" in section, f"reference {ref!r} of {spec.id} is not documented"


@pytest.mark.parametrize("spec", all_checks(), ids=lambda s: s.id)
def test_check_has_saved_fixtures_and_browser_free_tests(spec) -> None:  # type: ignore[no-untyped-def]
    fixtures = sorted((TESTS / "fixtures" / "checks" / spec.id).glob("*.json"))
    assert len(fixtures) >= MIN_FIXTURES, f"{spec.id}: {len(fixtures)} saved fixtures"
    # checks/x.py, or a package checks/x/ (check in checks/x/check.py): tested by test_check_x.py
    module = spec.func.__module__.removeprefix("checks.").split(".")[0]
    test_file = TESTS / f"test_check_{module}.py"
    assert test_file.exists(), f"{spec.id} has no {test_file.name}"
    source = test_file.read_text(encoding="utf-8")
    assert "pytest.mark.browser" not in source, f"{test_file.name} must run without a browser"


def test_ids_must_be_kebab_case() -> None:
    with pytest.raises(ValueError, match="kebab-case"):
        check("Bad_Id", version=1, title="x", scope="page", data_keys={"a": "b"})
