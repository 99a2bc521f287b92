"""The `dsfr` check on saved captures of fixture pages, without a browser."""

from __future__ import annotations

import json
from typing import Any

import pytest

from checks.dsfr import dsfr_check, url_version
from checks.model import Finding, Outcome
from checks.registry import get_check
from checks.runner import evaluate
from storage.artifacts import ArtifactStore
from tests import checkkit


def judge(store: ArtifactStore, *names: str, **service: Any) -> Finding:
    findings = list(dsfr_check(checkkit.service(
        [checkkit.load(store, "dsfr", n) for n in names], **service)))
    assert len(findings) == 1  # one finding per service scan
    return findings[0]


@pytest.mark.parametrize(("name", "version", "source"), [
    ("full-banner", "1.12.1", "banner"),       # /*! DSFR v1.12.1 banner in a local dsfr.min.css
    ("bundled-banner", "1.12.1", "banner"),    # DSFR inside the site's own app.3f9a1c.css
    ("path-version", "1.11.2", "url"),         # /dsfr/1.11.2/dsfr.min.css, no banner
    ("dsfr-v-folder", "1.10.0", "url"),        # /static/dsfr-v1.10.0/dist/…
])
def test_dsfr_pages_pass_with_their_version(store: ArtifactStore, name: str, version: str,
                                            source: str) -> None:
    finding = judge(store, name)
    assert finding.outcome is Outcome.passed
    assert finding.data["level"] == "detected"
    assert (finding.data["version"], finding.data["version_source"]) == (version, source)
    signals = finding.data["signals"]
    assert signals["fr_header"] and signals["fr_footer"] and signals["fr_logo"]
    assert signals["marianne_font"] and signals["dsfr_assets"]
    assert signals["fr_classes_count"] >= 20 and finding.data["score"] == 10
    assert finding.page_capture_id is not None
    assert version in finding.message


def test_evidence_shows_the_banner_and_the_header_markup(store: ArtifactStore) -> None:
    finding = judge(store, "full-banner")
    assets = [e for e in finding.evidence if e.extra.get("role") == "dsfr_asset"]
    assert [a.url for a in assets] == ["http://fixture.test/css/dsfr.min.css"]
    assert assets[0].snippet and assets[0].snippet.startswith("/*! DSFR v1.12.1 |")
    header = next(e for e in finding.evidence if e.selector == ".fr-header")
    assert header.snippet == '<header role="banner" class="fr-header">'
    assert header.url == "http://fixture.test/full-banner.html"


@pytest.mark.parametrize("name", [
    "no-dsfr",           # another design, text naming "DSFR v1.12.1" and "fr-header"
    "quoted-markup",     # documentation quoting DSFR markup and banner in <pre><code>
    "stray-fr-classes",  # fr-lang, fr-flag: two classes that are not DSFR components
])
def test_pages_without_dsfr_fail(store: ArtifactStore, name: str) -> None:
    finding = judge(store, name)
    assert finding.outcome is Outcome.fail
    assert finding.data["level"] == "not_detected"
    assert finding.data["version"] is None and finding.data["versions_seen"] == []
    assert finding.data["score"] == 0 and finding.page_capture_id is None
    # The pages searched are the evidence.
    assert [e.url for e in finding.evidence] == [f"http://fixture.test/{name}.html"]


def test_quoted_markup_never_counts(store: ArtifactStore) -> None:
    capture = checkkit.load(store, "dsfr", "quoted-markup")
    assert capture.collector and "fr-header" in " ".join(capture.collector["code_texts"])
    assert capture.html and "DSFR v1.12.1" in capture.html
    signals = judge(store, "quoted-markup").data["signals"]
    assert signals == {"fr_header": False, "fr_footer": False, "fr_logo": False,
                       "fr_classes_count": 0, "dsfr_assets": [], "marianne_font": False,
                       "score": 0, "page_url": "http://fixture.test/quoted-markup.html"}


def test_service_level_is_its_best_page(store: ArtifactStore) -> None:
    finding = judge(store, "no-dsfr", "partial-classes", "path-version")
    proving = checkkit.load(store, "dsfr", "path-version")  # same JSON, new id
    assert finding.outcome is Outcome.passed
    assert finding.data["signals"]["page_url"] == proving.url
    assert finding.data["pages_examined"] == 3 and finding.data["pages_detected"] == 1
    levels = {e.url: e.extra["level"] for e in finding.evidence
              if e.extra.get("role") == "page_examined"}
    assert levels == {"http://fixture.test/no-dsfr.html": "not_detected",
                      "http://fixture.test/partial-classes.html": "partial",
                      "http://fixture.test/path-version.html": "detected"}


@pytest.mark.parametrize(("url", "version"), [
    ("https://cdn.jsdelivr.net/npm/@gouvfr/dsfr@1.12.1/dist/dsfr.min.css", "1.12.1"),
    ("https://www.exemple.gouv.fr/dsfr/1.11.2/dsfr.module.min.js", "1.11.2"),
    ("https://www.exemple.gouv.fr/static/dsfr-v1.10.0/dist/dsfr.min.css", "1.10.0"),
    ("https://www.exemple.gouv.fr/dsfr/v1.9.3/utility/icons.min.css", "1.9.3"),
    ("https://www.exemple.gouv.fr/dsfr/dist/dsfr.min.css", None),
    ("https://www.exemple.gouv.fr/assets/app-1.12.1.css", None),
])
def test_version_from_package_path(url: str, version: str | None) -> None:
    assert url_version(url) == version


def test_failed_captures_and_missing_collectors_are_skipped(store: ArtifactStore) -> None:
    full = json.loads((checkkit.FIXTURES / "dsfr" / "full-banner.capture.json").read_text())
    failed = checkkit.view(store, {**full, "outcome": "timeout"})
    bare = checkkit.view(store, {**full, "collector": None})
    finding = next(iter(dsfr_check(checkkit.service([failed, bare]))))
    assert finding.outcome is Outcome.needs_review
    assert finding.data["level"] is None and finding.data["pages_examined"] == 0
    assert finding.evidence[0].url == "http://fixture.test/"  # the service's start URL


def test_odd_collector_values_do_not_crash(store: ArtifactStore) -> None:
    full = json.loads((checkkit.FIXTURES / "dsfr" / "full-banner.capture.json").read_text())
    odd = {**full["collector"], "fr_classes": None, "font_families": "Marianne",
           "stylesheets": [None, 3], "asset_heads": [None, {"url": "x", "head": None}]}
    capture = checkkit.view(store, {**full, "collector": odd})
    findings = evaluate(get_check("dsfr"), checkkit.service([capture]))
    assert [f.outcome for f in findings] == [Outcome.fail]


def test_registration() -> None:
    spec = get_check("dsfr")
    assert spec.scope == "service" and spec.version == 2
    assert {"level", "version", "signals"} <= set(spec.data_keys)
