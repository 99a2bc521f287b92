"""Text normalisation shared by every matcher: French pages write the same words many ways."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Every combining mark (accents once NFKD has split them off), as one character class:
# checks normalise tens of thousands of lines per run, and a per-character loop is slow.
_COMBINING = re.compile("[" + "".join(
    re.escape(chr(c)) for c in range(0x110000) if unicodedata.combining(chr(c))) + "]")
# Typographic apostrophes and the narrow/no-break spaces French typography puts before « : ».
_TRANSLATE = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00a0": " ",
                            "\u202f": " ", "\u2009": " "})


def normalise_text(value: str) -> str:
    """Lowercase, strip accents, fold typographic apostrophes and every kind of space."""
    value = _COMBINING.sub("", unicodedata.normalize("NFKD", value.translate(_TRANSLATE)))
    return _SPACES.sub(" ", value).strip().lower()


def without(text: str, parts: list[str]) -> str:
    """``text`` with each of ``parts`` removed (e.g. code samples quoted on the page)."""
    for part in parts:
        if part.strip():
            text = text.replace(part, " ")
    return text
