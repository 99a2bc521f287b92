"""The two sides measured: a Vigie scan and the plain Playwright + axe-core baseline.

Each runs as a whole process under ``bench.process.measure``, against the corpus served by the
benchmark; what the process itself reports (Vigie's database, SQLite or PostgreSQL; the
baseline's JSON line) adds the crawl's own duration, the time per step and the axe rule counts.
``scan`` is also bench/workers.py's way to run and read a scan.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import sys
from collections import Counter
from collections.abc import Sequence
from contextlib import closing
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


def _utc(value: str | datetime | None) -> datetime | None:
    """A stored time (ISO text from SQLite, naive; a datetime from PostgreSQL): every time
    Vigie stores is UTC."""
    if not value:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _json(value: Any) -> Any:
    """A JSON column: text from SQLite, already decoded from PostgreSQL."""
    return json.loads(value) if isinstance(value, str | bytes) else (value or {})


def _kind(path: str) -> str:
    """What a server hit was for: ``page``, or the asset's extension (``css``, ``png``...)."""
    path = path.split("?", 1)[0]
    if path == "/" or path.endswith(".html"):
        return "page"
    return path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else "other"


def vigie_env(data_dir: Path, *, concurrency: int, max_pages: int, database_url: str = "",
              broker_url: str = "") -> dict[str, str]:
    """The scan's (and the workers') environment: loopback allowed, no delay, robots.txt
    ignored, ``concurrency`` captures in flight, SQLite in ``data_dir`` unless a URL is given."""
    return {
        **os.environ, "COLUMNS": "200", "NO_COLOR": "1",
        "VIGIE_DATA_DIR": str(data_dir), "VIGIE_DATABASE_URL": database_url,
        "VIGIE_BROKER_URL": broker_url, "VIGIE_ALLOW_PRIVATE": "1",
        "VIGIE_DOWNLOAD_DELAY": "0", "VIGIE_CONCURRENCY": str(concurrency),
        "VIGIE_PER_HOST": str(concurrency), "VIGIE_MAX_PAGES": str(max_pages),
        "VIGIE_OBEY_ROBOTS": "0",
        # Budgets only: a big --pages must not be cut by the 300 s service budget.
        "VIGIE_SERVICE_BUDGET": str(max(300, 30 * max_pages)),
    }


def write_services(path: Path, services: list[tuple[str, list[str]]]) -> Path:
    """A service list of (id, urls): the first URL as start_url, the others as extra_urls."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"services": [
        {"id": slug, "name": f"Corpus de mesure {slug}", "start_url": urls[0],
         "extra_urls": urls[1:]} for slug, urls in services]},
        allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def run_vigie(urls: list[str], work: Path, server: SiteServer, *, concurrency: int,
              timeout: float, side: str = "vigie", env_extra: dict[str, str] | None = None
              ) -> SideResult:
    """``python -m vigie scan`` of one service: page 0 as start_url, the others as extra_urls;
    ``env_extra``: settings changed for this side (bench/egress.py turns the proxy off)."""
    services = write_services(work / "services.yaml", [("bench-corpus", urls)])
    env = {**vigie_env(work / "data", concurrency=concurrency, max_pages=len(urls)),
           **(env_extra or {})}
    server.clear_requests()
    result = scan(services, env, 2 * len(urls), work, timeout, side=side)
    result.server_hits = Counter(_kind(p) for p in server.requested_paths())
    return result


def scan(services: Path, env: dict[str, str], expected: int, work: Path, timeout: float, *,
         side: str = "vigie", also: Sequence[int] = ()) -> SideResult:
    """``python -m vigie scan --services`` as a whole process, then what its run stored.

    ``also``: processes (the workers) whose trees are measured with the scan's.
    """
    cmd = [sys.executable, "-m", "vigie", "scan", "--services", str(services), "--allow-private"]
    run = measure(cmd, env, timeout, work / "logs", also=also)
    result = SideResult(side, 0, expected, run)
    settings = Settings(data_dir=Path(env["VIGIE_DATA_DIR"]),
                        database_url=env["VIGIE_DATABASE_URL"])
    url = settings.resolved_database_url
    if run.returncode != 0 or (url.startswith("sqlite:///")
                               and not Path(url.removeprefix("sqlite:///")).exists()):
        result.details["error"] = (run.stderr or run.stdout)[-2000:]
        return result
    with closing(connect(url)) as conn:
        _read_scan(result, conn, settings.artifacts_dir)
    return result


def connect(url: str) -> Any:
    """A DB-API connection to the scan's database: SQLite or PostgreSQL (read only here)."""
    if url.startswith("sqlite:///"):
        return sqlite3.connect(url.removeprefix("sqlite:///"))
    import psycopg  # only the PostgreSQL benchmarks need it

    return psycopg.connect(url.replace("+psycopg", ""), autocommit=True)


def _read_scan(result: SideResult, conn: Any, artifacts: Path) -> None:
    """Fill ``result`` from what the scan's run (the latest) stored: outcomes, phases, step
    timings, axe counts, and when each service scan started and finished."""
    run = result.run
    run_id, started, finished, stats = conn.execute(
        "SELECT id, started_at, finished_at, stats FROM scan_run ORDER BY id DESC LIMIT 1"
    ).fetchone()
    # run_id comes from the database: an int, formatted into SQL that both drivers accept.
    of_run = f"service_scan_id IN (SELECT id FROM service_scan WHERE run_id = {int(run_id)})"
    outcomes = dict(conn.execute(
        f"SELECT outcome, COUNT(*) FROM page_capture WHERE {of_run} GROUP BY outcome"
    ).fetchall())
    last = conn.execute(f"SELECT MAX(started_at) FROM page_capture WHERE {of_run}").fetchone()[0]
    rows = conn.execute(
        "SELECT viewport, timings, load_seconds, summary FROM page_capture "
        f"WHERE outcome = 'ok' AND {of_run}").fetchall()
    blobs = conn.execute(
        "SELECT COUNT(DISTINCT screenshot_sha256), COUNT(DISTINCT html_sha256) "
        f"FROM page_capture WHERE {of_run}").fetchone()
    spans = conn.execute(
        f"SELECT started_at, finished_at FROM service_scan WHERE run_id = {int(run_id)} "
        "ORDER BY started_at").fetchall()
    result.details["service_spans"] = [
        (a.timestamp(), b.timestamp()) for a, b in ((_utc(x), _utc(y)) for x, y in spans)
        if a and b]
    result.captures = int(outcomes.get("ok", 0))
    result.details["outcomes"] = outcomes
    run_start, run_end, last_capture = _utc(started), _utc(finished), _utc(last)
    if run_start and last_capture:
        result.crawl_s = (last_capture - run_start).total_seconds()
        result.pre_s = run_start.timestamp() - run.started_epoch
    if run_start and run_end:
        result.details["run_s"] = (run_end - run_start).total_seconds()
    if run_end:
        result.post_s = run.ended_epoch - run_end.timestamp()
        during = [rss for t, rss in run.root_trace if t <= run_end.timestamp()]
        result.details["python_peak_crawl_mib"] = max(during) / MIB if during else None
    result.details["stats"] = _json(stats)
    timings: dict[str, list[float]] = {}
    by_viewport: dict[str, dict[str, list[float]]] = {}
    violations: Counter[str] = Counter()
    incomplete: Counter[str] = Counter()
    for viewport, raw_timings, load_seconds, raw_summary in rows:
        t = _json(raw_timings)
        summary = _json(raw_summary)
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

