"""The `a11y-declaration` check on saved captures, without a browser."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from checks.a11y_declaration.check import a11y_declaration_check
from checks.a11y_declaration.parse import parse_date
from checks.a11y_declaration.rules import REASONS, expected_level
from checks.inputs import CaptureView
from checks.model import Finding, Outcome
from checks.registry import get_check
from checks.runner import evaluate
from storage.artifacts import ArtifactStore
from tests import checkkit

CHECK = "a11y-declaration"
NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
BASE = "http://fixture.test/"


def saved(store: ArtifactStore, name: str, kind: str | None = None) -> CaptureView:
    view = checkkit.load(store, CHECK, name)
    view.page_kind = kind or ("accessibility" if name.startswith("declaration") else "start")
    return view


def run(store: ArtifactStore, *names: str, now: datetime | None = NOW) -> Finding:
    findings = list(a11y_declaration_check(
        checkkit.service([saved(store, n) for n in names]), now=now))
    assert len(findings) == 1  # one finding per service scan
    return findings[0]


def page(store: ArtifactStore, text: str, *, kind: str = "start", url: str = BASE,
         links: list[dict[str, Any]] | None = None, title: str = "Page",
         **extra: Any) -> CaptureView:
    collector = {"visible_text": text, "main_text": "", "code_texts": [], "links": links or [],
                 "headings": [], "forms": [], "title": title}
    return checkkit.view(store, {"url": url, "page_kind": kind, "collector": collector,
                                 "html": "<html></html>", **extra})


# -- pass -----------------------------------------------------------------------------------------

def test_partial_declaration_takes_the_rate_from_its_own_sentence(store: ArtifactStore) -> None:
    f = run(store, "start-partiel", "declaration-partiel")
    assert f.outcome is Outcome.passed
    d = f.data
    # 82 % is the criteria rate; 12 % (pages) and 5 % (images) are not; 91 % is the average
    assert (d["rate"], d["average_rate"]) == (82, 91)
    assert d["mention"] == d["declared_level"] == "partiellement"
    assert d["rgaa_version"] == "4.1"
    assert (d["declared_on"], d["updated_on"], d["audit_date"]) == (
        "2021-07-01", "2025-09-15", "2025-06-06")
    assert d["admissible"] is True and d["admissibility_reasons"] == []
    assert d["consistent"] is True
    assert d["declaration_url"] == BASE + "declaration-partiel.html"
    assert d["audited_pages"] == ["Accueil", "Formulaire de demande", "Mentions légales"]
    assert d["contact_means"] == ["email", "postal"]  # the Défenseur's address is not counted
    assert d["defenseur_des_droits"] is True
    assert d["pages_without_mention"] == []
    assert [m["link"] for m in d["mention_pages"]] == [BASE + "declaration-partiel.html"] * 2
    assert f.page_capture_id is not None
    facts = {e.extra.get("fact"): e.snippet for e in f.evidence if e.kind == "text"}
    assert "82\xa0% des critères" in str(facts["rate"])
    assert "partiellement conforme" in str(facts["conformance"])
    mention = next(e for e in f.evidence if e.kind == "node")
    assert mention.selector and "Accessibilité" in str(mention.snippet)


def test_declaration_found_by_its_title_without_the_crawler_kind(store: ArtifactStore) -> None:
    views = [saved(store, "start-total"), saved(store, "declaration-total", kind="extra")]
    [f] = a11y_declaration_check(checkkit.service(views), now=NOW)
    assert f.outcome is Outcome.passed
    assert f.data["declaration_url"] == BASE + "declaration-total.html"


# -- fail -----------------------------------------------------------------------------------------

def test_the_same_declaration_was_admissible_in_2021(store: ArtifactStore) -> None:
    f = run(store, "declaration-expired", now=datetime(2021, 6, 1, tzinfo=UTC))
    assert f.outcome is Outcome.passed
    assert f.data["reference_date"] == "2021-06-01"


def test_page_without_mention_among_good_ones_fails(store: ArtifactStore) -> None:
    views = [saved(store, "start-total"), saved(store, "declaration-total"),
             page(store, "Mentions légales\nÉditeur : ministère", kind="legal",
                  url=BASE + "mentions.html")]
    [f] = a11y_declaration_check(checkkit.service(views), now=NOW)
    assert f.outcome is Outcome.fail
    assert f.data["pages_without_mention"] == [BASE + "mentions.html"]


# -- needs review ---------------------------------------------------------------------------------

def test_failed_declaration_capture_needs_review(store: ArtifactStore) -> None:
    failed = checkkit.view(store, {"url": BASE + "accessibilite", "page_kind": "accessibility",
                                   "outcome": "timeout", "http_status": None})
    views = [page(store, "Accueil\nAccessibilité : non conforme"), failed]
    [f] = a11y_declaration_check(checkkit.service(views), now=NOW)
    assert f.outcome is Outcome.needs_review
    assert f.data["declaration_url"] == BASE + "accessibilite"


def test_nothing_examined_needs_review(store: ArtifactStore) -> None:
    broken = checkkit.view(store, {"url": BASE, "outcome": "error", "http_status": 500})
    no_collector = checkkit.view(store, {"url": BASE + "a"})  # ok but nothing collected
    [f] = a11y_declaration_check(checkkit.service([broken, no_collector]), now=NOW)
    assert f.outcome is Outcome.needs_review and f.page_capture_id is None
    assert f.data["mention_pages"] == []


def test_average_rate_alone_is_not_the_global_rate(store: ArtifactStore) -> None:
    text = ("Déclaration d’accessibilité\nLe site est partiellement conforme avec le RGAA 4.1.\n"
            "Le taux moyen de conformité du site s’élève à 91 %.\n"
            "Cette déclaration a été établie le 01/07/2025.\n"
            "Contact : accessibilite@site.test\nAccessibilité : partiellement conforme")
    [f] = a11y_declaration_check(checkkit.service(
        [page(store, text, kind="accessibility")]), now=NOW)
    assert f.data["rate"] is None and f.data["average_rate"] == 91
    assert f.data["admissibility_reasons"] == ["rate_missing"]
    assert f.outcome is Outcome.needs_review  # a % is there: a person must read it


def test_unrendered_declaration_page_needs_review(store: ArtifactStore) -> None:
    views = [page(store, "Accessibilité : partiellement conforme",
                  links=[{"text": "Accessibilité : partiellement conforme",
                          "href": BASE + "a11y"}]),
             page(store, "Chargement…", kind="accessibility", url=BASE + "a11y")]
    [f] = a11y_declaration_check(checkkit.service(views), now=NOW)
    assert f.outcome is Outcome.needs_review and "presque aucun texte" in f.message


# -- reference time, viewports, runner ------------------------------------------------------------

def test_capture_time_is_the_reference_when_no_now_is_given(store: ArtifactStore) -> None:
    view = saved(store, "declaration-expired")
    view.captured_at = datetime(2020, 5, 1, tzinfo=UTC)
    [f] = a11y_declaration_check(checkkit.service([view]))
    assert f.outcome is Outcome.passed and f.data["reference_date"] == "2020-05-01"


def test_now_may_be_a_function(store: ArtifactStore) -> None:
    [f] = a11y_declaration_check(checkkit.service([saved(store, "declaration-expired")]),
                                 now=lambda: datetime(2030, 1, 1, tzinfo=UTC))
    assert f.data["reference_date"] == "2030-01-01"


def test_mobile_twin_of_a_page_is_read_once(store: ArtifactStore) -> None:
    mobile = saved(store, "start-total")
    mobile.viewport = "mobile"
    views = [saved(store, "start-total"), mobile, saved(store, "declaration-total")]
    [f] = a11y_declaration_check(checkkit.service(views), now=NOW)
    assert [m["url"] for m in f.data["mention_pages"]] == [
        BASE + "start-total.html", BASE + "declaration-total.html"]


def test_runner_finding_uses_only_documented_keys(store: ArtifactStore) -> None:
    spec = get_check(CHECK)
    assert spec.scope == "service" and spec.version == 1
    inputs = checkkit.service([saved(store, "start-partiel"), saved(store, "declaration-partiel")])
    [f] = evaluate(spec, inputs)
    assert f.outcome in (Outcome.passed, Outcome.fail)  # judged at today's date, no crash
    assert set(f.data) <= set(spec.data_keys)


def test_every_admissibility_reason_is_documented_and_worded() -> None:
    documented = get_check(CHECK).data_keys["admissibility_reasons"]
    for code, reason in REASONS.items():
        assert code in documented and reason.fault and reason.requirement


# -- parsing --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "day"), [
    ("établie le 1er juillet 2021", date(2021, 7, 1)),
    ("etablie le 1 er juillet 2021", date(2021, 7, 1)),
    ("mise a jour le 01/07/2021", date(2021, 7, 1)),
    ("le 1.7.2021", date(2021, 7, 1)),
    ("audit du 2024-11-05", date(2024, 11, 5)),
    ("réalisé en juillet 2021", date(2021, 7, 1)),
    ("le 31/02/2024 puis le 12 août 2024", date(2024, 8, 12)),
    ("version 4.1", None),
])
def test_parse_date(text: str, day: date | None) -> None:
    from core.text import normalise_text

    assert parse_date(normalise_text(text)) == day


@pytest.mark.parametrize(("rate", "level"), [
    (100, "totalement"), (99.5, "partiellement"), (50, "partiellement"), (49, "non"), (0, "non")])
def test_expected_level(rate: float, level: str) -> None:
    assert expected_level(rate) == level


@pytest.mark.parametrize(("text", "level"), [
    ("Accessibilité : partiellement conforme", "partiellement"),
    ("Accessibilité\u00a0: totalement conforme", "totalement"),
    ("Accessibilité : non", "non"),
    ("Plan du site | Accessibilité : non | Mentions légales", "non"),
    ("Accessibilité : non-conforme", "non"),
    ("Accessibilité : totalement / partiellement / non conforme", None),
    ("Accessibilité : non renseignée", None),
])
def test_mention_levels(store: ArtifactStore, text: str, level: str | None) -> None:
    [f] = a11y_declaration_check(checkkit.service([page(store, text)]), now=NOW)
    assert f.data["mention_pages"][0]["level"] == level


def test_corrupt_or_empty_collector_never_raises_nor_fails(store: ArtifactStore) -> None:
    bad = {"visible_text": None, "main_text": None, "code_texts": None, "title": None,
           "links": [None, {"href": None, "text": None}], "headings": [None, {"level": None}]}
    for kind in ("start", "accessibility"):
        view = checkkit.view(store, {"url": BASE, "page_kind": kind, "collector": bad})
        [f] = a11y_declaration_check(checkkit.service([view]), now=NOW)
        assert f.outcome is Outcome.needs_review, kind


def test_main_mention_on_a_tie_is_the_first_pages_not_a_hash_order(store: ArtifactStore) -> None:
    # Without a start page two levels tie: the choice must not depend on PYTHONHASHSEED.
    for first, second in (("non", "totalement"), ("totalement", "non")):
        views = [page(store, f"Accessibilité : {level} conforme", kind="other",
                      url=f"{BASE}{level}.html") for level in (first, second)]
        [f] = a11y_declaration_check(checkkit.service(views), now=NOW)
        assert f.data["mention"] == first
