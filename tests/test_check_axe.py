"""The `axe` check on saved captures, without a browser."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checks.axe import axe_check, references_from_tags
from checks.inputs import CaptureView, ServiceCaptures, ServiceInfo
from checks.model import Outcome
from checks.registry import get_check
from checks.runner import evaluate
from storage.artifacts import ArtifactStore
from tests import checkkit

FIXTURES = Path(__file__).parent / "fixtures" / "checks" / "axe"


def capture(tmp_path: Path, axe: dict[str, Any] | None, outcome: str = "ok",
            errors: dict[str, Any] | None = None) -> CaptureView:
    store = ArtifactStore(tmp_path)
    return CaptureView(
        id=7, viewport="desktop", page_kind="start", requested_url="http://demo.test/",
        final_url="http://demo.test/", outcome=outcome, http_status=200, error=None,
        title="Accueil", summary={"errors": errors or {}}, timings={},
        tool_versions={"axe-core": "4.14.1"}, screenshot_sha256="ab" * 32, html_sha256=None,
        axe_sha256=store.put_json(axe) if axe is not None else None, collector_sha256=None,
        artifacts=store,
    )


def saved(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.axe.json").read_text(encoding="utf-8"))


def test_one_fail_per_violated_rule_with_references_and_nodes(tmp_path: Path) -> None:
    axe = saved("a11y-faible-home-desktop")
    findings = list(axe_check(capture(tmp_path, axe)))
    fails = {f.data["rule"]: f for f in findings if f.outcome is Outcome.fail}
    assert set(fails) == {v["id"] for v in axe["violations"]}
    image_alt = fails["image-alt"]
    assert image_alt.references == ("RGAA-1.1.1", "WCAG-1.1.1", "axe:image-alt")
    assert image_alt.severity == "critical" and image_alt.page_capture_id == 7
    assert image_alt.data["nodes_count"] == 5 == len(image_alt.evidence)
    assert all(e.snippet and e.snippet.startswith("<img") and e.selector
               for e in image_alt.evidence)
    assert "image-alt" in image_alt.message and "5 éléments" in image_alt.message
    assert fails["color-contrast"].data["rgaa"] == ["3.2.1"]
    assert fails["heading-order"].data["rgaa"] == []  # best practice, no RGAA test


def test_incomplete_results_need_review(tmp_path: Path) -> None:
    findings = list(axe_check(capture(tmp_path, saved("a11y-faible-home-desktop"))))
    review = {f.data["rule"] for f in findings if f.outcome is Outcome.needs_review}
    assert review == {"aria-prohibited-attr", "duplicate-id-aria"}


def test_a_page_without_violation_passes(tmp_path: Path) -> None:
    findings = list(axe_check(capture(tmp_path, saved("clean-page-desktop"))))
    assert [f.outcome for f in findings] == [Outcome.passed]
    assert findings[0].data["rules_passed"] > 10
    assert findings[0].evidence[0].artifact_sha256 == "ab" * 32  # the screenshot


def test_missing_axe_result_is_an_error_never_a_pass(tmp_path: Path) -> None:
    errors = {"axe": {"kind": "timeout", "message": "axe took longer than 20 s"}}
    findings = list(axe_check(capture(tmp_path, None, errors=errors)))
    assert [f.outcome for f in findings] == [Outcome.error]
    assert "20 s" in findings[0].message


def test_failed_capture_gives_no_axe_finding(tmp_path: Path) -> None:
    assert list(axe_check(capture(tmp_path, None, outcome="timeout"))) == []


def test_frame_targets_are_joined() -> None:
    from checks.axe import _selector

    assert _selector(["iframe#pay", "button.ok"]) == "iframe#pay >>> button.ok"


@pytest.mark.parametrize(("tags", "refs"), [
    (["wcag2a", "wcag111", "RGAAv4", "RGAA-1.1.1"], ("RGAA-1.1.1", "WCAG-1.1.1", "axe:r")),
    (["wcag2aa", "wcag1410", "RGAA-10.11.1"], ("RGAA-10.11.1", "WCAG-1.4.10", "axe:r")),
    (["best-practice"], ("axe:r",)),
])
def test_references_from_tags(tags: list[str], refs: tuple[str, ...]) -> None:
    assert references_from_tags("r", tags) == refs


def test_a_crashing_check_gives_an_error_finding(tmp_path: Path) -> None:
    view = capture(tmp_path, {"violations": "not a list"})  # corrupt stored result
    inputs = ServiceCaptures(ServiceInfo("s", "S", "http://demo.test/", None, {}), [view])
    findings = evaluate(get_check("axe"), inputs)
    assert [f.outcome for f in findings] == [Outcome.error]
    assert "axe" in findings[0].message


def test_a_fault_inside_a_frame_names_the_frame(tmp_path: Path) -> None:
    findings = list(axe_check(checkkit.load(ArtifactStore(tmp_path), "axe", "fail-frame")))
    image_alt = next(f for f in findings if f.data.get("rule") == "image-alt")
    assert " >>> " in (image_alt.evidence[0].selector or "")  # iframe, then the node in it


def test_orientation_rule_is_left_to_the_mobile_check(tmp_path: Path) -> None:
    view = checkkit.load(ArtifactStore(tmp_path), "axe", "pass-table")
    assert any(r["id"] == "css-orientation-lock" for r in (view.axe or {})["incomplete"])
    assert all(f.data.get("rule") != "css-orientation-lock" for f in axe_check(view))
