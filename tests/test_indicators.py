"""Indicator rules (docs/indicators.md), browser-free: findings in, level and rationale out."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from indicators.model import NEEDS_REVIEW, NOT_MEASURED, FindingRef, Result, ScanFindings
from indicators.registry import get_indicator

_ids = itertools.count(1)


def finding(check_id: str, outcome: str = "pass", message: str = "", **data: Any) -> FindingRef:
    return FindingRef(next(_ids), check_id, outcome, message or f"{check_id} {outcome}", data)


def judge(slug: str, *findings: FindingRef) -> Result:
    return get_indicator(slug).evaluate(ScanFindings(list(findings)))


def declaration(outcome: str = "pass", **data: Any) -> FindingRef:
    base = {"admissible": True, "rate": 82, "declared_level": "partiellement",
            "declared_on": "2025-03-12", "admissibility_reasons": [], "consistent": True}
    return finding("a11y-declaration", outcome, **{**base, **data})


# handicap ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("rate", "level", "label"), [
    (100, "oui", "Oui"), (99.5, "partiel", "Partiel"), (82, "partiel", "Partiel"),
    (50, "partiel", "Partiel"), (49.9, "non", "Non"), (0, "non", "Non"),
])
def test_handicap_follows_the_declared_rate(rate: float, level: str, label: str) -> None:
    result = judge("handicap", declaration(rate=rate))
    assert result.level == level
    assert get_indicator("handicap").level(level).label == label
    assert f"{rate:g}".replace(".", ",") + " %" in result.rationale
    assert result.value["rate"] == rate


def test_handicap_is_non_without_a_declaration_and_names_the_finding() -> None:
    f = declaration("fail", admissible=None, rate=None)
    result = judge("handicap", f)
    assert result.level == "non" and "Aucune déclaration" in result.rationale
    assert result.finding_ids == [f.id]


@pytest.mark.parametrize(("reasons", "words"), [
    (["expired"], "plus de 3 ans"), (["contact_missing"], "aucun moyen de contact"),
    (["level_missing", "rate_missing"], "niveau de conformité non indiqué"),
])
def test_handicap_is_non_for_an_inadmissible_declaration_even_at_100(reasons: list[str],
                                                                     words: str) -> None:
    result = judge("handicap", declaration("fail", admissible=False, rate=100,
                                           admissibility_reasons=reasons))
    assert result.level == "non"
    assert "non recevable" in result.rationale and words in result.rationale


def test_handicap_asks_a_person_when_the_rate_could_not_be_read() -> None:
    result = judge("handicap", declaration("needs_review", admissible=False, rate=None,
                                           admissibility_reasons=["rate_missing"]))
    assert result.level == NEEDS_REVIEW
    assert "n’a pas su y lire : taux global de conformité." in result.rationale


def test_handicap_asks_a_person_when_the_declaration_was_not_captured() -> None:
    result = judge("handicap", declaration("needs_review", admissible=None, rate=None))
    assert result.level == NEEDS_REVIEW


def test_every_indicator_is_not_measured_without_findings_or_when_its_check_errored() -> None:
    from indicators.registry import all_indicators

    for spec in all_indicators():
        assert spec.evaluate(ScanFindings([])).level == NOT_MEASURED, spec.slug
        errored = [finding(check, "error", "axe a expiré") for check in spec.checks]
        result = spec.evaluate(ScanFindings(errored))
        assert result.level == NOT_MEASURED, spec.slug


# auth -------------------------------------------------------------------------------------

def auth_finding(*providers: str, outcome: str = "pass") -> FindingRef:
    buttons = [{"provider": p, "page_url": f"https://exemple.gouv.fr/{p}"} for p in providers]
    return finding("auth-button", outcome, providers=list(providers), buttons=buttons)


def test_auth_reports_franceconnect_plus_over_franceconnect() -> None:
    result = judge("auth", auth_finding("franceconnect", "franceconnect_plus"))
    assert result.level == "franceconnect_plus"
    assert get_indicator("auth").level(result.level).label == "FranceConnect+"
    assert "https://exemple.gouv.fr/franceconnect_plus" in result.rationale


def test_auth_franceconnect() -> None:
    result = judge("auth", auth_finding("franceconnect"))
    assert result.level == "franceconnect" and result.value["providers"] == ["franceconnect"]


@pytest.mark.parametrize("providers", [(), ("proconnect",)])
def test_auth_not_detected_is_needs_review_never_non(providers: tuple[str, ...]) -> None:
    result = judge("auth", auth_finding(*providers, outcome="needs_review" if not providers
                                        else "pass"))
    assert result.level == NEEDS_REVIEW
    assert "non détecté" in result.rationale


# satisfaction -----------------------------------------------------------------------------

def test_satisfaction_gives_where_and_the_ids() -> None:
    f = finding("jdma-button", present=True, page_url="https://exemple.gouv.fr/fin",
                product_id="3540", button_id="3611", id_matches=True, registered_id="3540")
    result = judge("satisfaction", f)
    assert result.level == "button_found"
    assert "https://exemple.gouv.fr/fin" in result.rationale
    assert "démarche 3540" in result.rationale and "bouton 3611" in result.rationale
    assert result.value["product_id"] == "3540"


def test_satisfaction_other_product_and_missing() -> None:
    other = judge("satisfaction", finding("jdma-button", "fail", present=True, product_id="1",
                                          registered_id="2", id_matches=False))
    assert other.level == "other_product" and "enregistrée est 2" in other.rationale
    missing = judge("satisfaction", finding("jdma-button", "needs_review", present=False))
    assert missing.level == NEEDS_REVIEW and "absent" in missing.rationale


# dlnuf ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("level", "expected", "label"), [
    ("optimal", "optimal", "Optimal"), ("partial", "partiel", "Partiel"),
    ("low", "faible", "Faible"), (None, NEEDS_REVIEW, "À vérifier"),
])
def test_dlnuf_levels(level: str | None, expected: str, label: str) -> None:
    result = judge("dlnuf", finding("dlnuf-fields", count=3, level=level,
                                    categories=["nom", "nir", "iban"],
                                    forms_examined=[{"page_url": "u", "form": "form"}]))
    assert result.level == expected
    assert get_indicator("dlnuf").level(expected).label == label
    if level:
        assert "nom, nir, iban" in result.rationale
    else:
        assert "Aucun formulaire" in result.rationale


# online -----------------------------------------------------------------------------------

def avail(outcome: str = "pass", **data: Any) -> FindingRef:
    return finding("availability", outcome, **{"status": 200, "capture_outcome": "ok",
                                                "reason": "ok", **data})


def test_online_needs_an_answer_and_a_way_in() -> None:
    a, login = avail(), auth_finding("franceconnect")
    form = finding("dlnuf-fields", forms_examined=[{"page_url": "u", "form": "#f"}])
    result = judge("online", a, login, form)
    assert result.level == "way_in_found"
    assert result.finding_ids == sorted([a.id, login.id, form.id])
    assert "bouton de connexion et un formulaire" in result.rationale
    alone = judge("online", avail(), auth_finding(outcome="needs_review"),
                  finding("dlnuf-fields", "needs_review", forms_examined=[]))
    assert alone.level == NEEDS_REVIEW


@pytest.mark.parametrize("reason", ["http_error", "timeout", "unreachable",
                                    "certificate_refused"])
def test_online_unreachable(reason: str) -> None:
    result = judge("online", avail("fail", reason=reason, status=503 if reason == "http_error"
                                   else None, capture_outcome="error", error="net::ERR"))
    assert result.level == "unreachable"


def test_online_blocked_start_page_is_not_measured() -> None:
    result = judge("online", avail("needs_review", reason="capture_blocked",
                                   capture_outcome="blocked", status=None))
    assert result.level == NOT_MEASURED


# Vigie's own ------------------------------------------------------------------------------

def test_alternative_counts_own_phones_and_desks_only() -> None:
    third_party = {"number": "3939", "own": False, "third_party": "Allô Service Public"}
    own = {"number": "+33123456789", "own": True}
    desk = {"kind": "address", "page": "u", "snippet": "1 rue"}
    assert judge("alternative", finding("human-alternative", phones=[own],
                                        desk=[desk])).level == "phone_and_desk"
    assert judge("alternative", finding("human-alternative", phones=[own])).level == "phone"
    assert judge("alternative", finding("human-alternative", desk=[desk])).level == "desk"
    only = judge("alternative", finding("human-alternative", "needs_review",
                                        phones=[third_party], email=[{"address": "a@b.fr"}]))
    assert only.level == NEEDS_REVIEW and "courriel" in only.rationale


def page(check: str, outcome: str, url: str, **data: Any) -> FindingRef:
    return finding(check, outcome, page_url=url, **data)


def test_mobile_levels() -> None:
    ok, bad = page("mobile", "pass", "/a"), page("mobile", "fail", "/b", problems=["overflow"])
    assert judge("mobile", ok, page("mobile", "pass", "/c")).level == "adapted"
    partial = judge("mobile", ok, bad)
    assert partial.level == "partial" and "overflow" in partial.rationale
    assert partial.finding_ids == [bad.id]
    assert judge("mobile", bad).level == "not_adapted"
    assert judge("mobile", ok, page("mobile", "needs_review", "/d")).level == NEEDS_REVIEW


@pytest.mark.parametrize(("level", "expected"), [
    ("detected", "detected"), ("partial", "partial"), ("not_detected", "not_detected"),
    (None, NOT_MEASURED)])
def test_dsfr_levels(level: str | None, expected: str) -> None:
    result = judge("dsfr", finding("dsfr", level=level, score=9, version="1.14.4",
                                   pages_examined=4, pages_detected=4))
    assert result.level == expected
    if level == "detected":
        assert "1.14.4" in result.rationale


def test_dsfr_components_without_the_state_header_are_partial_not_used() -> None:
    # The DSFR's styles and components under a header of the site's own: « Partiel », not « Oui »
    result = judge("dsfr", finding("dsfr", "needs_review", level="partial", score=5,
                                   version="1.12.1", pages_examined=2, pages_detected=0,
                                   partial_kind="components"))
    assert result.level == "partial"
    assert get_indicator("dsfr").level(result.level).label == "Partiel"
    assert result.rationale.startswith("Composants et styles du DSFR, version 1.12.1, sans")
    assert result.value["partial_kind"] == "components"
    traces = judge("dsfr", finding("dsfr", "needs_review", level="partial", score=1,
                                   pages_examined=1, pages_detected=0, partial_kind="traces"))
    assert (traces.level, traces.rationale) == ("partial", "Score 1/10 sur la meilleure page ; "
                                                "DSFR détecté sur 0 page(s) sur 1.")


@pytest.mark.parametrize(("outcome", "reason", "expected"), [
    ("pass", "ok", "available"), ("fail", "http_error", "unavailable"),
    ("fail", "certificate_expired", "unavailable"), ("needs_review", "plain_http", "degraded"),
    ("needs_review", "certificate_expiring", "degraded"),
    ("needs_review", "capture_blocked", NEEDS_REVIEW),
    ("needs_review", "no_start_capture", NOT_MEASURED)])
def test_availability_levels(outcome: str, reason: str, expected: str) -> None:
    result = judge("availability", finding("availability", outcome, "La page répond.",
                                           reason=reason))
    assert result.level == expected and result.rationale == "La page répond."


def test_plain_language_takes_the_median_of_distinct_pages() -> None:
    scores = [page("plain-language", "pass", "/a", score=80.0),
              page("plain-language", "pass", "/a", score=80.0),  # the mobile twin: same text
              page("plain-language", "needs_review", "/b", score=40.0),
              page("plain-language", "needs_review", "/c", score=55.0),
              page("plain-language", "not_applicable", "/d", score=None)]
    result = judge("plain_language", *scores)
    assert result.level == "fairly_hard" and result.value == {
        "median_score": 55.0, "pages": 3, "formula": "flesch-kandel-moles"}
    assert "55" in result.rationale and "estimation" in result.rationale
    assert judge("plain_language", scores[-1]).level == NOT_MEASURED


def test_a_rule_returning_an_unknown_level_fails_loudly() -> None:
    from indicators.model import Result
    from indicators.registry import IndicatorSpec

    spec = get_indicator("dsfr")
    broken = IndicatorSpec(**{**spec.__dict__, "rule": lambda _: Result("bof", "x")})
    with pytest.raises(KeyError):
        broken.evaluate(ScanFindings([]))
