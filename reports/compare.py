"""Published vs measured: what the observatory publishes about a service (``declared``) set
against what Vigie measured in one scan (its indicator levels and the findings behind them).

Pure: it reads a service's ``declared`` mapping, its indicator levels and its findings, so the
report site (``reports.site``) and ``vigie export compare`` give the same answer. Every rule is
stated in docs/report.md (« Publié / mesuré »). The fairness rule: a comparison is
``not_comparable`` whenever Vigie holds no fact to set against the published value (indicator
« Non mesuré », the check in error, the fact not read, a published value with no measurable
counterpart); a ``disagreement`` always names the findings it rests on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from checks.a11y_declaration.check import CHECK_ID as DECLARATION_CHECK
from checks.a11y_declaration.rules import EXPIRY_YEARS, is_expired
from checks.axe import CHECK_ID as AXE_CHECK
from indicators.auth import CHECK as AUTH_CHECK
from indicators.model import NEEDS_REVIEW, NOT_MEASURED
from indicators.satisfaction import CHECK as JDMA_CHECK
from reports.site.labels import as_number, number_fr, rgaa_sort_key

AGREEMENT = "agreement"
DISAGREEMENT = "disagreement"
NOT_COMPARABLE = "not_comparable"
VERDICTS = (AGREEMENT, DISAGREEMENT, NOT_COMPARABLE)
VERDICT_FR = {AGREEMENT: "Concordant", DISAGREEMENT: "Discordant",
              NOT_COMPARABLE: "Non comparable"}
# A published availability rate at or above this announces a service that is almost always
# up: one failed visit then contradicts it; below it, one visit cannot judge the rate.
AVAILABILITY_CLAIM = 95.0
RATE_TOLERANCE = 1.0  # percentage points: published 75 (from 0,75) vs a declaration's 75,4 %
LEVEL_FR = {"oui": "Oui", "partiel": "Partiel", "non": "Non", "non_concerne": "Non concerné"}
ONLINE_FR = {"oui": "En ligne", "partiel": "Partiellement en ligne", "non": "Pas en ligne"}


class Observed(Protocol):
    """The part of a stored finding a comparison reads (FindingRef, the report's FindingView)."""

    @property
    def id(self) -> int: ...
    @property
    def check_id(self) -> str: ...
    @property
    def outcome(self) -> str: ...
    @property
    def data(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Finding:
    """A finding read from an export document (``storage.exports.load_run``)."""

    id: int
    check_id: str
    outcome: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class Measured:
    """Vigie's level of one indicator in the scan."""

    level: str
    label: str
    rationale: str
    finding_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Comparison:
    key: str  # the ``declared`` key compared (docs/services.md)
    indicator: str  # the Vigie indicator it is set against
    verdict: str  # agreement, disagreement, not_comparable
    published_value: Any  # as stored in ``declared``
    published_label: str  # French, as the report shows it
    measured_level: str  # the indicator's level code; "" when Vigie has none
    measured_label: str
    explanation: str  # one line, French
    finding_ids: tuple[int, ...]

    @property
    def verdict_fr(self) -> str:
        return VERDICT_FR[self.verdict]


@dataclass(frozen=True)
class Scan:
    """One service scan as a rule reads it."""

    declared: Mapping[str, Any]
    measured: Mapping[str, Measured]
    findings: Sequence[Observed]

    def one(self, check_id: str) -> Observed | None:
        """The finding of a service-scope check, None when missing or in error."""
        found = next((f for f in self.findings if f.check_id == check_id), None)
        return None if found is None or found.outcome == "error" else found

    def rgaa_violations(self) -> list[Observed]:
        """axe-core violations mapped to RGAA tests (best-practice rules left out)."""
        return [f for f in self.findings
                if f.check_id == AXE_CHECK and f.outcome == "fail" and f.data.get("rgaa")]


Verdict = tuple[str, str, Iterable[int]]  # verdict, explanation, finding ids
Rule = Callable[[Any, Scan], Verdict]


@dataclass(frozen=True)
class Subject:
    """One published value and the rule that sets it against Vigie's measure."""

    key: str
    indicator: str
    title: str  # French
    read: Callable[[Mapping[str, Any]], Any]  # the published value, None when not published
    label: Callable[[Mapping[str, Any], Any], str]
    rule: Rule


# -- formatting ------------------------------------------------------------------------------


def date_fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _iso_day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _pages(finding: Observed) -> int:
    return len(finding.data.get("pages_searched") or [])


def _ids(*findings: Observed | None) -> list[int]:
    return [f.id for f in findings if f is not None]


def _tests(violations: list[Observed]) -> str:
    tests = sorted({str(t) for f in violations for t in f.data.get("rgaa") or []},
                   key=rgaa_sort_key)
    shown = ", ".join(tests[:5]) + (" …" if len(tests) > 5 else "")
    return f"{len(tests)} test(s) RGAA ({shown})"


def _unread(decl: Observed) -> str | None:
    """Why no declaration was read, when none was (``admissible`` null)."""
    if decl.data.get("admissible") is not None:
        return None
    if decl.outcome == "fail":
        return "aucune déclaration d’accessibilité sur les pages visitées, ni de lien vers elle"
    return "la déclaration d’accessibilité n’a pas pu être examinée"


def _level(scan: Scan, indicator: str) -> Measured | Verdict:
    """Vigie's level, or the « not comparable » verdict when it has none to set against the
    published value (« Non mesuré », « À vérifier »)."""
    m = scan.measured.get(indicator)
    if m is None:
        return NOT_COMPARABLE, "Vigie n’a pas de niveau pour cet indicateur dans ce passage.", ()
    if m.level in (NOT_MEASURED, NEEDS_REVIEW):
        word = "Non mesuré" if m.level == NOT_MEASURED else "À vérifier"
        return NOT_COMPARABLE, f"{word} par Vigie : {m.rationale}", m.finding_ids
    return m


# -- the rules -------------------------------------------------------------------------------


def handicap_rule(published: str, scan: Scan) -> Verdict:
    label = LEVEL_FR[published]
    if published == "non_concerne":
        return NOT_COMPARABLE, "Publié « Non concerné » : aucun niveau à mesurer.", ()
    axe = scan.rgaa_violations()
    if published == "oui" and axe:
        return (DISAGREEMENT, f"Publié « Oui » (100 %), mais axe-core invalide {_tests(axe)} "
                "sur les pages visitées.", _ids(scan.one(DECLARATION_CHECK), *axe))
    m = _level(scan, "handicap")
    if not isinstance(m, Measured):
        return m
    own = m.finding_ids
    if m.level == published:
        return AGREEMENT, f"Publié « {label} », mesuré « {m.label} » : {m.rationale}", own
    return DISAGREEMENT, f"Publié « {label} », mais mesuré « {m.label} » : {m.rationale}", own


def rgaa_rate_rule(published: float, scan: Scan) -> Verdict:
    decl = scan.one(DECLARATION_CHECK)
    axe = scan.rgaa_violations()
    shown = number_fr(published)
    if published >= 100 and axe:
        return (DISAGREEMENT, f"Taux publié 100 %, mais axe-core invalide {_tests(axe)} sur "
                "les pages visitées.", _ids(decl, *axe))
    if decl is None:
        return NOT_COMPARABLE, "La déclaration d’accessibilité n’a pas été examinée.", ()
    rate = as_number(decl.data.get("rate"))
    if rate is None:
        why = _unread(decl) or "aucun taux global lu dans la déclaration"
        return NOT_COMPARABLE, f"Taux publié {shown} % ; {why}.", [decl.id]
    if abs(rate - published) < RATE_TOLERANCE:
        return (AGREEMENT, f"Taux publié {shown} %, la déclaration annonce {number_fr(rate)} %.",
                [decl.id])
    return (DISAGREEMENT, f"Taux publié {shown} %, mais la déclaration lue par Vigie annonce "
            f"{number_fr(rate)} %.", [decl.id])


def declaration_date_rule(published: date, scan: Scan) -> Verdict:
    decl = scan.one(DECLARATION_CHECK)
    if decl is None:
        return NOT_COMPARABLE, "La déclaration d’accessibilité n’a pas été examinée.", ()
    d = decl.data
    own = [day for day in (_iso_day(d.get(k)) for k in ("declared_on", "updated_on")) if day]
    read = max(own) if own else _iso_day(d.get("audit_date"))  # the date the check judges
    if read is None:
        why = _unread(decl) or "aucune date lue dans la déclaration"
        return NOT_COMPARABLE, f"Date publiée {date_fr(published)} ; {why}.", [decl.id]
    judged_on = _iso_day(d.get("reference_date"))
    read_expired = "expired" in (d.get("admissibility_reasons") or [])
    published_expired = scan.declared.get("declaration_freshness") == "perimee" or bool(
        judged_on and is_expired(published, judged_on))
    when = f" au {date_fr(judged_on)}" if judged_on else ""
    if read_expired and not published_expired:
        return (DISAGREEMENT, f"Publiée valide ({date_fr(published)}), mais la déclaration lue "
                f"par Vigie date du {date_fr(read)} : plus de {EXPIRY_YEARS} ans{when}.",
                [decl.id])
    if published_expired and not read_expired:
        return (DISAGREEMENT, f"Publiée périmée ({date_fr(published)}), mais la déclaration "
                f"lue par Vigie date du {date_fr(read)} : moins de {EXPIRY_YEARS} ans{when}.",
                [decl.id])
    dates = {_iso_day(d.get(k)) for k in ("declared_on", "updated_on", "audit_date")}
    if published in dates or (read_expired and published_expired):
        state = "périmée" if read_expired else "valide"
        return (AGREEMENT, f"Publiée {state} ({date_fr(published)}), la déclaration lue par "
                f"Vigie date du {date_fr(read)}.", [decl.id])
    return (DISAGREEMENT, f"Date publiée {date_fr(published)}, mais la déclaration lue par "
            f"Vigie est datée du {date_fr(read)}.", [decl.id])


def franceconnect_rule(published: str, scan: Scan) -> Verdict:
    found = scan.one(AUTH_CHECK)
    if found is None or not _pages(found):
        return (NOT_COMPARABLE, "Aucune page n’a pu être examinée pour un bouton "
                "FranceConnect.", _ids(found))
    providers = set(found.data.get("providers") or [])
    buttons = [b for b in found.data.get("buttons") or [] if isinstance(b, dict)]

    def where(provider: str) -> str:
        pages = [b.get("page_url") for b in buttons if b.get("provider") == provider]
        return f" sur {pages[0]}" if pages and pages[0] else ""

    visited = f"sur les {_pages(found)} page(s) publiques visitées"
    plus, plain = "franceconnect_plus" in providers, "franceconnect" in providers
    ids = [found.id]
    if published == "non":
        if plus or plain:
            name = "FranceConnect+" if plus else "FranceConnect"
            return (DISAGREEMENT, f"Publié sans FranceConnect, mais un bouton {name} a été "
                    f"trouvé{where('franceconnect_plus' if plus else 'franceconnect')}.", ids)
        return AGREEMENT, f"Publié sans FranceConnect ; aucun bouton FranceConnect {visited}.", ids
    if published == "franceconnect_plus":
        if plus:
            return AGREEMENT, f"Bouton FranceConnect+ trouvé{where('franceconnect_plus')}.", ids
        if plain:
            return (DISAGREEMENT, "Publié FranceConnect+, mais seul un bouton FranceConnect "
                    f"(sans « + ») a été trouvé{where('franceconnect')}.", ids)
        return (DISAGREEMENT, f"Publié FranceConnect+, mais aucun bouton FranceConnect {visited}.",
                ids)
    if plus or plain:
        name = "franceconnect" if plain else "franceconnect_plus"
        return AGREEMENT, f"Bouton FranceConnect trouvé{where(name)}.", ids
    return DISAGREEMENT, f"Publié « Oui », mais aucun bouton FranceConnect {visited}.", ids


def online_rule(published: str, scan: Scan) -> Verdict:
    m = _level(scan, "online")
    if not isinstance(m, Measured):
        return m
    label = ONLINE_FR[published]
    if m.level == "unreachable":
        if published == "non":
            return AGREEMENT, f"Publié « {label} » ; {m.rationale}", m.finding_ids
        return DISAGREEMENT, f"Publié « {label} », mais {_lower(m.rationale)}", m.finding_ids
    if published == "non":
        return DISAGREEMENT, f"Publié « {label} », mais {_lower(m.rationale)}", m.finding_ids
    return AGREEMENT, f"Publié « {label} » ; {_lower(m.rationale)}", m.finding_ids


def availability_rule(published: float, scan: Scan) -> Verdict:
    m = _level(scan, "availability")
    if not isinstance(m, Measured):
        return m
    shown = f"Taux de disponibilité publié {number_fr(published)} %"
    if m.level != "unavailable":
        return (AGREEMENT, f"{shown} ; la page de départ répondait lors du passage de Vigie.",
                m.finding_ids)
    if published < AVAILABILITY_CLAIM:
        return (NOT_COMPARABLE, f"{shown} : une indisponibilité lors d’un seul passage ne le "
                "contredit pas.", m.finding_ids)
    return (DISAGREEMENT, f"{shown}, mais la page de départ était indisponible lors du passage "
            f"de Vigie : {m.rationale}", m.finding_ids)


def satisfaction_rule(published: float, scan: Scan) -> Verdict:
    found = scan.one(JDMA_CHECK)
    if found is None or not _pages(found):
        return (NOT_COMPARABLE, "Aucune page n’a pu être examinée pour le bouton JDMA.",
                _ids(found))
    shown = f"Note de satisfaction publiée ({number_fr(published)}/10)"
    d = found.data
    page = f" sur {d['page_url']}" if d.get("page_url") else ""
    if not d.get("present"):
        return (DISAGREEMENT, f"{shown}, mais aucun bouton « Je donne mon avis » sur les "
                f"{_pages(found)} page(s) visitées.", [found.id])
    if found.outcome == "fail":
        return (NOT_COMPARABLE, f"{shown} ; le bouton trouvé{page} désigne la démarche "
                f"{d.get('product_id')}, pas {d.get('registered_id')} : la note peut venir "
                "d’ailleurs.", [found.id])
    return AGREEMENT, f"{shown} ; bouton « Je donne mon avis » trouvé{page}.", [found.id]


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


# -- what is published -----------------------------------------------------------------------


def _code(key: str, allowed: Mapping[str, str]) -> Callable[[Mapping[str, Any]], Any]:
    return lambda declared: declared.get(key) if declared.get(key) in allowed else None


def _rate(key: str, top: float) -> Callable[[Mapping[str, Any]], Any]:
    def read(declared: Mapping[str, Any]) -> float | None:
        value = as_number(declared.get(key))
        return value if value is not None and 0 <= value <= top else None
    return read


def _franceconnect(declared: Mapping[str, Any]) -> str | None:
    if declared.get("franceconnect_plus") is True:
        return "franceconnect_plus"
    fc = declared.get("franceconnect")
    return None if not isinstance(fc, bool) else "oui" if fc else "non"


def _label(key: str, fallback: Callable[[Any], str]) -> Callable[[Mapping[str, Any], Any], str]:
    return lambda declared, value: str(declared.get(key) or fallback(value))


SUBJECTS = (
    Subject("handicap", "handicap", "Prise en compte du handicap", _code("handicap", LEVEL_FR),
            _label("handicap_label", LEVEL_FR.__getitem__), handicap_rule),
    Subject("rgaa_rate", "handicap", "Taux de conformité au RGAA", _rate("rgaa_rate", 100),
            lambda _, v: f"{number_fr(v)} %", rgaa_rate_rule),
    Subject("declaration_date", "handicap", "Date de la déclaration d’accessibilité",
            lambda declared: _iso_day(declared.get("declaration_date")),
            lambda declared, v: date_fr(v) + (" (périmée)" if declared.get(
                "declaration_freshness") == "perimee" else ""), declaration_date_rule),
    Subject("franceconnect", "auth", "FranceConnect", _franceconnect,
            _label("franceconnect_label", {"franceconnect_plus": "FranceConnect+", "oui": "Oui",
                                           "non": "Non"}.__getitem__), franceconnect_rule),
    Subject("online_status", "online", "Démarche en ligne", _code("online_status", ONLINE_FR),
            _label("online_status_label", ONLINE_FR.__getitem__), online_rule),
    Subject("availability_rate", "availability", "Taux de disponibilité",
            _rate("availability_rate", 100), lambda _, v: f"{number_fr(v)} %",
            availability_rule),
    Subject("satisfaction", "satisfaction", "Satisfaction (bouton « Je donne mon avis »)",
            _rate("satisfaction", 10), lambda _, v: f"{number_fr(v)}/10", satisfaction_rule),
)
SUBJECT_TITLES = {s.key: s.title for s in SUBJECTS}


def compare_service(declared: Mapping[str, Any], measured: Mapping[str, Measured],
                    findings: Iterable[Observed]) -> list[Comparison]:
    """Every comparison of one service scan, in ``SUBJECTS`` order: one per published value
    (a key absent, empty or of the wrong type is not published)."""
    scan = Scan(declared, measured, list(findings))
    out = []
    for subject in SUBJECTS:
        value = subject.read(declared)
        if value is None:
            continue
        verdict, explanation, ids = subject.rule(value, scan)
        m = measured.get(subject.indicator)
        raw = declared.get(subject.key, value) if subject.key != "franceconnect" else value
        out.append(Comparison(subject.key, subject.indicator, verdict, raw,
                              subject.label(declared, value), m.level if m else "",
                              m.label if m else "", explanation,
                              tuple(sorted(set(ids)))))
    return out
