"""``axe``: axe-core's results on each capture, as findings with RGAA and WCAG references.

One finding per violated rule per capture (``fail``), one per incomplete rule
(``needs_review``: axe could not decide, a person must look), and one ``pass`` for a capture
where axe found no violation. A capture whose axe run failed gets an ``error`` finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from checks.inputs import CaptureView
from checks.model import Evidence, Finding, Outcome
from checks.registry import check
from core.capture import AxeRule

MAX_NODES_AS_EVIDENCE = 50
# Rules the crawler turns on beyond axe's defaults for another check, which judges them
# (css-orientation-lock: "cannot be determined" on any page whose CSS axe cannot read).
JUDGED_ELSEWHERE = {"css-orientation-lock": "mobile"}
_WCAG_SC = re.compile(r"^wcag(\d)(\d)(\d+)$")


def references_from_tags(rule_id: str, tags: list[str]) -> tuple[str, ...]:
    """``RGAA-x.y.z`` tags as they are, ``wcag111`` as ``WCAG-1.1.1``, plus ``axe:<rule>``."""
    rgaa = [t for t in tags if t.startswith("RGAA-")]
    wcag = []
    for tag in tags:
        m = _WCAG_SC.match(tag)
        if m:
            wcag.append(f"WCAG-{m.group(1)}.{m.group(2)}.{m.group(3)}")
    return (*rgaa, *wcag, f"axe:{rule_id}")


def _selector(target: Any) -> str:
    # A target is a list of selectors, one per frame or shadow root on the way to the node.
    if isinstance(target, list):
        return " >>> ".join(_selector(t) for t in target)
    return str(target)


def _finding(capture: CaptureView, rule: AxeRule, result_type: str,
             axe_version: str | None) -> Finding:
    nodes = rule.get("nodes", [])
    tags = list(rule.get("tags", []))
    refs = references_from_tags(rule["id"], tags)
    rgaa = [r.removeprefix("RGAA-") for r in refs if r.startswith("RGAA-")]
    failing = result_type == "violation"
    where = f"{len(nodes)} élément{'s' if len(nodes) > 1 else ''}"
    if failing:
        message = f"{rule.get('help', rule['id'])} ({where} en échec, règle axe {rule['id']})"
    else:
        message = (f"À vérifier manuellement : {rule.get('help', rule['id'])} "
                   f"({where}, règle axe {rule['id']})")
    return Finding(
        outcome=Outcome.fail if failing else Outcome.needs_review,
        severity=rule.get("impact"),
        message=message,
        references=refs,
        page_capture_id=capture.id,
        data={
            "rule": rule["id"],
            "result_type": result_type,
            "impact": rule.get("impact"),
            "help": rule.get("help"),
            "help_url": rule.get("helpUrl"),
            "tags": tags,
            "rgaa": rgaa,
            "wcag": [r.removeprefix("WCAG-") for r in refs if r.startswith("WCAG-")],
            "nodes_count": len(nodes),
            "page_url": capture.url,
            "viewport": capture.viewport,
            "axe_version": axe_version,
        },
        evidence=[
            Evidence(
                kind="node",
                url=capture.url,
                selector=_selector(node.get("target", [])),
                snippet=node.get("html"),
                extra={"impact": node.get("impact"),
                       "failure_summary": node.get("failureSummary")},
            )
            for node in nodes[:MAX_NODES_AS_EVIDENCE]
        ],
    )


CHECK_ID = "axe"


@check(
    CHECK_ID,
    version=1,
    title="Tests automatiques axe-core (RGAA, WCAG)",
    scope="page",
    references=("RGAAv4", "WCAG-2.1"),
    data_keys={
        "rule": "axe-core rule id (e.g. image-alt)",
        "result_type": "violation or incomplete (axe could not decide); absent on pass/error",
        "impact": "axe impact: minor, moderate, serious or critical",
        "help": "axe's one-line description of the rule (French locale)",
        "help_url": "axe's documentation URL for the rule",
        "tags": "all axe tags of the rule",
        "rgaa": "RGAA 4 tests the rule maps to (e.g. 1.1.1), from the RGAA-x.y.z tags",
        "wcag": "WCAG success criteria the rule maps to (e.g. 1.1.1)",
        "nodes_count": "number of elements concerned (evidence keeps the first 50)",
        "page_url": "final URL of the captured page",
        "viewport": "desktop or mobile",
        "axe_version": "axe-core version that produced the result",
        "rules_passed": "on a pass finding: number of rules axe found satisfied",
        "error": "on an error finding: why axe gave no result",
    },
)
def axe_check(capture: CaptureView) -> Iterator[Finding]:
    if capture.outcome != "ok":
        return  # no page to judge: the capture's own outcome says why
    result = capture.axe
    axe_version = capture.tool_versions.get("axe-core")
    if not result:
        errors = capture.summary.get("errors") or {}
        reason = errors.get("axe") or errors.get("axe_inject")
        message = reason.get("message") if reason else None
        yield Finding(
            outcome=Outcome.error, page_capture_id=capture.id,
            message="axe-core n’a pas pu analyser cette page : "
                    f"{'raison inconnue' if message is None else message}",
            data={"error": message, "page_url": capture.url,
                  "viewport": capture.viewport, "axe_version": axe_version},
            evidence=[Evidence(kind="url", url=capture.url)],
        )
        return
    violations = [r for r in result.get("violations", []) if r["id"] not in JUDGED_ELSEWHERE]
    incomplete = [r for r in result.get("incomplete", []) if r["id"] not in JUDGED_ELSEWHERE]
    for rule in violations:
        yield _finding(capture, rule, "violation", axe_version)
    for rule in incomplete:
        yield _finding(capture, rule, "incomplete", axe_version)
    if not violations:
        yield Finding(
            outcome=Outcome.passed, page_capture_id=capture.id,
            message="axe-core ne détecte aucune violation sur cette page "
                    "(les tests automatiques ne couvrent qu’une partie du RGAA)",
            data={"rules_passed": len(result.get("passes", [])), "page_url": capture.url,
                  "viewport": capture.viewport, "axe_version": axe_version},
            evidence=[Evidence(kind="screenshot", url=capture.url,
                               artifact_sha256=capture.screenshot_sha256)],
        )
