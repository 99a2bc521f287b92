"""The `plain-language` check (readability estimate) on saved captures, without a browser."""

from __future__ import annotations

import json
from typing import Any

import pytest
import textstat

from checks.model import Finding, Outcome
from checks.plain_language import (
    LONG_SENTENCE_WORDS,
    drop_code,
    measure,
    plain_language_check,
    sentences_of,
)
from checks.registry import get_check
from storage.artifacts import ArtifactStore
from tests.checkkit import FIXTURES, load, view

CHECK = "plain-language"
ALL = ["texte-simple", "apostrophes", "sans-main", "texte-administratif", "texte-court",
       "code-pre", "page-anglaise"]


def saved(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / CHECK / f"{name}.capture.json").read_text(encoding="utf-8"))


def judge(store: ArtifactStore, name: str) -> Finding:
    findings = list(plain_language_check(load(store, CHECK, name)))
    assert len(findings) == 1
    return findings[0]


@pytest.mark.parametrize("name", ["texte-simple", "apostrophes", "sans-main"])
def test_easy_texts_pass(store: ArtifactStore, name: str) -> None:
    finding = judge(store, name)
    assert finding.outcome is Outcome.passed
    assert finding.data["score"] >= 60 and finding.data["long_sentences"] == 0
    assert finding.data["words"] >= 100 and finding.data["formula"] == "flesch-kandel-moles"
    assert "estimation non officielle" in finding.message.lower()
    sample = finding.evidence[0]
    assert sample.kind == "text" and sample.snippet and 100 < len(sample.snippet) <= 502


def test_administrative_text_needs_review_with_its_long_sentences(store: ArtifactStore) -> None:
    finding = judge(store, "texte-administratif")
    assert finding.outcome is Outcome.needs_review  # an estimate: never a fail
    assert finding.data["score"] < 40 and finding.data["difficulty"] == "très difficile"
    assert finding.data["long_sentences"] == 4 == finding.data["sentences"]
    assert finding.data["words_per_sentence"] > 40
    longest = finding.evidence[1:]
    assert len(longest) == 3
    assert all(e.extra["long_sentence_words"] > LONG_SENTENCE_WORDS for e in longest)
    assert longest[0].snippet and longest[0].snippet.startswith("En application des dispositions")
    assert "difficile à lire" in finding.message and "26,2" in finding.message


def test_code_samples_are_not_text(store: ArtifactStore) -> None:
    collector = saved("code-pre")["collector"]
    assert measure(collector["main_text"]).words >= 100  # with the code, enough "text"
    finding = judge(store, "code-pre")
    assert finding.outcome is Outcome.not_applicable and finding.data["words"] < 40
    assert finding.evidence[0].snippet and "curl" not in finding.evidence[0].snippet


def test_typographic_apostrophes_and_no_break_spaces_weigh_the_same() -> None:
    typographic = ("L’enfant doit avoir trois ans dans l’année\u00a0! C’est la mairie qui "
                   "choisit l’école\u202f; elle vous écrit.\nQu’est-ce qu’il faut apporter ?")
    plain = typographic.replace("’", "'").replace("\u00a0", " ").replace("\u202f", " ")
    a, b = measure(typographic), measure(plain)
    assert (a.score, a.words, len(a.sentences)) == (b.score, b.words, len(b.sentences))
    assert a.sentences[0].startswith("L’enfant")  # evidence keeps the page's own typography


def test_sample_keeps_the_page_typography(store: ArtifactStore) -> None:
    snippet = judge(store, "apostrophes").evidence[0].snippet
    assert snippet and snippet.startswith("S’inscrire à l’école")


def test_footer_outside_main_is_not_scored(store: ArtifactStore) -> None:
    # The easy page has a long, hard footer sentence: only <main> is read.
    assert "déconcentrés" in saved("texte-simple")["collector"]["visible_text"]
    assert "déconcentrés" not in (judge(store, "texte-simple").evidence[0].snippet or "")


@pytest.mark.parametrize("change", [
    {"viewport": "mobile"}, {"page_kind": "legal"}, {"page_kind": "accessibility"},
    {"outcome": "timeout"}, {"collector": None}])
def test_pages_not_scored(store: ArtifactStore, change: dict[str, Any]) -> None:
    assert list(plain_language_check(view(store, {**saved("texte-simple"), **change}))) == []


def test_missing_texts_never_raise(store: ArtifactStore) -> None:
    data = {**saved("texte-simple"), "collector": {"main_text": None, "code_texts": "x"}}
    [finding] = plain_language_check(view(store, data))
    assert finding.outcome is Outcome.not_applicable and finding.data["words"] == 0


def test_no_fixture_ever_fails(store: ArtifactStore) -> None:
    findings = [judge(store, name) for name in ALL]
    outcomes = {f.outcome for f in findings}
    assert Outcome.fail not in outcomes
    keys = set(get_check(CHECK).data_keys)
    assert all(set(f.data) <= keys for f in findings)
    assert outcomes == {Outcome.passed, Outcome.needs_review, Outcome.not_applicable}
    assert all(f.page_capture_id is not None for f in findings)


def test_textstat_global_language_does_not_matter(store: ArtifactStore) -> None:
    before = judge(store, "texte-administratif").data["score"]
    textstat.set_lang("de")  # another check (or library user) may have left it so
    try:
        assert judge(store, "texte-administratif").data["score"] == before
    finally:
        textstat.set_lang("en_US")


def test_code_is_dropped_as_whole_words_whatever_its_spacing() -> None:
    text = "Vous devez fournir le nir.\n<input\n   name=\"nir\">\nFin du texte ici."
    out = drop_code(text, ["nir", '<input name="nir">'])
    assert "fournir" in out and "<input" not in out and " nir." not in out


def test_sentences_split_on_lines_and_full_stops_not_abbreviations() -> None:
    text = ("Accueil\nFaire une demande\nComptez env. 3 jours. Ensuite, vous recevez un "
            "courriel !\nLes pièces à fournir")
    assert sentences_of(text) == ["Faire une demande", "Comptez env. 3 jours.",
                                  "Ensuite, vous recevez un courriel !", "Les pièces à fournir"]


def test_registered_as_a_page_check_with_contract_data_keys() -> None:
    spec = get_check(CHECK)
    assert spec.scope == "page" and spec.version == 1
    assert "estimation non officielle" in spec.title
    assert {"score", "formula", "words", "long_sentences"} <= set(spec.data_keys)
