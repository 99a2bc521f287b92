"""`plain_language` — readability estimate of the pages' text (Vigie's own, never official).

The median French Flesch score (Kandel & Moles) over the distinct pages scored.
"""

from __future__ import annotations

from statistics import median

from indicators.model import NOT_MEASURED, FindingRef, Level, Result, ScanFindings
from indicators.registry import indicator

CHECK = "plain-language"


@indicator("plain_language", version=1, title="Langage clair (estimation)", official=False,
           checks=(CHECK,), levels=(
               Level("easy", "Facile", "green", "Score médian de lisibilité de 60 ou plus."),
               Level("fairly_hard", "Plutôt difficile", "yellow",
                     "Score médian entre 50 et 60."),
               Level("hard", "Difficile", "red", "Score médian inférieur à 50."),
           ))
def plain_language(scan: ScanFindings) -> Result:
    by_page: dict[str, FindingRef] = {}
    for f in scan.of(CHECK):
        if f.data.get("score") is not None:
            by_page.setdefault(str(f.data.get("page_url")), f)  # desktop and mobile: the same text
    if not by_page:
        return Result(NOT_MEASURED, "Aucune page avec assez de texte pour estimer la "
                      "lisibilité.", scan.of(CHECK))
    scores = [float(f.data["score"]) for f in by_page.values()]
    score = round(median(scores), 1)
    level = "easy" if score >= 60 else "fairly_hard" if score >= 50 else "hard"
    value = {"median_score": score, "pages": len(scores), "formula": "flesch-kandel-moles"}
    shown = f"{score:g}".replace(".", ",")
    return Result(level, f"Score médian {shown} sur {len(scores)} page(s) (estimation).",
                  list(by_page.values()), value)
