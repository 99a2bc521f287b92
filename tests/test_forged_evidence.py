"""A page cannot forge Vigie's evidence: each hostile copy gives exactly its clean copy's findings.

The fixture (tests/sites/forged/index.html) is a town's school-canteen sign-up page with real
accessibility faults, no JDMA button and no FranceConnect button. Each hostile copy is the same
page with one script of tests/sites/forged/hostile/ run first in its ``<head>``: it redefines
``JSON.stringify``, ``Array.prototype`` methods, ``Promise``, pins a fake ``window.axe``, or
redefines ``querySelectorAll`` / the ``document.title`` getter on the DOM prototypes, so as to
show a spotless page, a JDMA button, a FranceConnect button and a flattering title.

Two levels: ``collect_page`` on each copy (the isolated run equals the clean copy's, while the
same scripts run in the page's own world are forged — the proof that the copies are hostile),
then one ``vigie scan`` of all copies whose findings must be the clean copy's, check by check.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import async_playwright
from sqlalchemy import select

from core.settings import DESKTOP, Settings
from crawler.collect import collect_page
from storage.context import Storage
from storage.models import Finding, PageCapture, ServiceScan
from tests.conftest import SITES, run_vigie
from vigie.demo.server import SiteServer

pytestmark = pytest.mark.browser

FORGED = SITES / "forged"
HOSTILE = sorted(p.stem for p in (FORGED / "hostile").glob("*.js"))
CLEAN = "propre"
TITLE = "Inscription à la restauration scolaire – Ville de Saint-Aubin-sur-Loire"


def build_copies(root: Path) -> Path:
    """``root/propre/`` (the page as is) and ``root/<script>/`` for each hostile script."""
    for name in [CLEAN, *HOSTILE]:
        dest = root / name
        shutil.copytree(FORGED, dest, ignore=shutil.ignore_patterns("hostile"))
        if name == CLEAN:
            continue
        shutil.copy(FORGED / "hostile" / f"{name}.js", dest / "hostile.js")
        page = dest / "index.html"
        html = page.read_text(encoding="utf-8")
        page.write_text(html.replace("<head>\n", '<head>\n  <script src="hostile.js"></script>\n',
                                     1), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteServer]:
    with SiteServer(build_copies(tmp_path_factory.mktemp("forged"))) as server:
        yield server


def same_place(value: Any, name: str) -> Any:
    """``value`` with the copy's folder in URLs written as the clean copy's."""
    return json.loads(json.dumps(value, ensure_ascii=False).replace(f"/{name}/", f"/{CLEAN}/"))


def axe_rules(axe: dict[str, Any] | None) -> dict[str, Any]:
    axe = axe or {}
    return {kind: sorted((r["id"], sorted(json.dumps(n["target"]) for n in r["nodes"]))
                         for r in axe.get(kind, []))
            for kind in ("violations", "incomplete")}


def evidence(result: dict[str, Any], name: str) -> dict[str, Any]:
    """What the checks read of a page collection (HTML aside), comparable across copies."""
    collected = dict(result.get("collector") or {}) if isinstance(result.get("collector"),
                                                                   dict) else {}
    collected.pop("timing", None)
    # The hostile copy's own script tag is real, and its only difference.
    collected["scripts"] = [s for s in collected.get("scripts", []) if "hostile.js" not in s]
    collected.pop("asset_heads", None)
    return same_place({"collector": collected, "axe": axe_rules(result.get("axe")),
                       "errors": sorted(result.get("errors", {}))}, name)


async def collect_all(base_url: str, browser_choice: Any) -> dict[str, dict[str, Any]]:
    """Each copy collected in an isolated world, and in the page's own world (``main:...``)."""
    got: dict[str, dict[str, Any]] = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(**browser_choice.launch_options(
            Settings().browser_args))
        page = await browser.new_page(viewport={"width": DESKTOP.width,
                                                "height": DESKTOP.height})
        for name in [CLEAN, *HOSTILE]:
            for world in ("isolated", "main"):
                await page.goto(f"{base_url}/{name}/index.html", wait_until="load")
                result = await collect_page(page, 20.0, False, world=world)
                got[name if world == "isolated" else f"main:{name}"] = dict(result)
        await browser.close()
    return got


@pytest.fixture(scope="module")
def collected(copies: SiteServer, browser_choice: Any) -> dict[str, dict[str, Any]]:
    return asyncio.run(collect_all(copies.base_url, browser_choice))


def test_the_clean_page_has_the_faults_the_forgeries_hide(
        collected: dict[str, dict[str, Any]]) -> None:
    clean = collected[CLEAN]
    assert clean["errors"] == {}
    assert clean["collector"]["title"] == TITLE
    violations = {r["id"] for r in clean["axe"]["violations"]}
    assert {"image-alt", "label", "select-name", "link-name", "button-name", "list",
            "aria-roles"} <= violations, violations
    hrefs = " ".join(link["href"] for link in clean["collector"]["links"])
    assert "jedonnemonavis" not in hrefs
    assert clean["collector"]["connect_buttons"] == []


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_copy_gives_the_clean_evidence(name: str,
                                                 collected: dict[str, dict[str, Any]]) -> None:
    assert evidence(collected[name], name) == evidence(collected[CLEAN], CLEAN)


@pytest.mark.parametrize("name", HOSTILE)
def test_in_the_page_world_the_same_copy_forges_the_evidence(
        name: str, collected: dict[str, dict[str, Any]]) -> None:
    # Proof that the copy is hostile: run in the page's own world (as Vigie used to), the same
    # scripts record something else than the clean page's evidence, and nothing says so.
    clean = evidence(collected[f"main:{CLEAN}"], CLEAN)
    assert clean == evidence(collected[CLEAN], CLEAN)
    forged = collected[f"main:{name}"]
    assert forged["errors"] == {}
    assert evidence(forged, name) != clean


# -- the whole scan: findings, check by check ---------------------------------------------------


def measured_aside(data: dict[str, Any]) -> dict[str, Any]:
    """A finding's data without the times it measured (``load_ms``, ``ttfb_ms``)."""
    return {key: value for key, value in data.items() if not key.endswith("_ms")}


def scan_findings(copies: SiteServer, tmp: Path) -> dict[str, Any]:
    services = tmp / "services.yaml"
    services.write_text("services:\n" + "".join(
        f"  - id: cantine-{name}\n    name: Restauration scolaire ({name})\n"
        f"    start_url: {copies.base_url}/{name}/index.html\n"
        for name in [CLEAN, *HOSTILE]), encoding="utf-8")
    env = {"VIGIE_DATA_DIR": str(tmp / "data"), "VIGIE_DATABASE_URL": "",
           "VIGIE_DOWNLOAD_DELAY": "0", "VIGIE_MAX_PAGES": "1"}
    proc = run_vigie("scan", "--services", str(services), "--allow-private", env=env)
    assert proc.returncode == 0, proc.stderr
    by_copy: dict[str, Any] = {}
    st = Storage.open(Settings(data_dir=tmp / "data"), migrate=False)
    with st.sessions() as session:
        for scan in session.scalars(select(ServiceScan)):
            name = scan.service.slug.removeprefix("cantine-")
            titles = sorted((c.viewport, c.outcome, c.title) for c in session.scalars(
                select(PageCapture).where(PageCapture.service_scan_id == scan.id)))
            findings = sorted(
                json.dumps([f.check_id, f.outcome, f.message, measured_aside(f.data)],
                           sort_keys=True,
                           ensure_ascii=False)
                for f in session.scalars(select(Finding).where(
                    Finding.service_scan_id == scan.id)))
            by_copy[name] = same_place({"captures": titles, "findings": findings}, name)
    st.close()
    return by_copy


def test_a_scan_of_the_hostile_copies_gives_the_clean_findings(
        copies: SiteServer, browser_choice: Any, tmp_path: Path) -> None:
    by_copy = scan_findings(copies, tmp_path)
    clean = by_copy[CLEAN]
    assert {c[2] for c in clean["captures"]} == {TITLE}
    outcomes = {json.loads(f)[0]: json.loads(f)[1] for f in clean["findings"]
                if json.loads(f)[0] in ("jdma-button", "auth-button")}
    assert outcomes == {"jdma-button": "needs_review", "auth-button": "needs_review"}, outcomes
    assert any(re.match(r'\["axe", "fail"', f) for f in clean["findings"])
    for name in HOSTILE:
        assert by_copy[name]["captures"] == clean["captures"], name
        only_here = set(by_copy[name]["findings"]) - set(clean["findings"])
        only_clean = set(clean["findings"]) - set(by_copy[name]["findings"])
        assert (only_here, only_clean) == (set(), set()), name
