"""The `jdma-button` check on saved captures of fixture pages, without a browser."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from checks.jdma_button import jdma_button_check, parse_jdma_url
from checks.model import Finding, Outcome
from checks.registry import get_check
from checks.runner import evaluate
from storage.artifacts import ArtifactStore
from tests.checkkit import load, service, view
from tests.checkkit import saved as checkkit_saved

CHECK = "jdma-button"
REGISTERED = "3720"


def run(store: ArtifactStore, *names: str, jdma_id: str | None = REGISTERED) -> Finding:
    captures = [load(store, CHECK, name) for name in names]
    findings = list(jdma_button_check(service(captures, jdma_id=jdma_id)))
    assert len(findings) == 1  # service scope: one finding per scan
    return findings[0]


def saved(name: str) -> dict[str, Any]:
    return checkkit_saved(CHECK, name)


@pytest.mark.parametrize(
    ("name", "style", "host", "product_id", "button_id", "legacy_id", "form_id", "matches"), [
        ("image-link", "image_link", "jedonnemonavis.numerique.gouv.fr", "3720", "3770", None,
         None, True),
        ("buttons-path", "image_link", "jedonnemonavis.numerique.gouv.fr", "3720", "4810",
         None, None, True),
        ("text-link", "text_link", "jedonnemonavis.numerique.gouv.fr", "3720", "3771", None,
         None, True),
        ("modal-button", "modal", "jedonnemonavis.numerique.gouv.fr", "3720", "3772", None,
         None, True),
        ("iframe", "iframe", "jedonnemonavis.numerique.gouv.fr", "3720", "3773", None, None,
         True),
        ("voxusagers", "image_link", "voxusagers.numerique.gouv.fr", "3720", "3774", None,
         None, True),
        # Not comparable with the registered product id: still present, so a pass.
        ("modal-script", "modal", "jedonnemonavis.numerique.gouv.fr", None, "123", None, "42",
         None),
        ("form-link", "text_link", "jedonnemonavis.numerique.gouv.fr", None, "654", None,
         "987", None),
        ("legacy-link", "image_link", "jedonnemonavis.numerique.gouv.fr", None, None, "2165",
         None, None),
        ("self-hosted-redirect", "image_link", None, None, None, None, None, None),
    ])
def test_button_found_passes_with_its_ids(
        store: ArtifactStore, name: str, style: str, host: str | None, product_id: str | None,
        button_id: str | None, legacy_id: str | None, form_id: str | None,
        matches: bool | None) -> None:
    finding = run(store, name)
    assert finding.outcome is Outcome.passed
    data = finding.data
    assert data["present"] is True
    assert (data["style"], data["host"], data["product_id"], data["button_id"],
            data["legacy_id"], data["form_id"]) == (style, host, product_id, button_id,
                                                    legacy_id, form_id)
    assert data["registered_id"] == REGISTERED and data["id_matches"] is matches
    assert data["page_url"] == f"http://fixture.test/{name}.html"
    assert finding.page_capture_id is not None
    node = finding.evidence[0]
    assert node.kind == "node" and node.url == data["page_url"] and node.selector
    assert node.snippet and node.snippet.startswith(("<a", "<button", "<iframe", "<script"))
    if matches:
        assert "n° 3720 enregistrée" in finding.message
    else:
        assert "ne permet pas de vérifier" in finding.message


@pytest.mark.parametrize(("name", "other", "style"), [
    ("mismatch-image", "9999", "image_link"),
    ("mismatch-modal", "5555", "modal"),
    ("mismatch-iframe.mobile", "4242", "iframe"),
])
def test_button_of_another_product_fails(store: ArtifactStore, name: str, other: str,
                                         style: str) -> None:
    finding = run(store, name)
    assert finding.outcome is Outcome.fail
    assert finding.data["present"] is True and finding.data["style"] == style
    assert finding.data["product_id"] == other and finding.data["id_matches"] is False
    assert f"n° {other}" in finding.message and "n° 3720" in finding.message
    assert other in (finding.evidence[0].snippet or "")


@pytest.mark.parametrize("name", ["none", "code-sample", "login-only"])
def test_not_found_needs_review_with_pages_searched(store: ArtifactStore, name: str) -> None:
    finding = run(store, name)
    assert finding.outcome is Outcome.needs_review
    assert finding.data["present"] is False and finding.data["buttons"] == []
    url = f"http://fixture.test/{name}.html"
    assert finding.data["pages_searched"] == [url]
    assert [(e.kind, e.url) for e in finding.evidence] == [("url", url)]
    assert "après connexion" in finding.message
    assert finding.page_capture_id is None


def test_markup_quoted_in_code_is_really_on_the_page_but_does_not_count() -> None:
    collector = saved("code-sample")["collector"]
    assert any("jdma-modal-widget.js" in t for t in collector["code_texts"])
    # The linkified URL inside <code> is a real link to a démarche: still not a button.
    assert any("/Demarches/3720?button=3770" in link["href"] for link in collector["links"])


def test_none_page_has_look_alikes_that_are_not_buttons() -> None:
    collector = saved("none")["collector"]
    texts = {link["text"] for link in collector["links"]}
    assert "Je donne mon avis" in texts  # to the site's own form, not JDMA
    assert any("bouton-bleu.svg" in image["src"] for image in collector["images"])


def test_registered_id_with_leading_zero_matches(store: ArtifactStore) -> None:
    assert run(store, "image-link", jdma_id="03720").data["id_matches"] is True


def test_same_page_in_both_viewports_is_one_button(store: ArtifactStore) -> None:
    desktop = saved("image-link")
    mobile = dict(desktop, viewport="mobile")
    finding = next(iter(jdma_button_check(service(
        [view(store, desktop), view(store, mobile)], jdma_id=REGISTERED))))
    assert len(finding.data["buttons"]) == 1
    assert finding.data["pages_searched"] == ["http://fixture.test/image-link.html"]


def test_pages_without_collector_are_skipped(store: ArtifactStore) -> None:
    failed = view(store, {"url": "http://fixture.test/down", "outcome": "timeout"})
    bare = view(store, {"url": "http://fixture.test/bare"})  # ok, but no collector data
    finding = next(iter(jdma_button_check(service([failed, bare], jdma_id=REGISTERED))))
    assert finding.outcome is Outcome.needs_review
    assert finding.data["pages_searched"] == [] and "Aucune page" in finding.message


def test_corrupt_collector_data_is_an_error(store: ArtifactStore) -> None:
    broken = replace(view(store, {"url": "http://fixture.test/x"}),
                     collector_sha256=store.put_json(["not", "a", "dict"]))
    finding = next(iter(jdma_button_check(service([broken], jdma_id=REGISTERED))))
    assert finding.outcome is Outcome.error


def test_odd_values_in_collector_lists_do_not_crash(store: ArtifactStore) -> None:
    odd = view(store, {"url": "http://fixture.test/odd", "collector": {
        "links": [None, {"href": None, "img_srcs": None}, {"href": "http://[bad"}],
        "iframes": "nope", "data_attributes": [{"form_url": None}], "scripts": [None]}})
    finding = next(iter(jdma_button_check(service([odd]))))
    assert finding.outcome is Outcome.needs_review


@pytest.mark.parametrize(("url", "expected"), [
    ("https://jedonnemonavis.numerique.gouv.fr/Demarches/3720?button=3770",
     ("3720", "3770", None, None)),
    ("https://JeDonneMonAvis.numerique.gouv.fr/demarches/avis/42?button=123",
     (None, "123", None, "42")),
    ("https://voxusagers.numerique.gouv.fr/Demarches/2165?&nd_source=button&key=abc",
     (None, None, "2165", None)),
    ("https://jedonnemonavis.numerique.gouv.fr/", None),
    ("https://example.fr/Demarches/3720?button=1", None),
    ("not a url", None),
])
def test_parse_jdma_url(url: str, expected: tuple[str | None, ...] | None) -> None:
    target = parse_jdma_url(url)
    got = None if target is None else (target.product_id, target.button_id, target.legacy_id,
                                       target.form_id)
    assert got == expected


def test_registered_as_a_service_check(store: ArtifactStore) -> None:
    spec = get_check(CHECK)
    assert spec.scope == "service" and spec.version == 1
    for key in ("present", "style", "host", "product_id", "button_id", "legacy_id",
                "page_url"):
        assert key in spec.data_keys
    findings = evaluate(spec, service([load(store, CHECK, "image-link")], jdma_id=REGISTERED))
    assert [f.outcome for f in findings] == [Outcome.passed]
    assert set(findings[0].data) <= set(spec.data_keys)
