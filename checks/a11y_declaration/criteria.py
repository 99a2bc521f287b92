"""RGAA 4 themes and criteria, and the declaration's own list of non-conformities.

Declarations list what is not accessible by criterion (« Critère 1.1 », « 3.2 : … »,
« 11.1.2 ») or by theme (« Couleurs », « Liens », « Scripts »). The report compares that list
with the RGAA tests automated checks invalidated (:func:`criterion_of` turns a test into its
criterion), so the theme table is kept here, in words the report can show.

Text is read normalised with :func:`core.text.normalise_text` (no accents, lowercase).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from checks.pagetext import PageText

# RGAA 4.1: theme number → (French name, number of criteria in the theme).
THEMES: dict[int, tuple[str, int]] = {
    1: ("Images", 9), 2: ("Cadres", 2), 3: ("Couleurs", 3), 4: ("Multimédia", 13),
    5: ("Tableaux", 8), 6: ("Liens", 2), 7: ("Scripts", 5), 8: ("Éléments obligatoires", 10),
    9: ("Structuration de l’information", 4), 10: ("Présentation de l’information", 14),
    11: ("Formulaires", 13), 12: ("Navigation", 11), 13: ("Consultation", 12),
}
# Normalised ways of naming each theme at the start of a line or a heading.
_THEME_WORDS: dict[int, str] = {
    1: r"images?", 2: r"cadres?", 3: r"couleurs?|contrastes?", 4: r"multimedias?",
    5: r"tableaux?", 6: r"liens?", 7: r"scripts?", 8: r"elements? obligatoires?",
    9: r"structuration(?: de l.?information)?", 10: r"presentation(?: de l.?information)?",
    11: r"formulaires?", 12: r"navigation", 13: r"consultation",
}
_THEME_LINE = re.compile(
    r"^(?:[-–—•*·]\s*)?(?:(?:thematique|theme)\s*(?:n ?o?\s*)?(?:\d{1,2}\s*)?[:.-]?\s*)?"
    r"(?:(?P<num>\d{1,2})[.)]?\s*[-–—:]?\s*)?(?P<name>"
    + "|".join(f"(?P<t{n}>{w})" for n, w in _THEME_WORDS.items())
    + r")\s*(?:$|[:(–—-]|\s\()"
)
# « 1.1 », « critère 3.2 », « 11.1.2 »; not a version (« RGAA 4.1 »), a date or a phone number.
_CRITERION = re.compile(r"(?<![\d.,/])(1[0-3]|[1-9])\.(\d{1,2})(?:\.(\d{1,2}))?(?![\d/]|[.,]\d)")
_NOT_A_CRITERION_BEFORE = re.compile(r"(?:rgaa|version|v|wcag|article|art\.?|loi|n ?o?)\s*$")
# The list starts at « Non-conformités » / « Contenus non accessibles » and stops at the next
# part of the declaration template.
NON_CONFORMITY_HEADING = re.compile(r"contenus? non accessibles?|non[- ]?conformites?")
_LIST_END_HEADING = re.compile(
    r"derogation|non soumis|charge disproportionnee|etablissement|technologies|environnement"
    r"|outils|pages? (?:du site )?ayant fait|echantillon|retour d.information|contact"
    r"|voies? de recours|amelioration|resultats? des tests|etat de conformite|plan d.action"
    r"|schema pluriannuel"
)
MAX_NON_CONFORMITY_LINES = 100


def theme_name(number: int) -> str:
    return THEMES[number][0]


def criterion_of(test: str) -> str | None:
    """The RGAA criterion of a test (« 1.1.1 » → « 1.1 »), None if it is not one."""
    parts = test.split(".")
    if len(parts) < 2 or not all(p.isdigit() for p in parts[:2]):
        return None
    theme, number = int(parts[0]), int(parts[1])
    if theme not in THEMES or not 1 <= number <= THEMES[theme][1]:
        return None
    return f"{theme}.{number}"


def theme_of(criterion: str) -> int:
    return int(criterion.split(".")[0])


def criteria_in(text: str) -> list[str]:
    """RGAA criteria cited in normalised ``text``, in order, each once."""
    found: list[str] = []
    for m in _CRITERION.finditer(text):
        if _NOT_A_CRITERION_BEFORE.search(text[max(0, m.start() - 12):m.start()]):
            continue
        criterion = criterion_of(f"{m[1]}.{m[2]}")
        if criterion and criterion not in found:
            found.append(criterion)
    return found


def theme_at_start(text: str) -> int | None:
    """The RGAA theme a normalised line or heading starts with (« Couleurs : … »), else None."""
    m = _THEME_LINE.search(text)
    if not m:
        return None
    number = next(n for n in _THEME_WORDS if m[f"t{n}"])
    # « 3. Couleurs »: a number before the name must be the theme's own
    if m["num"] and int(m["num"]) != number:
        return None
    return number


def non_conformity_lines(page: PageText) -> list[int]:
    """Indices of the lines listing non-conformities: under « Non-conformités » or « Contenus
    non accessibles », sub-headings (a theme, a criterion) included, to the next part."""
    out: list[int] = []
    inside = False
    for i, line in enumerate(page.norm):
        if line in page.headings:
            if NON_CONFORMITY_HEADING.search(line) and not _LIST_END_HEADING.search(line):
                inside = True
                continue
            if inside and _LIST_END_HEADING.search(line):
                break
        if inside:
            out.append(i)
    return out[:MAX_NON_CONFORMITY_LINES]


def read_non_conformities(page: PageText) -> tuple[list[str], list[dict[str, Any]],
                                                    list[dict[str, Any]]]:
    """(lines, criteria, themes) the declaration admits.

    ``criteria``: one entry per criterion cited (``criterion``, ``theme``, ``text``: the line
    citing it, or the heading's first line of text when the criterion is a heading).
    ``themes``: one entry per theme named at the start of a line or heading (``theme``,
    ``text``: that line, or the heading's first line of text).
    """
    indices = non_conformity_lines(page)
    lines = [_shown(page, i) for i in indices]
    criteria: dict[str, dict[str, Any]] = {}
    themes: dict[int, dict[str, Any]] = {}
    for pos, i in enumerate(indices):
        norm = page.norm[i]
        text = _shown(page, i)
        is_heading = norm in page.headings
        if is_heading and pos + 1 < len(indices):
            following = indices[pos + 1]
            if page.norm[following] not in page.headings:
                text = f"{text} — {_shown(page, following)}"
        for criterion in criteria_in(norm):
            criteria.setdefault(criterion, {"criterion": criterion,
                                            "theme": theme_name(theme_of(criterion)),
                                            "text": text})
        theme = theme_at_start(norm)
        if theme is not None:
            themes.setdefault(theme, {"theme": theme_name(theme), "text": text})
    return (lines, sorted(criteria.values(), key=lambda c: _key(c["criterion"])),
            [themes[n] for n in sorted(themes)])


def _shown(page: PageText, index: int) -> str:
    """A line as shown, its table cells (tab-separated in the rendered text) joined by « – »."""
    return " – ".join(c.strip() for c in page.snippet(index).split("\t") if c.strip())


def _key(criterion: str) -> tuple[int, ...]:
    return tuple(int(p) for p in criterion.split("."))
