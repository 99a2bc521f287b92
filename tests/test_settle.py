"""The settle step: content a page renders after ``load`` is waited for, within a cap.

A single-page application (the demo's ``pied-de-page-tardif``) fills its footer — the
accessibility declaration link, the JDMA button, the contact link — from a request answered
800 ms after ``load``. Scanned as users do, every detector finds them; with the step turned
off (``VIGIE_SETTLE_MAX_MS=0``) they are all missed. A page that never stops changing is cut
at the cap, and a connection that never ends does not hold the step.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.settings import ENVIRONMENT, Settings
from storage.context import Storage
from storage.models import Finding, PageCapture, Service, ServiceScan
from tests.conftest import SITES, run_vigie
from vigie.demo.catalog import SITES_DIR
from vigie.demo.server import SiteServer

ENV = {"VIGIE_NAVIGATION_TIMEOUT": "8", "VIGIE_CALL_TIMEOUT": "8", "VIGIE_PAGE_BUDGET": "25",
       "VIGIE_DOWNLOAD_DELAY": "0", "VIGIE_MAX_PAGES": "4", "VIGIE_OBEY_ROBOTS": "0"}
CAP_MS = 5000  # generous: a loaded machine must still reach quiet before it
DETECTORS = ("jdma-button", "a11y-declaration", "human-alternative")


@dataclass
class Scanned:
    settings: Settings
    stderr: str
    returncode: int

    def outcomes(self, slug: str) -> dict[str, set[str]]:
        """The service's finding outcomes, by check."""
        with self._session() as session:
            out: dict[str, set[str]] = {}
            for finding in session.scalars(select(Finding).join(ServiceScan).join(Service)
                                           .where(Service.slug == slug)):
                out.setdefault(finding.check_id, set()).add(finding.outcome)
            return out

    def start_timings(self, slug: str) -> list[dict[str, Any]]:
        """The timings of the service's start page, one per viewport."""
        with self._session() as session:
            return [c.timings for c in session.scalars(
                select(PageCapture).join(ServiceScan).join(Service)
                .where(Service.slug == slug, PageCapture.page_kind == "start"))]

    @contextlib.contextmanager
    def _session(self) -> Iterator[Any]:
        storage = Storage.open(self.settings, migrate=False)
        try:
            with storage.sessions() as session:
                yield session
        finally:
            storage.close()


def scan(tmp: Path, services: dict[str, tuple[str, str | None]], **env: str) -> Scanned:
    listing = tmp / "services.yaml"
    listing.write_text("services:\n" + "".join(
        f"  - id: {slug}\n    name: Service {slug}\n    start_url: {url}\n"
        + (f'    jdma_id: "{jdma}"\n' if jdma else "")
        for slug, (url, jdma) in services.items()), encoding="utf-8")
    data = tmp / "data"
    proc = run_vigie("scan", "--services", str(listing), "--allow-private",
                     env={**ENV, "VIGIE_DATA_DIR": str(data), "VIGIE_DATABASE_URL": "", **env})
    return Scanned(Settings(data_dir=data), proc.stderr, proc.returncode)


@pytest.fixture(scope="module")
def late_site() -> Iterator[SiteServer]:
    with SiteServer(SITES_DIR / "pied-de-page-tardif") as site:
        yield site


@pytest.fixture(scope="module")
def late_sites(late_site: SiteServer) -> Iterator[dict[str, tuple[str, str]]]:
    """Three generations of late footers: the demo's single-page application (one request
    answered after 800 ms), a legacy table layout whose tag manager injects the footer after
    ``load`` (a timer, then a script answered after 600 ms), and a hydrated framework page
    that chains two API requests before rendering it."""
    with (SiteServer(SITES / "tardif-ancien") as legacy,
          SiteServer(SITES / "tardif-hydrate") as hydrated):
        yield {"tardif": (late_site.url("/"), "4512"), "ancien": (legacy.url("/"), "4513"),
               "hydrate": (hydrated.url("/"), "4514")}


@pytest.fixture(scope="module")
def settled(tmp_path_factory: pytest.TempPathFactory, late_sites: dict[str, tuple[str, str]],
            browser_choice: Any) -> Iterator[Scanned]:
    with SiteServer(SITES / "hostile") as hostile:
        yield scan(tmp_path_factory.mktemp("settled"), {
            **late_sites,
            "tableau": (hostile.url("/sans-repos.html"), None),
            "discussion": (hostile.url("/discussion.html"), None),
        }, VIGIE_SETTLE_MAX_MS=str(CAP_MS))


@pytest.mark.browser
@pytest.mark.parametrize("slug", ["tardif", "ancien", "hydrate"])
def test_a_footer_rendered_after_load_is_found_by_every_detector(settled: Scanned,
                                                                 slug: str) -> None:
    assert settled.returncode == 0, settled.stderr
    outcomes = settled.outcomes(slug)
    for check in DETECTORS:
        assert "pass" in outcomes.get(check, set()), (check, outcomes.get(check))
    for timings in settled.start_timings(slug):
        assert timings["settle_stop"] == "quiet"
        assert 800 <= timings["settle_ms"] < CAP_MS  # the footer's requests, then quiet


@pytest.mark.browser
def test_without_the_settle_step_the_late_footer_is_missed(
        tmp_path: Path, late_sites: dict[str, tuple[str, str]], browser_choice: Any) -> None:
    bare = scan(tmp_path, late_sites, VIGIE_SETTLE_MAX_MS="0")
    assert bare.returncode == 0, bare.stderr
    for slug in late_sites:
        outcomes = bare.outcomes(slug)
        for check in DETECTORS:
            assert "pass" not in outcomes.get(check, set()), (slug, check, outcomes.get(check))
        for timings in bare.start_timings(slug):
            assert timings["settle_stop"] == "cap"


@pytest.mark.browser
def test_a_page_that_never_goes_quiet_is_collected_at_the_cap(settled: Scanned) -> None:
    timings = settled.start_timings("tableau")
    assert len(timings) == 2
    for one in timings:
        assert one["settle_stop"] == "cap"
        assert CAP_MS <= one["settle_ms"] < CAP_MS + 1000


@pytest.mark.browser
def test_a_connection_that_never_ends_does_not_hold_the_step(settled: Scanned) -> None:
    for one in settled.start_timings("discussion"):
        assert one["settle_stop"] == "quiet"
        assert one["settle_ms"] < CAP_MS


def test_a_negative_setting_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ENVIRONMENT["settle_max_ms"] == "SETTLE_MAX_MS"
    monkeypatch.setenv("VIGIE_SETTLE_MAX_MS", "-1")
    with pytest.raises(ValueError, match=r"settle_max_ms \(VIGIE_SETTLE_MAX_MS\): -1 is negative"):
        Settings.from_env()
    monkeypatch.setenv("VIGIE_SETTLE_MAX_MS", "0")  # 0 turns the step off: allowed
    assert Settings.from_env().settle_max_ms == 0
