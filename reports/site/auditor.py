"""The auditor's view of one service: what the accessibility declaration claims beside the
RGAA tests that automated checks invalidated, and the flags an auditor looks at first.

:func:`compare_non_conformities` sets the declaration's own list of non-conformities (read by
``a11y-declaration``, by criterion and by theme) against the criteria axe-core invalidated:
criteria admitted, criteria invalidated but not admitted (« non-conformités non déclarées »),
and themes admitted that no automated test says anything about."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from checks.a11y_declaration.check import CHECK_ID as DECLARATION_CHECK
from checks.a11y_declaration.criteria import THEMES, criterion_of, theme_of
from checks.a11y_declaration.rules import EXPIRY_YEARS, reason_fr  # the check's own words
from checks.axe import CHECK_ID as AXE_CHECK
from reports.site import labels
from reports.site.load import FindingView, ServiceRow


@dataclass
class RgaaGroup:
    """One RGAA test invalidated by axe-core on a service, with the findings behind it."""

    test: str
    rules: list[str]
    pages: list[tuple[str, str]]  # (page URL, viewport in French), sorted, distinct
    nodes: int
    findings: list[FindingView]

    @property
    def by_rule(self) -> list[tuple[str, dict[str, object], list[FindingView]]]:
        """(rule, data of its first finding, findings): one block per axe rule in the page."""
        rules: dict[str, list[FindingView]] = defaultdict(list)
        for f in self.findings:
            rules[str(f.data.get("rule") or "")].append(f)
        return [(rule, items[0].data, sorted(items, key=lambda f: (f.page_url, f.viewport)))
                for rule, items in sorted(rules.items())]


@dataclass(frozen=True)
class Flag:
    code: str  # contradicted, expired, inconsistent, missing
    title: str
    detail: str


@dataclass(frozen=True)
class CriterionLine:
    """One RGAA criterion: what the declaration says of it, what automated tests found in it."""

    criterion: str
    theme: str
    text: str = ""  # the declaration's line; empty when it does not list the criterion
    tests: tuple[str, ...] = ()  # RGAA tests of the criterion axe-core invalidated
    rules: tuple[str, ...] = ()  # the axe-core rules behind them


@dataclass
class Comparison:
    """The declaration's non-conformities beside the criteria automated tests invalidated."""

    read: bool = False  # a declaration was examined by a check version that reads its list
    older: bool = False  # a declaration was examined, by a check version that did not read it
    listed: bool = False  # the declaration lists non-conformities (by criterion, theme or text)
    admitted: list[CriterionLine] = field(default_factory=list)
    undeclared: list[CriterionLine] = field(default_factory=list)  # neither it nor its theme
    by_theme: list[CriterionLine] = field(default_factory=list)  # invalidated, theme admitted
    themes_unchecked: list[tuple[str, str]] = field(default_factory=list)  # (theme, its text)


@dataclass
class AuditorRow:
    service: ServiceRow
    declared_level: str = ""
    rate: str = ""
    date: str = ""
    declaration_url: str = ""
    mention: str = ""
    registry_rate: str = ""
    registry_status: str = ""
    outcome: str = ""  # of the a11y-declaration finding; empty when there is none
    finding_id: int | None = None
    invalidated: list[RgaaGroup] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    comparison: Comparison = field(default_factory=Comparison)


def group_by_rgaa(findings: Iterable[FindingView]) -> list[RgaaGroup]:
    """axe violations (check ``axe``, outcome ``fail``) by RGAA test; rules mapped to none are
    kept under « hors RGAA » (best practices)."""
    groups: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"rules": set(), "pages": set(), "nodes": 0, "findings": []})
    for f in findings:
        if f.check_id != AXE_CHECK or f.outcome != "fail":
            continue
        for test in f.data.get("rgaa") or ["hors RGAA"]:
            g = groups[str(test)]
            g["rules"].add(str(f.data.get("rule") or ""))
            g["pages"].add((f.page_url, f.viewport_fr))
            g["nodes"] += int(f.data.get("nodes_count") or 0)
            g["findings"].append(f)
    return [RgaaGroup(test, sorted(g["rules"]), sorted(g["pages"]), g["nodes"], g["findings"])
            for test, g in sorted(groups.items(), key=lambda kv: labels.rgaa_sort_key(kv[0]))]


def _invalidated_criteria(groups: list[RgaaGroup]) -> dict[str, tuple[list[str], set[str]]]:
    """criterion → (its invalidated tests, their axe rules)."""
    out: dict[str, tuple[list[str], set[str]]] = {}
    for g in groups:
        criterion = criterion_of(g.test)
        if criterion is None:
            continue
        tests, rules = out.setdefault(criterion, ([], set()))
        tests.append(g.test)
        rules.update(g.rules)
    return out


def compare_non_conformities(data: dict[str, Any], groups: list[RgaaGroup]) -> Comparison:
    """The declaration's list (finding ``data``) against the invalidated RGAA tests."""
    if data.get("admissible") is None:
        return Comparison()  # no declaration examined
    if "non_conformity_criteria" not in data:
        return Comparison(older=True)  # a finding of a check version that did not read it
    invalidated = _invalidated_criteria(groups)
    declared: dict[str, str] = {}
    for item in data.get("non_conformity_criteria") or []:
        criterion = criterion_of(str(item.get("criterion") or "")) if isinstance(
            item, dict) else None
        if criterion:
            declared.setdefault(criterion, str(item.get("text") or ""))
    names = {name: number for number, (name, _) in THEMES.items()}
    themes: dict[int, str] = {}
    for item in data.get("non_conformity_themes") or []:
        number = names.get(str(item.get("theme") or "")) if isinstance(item, dict) else None
        if number is not None:
            themes.setdefault(number, str(item.get("text") or ""))

    def line(criterion: str, text: str = "") -> CriterionLine:
        tests, rules = invalidated.get(criterion, ([], set()))
        return CriterionLine(criterion, THEMES[theme_of(criterion)][0], text,
                             tuple(sorted(tests, key=labels.rgaa_sort_key)), tuple(sorted(rules)))

    order = labels.rgaa_sort_key
    out = Comparison(read=True, listed=bool(data.get("non_conformities") or declared or themes))
    out.admitted = [line(c, declared[c]) for c in sorted(declared, key=order)]
    for criterion in sorted(invalidated, key=order):
        if criterion in declared:
            continue
        (out.by_theme if theme_of(criterion) in themes else out.undeclared).append(line(criterion))
    evidenced = {theme_of(c) for c in invalidated}
    out.themes_unchecked = [(THEMES[n][0], text) for n, text in sorted(themes.items())
                            if n not in evidenced]
    return out


def _number(value: object) -> float | None:
    try:
        return float(str(value))
    except ValueError:
        return None


def auditor_row(service: ServiceRow, findings: list[FindingView],
                rgaa: list[RgaaGroup]) -> AuditorRow:
    # The groups are kept without their findings: the auditor page lists tests and pages only,
    # and these rows stay in memory until every service page is written.
    row = AuditorRow(service, invalidated=[replace(g, findings=[]) for g in rgaa
                                           if g.test != "hors RGAA"])
    declared = service.declared
    row.registry_rate = labels.rate_fr(declared.get("rgaa_rate"))
    row.registry_status = str(declared.get("accessibility_status") or "")
    decl = next((f for f in findings if f.check_id == DECLARATION_CHECK), None)
    data: dict[str, Any] = decl.data if decl else {}
    if decl is not None:
        row.outcome, row.finding_id = decl.outcome, decl.id
    level = data.get("declared_level")
    row.declared_level = labels.DECLARED_LEVEL_FR.get(str(level), str(level or ""))
    row.rate = labels.rate_fr(data.get("rate"))
    dated = data.get("updated_on") or data.get("declared_on") or data.get("audit_date")
    row.date = labels.iso_date_fr(dated)
    row.declaration_url = str(data.get("declaration_url") or declared.get("declaration_url")
                              or "")
    mention = data.get("mention")
    row.mention = labels.DECLARED_LEVEL_FR.get(str(mention), str(mention or ""))

    # « Totalement conforme » (or 100 %) while automated tests invalidate RGAA tests.
    rates = [_number(v) for v in (data.get("rate"), declared.get("rgaa_rate")) if v is not None]
    claims_full = (level == "totalement" or mention == "totalement"
                   or any(r is not None and r >= 100 for r in rates)
                   or "totalement" in row.registry_status.lower())
    if claims_full and row.invalidated:
        tests = ", ".join(g.test for g in row.invalidated)
        row.flags.append(Flag("contradicted", "Conformité totale contredite",
                              f"Le service se déclare totalement conforme (100 %), mais les "
                              f"tests automatiques invalident {len(row.invalidated)} test(s) "
                              f"RGAA : {tests}."))
    reasons = list(data.get("admissibility_reasons") or [])
    if "expired" in reasons:
        row.flags.append(Flag("expired", "Déclaration expirée",
                              f"La déclaration date de plus de {EXPIRY_YEARS} ans ("
                              + (row.date or "date inconnue") + ")."))
    if data.get("consistent") is False:
        issues = "; ".join(str(i) for i in data.get("consistency_issues") or [])
        row.flags.append(Flag("inconsistent", "Mention en désaccord avec le taux",
                              issues or "Le taux, le niveau déclaré et la mention ne "
                              "concordent pas."))
    if decl is not None and data.get("admissible") is None and decl.outcome == "fail":
        row.flags.append(Flag("missing", "Déclaration absente",
                              "Aucune déclaration d’accessibilité ni lien vers elle sur les "
                              "pages visitées."))
    row.comparison = compare_non_conformities(data, rgaa)
    if row.comparison.undeclared:
        listed = ", ".join(c.criterion for c in row.comparison.undeclared)
        row.flags.append(Flag("undeclared", "Non-conformités non déclarées",
                              f"Les tests automatiques invalident {len(row.comparison.undeclared)}"
                              f" critère(s) RGAA que la déclaration n’admet ni par critère ni "
                              f"par thème : {listed}."))
    other = [r for r in reasons if r != "expired"]
    if data.get("admissible") is False and other:
        row.flags.append(Flag("not_admissible", "Déclaration non recevable",
                              ", ".join(reason_fr(r) for r in other).capitalize()
                              + "."))
    return row
