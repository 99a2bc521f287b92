"""The `human-alternative` check on saved captures, without a browser."""

from __future__ import annotations

from typing import Any

import pytest

from checks.human_alternative import human_alternative_check
from checks.inputs import CaptureView
from checks.model import Finding, Outcome
from checks.registry import get_check
from checks.runner import evaluate
from checks.third_party import known_third_party, organisation, same_organisation
from storage.artifacts import ArtifactStore
from tests import checkkit

CHECK = "human-alternative"
BASE = "http://fixture.test/"
KINDS = {"contact-phone": "contact", "contact-short": "contact", "contact-mailto": "contact",
         "declaration-ddd": "accessibility", "mentions-legales": "legal"}


def saved(store: ArtifactStore, name: str) -> CaptureView:
    view = checkkit.load(store, CHECK, name)
    view.page_kind = KINDS.get(name, "extra")
    return view


def run(store: ArtifactStore, *names: str) -> Finding:
    findings = list(human_alternative_check(
        checkkit.service([saved(store, n) for n in names])))
    assert len(findings) == 1  # one finding per service scan
    return findings[0]


def page(store: ArtifactStore, text: str, *, kind: str = "start", url: str = BASE,
         links: list[dict[str, Any]] | None = None) -> CaptureView:
    collector = {"visible_text": text, "main_text": "", "code_texts": [], "links": links or [],
                 "headings": [], "forms": [], "title": "Page"}
    return checkkit.view(store, {"url": url, "page_kind": kind, "collector": collector})


def phones(f: Finding) -> dict[str, dict[str, Any]]:
    return {p["number"]: p for p in f.data["phones"]}


# -- pass -----------------------------------------------------------------------------------------

def test_contact_page_phone_in_both_forms_is_one_own_number(store: ArtifactStore) -> None:
    f = run(store, "contact-phone")
    assert f.outcome is Outcome.passed
    # « 01 23 45 67 89 » and the tel: link « +33 1 23 45 67 89 » are one number; the fax is not
    assert phones(f) == {"+33123456789": {
        "number": "+33123456789", "kind": "fixed_line", "page": BASE + "contact-phone.html",
        "own": True, "third_party": None}}
    assert "01 23 45 67 89" in f.message
    assert f.data["contact_url"] == BASE + "contact-phone.html"
    assert f.data["form"]["selector"] == "html > body > main > form"
    assert f.data["desk"] == []  # « du lundi au vendredi » there are the phone line's hours
    assert any("01\xa023\xa045\xa067\xa089" in str(e.snippet) for e in f.evidence)
    assert f.page_capture_id is not None


# -- needs review (the check never fails: an alternative may exist behind login) -----------------

def test_mailto_only_needs_review_with_the_address(store: ArtifactStore) -> None:
    f = run(store, "contact-mailto")
    assert f.outcome is Outcome.needs_review
    assert f.data["email"] == [{"address": "contact@service.test",
                                "page": BASE + "contact-mailto.html"}]
    assert f.data["contact_url"] == BASE + "contact-mailto.html"
    assert "courriel contact@service.test" in f.message
    assert [e.url for e in f.evidence if e.kind == "url"] == [BASE + "contact-mailto.html"]


def test_nothing_examined_needs_review(store: ArtifactStore) -> None:
    failed = checkkit.view(store, {"url": BASE, "outcome": "timeout", "http_status": None})
    [f] = human_alternative_check(checkkit.service([failed]))
    assert f.outcome is Outcome.needs_review and f.data["pages_searched"] == []


# -- rules on hand-made pages --------------------------------------------------------------------

def test_defenseur_des_droits_number_is_third_party_on_any_page(store: ArtifactStore) -> None:
    [f] = human_alternative_check(checkkit.service(
        [page(store, "Vous pouvez aussi appeler le 09 69 39 00 00.", kind="contact")]))
    assert f.outcome is Outcome.needs_review
    assert phones(f)["+33969390000"]["own"] is False


def test_own_number_on_the_declaration_page_counts(store: ArtifactStore) -> None:
    text = ("Déclaration d’accessibilité\nRetour d’information et contact\n"
            "Téléphone : 03 20 00 00 00\nVoies de recours\nDéfenseur des droits")
    [f] = human_alternative_check(checkkit.service([page(store, text, kind="accessibility")]))
    assert f.outcome is Outcome.passed
    assert phones(f)["+33320000000"]["own"] is True


def test_contact_url_from_a_link_when_the_page_was_not_captured(store: ArtifactStore) -> None:
    links = [{"text": "Accueil", "href": BASE}, {"text": "Nous contacter",
                                                 "href": BASE + "contact"}]
    [f] = human_alternative_check(checkkit.service([page(store, "Bienvenue", links=links)]))
    assert f.data["contact_url"] == BASE + "contact"
    assert f.outcome is Outcome.needs_review


@pytest.mark.parametrize(("text", "number", "kind"), [
    ("Numéro vert : 0 800 123 456", "+33800123456", "toll_free"),
    ("Mobile : 06 12 34 56 78", "+33612345678", "mobile"),
    ("Appelez le 39\u00a049", "3949", "short"),
    ("Composez le 3646 (service gratuit)", "3646", "short"),
])
def test_phone_kinds(store: ArtifactStore, text: str, number: str, kind: str) -> None:
    [f] = human_alternative_check(checkkit.service([page(store, text)]))
    assert phones(f)[number]["kind"] == kind and f.outcome is Outcome.passed


@pytest.mark.parametrize("text", [
    "Standard : 01 36 46 12 34 ; fax : 01 36 46 12 35",  # 36 46 inside a longer number
    "Plus de 3000 usagers nous ont contactés",
    "Loi n° 2005-102 du 11 février 2005",
    "SIRET : 130 025 265 00013",
])
def test_no_spurious_short_number(store: ArtifactStore, text: str) -> None:
    [f] = human_alternative_check(checkkit.service([page(store, text)]))
    assert not [p for p in f.data["phones"] if p["kind"] == "short"]


def test_chat_hours_are_not_a_desk(store: ArtifactStore) -> None:
    [f] = human_alternative_check(checkkit.service(
        [page(store, "Chat en ligne du lundi au vendredi de 9h à 18h")]))
    assert f.data["desk"] == [] and f.outcome is Outcome.needs_review


def test_runner_finding_uses_only_documented_keys(store: ArtifactStore) -> None:
    spec = get_check(CHECK)
    assert spec.scope == "service" and spec.version == 2
    [f] = evaluate(spec, checkkit.service([saved(store, "contact-phone")]))
    assert f.outcome is Outcome.passed and set(f.data) <= set(spec.data_keys)


def test_corrupt_collector_never_raises(store: ArtifactStore) -> None:
    bad = {"visible_text": None, "code_texts": None, "headings": None, "title": None,
           "links": [None, {"href": "tel:"}, {"href": "tel:abc"}, {"href": None}],
           "forms": [None, {"fields": None}, {"fields": [None]}]}
    view = checkkit.view(store, {"url": BASE, "page_kind": "contact", "collector": bad})
    [f] = human_alternative_check(checkkit.service([view]))
    assert f.outcome is Outcome.needs_review and f.data["phones"] == []


# -- whose contact is it ---------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b", "same"), [
    ("https://permisdeconduire.ants.gouv.fr/demarche", "https://ants.gouv.fr/contact", True),
    ("https://www.impots.gouv.fr/contact", "https://ants.gouv.fr/", False),  # gouv.fr: suffix
    ("https://demarches.saint-aubin.fr/", "https://www.saint-aubin.fr/contact", True),
    ("https://x.github.io/", "https://y.github.io/", False),  # a private suffix, two owners
    ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/contact", True),
])
def test_organisations_are_registrable_domains(a: str, b: str, same: bool) -> None:
    assert same_organisation(a, b) is same


def test_the_public_suffix_list_is_the_bundled_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from checks import third_party

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the public-suffix list must not be fetched")

    third_party._extract.cache_clear()
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    try:
        assert organisation("https://www.demarches.interieur.gouv.fr/") == "interieur.gouv.fr"
    finally:
        third_party._extract.cache_clear()


@pytest.mark.parametrize(("href", "owner"), [
    ("https://formulaire.defenseurdesdroits.fr/", "Défenseur des droits"),
    ("mailto:delegue@defenseurdesdroits.fr", "Défenseur des droits"),
    ("https://www.google.com/", "Moteur de recherche (lien provisoire)"),
    ("https://www.google.fr/search?q=contact", "Moteur de recherche (lien provisoire)"),
    ("https://fr-fr.facebook.com/mairie", "Réseau social"),
    ("https://x.com/mairie", "Réseau social"),
    ("https://www.example.com/contact", "Lien provisoire"),
    ("https://www.saint-aubin.fr/contact", None),
])
def test_known_third_parties(href: str, owner: str | None) -> None:
    assert known_third_party(href) == owner


def test_the_defenseurs_address_is_never_a_desk_on_any_page(store: ArtifactStore) -> None:
    text = ("Pour tout litige, écrire sans timbre à :\nLibre réponse 71120\n"
            "75342 Paris CEDEX 07\nNotre accueil : 4 rue de la Gare, 35000 Rennes")
    [f] = human_alternative_check(checkkit.service([page(store, text, kind="start")]))
    assert [d["snippet"] for d in f.data["desk"]] == ["Notre accueil : 4 rue de la Gare, "
                                                      "35000 Rennes"]
    assert [(t["value"], t["third_party"]) for t in f.data["third_party_contacts"]] == [
        ("75342 Paris CEDEX 07", "Défenseur des droits")]


def test_a_tel_link_in_the_voies_de_recours_is_not_the_services(store: ArtifactStore) -> None:
    text = ("Déclaration d’accessibilité\nVoies de recours\n"
            "Contacter le délégué de votre département : 02 99 00 00 00")
    links = [{"text": "02 99 00 00 00", "href": "tel:+33299000000"}]
    [f] = human_alternative_check(checkkit.service(
        [page(store, text, kind="accessibility", links=links)]))
    assert phones(f)["+33299000000"] == {
        "number": "+33299000000", "kind": "fixed_line", "page": BASE, "own": False,
        "third_party": "Voies de recours"}
    assert f.outcome is Outcome.needs_review


def test_a_captured_contact_page_of_another_organisation_is_not_the_services(
        store: ArtifactStore) -> None:
    start = page(store, "Bienvenue", kind="start")
    other = page(store, "Contactez-nous au 01 40 00 00 00", kind="contact",
                 url="https://www.interieur.gouv.fr/contact")
    [f] = human_alternative_check(checkkit.service([start, other]))
    assert f.data["contact_url"] is None
    assert f.data["third_party_contacts"][0]["third_party"] == "Autre site (interieur.gouv.fr)"
    assert phones(f)["+33140000000"]["third_party"] == "Autre site (interieur.gouv.fr)"
    assert f.outcome is Outcome.needs_review


def test_an_off_site_contact_page_the_site_links_to_as_its_own_counts(
        store: ArtifactStore) -> None:
    links = [{"text": "Nous contacter", "href": "https://aide.cantine-en-ligne.fr/contact"}]
    start = page(store, "Bienvenue\nNous contacter", kind="start", links=links)
    desk = page(store, "Appelez-nous au 01 40 00 00 00", kind="contact",
                url="https://aide.cantine-en-ligne.fr/contact")
    [f] = human_alternative_check(checkkit.service([start, desk]))
    assert f.data["contact_url"] == "https://aide.cantine-en-ligne.fr/contact"
    assert phones(f)["+33140000000"]["own"] is True and f.outcome is Outcome.passed
