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
               Level("partial", "Partiel", "yellow", "Quelques éléments du DSFR seulement, ou "
                     "ses composants sans l’en-tête ni le pied de page de l’État : ce n’est "
                     "pas « DSFR utilisé »."),
               Level("not_detected", "Non", "red", "Aucun élément du DSFR sur les pages "
                     "visitées."),
           ))
def dsfr(scan: ScanFindings) -> Result:
    finding = scan.measured(CHECK)
    if isinstance(finding, Result):
        return finding
    d = finding.data
    value = {"level": d.get("level"), "version": d.get("version"), "score": d.get("score"),
             "pages_examined": d.get("pages_examined"), "pages_detected": d.get("pages_detected"),
             "partial_kind": d.get("partial_kind")}
    level = LEVELS.get(d.get("level") or "")
    if level is None:
        return Result(NOT_MEASURED, "Aucune page n’a pu être examinée.", [finding], value)
    version = f", version {d['version']}" if d.get("version") else ""
    if level == "partial" and d.get("partial_kind") == "components":
        return Result(level, f"Composants et styles du DSFR{version}, sans l’en-tête ni le pied "
                      "de page de l’État : usage partiel.", [finding], value)
    return Result(level, f"Score {d.get('score')}/10 sur la meilleure page ; DSFR détecté sur "
                  f"{d.get('pages_detected', 0)} page(s) sur {d.get('pages_examined', 0)}"
                  f"{version}.", [finding], value)
