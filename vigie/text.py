"""Text normalisation shared by every matcher: French pages write the same words many ways."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Typographic apostrophes and the narrow/no-break spaces French typography puts before « : ».
_TRANSLATE = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00a0": " ",
                            "\u202f": " ", "\u2009": " "})


def normalise_text(value: str) -> str:
    """Lowercase, strip accents, fold typographic apostrophes and every kind of space."""
    value = unicodedata.normalize("NFKD", value.translate(_TRANSLATE))
    value = "".join(c for c in value if not unicodedata.combining(c))
    return _SPACES.sub(" ", value).strip().lower()


def without(text: str, parts: list[str]) -> str:
    """``text`` with each of ``parts`` removed (e.g. code samples quoted on the page)."""
    for part in parts:
        if part.strip():
            text = text.replace(part, " ")
    return text
