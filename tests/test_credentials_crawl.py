"""Credentials met while crawling are never stored nor shown.

A fictional agents' portal redirects its start page to ``http://agent:<password>@…`` (as a
misconfigured single sign-on may) and links its contact page with credentials too. After a real
scan, neither the database file, the JSON artifacts, the JSON export nor the report site holds
the password, the final URL is kept without it, and the contact page is still found and
captured. The HTML artifact alone keeps the page's markup as the site sent it
(docs/captures.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_vigie
from vigie.demo.server import SiteServer

pytestmark = pytest.mark.browser

SECRET = "Pref-Secret-2024"
ENV = {"VIGIE_NAVIGATION_TIMEOUT": "10", "VIGIE_CALL_TIMEOUT": "10", "VIGIE_PAGE_BUDGET": "30",
       "VIGIE_DOWNLOAD_DELAY": "0", "VIGIE_DATABASE_URL": "", "VIGIE_MAX_PAGES": "4"}


def portal_page(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – Portail des agents de la préfecture</title></head>
<body>
<header role="banner"><p class="fr-header__service-title">Portail des agents</p></header>
<main id="contenu" role="main">
<h1>{title}</h1>
{body}
</main>
</body>
</html>
"""


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[SiteServer]:
    root = tmp_path / "portail"
    root.mkdir()
    with SiteServer(root) as server:
        signed_in = f"http://agent:{SECRET}@127.0.0.1:{server.port}"
        server.set_behaviour("/connexion", {"redirect": f"{signed_in}/espace.html"})
        (root / "espace.html").write_text(portal_page("Mon espace", f"""
<p>Bienvenue dans votre espace, vos demandes en cours s’affichent ci-dessous.</p>
<ul>
  <li><a href="dossiers.html">Mes dossiers</a></li>
  <li><a href="{signed_in}/nous-contacter.html">Nous contacter</a></li>
</ul>"""), encoding="utf-8")
        (root / "dossiers.html").write_text(portal_page("Mes dossiers", "<p>Aucun dossier.</p>"),
                                            encoding="utf-8")
        (root / "nous-contacter.html").write_text(portal_page(
            "Nous contacter", "<p>Écrivez-nous via le formulaire d’assistance.</p>"),
            encoding="utf-8")
        yield server


def test_credentials_in_redirects_and_links_are_dropped(portal: SiteServer, tmp_path: Path
                                                        ) -> None:
    services = tmp_path / "services.yaml"
    services.write_text(f"""services:
  - id: portail-agents
    name: Portail des agents de la préfecture
    start_url: {portal.url('/connexion')}
    ministry: Ministère de l’Intérieur
""", encoding="utf-8")
    data = tmp_path / "data"
    env = {**ENV, "VIGIE_DATA_DIR": str(data)}

    scan = run_vigie("scan", "--services", str(services), "--allow-private", env=env)
    assert scan.returncode == 0, scan.stdout + scan.stderr
    export = run_vigie("export", "run", "--format", "json", env=env)
    report = run_vigie("report", "--out", str(tmp_path / "rapport"), env=env)
    assert export.returncode == 0 and report.returncode == 0, export.stderr + report.stderr

    assert "/nous-contacter.html" in portal.requested_paths()  # the link was still followed
    captures = json.loads(export.stdout)["captures"]
    final_urls = {c["final_url"] for c in captures}
    assert f"http://127.0.0.1:{portal.port}/espace.html" in final_urls
    assert f"http://127.0.0.1:{portal.port}/nous-contacter.html" in final_urls
    shown = scan.stdout + scan.stderr + export.stdout
    assert SECRET not in shown and "agent:" not in shown
    for file in (tmp_path / "rapport").rglob("*"):
        if file.is_file():
            assert SECRET.encode() not in file.read_bytes(), file
    for file in data.rglob("*"):
        if file.is_file() and not file.name.endswith(".html"):
            assert SECRET.encode() not in file.read_bytes(), file  # database, JSON artifacts
