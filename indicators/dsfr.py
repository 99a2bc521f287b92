"""`dsfr` — the State design system (DSFR) in use on the service's pages (Vigie's own)."""

from __future__ import annotations

from indicators.model import NOT_MEASURED, Level, Result, ScanFindings
from indicators.registry import indicator

CHECK = "dsfr"
LEVELS = {"detected": "detected", "partial": "partial", "not_detected": "not_detected"}


@indicator("dsfr", version=1, title="Système de design de l’État (DSFR)", official=False,
           checks=(CHECK,), levels=(
               Level("detected", "Oui", "green", "Le DSFR est utilisé (en-tête, pied de page, "
                     "classes et ressources du DSFR)."),
               Level("partial", "Partiel", "yellow", "Quelques éléments du DSFR seulement."),
               Level("not_detected", "Non", "red", "Aucun élément du DSFR sur les pages "
                     "visitées."),
           ))
def dsfr(scan: ScanFindings) -> Result:
    finding = scan.measured(CHECK)
    if isinstance(finding, Result):
        return finding
    d = finding.data
    value = {"level": d.get("level"), "version": d.get("version"), "score": d.get("score"),
             "pages_examined": d.get("pages_examined"), "pages_detected": d.get("pages_detected")}
    level = LEVELS.get(d.get("level") or "")
    if level is None:
        return Result(NOT_MEASURED, "Aucune page n’a pu être examinée.", [finding], value)
    version = f", version {d['version']}" if d.get("version") else ""
    return Result(level, f"Score {d.get('score')}/10 sur la meilleure page ; DSFR détecté sur "
                  f"{d.get('pages_detected', 0)} page(s) sur {d.get('pages_examined', 0)}"
                  f"{version}.", [finding], value)
