"""The `auth-button` check on saved captures of fixture pages, without a browser."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from checks.auth_button import (
    auth_button_check,
    authorize_provider,
    brand_provider,
    help_provider,
    route_provider,
    text_provider,
)
from checks.model import Finding, Outcome
from checks.registry import get_check
from checks.runner import evaluate
from storage.artifacts import ArtifactStore
from tests.checkkit import load, service, view
from tests.checkkit import saved as checkkit_saved

CHECK = "auth-button"


def run(store: ArtifactStore, *names: str, declared: dict[str, Any] | None = None) -> Finding:
    captures = [load(store, CHECK, name) for name in names]
    findings = list(auth_button_check(service(captures, declared=declared)))
    assert len(findings) == 1  # service scope: one finding per scan
    return findings[0]


def saved(name: str) -> dict[str, Any]:
    return checkkit_saved(CHECK, name)


def kinds(button: dict[str, Any]) -> set[str]:
    return {signal.split(":", 1)[0] for signal in button["signals"]}


@pytest.mark.parametrize(("name", "providers", "tag", "decisive"), [
    ("franceconnect-dsfr", ["franceconnect"], "<button", "brand"),
    ("franceconnect-plus", ["franceconnect_plus"], "<a", "class"),
    ("plus-brand-noclass", ["franceconnect_plus"], "<button", "brand"),
    ("plus-help-link", ["franceconnect_plus"], "<button", "help_link"),
    ("proconnect-fr-connect", ["proconnect"], "<button", "brand"),
    ("agentconnect-legacy", ["proconnect"], "<button", "authorize"),
    ("fcboutons-image", ["franceconnect"], "<a", "image"),
    ("authorize-form", ["franceconnect"], "<form", "authorize"),
    ("proconnect-button.mobile", ["proconnect"], "<button", "class"),
    ("two-providers", ["franceconnect", "proconnect"], "<a", "brand"),
])
def test_button_found_passes_with_providers(store: ArtifactStore, name: str,
                                            providers: list[str], tag: str,
                                            decisive: str) -> None:
    finding = run(store, name)
    assert finding.outcome is Outcome.passed
    assert finding.data["providers"] == providers
    url = f"http://fixture.test/{name}.html"
    first = finding.data["buttons"][0]
    assert first["page_url"] == url and first["selector"] and decisive in kinds(first)
    assert finding.page_capture_id is not None
    node = finding.evidence[0]
    assert node.kind == "node" and node.url == url and node.selector == first["selector"]
    assert node.snippet and node.snippet.startswith(tag)
    assert "Bouton de connexion détecté" in finding.message


def test_proconnect_on_dsfr_classes_is_not_franceconnect(store: ArtifactStore) -> None:
    finding = run(store, "proconnect-fr-connect")
    [button] = finding.data["buttons"]
    assert button["provider"] == "proconnect"
    assert "base_class: fr-connect" in button["signals"]  # the DSFR class alone says nothing
    assert "FranceConnect" not in finding.message


def test_franceconnect_plus_without_plus_class(store: ArtifactStore) -> None:
    for name in ("plus-brand-noclass", "plus-help-link"):
        [button] = run(store, name).data["buttons"]
        assert not any("fr-connect--plus" in s for s in button["signals"])
        assert button["provider"] == "franceconnect_plus"


def test_nested_markup_counts_as_one_button(store: ArtifactStore) -> None:
    # div.agentconnect-button > form > button.agentconnect-button > span.agentconnect-sr-only
    [button] = run(store, "agentconnect-legacy").data["buttons"]
    assert button["selector"].endswith("form > button")
    assert "help_link: https://agentconnect.gouv.fr/" in button["signals"]


@pytest.mark.parametrize("name", ["generic-login", "docs-code", "footer-partner"])
def test_not_found_needs_review_with_pages_searched(store: ArtifactStore, name: str) -> None:
    finding = run(store, name)
    assert finding.outcome is Outcome.needs_review
    assert finding.data["providers"] == [] and finding.data["buttons"] == []
    url = f"http://fixture.test/{name}.html"
    assert finding.data["pages_searched"] == [url]
    assert [(e.kind, e.url) for e in finding.evidence] == [("url", url)]
    assert "plus loin dans la démarche" in finding.message


def test_docs_page_really_quotes_the_markup() -> None:
    collector = saved("docs-code")["collector"]
    assert any("fr-connect--plus" in text for text in collector["code_texts"])
    assert collector["connect_buttons"] == []  # quoted markup is no element
    # a live authorize link shown inside <code> exists, and still does not count
    assert any("/api/v1/authorize" in link["href"] for link in collector["links"])


def test_declared_but_not_seen_stays_to_review(store: ArtifactStore) -> None:
    finding = run(store, "generic-login", declared={"franceconnect": True})
    assert finding.outcome is Outcome.needs_review
    assert finding.data["declared"] is True and finding.data["declared_matches"] is None
    assert "déclaré compatible FranceConnect" in finding.message
    only_pro = run(store, "proconnect-fr-connect", declared={"franceconnect": True})
    assert only_pro.data["declared_matches"] is None
    assert "aucun bouton FranceConnect" in only_pro.message


def test_no_declaration_gives_null(store: ArtifactStore) -> None:
    finding = run(store, "franceconnect-dsfr", declared={"franceconnect_label": "Oui"})
    assert finding.data["declared"] is None and finding.data["declared_matches"] is None


def test_same_page_in_both_viewports_is_one_button(store: ArtifactStore) -> None:
    desktop = saved("franceconnect-dsfr")
    mobile = dict(desktop, viewport="mobile")
    finding = next(iter(auth_button_check(service([view(store, desktop),
                                                    view(store, mobile)]))))
    assert len(finding.data["buttons"]) == 1


def test_pages_without_collector_are_skipped(store: ArtifactStore) -> None:
    failed = view(store, {"url": "http://fixture.test/down", "outcome": "timeout"})
    bare = view(store, {"url": "http://fixture.test/bare"})
    finding = next(iter(auth_button_check(service([failed, bare]))))
    assert finding.outcome is Outcome.needs_review and "Aucune page" in finding.message


def test_corrupt_collector_data_is_an_error(store: ArtifactStore) -> None:
    broken = replace(view(store, {"url": "http://fixture.test/x"}),
                     collector_sha256=store.put_json("garbage"))
    finding = next(iter(auth_button_check(service([broken]))))
    assert finding.outcome is Outcome.error


def test_odd_values_in_collector_lists_do_not_crash(store: ArtifactStore) -> None:
    odd = view(store, {"url": "http://fixture.test/odd", "collector": {
        "connect_buttons": [None, {"selector": None}, {"selector": "a", "help_links": None,
                                                       "brand": None, "classes": 3}],
        "links": [{"href": None, "selector": "b", "img_alts": [None]}],
        "forms": [{"action": "http://[bad", "selector": "form"}], "images": "nope"}})
    finding = next(iter(auth_button_check(service([odd]))))
    assert finding.outcome is Outcome.needs_review


@pytest.mark.parametrize(("url", "provider"), [
    ("https://app.franceconnect.gouv.fr/api/v1/authorize?client_id=x", "franceconnect"),
    ("https://oidc.franceconnect.gouv.fr/api/v2/authorize", "franceconnect"),
    ("https://auth.franceconnect.gouv.fr/api/v2/authorize", "franceconnect_plus"),
    ("https://auth.agentconnect.gouv.fr/api/v2/authorize", "proconnect"),
    ("https://auth.proconnect.gouv.fr/api/v2/authorize", "proconnect"),
    ("https://franceconnect.gouv.fr/", None),  # the help page, not a login
    ("https://app.franceconnect.gouv.fr/api/v1/logout", None),
    ("https://example.fr/authorize", None),
])
def test_authorize_provider(url: str, provider: str | None) -> None:
    assert authorize_provider(url) == provider


@pytest.mark.parametrize(("text", "brand", "action"), [
    ("FranceConnect", "franceconnect", None),
    ("France\u00a0Connect +", "franceconnect_plus", None),
    ("AgentConnect", "proconnect", None),
    ("S\u2019identifier avec FranceConnect+", "franceconnect_plus", "franceconnect_plus"),
    ("SE CONNECTER AVEC  PROCONNECT", "proconnect", "proconnect"),
    ("Qu\u2019est-ce que FranceConnect ?", "franceconnect", None),
    ("Pour se connecter avec FranceConnect, cliquez ici", "franceconnect", None),
    ("Connexion via FranceConnect - nouvelle fenêtre", "franceconnect", "franceconnect"),
    ("Se connecter", None, None),
])
def test_text_matching(text: str, brand: str | None, action: str | None) -> None:
    assert brand_provider(text) == brand
    assert text_provider(text) == action


def test_help_links() -> None:
    assert help_provider("https://franceconnect.gouv.fr/france-connect-plus") == \
        "franceconnect_plus"
    assert help_provider("https://www.proconnect.gouv.fr/") == "proconnect"
    assert help_provider("https://example.fr/franceconnect") is None


def test_registered_as_a_service_check(store: ArtifactStore) -> None:
    spec = get_check(CHECK)
    assert spec.scope == "service" and spec.version == 2
    assert {"providers", "buttons", "declared"} <= set(spec.data_keys)
    findings = evaluate(spec, service([load(store, CHECK, "two-providers")]))
    assert [f.outcome for f in findings] == [Outcome.passed]
    assert set(findings[0].data) <= set(spec.data_keys)


@pytest.mark.parametrize(("label", "provider"), [
    ("S’identifier avec FranceConnect", "franceconnect"),
    ("Je m’identifie avec FranceConnect+", "franceconnect_plus"),
    ("Se connecter avec FranceConnect (nouvelle fenêtre)", "franceconnect"),
    ("S'identifier avec FranceConnect - nouvelle fenêtre", "franceconnect"),
    # prose that starts like a button: an FAQ question, a help link, a news headline
    ("Comment s’identifier avec FranceConnect ?", None),
    ("S’identifier avec FranceConnect : pas à pas", None),
    ("Se connecter avec FranceConnect, c’est désormais possible", None),
])
def test_a_label_is_the_action_and_the_brand_only(label: str, provider: str | None) -> None:
    assert text_provider(label) == provider


@pytest.mark.parametrize(("url", "provider"), [
    ("https://mairie.test/auth/franceconnect?destination=/compte", "franceconnect"),
    ("https://cantine.test/oauth2/authorization/fc", "franceconnect"),
    ("https://x.test/users/auth/france_connect", "franceconnect"),
    ("https://x.test/teleservices/Connexion.aspx?mode=fc", "franceconnect"),
    ("https://x.test/connexion/franceconnect-plus", "franceconnect_plus"),
    ("https://x.test/login/fcplus", "franceconnect_plus"),
    ("https://x.test/auth/proconnect/callback", "proconnect"),
    ("https://x.test/aide/franceconnect", None),          # a help page: no sign-in word
    ("https://x.test/actualites/se-connecter-avec-franceconnect", None),
    ("https://x.test/login", None),                       # no provider named
])
def test_route_provider(url: str, provider: str | None) -> None:
    assert route_provider(url) == provider


@pytest.mark.parametrize(("url", "provider"), [
    ("https://fcp.integ01.dev-franceconnect.fr/api/v1/authorize?x=1", "franceconnect"),
    ("https://fcp-low.integ01.dev-franceconnect.fr/api/v2/authorize", "franceconnect"),
    ("https://fcp-high.integ01.dev-franceconnect.fr/api/v2/authorize", "franceconnect_plus"),
    ("https://auth.integ01.dev-franceconnect.fr/api/v1/authorize", "franceconnect_plus"),
])
def test_integration_platform_endpoints(url: str, provider: str) -> None:
    assert authorize_provider(url) == provider


def test_an_image_title_found_in_the_stored_html_merges_with_its_link(
        store: ArtifactStore) -> None:
    finding = run(store, "legacy-img-title")
    [button] = finding.data["buttons"]
    assert button["selector"].endswith("> a")  # the link, not its image: one button
    assert button["signals"] == ["text: S'identifier avec FranceConnect"]


def test_a_logo_or_an_illustration_is_not_a_button_image(store: ArtifactStore) -> None:
    assert run(store, "news-franceconnect").data["buttons"] == []
    assert run(store, "footer-partner").data["buttons"] == []
