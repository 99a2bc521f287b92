"""The government's objectives judged from one service scan (reports/objectives.py), and the
observatory's quarters (core/quarters.py). Browser-free, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from core.errors import BadInput
from core.quarters import Quarter
from indicators.registry import get_indicator
from reports.objectives import (
    MET,
    NOT_APPLICABLE,
    NOT_MET,
    OBJECTIVES,
    UNKNOWN,
    Evidence,
    Objective,
    Verdict,
    evaluate_all,
    get_objective,
)


def judge(objective: str, levels: dict[str, str] | None = None,
          declared: dict[str, Any] | None = None, rgaa_failed: int = 0,
          online: bool = True) -> Verdict:
    return get_objective(objective).evaluate(
        Evidence(levels or {}, declared or {}, rgaa_failed, online))


# --- the objectives as data ------------------------------------------------------------------

def test_the_government_objectives_and_their_deadlines() -> None:
    deadlines = {o.id: (o.deadline, o.deadline_fr) for o in OBJECTIVES}
    assert deadlines == {
        "franceconnect": (date(2023, 12, 31), "décembre 2023"),
        "franceconnect_plus": (date(2023, 12, 31), "décembre 2023"),
        "satisfaction": (date(2024, 9, 21), "été 2024"),
        "alternative": (date(2024, 12, 31), "décembre 2024"),
        "rgaa": (date(2025, 12, 31), "décembre 2025"),
        "plain_language": (date(2025, 12, 31), "décembre 2025"),
        "online": (date(2026, 12, 31), "décembre 2026"),
        "dlnuf": (date(2026, 12, 31), "décembre 2026"),
    }
    assert [o.deadline for o in OBJECTIVES] == sorted(o.deadline for o in OBJECTIVES)


def test_every_objective_reads_real_indicators_and_says_its_limits() -> None:
    for objective in OBJECTIVES:
        for slug in objective.indicators:
            get_indicator(slug)  # raises for an unknown indicator
        assert objective.sees and objective.cannot_see
        assert set(objective.statuses) <= {MET, NOT_MET, UNKNOWN, NOT_APPLICABLE}


def test_deadline_passed_relative_to_the_run_date() -> None:
    online = get_objective("online")
    assert not online.passed(date(2026, 12, 31))  # the last day still counts
    assert online.passed(date(2027, 1, 1))


def test_a_rule_giving_a_status_it_does_not_declare_fails_loudly() -> None:
    broken = Objective("x", "X", date(2030, 1, 1), "2030", (), (), "a", "b", (MET,),
                       lambda ev: Verdict(NOT_APPLICABLE, "?"))
    with pytest.raises(ValueError, match="not_applicable"):
        broken.evaluate(Evidence())


def test_nothing_measured_is_never_met() -> None:
    """A service scan with no indicator and no published value: Vigie cannot tell anything
    (the demo's unreachable service, a service whose checks failed)."""
    verdicts = evaluate_all(Evidence())
    assert {v.status for v in verdicts.values()} == {UNKNOWN}, verdicts


# --- each objective's rule ---------------------------------------------------------------------

@pytest.mark.parametrize(("levels", "declared", "expected"), [
    ({"auth": "franceconnect"}, {}, MET),
    ({"auth": "franceconnect_plus"}, {}, MET),
    ({"auth": "needs_review"}, {}, UNKNOWN),  # the login may be deeper than the pages visited
    ({"auth": "needs_review"}, {"franceconnect": False}, NOT_MET),  # published « Non » too
    ({"auth": "not_measured"}, {"franceconnect": False}, UNKNOWN),  # nothing seen: no verdict
    ({"auth": "franceconnect"}, {"franceconnect": False}, MET),  # the button wins
])
def test_franceconnect(levels: dict[str, str], declared: dict[str, Any], expected: str) -> None:
    verdict = judge("franceconnect", levels, declared)
    assert verdict.status == expected
    assert verdict.indicators == ("auth",)


@pytest.mark.parametrize(("levels", "declared", "expected"), [
    ({"auth": "franceconnect_plus"}, {}, MET),
    ({"auth": "franceconnect"}, {}, UNKNOWN),  # is it sensitive? Vigie cannot know
    ({"auth": "franceconnect"}, {"sensitive": True}, NOT_MET),
    ({"auth": "needs_review"}, {"sensitive": True}, UNKNOWN),
    ({"auth": "franceconnect"}, {"sensitive": False}, NOT_APPLICABLE),
])
def test_franceconnect_plus_for_sensitive_services(levels: dict[str, str],
                                                   declared: dict[str, Any],
                                                   expected: str) -> None:
    assert judge("franceconnect_plus", levels, declared).status == expected


def test_unknown_sensitivity_is_explained() -> None:
    reason = judge("franceconnect_plus", {"auth": "franceconnect"}).reason
    assert "ne sait pas si la démarche est sensible" in reason


@pytest.mark.parametrize(("level", "declared", "expected", "said"), [
    ("button_found", {"satisfaction": 8.4}, MET, "8,4/10 (bouton « Je donne mon avis » présent)"),
    ("button_found", {"satisfaction": "8"}, NOT_MET, "8/10"),  # « above 8 »: 8 is not
    ("needs_review", {"satisfaction": "7,2"}, NOT_MET, "7,2/10"),  # a French decimal comma
    ("button_found", {}, UNKNOWN, "Vigie ne lit pas les avis (bouton « Je donne mon avis » "
                                  "présent)"),
    ("needs_review", {}, UNKNOWN, "non trouvé sur les pages visitées"),
])
def test_satisfaction_rests_on_the_published_rating(level: str, declared: dict[str, Any],
                                                   expected: str, said: str) -> None:
    verdict = judge("satisfaction", {"satisfaction": level}, declared)
    assert verdict.status == expected
    assert said in verdict.reason
    assert verdict.declared == (("satisfaction",) if declared else ())


@pytest.mark.parametrize(("level", "expected"), [
    ("phone_and_desk", MET), ("phone", MET), ("desk", MET), ("needs_review", UNKNOWN),
    ("not_measured", UNKNOWN),
])
def test_alternative(level: str, expected: str) -> None:
    assert judge("alternative", {"alternative": level}).status == expected


@pytest.mark.parametrize(("level", "rgaa_failed", "declared", "expected"), [
    ("oui", 0, {}, MET),
    ("oui", 3, {}, NOT_MET),  # declared 100 % while axe invalidates RGAA tests
    ("partiel", 0, {}, NOT_MET),
    ("non", 0, {}, NOT_MET),
    ("oui", 0, {"rgaa_rate": 75}, NOT_MET),  # the observatory publishes 75 %
    ("needs_review", 0, {}, UNKNOWN),
    ("needs_review", 1, {}, NOT_MET),
    ("not_measured", 0, {"rgaa_rate": 100}, UNKNOWN),
])
def test_rgaa(level: str, rgaa_failed: int, declared: dict[str, Any], expected: str) -> None:
    assert judge("rgaa", {"handicap": level}, declared, rgaa_failed).status == expected


def test_rgaa_counts_the_violations() -> None:
    assert judge("rgaa", {"handicap": "oui"}, rgaa_failed=3).reason.startswith(
        "3 violation(s) axe-core de tests RGAA")


@pytest.mark.parametrize(("level", "declared", "expected"), [
    ("easy", {}, UNKNOWN),  # Vigie's estimate is not the users' rating
    ("hard", {"plain_language": 8.5}, MET),
    ("easy", {"plain_language": 6}, NOT_MET),
])
def test_plain_language(level: str, declared: dict[str, Any], expected: str) -> None:
    verdict = judge("plain_language", {"plain_language": level}, declared)
    assert verdict.status == expected
    assert "estimation de lisibilité de Vigie" in verdict.reason


@pytest.mark.parametrize(("level", "declared", "expected"), [
    ("way_in_found", {}, MET),
    ("way_in_found", {"online_status": "oui"}, MET),
    ("way_in_found", {"online_status": "partiel",
                      "online_status_label": "Partiellement en ligne"}, NOT_MET),
    ("unreachable", {}, UNKNOWN),  # down tonight says nothing of the démarche
    ("needs_review", {"online_status": "non"}, NOT_MET),
    ("needs_review", {}, UNKNOWN),
])
def test_online(level: str, declared: dict[str, Any], expected: str) -> None:
    assert judge("online", {"online": level}, declared).status == expected


def test_online_names_the_published_status() -> None:
    verdict = judge("online", {"online": "way_in_found"},
                    {"online_status": "partiel", "online_status_label": "Partiellement en ligne"})
    assert verdict.reason == "L’observatoire publie « Partiellement en ligne »."
    assert verdict.declared == ("online_status",)


@pytest.mark.parametrize(("level", "expected"), [
    ("optimal", MET), ("partiel", NOT_MET), ("faible", NOT_MET), ("needs_review", UNKNOWN),
])
def test_dlnuf(level: str, expected: str) -> None:
    assert judge("dlnuf", {"dlnuf": level}).status == expected


def test_a_service_without_start_url() -> None:
    """« Pas de démarche en ligne »: not fully online; the others cannot be told, except
    the two judged on the published rating alone."""
    verdicts = evaluate_all(Evidence(declared={"satisfaction": 9}, online=False))
    assert verdicts["online"].status == NOT_MET
    assert verdicts["online"].reason == ("Inscrite sans adresse en ligne : la démarche ne se "
                                         "fait pas en ligne.")
    assert verdicts["satisfaction"].status == MET
    assert verdicts["satisfaction"].indicators == ()
    assert {o: v.status for o, v in verdicts.items()
            if o not in ("online", "satisfaction")} == dict.fromkeys(
        ("franceconnect", "franceconnect_plus", "alternative", "rgaa", "plain_language",
         "dlnuf"), UNKNOWN)


# --- quarters ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["2026-T3", "2026-Q3", "2026t3", " 2026 - q3 ", "2026T3"])
def test_quarter_parses_the_observatory_and_english_forms(text: str) -> None:
    assert Quarter.parse(text) == Quarter(2026, 3)
    assert Quarter.parse(text).label == "2026-T3"


@pytest.mark.parametrize("text", ["2026-T5", "2026-T0", "T3-2026", "2026-3", "26-T3", ""])
def test_a_bad_quarter_is_named(text: str) -> None:
    with pytest.raises(BadInput, match="such as 2026-T3") as raised:
        Quarter.parse(text)
    assert repr(text) in str(raised.value)


def test_quarter_bounds() -> None:
    q3 = Quarter(2026, 3)
    assert q3.start == datetime(2026, 7, 1, tzinfo=UTC)
    assert q3.end == datetime(2026, 10, 1, tzinfo=UTC)
    assert Quarter(2026, 4).end == datetime(2027, 1, 1, tzinfo=UTC)
    assert Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert Quarter.of(q3.end - timedelta(microseconds=1)) == q3
    assert Quarter.of(q3.end) == Quarter(2026, 4)
    # Read in UTC: 1 October at 01:30 in Paris (UTC+2) is still 30 September, 23:30 UTC.
    paris = timezone(timedelta(hours=2))
    assert Quarter.of(datetime(2026, 9, 30, 23, 30, tzinfo=paris)) == q3
    assert Quarter.of(datetime(2026, 10, 1, 1, 30, tzinfo=paris)) == q3  # 23:30 UTC
    assert Quarter.of(date(2026, 1, 1)) == Quarter(2026, 1)
