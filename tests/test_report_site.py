"""The report site (`vigie report --out DIR`, `vigie serve`): what a reader of each page sees.

Real pages come from two scans of fixture sites (tests/reportkit.py, shared with the axe test);
the change, history and auditor rules are pinned on a synthetic database built row by row.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
from sqlalchemy import select

from indicators.registry import all_indicators
from reports.site.build import CSP
from storage.models import Finding, IndicatorValue, PageCapture, Service, ServiceScan
from tests.conftest import ROOT
from tests.reportkit import ScannedSite, scanned_site, synthetic_site, synthetic_site_of_run

KINDS = {"overview", "filter", "service", "auditor", "about", "compare", "objectives",
         "objective"}


def page(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_text(encoding="utf-8"))


def text(el: lxml.html.HtmlElement) -> str:
    return " ".join(el.text_content().split())


def kind_of(path: Path) -> str | None:
    found = page(path).xpath('//meta[@name="vigie:page-kind"]/@content')
    return found[0] if found else None


def section(tree: lxml.html.HtmlElement, heading_id: str) -> str:
    """Text from the h2 with this id up to the next h2."""
    parts, inside = [], False
    for el in tree.iter("h2", "h3", "p", "li", "tr", "figcaption"):
        if el.tag == "h2":
            if inside:
                break
            inside = el.get("id") == heading_id
        elif inside:
            parts.append(text(el))
    return "\n".join(parts)


# --- A site from real scans -----------------------------------------------------------------

@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory, browser_choice: object) -> ScannedSite:
    return scanned_site(tmp_path_factory)


@pytest.mark.browser
def test_every_page_kind_exists_and_pages_are_linked(real: ScannedSite) -> None:
    pages = sorted(real.site.rglob("*.html"))
    assert {kind_of(p) for p in pages} == KINDS
    assert kind_of(real.site / "index.html") == "overview"
    assert kind_of(real.site / "auditeur.html") == "auditor"
    assert kind_of(real.site / "a-propos.html") == "about"
    assert kind_of(real.site / "publie-mesure.html") == "compare"
    titles = [page(p).findtext(".//title") for p in pages]
    assert len(set(titles)) == len(titles), "every page has its own <title>"
    for p in pages:  # every relative link leads to a file of the site
        for href in page(p).xpath("//a/@href | //link/@href | //img/@src"):
            target = href.split("#", 1)[0]
            if target:
                assert (p.parent / target).resolve().is_file(), (p.name, href)


@pytest.mark.browser
def test_overview_shows_every_service_and_indicator(real: ScannedSite) -> None:
    tree = page(real.site / "index.html")
    table = tree.xpath("//table[caption[contains(., 'Niveau de chaque indicateur')]]")[0]
    headers = [text(th) for th in table.xpath(".//thead//th")][1:]
    specs = all_indicators()
    assert len(headers) == len(specs)
    for spec, header in zip(specs, headers, strict=True):
        assert header.startswith(spec.title)
        assert ("non officiel" in header) is (not spec.official), header
    rows = {text(tr.xpath("./th")[0]): tr for tr in table.xpath(".//tbody/tr")}
    assert set(rows) == {"Service de base", "Bourse Musique Jeunesse", "Service injoignable"}
    badge = rows["Service injoignable"].xpath(".//td")[0].xpath(".//a")[0]
    assert badge.get("href") == "services/injoignable.html#indicateur-online"
    assert "fr-badge" in badge.xpath(".//span")[0].get("class")
    with real.storage().sessions() as session:
        labels = set(session.scalars(
            select(IndicatorValue.label).join(ServiceScan)
            .where(ServiceScan.run_id == real.run_ids[-1])))
    shown = {text(s) for s in table.xpath(".//tbody//span[contains(@class, 'fr-badge')]")}
    assert shown == labels
    facts = text(tree.xpath("//ul[@class='vigie-facts']")[0])
    assert f"Passage n° {real.run_ids[-1]}" in facts and "axe-core 4.14.1" in facts
    counts = tree.xpath("//table[caption[contains(., 'Nombre de services par niveau')]]")[0]
    assert len(counts.xpath(".//tbody/tr")) == len(specs)


@pytest.mark.browser
def test_filter_pages_restrict_the_rows(real: ScannedSite) -> None:
    tree = page(real.site / "index.html")
    links = {text(a): a.get("href")
             for a in tree.xpath("//h3[.='Par ministère']/following-sibling::ul//a")}
    assert links["Ministère des Tests"] == "filtres/ministere-ministere-des-tests.html"
    assert links["Non renseigné"] == "filtres/ministere-non-renseigne.html"

    def rows(name: str) -> set[str]:
        t = page(real.site / "filtres" / name)
        assert kind_of(real.site / "filtres" / name) == "filter"
        table = t.xpath("//table[caption[contains(., 'Niveau de chaque indicateur')]]")[0]
        return {text(tr.xpath("./th")[0]) for tr in table.xpath(".//tbody/tr")}

    assert rows("ministere-ministere-des-tests.html") == {"Service de base",
                                                          "Bourse Musique Jeunesse"}
    assert rows("ministere-non-renseigne.html") == {"Service injoignable"}
    assert rows("administration-conservatoire-fictif.html") == {"Bourse Musique Jeunesse"}


@pytest.mark.browser
def test_service_page_shows_indicators_axe_violations_and_pages(real: ScannedSite) -> None:
    storage = real.storage()
    with storage.sessions() as session:
        scan = session.scalars(select(ServiceScan).join(Service).where(
            Service.slug == "a11y-faible", ServiceScan.run_id == real.run_ids[-1])).one()
        indicators = list(session.scalars(select(IndicatorValue).where(
            IndicatorValue.service_scan_id == scan.id)))
        fails = list(session.scalars(select(Finding).where(
            Finding.service_scan_id == scan.id, Finding.check_id == "axe",
            Finding.outcome == "fail")))
        captures = list(session.scalars(select(PageCapture).where(
            PageCapture.service_scan_id == scan.id)))
        evidence = [(e.selector, e.snippet) for f in fails for e in f.evidence]
    storage.close()
    path = real.site / "services" / "a11y-faible.html"
    html = path.read_text(encoding="utf-8")
    tree = page(path)
    ids = set(tree.xpath("//@id"))
    for value in indicators:
        row = tree.xpath(f"//tr[@id='indicateur-{value.indicator}']")[0]
        assert value.rationale in text(row)
        for fid in value.finding_ids:
            assert f"constat-{fid}" in ids
            assert row.xpath(f".//a[@href='#constat-{fid}']")
    assert len(fails) > 5
    tests = {t for f in fails for t in f.data["rgaa"]}
    headings = [text(h) for h in tree.xpath("//h3[starts-with(@id, 'rgaa-')]")]
    assert {f"Test RGAA {t}" for t in tests} <= set(headings)
    numbers = [tuple(int(p) for p in h.split()[-1].split(".")) for h in headings
               if h.startswith("Test RGAA")]
    assert numbers == sorted(numbers), "grouped by RGAA test, in order"
    code = {text(c) for c in tree.xpath("//code | //pre")}
    selector, snippet = next((s, n) for s, n in evidence if s and n)
    assert selector in code and " ".join(snippet.split())[:200] in " ".join(code)
    assert "<img" not in re.sub(r"<img class=\"vigie-thumb[^>]*>", "", html).replace(
        "&lt;img", ""), "snippets are escaped text"
    visited = section(tree, "pages")
    for c in captures:
        assert (c.final_url or c.requested_url) in visited
    shots = tree.xpath("//img[contains(@class, 'vigie-thumb')]")
    assert len(shots) == 2  # the start page, desktop and mobile
    for img in shots:
        assert "Capture d’écran de la page de départ" in img.get("alt")
        assert (path.parent / img.get("src")).is_file()
        assert re.fullmatch(r"\.\./captures/[0-9a-f]{64}\.png", img.get("src"))
    assert len(section(tree, "historique").split("n° ")) > 2  # a row per run


@pytest.mark.browser
def test_unreachable_service_page_says_why(real: ScannedSite) -> None:
    tree = page(real.site / "services" / "injoignable.html")
    visited = section(tree, "pages")
    assert real.base_urls["injoignable"] in visited and "Erreur" in visited
    assert "injoignable" in text(tree.xpath("//ul[@class='vigie-facts']")[0])
    assert "Aucune capture d’écran" in section(tree, "captures")


@pytest.mark.browser
def test_changes_between_the_two_real_runs(real: ScannedSite) -> None:
    storage = real.storage()
    with storage.sessions() as session:
        labels = {run_id: session.scalars(
            select(IndicatorValue.label).join(ServiceScan).join(Service)
            .where(Service.slug == "basic", ServiceScan.run_id == run_id,
                   IndicatorValue.indicator == "handicap")).one() for run_id in real.run_ids}
    storage.close()
    before, after = labels[real.run_ids[0]], labels[real.run_ids[1]]
    assert before != after  # the declaration answered 404 in the second run
    changes = section(page(real.site / "services" / "basic.html"), "changements")
    assert f"Prise en compte du handicap : {before} → {after}" in changes
    assert "Nouveaux constats (0)" not in changes and "Constats corrigés (0)" not in changes


FORBIDDEN_TEXT_URL = re.compile(r"https?://(?!127\.0\.0\.1[:/])", re.I)


def assert_inert(site: Path, *, urls_local_only: bool) -> None:
    """CSP meta on every page; no script, event handler, style attribute or outside link."""
    pages = sorted(site.rglob("*.html"))
    assert pages
    for p in pages:
        html = p.read_text(encoding="utf-8")
        tree = lxml.html.fromstring(html)
        metas = tree.xpath('//meta[@http-equiv="Content-Security-Policy"]/@content')
        assert metas == [CSP], p
        assert "script-src 'none'" in CSP and "default-src 'none'" in CSP
        assert "<script" not in html.lower(), p
        for el in tree.iter():
            if not isinstance(el.tag, str):
                continue
            for name, value in el.attrib.items():
                assert not name.lower().startswith("on"), (p, el.tag, name)
                assert name.lower() != "style", (p, el.tag)
                if name in ("href", "src", "action", "srcset", "xlink:href"):
                    assert not re.match(r"\s*([a-z][a-z0-9+.-]*:|//)", value, re.I), (p, value)
        assert tree.xpath("//html/@lang") == ["fr"]
        if urls_local_only:
            # Outside quoted evidence (escaped page markup in <code>/<pre>), every address
            # shown is one of the local fixture sites.
            for quoted in tree.xpath("//code | //pre"):
                quoted.drop_tree()
            shown = lxml.html.tostring(tree, encoding="unicode")
            assert not FORBIDDEN_TEXT_URL.search(shown), (p, FORBIDDEN_TEXT_URL.search(shown))


@pytest.mark.browser
def test_real_site_is_inert_and_local(real: ScannedSite) -> None:
    assert_inert(real.site, urls_local_only=True)
    css = (real.site / "assets" / "dsfr" / "dsfr.min.css").read_text(encoding="utf-8")
    assert "@gouvfr/dsfr 1.14.4" in (real.site / "assets" / "dsfr" / "VERSION").read_text()
    for ref in set(re.findall(r"url\(([^)\"']+)\)", css)):
        if not ref.startswith("data:"):
            assert (real.site / "assets" / "dsfr" / ref).is_file(), ref


@pytest.fixture(scope="module")
def served(real: ScannedSite) -> Iterator[str]:
    """`vigie serve` on a free port, as a user starts it; stopped with Ctrl-C (SIGINT)."""
    proc = subprocess.Popen([sys.executable, "-m", "vigie", "serve", "--dir", str(real.site),
                             "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "COLUMNS": "300", "NO_COLOR": "1"})
    assert proc.stdout is not None
    line = proc.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert found, line
    try:
        yield found.group(0)
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        assert "stopped" in proc.stdout.read()


@pytest.mark.browser
def test_serve_sends_the_policy_as_headers(served: str) -> None:
    with urllib.request.urlopen(served + "index.html", timeout=10) as response:
        body = response.read().decode("utf-8")
        assert response.headers["Content-Security-Policy"] == CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    assert 'content="overview"' in body
    with urllib.request.urlopen(served + "assets/dsfr/dsfr.min.css", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/css")


# --- Synthetic runs: changes, history, auditor flags ------------------------------------------

@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic_site(tmp_path_factory)


def test_changes_new_fixed_and_levels(synthetic: Path) -> None:
    tree = page(synthetic / "services" / "totale.html")
    changes = section(tree, "changements")
    assert "Comparaison avec le passage n° 1" in changes
    assert "Prise en compte du handicap : Partiel → Non" in changes
    assert "Nouveaux constats (1)" in changes and "Constats corrigés (1)" in changes
    new = changes.split("Nouveaux constats (1)")[1].split("Constats corrigés")[0]
    fixed = changes.split("Constats corrigés (1)")[1]
    assert "color-contrast" in new and "/c" in new
    assert "label" in fixed and "/b" in fixed
    # Same page on another port: the same finding, whose outcome changed.
    assert "image-alt" not in new and "image-alt" not in fixed.split("Constats dont")[0]
    changed = changes.split("Constats dont le résultat a changé (1)")[1]
    assert "À vérifier → Non conforme — axe (image-alt)" in changed
    link = tree.xpath("//h3[starts-with(., 'Nouveaux constats')]/following-sibling::ul[1]//a")
    assert tree.xpath(f"//tr[@id='{link[0].get('href')[1:]}']")
    first = page(synthetic / "services" / "expiree.html")
    assert "Prise en compte du handicap" not in section(first, "changements").split("\n")[1:2]


def test_no_previous_run_is_said(tmp_path: Path) -> None:
    site = synthetic_site_of_run(tmp_path, 0)[1]
    changes = section(page(site / "services" / "totale.html"), "changements")
    assert "Aucun passage précédent pour ce service" in changes


def test_history_stops_at_the_reported_run(synthetic: Path) -> None:
    tree = page(synthetic / "services" / "totale.html")
    history = section(tree, "historique")
    assert "n° 1" in history and "n° 2" in history and "n° 3" not in history
    svg = tree.xpath("//svg[@role='img']")[0]
    labelled = svg.get("aria-labelledby").split()
    assert all(tree.xpath(f"//*[@id='{i}']") for i in labelled)
    assert "Passage n° 2" in text(tree.xpath("//desc")[0])
    rows = tree.xpath("//table[caption[contains(., 'par passage')]]//tbody/tr")
    assert [text(r.xpath("./th")[0]) for r in rows] == ["n° 1", "n° 2"]
    assert [r.xpath("./td")[1].text for r in rows] == ["1", "2"]  # axe fails per run


def test_long_snippets_are_truncated(synthetic: Path) -> None:
    tree = page(synthetic / "services" / "totale.html")
    snippets = [text(p) for p in tree.xpath("//pre[@class='vigie-code']")]
    assert snippets and all(len(s) <= 500 for s in snippets)
    assert any(s.endswith("…") for s in snippets)


def test_service_page_shows_third_party_contacts_and_the_partial_dsfr(synthetic: Path) -> None:
    tree = page(synthetic / "services" / "absente.html")
    human = text(tree.xpath("//tr[th and .//*[contains(., 'Aucun téléphone ni accueil')]]")[0])
    assert "Contacts d’un tiers, non comptés pour le service (3)" in human
    assert ("Page de contact : https://formulaire.defenseurdesdroits.fr/ — Défenseur des droits"
            in human)
    assert "Adresse électronique : contact@prestataire.example — Autre site" in human
    # The snippet is text, escaped; the URLs are code, not links.
    assert ("Accueil ou adresse (adresse postale) : « Défenseur des droits Libre réponse 71120 "
            "75342 Paris CEDEX 07 <script>alert('tiers')</script> »") in human
    assert not tree.xpath("//a[contains(@href, 'defenseurdesdroits')]")
    assert not tree.xpath("//script")
    dsfr = text(tree.xpath("//tr[th and .//*[contains(., 'DSFR : usage partiel')]]")[0])
    assert "sans son en-tête ni son pied de page (ne vaut pas « DSFR utilisé »)" in dsfr
    # Other services' findings carry none of it.
    other = page(synthetic / "services" / "totale.html")
    assert "Contacts d’un tiers" not in text(other)


def test_auditor_flags(synthetic: Path) -> None:
    tree = page(synthetic / "auditeur.html")
    assert kind_of(synthetic / "auditeur.html") == "auditor"
    notice = text(tree.xpath("//div[contains(@class, 'fr-alert')]")[0])
    assert "ne prouvent jamais la conformité" in notice

    def block(slug: str) -> str:
        return text(tree.xpath(f"//section[h2[@id='service-{slug}']]")[0])

    totale = block("totale")
    assert "Conformité totale contredite" in totale
    assert "Totalement conforme" in totale and "100 %" in totale and "15/01/2025" in totale
    assert "1.1.1" in totale and "3.2.1" in totale and "11.1.1" not in totale
    assert "Déclaration expirée" in block("expiree") and "02/05/2019" in block("expiree")
    incoherente = block("incoherente")
    assert "Mention en désaccord avec le taux" in incoherente
    assert "Taux de 40 % mais niveau « partiellement conforme »" in incoherente
    absente = block("absente")
    assert "Déclaration absente" in absente
    for slug in ("expiree", "incoherente", "absente"):
        assert "Conformité totale contredite" not in block(slug)
    assert "Déclaration absente" not in totale and "Déclaration expirée" not in totale


def test_auditor_compares_declared_and_invalidated_criteria(synthetic: Path) -> None:
    tree = page(synthetic / "auditeur.html")

    def table(slug: str, caption: str) -> list[list[str]]:
        rows = tree.xpath(f"//section[h2[@id='service-{slug}']]//table[caption[starts-with(., "
                          f"'{caption}')]]//tbody/tr")
        return [[text(c) for c in r.xpath("./th|./td")] for r in rows]

    def block(slug: str) -> str:
        return text(tree.xpath(f"//section[h2[@id='service-{slug}']]")[0])

    # « totale » admits 3.2 and the Scripts theme; axe invalidates 1.1.1 and 3.2.1 (run 2)
    assert table("totale", "Critères RGAA invalidés par les tests automatiques") == [
        ["1.1", "Images", "1.1.1", "image-alt"]]
    assert table("totale", "Critères RGAA que la déclaration admet") == [
        ["3.2", "Couleurs", "Critère 3.2 : contraste du pied de page.", "invalidé : 3.2.1"]]
    totale = block("totale")
    assert "Non-conformités non déclarées" in totale and ": 1.1." in totale
    unchecked = totale.split("Thématiques admises sans preuve automatique")[1]
    assert "Scripts — « Scripts : le menu n’est pas utilisable au clavier. »" in unchecked
    # « incoherente » admits 11.1; nothing automated was invalidated there
    assert table("incoherente", "Critères RGAA que la déclaration admet") == [
        ["11.1", "Formulaires", "11.1 – champs sans étiquette", "aucun test invalidé"]]
    assert "Aucune : chaque critère invalidé" in block("incoherente")
    # no list read: no comparison, no « non déclarées » flag
    assert "aucune déclaration d’accessibilité n’a été lue" in block("absente")
    assert "constat d’une version précédente de Vigie" in block("expiree")
    for slug in ("expiree", "absente"):
        assert "Comparaison impossible" in block(slug)
        flags = block(slug).split("Non-conformités déclarées")[0]
        assert "Non-conformités non déclarées" not in flags
    summary = tree.xpath("//table[caption[starts-with(., 'Déclarations et tests')]]//tbody/tr")
    undeclared = {text(r.xpath("./th")[0]): text(r.xpath("./td")[4]) for r in summary}
    assert undeclared == {"Démarche totale": "1", "Démarche expiree": "—",
                          "Démarche incoherente": "0", "Démarche absente": "—"}


def test_compare_page_counts_and_lists_the_disagreements(synthetic: Path) -> None:
    tree = page(synthetic / "publie-mesure.html")
    assert kind_of(synthetic / "publie-mesure.html") == "compare"

    def rows(caption: str) -> list[list[str]]:
        return [[text(c) for c in r.xpath("./th|./td")] for r in tree.xpath(
            f"//table[caption[starts-with(., '{caption}')]]//tbody/tr")]

    # Concordant, Discordant, Non comparable, Total
    assert rows("Comparaisons par valeur publiée") == [
        ["Prise en compte du handicap", "0", "2", "0", "2"],
        ["Taux de conformité au RGAA", "0", "1", "0", "1"],
        ["Date de la déclaration d’accessibilité", "0", "1", "0", "1"]]
    assert rows("Comparaisons par ministère") == [["Ministère A", "0", "3", "0", "3"],
                                                   ["Ministère B", "0", "1", "0", "1"]]
    gaps = {(r[0], r[2]): r for r in rows("Écarts entre les valeurs publiées")}
    assert set(gaps) == {("Démarche absente", "Prise en compte du handicap"),
                         ("Démarche totale", "Prise en compte du handicap"),
                         ("Démarche totale", "Taux de conformité au RGAA"),
                         ("Démarche expiree", "Date de la déclaration d’accessibilité")}
    totale = gaps[("Démarche totale", "Prise en compte du handicap")]
    assert totale[3:5] == ["Oui", "Non (Prise en compte du handicap)"]
    assert totale[5] == ("Publié « Oui » (100 %), mais axe-core invalide 2 test(s) RGAA "
                         "(1.1.1, 3.2.1) sur les pages visitées.")
    expiree = gaps[("Démarche expiree", "Date de la déclaration d’accessibilité")]
    assert expiree[3] == "02/05/2024" and "date du 02/05/2019 : plus de 3 ans" in expiree[5]
    # Each row links to its service page, and each finding to its row there.
    for link in tree.xpath("//table[caption[starts-with(., 'Écarts')]]//a/@href"):
        target, anchor = link.split("#")
        assert target.startswith("services/")
        assert page(synthetic / target).xpath(f"//*[@id='{anchor}']"), link
    # The auditor view and every page's navigation lead here.
    assert page(synthetic / "auditeur.html").xpath("//main//a[@href='publie-mesure.html']")
    assert page(synthetic / "index.html").xpath("//nav//a[@href='publie-mesure.html']")


def test_service_page_shows_its_own_comparisons(synthetic: Path) -> None:
    tree = page(synthetic / "services" / "totale.html")
    compared = section(tree, "publie-mesure")
    assert "Prise en compte du handicap Oui Non (Prise en compte du handicap) Discordant" in (
        compared)
    assert "Taux de conformité au RGAA 100 %" in compared
    assert page(synthetic / "services" / "incoherente.html").xpath(
        "//h2[@id='publie-mesure']") == []  # nothing published: no section


def test_synthetic_site_is_inert(synthetic: Path) -> None:
    assert_inert(synthetic, urls_local_only=False)
    groups = sorted(p.name for p in (synthetic / "filtres").iterdir())
    assert "ministere-non-renseigne.html" in groups
    rows = page(synthetic / "filtres" / "ministere-ministere-a.html").xpath(
        "//table[caption[contains(., 'Niveau de chaque')]]//tbody/tr/th")
    assert {text(r) for r in rows} == {"Démarche totale", "Démarche expiree"}
