"""``vigie export indicators``: one row per service, in the observatory's columns where they exist.

``--columns`` picks the names: ``vigie`` (the older observatory CSV's), ``open-data`` or
``grist`` (`services.columns`). The observatory's tables name their indicator columns
``Prise_En_Compte_Handicap``, ``DLNUF_pour_publication_`` and ``FranceConnect`` and hold its
level labels there (« Partiel », « Faible », « FranceConnect+ »…): Vigie writes its label in
that column when it reached a level of the observatory, and leaves the cell empty otherwise
(« À vérifier », « Non mesuré »), so that loading the file never replaces a known value with a
guess. Identity columns come from the service as registered; every other cell imported from
the observatory's file is written back as it was read, under its column name, so a file goes
round trip. Vigie's own columns follow, documented in docs/export.md.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from typing import Any

from indicators.model import NEEDS_REVIEW, NOT_MEASURED
from indicators.registry import IndicatorSpec, all_indicators
from services.columns import COLUMN_SETS, INDICATOR_ROLES, VIGIE, ColumnSet, column_key
from services.table import AS_PUBLISHED

SCHEMA = "vigie-indicators/1"
IDENTITY_COLUMNS = ("Ref_Demarche", "Nom_Demarche", "URL_Demarche", "Nom_Ministere",
                    "Nom_Administration", "Dashlord_ID_JDMA")
RUN_COLUMNS = ("vigie_service_id", "vigie_run_id", "vigie_scanned_at", "vigie_close_reason")
PER_INDICATOR = ("level", "label", "rationale", "findings")
UNDECIDED = {NEEDS_REVIEW, NOT_MEASURED}
_FIELD_OF = {"name": "name", "start_url": "start_url", "ministry": "ministry",
             "administration": "administration", "jdma_id": "jdma_id"}
_REF_KEYS = [column_key(c) for s in COLUMN_SETS.values() for c, r in s.columns.items()
             if r == "ref"]


def observatory_cell(spec: IndicatorSpec, value: dict[str, Any] | None) -> str:
    if value is None or value["level"] in UNDECIDED:
        return ""
    return str(value["label"])


def set_columns(column_set: ColumnSet, specs: list[IndicatorSpec]) -> dict[str, str]:
    """The set's columns, in its order, with their role; `vigie` writes the older
    observatory's identity columns and the indicators' observatory columns."""
    if column_set is VIGIE:
        roles = {c: column_set.columns[c] for c in IDENTITY_COLUMNS}
        indicator_role = {slug: role for role, slug in INDICATOR_ROLES.items()}
        return {**roles, **{s.column: indicator_role[s.slug] for s in specs if s.column}}
    return dict(column_set.columns)


def _reference(svc: dict[str, Any]) -> str:
    """The observatory's reference as imported (whichever set's column held it)."""
    by_key = {column_key(k): v for k, v in (svc.get("extra") or {}).items()}
    return str(next((by_key[k] for k in _REF_KEYS if by_key.get(k)), ""))


def _kept_cells(svc: dict[str, Any]) -> dict[str, str]:
    """Cells imported as written: published values (``declared.as_published``) and the
    columns kept in ``extra``, by column key."""
    declared = svc.get("declared") or {}
    cells = {**(declared.get(AS_PUBLISHED) or {}), **(svc.get("extra") or {})}
    return {column_key(k): str(v) for k, v in cells.items()}


def _cell(role: str, column: str, svc: dict[str, Any], values: dict[str, Any],
          specs: dict[str, IndicatorSpec]) -> str:
    if role in _FIELD_OF:
        return str(svc.get(_FIELD_OF[role]) or "")
    if role == "ref":
        return _reference(svc)
    if role in INDICATOR_ROLES:
        slug = INDICATOR_ROLES[role]
        return observatory_cell(specs[slug], values.get(slug))
    return _kept_cells(svc).get(column_key(column), "")


def indicator_rows(export: dict[str, Any], columns_set: str = "vigie"
                   ) -> tuple[list[str], list[dict[str, Any]]]:
    """The columns and one row per service, from ``storage.exports.load_run``'s document
    (or ``load_period``'s), under the column names of ``columns_set``."""
    specs = all_indicators()
    by_slug = {s.slug: s for s in specs}
    by_service: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for value in export["indicators"]:
        by_service[value["service_id"]][value["indicator"]] = value
    chosen = set_columns(COLUMN_SETS[columns_set], specs)
    taken = {column_key(c) for c in chosen}
    kept: dict[str, str] = {}  # other imported columns, in first-seen order
    for svc in export["services"]:
        declared = svc.get("declared") or {}
        for name in [*(declared.get(AS_PUBLISHED) or {}), *(svc.get("extra") or {})]:
            if column_key(name) not in taken:
                kept.setdefault(column_key(name), name)
    columns = [*chosen, *kept.values(), *RUN_COLUMNS,
               *(f"{s.slug}_{part}" for s in specs for part in PER_INDICATOR)]
    rows = []
    for svc in export["services"]:
        values = by_service[svc["id"]]
        cells = _kept_cells(svc)
        row: dict[str, Any] = {c: _cell(r, c, svc, values, by_slug) for c, r in chosen.items()}
        row.update({name: cells.get(key, "") for key, name in kept.items()})
        row.update({
            "vigie_service_id": svc["id"],
            "vigie_run_id": svc.get("run_id") or export["run"]["id"],
            "vigie_scanned_at": svc["finished_at"] or svc["started_at"] or "",
            "vigie_close_reason": svc["close_reason"] or "",
        })
        for spec in specs:
            value = values.get(spec.slug)
            row[f"{spec.slug}_level"] = value["level"] if value else ""
            row[f"{spec.slug}_label"] = value["label"] if value else ""
            row[f"{spec.slug}_rationale"] = value["rationale"] if value else ""
            row[f"{spec.slug}_findings"] = " ".join(map(str, value["finding_ids"])) if value else ""
        rows.append(row)
    return columns, rows


def indicators_csv(export: dict[str, Any], columns_set: str = "vigie") -> str:
    columns, rows = indicator_rows(export, columns_set)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def indicators_json(export: dict[str, Any], columns_set: str = "vigie") -> str:
    specs = all_indicators()
    columns, rows = indicator_rows(export, columns_set)
    by_service: dict[str, dict[str, Any]] = defaultdict(dict)
    for value in export["indicators"]:
        by_service[value["service_id"]][value["indicator"]] = {
            k: v for k, v in value.items() if k not in ("service_id", "indicator")}
    services = [{
        "id": row["vigie_service_id"],
        "observatory": {c: row[c] for c in columns[:columns.index(RUN_COLUMNS[0])]},
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
    if "quarter" in export:
        doc.update(quarter=export["quarter"], runs=export["runs"])
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str)
