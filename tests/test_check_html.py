"""checks.html: the stored HTML read with the collector's own CSS paths, without a browser."""

from __future__ import annotations

import pytest

from checks.html import html_elements
from storage.artifacts import ArtifactStore
from tests.checkkit import load


@pytest.mark.parametrize(("check_id", "name"), [
    ("auth-button", "legacy-img-title"),        # XHTML tables (tbody added by the browser)
    ("auth-button", "legacy-input-image"),      # ASP.NET ids
    ("human-alternative", "declaration-template"),
    ("dsfr", "components-no-header"),
])
def test_css_paths_are_the_collectors(store: ArtifactStore, check_id: str, name: str) -> None:
    capture = load(store, check_id, name)
    collected = [link["selector"] for link in (capture.collector or {})["links"]]
    found = html_elements(capture, "//a[@href] | //area[@href]")
    assert collected and [e.selector for e in found] == collected


def test_the_link_or_button_an_element_is_in(store: ArtifactStore) -> None:
    capture = load(store, "auth-button", "legacy-img-title")
    [image] = html_elements(capture, "//img[@title]")
    assert image.clickable_tag == "a" and image.selector == image.clickable + " > img"


def test_hints_skip_pages_without_them(store: ArtifactStore) -> None:
    capture = load(store, "auth-button", "legacy-img-title")
    assert html_elements(capture, "//img", hints=("proconnect",)) == []
    assert html_elements(capture, "//img", hints=("proconnect", "franceconnect"))
