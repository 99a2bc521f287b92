"""`vigie demo` end to end: the README's first command, minus the set-up."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import lxml.html
import pytest
from sqlalchemy import select

from core.settings import Settings
from indicators.registry import all_indicators
from storage.context import Storage
from storage.models import Finding, IndicatorValue, PageCapture, ScanRun, Service, ServiceScan
from tests.conftest import run_vigie
from vigie.demo.catalog import referenced_sites

pytestmark = pytest.mark.browser


def test_demo_scans_every_service_and_writes_the_report(tmp_path: Path,
                                                        browser_choice: object) -> None:
    out = tmp_path / "demo"
    proc = run_vigie("demo", "--out", str(out), env={"VIGIE_DATABASE_URL": ""})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = (out / "report" / "index.html").read_text(encoding="utf-8")

    st = Storage.open(Settings(data_dir=out), migrate=False)
    with st.sessions() as session:
        services = session.scalars(select(Service)).all()
        assert {s.slug for s in services} == set(referenced_sites())
        assert len(services) >= 6
        # Two passes: last week's (en-panne still worked), then tonight's.
        runs = session.scalars(select(ScanRun).order_by(ScanRun.id)).all()
        assert len(runs) == 2 and all(r.status == "completed" for r in runs)
        latest = runs[-1].id
        levels = {(slug, run_id, v.indicator): v.level for slug, run_id, v in session.execute(
            select(Service.slug, ServiceScan.run_id, IndicatorValue)
            .join(ServiceScan, ServiceScan.id == IndicatorValue.service_scan_id)
            .join(Service, Service.id == ServiceScan.service_id))}
        assert len(levels) == 2 * len(services) * len(all_indicators())
        assert levels[("en-panne", runs[0].id, "online")] == "way_in_found"
        assert levels[("en-panne", latest, "online")] == "unreachable"
        assert levels[("bon-service", latest, "handicap")] == "partiel"
        assert levels[("bon-service", latest, "auth")] == "franceconnect"
        assert levels[("formulaire-lourd", latest, "dlnuf")] == "faible"
        assert levels[("a11y-faible", latest, "handicap")] == "non"
        assert levels[("pas-mobile", latest, "mobile")] == "not_adapted"
        for scan in session.scalars(select(ServiceScan).where(ServiceScan.run_id == latest)):
            captures = session.scalars(select(PageCapture).where(
                PageCapture.service_scan_id == scan.id)).all()
            ok_viewports = {c.viewport for c in captures if c.outcome == "ok"}
            assert ok_viewports == {"desktop", "mobile"}, scan.service.slug
            assert scan.service.name in report
        reasons = {s.service.slug: s.close_reason for s in session.scalars(
            select(ServiceScan).where(ServiceScan.run_id == latest))}
        assert reasons["bon-service"] == "completed"
        assert reasons["en-panne"] == "partial" and reasons["lent"] == "partial"
        faults = session.scalars(select(Finding).join(ServiceScan).join(Service).where(
            Service.slug == "a11y-faible", Finding.check_id == "axe",
            Finding.outcome == "fail")).all()
        assert any(ref.startswith("RGAA-") for f in faults for ref in f.references)
        good = session.scalars(select(Finding).join(ServiceScan).join(Service).where(
            Service.slug == "bon-service", Finding.outcome == "fail")).all()
        assert good == []
        outcomes: dict[tuple[str, str], set[str]] = {}
        for finding, slug in session.execute(
                select(Finding, Service.slug)
                .join(ServiceScan, Finding.service_scan_id == ServiceScan.id)
                .join(Service, ServiceScan.service_id == Service.id)
                .where(ServiceScan.run_id == latest)):
            outcomes.setdefault((finding.check_id, slug), set()).add(finding.outcome)
    st.close()
    # Each detector shows a pass and a shortfall somewhere in the demo.
    expected = {
        ("jdma-button", "bon-service"): "pass", ("jdma-button", "pas-mobile"): "fail",
        ("jdma-button", "sans-jdma"): "needs_review",
        ("auth-button", "bon-service"): "pass", ("auth-button", "sans-jdma"): "needs_review",
        ("a11y-declaration", "bon-service"): "pass", ("a11y-declaration", "a11y-faible"): "fail",
        # its footer link answers 404; the declaration is a section of the legal notice
        ("a11y-declaration", "declaration-en-mentions"): "pass",
        # a single-page application whose footer arrives 800 ms after load (the settle step)
        ("jdma-button", "pied-de-page-tardif"): "pass",
        ("a11y-declaration", "pied-de-page-tardif"): "pass",
        ("human-alternative", "pied-de-page-tardif"): "pass",
        ("human-alternative", "bon-service"): "pass",
        ("human-alternative", "a11y-faible"): "needs_review",
        ("dsfr", "bon-service"): "pass", ("dsfr", "sans-jdma"): "fail",
        ("mobile", "bon-service"): "pass", ("mobile", "pas-mobile"): "fail",
        ("dlnuf-fields", "sans-jdma"): "pass", ("dlnuf-fields", "formulaire-lourd"): "fail",
        ("availability", "bon-service"): "pass", ("availability", "en-panne"): "fail",
        ("plain-language", "bon-service"): "pass", ("plain-language", "sans-jdma"): "needs_review",
    }
    for key, outcome in expected.items():
        assert outcome in outcomes.get(key, set()), (key, outcomes.get(key))
    weak = (out / "report" / "services" / "a11y-faible.html").read_text(encoding="utf-8")
    assert "Violations axe-core par test RGAA" in weak and "<script" not in report + weak

    # « Publié / mesuré »: one disagreement of each kind, in the report and the export.
    tree = lxml.html.parse(str(out / "report" / "publie-mesure.html"))
    gaps = {(" ".join(r.xpath("string(./th)").split()), r.xpath("string(./td[2])"))
            for r in tree.xpath("//table[caption[starts-with(., 'Écarts')]]//tbody/tr")}
    assert gaps >= {
        ("Bourse Musique Jeunesse (démo)", "Prise en compte du handicap"),
        ("Bourse Musique Jeunesse (démo)", "Taux de conformité au RGAA"),
        ("Passeport Jardins Partagés (démo)", "Date de la déclaration d’accessibilité"),
        ("Passeport Jardins Partagés (démo)", "Satisfaction (bouton « Je donne mon avis »)"),
        ("Aide Exceptionnelle Chauffage Bois (démo)", "FranceConnect"),
        ("Allocation Vélo Solidaire (démo)", "FranceConnect"),  # FranceConnect+ published
        ("Registre des Fontaines Publiques (démo)", "Démarche en ligne"),
        ("Registre des Fontaines Publiques (démo)", "Taux de disponibilité"),
    }, gaps
    proc = run_vigie("export", "compare", "--format", "csv",
                     env={"VIGIE_DATA_DIR": str(out), "VIGIE_DATABASE_URL": ""})
    assert proc.returncode == 0, proc.stderr
    verdicts = {(r["service_id"], r["published_key"]): r["verdict"]
                for r in csv.DictReader(io.StringIO(proc.stdout))}
    assert verdicts[("bon-service", "handicap")] == "agreement"
    assert verdicts[("bon-service", "online_status")] == "agreement"
    assert verdicts[("pas-mobile", "satisfaction")] == "not_comparable"  # another démarche's
    assert verdicts[("en-panne", "availability_rate")] == "disagreement"
    assert_objectives_populated(out / "report")


def assert_objectives_populated(report: Path) -> None:
    """The « Objectifs » pages: services on each side of the objectives, a trend of two runs."""
    def listed(name: str, anchor: str) -> str:
        """The services listed under one status and ministry of an objective's page."""
        page = lxml.html.fromstring((report / "objectifs" / name).read_text(encoding="utf-8"))
        return str(page.get_element_by_id(anchor).getnext().text_content())

    demo, transition = "ministere-de-la-demonstration", "ministere-fictif-de-la-transition"
    assert "Allocation Vélo Solidaire" in listed("satisfaction.html", f"met-{demo}")
    assert "6,9/10" in listed("satisfaction.html", f"not_met-{transition}")
    assert "Allocation Vélo Solidaire" in listed("franceconnect.html", f"met-{demo}")
    assert "Passeport Jardins Partagés" in listed("franceconnect.html", f"not_met-{demo}")
    assert "Partiellement en ligne" in listed("online.html", f"not_met-{transition}")
    assert "Aide Exceptionnelle Chauffage Bois" in listed("dlnuf.html", f"not_met-{transition}")
    summary = lxml.html.fromstring((report / "objectifs.html").read_text(encoding="utf-8"))
    assert len(summary.xpath("//table[caption[contains(., 'par passage')]]//tbody/tr")) == 2
    online = lxml.html.fromstring((report / "objectifs" / "online.html").read_text(
        encoding="utf-8"))
    rows = online.xpath("//table[caption[contains(., 'par résultat et par passage')]]//tbody/tr")
    assert [r.xpath("./td")[-1].text_content() for r in rows] == [str(len(referenced_sites()))] * 2
    assert online.xpath("//svg[@role='img']"), "the trend is drawn"
    # en-panne answered last week; tonight its start page fails: Vigie cannot tell.
    assert "Registre des Fontaines Publiques" in listed("online.html",
                                                        "unknown-ministere-fictif-des-territoires")
