"""`dlnuf` — Dites-le-nous une fois: the level from the data items the démarche's forms ask."""

from __future__ import annotations

from indicators.model import NEEDS_REVIEW, Level, Result, ScanFindings
from indicators.registry import indicator

CHECK = "dlnuf-fields"
LEVELS = {"optimal": "optimal", "partial": "partiel", "low": "faible"}


@indicator("dlnuf", version=1, title="Dites-le-nous une fois", official=True,
           column="DLNUF_pour_publication_", checks=(CHECK,), levels=(
               Level("optimal", "Optimal", "green", "Aucune ou une seule information déjà "
                     "détenue par l’administration est demandée."),
               Level("partiel", "Partiel", "yellow", "2 à 4 informations déjà détenues sont "
                     "demandées."),
               Level("faible", "Faible", "red", "5 informations déjà détenues ou plus sont "
                     "demandées."),
           ))
def dlnuf(scan: ScanFindings) -> Result:
    finding = scan.measured(CHECK)
    if isinstance(finding, Result):
        return finding
    d = finding.data
    categories = [str(c) for c in d.get("categories") or []]
    forms = len(d.get("forms_examined") or [])
    value = {"count": d.get("count"), "categories": categories, "forms_examined": forms}
    level = LEVELS.get(d.get("level") or "")
    if level is None:
        return Result(NEEDS_REVIEW, "Aucun formulaire de démarche atteint sur les pages "
                      "visitées.", [finding], value)
    items = ", ".join(categories) or "aucune"
    return Result(level, f"{d.get('count', 0)} information(s) déjà détenue(s) demandée(s) "
                  f"({items}) dans {forms} formulaire(s).", [finding], value)
