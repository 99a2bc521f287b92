"""``vigie export indicators``: one row per service, in the observatory's columns where they exist.

The observatory's table names its indicator columns ``Prise_En_Compte_Handicap``,
``DLNUF_pour_publication_`` and ``FranceConnect`` and holds its level labels there (« Partiel »,
« Faible », « FranceConnect+ »…): Vigie writes its label in that column when it reached a level
of the observatory, and leaves the cell empty otherwise (« À vérifier », « Non mesuré »), so
that loading the file never replaces a known value with a guess. Identity columns use the
names ``vigie services import`` reads. Every other column is Vigie's, documented in
docs/export.md.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from typing import Any

from indicators.model import NEEDS_REVIEW, NOT_MEASURED
from indicators.registry import IndicatorSpec, all_indicators

SCHEMA = "vigie-indicators/1"
IDENTITY_COLUMNS = ("Ref_Demarche", "Nom_Demarche", "URL_Demarche", "Nom_Ministere",
                    "Nom_Administration", "Dashlord_ID_JDMA")
RUN_COLUMNS = ("vigie_service_id", "vigie_run_id", "vigie_scanned_at", "vigie_close_reason")
PER_INDICATOR = ("level", "label", "rationale", "findings")
UNDECIDED = {NEEDS_REVIEW, NOT_MEASURED}


def observatory_cell(spec: IndicatorSpec, value: dict[str, Any] | None) -> str:
    if spec.column is None or value is None or value["level"] in UNDECIDED:
        return ""
    return str(value["label"])


def indicator_rows(export: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """The columns and one row per service, from ``storage.exports.load_run``'s document."""
    specs = all_indicators()
    by_service: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for value in export["indicators"]:
        by_service[value["service_id"]][value["indicator"]] = value
    columns = [*IDENTITY_COLUMNS, *(s.column for s in specs if s.column), *RUN_COLUMNS,
               *(f"{s.slug}_{part}" for s in specs for part in PER_INDICATOR)]
    rows = []
    for svc in export["services"]:
        values = by_service[svc["id"]]
        row: dict[str, Any] = {
            "Ref_Demarche": (svc.get("extra") or {}).get("Ref_Demarche", ""),
            "Nom_Demarche": svc["name"], "URL_Demarche": svc["start_url"],
            "Nom_Ministere": svc["ministry"] or "", "Nom_Administration":
            svc["administration"] or "", "Dashlord_ID_JDMA": svc["jdma_id"] or "",
            "vigie_service_id": svc["id"], "vigie_run_id": export["run"]["id"],
            "vigie_scanned_at": svc["finished_at"] or svc["started_at"] or "",
            "vigie_close_reason": svc["close_reason"] or "",
        }
        for spec in specs:
            value = values.get(spec.slug)
            if spec.column:
                row[spec.column] = observatory_cell(spec, value)
            row[f"{spec.slug}_level"] = value["level"] if value else ""
            row[f"{spec.slug}_label"] = value["label"] if value else ""
            row[f"{spec.slug}_rationale"] = value["rationale"] if value else ""
            row[f"{spec.slug}_findings"] = " ".join(map(str, value["finding_ids"])) if value else ""
        rows.append(row)
    return columns, rows


def indicators_csv(export: dict[str, Any]) -> str:
    columns, rows = indicator_rows(export)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def indicators_json(export: dict[str, Any]) -> str:
    specs = all_indicators()
    columns, rows = indicator_rows(export)
    by_service: dict[str, dict[str, Any]] = defaultdict(dict)
    for value in export["indicators"]:
        by_service[value["service_id"]][value["indicator"]] = {
            k: v for k, v in value.items() if k not in ("service_id", "indicator")}
    services = [{
        "id": row["vigie_service_id"],
        "observatory": {c: row[c] for c in columns
                        if c in IDENTITY_COLUMNS or c in {s.column for s in specs}},
        "close_reason": row["vigie_close_reason"] or None,
        "scanned_at": row["vigie_scanned_at"] or None,
        "indicators": by_service[row["vigie_service_id"]],
    } for row in rows]
    catalogue = [{
        "slug": s.slug, "title": s.title, "official": s.official, "column": s.column,
        "version": s.version, "checks": list(s.checks),
        "levels": [{"code": lv.code, "label": lv.label, "color": lv.color,
                    "description": lv.description} for lv in s.levels],
    } for s in specs]
    doc = {"schema": SCHEMA, "run": export["run"], "indicators": catalogue, "services": services}
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str)
