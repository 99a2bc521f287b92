"""A minimal one-page HTML report of a run: services, pages, axe violations per RGAA criterion.

Reads storage only. Every captured value is escaped by Jinja2's autoescape; the page has no
script and a strict Content Security Policy. (The full report site is a later issue.)
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from reports.data import load_run
from storage.models import ScanRun
from vigie.context import Storage

CLOSE_REASON_FR = {
    "completed": "terminé", "partial": "partiel", "timeout": "délai dépassé",
    "browser_crashed": "navigateur arrêté", "unreachable": "injoignable",
    "blocked_by_policy": "refusé par la politique de visite",
    "robots_disallowed": "interdit par robots.txt", "error": "erreur de Vigie",
}
OUTCOME_FR = {"ok": "capturée", "error": "erreur", "timeout": "délai dépassé", "blocked": "bloquée"}


def environment() -> Environment:
    return Environment(loader=PackageLoader("reports", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True))


def _by_rgaa(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """axe violations of one service grouped by RGAA test (rules without one: « hors RGAA »)."""
    groups: dict[str, dict[str, Any]] = defaultdict(lambda: {"rules": set(), "nodes": 0,
                                                             "pages": set()})
    for f in findings:
        if f["check_id"] != "axe" or f["outcome"] != "fail":
            continue
        for criterion in f["data"].get("rgaa") or ["hors RGAA"]:
            group = groups[criterion]
            group["rules"].add(f["data"]["rule"])
            group["nodes"] += f["data"].get("nodes_count", 0)
            group["pages"].add(f["data"].get("page_url"))
    def key(item: tuple[str, Any]) -> tuple[Any, ...]:
        parts = item[0].split(".")
        return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else (999,)
    return [{"criterion": c, "rules": sorted(g["rules"]), "nodes": g["nodes"],
             "pages": len(g["pages"])} for c, g in sorted(groups.items(), key=key)]


PAGE_KIND_ORDER = ("start", "extra", "contact", "accessibility", "legal", "sitemap")


def _page_order(capture: dict[str, Any]) -> tuple[Any, ...]:
    kind = capture["page_kind"]
    rank = PAGE_KIND_ORDER.index(kind) if kind in PAGE_KIND_ORDER else len(PAGE_KIND_ORDER)
    return (rank, capture["requested_url"], capture["viewport"] != "desktop")


def _when(iso: str | None) -> str:
    """``2026-11-23T13:44:53.06+00:00`` as ``2026-11-23 13:44``."""
    return iso[:16].replace("T", " ") if iso else ""


def build_context(export: dict[str, Any]) -> dict[str, Any]:
    # Grouped once: filtering per service would cost services × findings on a large run.
    captures_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    findings_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in export["captures"]:
        captures_of[c["service_id"]].append(c)
    for f in export["findings"]:
        findings_of[f["service_id"]].append(f)
    services = []
    for svc in export["services"]:
        captures, findings = captures_of[svc["id"]], findings_of[svc["id"]]
        services.append({
            **svc,
            "close_reason_fr": CLOSE_REASON_FR.get(svc["close_reason"] or "", "en cours"),
            "captures": [{**c, "outcome_fr": OUTCOME_FR.get(c["outcome"], c["outcome"])}
                         for c in sorted(captures, key=_page_order)],
            "rgaa": _by_rgaa(findings),
            "failed_rules": len({f["data"].get("rule") for f in findings
                                 if f["check_id"] == "axe" and f["outcome"] == "fail"}),
            "to_review": sum(1 for f in findings if f["outcome"] == "needs_review"),
        })
    run = {**export["run"], "started": _when(export["run"]["started_at"]),
           "finished": _when(export["run"]["finished_at"])}
    return {"run": run, "services": services}


def write_report(storage: Storage, run: ScanRun, out_dir: Path) -> Path:
    with storage.sessions() as session:
        export = load_run(session, run)
    out_dir.mkdir(parents=True, exist_ok=True)
    html = environment().get_template("minimal.html.j2").render(**build_context(export))
    path = out_dir / "index.html"
    path.write_text(html, encoding="utf-8")
    return path
