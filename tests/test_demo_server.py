"""The demo/test site server (behaviours included), the demo service list and the demo sites."""

from __future__ import annotations

import http.client
import json
import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from vigie.demo.behaviours import load_behaviours
from vigie.demo.catalog import (
    SERVICES_TEMPLATE,
    SITES_DIR,
    referenced_sites,
    render_services_yaml,
    site_names,
)
from vigie.demo.server import SiteServer
from vigie.demo.sites import DemoSites

TEST_SITES = Path(__file__).parent / "sites"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fetch(url: str, *, timeout: float = 5.0) -> tuple[int, Message, bytes]:
    """(status, headers, body) without following redirects nor raising on HTTP errors."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers, err.read()


@pytest.fixture(scope="module")
def hostile() -> Iterator[SiteServer]:
    with SiteServer(TEST_SITES / "hostile") as server:
        yield server


@pytest.fixture(scope="module")
def basic() -> Iterator[SiteServer]:
    with SiteServer(TEST_SITES / "basic") as server:
        yield server


# --- static serving ---------------------------------------------------------------------


def test_base_url_and_static_files(basic: SiteServer) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", basic.base_url)
    status, headers, body = fetch(basic.base_url + "/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Service de test" in body.decode("utf-8")
    assert fetch(basic.url("/index.html"))[2] == body

    status, headers, _ = fetch(basic.url("/style.css"))
    assert (status, headers["Content-Type"]) == (200, "text/css; charset=utf-8")
    status, headers, _ = fetch(basic.url("/img/photo-1.svg"))
    assert (status, headers["Content-Type"]) == (200, "image/svg+xml")


def test_missing_page_and_directory_listing_are_404(basic: SiteServer) -> None:
    status, headers, body = fetch(basic.url("/nulle-part.html"))
    assert status == 404
    assert headers["Content-Type"].startswith("text/html")
    assert b"404" in body
    assert fetch(basic.url("/img/"))[0] == 404  # no directory listing


def test_behaviours_file_is_not_served(hostile: SiteServer) -> None:
    assert fetch(hostile.url("/_behaviours.json"))[0] == 404


def test_head_request(basic: SiteServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", basic.port, timeout=5)
    conn.request("HEAD", "/contact.html")
    resp = conn.getresponse()
    assert resp.status == 200
    assert int(resp.headers["Content-Length"]) > 0
    conn.close()


def test_requests_are_recorded(basic: SiteServer) -> None:
    basic.clear_requests()
    fetch(basic.url("/actualites.html?x=1"))
    assert basic.requested_paths() == ["/actualites.html"]
    assert basic.requests[0].method == "GET"


def test_robots_txt_is_static() -> None:
    with SiteServer(TEST_SITES / "robots") as server:
        status, headers, body = fetch(server.url("/robots.txt"))
        assert status == 200
        assert headers["Content-Type"].startswith("text/plain")
        assert b"Disallow: /prive/" in body
        assert fetch(server.url("/prive/contact.html"))[0] == 200


def test_context_manager_and_stop_are_idempotent(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<p>ok</p>", encoding="utf-8")
    server = SiteServer(tmp_path)
    with server:
        url = server.base_url
        assert fetch(url + "/")[0] == 200
    server.stop()
    assert not server.running
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "/", timeout=2)


# --- behaviours -------------------------------------------------------------------------


def test_status_500(hostile: SiteServer) -> None:
    status, headers, body = fetch(hostile.url("/error.html"))
    assert status == 500
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"<html" in body


def test_status_429_with_retry_after(hostile: SiteServer) -> None:
    status, headers, _ = fetch(hostile.url("/busy.html"))
    assert status == 429
    assert headers["Retry-After"] == "120"


def test_redirect_loop(hostile: SiteServer) -> None:
    status, headers, _ = fetch(hostile.url("/loop-a"))
    assert (status, headers["Location"]) == (302, "/loop-b")
    status, headers, _ = fetch(hostile.url("/loop-b"))
    assert (status, headers["Location"]) == (302, "/loop-a")
    with pytest.raises(urllib.error.HTTPError) as info:  # urllib gives up on the loop
        urllib.request.urlopen(hostile.url("/loop-a"), timeout=5)
    info.value.close()
    assert info.value.code == 302


def test_download(hostile: SiteServer) -> None:
    status, headers, body = fetch(hostile.url("/download.bin"))
    assert status == 200
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["Content-Disposition"] == 'attachment; filename="download.bin"'
    assert len(body) > 0


def test_big_page(hostile: SiteServer) -> None:
    status, headers, body = fetch(hostile.url("/big.html"), timeout=30)
    assert status == 200
    assert int(headers["Content-Length"]) == len(body) == 50 * 1024 * 1024
    assert body.startswith(b"<!DOCTYPE html>")
    assert body.rstrip().endswith(b"</html>")


def test_delay(hostile: SiteServer) -> None:
    start = time.monotonic()
    status, _, body = fetch(hostile.url("/slow.html"))
    assert status == 200
    assert b"Page lente" in body
    assert time.monotonic() - start >= 1.4


def test_endless_script_page_is_static(hostile: SiteServer) -> None:
    status, _, body = fetch(hostile.url("/endless-script.html"))
    assert status == 200
    assert b"while (true) {}" in body


def test_hang_sends_headers_never_finishes_and_stop_is_prompt() -> None:
    server = SiteServer(TEST_SITES / "hostile").start()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=1.0)
    conn.request("GET", "/never.html")
    resp = conn.getresponse()  # the status line and headers do arrive
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/html")
    with pytest.raises((TimeoutError, socket.timeout)):
        resp.read()  # ... but the body never completes

    start = time.monotonic()
    server.stop()
    assert time.monotonic() - start < 2.0
    conn.close()


def test_hang_connection_is_closed_incomplete_on_stop() -> None:
    server = SiteServer(TEST_SITES / "hostile").start()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5.0)
    conn.request("GET", "/never.html")
    resp = conn.getresponse()
    server.stop()
    with pytest.raises(http.client.IncompleteRead):
        resp.read()
    conn.close()


def test_programmatic_behaviours(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<p>accueil</p>", encoding="utf-8")
    with SiteServer(tmp_path, behaviours={"/": {"status": 503}}) as server:
        assert fetch(server.url("/"))[0] == 503
        assert fetch(server.url("/index.html"))[0] == 503  # "/" and its index are the same page
        server.set_behaviour("/", None)
        assert fetch(server.url("/"))[0] == 200
        server.set_behaviour("/autre", {"redirect": "/", "status": 301})
        assert fetch(server.url("/autre"))[:1] == (301,)


def test_single_page_routes_are_answered_with_the_shell() -> None:
    """The late-footer demo is a single-page application: each route gets its one shell page,
    and its script picks the view from the path."""
    with SiteServer(SITES_DIR / "pied-de-page-tardif") as server:
        shell = fetch(server.url("/"))[2]
        for route in ("/contact.html", "/accessibilite.html", "/mentions-legales.html"):
            assert fetch(server.url(route))[0::2] == (200, shell)
            assert fetch(server.url(route))[1]["Content-Type"].startswith("text/html")
        assert fetch(server.url("/inconnue.html"))[0] == 404


def test_invalid_behaviours_file(tmp_path: Path) -> None:
    (tmp_path / "_behaviours.json").write_text(json.dumps({"/": 500}), encoding="utf-8")
    with pytest.raises(ValueError):
        SiteServer(tmp_path)


# --- demo sites and service list --------------------------------------------------------


def test_demo_sites_serve_every_folder() -> None:
    with DemoSites() as sites:
        urls = sites.base_urls
        assert set(urls) == set(site_names())
        assert len(set(urls.values())) == len(urls)
        assert fetch(urls["bon-service"] + "/")[0] == 200
        assert fetch(urls["en-panne"] + "/")[0] == 500
        assert fetch(urls["en-panne"] + "/demarche.html")[0] == 200
        status, headers, _ = fetch(urls["en-panne"] + "/contact.html")
        assert (status, headers["Retry-After"]) == (429, "120")
        assert fetch(urls["lent"] + "/aide.html")[0] == 200
    assert sites.base_urls == {}


def test_demo_sites_only() -> None:
    with DemoSites(only=["bon-service"]) as sites:
        assert list(sites.base_urls) == ["bon-service"]
    with pytest.raises(KeyError):
        DemoSites(only=["inexistant"])


def test_render_services_yaml() -> None:
    urls = {name: f"http://127.0.0.1:{10000 + i}" for i, name in enumerate(site_names())}
    text = render_services_yaml(urls)
    assert re.search(r"\{\{\s*site:[\w.-]+", text) is None
    data = yaml.safe_load(text)
    services = {s["id"]: s for s in data["services"]}
    assert services["bon-service"]["start_url"] == urls["bon-service"] + "/"
    declared = services["bon-service"]["declared"]
    assert declared["declaration_url"] == urls["bon-service"] + "/accessibilite.html"
    assert declared["rgaa_rate"] == 82
    assert services["bon-service"]["jdma_id"] == "3540"
    assert services["en-panne"]["extra_urls"] == [urls["en-panne"] + "/demarche.html"]
    assert services["lent"]["extra_urls"] == [urls["lent"] + "/aide.html"]
    for service in data["services"]:  # every service points at a bundled site
        assert service["id"] in urls
        assert urlsplit(service["start_url"]).netloc == urlsplit(urls[service["id"]]).netloc


def test_render_services_yaml_unknown_site() -> None:
    with pytest.raises(KeyError, match="inconnu"):
        render_services_yaml({}, template='start_url: "{{site:inconnu}}/"')
    with pytest.raises(KeyError, match="bon-service"):
        render_services_yaml({"autre": "http://127.0.0.1:1"})


def test_services_reference_every_site() -> None:
    assert SERVICES_TEMPLATE.is_file()
    assert set(referenced_sites()) == set(site_names())
    assert len(site_names()) >= 6


_URL_ATTR = re.compile(r"""(?:href|src|action|srcset|data)\s*=\s*["']([^"']*)["']""", re.I)
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)""", re.I)


def _external_hosts(text: str) -> set[str]:
    hosts = set()
    for url in _URL_ATTR.findall(text) + _CSS_URL.findall(text):
        url = url.strip()
        if url.startswith(("http://", "https://", "//")):
            hosts.add(urlsplit(url if not url.startswith("//") else "https:" + url).hostname or "")
    return hosts


@pytest.mark.parametrize("site", site_names())
def test_demo_site_content(site: str) -> None:
    root = SITES_DIR / site
    assert (root / "index.html").is_file()
    pages = sorted(root.rglob("*.html"))
    shells = [b for b in load_behaviours(root).values() if "shell" in b]  # single-page routes
    assert 3 <= len(pages) + len(shells) <= 8
    for page in pages:
        text = page.read_text(encoding="utf-8")
        has_lang = re.search(r"<html[^>]*\blang=\"fr\"", text) is not None
        assert has_lang == (site != "a11y-faible"), page  # a11y-faible omits lang on purpose
        assert "fictif" in text, page  # clearly marked as fictional demo content
    for file in root.rglob("*"):
        if file.suffix in {".html", ".css", ".svg"}:
            hosts = _external_hosts(file.read_text(encoding="utf-8"))
            # only links to official .gouv.fr hosts; the SVG namespace is not a fetch
            hosts.discard("www.w3.org")
            assert all(h == "gouv.fr" or h.endswith(".gouv.fr") for h in hosts), (file, hosts)


def test_demo_sites_features() -> None:
    def read(site: str, page: str) -> str:
        return (SITES_DIR / site / page).read_text(encoding="utf-8")

    good = read("bon-service", "index.html")
    assert "https://jedonnemonavis.numerique.gouv.fr/Demarches/3540?button=3611" in good
    assert 'alt="Je donne mon avis"' in good
    assert 'class="fr-connect"' in good and "https://franceconnect.gouv.fr/" in good
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in good
    assert "01 23 45 67 89" in read("bon-service", "contact.html")
    declaration = read("bon-service", "accessibilite.html")
    assert "partiellement conforme" in declaration and "82 %" in declaration
    assert "12 mars 2025" in declaration and "Défenseur des droits" in declaration

    assert "jedonnemonavis" not in read("sans-jdma", "index.html")
    assert "fr-connect" not in read("sans-jdma", "index.html")
    assert "34 %" in read("sans-jdma", "accessibilite.html")
    assert "Disallow: /prive/" in read("sans-jdma", "robots.txt")
    assert "/prive/espace-agents.html" in read("sans-jdma", "index.html")

    assert not (SITES_DIR / "a11y-faible" / "accessibilite.html").exists()
    assert "Accessibilité : non conforme" in read("a11y-faible", "index.html")

    assert "user-scalable=no" in read("pas-mobile", "index.html")
    assert "viewport" not in read("pas-mobile", "contact.html")
    assert "1400px" in read("pas-mobile", "style.css")

    heavy = read("formulaire-lourd", "demande.html")
    for field in ("numero-fiscal", "rfr", "nir", "iban", "justificatif-domicile"):
        assert f'id="{field}"' in heavy
