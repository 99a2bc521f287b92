"""`satisfaction` — evidence for the observatory's satisfaction indicator: the JDMA button.

Vigie cannot read the users' ratings; it reports whether the « Je donne mon avis » button is
there, where, and which JDMA product and button ids it carries.
"""

from __future__ import annotations

from indicators.model import NEEDS_REVIEW, Level, Result, ScanFindings
from indicators.registry import indicator

CHECK = "jdma-button"


@indicator("satisfaction", version=1, title="Satisfaction usagers (bouton « Je donne mon "
           "avis »)", official=True, checks=(CHECK,), levels=(
               Level("button_found", "Bouton présent", "green",
                     "Un bouton « Je donne mon avis » a été trouvé."),
               Level("other_product", "Bouton d’une autre démarche", "red",
                     "Les boutons trouvés désignent une autre démarche que celle enregistrée."),
           ))
def satisfaction(scan: ScanFindings) -> Result:
    finding = scan.measured(CHECK)
    if isinstance(finding, Result):
        return finding
    d = finding.data
    value = {key: d.get(key) for key in ("present", "page_url", "style", "product_id",
                                         "button_id", "form_id", "legacy_id", "registered_id",
                                         "id_matches")}
    if not d.get("present"):
        return Result(NEEDS_REVIEW, "Bouton « Je donne mon avis » absent des pages visitées "
                      "(il est souvent affiché en fin de démarche).", [finding], value)
    ids = ", ".join(f"{label} {d[key]}" for key, label in (
        ("product_id", "démarche"), ("button_id", "bouton"), ("form_id", "formulaire"))
        if d.get(key))
    where = f" sur {d['page_url']}" if d.get("page_url") else ""
    if finding.outcome == "fail":
        return Result("other_product", f"Bouton trouvé{where} ({ids}), mais la démarche "
                      f"enregistrée est {d.get('registered_id')}.", [finding], value)
    return Result("button_found", f"Bouton trouvé{where}" + (f" ({ids})." if ids else "."),
                  [finding], value)
