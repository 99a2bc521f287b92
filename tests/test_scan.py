"""End to end: `vigie scan` over the fixture sites with real Chromium, on SQLite and PostgreSQL.

One scan per database backend (session scope); each test reads what it stored.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from checks.registry import all_checks
from core.settings import Settings
from storage.context import Storage
from storage.models import Finding, PageCapture, ScanRun, ServiceScan
from tests.conftest import run_vigie
from vigie.demo.server import SiteServer

pytestmark = pytest.mark.browser

HOSTILE_PAGES = ["never.html", "loop-a", "big.html", "endless-script.html", "download.bin",
                 "error.html", "busy.html"]
SCANS: list[str] = []  # the scans this session made (one per database backend)
FAST = {"VIGIE_NAVIGATION_TIMEOUT": "6", "VIGIE_CALL_TIMEOUT": "6", "VIGIE_PAGE_BUDGET": "20",
        "VIGIE_DOWNLOAD_DELAY": "0"}


def services_yaml(sites: dict[str, SiteServer]) -> str:
    hostile = sites["hostile"].base_url
    extra = "\n".join(f"      - {hostile}/{page}" for page in HOSTILE_PAGES)
    return f"""services:
  - id: basic
    name: Service de base
    start_url: {sites["basic"].base_url}/
    jdma_id: "1234"
  - id: hostile
    name: Service hostile
    start_url: {hostile}/ok.html
    extra_urls:
{extra}
  - id: robots
    name: Service avec robots.txt
    start_url: {sites["robots"].base_url}/
  - id: basic-bis
    name: Autre démarche du même ministère
    start_url: {sites["basic"].base_url}/mentions-legales.html
"""


@dataclass
class ScanOutput:
    settings: Settings
    env: dict[str, str]
    stdout: str
    stderr: str
    returncode: int
    # The fixture servers live for the whole session (other modules scan them too): where
    # this scan's requests begin in each site's request log.
    requests_before: dict[str, int]

    def storage(self) -> Storage:
        return Storage.open(self.settings, migrate=False)


@pytest.fixture(scope="session")
def scanned(session_database_url: str, sites: dict[str, SiteServer], browser_choice: Any,
            tmp_path_factory: pytest.TempPathFactory) -> ScanOutput:
    tmp = tmp_path_factory.mktemp("scan")
    services = tmp / "services.yaml"
    services.write_text(services_yaml(sites), encoding="utf-8")
    env = {**FAST, "VIGIE_DATA_DIR": str(tmp / "data"), "VIGIE_DATABASE_URL": session_database_url}
    before = {name: len(site.requests) for name, site in sites.items()}
    proc = run_vigie("scan", "--services", str(services), "--allow-private", env=env)
    settings = Settings(data_dir=tmp / "data", database_url=session_database_url)
    SCANS.append(session_database_url)
    return ScanOutput(settings, env, proc.stdout, proc.stderr, proc.returncode, before)


def _captures(out: ScanOutput, slug: str) -> list[PageCapture]:
    st = out.storage()
    try:
        with st.sessions() as session:
            scan = session.scalars(select(ServiceScan).join(ServiceScan.service)
                                   .where(ServiceScan.service.has(slug=slug))).one()
            return list(session.scalars(select(PageCapture)
                                        .where(PageCapture.service_scan_id == scan.id)))
    finally:
        st.close()


def test_scan_exits_zero_and_prints_a_summary(scanned: ScanOutput) -> None:
    assert scanned.returncode == 0, scanned.stderr
    for slug in ("basic", "hostile", "robots"):
        assert slug in scanned.stdout


def test_key_pages_captured_in_both_viewports(scanned: ScanOutput,
                                               sites: dict[str, SiteServer]) -> None:
    caps = _captures(scanned, "basic")
    base = sites["basic"].base_url
    by_kind = {(c.page_kind, c.viewport): c for c in caps}
    for kind, path in [("start", "/"), ("contact", "/contact.html"),
                       ("accessibility", "/accessibilite.html"),
                       ("legal", "/mentions-legales.html"), ("sitemap", "/plan-du-site.html")]:
        for viewport in ("desktop", "mobile"):
            capture = by_kind[(kind, viewport)]
            assert capture.requested_url == base + path
            assert capture.outcome == "ok", capture.error
            assert capture.http_status == 200
            assert capture.screenshot_sha256 and capture.html_sha256 and capture.axe_sha256
    urls = {c.requested_url for c in caps}
    assert base + "/actualites.html" not in urls  # not a key page
    assert all(u.startswith(base) for u in urls)  # never leaves the site


def test_a_page_shared_by_two_services_is_fetched_once(scanned: ScanOutput,
                                                       sites: dict[str, SiteServer]) -> None:
    declaration = sites["basic"].base_url + "/accessibilite.html"
    for slug in ("basic", "basic-bis"):
        shared = [c for c in _captures(scanned, slug) if c.requested_url == declaration]
        assert {c.viewport for c in shared} == {"desktop", "mobile"}
        assert all(c.outcome == "ok" and c.axe_sha256 for c in shared)
    fetches = [r for r in sites["basic"].requests[scanned.requests_before["basic"]:]
               if r.path == "/accessibilite.html" and (r.user_agent or "").startswith("Vigie/")]
    # Once per viewport, for both services. (Requests after this scan's, if any, are other
    # scans': this module's scans run one after the other, each followed by its tests.)
    assert 2 <= len(fetches) <= 2 * len(SCANS)


def test_mobile_capture_uses_the_mobile_viewport(scanned: ScanOutput) -> None:
    widths = {c.viewport: c.summary["widths"]["window_inner"]
              for c in _captures(scanned, "basic") if c.page_kind == "start"}
    assert widths == {"desktop": 1280, "mobile": 375}


def test_pages_attempted_equal_the_sum_of_outcomes(scanned: ScanOutput) -> None:
    st = scanned.storage()
    with st.sessions() as session:
        for scan in session.scalars(select(ServiceScan)):
            c = scan.counters
            rows = session.scalars(select(PageCapture)
                                   .where(PageCapture.service_scan_id == scan.id)).all()
            assert c["pages/attempted"] == len(rows) > 0
            assert c["pages/attempted"] == sum(
                c[f"pages/{o}"] for o in ("ok", "error", "timeout", "blocked"))
            assert Counter(r.outcome for r in rows) == Counter(
                {o: c[f"pages/{o}"] for o in ("ok", "error", "timeout", "blocked")
                 if c[f"pages/{o}"]})
            assert scan.status == "done" and scan.close_reason
    st.close()


def test_hostile_pages_each_end_as_a_capture(scanned: ScanOutput,
                                             sites: dict[str, SiteServer]) -> None:
    base = sites["hostile"].base_url
    outcome = {(c.requested_url.removeprefix(base + "/"), c.viewport): c
               for c in _captures(scanned, "hostile")}
    for viewport in ("desktop", "mobile"):
        assert outcome[("ok.html", viewport)].outcome == "ok"
        assert outcome[("never.html", viewport)].outcome == "timeout"
        assert outcome[("endless-script.html", viewport)].outcome in ("timeout", "ok")
        loop = outcome[("loop-a", viewport)]
        assert loop.outcome == "error" and "ERR_TOO_MANY_REDIRECTS" in (loop.error or "")
        assert outcome[("download.bin", viewport)].outcome == "error"
        assert (outcome[("error.html", viewport)].outcome,
                outcome[("error.html", viewport)].http_status) == ("error", 500)
        assert (outcome[("busy.html", viewport)].outcome,
                outcome[("busy.html", viewport)].http_status) == ("error", 429)
        assert ("big.html", viewport) in outcome


def test_robots_txt_is_obeyed(scanned: ScanOutput, sites: dict[str, SiteServer]) -> None:
    base = sites["robots"].base_url
    caps = {c.requested_url: c for c in _captures(scanned, "robots")}
    assert caps[base + "/prive/contact.html"].outcome == "blocked"
    assert "robots.txt" in (caps[base + "/prive/contact.html"].error or "")
    assert not any(r.path.startswith("/prive/") for r in sites["robots"].requests)


def test_requests_name_vigie_in_the_user_agent(scanned: ScanOutput,
                                               sites: dict[str, SiteServer]) -> None:
    agents = {r.user_agent or "" for r in sites["basic"].requests}
    assert agents and all(a.startswith("Vigie/") and "+http" in a for a in agents)


def test_axe_findings_carry_rgaa_references_and_node_evidence(scanned: ScanOutput) -> None:
    st = scanned.storage()
    with st.sessions() as session:
        findings = session.scalars(select(Finding).where(Finding.check_id == "axe")).all()
        image_alt = [f for f in findings if f.data.get("rule") == "image-alt"
                     and f.outcome == "fail"]
        assert image_alt, "the basic site has images without alt"
        f = image_alt[0]
        assert "RGAA-1.1.1" in f.references and "WCAG-1.1.1" in f.references
        assert "axe:image-alt" in f.references
        assert f.severity == "critical" and f.check_version == 1
        assert f.data["nodes_count"] == len(f.evidence) >= 1
        assert all(e.selector and (e.snippet or "").startswith("<img") for e in f.evidence)
        assert f.data["axe_version"] == "4.14.1"
        run = session.scalars(select(ScanRun)).one()
        assert run.status == "completed"
        assert run.tool_versions["axe-core"] == "4.14.1" and run.tool_versions.get("chromium")
    st.close()


def test_recheck_recomputes_the_same_findings(scanned: ScanOutput) -> None:
    def count() -> Counter[str]:
        st = scanned.storage()
        with st.sessions() as session:
            result = Counter(f.outcome for f in session.scalars(select(Finding)))
        st.close()
        return result

    before = count()
    # No browser needed: a browser path that does not exist must not matter.
    proc = run_vigie("recheck", "--run", "latest",
                     env={**scanned.env, "VIGIE_BROWSER_PATH": "/nonexistent/chromium"})
    assert proc.returncode == 0, proc.stderr
    assert count() == before and sum(before.values()) > 0
    checks = {f["check_id"] for f in json.loads(run_vigie(
        "export", "--format", "json", env=scanned.env).stdout)["findings"]}
    assert checks == {spec.id for spec in all_checks()}  # every check ran on the stored run


def test_export_json(scanned: ScanOutput, tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    proc = run_vigie("export", "--run", "latest", "--format", "json", "--out", str(out),
                     env=scanned.env)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["schema"] == "vigie-export/1"
    assert {s["id"] for s in data["services"]} == {"basic", "hostile", "robots", "basic-bis"}
    assert {c["viewport"] for c in data["captures"]} == {"desktop", "mobile"}
    axe = [f for f in data["findings"] if f["check_id"] == "axe" and f["outcome"] == "fail"]
    assert axe and all("rule" in f["data"] and f["evidence"] for f in axe)


def test_export_csv(scanned: ScanOutput, tmp_path: Path) -> None:
    proc = run_vigie("export", "--format", "csv", "--out", str(tmp_path), env=scanned.env)
    assert proc.returncode == 0, proc.stderr
    with (tmp_path / "findings.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and json.loads(rows[0]["data"]) is not None
    with (tmp_path / "captures.csv").open(encoding="utf-8") as fh:
        captures = list(csv.DictReader(fh))
    assert {r["outcome"] for r in captures} >= {"ok", "error", "timeout", "blocked"}


def test_loopback_refused_without_allow_private(sites: dict[str, SiteServer],
                                                browser_choice: Any, tmp_path: Path) -> None:
    services = tmp_path / "s.yaml"
    services.write_text(f"services:\n  - id: local\n    name: Local\n"
                        f"    start_url: {sites['basic'].base_url}/\n", encoding="utf-8")
    env = {**FAST, "VIGIE_DATA_DIR": str(tmp_path / "data"), "VIGIE_DATABASE_URL": ""}
    proc = run_vigie("scan", "--services", str(services), env=env)
    assert proc.returncode == 0, proc.stderr
    st = Storage.open(Settings(data_dir=tmp_path / "data"), migrate=False)
    with st.sessions() as session:
        scan = session.scalars(select(ServiceScan)).one()
        assert scan.close_reason == "blocked_by_policy"
        assert scan.counters["pages/blocked"] == 2  # the start page, in both viewports
    st.close()
