"""Every indicator is documented with each of its levels, and stored per service scan."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from checks.registry import all_checks
from indicators.registry import (
    COMMON_LEVELS,
    INDICATOR_MODULES,
    IndicatorSpec,
    all_indicators,
)

DOCS = (Path(__file__).resolve().parent.parent / "docs" / "indicators.md").read_text("utf-8")
OBSERVATORY_LABELS = {  # the observatory's own labels, which its table matches exactly
    "handicap": {"Oui", "Partiel", "Non"},
    "dlnuf": {"Optimal", "Partiel", "Faible"},
    "auth": {"FranceConnect", "FranceConnect+"},
}


def _section(slug: str) -> str:
    match = re.search(rf"^## `{re.escape(slug)}`.*?(?=^## |\Z)", DOCS, re.M | re.S)
    assert match, f"docs/indicators.md has no section for indicator {slug!r}"
    return match.group(0)


@pytest.mark.parametrize("spec", all_indicators(), ids=lambda s: s.slug)
def test_indicator_is_documented_with_its_levels(spec: IndicatorSpec) -> None:
    section = _section(spec.slug)
    assert ("(official" in section.splitlines()[0]) == spec.official
    for level in spec.levels:
        assert f"| `{level.code}` | {level.label} |" in section, (spec.slug, level.code)
    known_checks = {c.id for c in all_checks()}
    for check_id in spec.checks:
        assert check_id in known_checks and f"`{check_id}`" in section
    if spec.column:
        assert f"`{spec.column}`" in section


def test_registry_lists_every_module_once_in_report_order() -> None:
    slugs = [s.slug for s in all_indicators()]
    assert slugs == [m.rsplit(".", 1)[1] for m in INDICATOR_MODULES]
    assert len(set(slugs)) == len(slugs)
    official = [s.official for s in all_indicators()]
    assert official == sorted(official, reverse=True)  # the observatory's first


def test_official_levels_use_the_observatory_labels() -> None:
    specs = {s.slug: s for s in all_indicators()}
    for slug, labels in OBSERVATORY_LABELS.items():
        assert {lv.label for lv in specs[slug].levels} == labels
    for level in COMMON_LEVELS:
        assert f"| `{level.code}` | {level.label} |" in DOCS


def test_a_crashing_rule_gives_not_measured_with_one_line() -> None:
    from indicators import runner
    from indicators.model import ScanFindings
    from indicators.registry import get_indicator

    spec = get_indicator("dsfr")

    def boom(_: ScanFindings) -> None:
        raise ValueError("line one\nline two")

    broken = type(spec)(**{**spec.__dict__, "rule": boom})
    result = runner.evaluate(broken, ScanFindings([]))
    assert result.level == "not_measured" and "ValueError" in result.value["error"]
    assert runner.one_line(result.rationale) == "La règle dsfr a échoué : ValueError: line one"
