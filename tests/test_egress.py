"""The egress control: every request of the browser is checked before it leaves (issue 11).

A commune's site on 127.0.0.1 is allowed (``allowed_private=127.0.0.1``); a second loopback
address, 127.0.0.2, stands for the administration's internal network. Each way a page can make
the browser fetch something (sub-resources, fetch, beacons, workers, WebSockets, redirects,
script and meta navigations, popups) must leave the internal server with zero requests.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Error as PlaywrightError
from sqlalchemy import select

from core.errors import BlockedByPolicy, Unreachable
from core.settings import Settings
from core.urls import browser_host
from crawler.browser import BrowserChoice
from crawler.egress import EgressProxy, VerdictLog
from crawler.failures import failure_of
from crawler.policy import (
    EgressPolicy,
    HostNotResolved,
    PolicyViolation,
    VerdictKind,
    check_url,
    is_allowed,
)
from crawler.run import browser_args
from storage.context import Storage
from storage.models import PageCapture, Service, ServiceScan
from tests.conftest import run_vigie
from vigie.demo.server import SiteServer

FAST = {"VIGIE_NAVIGATION_TIMEOUT": "8", "VIGIE_CALL_TIMEOUT": "8", "VIGIE_PAGE_BUDGET": "25",
        "VIGIE_DOWNLOAD_DELAY": "0", "VIGIE_MAX_PAGES": "1", "VIGIE_CONCURRENCY": "1"}

INTERNAL_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Intranet — Annuaire des agents</title></head><body><main>
<h1>Annuaire interne</h1><p>Réservé aux agents : numéros de poste, astreintes, mots de passe
du wifi des salles de réunion.</p></main></body></html>"""


_NO_BROWSER = BrowserChoice(None, "playwright")


@pytest.fixture
def internal(tmp_path: Path) -> Iterator[SiteServer]:
    """The "internal network": a server on 127.0.0.2 that records every request it gets."""
    root = tmp_path / "intranet"
    root.mkdir()
    (root / "interne.html").write_text(INTERNAL_PAGE, encoding="utf-8")
    with SiteServer(root, host="127.0.0.2") as server:
        yield server


# -- hosts as the browser reads them --------------------------------------------------------------

@pytest.mark.parametrize(("host", "expected"), [
    ("localhost.", "localhost"),
    ("%31%32%37.0.0.1", "127.0.0.1"),
    ("127.1", "127.0.0.1"),
    ("2130706433", "127.0.0.1"),
    ("0x7f000001", "127.0.0.1"),
    ("0177.0.0.1", "127.0.0.1"),
    ("0x7f.1.", "127.0.0.1"),
    ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
    ("Mairie-Saint-Étienne.FR.", "xn--mairie-saint-tienne-nzb.fr"),
    ("www.service-public.fr", "www.service-public.fr"),
])
def test_hosts_are_read_as_the_browser_reads_them(host: str, expected: str) -> None:
    assert browser_host(host) == expected


@pytest.mark.parametrize("host", ["256.0.0.1", "1.2.3.4.5", "intranet.09", "a%20b", "%ff.fr"])
def test_hosts_the_browser_refuses_are_errors(host: str) -> None:
    with pytest.raises(ValueError):
        browser_host(host)


@pytest.mark.parametrize("url", [
    "http://localhost.:8080/", "http://%31%32%37.0.0.1/", "http://2130706433/",
    "http://0x7f000001/", "http://127.1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/",
    "http://LOCALHOST/", "http://mairie.localhost./", "http://0300.0250.0.1/",
])
def test_loopback_and_private_spellings_refused(url: str) -> None:
    with pytest.raises(PolicyViolation, match="allow-private"):
        check_url(url, allow_private=False)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "data:text/html,<h1>x</h1>",
                                 "javascript:alert(1)"])
def test_other_schemes_refused(url: str) -> None:
    with pytest.raises(PolicyViolation, match="scheme"):
        check_url(url, allow_private=True)


def test_a_host_that_does_not_resolve_is_not_allowed() -> None:
    with pytest.raises(HostNotResolved, match="does not resolve"):
        check_url("https://demarches.invalid/", allow_private=False)
    assert not is_allowed("https://demarches.invalid/", allow_private=False)


def test_allowed_private_names_addresses_and_refuses_the_rest() -> None:
    allowed = "127.0.0.1, 10.20.0.0/16"
    for url in ("http://127.0.0.1:8000/", "http://127.1/", "http://[::ffff:127.0.0.1]/",
                "http://10.20.3.4/"):
        check_url(url, allow_private=False, allowed_private=allowed)
    for url in ("http://127.0.0.2/", "http://10.21.0.1/", "http://[::1]/", "http://localhost/"):
        with pytest.raises(PolicyViolation, match="allowed_private"):
            check_url(url, allow_private=False, allowed_private=allowed)
    check_url("http://127.0.0.2/", allow_private=True, allowed_private=allowed)  # all allowed


def test_a_bad_allowed_private_item_is_named() -> None:
    with pytest.raises(ValueError, match=r"'intranet'.*not an IP address"):
        Settings(allowed_private="127.0.0.1,intranet")


def test_a_bad_allowed_private_flag_stops_the_scan_before_anything_is_written(
        tmp_path: Path) -> None:
    services = tmp_path / "services.yaml"
    services.write_text("services:\n  - id: mairie\n    name: Mairie\n"
                        "    start_url: https://www.mairie.example/\n", encoding="utf-8")
    proc = run_vigie("scan", "--services", str(services), "--allowed-private",
                     "127.0.0.1,intranet", env={"VIGIE_DATA_DIR": str(tmp_path / "data"),
                                                "VIGIE_DATABASE_URL": ""})
    assert proc.returncode == 2
    assert "'intranet' is" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "data").exists()


def test_browser_is_launched_behind_the_proxy_with_no_way_around() -> None:
    args = browser_args(Settings(), "http://127.0.0.1:4321")
    assert "--proxy-server=http://127.0.0.1:4321" in args
    assert "--proxy-bypass-list=<-loopback>" in args  # loopback is proxied too
    assert "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" in args  # resolves nothing
    assert "--force-webrtc-ip-handling-policy=disable_non_proxied_udp" in args
    assert not any(a.startswith("--proxy") for a in browser_args(Settings()))


def test_robots_txt_requests_go_through_the_proxy_too() -> None:
    """Scrapy fetches robots.txt itself: its requests get the proxy (Scrapy's HttpProxyMiddleware
    reads ``meta["proxy"]``); the browser's are sent by Chromium, already behind it."""
    from scrapy import Request
    from scrapy.downloadermiddlewares.httpproxy import HttpProxyMiddleware

    from crawler.middlewares import EgressProxyMiddleware
    from crawler.run import scrapy_settings

    settings = scrapy_settings(Settings(), _NO_BROWSER, "http://127.0.0.1:4321")
    order = settings["DOWNLOADER_MIDDLEWARES"]["crawler.middlewares.EgressProxyMiddleware"]
    assert order < 750  # before HttpProxyMiddleware
    robots = Request("https://www.mairie.example/robots.txt")
    page = Request("https://www.mairie.example/", meta={"playwright": True})
    middleware = EgressProxyMiddleware("http://127.0.0.1:4321")
    for request in (robots, page):
        middleware.process_request(request)
    assert robots.meta["proxy"] == "http://127.0.0.1:4321" and "proxy" not in page.meta
    HttpProxyMiddleware().process_request(robots)
    assert robots.meta["proxy"] == "http://127.0.0.1:4321"  # kept: the download goes there


# -- the proxy, driven by hand ------------------------------------------------------------

def _exchange(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        out = b""
        while chunk := sock.recv(65536):
            out += chunk
    return out


@pytest.fixture
def sites_pair(tmp_path: Path) -> Iterator[tuple[SiteServer, SiteServer]]:
    """The commune's site on 127.0.0.1 and the internal one on 127.0.0.2, on the same port (so
    that only the address tells them apart, as with a rebound name)."""
    root = tmp_path / "commune"
    root.mkdir()
    (root / "index.html").write_text("<!doctype html><title>Mairie</title><p>Bonjour</p>",
                                     encoding="utf-8")
    (root / "interne.html").write_text(INTERNAL_PAGE, encoding="utf-8")
    with SiteServer(root) as public, SiteServer(root, host="127.0.0.2",
                                                port=public.port) as private:
        yield public, private


def test_proxy_forwards_allowed_and_refuses_before_connecting(
        sites_pair: tuple[SiteServer, SiteServer]) -> None:
    public, private = sites_pair
    policy = EgressPolicy.of(False, "127.0.0.1")
    with EgressProxy(policy) as proxy:
        ok = _exchange(proxy.port, f"GET http://127.0.0.1:{public.port}/index.html HTTP/1.1\r\n"
                       f"Host: 127.0.0.1:{public.port}\r\n\r\n".encode())
        refused = _exchange(proxy.port, f"GET http://127.0.0.2:{private.port}/interne.html "
                            f"HTTP/1.1\r\nHost: 127.0.0.2\r\n\r\n".encode())
        tunnel = _exchange(proxy.port, f"CONNECT 127.0.0.2:{private.port} HTTP/1.1\r\n"
                           f"Host: 127.0.0.2:{private.port}\r\n\r\n".encode())
        encoded = _exchange(proxy.port, f"CONNECT %31%32%37.0.0.2:{private.port} HTTP/1.1\r\n"
                            "Host: x\r\n\r\n".encode())
    assert ok.startswith(b"HTTP/1.1 200") and b"Bonjour" in ok
    assert b"connection: close" in ok.lower()
    for answer in (refused, tunnel, encoded):
        assert answer.startswith(b"HTTP/1.1 403") and b"non-public address 127.0.0.2" in answer
    assert private.requests == []
    assert [v.kind for v in proxy.log.since(0)] == [
        VerdictKind.allowed, VerdictKind.refused, VerdictKind.refused, VerdictKind.refused]


def test_a_kept_alive_connection_cannot_carry_a_second_request(
        sites_pair: tuple[SiteServer, SiteServer]) -> None:
    """Two requests pipelined on one connection: the second (to the internal host) is never
    read, let alone sent."""
    public, private = sites_pair
    with EgressProxy(EgressPolicy.of(False, "127.0.0.1")) as proxy:
        answer = _exchange(proxy.port, (
            f"GET http://127.0.0.1:{public.port}/index.html HTTP/1.1\r\nHost: a\r\n"
            f"Connection: keep-alive\r\n\r\n"
            f"GET http://127.0.0.2:{private.port}/interne.html HTTP/1.1\r\nHost: b\r\n\r\n"
        ).encode())
    assert answer.count(b"HTTP/1.1 ") == 1 and b"Bonjour" in answer
    assert private.requests == [] and len(public.requests) == 1


def test_dns_rebinding_cannot_swap_the_address_after_the_check(
        sites_pair: tuple[SiteServer, SiteServer]) -> None:
    """A name that resolves to an allowed address when checked, then to an internal one: the
    proxy connects to the address it checked, resolving once per connection."""
    public, private = sites_pair
    answers = [("127.0.0.1",), ("127.0.0.2",), ("127.0.0.2",)]
    asked: list[str] = []
    lock = threading.Lock()

    def rebinding_resolver(host: str) -> tuple[str, ...]:
        with lock:
            asked.append(host)
            return answers[min(len(asked), len(answers)) - 1]

    with EgressProxy(EgressPolicy.of(False, "127.0.0.1"), resolver=rebinding_resolver) as proxy:
        first = _exchange(proxy.port, f"GET http://rebond.example:{public.port}/index.html "
                          "HTTP/1.1\r\nHost: rebond.example\r\n\r\n".encode())
        second = _exchange(proxy.port, f"GET http://rebond.example:{public.port}/interne.html "
                           "HTTP/1.1\r\nHost: rebond.example\r\n\r\n".encode())
        verdicts = proxy.log.since(0)
    assert asked == ["rebond.example", "rebond.example"]  # once per connection
    assert b"Bonjour" in first and len(public.requests) == 1
    assert verdicts[0].address == "127.0.0.1"
    assert second.startswith(b"HTTP/1.1 403") and private.requests == []


def test_dns_failure_and_unreachable_site_are_told_apart(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    with EgressProxy(EgressPolicy.of(True), resolver=lambda host: ()) as proxy:
        dns = _exchange(proxy.port, b"CONNECT demarches.invalid:443 HTTP/1.1\r\nHost: x\r\n\r\n")
        down = _exchange(proxy.port, f"CONNECT 127.0.0.1:{closed} HTTP/1.1\r\nHost: x\r\n\r\n"
                         .encode())
        kinds = [v.kind for v in proxy.log.since(0)]
    assert dns.startswith(b"HTTP/1.1 502") and down.startswith(b"HTTP/1.1 502")
    assert kinds == [VerdictKind.dns, VerdictKind.unreachable]


def test_a_failed_tunnel_is_typed_by_the_proxy_verdict() -> None:
    """Chromium says only ERR_TUNNEL_CONNECTION_FAILED; the proxy's verdict gives the kind."""
    log = VerdictLog()
    policy = EgressPolicy.of(False, "127.0.0.1")
    error = PlaywrightError("net::ERR_TUNNEL_CONNECTION_FAILED at https://mairie.example/")
    cases = [(policy.decide("127.0.0.2:443", "127.0.0.2", 443), BlockedByPolicy),
             (policy.decide("mairie.example:443", "mairie.example", 443, lambda h: ()),
              Unreachable)]
    for verdict, expected in cases:
        log.add(verdict)
        failure = failure_of(error, lambda: log.failure_for("https://mairie.example/", 0))
        assert type(failure) is expected and verdict.reason in str(failure)
    # Without the proxy's word, Chromium's message alone is not read as a refusal.
    assert not isinstance(failure_of(error), BlockedByPolicy)


# -- a real browser behind the proxy -------------------------------------------------------

def _commune_site(root: Path, internal: str, internal_port: int) -> dict[str, Any]:
    """The commune's pages, each trying one way to reach the internal server; behaviours."""
    root.mkdir(parents=True, exist_ok=True)
    head = '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
    pages = {
        "index.html": f"""{head}<title>Mairie de Saint-Exemple — Démarches en ligne</title>
<link rel="stylesheet" href="{internal}/theme.css">
<style>.bandeau {{ background: url("{internal}/fond.png") no-repeat; min-height: 4rem; }}</style>
<script src="{internal}/statistiques.js" async></script>
</head><body><header class="bandeau"><h1>Démarches en ligne</h1></header>
<main><p>Bienvenue sur le portail des démarches de la commune de Saint-Exemple.</p>
<img src="{internal}/logo.png" alt="Logo de la commune">
<iframe src="{internal}/interne.html" title="Actualités de la mairie"></iframe>
<p><a href="/contact.html">Nous contacter</a></p></main>
<script>
  fetch("{internal}/api/compteur").catch(() => {{}});
  fetch("{internal}/api/formulaire", {{method: "POST", mode: "no-cors",
        body: "nom=Dupont&prenom=Jeanne"}}).catch(() => {{}});
  navigator.sendBeacon("{internal}/collecte", "page=accueil");
  new Worker("/travailleur.js");
  try {{ new WebSocket("ws://127.0.0.2:{internal_port}/direct"); }} catch (e) {{}}
</script></body></html>""",
        "travailleur.js": f'fetch("{internal}/depuis-le-worker").catch(() => {{}});\n',
        "location.html": f"""{head}<title>Redirection</title></head><body>
<p>Vous allez être redirigé vers le nouveau portail…</p>
<script>window.location = "{internal}/interne.html";</script></body></html>""",
        "meta.html": f"""{head}<meta http-equiv="refresh" content="0; url={internal}/interne.html">
<title>Page déplacée</title></head><body><p>Cette page a déménagé.</p></body></html>""",
        "popup.html": f"""{head}<title>Paiement en ligne</title></head><body>
<p>La fenêtre de paiement s'ouvre…</p>
<script>window.open("{internal}/interne.html", "paiement");</script></body></html>""",
    }
    for name, text in pages.items():
        (root / name).write_text(text, encoding="utf-8")
    return {"/vers-intranet": {"redirect": f"{internal}/interne.html", "status": 302},
            "/vers-intranet-https": {
                "redirect": f"https://127.0.0.2:{internal_port}/interne.html", "status": 302}}


def _scan(tmp_path: Path, services: dict[str, str], env: dict[str, str],
          *flags: str) -> dict[str, list[PageCapture]]:
    lines = ["services:"]
    for slug, url in services.items():
        lines += [f"  - id: {slug}", f"    name: Démarche {slug}", f"    start_url: {url}"]
    (tmp_path / "services.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = tmp_path / "data"
    proc = run_vigie("scan", "--services", str(tmp_path / "services.yaml"), *flags,
                     env={**FAST, "VIGIE_DATA_DIR": str(data), "VIGIE_DATABASE_URL": "", **env})
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr  # 1: some pages failed
    storage = Storage.open(Settings(data_dir=data), migrate=False)
    try:
        with storage.sessions() as session:
            slugs = {scan_id: slug for scan_id, slug in session.execute(
                select(ServiceScan.id, Service.slug).join(Service,
                                                          Service.id == ServiceScan.service_id))}
            captures: dict[str, list[PageCapture]] = {}
            for capture in session.scalars(select(PageCapture)):
                session.expunge(capture)
                captures.setdefault(str(slugs[capture.service_scan_id]), []).append(capture)
    finally:
        storage.close()
    return captures


@pytest.mark.browser
def test_no_page_reaches_the_internal_server(tmp_path: Path, internal: SiteServer,
                                             browser_choice: Any) -> None:
    intranet = internal.base_url
    behaviours = _commune_site(tmp_path / "commune", intranet, internal.port)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    with SiteServer(tmp_path / "commune", behaviours=behaviours) as commune:
        site = commune.base_url
        captures = _scan(tmp_path, {
            "accueil": f"{site}/index.html",
            "redirection": f"{site}/vers-intranet",
            "redirection-https": f"{site}/vers-intranet-https",
            "script": f"{site}/location.html",
            "meta": f"{site}/meta.html",
            "popup": f"{site}/popup.html",
            "hors-service": f"http://127.0.0.1:{closed}/",
            "hors-service-https": f"https://127.0.0.1:{closed}/",
        }, {"VIGIE_ALLOWED_PRIVATE": "127.0.0.1"})
        robots_fetched = "/robots.txt" in commune.requested_paths()

    assert internal.requests == [], [(r.method, r.path) for r in internal.requests]
    assert robots_fetched  # robots.txt went through the proxy, and was allowed

    home = captures["accueil"]
    assert {c.outcome for c in home} == {"ok"}
    for capture in home:  # the auditor sees what the page tried
        refused = capture.summary["egress_refused"]
        assert refused["count"] >= 4, refused
        assert any(u.startswith(f"{intranet}/") for u in refused["urls"])
        assert capture.summary["server_ip"] == "127.0.0.1"

    for slug in ("redirection", "redirection-https"):
        for capture in captures[slug]:
            assert capture.outcome == "blocked" and capture.error_kind == "blocked_by_policy"
            assert "egress control" in (capture.error or "")
            assert "127.0.0.2" in (capture.error or "")

    # The popup: Chromium's popup blocker stops it (crawler/browser.py), or the proxy refuses
    # its request; either way the page itself is captured, and the internal server got nothing.
    for capture in captures["popup"]:
        refused_urls = (capture.summary or {}).get("egress_refused", {}).get("urls", [])
        assert capture.outcome == "ok" and capture.title == "Paiement en ligne", (
            capture.outcome, capture.error, refused_urls)

    for slug in ("script", "meta"):
        for capture in captures[slug]:
            refused_urls = (capture.summary or {}).get("egress_refused", {}).get("urls", [])
            assert (capture.outcome == "blocked" or f"{intranet}/interne.html" in refused_urls), (
                slug, capture.outcome, capture.error, capture.summary)
            assert "Annuaire" not in (capture.title or "")

    for slug in ("hors-service", "hors-service-https"):  # a site that is down stays so
        for capture in captures[slug]:
            assert capture.error_kind == "unreachable", (slug, capture.error)


@pytest.mark.browser
def test_trailing_dot_localhost_refused_without_private_addresses(
        tmp_path: Path, browser_choice: Any) -> None:
    root = tmp_path / "local"
    root.mkdir()
    (root / "index.html").write_text(INTERNAL_PAGE, encoding="utf-8")
    with SiteServer(root) as local:
        captures = _scan(tmp_path, {"point-final": f"http://localhost.:{local.port}/",
                                    "decimal": f"http://2130706433:{local.port}/"}, {})
        hits = local.requests
    assert hits == []
    for slug in ("point-final", "decimal"):
        assert {(c.outcome, c.error_kind) for c in captures[slug]} == {
            ("blocked", "blocked_by_policy")}
