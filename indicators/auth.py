"""`auth` — Authentification : a FranceConnect or FranceConnect+ button on the pages visited."""

from __future__ import annotations

from indicators.model import NEEDS_REVIEW, Level, Result, ScanFindings
from indicators.registry import indicator

CHECK = "auth-button"


@indicator("auth", version=1, title="Authentification", official=True, column="FranceConnect",
           checks=(CHECK,), levels=(
               Level("franceconnect_plus", "FranceConnect+", "blue",
                     "Un bouton FranceConnect+ a été trouvé."),
               Level("franceconnect", "FranceConnect", "blue",
                     "Un bouton FranceConnect a été trouvé."),
           ))
def auth(scan: ScanFindings) -> Result:
    finding = scan.measured(CHECK)
    if isinstance(finding, Result):
        return finding
    providers = list(finding.data.get("providers") or [])
    buttons = finding.data.get("buttons") or []
    value = {"providers": providers, "declared": finding.data.get("declared"),
             "declared_matches": finding.data.get("declared_matches"),
             "pages": sorted({b.get("page_url") for b in buttons if b.get("page_url")})}
    # FranceConnect+ is the stronger guarantee: when both are offered, it is the one reported.
    for provider, name in (("franceconnect_plus", "FranceConnect+"),
                           ("franceconnect", "FranceConnect")):
        if provider in providers:
            pages = [b.get("page_url") for b in buttons if b.get("provider") == provider]
            where = f" sur {pages[0]}" if pages and pages[0] else ""
            return Result(provider, f"Bouton {name} trouvé{where}.", [finding], value)
    if "proconnect" in providers:
        return Result(NEEDS_REVIEW, "Seul un bouton ProConnect (agents publics) a été trouvé : "
                      "FranceConnect non détecté.", [finding], value)
    return Result(NEEDS_REVIEW, "FranceConnect non détecté sur les pages publiques visitées "
                  "(la connexion est souvent plus loin dans la démarche).", [finding], value)
