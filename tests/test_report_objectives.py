"""The « Objectifs » pages of the report site, and the quarter query behind their quarterly
view, on a database built row by row (SQLite and PostgreSQL, no browser).

Five runs: n° 1 in 2026-T2, n° 2 and n° 3 (failed) in 2026-T3, n° 4 in 2026-T4 (the reported
run) and n° 5 after it, which the report must never show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from core.quarters import Quarter
from core.settings import Settings
from reports.site.build import CSP, write_site
from storage.context import Storage
from storage.db import transaction
from storage.models import Finding, IndicatorValue, ScanRun, Service, ServiceScan
from storage.reporting import last_completed_scans

RUNS = [  # started at, status
    (datetime(2026, 5, 10, 22, tzinfo=UTC), "completed"),
    (datetime(2026, 8, 1, 22, tzinfo=UTC), "completed"),
    (datetime(2026, 9, 20, 22, tzinfo=UTC), "failed"),
    (datetime(2026, 10, 5, 22, tzinfo=UTC), "completed"),
    (datetime(2026, 11, 1, 22, tzinfo=UTC), "completed"),
]
REPORTED = 4  # the run number (1-based) the site is built for


@dataclass
class Built:
    storage: Storage
    run_ids: list[int]
    scans: dict[tuple[int, str], int]  # (run number, service slug) -> service scan id


def levels_of(slug: str, number: int) -> dict[str, str]:
    if slug == "fc-ok":
        return {"auth": "franceconnect", "online": "way_in_found", "dlnuf": "optimal"}
    if slug == "sans-fc":
        return {"auth": "needs_review", "online": "way_in_found",
                "dlnuf": "optimal" if number == 1 else "faible"}
    return {"auth": "needs_review", "handicap": "oui", "online": "unreachable"}  # « axe »


def build(tmp: Path, database_url: str) -> Built:
    storage = Storage.open(Settings(data_dir=tmp / "data", database_url=database_url))
    scans: dict[tuple[int, str], int] = {}
    run_ids = []
    with transaction(storage.sessions) as session:
        services = {
            "fc-ok": Service(slug="fc-ok", name="Aide au permis vélo",
                             start_url="https://velo.example.gouv.fr/", ministry="Ministère A",
                             declared={"online_status": "oui", "satisfaction": 8.6}),
            "sans-fc": Service(slug="sans-fc", name="Bourse des jardins",
                               start_url="https://jardins.example.gouv.fr/",
                               ministry="Ministère A", declared={"franceconnect": False}),
            "axe": Service(slug="axe", name="Carte de pêche", ministry="Ministère B",
                           start_url="https://peche.example.gouv.fr/", declared={}),
            # Listed by the observatory without an address: never scanned.
            "hors-ligne": Service(slug="hors-ligne", name="Déclaration de ruches au guichet",
                                  start_url=None, ministry="Ministère B",
                                  declared={"online_status": "non",
                                            "online_status_label": "Pas en ligne"}),
        }
        session.add_all(services.values())
        session.flush()
        for number, (started, status) in enumerate(RUNS, start=1):
            run = ScanRun(status=status, trigger="manual", started_at=started,
                          finished_at=started, tool_versions={"vigie": "0.1.0"})
            session.add(run)
            session.flush()
            run_ids.append(run.id)
            for slug in ("fc-ok", "sans-fc", "axe"):
                scan = ServiceScan(run_id=run.id, service_id=services[slug].id, status="done",
                                   close_reason="completed", counters={})
                session.add(scan)
                session.flush()
                scans[(number, slug)] = scan.id
                for indicator, level in levels_of(slug, number).items():
                    session.add(IndicatorValue(
                        service_scan_id=scan.id, indicator=indicator, level=level,
                        label=level, official=True, rationale="r", finding_ids=[],
                        rule_version=1))
                if slug == "axe":
                    # A best-practice rule (no RGAA test) every run; an RGAA one from run 4.
                    rules: list[tuple[str, list[str]]] = [("region", ["axe:region"])]
                    if number >= 4:
                        rules.append(("image-alt", ["RGAA-1.1.1", "WCAG-1.1.1",
                                                    "axe:image-alt"]))
                    for rule, refs in rules:
                        session.add(Finding(service_scan_id=scan.id, check_id="axe",
                                            check_version=1, outcome="fail",
                                            message=f"Règle {rule} violée",
                                            data={"rule": rule}, references=refs))
    return Built(storage, run_ids, scans)


@pytest.fixture
def built(tmp_path: Path, database_url: str) -> Any:
    b = build(tmp_path, database_url)
    yield b
    b.storage.close()


@pytest.fixture
def site(built: Built, tmp_path: Path) -> Path:
    return write_site(built.storage, built.run_ids[REPORTED - 1], tmp_path / "site").parent


def page(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_text(encoding="utf-8"))


def text(el: lxml.html.HtmlElement) -> str:
    return " ".join(el.text_content().split())


def table(tree: lxml.html.HtmlElement, caption: str) -> list[list[str]]:
    found = tree.xpath(f"//table[caption[contains(., '{caption}')]]")
    assert found, caption
    return [[text(c) for c in tr.xpath("./th|./td")] for tr in found[0].xpath(".//tbody/tr")]


# --- the quarter query ---------------------------------------------------------------------------

def test_last_completed_scans_takes_each_service_s_last_finished_run(built: Built) -> None:
    def scans_of(label: str, up_to: int | None = None) -> set[int]:
        q = Quarter.parse(label)
        with built.storage.sessions() as session:
            return set(last_completed_scans(session, q.start, q.end, up_to))

    def of_run(number: int) -> set[int]:
        return {built.scans[(number, s)] for s in ("fc-ok", "sans-fc", "axe")}

    assert scans_of("2026-T2") == of_run(1)
    assert scans_of("2026-T3") == of_run(2)  # run 3 failed: not a completed run
    assert scans_of("2026-T4") == of_run(5)
    assert scans_of("2026-T4", up_to=built.run_ids[3]) == of_run(4)
    assert scans_of("2026-T1") == set()


# --- the pages ---------------------------------------------------------------------------------

def test_objectives_page_is_in_the_navigation(site: Path) -> None:
    menu = "//nav[@id='navigation-principale']//a"
    nav = {text(a): a for a in page(site / "index.html").xpath(menu)}
    assert nav["Objectifs"].get("href") == "objectifs.html"
    tree = page(site / "objectifs.html")
    assert tree.xpath("//meta[@name='vigie:page-kind']/@content") == ["objectives"]
    current = tree.xpath(menu + "[@aria-current='page']")
    assert [text(a) for a in current] == ["Objectifs"]
    detail = page(site / "objectifs" / "online.html")
    assert detail.xpath("//meta[@name='vigie:page-kind']/@content") == ["objective"]


def test_summary_counts_each_objective_and_links_to_the_lists(site: Path) -> None:
    tree = page(site / "objectifs.html")
    rows = {r[0]: r[1:] for r in table(tree, "Nombre de services par objectif")}
    # Atteint, Non atteint, Indéterminé, Non concerné (each with its screen-reader words)
    fc = rows["Toutes les démarches accessibles avec FranceConnect ou FranceConnect+"]
    assert fc[0] == "décembre 2023 (passée)"
    assert [c.split(" ")[0] for c in fc[1:]] == ["1", "1", "2", "Sans"]
    online = rows["Toutes les démarches entièrement en ligne"]
    assert online[0] == "décembre 2026"  # not passed on 5 October 2026
    assert [c.split(" ")[0] for c in online[1:4]] == ["2", "1", "1"]
    links = tree.xpath("//table[caption[contains(., 'Nombre de services par objectif')]]"
                       "//a/@href")
    assert "objectifs/franceconnect.html#met" in links
    assert "objectifs/online.html#not_met" in links


def test_counts_per_ministry_link_to_the_services(site: Path) -> None:
    tree = page(site / "objectifs" / "online.html")
    rows = {r[0]: [c.split(" ")[0] for c in r[1:]]
            for r in table(tree, "services par ministère et par résultat (passage n° 4)")}
    assert rows == {"Ministère A": ["2", "0", "0", "2"], "Ministère B": ["0", "1", "1", "2"],
                    "Tous les ministères": ["2", "1", "1", "4"]}
    # Every count is a link to an anchor of the page, whose list has that many services.
    for a in tree.xpath("//table[caption[contains(., 'par ministère')]]//a"):
        anchor = a.get("href").removeprefix("#")
        target = tree.get_element_by_id(anchor)
        items = target.getnext().xpath("./li") if target.tag == "h3" else [
            li for h3 in target.itersiblings() if h3.tag == "h3"
            and h3.get("id", "").startswith(anchor + "-") for li in h3.getnext().xpath("./li")]
        assert len(items) == int(text(a).split(" ")[0]), anchor
    not_met = text(tree.get_element_by_id("not_met-ministere-b").getnext())
    assert not_met == ("Déclaration de ruches au guichet (pas de démarche en ligne) : Inscrite "
                       "sans adresse en ligne : la démarche ne se fait pas en ligne.")
    met = tree.get_element_by_id("met-ministere-a").getnext()
    assert [a.get("href") for a in met.xpath(".//a")][:2] == [
        "../services/fc-ok.html", "../services/fc-ok.html#indicateur-online"]
    for href in tree.xpath("//main//a/@href"):
        path, _, anchor = href.partition("#")
        target = (site / "objectifs" / (path or "online.html")).resolve()
        assert target.is_file(), href
        if anchor:
            assert page(target).xpath(f"//*[@id='{anchor}']"), href


def test_rgaa_counts_only_violations_of_rgaa_tests(site: Path) -> None:
    tree = page(site / "objectifs" / "rgaa.html")
    assert "1 violation(s) axe-core de tests RGAA" in text(
        tree.get_element_by_id("not_met-ministere-b").getnext())
    trend = table(tree, "par résultat et par passage")
    # Passage, date, Atteint, Non atteint, Indéterminé, Total: runs 1 to 4, never run 5.
    assert [(r[0], r[2:]) for r in trend] == [
        ("n° 1", ["1", "0", "3", "4"]), ("n° 2", ["1", "0", "3", "4"]),
        ("n° 3", ["1", "0", "3", "4"]), ("n° 4", ["0", "1", "3", "4"])]
    assert trend[0][1] == "10/05/2026 22:00"


def test_trend_and_quarters_on_the_objectives_page(site: Path) -> None:
    tree = page(site / "objectifs.html")
    heads = tree.xpath("//table[caption[contains(., 'par passage')]]//thead//th")
    column = [text(h) for h in heads].index("Ne plus demander les données déjà détenues par "
                                             "l’administration (Dites-le-nous une fois)")
    by_run = {r[0]: r[column] for r in table(tree, "Services atteignant chaque objectif, par "
                                                    "passage")}
    assert by_run == {"n° 1": "2 / 4", "n° 2": "1 / 4", "n° 3": "1 / 4", "n° 4": "1 / 4"}
    quarters = table(tree, "Services atteignant chaque objectif, par trimestre")
    assert [(r[0], r[1]) for r in quarters] == [("2026-T2", "passage n° 1"),
                                               ("2026-T3", "passage n° 2"),
                                               ("2026-T4", "passage n° 4")]
    online = table(page(site / "objectifs" / "online.html"), "par résultat et par trimestre")
    assert [r[2:] for r in online] == [["2", "1", "1", "4"]] * 3


def test_objective_pages_carry_the_policy_and_no_script(site: Path) -> None:
    for path in [site / "objectifs.html", *sorted((site / "objectifs").iterdir())]:
        html = path.read_text(encoding="utf-8")
        assert "<script" not in html and " style=" not in html, path
        assert page(path).xpath("//meta[@http-equiv='Content-Security-Policy']/@content") == [
            CSP], path
    chart = page(site / "objectifs" / "dlnuf.html").xpath("//svg[@role='img']")[0]
    assert "Passage n° 1 du 10/05/2026 22:00 : 2 atteint, 0 non atteint, 2 indéterminé." in text(
        chart.xpath("./desc")[0])
