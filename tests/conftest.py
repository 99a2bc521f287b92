"""Shared fixtures: fixture sites on 127.0.0.1, SQLite and PostgreSQL databases, the browser.

PostgreSQL tests use the server named by VIGIE_TEST_POSTGRES_URL (default: the local one,
database ``test``), each in a schema of its own. Without a server they are skipped with a
message saying so, except when VIGIE_REQUIRE_POSTGRES=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.pg_schema import fresh_schema
from bench.pg_schema import problem as postgres_problem
from storage.artifacts import ArtifactStore
from vigie.demo.server import SiteServer

ROOT = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"
PG_URL = os.environ.get("VIGIE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("VIGIE_REQUIRE_POSTGRES") == "1"
IN_CI = os.environ.get("CI") == "true"
# Retries within a run add passes (and a delay) to every scan: tests that are not about them
# scan once, as users who turn them off do; tests/test_resume.py turns them on.
for _name in ("VIGIE_RETRY_VIGIE_FAILURES", "VIGIE_RETRY_SITE_FAILURES"):
    os.environ.setdefault(_name, "0")


def _postgres_problem() -> str | None:
    return postgres_problem(PG_URL)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    problem = _postgres_problem()
    if problem:
        message = (f"PostgreSQL not reachable at {PG_URL} ({problem}); set "
                   "VIGIE_TEST_POSTGRES_URL. These tests are required in CI.")
        if REQUIRE_PG:
            pytest.fail(message)
        pytest.skip(message)
    return PG_URL


def _schema_url(base: str) -> Iterator[str]:
    """A fresh schema for one test (or one session-scoped scan), dropped afterwards."""
    with fresh_schema(base, prefix="vigie_test") as url:
        yield url


def _database_url(kind: str, tmp: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'vigie.sqlite3'}"
    else:
        yield from _schema_url(request.getfixturevalue("postgres_url"))


DB_PARAMS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=DB_PARAMS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from _database_url(request.param, tmp_path, request)


@pytest.fixture(scope="session", params=DB_PARAMS)
def session_database_url(request: pytest.FixtureRequest,
                         tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _database_url(request.param, tmp_path_factory.mktemp("db"), request)


@pytest.fixture
def store(tmp_path: Path) -> ArtifactStore:
    """An artifact store for check inputs built from saved captures."""
    return ArtifactStore(tmp_path / "artifacts")


@pytest.fixture(scope="session")
def browser_choice() -> Any:
    from crawler.browser import BrowserNotFound, find_browser

    try:
        return find_browser(os.environ.get("VIGIE_BROWSER_PATH", ""))
    except BrowserNotFound as exc:
        if IN_CI:
            pytest.fail(str(exc))
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def sites() -> Iterator[dict[str, SiteServer]]:
    """Every fixture site of tests/sites, each on its own port."""
    servers = {p.name: SiteServer(p).start() for p in sorted(SITES.iterdir()) if p.is_dir()}
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()


@pytest.fixture
def slow_site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SiteServer]:
    """A site of ``PAGES`` pages (the test module's constant: ``/p0.html``…) that each take a
    second to answer, so a scan can be hurt (killed, its browser crashed) while it runs."""
    root = tmp_path / "slow-site"
    pages = int(request.module.PAGES)
    seconds = 1.0
    root.mkdir(parents=True, exist_ok=True)
    for i in range(pages):
        (root / f"p{i}.html").write_text(
            f'<!doctype html><html lang="fr"><head><title>Page {i}</title></head>'
            f"<body><main><h1>Page n° {i}</h1><p>Texte de la page.</p></main></body></html>",
            encoding="utf-8")
    behaviours = {f"/p{i}.html": {"delay": seconds} for i in range(pages)}
    with SiteServer(root, behaviours=behaviours) as server:
        yield server


def run_vigie(*args: str, env: dict[str, str] | None = None, timeout: float = 600,
              cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a subprocess, as users do (a Scrapy crawl owns its process)."""
    full_env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "vigie", *args], capture_output=True,
                          text=True, env=full_env, timeout=timeout, cwd=cwd or ROOT)
