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


# -- rate phrasings (issue 12) --------------------------------------------------------------------

DECLARATION_HEAD = ("Déclaration d’accessibilité\nLe site est partiellement conforme avec le "
                    "RGAA 4.1.\n")
DECLARATION_TAIL = "\nCette déclaration a été établie le 01/07/2025.\nContact : a11y@site.test"


def declaration_rate(store: ArtifactStore, body: str) -> dict[str, Any]:
    view = page(store, DECLARATION_HEAD + body + DECLARATION_TAIL, kind="accessibility",
                title="Déclaration d’accessibilité")
    [f] = a11y_declaration_check(checkkit.service([view]), now=NOW)
    return f.data


@pytest.mark.parametrize(("body", "rate"), [
    ("73% des critères RGAA sont respectés.", 73),
    ("L’audit révèle que 73\u00a0% des critères du RGAA version 4.1 sont respectés.", 73),
    ("73\u202f% des critères sont respectés.", 73),
    ("73\u2009% des critères sont respectés.", 73),
    ("Le site présente un taux de conformité de 73 %.", 73),
    ("Taux de conformité global : 73,5 %", 73.5),
    ("Le taux de conformité au RGAA 4.1 est de 73.45 %.", 73.45),
    ("Le site respecte 73 % des critères du RGAA.", 73),
    ("Sur les 106 critères applicables, 73 % sont respectés.", 73),
    ("Le site est conforme à 73 % au RGAA.", 73),
    ("Le site est en conformité à hauteur de 73 %.", 73),
    ("Soit 73 % de conformité au RGAA.", 73),
    ("73 pour cent des critères sont respectés.", 73),
    ("L’audit donne un score de 73 %.", 73),
    ("Taux de conformité\t73 %", 73),                       # one table row
    ("Taux de conformité :\n73 %", 73),                      # <dt>/<dd>, a Drupal field
    ("Plateforme\tTaux de conformité\nSite web\t84 %\nApplication mobile\t62 %", 84),
    ("Version desktop : 84 % des critères respectés ; 62 % des critères sur mobile.", 84),
    ("Sur l’application mobile, 62 % des critères sont respectés et 84 % sur le site web.", 84),
    ("Sur le site web, 84 % des critères sont respectés, 62 % sur l’application. "
     "En moyenne, 73 % des critères sont respectés.", 84),
])
def test_rate_phrasings(store: ArtifactStore, body: str, rate: float) -> None:
    data = declaration_rate(store, body)
    assert data["rate"] == rate, body


def test_platform_rates_and_their_average_are_kept(store: ArtifactStore) -> None:
    data = declaration_rate(store, "Sur le site web, 84 % des critères sont respectés, 62 % sur "
                                   "l’application mobile. En moyenne, 73 % des critères sont "
                                   "respectés.")
    assert data["platform_rates"] == [{"platform": "site web", "rate": 84},
                                      {"platform": "application mobile", "rate": 62}]
    assert data["average_rate"] == 73


@pytest.mark.parametrize("body", [
    "Seules 12 % des pages sont entièrement conformes.",           # percentage of pages
    "Environ 5 % des images n’ont pas d’alternative.",
    "12 % des critères ne sont pas respectés.",                     # the complement
    "27 % des critères sont non conformes.",
    "Le taux de non-conformité est de 27 %.",
    "Critères non conformes\t27 %",
    "Le taux moyen de conformité s’élève à 91 %.",                   # average only
    "Taux de conformité moyen\t91 %",
    "Audit du 12/05/2024, 2024-05-12, version 4.1.",                # dates and versions
    "Disponibilité du service : 99,9 %.",
    "Nous avons formé 100 % des agents.",
    "Taux de conformité : non communiqué. 3 % des vidéos sont sous-titrées.",
])
def test_rate_traps_are_refused(store: ArtifactStore, body: str) -> None:
    assert declaration_rate(store, body)["rate"] is None, body


# -- the declaration's own non-conformities -------------------------------------------------------

def non_conformities(store: ArtifactStore, lines: list[str], headings: list[dict[str, Any]]
                     ) -> dict[str, Any]:
    text = "\n".join(["Déclaration d’accessibilité", "Non-conformités", *lines,
                      "Dérogations pour charge disproportionnée",
                      "Les vidéos ne sont pas sous-titrées (critère 4.3)."])
    collector = {"visible_text": text, "main_text": text, "code_texts": [], "links": [],
                 "title": "Déclaration d’accessibilité", "forms": [],
                 "headings": [{"level": 1, "text": "Déclaration d’accessibilité"},
                              {"level": 2, "text": "Non-conformités"}, *headings,
                              {"level": 2, "text": "Dérogations pour charge disproportionnée"}]}
    view = checkkit.view(store, {"url": BASE, "page_kind": "accessibility",
                                 "collector": collector, "html": "<html></html>"})
    [f] = a11y_declaration_check(checkkit.service([view]), now=NOW)
    return f.data


def test_criteria_read_from_the_list_not_from_versions_dates_or_phones(
        store: ArtifactStore) -> None:
    data = non_conformities(store, [
        "Critère 1.1 : images sans alternative.",
        "3.2 – contraste insuffisant (RGAA 4.1, audit du 01.07.2021).",
        "Le test 11.1.2 n’est pas respecté ; appelez le 01.23.45.67.89.",
        "Les tableaux 12.50 et 14.2 ne sont pas des critères.",
        "Critères 7.1 et 7.3 : le menu n’est pas utilisable au clavier.",
    ], [])
    assert [c["criterion"] for c in data["non_conformity_criteria"]] == [
        "1.1", "3.2", "7.1", "7.3", "11.1"]  # not 4.1, 4.3 (a derogation), 12.50, 14.2
    assert data["non_conformity_criteria"][1] == {
        "criterion": "3.2", "theme": "Couleurs",
        "text": "3.2 – contraste insuffisant (RGAA 4.1, audit du 01.07.2021)."}
    assert len(data["non_conformities"]) == 5


def test_themes_named_at_the_start_of_a_line_or_heading(store: ArtifactStore) -> None:
    data = non_conformities(store, [
        "Couleurs", "Le texte gris n’est pas assez contrasté.",
        "- Thématique Liens : liens « Lire la suite » non explicites.",
        "3. Couleurs : doublon ignoré.",
        "12. Scripts : le thème 12 n’est pas « Scripts » : ignoré.",
        "Liens vers des documents PDF non balisés.",        # prose, not a theme
        "Certaines images n’ont pas d’alternative.",        # prose, not a theme
        "Formulaires (inscription) : étiquettes absentes.",
    ], [{"level": 3, "text": "Couleurs"}])
    assert data["non_conformity_themes"] == [
        {"theme": "Couleurs", "text": "Couleurs — Le texte gris n’est pas assez contrasté."},
        {"theme": "Liens", "text": "- Thématique Liens : liens « Lire la suite » non explicites."},
        {"theme": "Formulaires", "text": "Formulaires (inscription) : étiquettes absentes."},
    ]


def test_a_policy_page_titled_accessibilite_is_not_a_declaration(store: ArtifactStore) -> None:
    policy = page(store, "Accessibilité numérique\nLe ministère s’engage à rendre ses sites "
                         "accessibles.\nSchéma pluriannuel\nPlan d’action 2025",
                  kind="accessibility", url=BASE + "politique", title="Accessibilité numérique")
    declaration = page(store, DECLARATION_HEAD + "82 % des critères sont respectés."
                       + DECLARATION_TAIL, kind="start", url=BASE + "a11y",
                       title="Accessibilité")  # no declaration title: read by its content
    [f] = a11y_declaration_check(checkkit.service([policy, declaration]), now=NOW)
    assert f.data["source_url"] == BASE + "a11y"
    assert f.data["source_reason"] == "declaration_content"
    assert f.data["followed_link"]["problem"] == "not_a_declaration"
    assert f.data["rate"] == 82 and "n’est pas une déclaration" in f.message


def test_the_followed_link_stays_first_when_it_is_a_declaration(store: ArtifactStore) -> None:
    richer = page(store, DECLARATION_HEAD + "90 % des critères sont respectés.\nRGAA 4.1\n"
                  "Mise à jour le 02/07/2025." + DECLARATION_TAIL, url=BASE + "autre",
                  title="Déclaration d’accessibilité")
    followed = page(store, DECLARATION_HEAD + "82 % des critères sont respectés."
                    + DECLARATION_TAIL, kind="accessibility", url=BASE + "a11y",
                    title="Déclaration d’accessibilité")
    [f] = a11y_declaration_check(checkkit.service([richer, followed]), now=NOW)
    assert (f.data["source_url"], f.data["rate"]) == (BASE + "a11y", 82)
    assert f.data["source_reason"] == "followed_link" and f.data["followed_link"]["problem"] is None
    assert "lue sur" not in f.message


def test_a_redirect_to_the_home_page_is_not_the_declaration(store: ArtifactStore) -> None:
    home = page(store, "Accueil\nAccessibilité : partiellement conforme", url=BASE)
    redirected = page(store, "Accueil\nAccessibilité : partiellement conforme",
                      kind="accessibility", url=BASE, requested_url=BASE + "accessibilite",
                      redirect_chain=[{"url": BASE + "accessibilite", "status": 301}])
    [f] = a11y_declaration_check(checkkit.service([home, redirected]), now=NOW)
    assert f.outcome is Outcome.needs_review  # a link exists, no declaration was examined
    assert f.data["followed_link"]["problem"] == "redirected_home"
    assert f.data["source_url"] is None
