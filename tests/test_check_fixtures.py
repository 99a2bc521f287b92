"""Every registered check gives, on its saved fixtures, the outcomes its ``expected.yaml`` says.

Browser-free: the checks read saved captures (``tests/fixtures/checks/<check-id>/``); the
expectation format is in ``tests/fixtures/checks/README.md``.
"""

from __future__ import annotations

import pytest

from checks.registry import all_checks, get_check
from checks.runner import evaluate
from storage.artifacts import ArtifactStore
from tests.expectations import Case, all_cases, mismatches

CASES = all_cases([spec.id for spec in all_checks()])


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.check_id}/{c.name}")
def test_check_gives_the_expected_outcome(store: ArtifactStore, case: Case) -> None:
    spec = get_check(case.check_id)
    findings = evaluate(spec, case.inputs(store))  # as `vigie recheck` runs it
    problems = mismatches(case, findings, spec.scope)
    if problems:
        pytest.fail(f"{case.label}:\n  " + "\n  ".join(problems), pytrace=False)
    keys = set(spec.data_keys)
    assert all(set(f.data) <= keys for f in findings), f"{case.label}: undocumented data key"
