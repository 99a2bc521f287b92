"""After a run closes: the report site and the indicators export, rewritten together.

They are built beside the report folder and swapped in, so that whoever reads the folder
(`vigie serve`, a web server) sees last night's whole site or the one before, never half of
one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from reports.site.folder import check_folder
from storage.context import Storage
from vigie import app as vigie_app

INDICATORS = "indicateurs"  # indicateurs.csv and indicateurs.json, beside index.html


def publish(storage: Storage, run_id: int, out: Path) -> Path:
    """Write the run's report site and indicators export into ``out``; its ``index.html``."""
    out = out.resolve()
    check_folder(out)  # the swap below replaces the folder: only one Vigie wrote
    out.parent.mkdir(parents=True, exist_ok=True)
    new, old = out.with_name(f".{out.name}.new"), out.with_name(f".{out.name}.old")
    for leftover in (new, old):
        shutil.rmtree(leftover, ignore_errors=True)
    vigie_app.report(storage, str(run_id), new)
    for fmt in ("csv", "json"):
        document = vigie_app.export(storage, "indicators", str(run_id), fmt).text or ""
        (new / f"{INDICATORS}.{fmt}").write_text(document, encoding="utf-8")
    if out.exists():
        out.rename(old)
    new.rename(out)
    shutil.rmtree(old, ignore_errors=True)
    return out / "index.html"
