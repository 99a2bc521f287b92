"""``vigie export compare``: one row per service and published value compared with Vigie's
measure (rules: ``reports.compare``; columns: docs/export.md, « Published vs measured »)."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from typing import Any

from reports.compare import SUBJECTS, Finding, Measured, compare_service

SCHEMA = "vigie-compare/1"
COMPARE_COLUMNS = ("run_id", "service_id", "service_name", "ministry", "administration",
                   "published_key", "indicator", "published_value", "published_label",
                   "measured_level", "measured_label", "verdict", "explanation", "finding_ids")


def compare_rows(export: dict[str, Any]) -> list[dict[str, Any]]:
    """The comparisons of every service of ``storage.exports.load_run``'s document."""
    measured: dict[str, dict[str, Measured]] = defaultdict(dict)
    for v in export["indicators"]:
        measured[v["service_id"]][v["indicator"]] = Measured(
            v["level"], v["label"], v["rationale"] or "", tuple(v["finding_ids"] or ()))
    findings: dict[str, list[Finding]] = defaultdict(list)
    for f in export["findings"]:
        findings[f["service_id"]].append(Finding(f["id"], f["check_id"], f["outcome"],
                                                 f["data"] or {}))
    rows = []
    for svc in export["services"]:
        for c in compare_service(svc["declared"] or {}, measured[svc["id"]], findings[svc["id"]]):
            rows.append({
                "run_id": export["run"]["id"], "service_id": svc["id"],
                "service_name": svc["name"], "ministry": svc["ministry"],
                "administration": svc["administration"], "published_key": c.key,
                "indicator": c.indicator, "published_value": c.published_value,
                "published_label": c.published_label, "measured_level": c.measured_level,
                "measured_label": c.measured_label, "verdict": c.verdict,
                "explanation": c.explanation, "finding_ids": list(c.finding_ids)})
    return rows


def compare_csv(export: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COMPARE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in compare_rows(export):
        writer.writerow({**row, "finding_ids": " ".join(map(str, row["finding_ids"])),
                         **{k: "" for k, v in row.items() if v is None}})
    return out.getvalue()


def compare_json(export: dict[str, Any]) -> str:
    doc = {"schema": SCHEMA, "run": export["run"],
           "subjects": [{"key": s.key, "indicator": s.indicator, "title": s.title}
                        for s in SUBJECTS],
           "comparisons": compare_rows(export)}
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str)
