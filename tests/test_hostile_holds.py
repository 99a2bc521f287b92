"""What already held against hostile pages, kept tested (issue 11's "already holds" list).

Dialog loops, ``beforeunload``, a 200,000 px page, ``script-src 'none'``, 5,000 iframes, an
image that never loads and a page that never stops streaming: each ends as one capture per
viewport within the page budget, and the pages that can be read are read in full (the
collector and axe ran, even under a CSP that forbids scripts).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.settings import Settings
from crawler.handler import CLOSE_TIMEOUT
from storage.artifacts import ArtifactStore
from storage.context import Storage
from storage.models import PageCapture
from tests.conftest import run_vigie
from vigie.demo.server import SiteServer

pytestmark = pytest.mark.browser

BUDGET = 30.0
# Calls get Vigie's default 20 s: beside the 5,000-frame page, on 2 cores, a collector call
# (settle step included) once took more than 10 s in CI.
ENV = {"VIGIE_NAVIGATION_TIMEOUT": "15", "VIGIE_CALL_TIMEOUT": "20",
       "VIGIE_PAGE_BUDGET": str(BUDGET), "VIGIE_DOWNLOAD_DELAY": "0"}
READABLE = ["index.html", "dialogues.html", "quitter.html", "communes.html", "csp.html"]
# Their load event never comes (or, for 5,000 frames on a busy machine, may come late):
# bounded by the budgets, whether or not they could be read.
BOUNDED = ["guichets.html", "bandeau.html", "flux.html"]


def test_hostile_pages_that_already_held_still_do(sites: dict[str, SiteServer], tmp_path: Path,
                                                   browser_choice: Any) -> None:
    base = sites["holds"].base_url
    extra = "\n".join(f"      - {base}/{page}" for page in READABLE[1:] + BOUNDED)
    services = tmp_path / "services.yaml"
    # The pages that misbehave come first; a clean service scanned after them shows that
    # they left nothing behind (a dialog or a beforeunload prompt would block its tab).
    services.write_text(f"""services:
  - id: aide-logement
    name: Demande d’aide au logement
    start_url: {base}/index.html
    extra_urls:
{extra}
  - id: mentions
    name: Mentions de l’aide au logement
    start_url: {base}/mentions-legales.html
""", encoding="utf-8")
    data = tmp_path / "data"
    started = time.monotonic()
    proc = run_vigie("scan", "--services", str(services), "--allow-private",
                     env={**ENV, "VIGIE_DATA_DIR": str(data), "VIGIE_DATABASE_URL": ""})
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stdout + proc.stderr

    st = Storage.open(Settings(data_dir=data), migrate=False)
    try:
        with st.sessions() as session:
            captures = list(session.scalars(select(PageCapture)))
    finally:
        st.close()
    by_page: dict[str, list[PageCapture]] = {}
    for capture in captures:
        by_page.setdefault(capture.requested_url.removeprefix(base + "/"), []).append(capture)

    for page in READABLE + BOUNDED + ["mentions-legales.html"]:
        assert sorted(c.viewport for c in by_page[page]) == ["desktop", "mobile"], page
        for capture in by_page[page]:
            # An overrunning tab is closed after the budget, which may take CLOSE_TIMEOUT.
            assert (capture.load_seconds or 0) <= BUDGET + CLOSE_TIMEOUT, (
                page, capture.viewport, capture.load_seconds, capture.error)
    for page in [*READABLE, "mentions-legales.html"]:
        for capture in by_page[page]:
            assert capture.outcome == "ok", (page, capture.viewport, capture.error)
            assert capture.collector_sha256 and capture.axe_sha256, page
            assert capture.title and capture.title.endswith("aide au logement"), capture.title
    for page in BOUNDED:
        assert {c.outcome for c in by_page[page]} <= {"ok", "timeout"}, page
    # The CSP page's own script did not run, yet axe found its image without alternative.
    artifacts = ArtifactStore(Settings(data_dir=data).artifacts_dir)
    for capture in by_page["csp.html"]:
        assert (capture.title or "").startswith("Page protégée")
        axe = artifacts.get_json(capture.axe_sha256 or "")
        rules = {v["id"] for v in axe["violations"]}
        assert "image-alt" in rules, rules
    # 8 pages (+ mentions légales) × 2 viewports, at most a budget each, 2 at a time by
    # default: a whole scan held up by one page would show here.
    assert elapsed < 10 * BUDGET, elapsed
