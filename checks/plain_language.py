"""``plain-language``: a French readability estimate of each page's main text (not official).

Scores the main text (collector ``main_text``, else ``visible_text``) with textstat's French
Flesch formula (Kandel & Moles coefficients: 207 − 1.015 × words per sentence − 73.6 ×
syllables per word, syllables from pyphen's French dictionary) and counts sentences longer
than 25 words. Code samples (``code_texts``) are removed first, and lines of one or two words
(buttons, menu entries, breadcrumbs) are not sentences. A formula only estimates how hard a
text is to read: hard texts need a person's review, never a ``fail``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from textstat.backend import counts, metrics

from checks.inputs import CaptureView
from checks.model import Evidence, Finding, Outcome
from checks.registry import check
from core.capture import Collected
from core.text import normalise_text

# textstat's backend functions take the language as an argument: textstat.set_lang() is global
# state shared with any other user of textstat, so it is never relied on (nor changed) here.
LANG = "fr"
FORMULA = "flesch-kandel-moles"
MIN_WORDS = 100
LONG_SENTENCE_WORDS = 25
EASY_SCORE = 60.0  # Kandel & Moles scale: 60–70 "standard"; below, "assez difficile" and worse
MAX_LONG_SHARE = 0.2  # more than one sentence in five over 25 words reads as hard
SAMPLE_CHARS = 500
MAX_LONG_SENTENCES_AS_EVIDENCE = 3
# Legal notices, accessibility statements and site maps are boilerplate or lists: not scored.
SCORED_PAGE_KINDS = ("start", "extra", "contact")

# A sentence ends at . ! ? … followed by a capital letter (or an opening quote); abbreviations
# followed by a lower-case word ("env. 3 jours", "etc. et") do not end it.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«\"“(\[]?\s*[A-ZÀ-ÖØ-Þ])")
_TYPOGRAPHY = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00a0": " ",
                             "\u202f": " ", "\u2009": " "})
_BANDS = ((90, "très facile"), (80, "facile"), (70, "assez facile"), (60, "standard"),
          (50, "assez difficile"), (30, "difficile"))


@dataclass
class Readability:
    score: float
    words: int
    sentences: list[str]
    long_sentences: list[str]

    @property
    def words_per_sentence(self) -> float:
        return self.words / len(self.sentences) if self.sentences else 0.0

    @property
    def difficulty(self) -> str:
        return next((label for floor, label in _BANDS if self.score >= floor), "très difficile")

    @property
    def hard(self) -> bool:
        share = len(self.long_sentences) / len(self.sentences) if self.sentences else 0.0
        return self.score < EASY_SCORE or share > MAX_LONG_SHARE


def drop_code(text: str, code_texts: list[str]) -> str:
    """``text`` without the code samples it quotes, whatever their whitespace.

    ``code_texts`` are textContent while the text is innerText, so spacing may differ: each
    sample is matched word by word with any whitespace between, and only as whole words
    (a ``<code>nir</code>`` never eats the "nir" of "fournir").
    """
    for part in sorted({p for p in code_texts if isinstance(p, str)}, key=len, reverse=True):
        words = part.split()
        if not words:
            continue
        pattern = r"\s+".join(re.escape(w) for w in words)
        if re.match(r"\w", words[0]):
            pattern = r"(?<!\w)" + pattern
        if re.search(r"\w$", words[-1]):
            pattern += r"(?!\w)"
        # A multi-line sample is a block: it separates what comes before and after it.
        text = re.sub(pattern, "\n" if "\n" in part.strip() else " ", text)
    return text


def _word_count(text: str) -> int:
    return int(counts.count_words(text))


def sentences_of(text: str) -> list[str]:
    """Sentences of a rendered text: a line break ends one too (headings, list items have no
    full stop); lines of one or two words (buttons, menu entries) are labels, not prose."""
    out: list[str] = []
    for line in text.splitlines():
        line = " ".join(line.split())  # also folds no-break spaces
        if _word_count(line) > 2:
            out.extend(s for s in _SENTENCE_END.split(line) if _word_count(s) > 0)
    return out


def measure(text: str) -> Readability:
    sentences = sentences_of(text)
    # Every sentence closed by a full stop, so textstat counts our sentences, not lines merged;
    # typographic apostrophes folded so "l’État" and "l'État" weigh the same.
    scored = " ".join(s if s[-1] in ".!?…" else s + "." for s in sentences).translate(_TYPOGRAPHY)
    words = _word_count(scored)
    score = float(metrics.flesch_reading_ease(scored, LANG)) if words else 0.0
    long = [s for s in sentences if _word_count(s) > LONG_SENTENCE_WORDS]
    return Readability(round(score, 1), words, sentences, long)


def _source(collector: Collected) -> tuple[str, str]:
    main = collector.get("main_text")
    if isinstance(main, str) and main.strip():
        return "main_text", main
    visible = collector.get("visible_text")
    return "visible_text", visible if isinstance(visible, str) else ""


def _sample(sentences: list[str]) -> str:
    text = " ".join(sentences)
    if len(text) <= SAMPLE_CHARS:
        return text
    return text[:SAMPLE_CHARS].rsplit(" ", 1)[0] + " …"


def _fr(value: float) -> str:
    """60.0 → "60", 12.5 → "12,5": French decimal comma."""
    text = f"{value:.1f}"
    return (text[:-2] if text.endswith(".0") else text).replace(".", ",")


def _is_french(lang: Any) -> bool:
    # No lang attribute: French public services are presumed French.
    return not isinstance(lang, str) or not lang.strip() or normalise_text(lang).startswith("fr")


@check(
    "plain-language",
    version=1,
    title="Langage clair : lisibilité du texte (estimation non officielle)",
    scope="page",
    references=("vigie:langage-clair",),
    data_keys={
        "score": "French Flesch reading ease (Kandel & Moles), rounded to 0.1: 100 very easy, "
                 "below 60 hard; null when not applicable",
        "formula": "formula used: flesch-kandel-moles (textstat 0.7.13, lang fr)",
        "words": "words in the scored text (code samples and 1–2 word lines removed)",
        "long_sentences": f"sentences of more than {LONG_SENTENCE_WORDS} words",
        "sentences": "sentences scored",
        "words_per_sentence": "average words per sentence, rounded to 0.1",
        "difficulty": "Kandel & Moles band in French: très facile … très difficile",
        "source": "main_text (the <main> element) or visible_text (no <main> on the page)",
        "lang": "the page's lang attribute",
        "page_url": "final URL of the captured page",
    },
)
def plain_language_check(capture: CaptureView) -> Iterator[Finding]:
    # Desktop only: the mobile capture of a page has the same text, it would be scored twice.
    if (capture.outcome != "ok" or capture.viewport != "desktop"
            or capture.page_kind not in SCORED_PAGE_KINDS):
        return
    collector = capture.collector
    if not isinstance(collector, dict):
        return
    lang = collector.get("lang")
    base = {"formula": FORMULA, "lang": lang, "page_url": capture.url}
    if not _is_french(lang):
        yield Finding(
            outcome=Outcome.not_applicable, page_capture_id=capture.id,
            message=f"Estimation non officielle impossible : la page n’est pas en français "
                    f"(langue déclarée « {lang} »).",
            data={**base, "score": None, "words": 0, "long_sentences": 0},
            evidence=[Evidence(kind="url", url=capture.url)],
        )
        return
    source, raw = _source(collector)
    codes = collector.get("code_texts")
    result = measure(drop_code(raw, codes if isinstance(codes, list) else []))
    data = {**base, "source": source, "words": result.words,
            "long_sentences": len(result.long_sentences), "sentences": len(result.sentences)}
    sample = Evidence(kind="text", url=capture.url, snippet=_sample(result.sentences) or None,
                      extra={"source": source})
    if result.words < MIN_WORDS:
        yield Finding(
            outcome=Outcome.not_applicable, page_capture_id=capture.id,
            message=f"Estimation non officielle impossible : trop peu de texte sur la page "
                    f"({result.words} mots, il en faut au moins {MIN_WORDS}, exemples de code "
                    "exclus).",
            data={**data, "score": None},
            evidence=[sample],
        )
        return
    yield _scored(capture, result, data, sample)


def _scored(capture: CaptureView, result: Readability, data: dict[str, Any],
            sample: Evidence) -> Finding:
    long = len(result.long_sentences)
    long_text = ("aucune phrase de plus de" if long == 0 else
                 f"{long} phrase{'s' if long > 1 else ''} sur {len(result.sentences)} de plus de")
    summary = (f"Score de lisibilité {_fr(result.score)} sur 100 ({result.difficulty}) ; "
               f"{_fr(result.words_per_sentence)} mots par phrase en moyenne ; "
               f"{long_text} {LONG_SENTENCE_WORDS} mots.")
    if result.hard:
        message = ("Estimation non officielle : texte probablement difficile à lire. "
                   f"{summary} À relire par une personne pour un langage plus clair.")
    else:
        message = f"Estimation non officielle : texte plutôt facile à lire. {summary}"
    longest = sorted(result.long_sentences, key=_word_count, reverse=True)
    return Finding(
        outcome=Outcome.needs_review if result.hard else Outcome.passed,
        message=message, page_capture_id=capture.id,
        data={**data, "score": result.score,
              "words_per_sentence": round(result.words_per_sentence, 1),
              "difficulty": result.difficulty},
        evidence=[sample, *(
            Evidence(kind="text", url=capture.url, snippet=s[:SAMPLE_CHARS],
                     extra={"long_sentence_words": _word_count(s)})
            for s in longest[:MAX_LONG_SENTENCES_AS_EVIDENCE])],
    )
