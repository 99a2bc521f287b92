"""``vigie export``: a run's services, captures and findings as JSON or CSV (docs/export.md)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

SERVICE_COLUMNS = ("id", "name", "start_url", "extra_urls", "ministry", "administration",
                   "jdma_id", "declared", "service_scan_id", "status", "close_reason", "attempts",
                   "started_at", "finished_at", "counters", "error")
CAPTURE_COLUMNS = ("id", "service_id", "viewport", "page_kind", "requested_url", "final_url",
                   "http_status", "outcome", "error", "error_kind", "title", "started_at",
                   "load_seconds", "redirect_chain", "timings", "screenshot_sha256",
                   "html_sha256", "axe_sha256", "collector_sha256", "tool_versions")
FINDING_COLUMNS = ("id", "service_id", "capture_id", "check_id", "check_version", "outcome",
                   "severity", "message", "references", "data", "evidence")
TABLES = {"services": SERVICE_COLUMNS, "captures": CAPTURE_COLUMNS, "findings": FINDING_COLUMNS}


def to_json(export: dict[str, Any]) -> str:
    return json.dumps(export, ensure_ascii=False, indent=2, default=str)


def _cell(value: Any) -> Any:
    # Lists and objects become JSON text: one value per cell, loadable by any CSV reader.
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else value


def write_csv(export: dict[str, Any], out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for table, columns in TABLES.items():
        path = out_dir / f"{table}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            for row in export[table]:
                writer.writerow([_cell(row.get(col)) for col in columns])
        written.append(path)
    return written
