"""What changed for one service since its previous scan: new and fixed findings, levels.

A finding's identity is its check, its rule (``data.rule``) if any, its page and viewport.
Pages on the service's own origin are compared by path and query: a service whose host or
port changed between runs (the demo serves on free ports) keeps its findings' identity.
Only ``fail`` and ``needs_review`` count as findings here; one absent now is « corrigé »; one
present in both runs with another outcome (« à vérifier » → « non conforme ») is « modifié ».
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from reports.site.load import FindingKeyRow, FindingView

COUNTED = ("fail", "needs_review")
Key = tuple[str, str, str, str]


@dataclass(frozen=True)
class ChangedFinding:
    check_id: str
    rule: str
    page: str
    viewport: str
    outcome: str
    message: str
    finding_id: int  # in the current scan for new ones, in the previous scan for fixed ones


@dataclass(frozen=True)
class LevelChange:
    indicator: str  # French title
    before: str
    after: str


@dataclass
class Changes:
    previous_run_id: int | None
    previous_started: str = ""
    new: list[ChangedFinding] = field(default_factory=list)
    fixed: list[ChangedFinding] = field(default_factory=list)
    # (before, now) pairs of the same finding whose outcome changed
    changed: list[tuple[ChangedFinding, ChangedFinding]] = field(default_factory=list)
    levels: list[LevelChange] = field(default_factory=list)


def origin_of(url: str | None) -> str:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def page_key(url: str, origin: str) -> str:
    url = url.split("#", 1)[0]
    if origin and url.startswith(origin):
        rest = url[len(origin):]
        if rest == "" or rest[0] in "/?":
            return rest or "/"
    return url


def _index(findings: Iterable[ChangedFinding], origin: str) -> dict[Key, ChangedFinding]:
    """The counted findings by identity (the first one of each identity kept)."""
    out: dict[Key, ChangedFinding] = {}
    for f in findings:
        if f.outcome in COUNTED:
            out.setdefault((f.check_id, f.rule, page_key(f.page, origin), f.viewport), f)
    return out


def _of_view(f: FindingView) -> ChangedFinding:
    rule = f.data.get("rule")
    return ChangedFinding(f.check_id, str(rule) if rule else "", f.page_url, f.viewport,
                          f.outcome, f.message, f.id)


def _of_row(r: FindingKeyRow) -> ChangedFinding:
    rule = r.data.get("rule")
    return ChangedFinding(r.check_id, str(rule) if rule else "",
                          str(r.data.get("page_url") or r.capture_url or ""),
                          str(r.data.get("viewport") or r.capture_viewport or ""),
                          r.outcome, r.message, r.id)


def compare(current: Iterable[FindingView], current_origin: str,
            previous: Iterable[FindingKeyRow], previous_origin: str) -> tuple[
                list[ChangedFinding], list[ChangedFinding],
                list[tuple[ChangedFinding, ChangedFinding]]]:
    """(new, fixed, changed outcome) findings between the previous scan and this one."""
    now = _index(map(_of_view, current), current_origin)
    before = _index(map(_of_row, previous), previous_origin)
    new = [f for k, f in now.items() if k not in before]
    fixed = [f for k, f in before.items() if k not in now]
    changed = [(before[k], f) for k, f in now.items()
               if k in before and before[k].outcome != f.outcome]
    order = lambda f: (f.check_id, f.rule, f.page, f.viewport)  # noqa: E731
    return (sorted(new, key=order), sorted(fixed, key=order),
            sorted(changed, key=lambda pair: order(pair[1])))


def level_changes(titles: Mapping[str, str], before: Mapping[str, str],
                  after: Mapping[str, str]) -> list[LevelChange]:
    """Indicators whose label differs, in catalogue order (``titles`` is ordered)."""
    return [LevelChange(title, before[slug], after[slug]) for slug, title in titles.items()
            if slug in before and slug in after and before[slug] != after[slug]]
