"""Shared by the report site tests: two real scans of a few sites, and the site built from them.

Built once per test session (a module-level cache, so ``test_report_site`` and
``test_report_a11y`` share one database): the fixture sites get their own servers here, since
the second run changes what one of them answers.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.settings import Settings
from reports.site.build import write_site
from storage.context import Storage
from storage.models import ScanRun
from tests.conftest import SITES, run_vigie
from vigie.demo.catalog import SITES_DIR
from vigie.demo.server import SiteServer

FAST = {"VIGIE_NAVIGATION_TIMEOUT": "6", "VIGIE_CALL_TIMEOUT": "6", "VIGIE_PAGE_BUDGET": "20",
        "VIGIE_DOWNLOAD_DELAY": "0", "VIGIE_DATABASE_URL": ""}
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass
class ScannedSite:
    settings: Settings
    site: Path  # the report folder (index.html inside)
    run_ids: list[int]
    base_urls: dict[str, str]

    def storage(self) -> Storage:
        return Storage.open(self.settings, migrate=False)


_CACHE: dict[str, ScannedSite] = {}


def closed_port() -> int:
    """A port nothing listens on (bound then released): the « unreachable » service."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def services_yaml(urls: dict[str, str]) -> str:
    return f"""services:
  - id: basic
    name: Service de base
    start_url: {urls["basic"]}/
    ministry: Ministère des Tests
    administration: Direction des essais
    jdma_id: "1234"
  - id: a11y-faible
    name: Bourse Musique Jeunesse
    start_url: {urls["a11y-faible"]}/
    ministry: Ministère des Tests
    administration: Conservatoire fictif
    declared:
      handicap: oui
      handicap_label: Oui
      franceconnect: true
      satisfaction: 7.5
  - id: injoignable
    name: Service injoignable
    start_url: {urls["injoignable"]}/
"""


def scanned_site(tmp_path_factory: pytest.TempPathFactory) -> ScannedSite:
    """Two runs (the second with the basic site's declaration gone), and the site of run 2."""
    if "site" in _CACHE:
        return _CACHE["site"]
    tmp = tmp_path_factory.mktemp("report-site")
    basic = SiteServer(SITES / "basic").start()
    weak = SiteServer(SITES_DIR / "a11y-faible").start()
    try:
        urls = {"basic": basic.base_url, "a11y-faible": weak.base_url,
                "injoignable": f"http://127.0.0.1:{closed_port()}"}
        services = tmp / "services.yaml"
        services.write_text(services_yaml(urls), encoding="utf-8")
        env = {**FAST, "VIGIE_DATA_DIR": str(tmp / "data")}
        for attempt in (1, 2):
            if attempt == 2:  # the declaration disappears: levels and findings change
                basic.set_behaviour("/accessibilite.html", {"status": 404})
            proc = run_vigie("scan", "--services", str(services), "--allow-private", env=env)
            assert proc.returncode == 0, proc.stdout + proc.stderr
    finally:
        basic.stop()
        weak.stop()
    settings = Settings(data_dir=tmp / "data", database_url="")
    storage = Storage.open(settings, migrate=False)
    try:
        with storage.sessions() as session:
            runs = list(session.query(ScanRun).order_by(ScanRun.id))
        index = write_site(storage, runs[-1].id, tmp / "site")
    finally:
        storage.close()
    _CACHE["site"] = ScannedSite(settings, index.parent, [r.id for r in runs], urls)
    return _CACHE["site"]


# --- A synthetic database: rows inserted directly, for exact assertions without a browser ---

def tiny_png() -> bytes:
    """A valid 2×2 grey PNG (a stand-in screenshot)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + b"\x80\x80\x80" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


DECLARATIONS = {
    # slug: (a11y-declaration outcome, data)
    "totale": ("pass", {"declared_level": "totalement", "rate": 100, "mention": "totalement",
                        "declared_on": "2025-01-15", "admissible": True,
                        "admissibility_reasons": [], "consistent": True,
                        "consistency_issues": [],
                        "declaration_url": "https://totale.example.gouv.fr/accessibilite",
                        # its own list: 3.2 (axe invalidates 3.2.1 too), the Scripts theme;
                        # not 1.1, which axe invalidates (1.1.1)
                        "non_conformities": ["Critère 3.2 : contraste du pied de page.",
                                             "Scripts : le menu n’est pas utilisable au "
                                             "clavier."],
                        "non_conformity_criteria": [
                            {"criterion": "3.2", "theme": "Couleurs",
                             "text": "Critère 3.2 : contraste du pied de page."}],
                        "non_conformity_themes": [
                            {"theme": "Scripts",
                             "text": "Scripts : le menu n’est pas utilisable au clavier."}]}),
    "expiree": ("fail", {"declared_level": "partiellement", "rate": 70,
                         "mention": "partiellement", "declared_on": "2019-05-02",
                         "admissible": False, "admissibility_reasons": ["expired"],
                         "consistent": True, "consistency_issues": []}),
    "incoherente": ("fail", {"declared_level": "partiellement", "rate": 40,
                             "mention": "partiellement", "declared_on": "2025-06-01",
                             "admissible": True, "admissibility_reasons": [],
                             "consistent": False, "consistency_issues": [
                                 "Taux de 40 % mais niveau « partiellement conforme »"],
                             "non_conformities": ["11.1 – champs sans étiquette"],
                             "non_conformity_criteria": [
                                 {"criterion": "11.1", "theme": "Formulaires",
                                  "text": "11.1 – champs sans étiquette"}],
                             "non_conformity_themes": []}),
    "absente": ("fail", {"declared_level": None, "rate": None, "mention": None,
                         "admissible": None, "admissibility_reasons": [], "consistent": None,
                         "consistency_issues": []}),
}


# What the observatory publishes (``declared``): each service disagrees with what Vigie
# measured in its own way (« Publié / mesuré »).
PUBLISHED: dict[str, dict[str, object]] = {
    "totale": {"rgaa_rate": 100, "handicap": "oui", "handicap_label": "Oui"},
    "expiree": {"declaration_date": "2024-05-02"},  # Vigie reads 02/05/2019
    "incoherente": {},
    "absente": {"handicap": "partiel", "handicap_label": "Partiel"},
}


def _axe(rule: str, rgaa: list[str], page: str, viewport: str = "desktop") -> dict[str, object]:
    return {"rule": rule, "rgaa": rgaa, "impact": "serious", "help": f"Aide de {rule}",
            "nodes_count": 2, "page_url": page, "viewport": viewport}


def _third_parties(scan_id: int, capture_id: int, origin: str) -> list[Any]:
    """``human-alternative`` crediting nothing but somebody else's contacts, and ``dsfr``
    seeing its components without its header and footer (the same in every run)."""
    from storage.models import Finding

    declaration = origin + "/accessibilite"
    contacts = [
        {"means": "contact_page", "value": "https://formulaire.defenseurdesdroits.fr/",
         "page": declaration, "label": "écrire au Défenseur des droits",
         "third_party": "Défenseur des droits"},
        {"means": "email", "value": "contact@prestataire.example", "page": declaration,
         "third_party": "Autre site (prestataire.example)"},
        {"means": "desk", "kind": "address", "page": declaration,
         "value": "Défenseur des droits Libre réponse 71120 75342 Paris CEDEX 07 "
                  "<script>alert('tiers')</script>", "third_party": "Défenseur des droits"},
        "not a contact", {"means": "desk", "value": ["not", "text"]},
    ]
    return [
        Finding(service_scan_id=scan_id, page_capture_id=capture_id,
                check_id="human-alternative", check_version=2, outcome="needs_review",
                message="Aucun téléphone ni accueil du service trouvé",
                data={"contact_url": None, "phones": [], "desk": [],
                      "third_party_contacts": contacts}),
        Finding(service_scan_id=scan_id, page_capture_id=capture_id, check_id="dsfr",
                check_version=2, outcome="needs_review",
                message="DSFR : usage partiel, qui ne vaut pas « DSFR utilisé »",
                data={"level": "partial", "partial_kind": "components"}),
    ]


def synthetic_storage(tmp: Path) -> tuple[Storage, list[int]]:
    """Three runs of four services; reports are built for run 2 (run 3 is « the future »).

    Service ``totale`` (ministry « Ministère A »): run 1 fails axe rules ``image-alt`` on /a and
    ``label`` on /b; run 2 keeps ``image-alt`` on /a (same page, other port), fixes ``label``
    and adds ``color-contrast`` on /c; its « handicap » goes Partiel → Non. ``image-alt`` is
    « à vérifier » in run 1 and « non conforme » in run 2 (an outcome change).
    """
    from storage.db import transaction
    from storage.models import (
        Evidence,
        Finding,
        IndicatorValue,
        PageCapture,
        SchedulerLease,
        Service,
        ServiceScan,
    )

    storage = Storage.open(Settings(data_dir=tmp / "data", database_url=""))
    shot = storage.artifacts.put(tiny_png(), "png")
    ministries = {"totale": "Ministère A", "expiree": "Ministère A", "incoherente": None,
                  "absente": "Ministère B"}
    axe_by_run = {
        1: [_axe("image-alt", ["1.1.1"], "/a"), _axe("label", ["11.1.1"], "/b")],
        2: [_axe("image-alt", ["1.1.1"], "/a"), _axe("color-contrast", ["3.2.1"], "/c")],
        3: [_axe("future-rule", ["8.1.1"], "/z")],
    }
    handicap = {1: ("partiel", "Partiel"), 2: ("non", "Non"), 3: ("oui", "Oui")}
    run_ids = []
    with transaction(storage.sessions) as session:
        services = {slug: Service(slug=slug, name=f"Démarche {slug}", start_url=f"https://{slug}"
                                  ".example.gouv.fr/", ministry=ministries[slug],
                                  administration="Administration commune" if slug != "absente"
                                  else None, declared=PUBLISHED[slug])
                    for slug in DECLARATIONS}
        session.add_all(services.values())
        session.flush()
        for number in (1, 2, 3):
            run = ScanRun(status="completed", trigger="manual",
                          tool_versions={"vigie": "0.1.0", "axe-core": "4.14.1"})
            session.add(run)
            session.flush()
            run_ids.append(run.id)
            for slug, service in services.items():
                origin = f"http://127.0.0.1:{40000 + number}"  # another port every run
                scan = ServiceScan(run_id=run.id, service_id=service.id, status="done",
                                   close_reason="completed",
                                   counters={"pages/ok": 2, "pages/attempted": 2})
                session.add(scan)
                session.flush()
                start = PageCapture(service_scan_id=scan.id, viewport="desktop",
                                    page_kind="start", requested_url=origin + "/",
                                    final_url=origin + "/", http_status=200, outcome="ok",
                                    title=f"Accueil {slug}", load_seconds=0.4,
                                    screenshot_sha256=shot)
                mobile = PageCapture(service_scan_id=scan.id, viewport="mobile",
                                     page_kind="start", requested_url=origin + "/",
                                     final_url=origin + "/", http_status=200, outcome="ok",
                                     title=f"Accueil {slug}", load_seconds=0.5,
                                     screenshot_sha256=shot)
                session.add_all([start, mobile])
                session.flush()
                outcome, data = DECLARATIONS[slug]
                decl = Finding(service_scan_id=scan.id, page_capture_id=start.id,
                               check_id="a11y-declaration", check_version=1, outcome=outcome,
                               message=f"Déclaration de {slug}", data=data)
                session.add(decl)
                if slug == "absente":  # what a declaration's « Voies de recours » gives
                    session.add_all(_third_parties(scan.id, start.id, origin))
                axe_findings = []
                if slug == "totale":
                    for item in axe_by_run[number]:
                        item = {**item, "page_url": origin + str(item["page_url"])}
                        f = Finding(service_scan_id=scan.id, page_capture_id=start.id,
                                    check_id="axe", check_version=1,
                                    outcome="needs_review" if (number, item["rule"]) == (
                                        1, "image-alt") else "fail",
                                    severity="serious", message=f"Règle {item['rule']} violée",
                                    data=item, references=["RGAA-1.1.1"])
                        f.evidence = [Evidence(kind="node", url=str(item["page_url"]),
                                               selector=f"#{item['rule']} > img",
                                               snippet=f"<img src=\"x.png\" data-rule="
                                                       f"\"{item['rule']}\">" + "x" * 900)]
                        axe_findings.append(f)
                    session.add_all(axe_findings)
                session.flush()
                level, label = handicap[number] if slug == "totale" else ("non", "Non")
                session.add(IndicatorValue(
                    service_scan_id=scan.id, indicator="handicap", level=level, label=label,
                    official=True, rationale=f"Justification {slug} passage {number}.",
                    finding_ids=[decl.id], rule_version=1))
        # A service with no online procedure (never scanned): the overview lists it, so the
        # accessibility test covers that table.
        session.add(Service(slug="guichet", name="Démarche au guichet", start_url=None,
                            ministry="Ministère B", declared={"online_status": "non"}))
        # A scheduler that stopped beating two days ago: every page shows both alerts of the
        # collection (reports/health.py), so the accessibility test covers them.
        gone = datetime.now(UTC) - timedelta(days=2)
        session.add(SchedulerLease(name="scheduler", holder="ancien:1:000000", host="ancien",
                                   pid=1, acquired_at=gone, beat_at=gone,
                                   expires_at=gone + timedelta(minutes=2), version=1))
    return storage, run_ids


def synthetic_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site of run 2 of the synthetic database (built once per session)."""
    if "synthetic" in _CACHE:
        return _CACHE["synthetic"].site
    tmp = tmp_path_factory.mktemp("synthetic")
    settings, site, run_ids = synthetic_site_of_run(tmp, 1)
    _CACHE["synthetic"] = ScannedSite(settings, site, run_ids, {})
    return site


def synthetic_site_of_run(tmp: Path, index: int) -> tuple[Settings, Path, list[int]]:
    """Build the synthetic database in ``tmp`` and the site of its run number ``index + 1``."""
    storage, run_ids = synthetic_storage(tmp)
    try:
        site = write_site(storage, run_ids[index], tmp / "site").parent
    finally:
        storage.close()
    return storage.settings, site, run_ids
