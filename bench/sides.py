"""The two sides measured: a Vigie scan and the plain Playwright + axe-core baseline.

Each runs as a whole process under ``bench.process.measure``, against the corpus served by the
benchmark; what the process itself reports (Vigie's database, the baseline's JSON line) adds
the crawl's own duration, the time per step and the axe rule counts.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from bench.process import MIB, ProcessRun, measure
from core.settings import Settings
from vigie.demo.server import SiteServer

BASELINE = Path(__file__).resolve().parent / "baseline_playwright.py"


@dataclass
class SideResult:
    side: str
    captures: int
    expected: int
    run: ProcessRun
    crawl_s: float | None = None  # Vigie: scan_run.started_at -> last capture stored
    pre_s: float | None = None  # Vigie: process start -> scan_run created
    post_s: float | None = None  # Vigie: scan_run finished -> process exit (checks, summary)
    server_hits: Counter[str] = field(default_factory=Counter)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.captures / self.run.wall_s if self.run.wall_s else 0.0


def _utc(value: str | None) -> datetime | None:
    """A time as SQLite gives it back (ISO text, naive): every time Vigie stores is UTC."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _kind(path: str) -> str:
    """What a server hit was for: ``page``, or the asset's extension (``css``, ``png``...)."""
    path = path.split("?", 1)[0]
    if path == "/" or path.endswith(".html"):
        return "page"
    return path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else "other"


def run_vigie(urls: list[str], work: Path, server: SiteServer, *, concurrency: int,
              timeout: float) -> SideResult:
    """``python -m vigie scan`` of one service: page 0 as start_url, the others as extra_urls."""
    work.mkdir(parents=True, exist_ok=True)
    services = work / "services.yaml"
    services.write_text(yaml.safe_dump({"services": [{
        "id": "bench-corpus", "name": "Corpus de mesure", "start_url": urls[0],
        "extra_urls": urls[1:]}]}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    settings = Settings(data_dir=work / "data")  # where the scan below puts its files
    env = {
        **os.environ, "COLUMNS": "200", "NO_COLOR": "1",
        "VIGIE_DATA_DIR": str(settings.data_dir), "VIGIE_DATABASE_URL": "",
        "VIGIE_DOWNLOAD_DELAY": "0", "VIGIE_CONCURRENCY": str(concurrency),
        "VIGIE_PER_HOST": str(concurrency), "VIGIE_MAX_PAGES": str(len(urls)),
        "VIGIE_OBEY_ROBOTS": "0",
        # Budgets only: a big --pages must not be cut by the 300 s service budget.
        "VIGIE_SERVICE_BUDGET": str(max(300, 30 * len(urls))),
    }
    cmd = [sys.executable, "-m", "vigie", "scan", "--services", str(services), "--allow-private"]
    server.clear_requests()
    run = measure(cmd, env, timeout, work / "logs")
    hits = Counter(_kind(p) for p in server.requested_paths())
    result = SideResult("vigie", 0, 2 * len(urls), run, server_hits=hits)
    db = Path(settings.resolved_database_url.removeprefix("sqlite:///"))
    if run.returncode != 0 or not db.exists():
        result.details["error"] = (run.stderr or run.stdout)[-2000:]
        return result
    _read_scan(result, db, settings.artifacts_dir)
    return result


def _read_scan(result: SideResult, db: Path, artifacts: Path) -> None:
    """Fill ``result`` from what the scan stored: outcomes, phases, step timings, axe counts."""
    run = result.run
    with sqlite3.connect(db) as conn:
        outcomes = dict(conn.execute(
            "SELECT outcome, COUNT(*) FROM page_capture GROUP BY outcome").fetchall())
        started, finished, stats = conn.execute(
            "SELECT started_at, finished_at, stats FROM scan_run ORDER BY id DESC LIMIT 1"
        ).fetchone()
        last = conn.execute("SELECT MAX(started_at) FROM page_capture").fetchone()[0]
        rows = conn.execute(
            "SELECT viewport, timings, load_seconds, summary FROM page_capture "
            "WHERE outcome = 'ok'").fetchall()
        blobs = conn.execute(
            "SELECT COUNT(DISTINCT screenshot_sha256), COUNT(DISTINCT html_sha256) "
            "FROM page_capture").fetchone()
    result.captures = int(outcomes.get("ok", 0))
    result.details["outcomes"] = outcomes
    run_start, run_end, last_capture = _utc(started), _utc(finished), _utc(last)
    if run_start and last_capture:
        result.crawl_s = (last_capture - run_start).total_seconds()
        result.pre_s = run_start.timestamp() - run.started_epoch
    if run_end:
        result.post_s = run.ended_epoch - run_end.timestamp()
        during = [rss for t, rss in run.root_trace if t <= run_end.timestamp()]
        result.details["python_peak_crawl_mib"] = max(during) / MIB if during else None
    result.details["stats"] = json.loads(stats) if isinstance(stats, str) else (stats or {})
    timings: dict[str, list[float]] = {}
    by_viewport: dict[str, dict[str, list[float]]] = {}
    violations: Counter[str] = Counter()
    incomplete: Counter[str] = Counter()
    for viewport, raw_timings, load_seconds, raw_summary in rows:
        t = json.loads(raw_timings) if raw_timings else {}
        summary = json.loads(raw_summary) if raw_summary else {}
        steps = {k: float(v) for k, v in t.items()  # every step of collect_page
                 if k.endswith("_s") and isinstance(v, int | float)}
        if isinstance(t.get("load_ms"), int | float):
            steps["load_event_s"] = t["load_ms"] / 1000
        if load_seconds is not None:
            steps["load_seconds"] = float(load_seconds)
        for key, value in steps.items():
            timings.setdefault(key, []).append(value)
            by_viewport.setdefault(viewport, {}).setdefault(key, []).append(value)
        violations[viewport] += int(summary.get("axe_violations", 0))
        incomplete[viewport] += int(summary.get("axe_incomplete", 0))
    result.details["mean_s"] = {k: statistics.fmean(v) for k, v in timings.items()}
    result.details["mean_by_viewport"] = {
        vp: {k: statistics.fmean(v) for k, v in steps_of.items()}
        for vp, steps_of in sorted(by_viewport.items())}
    result.details["violations"] = dict(sorted(violations.items()))  # as the baseline's
    result.details["incomplete"] = dict(sorted(incomplete.items()))
    result.details["distinct_screenshots_html"] = blobs
    result.details["artifacts_mib"] = sum(
        p.stat().st_size for p in artifacts.rglob("*") if p.is_file()) / MIB \
        if artifacts.exists() else 0.0


def run_baseline(urls: list[str], work: Path, server: SiteServer, *, concurrency: int,
                 timeout: float, extras: str = "") -> SideResult:
    """``bench/baseline_playwright.py`` on the same URLs: goto + axe (+ ``extras``) only."""
    work.mkdir(parents=True, exist_ok=True)
    urls_file = work / "urls.json"
    urls_file.write_text(json.dumps(urls), encoding="utf-8")
    cmd = [sys.executable, str(BASELINE), "--urls-file", str(urls_file),
           "--concurrency", str(concurrency)]
    if extras:
        cmd += ["--extras", extras]
    server.clear_requests()
    run = measure(cmd, dict(os.environ), timeout, work / "logs")
    hits = Counter(_kind(p) for p in server.requested_paths())
    result = SideResult("baseline", 0, 2 * len(urls), run, server_hits=hits)
    try:
        report = json.loads(run.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        result.details["error"] = (run.stderr or run.stdout)[-2000:]
        return result
    result.captures = int(report["captures"])
    result.crawl_s = float(report["crawl_s"])
    result.pre_s = float(report["setup_s"])
    result.details = report
    if report.get("failures"):
        result.details["error"] = "\n".join(report["failures"][:5])
    return result

