"""`mobile` — usable on a phone: every page captured at 375 px passes the `mobile` check."""

from __future__ import annotations

from indicators.model import NEEDS_REVIEW, NOT_MEASURED, Level, Result, ScanFindings
from indicators.registry import indicator

CHECK = "mobile"


@indicator("mobile", version=1, title="Utilisation sur mobile", official=False,
           checks=(CHECK,), levels=(
               Level("adapted", "Adapté", "green", "Toutes les pages visitées s’affichent "
                     "correctement sur mobile."),
               Level("partial", "Partiel", "yellow", "Certaines pages visitées, pas toutes, "
                     "posent problème sur mobile."),
               Level("not_adapted", "Non adapté", "red", "Aucune page visitée ne s’affiche "
                     "correctement sur mobile."),
           ))
def mobile(scan: ScanFindings) -> Result:
    judged = [f for f in scan.of(CHECK) if f.outcome in ("pass", "fail", "needs_review")]
    if not judged:
        return Result(NOT_MEASURED, "Aucune page capturée sur mobile n’a pu être examinée.",
                      scan.of(CHECK))
    failing = [f for f in judged if f.outcome == "fail"]
    value = {"pages": len(judged), "failing": [
        {"page_url": f.data.get("page_url"), "problems": f.data.get("problems") or []}
        for f in failing]}
    if not failing:
        if any(f.outcome == "needs_review" for f in judged):
            return Result(NEEDS_REVIEW, "Aucun défaut relevé, mais certaines mesures manquent "
                          "(à vérifier).", judged, value)
        return Result("adapted", f"{len(judged)} page(s) examinée(s) sur mobile, sans défaut.",
                      judged, value)
    problems = sorted({p for f in failing for p in f.data.get("problems") or []})
    level = "not_adapted" if len(failing) == len(judged) else "partial"
    return Result(level, f"{len(failing)} page(s) sur {len(judged)} en défaut sur mobile "
                  f"({', '.join(problems)}).", failing, value)
