"""`handicap` — Prise en compte du handicap, from the accessibility declaration's own figures.

The rate is the one the declaration states: Vigie never computes a conformance rate.
"""

from __future__ import annotations

from checks.a11y_declaration.rules import reason_fr  # the check's words for its reasons
from indicators.model import NEEDS_REVIEW, Level, Result, ScanFindings
from indicators.registry import indicator

CHECK = "a11y-declaration"
# Missing facts Vigie may have failed to read (the check then asks for a review, not a fail).
UNREADABLE = {"rate_missing", "date_missing"}
KEPT = ("declaration_url", "rate", "declared_level", "mention", "rgaa_version", "declared_on",
        "updated_on", "audit_date", "admissible", "admissibility_reasons", "consistent",
        "consistency_issues")


def _rate(rate: float) -> str:
    return f"{rate:g} %".replace(".", ",")


@indicator("handicap", version=1, title="Prise en compte du handicap", official=True,
           column="Prise_En_Compte_Handicap", checks=(CHECK,), levels=(
               Level("oui", "Oui", "green", "La déclaration d’accessibilité, recevable, "
                     "annonce 100 % de conformité au RGAA."),
               Level("partiel", "Partiel", "yellow", "La déclaration, recevable, annonce entre "
                     "50 % et 99 % de conformité."),
               Level("non", "Non", "red", "Moins de 50 %, aucune déclaration, ou une "
                     "déclaration non recevable (niveau, contact, taux global ou date de moins "
                     "de 3 ans manquants)."),
           ))
def handicap(scan: ScanFindings) -> Result:
    finding = scan.measured(CHECK)
    if isinstance(finding, Result):
        return finding
    data = finding.data
    value = {key: data.get(key) for key in KEPT}
    if data.get("admissible") is None:
        if finding.outcome == "fail":
            return Result("non", "Aucune déclaration d’accessibilité trouvée sur les pages "
                          "visitées, ni de lien vers elle.", [finding], value)
        return Result(NEEDS_REVIEW, "La déclaration d’accessibilité n’a pas pu être examinée : "
                      f"{finding.message}", [finding], value)
    if not data["admissible"]:
        reasons = list(data.get("admissibility_reasons") or [])
        if finding.outcome == "needs_review" and set(reasons) <= UNREADABLE:
            return Result(NEEDS_REVIEW, "Déclaration trouvée, mais Vigie n’a pas su y lire : "
                          + ", ".join(reason_fr(r, as_requirement=True) for r in reasons) + ".",
                          [finding], value)
        return Result("non", "Déclaration non recevable : "
                      + ", ".join(reason_fr(r) for r in reasons) + ".", [finding], value)
    rate = float(data["rate"])
    dated = data.get("updated_on") or data.get("declared_on") or data.get("audit_date")
    when = f", datée du {dated}" if dated else ""
    level = "oui" if rate >= 100 else "partiel" if rate >= 50 else "non"
    return Result(level, f"La déclaration recevable annonce {_rate(rate)} de critères RGAA "
                  f"respectés{when}.", [finding], value)
