"""Published vs measured (reports.compare): the rules, on findings shaped as the checks store
them, with the levels the real indicator rules give them (no browser)."""

from __future__ import annotations

from typing import Any

import pytest

from indicators.model import FindingRef, ScanFindings
from indicators.registry import all_indicators
from reports.compare import (
    AGREEMENT,
    DISAGREEMENT,
    NOT_COMPARABLE,
    Comparison,
    Measured,
    compare_service,
)
from tests.comparekit import (
    NO_DECLARATION,
    PAGES,
    SITE,
    auth,
    availability,
    axe,
    declaration,
    finding,
    jdma,
)


def compare(declared: dict[str, Any], *findings: FindingRef) -> dict[str, Comparison]:
    """The comparisons, keyed by published key, with the levels the real rules give."""
    scan = ScanFindings(list(findings), declared=declared)
    measured = {}
    for spec in all_indicators():
        result = spec.evaluate(scan)
        measured[spec.slug] = Measured(result.level, spec.level(result.level).label,
                                       result.rationale, tuple(result.finding_ids))
    return {c.key: c for c in compare_service(declared, measured, findings)}


# -- handicap and RGAA rate ---------------------------------------------------------------


def test_published_oui_with_rgaa_violations_disagrees_whatever_the_declaration() -> None:
    violations = [axe("image-alt", ["1.1.1"]), axe("label", ["11.1.1", "11.2.1"], PAGES[1])]
    got = compare({"handicap": "oui", "handicap_label": "Oui", "rgaa_rate": 100},
                  declaration(rate=100), *violations)
    for key in ("handicap", "rgaa_rate"):
        assert got[key].verdict == DISAGREEMENT
        assert "3 test(s) RGAA (1.1.1, 11.1.1, 11.2.1)" in got[key].explanation
        assert {v.id for v in violations} <= set(got[key].finding_ids)
    assert got["handicap"].published_label == "Oui"
    assert (got["handicap"].measured_level, got["handicap"].measured_label) == ("oui", "Oui")
    assert got["rgaa_rate"].published_label == "100 %"


def test_published_level_against_the_declarations_level() -> None:
    decl = declaration(rate=75)
    agree = compare({"handicap": "partiel", "rgaa_rate": 75}, decl, axe("image-alt", ["1.1.1"]))
    # « Partiel » is not contradicted by violations: 75 % admits non-conformities.
    assert agree["handicap"].verdict == AGREEMENT
    assert agree["handicap"].explanation.startswith("Publié « Partiel », mesuré « Partiel » :")
    assert agree["handicap"].finding_ids == (decl.id,)
    absent = compare({"handicap": "oui", "handicap_label": "Oui (audit 2023)"}, NO_DECLARATION)
    assert absent["handicap"].verdict == DISAGREEMENT
    assert absent["handicap"].published_label == "Oui (audit 2023)"
    assert "mais mesuré « Non » : Aucune déclaration" in absent["handicap"].explanation


def test_handicap_not_comparable_without_a_level_or_a_measurable_value() -> None:
    unread = finding("a11y-declaration", "needs_review", {
        "declaration_url": f"{SITE}/accessibilite", "admissible": None, "rate": None,
        "followed_link": {"url": f"{SITE}/accessibilite", "problem": "capture_failed"}})
    got = compare({"handicap": "oui", "rgaa_rate": 100}, unread)
    assert got["handicap"].verdict == NOT_COMPARABLE
    assert got["handicap"].explanation.startswith("À vérifier par Vigie :")
    assert got["rgaa_rate"].verdict == NOT_COMPARABLE
    concerned = compare({"handicap": "non_concerne"}, declaration())
    assert concerned["handicap"].verdict == NOT_COMPARABLE
    assert compare({"handicap": "oui"})["handicap"].explanation.startswith(
        "Non mesuré par Vigie")


@pytest.mark.parametrize(("published", "read", "verdict"), [
    (75, 75.4, AGREEMENT), (82, 67, DISAGREEMENT), (71.5, 71.5, AGREEMENT),
    (50, 51, DISAGREEMENT)])
def test_published_rate_against_the_declarations_rate(published: float, read: float,
                                                      verdict: str) -> None:
    got = compare({"rgaa_rate": published}, declaration(rate=read))["rgaa_rate"]
    assert got.verdict == verdict
    if verdict == DISAGREEMENT:
        assert f"mais la déclaration lue par Vigie annonce {read:g} %" in got.explanation


def test_a_published_rate_without_a_declaration_is_not_comparable() -> None:
    got = compare({"rgaa_rate": 82}, NO_DECLARATION)["rgaa_rate"]
    assert (got.verdict, got.finding_ids) == (NOT_COMPARABLE, (NO_DECLARATION.id,))
    assert got.explanation == ("Taux publié 82 % ; aucune déclaration d’accessibilité sur les "
                               "pages visitées, ni de lien vers elle.")
    unread = finding("a11y-declaration", "needs_review", {
        "declaration_url": f"{SITE}/accessibilite", "admissible": None, "rate": None})
    got = compare({"rgaa_rate": 82, "declaration_date": "2025-03-12"}, unread)
    assert got["rgaa_rate"].explanation.endswith("la déclaration d’accessibilité n’a pas pu "
                                                 "être examinée.")
    assert got["declaration_date"].verdict == NOT_COMPARABLE


# -- declaration date ----------------------------------------------------------------------


def test_published_valid_but_read_expired() -> None:
    decl = declaration(declared_on="2022-10-03", reasons=("expired",), outcome="fail")
    got = compare({"declaration_date": "2024-10-03"}, decl)["declaration_date"]
    assert got.verdict == DISAGREEMENT
    assert got.explanation == ("Publiée valide (03/10/2024), mais la déclaration lue par Vigie "
                               "date du 03/10/2022 : plus de 3 ans au 01/12/2026.")
    assert got.published_value == "2024-10-03" and got.finding_ids == (decl.id,)


def test_published_expired_date_agrees_with_an_expired_declaration() -> None:
    decl = declaration(declared_on="2021-07-01", reasons=("expired",), outcome="fail")
    got = compare({"declaration_date": "2021-07-01", "declaration_freshness": "perimee"},
                  decl)["declaration_date"]
    assert got.verdict == AGREEMENT and got.published_label == "01/07/2021 (périmée)"


def test_published_expired_while_the_declaration_was_renewed() -> None:
    got = compare({"declaration_date": "2021-07-01", "declaration_freshness": "perimee"},
                  declaration(declared_on="2025-03-12"))["declaration_date"]
    assert got.verdict == DISAGREEMENT and "moins de 3 ans" in got.explanation


@pytest.mark.parametrize(("published", "verdict"), [("2025-03-12", AGREEMENT),
                                                    ("2025-01-20", AGREEMENT),  # the audit's
                                                    ("2024-02-01", DISAGREEMENT)])
def test_published_date_against_the_dates_read(published: str, verdict: str) -> None:
    decl = declaration(declared_on="2025-03-12", audit_date="2025-01-20")
    assert compare({"declaration_date": published}, decl)["declaration_date"].verdict == verdict


def test_no_date_read_is_not_comparable() -> None:
    decl = declaration(declared_on=None, reasons=("date_missing",), outcome="needs_review")
    got = compare({"declaration_date": "2025-03-12"}, decl)["declaration_date"]
    assert got.verdict == NOT_COMPARABLE
    assert got.explanation == "Date publiée 12/03/2025 ; aucune date lue dans la déclaration."


# -- FranceConnect ---------------------------------------------------------------------------


@pytest.mark.parametrize(("declared", "providers", "verdict", "words"), [
    ({"franceconnect": True}, (), DISAGREEMENT,
     "Publié « Oui », mais aucun bouton FranceConnect sur les 4 page(s) publiques visitées."),
    ({"franceconnect": True, "franceconnect_plus": True}, ("franceconnect",), DISAGREEMENT,
     "seul un bouton FranceConnect (sans « + ») a été trouvé sur "),
    ({"franceconnect": True, "franceconnect_plus": True}, ("franceconnect_plus",), AGREEMENT,
     "Bouton FranceConnect+ trouvé"),
    ({"franceconnect": True}, ("franceconnect",), AGREEMENT, "Bouton FranceConnect trouvé"),
    ({"franceconnect": True}, ("proconnect",), DISAGREEMENT, "aucun bouton FranceConnect"),
    ({"franceconnect": False}, ("franceconnect",), DISAGREEMENT,
     "Publié sans FranceConnect, mais un bouton FranceConnect a été trouvé"),
    ({"franceconnect": False}, (), AGREEMENT, "Publié sans FranceConnect ;"),
])
def test_franceconnect(declared: dict[str, Any], providers: tuple[str, ...], verdict: str,
                       words: str) -> None:
    found = auth(*providers)
    got = compare(declared, found)["franceconnect"]
    assert (got.verdict, got.finding_ids, got.indicator) == (verdict, (found.id,), "auth")
    assert words in got.explanation


def test_franceconnect_not_comparable_without_pages_or_with_the_check_in_error() -> None:
    nothing = finding("auth-button", "needs_review", {"providers": [], "buttons": [],
                                                      "pages_searched": []})
    assert compare({"franceconnect": True}, nothing)["franceconnect"].verdict == NOT_COMPARABLE
    broken = finding("auth-button", "error", {"error": "collector data is not a JSON object"})
    got = compare({"franceconnect": True, "franceconnect_label": "FranceConnect+"}, broken)
    assert got["franceconnect"].verdict == NOT_COMPARABLE
    assert got["franceconnect"].published_label == "FranceConnect+"


# -- online status and availability ----------------------------------------------------------


def test_published_online_while_the_start_page_answers_500() -> None:
    down = availability(500)
    got = compare({"online_status": "oui", "online_status_label": "En ligne",
                   "availability_rate": 99.5}, down)
    assert got["online_status"].verdict == DISAGREEMENT
    assert got["online_status"].explanation == ("Publié « En ligne », mais la page de départ "
                                                "n’a pas répondu (HTTP 500).")
    assert got["online_status"].finding_ids == (down.id,)
    assert got["availability_rate"].verdict == DISAGREEMENT
    assert got["availability_rate"].explanation.startswith(
        "Taux de disponibilité publié 99,5 %, mais la page de départ était indisponible")


def test_online_agrees_when_a_way_in_is_found_and_cannot_tell_without_one() -> None:
    up = availability(200)
    got = compare({"online_status": "partiel", "availability_rate": 99.9}, up,
                  auth("franceconnect"))
    assert got["online_status"].verdict == AGREEMENT
    assert got["availability_rate"].verdict == AGREEMENT
    # The page answers, but neither a login nor a form: « À vérifier », not comparable.
    assert compare({"online_status": "oui"}, up)["online_status"].verdict == NOT_COMPARABLE
    assert compare({"online_status": "non"}, availability(None))[
        "online_status"].verdict == AGREEMENT


def test_one_outage_does_not_judge_a_low_rate_and_no_visit_judges_nothing() -> None:
    assert compare({"availability_rate": 80}, availability(None))[
        "availability_rate"].verdict == NOT_COMPARABLE
    got = compare({"availability_rate": 99.9})["availability_rate"]
    assert got.verdict == NOT_COMPARABLE and got.measured_level == "not_measured"


# -- satisfaction ----------------------------------------------------------------------------


def test_a_published_satisfaction_score_needs_the_jdma_button() -> None:
    missing = compare({"satisfaction": 7.8}, jdma(False))["satisfaction"]
    assert missing.verdict == DISAGREEMENT
    assert missing.explanation == ("Note de satisfaction publiée (7,8/10), mais aucun bouton "
                                   "« Je donne mon avis » sur les 4 page(s) visitées.")
    assert compare({"satisfaction": 7.8}, jdma(True))["satisfaction"].verdict == AGREEMENT
    other = compare({"satisfaction": 7.8}, jdma(True, product="3950", registered="3905"))
    assert other["satisfaction"].verdict == NOT_COMPARABLE
    assert "désigne la démarche 3950, pas 3905" in other["satisfaction"].explanation


# -- what is compared --------------------------------------------------------------------------


def test_only_published_values_are_compared() -> None:
    everything = [declaration(), auth(), jdma(False), availability(200)]
    assert compare({}, *everything) == {}
    # Keys Vigie does not measure, and values of the wrong kind, give no comparison.
    assert compare({"plain_language": 7.1, "dlnuf_score": 3, "rgaa_rate": "NC",
                    "handicap": "peut-être", "franceconnect_label": "Oui",
                    "satisfaction": 14, "declaration_date": "08/04/2022"}, *everything) == {}
