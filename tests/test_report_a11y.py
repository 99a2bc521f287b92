"""Every kind of report page passes axe-core (the vendored 4.14.1) with zero violations.

The pages are served as `vigie serve` serves them and opened in real Chromium, on the site of
two real scans (a service with many axe violations, an unreachable one, history and changes)
and on the synthetic site (auditor flags, new and fixed findings, long evidence).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.browser import BrowserChoice
from reports.site.serve import make_server
from tests.reportkit import BROWSER_ARGS, scanned_site, synthetic_site

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent.parent / "crawler" / "assets" / "axe-core" / "axe.min.js"
REAL_PAGES = ["index.html", "filtres/ministere-ministere-des-tests.html",
              "services/basic.html", "services/a11y-faible.html", "services/injoignable.html",
              "auditeur.html", "a-propos.html", "objectifs.html", "objectifs/rgaa.html",
              "objectifs/franceconnect-plus.html", "publie-mesure.html"]
SYNTHETIC_PAGES = ["index.html", "services/totale.html", "services/absente.html",
                   "auditeur.html", "objectifs.html", "objectifs/rgaa.html", "publie-mesure.html"]


def serve(folder: Path) -> Generator[str, None, None]:
    server = make_server(folder, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def urls(tmp_path_factory: pytest.TempPathFactory, browser_choice: Any) -> Iterator[list[str]]:
    real = scanned_site(tmp_path_factory).site
    synthetic = synthetic_site(tmp_path_factory)
    real_server, synthetic_server = serve(real), serve(synthetic)
    real_base, synthetic_base = next(real_server), next(synthetic_server)
    yield ([real_base + p for p in REAL_PAGES]
           + [synthetic_base + p for p in SYNTHETIC_PAGES])
    for server in (real_server, synthetic_server):
        server.close()


def axe_violations(browser_choice: BrowserChoice, urls: list[str],
                   width: int) -> dict[str, list[dict[str, Any]]]:
    from playwright.sync_api import sync_playwright

    found: dict[str, list[dict[str, Any]]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(headless=True, args=BROWSER_ARGS,
                                    executable_path=browser_choice.executable)
        try:
            # The pages forbid every script (CSP): the test lifts that to inject axe-core.
            context = browser.new_context(viewport={"width": width, "height": 900},
                                          bypass_csp=True, locale="fr-FR")
            page = context.new_page()
            for url in urls:
                response = page.goto(url, wait_until="load")
                assert response is not None and response.ok, url
                kind = page.get_attribute('meta[name="vigie:page-kind"]', "content")
                assert kind, url
                page.add_script_tag(path=str(AXE))
                result = page.evaluate("""async () => {
                    const r = await axe.run(document, {resultTypes: ["violations"]});
                    return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 3).map(n => ({target: n.target,
                            html: n.html.slice(0, 200), summary: n.failureSummary}))}));
                }""")
                if result:
                    found[url] = result
        finally:
            browser.close()
    return found


@pytest.mark.parametrize("width", [1280, 375])
def test_every_page_kind_has_no_axe_violation(urls: list[str], browser_choice: BrowserChoice,
                                              width: int) -> None:
    pages = urls if width == 1280 else [u for u in urls if "filtres" not in u]
    found = axe_violations(browser_choice, pages, width)
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)
