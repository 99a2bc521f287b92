"""The report never carries executable content from scanned pages.

`tests/sites/hostile_content` is a fictional public service whose pages put hostile content
everywhere the pipeline copies text: titles (one of 10,000 characters), headings, link texts
and hrefs, axe violations (their selectors and HTML snippets), a declaration, a contact page,
JDMA and FranceConnect buttons, a form. The service list adds hostile names and URLs. Every
payload carries a marker ``VIGIE-XSS-<n>`` so that we can tell where it landed.

One scan through the real CLI (``scan``, ``report``, ``export``), then:

- every HTML file of the report, whatever its layout (one page today, a multi-page site
  tomorrow), parsed with lxml and loaded in Chromium, holds no script, no event handler, no
  ``javascript:``/``vbscript:``/``data:`` URL, no frame, object, form, base, refresh nor inline
  style, and keeps its Content Security Policy;
- the hostile text is still shown, escaped, as text (not dropped);
- the exports are data: the JSON holds the text verbatim, the CSV files parse.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from playwright.sync_api import (
    ConsoleMessage,
    Dialog,
    Error,
    Page,
    Request,
    sync_playwright,
)

from tests.conftest import SITES, run_vigie
from vigie.demo.server import SiteServer

pytestmark = pytest.mark.browser

SITE = "hostile_content"
MARKER = re.compile(r"VIGIE-XSS-\d+")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ENV = {"VIGIE_DOWNLOAD_DELAY": "0", "VIGIE_NAVIGATION_TIMEOUT": "15", "VIGIE_CALL_TIMEOUT": "15",
       "VIGIE_DATABASE_URL": ""}  # SQLite in the data folder

# Registry values (the operator's input, shown by the report): hostile too.
NAME = ("Démarche d’essai {{ 7*7 }} {% raw %} <script>alert('VIGIE-XSS-40')</script>"
        "\"><img src=x onerror=alert(40)>")
MINISTRY = "Ministère </td></tr></table><script>alert('VIGIE-XSS-41')</script>"
ADMINISTRATION = "Direction {{ 7*7 }} {% raw %} VIGIE-XSS-42 ${7*7} <!-- -->"
START_QUERY = "?origine=VIGIE-XSS-30\"><script>alert('VIGIE-XSS-30')</script>"
EXTRA_QUERY = "?etape=VIGIE-XSS-31'><svg/onload=alert(31)>"
DECLARATION_QUERY = "?VIGIE-XSS-44\"><script>alert(44)</script>"
# Published « Oui » while axe finds violations: a row of the « Publié / mesuré » disagreements.
HANDICAP_LABEL = "Oui </td><script>alert('VIGIE-XSS-46')</script>"
PAGES = ["index.html", "demarche.html", "rafraichissement.html", "contact.html",
         "declaration-accessibilite.html"]  # every page of the site, each in both viewports

# Markers the scan must store somewhere (the others stay in the page: <pre> text, a <style>
# block, an alt on a named image, a script element...). Checks may store more over time.
STORED = {1, 2, 3, 4, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21, 22, 23, 25, 26, 27, 28, 29,
          30, 31, 32, 33, 34, 36, 40, 41, 42, 43, 44, 45, 46}

# Attributes holding a URL the browser may load, navigate to or run.
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcdoc", "xlink:href", "data",
                  "poster", "background", "ping", "cite", "longdesc", "manifest", "icon",
                  "codebase", "archive", "lowsrc", "dynsrc", "srcset", "imagesrcset", "to",
                  "from", "values", "by"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
# Elements a report never needs, that run, embed or send something.
FORBIDDEN_ELEMENTS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet",
                      "base", "form", "portal", "fencedframe", "animate", "set", "handler",
                      "listener", "template"}
SAFE_LINK_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "canonical",
                  "alternate", "license", "help", "prev", "next", "author"}
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f-\x9f]+")

# Run in every report page before its own content: records anything that runs.
RECORDER = """
(() => {
  const calls = [];
  Object.defineProperty(window, "__vigieCalls", {value: calls});
  for (const name of ["alert", "confirm", "prompt", "print", "open"]) {
    window[name] = (...args) => { calls.push(name + "(" + args.map(String).join(", ") + ")"); };
  }
  window.addEventListener("error", (e) => calls.push("error: " + e.message), true);
  document.addEventListener("securitypolicyviolation",
    (e) => calls.push("csp: " + e.effectiveDirective + " " + e.blockedURI + " " + e.sample), true);
})();
"""

# The same checks as the lxml ones, on the DOM Chromium built (its parser is the one that
# counts): scripts, handlers, resolved URLs with a dangerous scheme, forbidden elements.
DOM_PROBLEMS = """
(args) => {
  const [urlAttrs, badSchemes, forbidden] = args;
  const problems = [];
  const clean = (v) => v.replace(/[\\u0000-\\u0020\\u007f-\\u009f]+/g, "").toLowerCase();
  for (const el of document.querySelectorAll("*")) {
    const tag = el.localName;
    if (forbidden.includes(tag)) problems.push("element <" + tag + ">");
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on")) problems.push("<" + tag + " " + name + ">");
      if (name === "style") problems.push("<" + tag + " style>");
      if (urlAttrs.includes(name) && badSchemes.some((s) => clean(attr.value).startsWith(s)))
        problems.push("<" + tag + " " + name + "=" + attr.value.slice(0, 80) + ">");
    }
    for (const prop of ["href", "src", "action", "formAction"]) {
      const v = typeof el[prop] === "string" ? el[prop] : "";
      if (badSchemes.some((s) => clean(v).startsWith(s)))
        problems.push("<" + tag + "> ." + prop + " = " + v.slice(0, 80));
    }
  }
  if (document.scripts.length) problems.push(document.scripts.length + " script(s)");
  return problems;
}
"""


@dataclass
class Outputs:
    site: SiteServer
    report_dir: Path
    export: dict[str, Any]
    csv_dir: Path

    def html_files(self) -> list[Path]:
        return sorted(self.report_dir.rglob("*.html"))


def services_yaml(base: str) -> str:
    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML string

    return f"""services:
  - id: demarche-hostile
    name: {q(NAME)}
    start_url: {q(base + "/index.html" + START_QUERY)}
    extra_urls:
      - {q(base + "/demarche.html" + EXTRA_QUERY)}
      - {q(base + "/rafraichissement.html")}
    ministry: {q(MINISTRY)}
    administration: {q(ADMINISTRATION)}
    jdma_id: "1234"
    declared:
      rgaa_rate: 75
      accessibility_status: {q("partiellement conforme <script>alert('VIGIE-XSS-43')</script>")}
      declaration_url: {q(base + "/declaration-accessibilite.html" + DECLARATION_QUERY)}
      franceconnect: true
      franceconnect_label: {q("Oui <img src=x onerror=alert('VIGIE-XSS-45')>")}
      handicap: oui
      handicap_label: {q(HANDICAP_LABEL)}
"""


@pytest.fixture(scope="module")
def outputs(sites: dict[str, SiteServer], browser_choice: Any,
            tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    tmp = tmp_path_factory.mktemp("report-safety")
    site = sites[SITE]
    services = tmp / "services.yaml"
    services.write_text(services_yaml(site.base_url), encoding="utf-8")
    env = {**ENV, "VIGIE_DATA_DIR": str(tmp / "data")}
    steps = [
        ("scan", "--services", str(services), "--allow-private"),
        ("report", "--run", "latest", "--out", str(tmp / "report")),
        ("export", "--run", "latest", "--format", "json", "--out", str(tmp / "run.json")),
        ("export", "--run", "latest", "--format", "csv", "--out", str(tmp / "csv")),
        ("export", "compare", "--format", "csv", "--out", str(tmp / "compare.csv")),
    ]
    for step in steps:
        proc = run_vigie(*step, env=env)
        assert proc.returncode == 0, f"vigie {step[0]}: {proc.stderr}\n{proc.stdout}"
    export = json.loads((tmp / "run.json").read_text(encoding="utf-8"))
    return Outputs(site, tmp / "report", export, tmp / "csv")


def page_title(page: str) -> str:
    """The title as the browser reads it (entities decoded) from the fixture page itself."""
    tree = lxml.html.document_fromstring((SITES / SITE / page).read_text(encoding="utf-8"))
    return str(tree.findtext(".//title"))


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def markers(text: str) -> set[int]:
    return {int(m.removeprefix("VIGIE-XSS-")) for m in MARKER.findall(text)}


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# --- the pipeline copes with the hostile site ------------------------------------------------


def test_every_hostile_page_is_captured(outputs: Outputs) -> None:
    captures = outputs.export["captures"]
    base = outputs.site.base_url
    by_page: dict[str, set[str]] = {}
    for c in captures:
        assert c["outcome"] == "ok" and c["http_status"] == 200, c
        page = c["requested_url"].removeprefix(base + "/").split("?")[0]
        by_page.setdefault(page, set()).add(c["viewport"])
    assert by_page == {p: {"desktop", "mobile"} for p in PAGES}
    # Kinds found by key-page discovery, through links labelled « Contact » and « Accessibilité ».
    kinds = {c["requested_url"].removeprefix(base + "/"): c["page_kind"] for c in captures}
    assert kinds["contact.html"] == "contact"
    assert kinds["declaration-accessibilite.html"] == "accessibility"


def test_titles_are_stored_as_the_browser_read_them(outputs: Outputs) -> None:
    titles = {c["requested_url"].removeprefix(outputs.site.base_url + "/").split("?")[0]:
              c["title"] for c in outputs.export["captures"]}
    huge = page_title("index.html")
    assert len(huge) == 10_000 and huge.startswith("VIGIE-XSS-01 Démarche </title><script>")
    # The collector keeps the start of a title (a hostile page must not flood storage).
    stored = titles["index.html"]
    assert 1_000 <= len(stored) <= len(huge) and huge.startswith(stored)
    for page in PAGES[1:]:
        assert titles[page] == page_title(page)
    assert titles["contact.html"] == "Contact </title><script>alert('VIGIE-XSS-02')</script>"


def test_checks_record_the_hostile_elements(outputs: Outputs) -> None:
    findings = outputs.export["findings"]
    by_check: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        by_check.setdefault(f["check_id"], []).append(f)
        assert f["outcome"] != "error", f  # hostile content makes no check give up
    axe_rules = {f["data"].get("rule") for f in by_check["axe"] if f["outcome"] == "fail"}
    assert axe_rules >= {"image-alt", "link-name", "label", "svg-img-alt", "frame-title",
                         "button-name"}
    fields = [d for f in by_check["dlnuf-fields"] for d in f["data"].get("fields", [])]
    assert {"nom", "nir"} <= {d.get("category") for d in fields}, fields
    assert [f["outcome"] for f in by_check["a11y-declaration"]] == ["pass"]
    assert [f["outcome"] for f in by_check["human-alternative"]] == ["pass"]
    assert [f["outcome"] for f in by_check["jdma-button"]] == ["pass"]
    assert [f["outcome"] for f in by_check["auth-button"]] == ["pass"]


# --- exports are data: verbatim text, parseable files ------------------------------------------


def test_json_export_keeps_the_hostile_text_verbatim(outputs: Outputs) -> None:
    export = outputs.export
    everything = list(strings(export))
    missing = STORED - markers("\n".join(everything))
    assert not missing, sorted(missing)
    service = export["services"][0]
    assert (service["name"], service["ministry"], service["administration"]) == (
        NAME, MINISTRY, ADMINISTRATION)
    assert service["start_url"] == outputs.site.base_url + "/index.html" + START_QUERY
    snippets = [e["snippet"] for f in export["findings"] for e in f["evidence"] if e["snippet"]]
    for expected in [
        "<img src=\"x\" onerror=\"alert('VIGIE-XSS-11')\"",  # axe image-alt
        "<a href=\"javascript:alert('VIGIE-XSS-12')\" onclick=\"alert('VIGIE-XSS-12')\"></a>",
        "onfocus=\"alert('VIGIE-XSS-13')\"",  # axe label
        "<svg role=\"img\" onload=\"alert('VIGIE-XSS-14')\"",  # axe svg-img-alt
        "url(javascript:alert('VIGIE-XSS-16'))",  # axe button-name, inline style
        "onclick=\"alert('VIGIE-XSS-19')\"",  # FranceConnect button
        "Le site Démarche d’essai <script>alert('VIGIE-XSS-26')</script> est partiellement",
        "01 98 76 54 32 VIGIE-XSS-29 <script>alert('VIGIE-XSS-29')</script></td></tr></table>",
    ]:
        assert any(expected in s for s in snippets), expected
    labels = [d.get("label") for f in export["findings"] if f["check_id"] == "dlnuf-fields"
              for d in f["data"].get("fields", [])]
    assert "Nom de naissance VIGIE-XSS-22 <script>alert('VIGIE-XSS-22')</script>" in labels


def test_csv_export_parses(outputs: Outputs) -> None:
    for table in ("services", "captures", "findings"):
        with (outputs.csv_dir / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert [r["id"] for r in rows] == [str(x["id"]) for x in outputs.export[table]]
        for row in rows:
            assert None not in row and None not in row.values()  # no row longer than the header
    with (outputs.csv_dir / "captures.csv").open(encoding="utf-8", newline="") as fh:
        titles = [r["title"] for r in csv.DictReader(fh)]
    assert titles == [c["title"] or "" for c in outputs.export["captures"]]
    with (outputs.csv_dir / "findings.csv").open(encoding="utf-8", newline="") as fh:
        evidence = [json.loads(r["evidence"]) for r in csv.DictReader(fh)]
    assert evidence == [f["evidence"] for f in outputs.export["findings"]]
    with (outputs.report_dir.parent / "compare.csv").open(encoding="utf-8", newline="") as fh:
        compared = {r["published_key"]: r for r in csv.DictReader(fh)}
    assert compared["handicap"]["published_label"] == HANDICAP_LABEL
    assert compared["handicap"]["service_name"] == NAME
    assert compared["handicap"]["verdict"] == "disagreement"


# --- the report: inert markup, hostile text shown as text --------------------------------------


def _clean_url(value: str) -> str:
    return _CONTROL_OR_SPACE.sub("", value).lower()


def csp_problems(tree: Any) -> list[str]:
    metas = [m for m in tree.iter("meta")
             if (m.get("http-equiv") or "").lower() == "content-security-policy"]
    if not metas:
        return ["no Content-Security-Policy meta"]
    directives: dict[str, list[str]] = {}
    for meta in metas:
        for part in (meta.get("content") or "").split(";"):
            words = part.split()
            if words:
                directives.setdefault(words[0].lower(), [w.lower() for w in words[1:]])
    problems = []
    for directive in ("script-src", "object-src"):
        sources = directives.get(directive, directives.get("default-src"))
        if sources != ["'none'"]:
            problems.append(f"CSP {directive} is {sources}, expected 'none'")
    if directives.get("base-uri") != ["'none'"]:
        problems.append(f"CSP base-uri is {directives.get('base-uri')}, expected 'none'")
    return problems


def markup_problems(html: str) -> list[str]:
    """Everything executable, embedding or sending in one report page (an empty list if none)."""
    problems = []
    if re.search(r"<\s*/?\s*script", html, re.I):
        problems.append("a <script> tag in the source")
    tree = lxml.html.document_fromstring(html)
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue  # comments, processing instructions
        tag = el.tag.lower()
        if tag in FORBIDDEN_ELEMENTS:
            source = squash(lxml.html.tostring(el, encoding="unicode"))
            problems.append(f"element <{tag}>: {source[:120]}")
        if tag == "meta" and (el.get("http-equiv") or "").lower() == "refresh":
            problems.append(f"<meta http-equiv=refresh content={el.get('content')!r}>")
        if tag == "link" and not set((el.get("rel") or "").lower().split()) <= SAFE_LINK_RELS:
            problems.append(f"<link rel={el.get('rel')!r}>")
        for name, value in el.attrib.items():
            name = name.lower()
            if name.startswith("on"):
                problems.append(f"<{tag} {name}={value[:80]!r}>")
            elif name == "style":
                problems.append(f"<{tag} style={value[:80]!r}>")
            elif name in URL_ATTRIBUTES and _clean_url(value).startswith(BAD_SCHEMES):
                problems.append(f"<{tag} {name}={value[:80]!r}>")
            if MARKER.search(name):
                problems.append(f"<{tag}> attribute name {name!r} made of scanned text")
    return problems + csp_problems(tree)


def report_texts(outputs: Outputs) -> dict[Path, Any]:
    files = outputs.html_files()
    assert files, f"no HTML file under {outputs.report_dir}"
    return {p: lxml.html.document_fromstring(p.read_text(encoding="utf-8")) for p in files}


def test_report_markup_is_inert(outputs: Outputs) -> None:
    problems = {str(p.relative_to(outputs.report_dir)): found for p in outputs.html_files()
                if (found := markup_problems(p.read_text(encoding="utf-8")))}
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def test_report_shows_the_hostile_text_as_text(outputs: Outputs) -> None:
    trees = report_texts(outputs)
    text = "\n".join(squash(t.text_content()) for t in trees.values())
    # What the report shows today (titles, service name, ministry, start URL) and will show.
    assert markers(text) >= {1, 2, 25, 30, 40}, sorted(markers(text))
    huge = page_title("index.html")
    assert squash(huge[:300]) in text  # the long title, or its start, as text
    for shown in ["Contact </title><script>alert('VIGIE-XSS-02')</script>",
                  squash(page_title("declaration-accessibilite.html")),
                  NAME,  # {{ 7*7 }} and {% raw %} shown as they are, never evaluated
                  ]:
        assert shown in text, shown
    assert "Démarche d’essai 49" not in text


def test_compare_page_shows_published_values_as_text(outputs: Outputs) -> None:
    tree = lxml.html.document_fromstring(
        (outputs.report_dir / "publie-mesure.html").read_text(encoding="utf-8"))
    rows = tree.xpath("//table[caption[starts-with(., 'Écarts')]]//tbody/tr")
    cells = [[squash(c.text_content()) for c in r.xpath("./th|./td")] for r in rows]
    handicap = next(c for c in cells if c[2] == "Prise en compte du handicap")
    assert handicap[:2] == [NAME, MINISTRY] and handicap[3] == HANDICAP_LABEL
    assert rows[0].xpath("./th/a/@href") == ["services/demarche-hostile.html#publie-mesure"]


def test_report_shows_evidence_snippets_as_code(outputs: Outputs) -> None:
    trees = report_texts(outputs)
    kinds = {m.get("content") for t in trees.values() for m in t.iter("meta")
             if m.get("name") == "vigie:page-kind"}
    if not kinds:
        pytest.skip("the minimal one-page report shows no evidence; the report site will")
    code = [squash(el.text_content()) for t in trees.values()
            for el in t.iter("code", "pre", "samp")]
    for expected in ["<img src=\"x\" onerror=\"alert('VIGIE-XSS-11')\"",  # axe image-alt
                     "<a href=\"javascript:alert('VIGIE-XSS-12')\" onclick=",  # axe link-name
                     ]:
        assert any(expected in c for c in code), f"{expected} not shown as code"


class PageWatch:
    """What one report page did in Chromium that a report page never does."""

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        page.on("dialog", self.dialog)
        page.on("console", self.console)
        page.on("pageerror", self.page_error)
        page.on("popup", self.popup)
        page.on("request", self.request)

    def dialog(self, dialog: Dialog) -> None:
        self.problems.append(f"dialog {dialog.type} {dialog.message!r}")
        dialog.dismiss()

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and MARKER.search(message.text):
            self.problems.append(f"console error {message.text!r}")

    def page_error(self, error: Error) -> None:
        self.problems.append(f"page error {error}")

    def popup(self, popup: Page) -> None:
        self.problems.append(f"popup {popup.url}")

    def request(self, request: Request) -> None:
        if not request.url.startswith(("file:", "data:", "about:")):
            self.problems.append(f"request {request.url}")  # the report is self-contained


def test_report_pages_run_nothing_in_chromium(outputs: Outputs, browser_choice: Any) -> None:
    """Each page in Chromium with its CSP bypassed: the markup alone must be inert (the CSP is
    a second line of defence, checked above)."""
    found: dict[str, list[str]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(**browser_choice.launch_options(tuple(CHROMIUM_ARGS)))
        try:
            context = browser.new_context(bypass_csp=True, java_script_enabled=True)
            context.add_init_script(RECORDER)
            for path in outputs.html_files():
                page = context.new_page()
                watch = PageWatch(page)
                page.goto(path.as_uri(), wait_until="load")
                page.wait_for_timeout(100)  # timers and late handlers
                watch.problems += page.evaluate("() => window.__vigieCalls.slice()")
                watch.problems += page.evaluate(DOM_PROBLEMS, [
                    sorted(URL_ATTRIBUTES), list(BAD_SCHEMES), sorted(FORBIDDEN_ELEMENTS)])
                if page.url != path.as_uri():
                    watch.problems.append(f"navigated to {page.url}")
                page.close()
                if watch.problems:
                    found[str(path.relative_to(outputs.report_dir))] = watch.problems
            context.close()
        finally:
            browser.close()
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def test_objectives_pages_show_the_hostile_names_as_text(outputs: Outputs) -> None:
    """The service's name and ministry, listed under each objective, are text, not markup."""
    for name in ("objectifs.html", "objectifs/online.html", "objectifs/rgaa.html"):
        tree = lxml.html.document_fromstring(
            (outputs.report_dir / name).read_text(encoding="utf-8"))
        text = squash(tree.text_content())
        assert squash(MINISTRY) in text, name
        if name != "objectifs.html":  # the lists of services are on each objective's page
            assert NAME in text, name
