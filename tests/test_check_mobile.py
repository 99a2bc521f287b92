"""The `mobile` check on saved mobile captures of fixture pages, without a browser."""

from __future__ import annotations

import json
from typing import Any

import pytest

from checks.inputs import CaptureView
from checks.mobile import OVERFLOW_TOLERANCE_PX, mobile_check, parse_viewport, zoom_blocked
from checks.model import Finding, Outcome
from checks.registry import get_check
from checks.runner import evaluate
from storage.artifacts import ArtifactStore
from tests import checkkit

FOLDER = checkkit.FIXTURES / "mobile"


def saved(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FOLDER / f"{name}.mobile.capture.json").read_text())
    return data


def judge_capture(capture: CaptureView) -> Finding:
    findings = list(mobile_check(capture))
    assert len(findings) == 1  # one finding per mobile capture
    assert findings[0].page_capture_id == capture.id
    return findings[0]


def judge(store: ArtifactStore, name: str, **changes: Any) -> Finding:
    return judge_capture(checkkit.view(store, {**saved(name), **changes}))


@pytest.mark.parametrize("name", [
    "responsive",         # width=device-width, initial-scale=1
    "max-scale-2",        # maximum-scale=2 still allows 200 % (axe's best practice objects)
    "wide-table-scroll",  # wide table and <pre> inside overflow:auto: the page does not scroll
    "quoted-viewport",    # quotes a blocking viewport meta in <pre><code>: must not count
])
def test_responsive_pages_pass(store: ArtifactStore, name: str) -> None:
    finding = judge(store, name)
    assert finding.outcome is Outcome.passed, finding.message
    assert finding.data["zoom_blocked"] is False
    assert finding.data["overflow_px_at_320"] == 0
    assert finding.data["viewport_meta"].startswith("width=device-width, initial-scale=1")
    assert finding.data["problems"] == [] and finding.data["to_review"] == []


def test_the_mobile_screenshot_and_the_meta_tag_are_evidence(store: ArtifactStore) -> None:
    capture = checkkit.view(store, saved("quoted-viewport"))
    finding = judge_capture(capture)
    shot = [e for e in finding.evidence if e.kind == "screenshot"]
    assert [e.artifact_sha256 for e in shot] == [capture.screenshot_sha256]
    meta = next(e for e in finding.evidence if e.selector == 'meta[name="viewport"]')
    # The real tag from the HTML, not the blocking one quoted as code on the page.
    assert meta.snippet == '<meta name="viewport" content="width=device-width, initial-scale=1">'


@pytest.mark.parametrize(("name", "blocking"), [
    ("user-scalable-no", "user-scalable=no"),
    ("maximum-scale-1", "maximum-scale=1.0"),
])
def test_blocked_zoom_fails(store: ArtifactStore, name: str, blocking: str) -> None:
    finding = judge(store, name)
    assert finding.outcome is Outcome.fail
    assert finding.data["zoom_blocked"] is True and finding.data["problems"] == ["zoom_blocked"]
    assert finding.references == ("RGAA-10.4.2", "WCAG-1.4.4")
    assert blocking in finding.message and "zoom" in finding.message
    assert finding.data["axe_rules"]["meta-viewport"] == "violation"
    axe_nodes = [e for e in finding.evidence if e.extra.get("axe_rule") == "meta-viewport"]
    assert axe_nodes and axe_nodes[0].snippet and blocking in axe_nodes[0].snippet


def test_missing_viewport_meta_fails(store: ArtifactStore) -> None:
    finding = judge(store, "no-viewport-meta")
    assert finding.outcome is Outcome.fail
    assert finding.data["viewport_meta"] is None
    assert finding.data["problems"] == ["no_viewport_meta"]
    assert "RGAA-10.11.1" in finding.references and "WCAG-1.4.10" in finding.references


def test_fixed_width_layout_scrolls_horizontally_at_320(store: ArtifactStore) -> None:
    finding = judge(store, "fixed-layout")
    assert finding.outcome is Outcome.fail
    assert finding.data["overflow_px_at_320"] == 1096  # 1416 px document in a 320 px window
    assert finding.data["problems"] == ["overflow"]
    assert finding.references == ("RGAA-10.11.1", "WCAG-1.4.10")
    assert "1096 px" in finding.message
    measure = next(e for e in finding.evidence if e.kind == "text")
    assert measure.snippet and "1416 px" in measure.snippet


def _orientation_violation() -> dict[str, Any]:
    # What axe-core 4.14.1 returns for orientation-lock.mobile.html when its experimental
    # css-orientation-lock rule is enabled (the crawler's default run leaves it out).
    data: dict[str, Any] = json.loads(
        (FOLDER / "css-orientation-lock.axe-violation.json").read_text())
    return data


def test_orientation_lock_reported_by_axe_fails(store: ArtifactStore) -> None:
    data = saved("responsive")
    axe = {**data["axe"], "violations": [*data["axe"]["violations"], _orientation_violation()]}
    finding = judge(store, "responsive", axe=axe)
    assert finding.outcome is Outcome.fail
    assert finding.data["orientation_locked"] is True
    assert finding.data["problems"] == ["orientation_locked"]
    assert finding.references == ("RGAA-13.9.1", "WCAG-1.3.4")
    node = next(e for e in finding.evidence if e.extra.get("axe_rule") == "css-orientation-lock")
    assert node.snippet == '<html lang="fr">' and node.selector == "html"


@pytest.mark.parametrize(("overflow", "outcome"), [
    (1, Outcome.passed),
    (OVERFLOW_TOLERANCE_PX, Outcome.passed),
    (OVERFLOW_TOLERANCE_PX + 1, Outcome.fail),
])
def test_a_few_pixels_of_overflow_are_tolerated(store: ArtifactStore, overflow: int,
                                                outcome: Outcome) -> None:
    data = saved("responsive")
    narrow = {**data["summary"]["narrow"], "overflow_px": overflow,
              "document_scroll": 320 + overflow}
    finding = judge(store, "responsive", summary={**data["summary"], "narrow": narrow})
    assert finding.outcome is outcome
    assert finding.data["overflow_px_at_320"] == overflow


def test_missing_narrow_measure_needs_review(store: ArtifactStore) -> None:
    errors = {"narrow": {"kind": "timeout", "message": "narrow took longer than 20 s"}}
    finding = judge(store, "responsive", summary={"narrow": None, "errors": errors})
    assert finding.outcome is Outcome.needs_review
    assert finding.data["overflow_px_at_320"] is None
    assert finding.data["to_review"] == ["not_measured"]


def test_axe_incomplete_on_viewport_needs_review(store: ArtifactStore) -> None:
    data = saved("responsive")
    incomplete = {"id": "meta-viewport", "nodes": [{"target": ["meta"], "html": "<meta>"}]}
    axe = {**data["axe"], "incomplete": [incomplete],
           "passes": [p for p in data["axe"]["passes"] if p != "meta-viewport"]}
    finding = judge(store, "responsive", axe=axe)
    assert finding.outcome is Outcome.needs_review
    assert finding.data["to_review"] == ["axe_incomplete:meta-viewport"]


def test_only_ok_mobile_captures_are_judged(store: ArtifactStore) -> None:
    assert list(mobile_check(checkkit.view(store, {**saved("fixed-layout"),
                                                   "viewport": "desktop"}))) == []
    assert list(mobile_check(checkkit.view(store, {**saved("fixed-layout"),
                                                   "outcome": "timeout"}))) == []


def test_capture_without_collector_needs_review(store: ArtifactStore) -> None:
    finding = judge(store, "fixed-layout", collector=None)
    assert finding.outcome is Outcome.needs_review
    assert finding.data["to_review"] == ["no_collector"]
    assert any(e.kind == "screenshot" for e in finding.evidence)


def test_odd_values_do_not_crash(store: ArtifactStore) -> None:
    data = saved("responsive")
    capture = checkkit.view(store, {**data, "collector": {**data["collector"],
                                                          "viewport_meta": 12},
                                    "summary": {"narrow": "n/a"}, "axe": {"violations": None}})
    findings = evaluate(get_check("mobile"), checkkit.service([capture]))
    assert [f.outcome for f in findings] == [Outcome.fail]  # no usable viewport meta
    assert findings[0].data["problems"] == ["no_viewport_meta"]


@pytest.mark.parametrize(("content", "blocked"), [
    ("width=device-width, initial-scale=1", False),
    ("width=device-width, user-scalable=0", True),
    ("width=device-width;user-scalable=NO", True),
    ("width=device-width,\u00a0MAXIMUM-SCALE = 1", True),  # case and no-break space folded
    ("width=device-width, user-scalable=yes", False),
    ("width=device-width, maximum-scale=1.5", True),
    ("width=device-width, maximum-scale=2.0", False),
    ("width=device-width, maximum-scale=5, user-scalable=no", True),
    ("initial-scale=1, maximum-scale=yes", True),  # Chromium reads "yes" as 1
    ("initial-scale=1, maximum-scale=device-width", False),  # … and device-width as 10
    ("width=device-width, user-scalable=false", True),  # not a number: Chromium reads 0
    ("width=device-width, user-scalable=1", False),
])
def test_zoom_blocking_directives(content: str, blocked: bool) -> None:
    assert zoom_blocked(parse_viewport(content)) is blocked


def test_registration() -> None:
    spec = get_check("mobile")
    assert spec.scope == "page" and spec.version == 1
    assert {"viewport_meta", "zoom_blocked", "overflow_px_at_320"} <= set(spec.data_keys)
