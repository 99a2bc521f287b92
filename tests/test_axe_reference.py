"""Vigie's axe results equal a second, independent reference: ``axe-playwright-python``.

tests/test_axe_match.py compares Vigie with the axe-core it ships, run plainly; this test takes
a reference Vigie did not choose: the PyPI package ``axe-playwright-python`` (a test
dependency), which injects its own bundled axe-core into the page's main world and calls
``axe.run``. Vigie runs its pinned axe-core frame by frame in isolated worlds
(``crawler.collect``). Same browser, same viewport, same fixture pages; compared: the violated
rule ids and each violation's node targets, on the rules both axe-core versions have and run by
default (from both versions' ``axe.getRules()``), Vigie's own option aside
(``css-orientation-lock``, an experimental rule it turns on). The package injects axe into the
top frame only, where ``axe.run`` cannot test frames, and axe's frame messaging answers
same-origin frames only by default: the test also injects the package's axe-core into each
frame, with ``allowedOrigins`` opened, so that frames (same-site, and another site's, out of
process) are compared too.

Versions: axe-playwright-python 0.1.8 bundles axe-core 4.12.1; Vigie pins 4.14.1
(crawler/assets/axe-core/VERSION.txt). 4.14.1 runs ``label-content-name-mismatch`` by default
(experimental in 4.12.1), so that rule is left out; the 98 others are shared, and none gave a
different result on these pages when this test was written.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from axe_playwright_python.base import AXE_SCRIPT
from playwright.async_api import Page, async_playwright

from core.settings import DESKTOP, Settings
from crawler.collect import AXE_OPTIONS, axe_source, collect_page
from tests.conftest import SITES
from vigie.demo.server import SiteServer

pytestmark = pytest.mark.browser

PAGES = {"basic": sorted(p.name for p in (SITES / "basic").glob("*.html")),
         "forged": ["index.html"], "portal": ["index.html"]}
# A page of another site (localhost, not 127.0.0.1) framing the canteen fare simulator:
# Chromium renders that frame in another process, which Vigie reaches by its own session.
PORTAL = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Portail famille</title></head>
<body><main><h1>Portail famille</h1>
<iframe src="http://localhost:{port}/simulateur.html" title="Simulateur du tarif"></iframe>
</main></body></html>
"""
# axe.run talks to frames by postMessage, by default with same-origin frames only; Vigie tests
# every frame (each in its own world, no messages), so the reference is opened to all origins.
REFERENCE_SCRIPT = AXE_SCRIPT + ";axe.configure({allowedOrigins: ['<unsafe_all_origins>']});"
VIGIE_ONLY_OPTIONS = {rule for rule, on in AXE_OPTIONS["rules"].items() if on.get("enabled")}


async def default_rules(page: Page, source: str) -> tuple[str, set[str]]:
    """An axe-core's version and the rules it runs by default (experimental ones are off)."""
    await page.evaluate(source)
    version, rules = await page.evaluate(
        "[axe.version, axe.getRules().filter((r) => !r.tags.includes('experimental'))"
        ".map((r) => r.ruleId)]")
    return version, set(rules)


def violations(axe: dict[str, Any], rules: set[str]) -> dict[str, list[str]]:
    return {r["id"]: sorted(" >> ".join(map(str, n["target"])) for n in r["nodes"])
            for r in axe["violations"] if r["id"] in rules}


async def compare(servers: dict[str, SiteServer], browser_choice: Any) -> dict[str, Any]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(**browser_choice.launch_options(
            Settings().browser_args))
        page = await browser.new_page(viewport={"width": DESKTOP.width,
                                                "height": DESKTOP.height})
        await page.goto(servers["basic"].base_url + "/", wait_until="load")
        ours = await default_rules(page, axe_source())
        await page.reload(wait_until="load")
        theirs = await default_rules(page, AXE_SCRIPT)
        shared = (ours[1] & theirs[1]) - VIGIE_ONLY_OPTIONS
        pages: dict[str, Any] = {}
        out_of_process = False
        for site, names in PAGES.items():
            for name in names:
                url = f"{servers[site].base_url}/{name}"
                await page.goto(url, wait_until="load")
                if site == "portal":  # only an out-of-process frame has a session of its own
                    try:
                        await (await page.context.new_cdp_session(page.frames[1])).detach()
                        out_of_process = True
                    except Exception:
                        out_of_process = False
                vigie = await collect_page(page, 30.0, False)
                await page.goto(url, wait_until="load")
                for frame in page.frames[1:]:  # the package injects into the top frame only
                    await frame.evaluate(REFERENCE_SCRIPT)
                reference = await Axe(REFERENCE_SCRIPT).run(
                    page, options={"resultTypes": ["violations"]})
                pages[f"{site}/{name}"] = (violations(dict(vigie["axe"] or {}), shared),
                                           violations(reference.response, shared))
        await browser.close()
    return {"ours": ours, "theirs": theirs, "shared": shared, "pages": pages,
            "out_of_process": out_of_process}


@pytest.fixture(scope="module")
def compared(browser_choice: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    servers = {site: SiteServer(SITES / site).start() for site in ("basic", "forged")}
    portal = tmp_path_factory.mktemp("portal")
    (portal / "index.html").write_text(PORTAL.format(port=servers["forged"].port),
                                       encoding="utf-8")
    servers["portal"] = SiteServer(portal).start()
    try:
        return asyncio.run(compare(servers, browser_choice))
    finally:
        for server in servers.values():
            server.stop()


def test_the_two_axe_cores_share_most_rules(compared: dict[str, Any]) -> None:
    assert compared["ours"][0] == (SITES.parent.parent / "crawler" / "assets" / "axe-core" /
                                   "VERSION.txt").read_text(encoding="utf-8").strip()
    assert compared["theirs"][0] != compared["ours"][0]  # an independent reference, not a copy
    assert len(compared["shared"]) >= 80, sorted(compared["shared"])


def test_vigie_violations_equal_the_reference_on_shared_rules(compared: dict[str, Any]) -> None:
    assert any(ours for ours, _ in compared["pages"].values()), "no violation on any page"
    # Frames count: a same-site frame (forged) and another site's, out of process (portal).
    assert any(">>" in t for ts in compared["pages"]["forged/index.html"][0].values() for t in ts)
    assert compared["out_of_process"]
    assert compared["pages"]["portal/index.html"][0], "the framed simulator's faults are missed"
    for page, (ours, theirs) in compared["pages"].items():
        assert ours == theirs, page
