"""Every registered check is complete: documented, with its data keys, in docs/checks.md, and
with saved fixtures whose expected outcomes (``expected.yaml``) cover passing and failing cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from checks.registry import CheckSpec, all_checks, check
from tests.checkkit import FIXTURES
from tests.expectations import FILE_NAME, load_cases

TESTS = Path(__file__).resolve().parent
DOCS = (TESTS.parent / "docs" / "checks.md").read_text(encoding="utf-8")
MIN_PASSING = 3  # expected cases with outcome `pass`
MIN_FAILING = 3  # expected cases with outcome `fail` or `needs_review`


def _section(check_id: str) -> str:
    match = re.search(rf"^## `{re.escape(check_id)}`.*?(?=^## |\Z)", DOCS, re.M | re.S)
    assert match, f"docs/checks.md has no section for check {check_id!r}"
    return match.group(0)


@pytest.mark.parametrize("spec", all_checks(), ids=lambda s: s.id)
def test_check_is_documented_with_its_data_keys(spec: CheckSpec) -> None:
    section = _section(spec.id)
    assert spec.title and spec.version >= 1 and spec.data_keys
    for key in spec.data_keys:
        assert f"| `{key}` |" in section, f"data key {key!r} of {spec.id} is not documented"
    for ref in spec.references:
        assert f"`{ref}`" in section, f"reference {ref!r} of {spec.id} is not documented"


@pytest.mark.parametrize("spec", all_checks(), ids=lambda s: s.id)
def test_check_has_expected_outcomes(spec: CheckSpec) -> None:
    outcomes = [case.outcome for case in load_cases(spec.id)]
    where = f"{spec.id}: tests/fixtures/checks/{spec.id}/{FILE_NAME}"
    passing = outcomes.count("pass")
    failing = outcomes.count("fail") + outcomes.count("needs_review")
    assert passing >= MIN_PASSING, f"{where} has {passing} passing cases, {MIN_PASSING} needed"
    assert failing >= MIN_FAILING, \
        f"{where} has {failing} fail or needs_review cases, {MIN_FAILING} needed"


@pytest.mark.parametrize("test_file", sorted(p for p in TESTS.glob("test_check_*.py")
                                              if p.name != Path(__file__).name),
                         ids=lambda p: p.name)
def test_check_tests_run_without_a_browser(test_file: Path) -> None:
    # A check's module of finer tests is optional (its expected.yaml is required); where there
    # is one, it runs on saved captures like the generic test.
    source = test_file.read_text(encoding="utf-8")
    assert "pytest.mark.browser" not in source, f"{test_file.name} must run without a browser"


@pytest.mark.parametrize("spec", all_checks(), ids=lambda s: s.id)
def test_every_saved_capture_has_an_expectation(spec: CheckSpec) -> None:
    folder = FIXTURES / spec.id
    used = {name for case in load_cases(spec.id) for name in case.capture_names}
    saved = {p.name.removesuffix(".capture.json") for p in folder.glob("*.capture.json")}
    orphans = sorted(saved - used)
    assert not orphans, f"{spec.id}: no case in {FILE_NAME} uses " + \
        ", ".join(f"{n}.capture.json" for n in orphans)
    # A fixture page is only seen by the checks once make_captures.py has saved it.
    pages = {p.name.removesuffix(".html") for p in folder.glob("*.html")}
    unsaved = sorted(pages - saved)
    assert not unsaved, f"{spec.id}: run tests/fixtures/make_captures.py {spec.id} for " + \
        ", ".join(f"{n}.html" for n in unsaved)


def test_every_fixture_folder_is_a_registered_check() -> None:
    ids = {spec.id for spec in all_checks()}
    folders = {p.name for p in FIXTURES.iterdir() if p.is_dir()}
    assert folders <= ids, f"fixture folders without a check: {sorted(folders - ids)}"


def test_ids_must_be_kebab_case() -> None:
    with pytest.raises(ValueError, match="kebab-case"):
        check("Bad_Id", version=1, title="x", scope="page", data_keys={"a": "b"})
