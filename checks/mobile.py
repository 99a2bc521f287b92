"""``mobile``: is each page usable on a phone? Viewport meta, zoom, reflow at 320 px, orientation.

One finding per ok mobile capture (desktop captures are not judged here). It reads the
``<meta name="viewport">`` the collector found in the DOM (markup quoted in ``<pre>``/``<code>``
is not an element and never counts), the document widths the crawler measured with the viewport
narrowed to 320 CSS px (``summary["narrow"]``), and axe-core's ``meta-viewport`` and
``css-orientation-lock`` results. The mobile screenshot is kept as evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from checks.inputs import CaptureView
from checks.model import Evidence, Finding, Outcome
from checks.registry import check
from core.capture import AxeResult
from core.text import normalise_text

# Rounding of fractional layout widths gives a pixel or two of scroll width: not a real
# horizontal scroll. Anything wider means content a user must scroll sideways to read.
OVERFLOW_TOLERANCE_PX = 5
MIN_MAXIMUM_SCALE = 2.0  # WCAG 1.4.4: text must zoom to 200 % (same threshold as axe)
AXE_RULES = ("meta-viewport", "meta-viewport-large", "css-orientation-lock")
MAX_NODES_AS_EVIDENCE = 10

REFLOW = ("RGAA-10.11.1", "WCAG-1.4.10")
ZOOM = ("RGAA-10.4.2", "WCAG-1.4.4")
ORIENTATION = ("RGAA-13.9.1", "WCAG-1.3.4")
_NUMBER = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+))")
_ZOOM_KEYWORDS = {"yes": 1.0, "no": 0.0, "device-width": 10.0, "device-height": 10.0}
_META_TAG = re.compile(r"<meta\b[^<>]*\bname\s*=\s*[\"']?viewport\b[^<>]*>", re.I)


def parse_viewport(content: str) -> dict[str, str]:
    """``width=device-width, initial-scale=1`` as {"width": "device-width", ...}."""
    out = {}
    for part in re.split(r"[,;]", normalise_text(content)):
        key, _, value = part.partition("=")
        if key.strip():
            out[key.strip()] = value.strip()
    return out


def _number(value: str | None) -> float | None:
    # Browsers read the leading number, as parseFloat does ("1.0px" is 1).
    match = _NUMBER.match(value or "")
    return float(match.group(1)) if match else None


def _zoom_value(value: str | None) -> float | None:
    """A viewport zoom value as Chromium reads it: keywords first, then the leading number."""
    return _ZOOM_KEYWORDS.get(value or "", _number(value))


def zoom_blocked(directives: dict[str, str]) -> bool:
    """Zoom forbidden, as Chromium (Android) applies the viewport meta."""
    if "user-scalable" in directives:
        scalable = _zoom_value(directives["user-scalable"])
        # Chromium reads anything that is not yes, device-* or a number >= 1 as "no".
        if scalable is None or abs(scalable) < 1:
            return True
    maximum = _zoom_value(directives.get("maximum-scale"))
    return maximum is not None and maximum < MIN_MAXIMUM_SCALE


def axe_statuses(axe: AxeResult | None) -> dict[str, Any]:
    """Per rule of AXE_RULES: (status, rule result) with status violation, incomplete, pass,
    inapplicable, or not_run (axe has no result for it, e.g. an experimental rule)."""
    out: dict[str, Any] = {rule: ("not_run", None) for rule in AXE_RULES}
    if not isinstance(axe, dict):
        return out
    for status, items in (("inapplicable", axe.get("inapplicable")), ("pass", axe.get("passes")),
                          ("incomplete", axe.get("incomplete")),
                          ("violation", axe.get("violations"))):
        for item in items or []:
            rule = item.get("id") if isinstance(item, dict) else item
            if rule in out:
                out[rule] = (status, item if isinstance(item, dict) else None)
    return out


def _meta_snippet(capture: CaptureView, content: str) -> str:
    match = _META_TAG.search(capture.html or "")
    return match.group(0)[:500] if match else f'<meta name="viewport" content="{content}">'


def _axe_evidence(capture: CaptureView, rule: str, result: dict[str, Any]) -> list[Evidence]:
    return [Evidence(kind="node", url=capture.url, selector=" ".join(map(str, n.get("target", []))),
                     snippet=n.get("html"), extra={"axe_rule": rule,
                                                   "failure_summary": n.get("failureSummary")})
            for n in (result.get("nodes") or [])[:MAX_NODES_AS_EVIDENCE]]


def _no_collector(capture: CaptureView) -> Finding:
    return Finding(
        outcome=Outcome.needs_review, page_capture_id=capture.id,
        message="Les données de la page n’ont pas pu être relevées : l’affichage mobile reste "
                "à vérifier.",
        data={"viewport_meta": None, "zoom_blocked": None, "overflow_px_at_320": None,
              "page_url": capture.url, "problems": [], "to_review": ["no_collector"]},
        evidence=[Evidence(kind="url", url=capture.url),
                  Evidence(kind="screenshot", url=capture.url,
                           artifact_sha256=capture.screenshot_sha256)],
    )


@check(
    "mobile",
    version=1,
    title="Affichage sur mobile (viewport, zoom, défilement horizontal, orientation)",
    scope="page",
    references=(*REFLOW, *ZOOM, *ORIENTATION),
    data_keys={
        "viewport_meta": "content of the page's <meta name=viewport>, None when absent",
        "zoom_blocked": "True when the viewport meta forbids zooming as Chromium reads it "
                        "(user-scalable other than yes, device-width or a number >= 1; "
                        "maximum-scale below 2, yes meaning 1) or axe's meta-viewport rule "
                        "is violated",
        "overflow_px_at_320": "horizontal scroll width in CSS px beyond the window at 320 CSS "
                              "px (document scrollWidth - clientWidth); None when not measured",
        "maximum_scale": "maximum-scale of the viewport meta as a number, None when absent",
        "user_scalable": "user-scalable value of the viewport meta, None when absent",
        "orientation_locked": "True when axe's css-orientation-lock rule is violated, None "
                              "when axe did not run that rule",
        "axe_rules": "status of axe rules meta-viewport, meta-viewport-large and "
                     "css-orientation-lock: violation, incomplete, pass, inapplicable, not_run",
        "overflow_tolerance_px": "widths up to this many px beyond the window are rounding, "
                                 "not a horizontal scroll",
        "page_url": "final URL of the captured page",
        "problems": "codes of what fails: no_viewport_meta, zoom_blocked, overflow, "
                    "orientation_locked",
        "to_review": "codes of what a person must check: not_measured, axe_incomplete:<rule>, "
                     "no_collector",
    },
)
def mobile_check(capture: CaptureView) -> Iterator[Finding]:
    if capture.viewport != "mobile" or capture.outcome != "ok":
        return  # desktop pages are not judged here; a failed capture's outcome says why
    collector = capture.collector
    if not isinstance(collector, dict):
        yield _no_collector(capture)
        return
    content = collector.get("viewport_meta")
    content = content if isinstance(content, str) else None
    directives = parse_viewport(content) if content is not None else {}
    axe = axe_statuses(capture.axe)
    blocked = zoom_blocked(directives) or axe["meta-viewport"][0] == "violation"
    narrow = (capture.summary or {}).get("narrow")
    narrow = narrow if isinstance(narrow, dict) else {}
    overflow = narrow.get("overflow_px")
    overflow = overflow if isinstance(overflow, int | float) else None
    orientation = {"violation": True, "pass": False, "inapplicable": False}.get(
        axe["css-orientation-lock"][0])

    problems: list[str] = []
    refs: list[str] = []
    evidence = [Evidence(kind="screenshot", url=capture.url,
                         artifact_sha256=capture.screenshot_sha256)]
    if content is None:
        problems.append("no_viewport_meta")
        refs += REFLOW
    else:
        evidence.append(Evidence(kind="node", url=capture.url, selector='meta[name="viewport"]',
                                 snippet=_meta_snippet(capture, content)))
    if blocked:
        problems.append("zoom_blocked")
        refs += ZOOM
    if overflow is not None and overflow > OVERFLOW_TOLERANCE_PX:
        problems.append("overflow")
        refs += REFLOW
        evidence.append(Evidence(
            kind="text", url=capture.url,
            snippet=f"À 320 px de large, le document mesure {narrow.get('document_scroll')} px"
                    f" (défilement horizontal de {overflow:g} px)",
            extra={"narrow": narrow}))
    if orientation:
        problems.append("orientation_locked")
        refs += ORIENTATION
    to_review = [] if overflow is not None else ["not_measured"]
    for rule, (status, result) in axe.items():
        if rule == "meta-viewport-large":
            continue  # best practice (zoom to 500 %), beyond WCAG: reported in data only
        if status == "incomplete":
            to_review.append(f"axe_incomplete:{rule}")
        if status in ("violation", "incomplete") and result:
            evidence += _axe_evidence(capture, rule, result)

    if problems:
        outcome = Outcome.fail
    elif to_review:
        outcome = Outcome.needs_review
    else:
        outcome = Outcome.passed
    yield Finding(
        outcome=outcome,
        severity="serious" if problems else None,
        message=_message(problems, to_review, content, directives, overflow),
        references=tuple(dict.fromkeys(refs)) if refs else (*REFLOW, *ZOOM),
        page_capture_id=capture.id,
        data={
            "viewport_meta": content,
            "zoom_blocked": blocked,
            "overflow_px_at_320": overflow,
            "maximum_scale": _zoom_value(directives.get("maximum-scale")),
            "user_scalable": directives.get("user-scalable"),
            "orientation_locked": orientation,
            "axe_rules": {rule: status for rule, (status, _) in axe.items()},
            "overflow_tolerance_px": OVERFLOW_TOLERANCE_PX,
            "page_url": capture.url,
            "problems": problems,
            "to_review": to_review,
        },
        evidence=evidence,
    )


def _message(problems: list[str], to_review: list[str], content: str | None,
             directives: dict[str, str], overflow: float | None) -> str:
    parts = []
    if "no_viewport_meta" in problems:
        parts.append("aucune balise meta viewport : la page s’affiche en réduction, comme sur "
                     "un ordinateur")
    if "zoom_blocked" in problems:
        blocking = ", ".join(f"{k}={directives[k]}" for k in ("user-scalable", "maximum-scale")
                             if k in directives)
        parts.append(f"le zoom est bloqué ({blocking or 'règle axe meta-viewport'})")
    if "overflow" in problems:
        parts.append(f"défilement horizontal de {overflow:g} px à 320 px de large")
    if "orientation_locked" in problems:
        parts.append("l’affichage est verrouillé dans une orientation")
    if parts:
        return "Affichage mobile non adapté : " + " ; ".join(parts) + "."
    if to_review:
        why = ("la largeur à 320 px n’a pas pu être mesurée" if "not_measured" in to_review
               else "axe-core n’a pas pu conclure sur la balise viewport ou l’orientation")
        return f"Affichage mobile à vérifier : {why}."
    return (f"Affichage mobile adapté : balise viewport « {content} » sans blocage du zoom, "
            f"pas de défilement horizontal à 320 px de large.")
