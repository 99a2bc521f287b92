"""Vigie's axe findings for a page equal axe-core's own result on that page.

The reference is a plain Playwright run of the same pinned axe-core with its default options,
in the same browser and viewport: same rule ids, same node counts, for violations (``fail``)
and incomplete results (``needs_review``). (The orientation rule Vigie also turns on is judged
by the ``mobile`` check, not by ``axe``.)
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import async_playwright
from sqlalchemy import select

from core.settings import DESKTOP, Settings
from crawler.collect import axe_source
from storage.context import Storage
from storage.models import Finding, PageCapture
from tests.conftest import SITES, run_vigie
from vigie.demo.server import SiteServer

pytestmark = pytest.mark.browser


async def reference_axe(url: str, browser_choice: Any) -> dict[str, Any]:
    args = Settings().browser_args
    async with async_playwright() as p:
        browser = await p.chromium.launch(**browser_choice.launch_options(args))
        page = await browser.new_page(viewport={"width": DESKTOP.width, "height": DESKTOP.height})
        await page.goto(url, wait_until="load")
        await page.evaluate(axe_source())
        result: dict[str, Any] = await page.evaluate("axe.run()")
        await browser.close()
    return result


@pytest.fixture
def basic_site() -> Any:
    # A server of its own: the reference run's requests must not mix with the scan tests'.
    with SiteServer(SITES / "basic") as server:
        yield server


def test_vigie_axe_findings_match_axe_core(basic_site: SiteServer, browser_choice: Any,
                                           tmp_path: Path) -> None:
    url = basic_site.base_url + "/"
    services = tmp_path / "s.yaml"
    services.write_text(f"services:\n  - id: basic\n    name: Basic\n    start_url: {url}\n",
                        encoding="utf-8")
    env = {"VIGIE_DATA_DIR": str(tmp_path / "data"), "VIGIE_DATABASE_URL": "",
           "VIGIE_DOWNLOAD_DELAY": "0", "VIGIE_MAX_PAGES": "1"}
    proc = run_vigie("scan", "--services", str(services), "--allow-private", env=env)
    assert proc.returncode == 0, proc.stderr

    expected = asyncio.run(reference_axe(url, browser_choice))
    want_fail = Counter({r["id"]: len(r["nodes"]) for r in expected["violations"]})
    want_review = Counter({r["id"]: len(r["nodes"]) for r in expected["incomplete"]})
    assert want_fail, "the fixture page must have violations for this test to mean anything"

    st = Storage.open(Settings(data_dir=tmp_path / "data"), migrate=False)
    with st.sessions() as session:
        capture = session.scalars(select(PageCapture).where(
            PageCapture.viewport == "desktop", PageCapture.page_kind == "start")).one()
        findings = session.scalars(select(Finding).where(
            Finding.check_id == "axe", Finding.page_capture_id == capture.id)).all()
        got_fail = Counter({f.data["rule"]: f.data["nodes_count"] for f in findings
                            if f.outcome == "fail"})
        got_review = Counter({f.data["rule"]: f.data["nodes_count"] for f in findings
                              if f.outcome == "needs_review"})
    st.close()
    assert got_fail == want_fail
    assert got_review == want_review
