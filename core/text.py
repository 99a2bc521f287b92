"""Text normalisation shared by every matcher: French pages write the same words many ways."""

from __future__ import annotations

import functools
import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Typographic apostrophes and the narrow/no-break spaces French typography puts before « : ».
_TRANSLATE = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00a0": " ",
                            "\u202f": " ", "\u2009": " "})


@functools.cache
def _combining() -> re.Pattern[str]:
    """Every combining mark (accents once NFKD has split them off), as one character class:
    checks normalise tens of thousands of lines per run, and a per-character loop is slow.
    Built on first use (0.3 s), not on import: the CLI and the service list rarely need it."""
    return re.compile("[" + "".join(
        re.escape(chr(c)) for c in range(0x110000) if unicodedata.combining(chr(c))) + "]")


def fold_accents(text: str) -> str:
    """``text`` without accents, compatibility forms split (« Île » → « Ile », « ﬁ » → « fi »).
    Letters with no decomposition stay as they are (« Œ », « ß », « ø »)."""
    return _combining().sub("", unicodedata.normalize("NFKD", text))


def fold_to_ascii(text: str) -> str:
    """:func:`fold_accents`, then every character still outside ASCII dropped, for identifiers
    (« Œuvre » → « uvre », « n°3 » → « n3 »): service slugs and CSV column keys depend on it,
    keep its output. Combining marks are not ASCII, so dropping them is the same step."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def normalise_text(value: str) -> str:
    """Lowercase, strip accents, fold typographic apostrophes and every kind of space."""
    return _SPACES.sub(" ", fold_accents(value.translate(_TRANSLATE))).strip().lower()


def without(text: str, parts: list[str]) -> str:
    """``text`` with each of ``parts`` removed (e.g. code samples quoted on the page)."""
    for part in parts:
        if part.strip():
            text = text.replace(part, " ")
    return text
