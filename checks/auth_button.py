"""``auth-button``: FranceConnect, FranceConnect+ and ProConnect (formerly AgentConnect) buttons.

Service scope: one finding per service scan. Every examined capture's DOM data is searched for
buttons, each one decided by its own signals, strongest first: the DSFR brand text
(``.fr-connect__brand``), variant and product classes, the OpenID Connect authorize endpoint
a link or form leads to, the button's text (« S’identifier avec … ») or legacy image
(``FCboutons-*``), and last the help link next to it (« Qu’est-ce que FranceConnect+ ? »).
A ProConnect button built on the DSFR ``fr-connect`` classes is ProConnect; a FranceConnect
button becomes FranceConnect+ on any « + » signal, since its ``--plus`` class may be missing.
Quoted markup (``<pre>``/``<code>``) is no element, and a link shown inside ``<code>`` does not
count. Login is often deeper than the public pages, so "not found" is ``needs_review``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from checks.html import IN_CODE, dicts, element_html, html_elements, quoted_as_code, strings
from checks.inputs import CaptureView, ServiceCaptures
from checks.model import Evidence, Finding, Outcome
from checks.registry import check
from core.capture import Collected, ConnectButton, Link
from core.text import normalise_text
from core.urls import host_of

FC, FC_PLUS, PRO = "franceconnect", "franceconnect_plus", "proconnect"
PROVIDERS = (FC, FC_PLUS, PRO)
LABELS = {FC: "FranceConnect", FC_PLUS: "FranceConnect+", PRO: "ProConnect"}
MAX_BUTTONS_AS_EVIDENCE = 10

# Strongest first: what the button says it is beats what lies around it. The bare DSFR
# ``fr-connect`` class is shared by FranceConnect and ProConnect buttons: weakest.
STRENGTH = {"brand": 0, "class": 1, "authorize": 2, "text": 3, "image": 4, "route": 5,
            "help_link": 6, "base_class": 7}
CLICKABLE = frozenset({"a", "button", "input"})

# A button's label is the action and the brand, nothing more: « S’identifier avec
# FranceConnect », perhaps « (nouvelle fenêtre) ». Texts that go on (« Se connecter avec
# FranceConnect, c’est désormais possible », « … : pas à pas », an FAQ question) are prose.
_ACTION = re.compile(
    r"(?:s'identifier|m'identifier|je m'identifie|identifiez-vous|s'authentifier|"
    r"authentifiez-vous|se connecter|me connecter|je me connecte|connectez-vous|connexion|"
    r"continuer|acceder) (?:avec|via) "
    r"(franceconnect ?\+?|france connect ?\+?|proconnect|agentconnect)"
    r"(?: ?[-(] ?(?:nouvelle fenetre|ouvre une nouvelle fenetre|lien externe)\)?)?\.?$")
MAX_LABEL = 80
# Button images FranceConnect handed out before the DSFR: FCboutons-10.png,
# franceconnect-bouton.svg, fc-btn@2x.png, bouton-franceconnect.png, franceconnect-plus-bouton.svg.
# A logo (logo-franceconnect.svg, a partner strip) is not a button.
_FC_IMAGE = re.compile(
    r"(?:^|[-_])(?:fcboutons?|(?:france-?connect|france_connect|fc)[-_]?(?:plus[-_]?)?"
    r"(?:bouton|btn|button)|(?:bouton|btn|button)[-_]?(?:france-?connect|fc))"
    r"[\w@.-]*\.(?:png|svg|jpe?g|gif|webp)$", re.I)
# The site's own route into FranceConnect: /auth/franceconnect, /users/auth/france_connect,
# /oauth2/authorization/fc, Connexion.aspx?mode=fc, /connexion/franceconnect-plus.
_ROUTE_AUTH = frozenset({"auth", "login", "connexion", "oauth", "oauth2", "oidc", "openid",
                         "sso", "signin", "identification", "authentification", "authorization"})
_ROUTE_TOKEN = re.compile(r"[/?&=._-]+")
_LEGACY_XPATH = ("//input[translate(@type, 'IMAGE', 'image') = 'image']"
                 " | //a//img[@title] | //button//img[@title]")


@dataclass(frozen=True)
class Signal:
    kind: str  # a STRENGTH key
    value: str
    provider: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"


@dataclass
class Candidate:
    capture: CaptureView
    selector: str
    tag: str
    signals: list[Signal] = field(default_factory=list)


def _within(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def brand_provider(text: str) -> str | None:
    """The provider a brand or product name designates (« FranceConnect+ », « ProConnect »)."""
    name = normalise_text(text).replace(" ", "")
    if "proconnect" in name or "agentconnect" in name:
        return PRO
    if "franceconnect+" in name:
        return FC_PLUS
    return FC if "franceconnect" in name else None


def authorize_provider(url: str | None) -> str | None:
    """The provider of an OpenID Connect authorize URL (app./oidc.: FranceConnect, auth.:
    FranceConnect+, agentconnect/proconnect hosts: ProConnect)."""
    if not url:
        return None
    try:
        path = urlsplit(url).path.lower()
    except ValueError:
        return None
    host = host_of(url)
    if "authorize" not in path:
        return None
    if _within(host, "franceconnect.gouv.fr") and host != "franceconnect.gouv.fr":
        return FC_PLUS if host == "auth.franceconnect.gouv.fr" else FC
    if _within(host, "dev-franceconnect.fr"):  # integration platforms, left on live sites too
        return FC_PLUS if host.startswith(("auth.", "fcp-high.")) else FC
    if any(_within(host, d) for d in ("proconnect.gouv.fr", "agentconnect.gouv.fr")):
        return PRO
    return None


def help_provider(url: str) -> str | None:
    """The provider a « Qu’est-ce que … ? » link beside a button explains."""
    host = host_of(url).removeprefix("www.")
    if host == "franceconnect.gouv.fr":
        return FC_PLUS if "connect-plus" in url.lower() else FC
    return PRO if host in ("proconnect.gouv.fr", "agentconnect.gouv.fr") else None


def text_provider(text: str) -> str | None:
    """« S’identifier avec FranceConnect » and the like; a bare mention is not a button."""
    label = normalise_text(text)
    m = _ACTION.match(label) if len(label) <= MAX_LABEL else None
    return brand_provider(m.group(1)) if m else None


def _class_signals(classes: str) -> Iterator[Signal]:
    for token in classes.split():
        low = token.lower()
        if low == "fr-connect--plus":
            yield Signal("class", token, FC_PLUS)
        elif low == "fr-connect--agent" or "proconnect" in low or "agentconnect" in low:
            yield Signal("class", token, PRO)
        elif low in ("fr-btn--franceconnect", "franceconnect-button"):
            yield Signal("class", token, FC)
        elif low == "fr-connect":
            yield Signal("base_class", token, FC)


def _short(url: str) -> str:
    # Authorize URLs carry client ids and nonces: the endpoint is what proves the provider.
    try:
        parts = urlsplit(url)
    except ValueError:
        return url[:200]
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _url_signals(urls: list[str], *, help_links: bool) -> Iterator[Signal]:
    for url in urls:
        if provider := authorize_provider(url):
            yield Signal("authorize", _short(url), provider)
        elif help_links and (provider := help_provider(url)):
            yield Signal("help_link", url, provider)


def _text_signals(texts: list[Any], kind: str = "text") -> Iterator[Signal]:
    for text in texts:
        if isinstance(text, str) and (provider := text_provider(text)):
            yield Signal(kind, re.sub(r"\s+", " ", text).strip()[:200], provider)


def _image_signals(srcs: list[str]) -> Iterator[Signal]:
    for src in srcs:
        try:
            name = urlsplit(src).path.rsplit("/", 1)[-1]
        except ValueError:
            continue
        if _FC_IMAGE.search(name):
            yield Signal("image", name, FC_PLUS if "plus" in name.lower() else FC)


def route_provider(url: str) -> str | None:
    """The provider a site's own sign-in route names (``/auth/franceconnect``), or None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    tokens = [t for t in _ROUTE_TOKEN.split(f"{parts.path}?{parts.query}".lower()) if t]
    if not _ROUTE_AUTH.intersection(tokens):
        return None
    joined = "-".join(tokens)
    if "proconnect" in joined or "agentconnect" in joined:
        return PRO
    if re.search(r"(?:^|-)(?:france-?connect|fc)(?:-?plus)(?:-|$)", joined):
        return FC_PLUS
    if re.search(r"(?:^|-)(?:france-?connect|fc)(?:-|$)", joined):
        return FC
    return None


def _route_signals(link: Link) -> Iterator[Signal]:
    """A link into the site's own FranceConnect route counts when it names the brand or is a
    bare image (the legacy button): « Aide FranceConnect » leads to /aide/, not to /auth/."""
    href = _str(link.get("href"))
    provider = route_provider(href) if href.startswith(("http:", "https:")) else None
    if provider is None:
        return
    label = " ".join(_str(link.get(k)) for k in ("text", "aria_label", "title"))
    label += " " + " ".join(strings(link.get("img_alts")))
    image_only = not _str(link.get("text")).strip() and bool(strings(link.get("img_srcs")))
    if brand_provider(label) or image_only:
        yield Signal("route", _short(href), provider)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _connect_signals(entry: ConnectButton, *, own_text: bool) -> list[Signal]:
    signals = []
    if provider := brand_provider(_str(entry.get("brand"))):
        signals.append(Signal("brand", _str(entry.get("brand")), provider))
    signals += _class_signals(_str(entry.get("classes")))
    if own_text:  # a wrapper's text mixes the button with its « Qu’est-ce que … ? » link
        signals += _text_signals([entry.get("text")])
    signals += _url_signals([u for u in (entry.get("href"), entry.get("form_action"))
                             if isinstance(u, str)], help_links=False)
    # help_links are every link of the group (or of the parent element): help links only,
    # an authorize link among them is a button of its own.
    signals += [s for s in _url_signals(strings(entry.get("help_links")), help_links=True)
                if s.kind == "help_link"]
    return signals


def _is_button(entry: ConnectButton) -> bool:
    # The connect markup selects wrappers and inner spans too: the clickable element, or the
    # DSFR ``fr-connect`` element itself, is the button; the rest lends it their signals.
    classes = _str(entry.get("classes")).lower().split()
    return _str(entry.get("tag")).lower() in CLICKABLE or "fr-connect" in classes


def _candidates(capture: CaptureView, collector: Collected
                ) -> tuple[list[Candidate], list[Candidate]]:
    """(buttons, contributors) of one capture, before nesting is resolved."""
    code_texts = [normalise_text(t) for t in strings(collector.get("code_texts")) if t.strip()]
    buttons: list[Candidate] = []
    helpers: list[Candidate] = []
    for entry in dicts(collector.get("connect_buttons")):
        selector = _str(entry.get("selector"))
        if not selector:
            continue
        is_button = _is_button(entry)
        made = Candidate(capture, selector, _str(entry.get("tag")).lower(),
                         _connect_signals(entry, own_text=is_button))
        (buttons if is_button else helpers).append(made)
    for link in dicts(collector.get("links")):
        if quoted_as_code(link, code_texts):
            continue
        signals = [*_url_signals([_str(link.get("href"))], help_links=False),
                   *_class_signals(_str(link.get("classes"))),
                   *_text_signals([link.get("text"), link.get("aria_label"), link.get("title"),
                                   *strings(link.get("img_alts"))]),
                   *_image_signals(strings(link.get("img_srcs"))),
                   *_route_signals(link)]
        if signals and link.get("selector"):
            buttons.append(Candidate(capture, _str(link.get("selector")), "a", signals))
    for button in dicts(collector.get("buttons")):
        if quoted_as_code(button, code_texts):
            continue
        signals = [*_class_signals(_str(button.get("classes"))),
                   *_text_signals([button.get("text"), button.get("aria_label")])]
        if signals and button.get("selector"):
            buttons.append(Candidate(capture, _str(button.get("selector")), "button", signals))
    for form in dicts(collector.get("forms")):
        signals = list(_url_signals([_str(form.get("action"))], help_links=False))
        if signals and form.get("selector"):
            buttons.append(Candidate(capture, _str(form.get("selector")), "form", signals))
    clickables = [c.selector for c in buttons if c.tag in ("a", "button", "form")] + [
        _str(b.get("selector")) for b in dicts(collector.get("buttons"))]
    for image in dicts(collector.get("images")):
        selector = _str(image.get("selector"))
        signals = [*_image_signals([_str(image.get("src"))]),
                   *_text_signals([image.get("alt")])]
        # An image outside any link or button illustrates, it does not sign in.
        if signals and selector and any(_nested(c, selector) for c in clickables if c):
            buttons.append(Candidate(capture, selector, "img", signals))
    buttons += _legacy_html_candidates(capture)
    return buttons, helpers


def _legacy_html_candidates(capture: CaptureView) -> list[Candidate]:
    """What the collector does not list, read from the stored HTML: image inputs
    (``<input type="image" src="FCboutons-10.png">``, WebForms) and an image's ``title``
    (« S’identifier avec FranceConnect ») inside a link or button."""
    out = []
    for element in html_elements(capture, _LEGACY_XPATH, hints=("connect", "fcbouton")):
        selector = element.selector
        if IN_CODE.search(selector):
            continue
        attrs, tag = element.attributes, element.tag
        if tag == "input":
            signals = [*_image_signals([attrs.get("src", "")]),
                       *_text_signals([attrs.get("alt"), attrs.get("title"),
                                       attrs.get("aria-label")])]
        else:  # the image's title labels the link or button it is in
            signals = list(_text_signals([attrs.get("title")]))
            selector, tag = element.clickable or selector, element.clickable_tag or tag
        if signals:
            out.append(Candidate(capture, selector, tag, signals))
    return out


def _nested(outer: str, inner: str) -> bool:
    return inner.startswith(outer + " > ")


def _related(a: str, b: str) -> bool:
    return a == b or _nested(a, b) or _nested(b, a)


def _merge(buttons: list[Candidate], helpers: list[Candidate]) -> list[Candidate]:
    """One candidate per physical button: nested or repeated entries are merged, the
    clickable outermost one giving the selector."""
    order = {id(c): i for i, c in enumerate(buttons)}
    clusters: list[list[Candidate]] = []
    for cand in sorted(buttons, key=lambda c: len(c.selector)):  # outer elements first
        home = next((cl for cl in clusters if any(_related(c.selector, cand.selector)
                                                   for c in cl)), None)
        if home is None:
            clusters.append([cand])
        else:
            home.append(cand)
    clusters.sort(key=lambda cl: min(order[id(c)] for c in cl))  # back to collection order
    merged = []
    for cluster in clusters:
        rep = next((c for c in cluster if c.tag in CLICKABLE), cluster[0])
        signals = [s for c in cluster for s in c.signals]
        signals += [s for h in helpers if any(_related(h.selector, c.selector) for c in cluster)
                    for s in h.signals]
        merged.append(Candidate(rep.capture, rep.selector, rep.tag,
                                list(dict.fromkeys(signals))))
    return merged


def decide(signals: list[Signal]) -> str | None:
    """The provider of one button: the family from its strongest signal, then « + » if any
    signal says FranceConnect+ (the DSFR --plus class is sometimes left out)."""
    if not signals:
        return None
    strongest = min(signals, key=lambda s: STRENGTH.get(s.kind, 99))
    if strongest.provider == PRO:
        return PRO
    return FC_PLUS if any(s.provider == FC_PLUS for s in signals) else FC


def find_buttons(capture: CaptureView) -> list[tuple[str, Candidate]]:
    """(provider, button) pairs of one capture; nothing for missing or odd collector data."""
    collector = capture.collector
    if not isinstance(collector, dict):
        return []
    buttons, helpers = _candidates(capture, collector)
    out = []
    for cand in _merge(buttons, helpers):
        provider = decide(cand.signals)
        if provider:
            out.append((provider, cand))
    return out


def _declared_flag(declared: Any) -> bool | None:
    value = declared.get("franceconnect") if isinstance(declared, dict) else None
    return value if isinstance(value, bool) else None


def _message(providers: list[str], found: list[dict[str, Any]], declared: bool | None,
             declared_matches: bool | None) -> str:
    names = ", ".join(LABELS[p] for p in providers)
    pages = list(dict.fromkeys(b["page_url"] for b in found))
    where = pages[0] if len(pages) == 1 else f"{len(pages)} pages, dont {pages[0]}"
    message = f"Bouton de connexion détecté : {names} (sur {where})."
    if declared_matches is False:
        message += " Le service est pourtant déclaré sans FranceConnect : à mettre à jour."
    elif declared is True and declared_matches is None:
        message += (" Le service est déclaré compatible FranceConnect, mais aucun bouton "
                    "FranceConnect n’a été vu sur les pages publiques.")
    return message


@check(
    "auth-button",
    version=2,
    title="Bouton FranceConnect, FranceConnect+ ou ProConnect",
    scope="service",
    references=("VDNE:auth", "DSFR:bouton-franceconnect"),
    data_keys={
        "providers": "providers found, in this order: franceconnect, franceconnect_plus, "
                     "proconnect (ProConnect includes the former AgentConnect)",
        "buttons": "every button found: provider, page_url, selector, viewport and signals "
                   "(the evidence that decided it, as 'kind: value')",
        "pages_searched": "URLs of the pages examined (both viewports, once each)",
        "declared": "the registry's declared.franceconnect (true/false), or null",
        "declared_matches": "whether a FranceConnect (or FranceConnect+) button was found as "
                            "declared: true/false when a button was found and a declaration "
                            "exists, else null (absence on public pages proves nothing)",
    },
)
def auth_button_check(inputs: ServiceCaptures) -> Iterator[Finding]:
    declared = _declared_flag(inputs.service.declared)
    examined = [c for c in inputs.ok() if isinstance(c.collector, dict)]
    corrupt = [c for c in inputs.ok()
               if c.collector is not None and not isinstance(c.collector, dict)]
    pages = list(dict.fromkeys(c.url for c in examined))
    base = {"providers": [], "buttons": [], "pages_searched": pages, "declared": declared,
            "declared_matches": None}
    if not examined and corrupt:
        yield Finding(
            outcome=Outcome.error, data=base, page_capture_id=corrupt[0].id,
            message="Les données collectées sur les pages sont illisibles : les boutons de "
                    "connexion n’ont pas pu être recherchés.",
            evidence=[Evidence(kind="url", url=c.url) for c in corrupt])
        return
    found: list[tuple[str, Candidate]] = []
    seen: set[tuple[str, str, str]] = set()
    for capture in examined:
        for provider, cand in find_buttons(capture):
            key = (capture.url, cand.selector, provider)  # same page in both viewports
            if key not in seen:
                seen.add(key)
                found.append((provider, cand))
    if not found:
        yield _not_found(base, pages, declared)
        return
    providers = [p for p in PROVIDERS if any(p == f for f, _ in found)]
    buttons = [{"provider": p, "page_url": c.capture.url, "selector": c.selector,
                "viewport": c.capture.viewport, "signals": [str(s) for s in c.signals]}
               for p, c in found]
    has_fc = FC in providers or FC_PLUS in providers
    matches = declared if has_fc else None  # a missing button proves nothing
    yield Finding(
        outcome=Outcome.passed,
        message=_message(providers, buttons, declared, matches),
        data=base | {"providers": providers, "buttons": buttons, "declared_matches": matches},
        evidence=[Evidence(kind="node", url=c.capture.url, selector=c.selector,
                           snippet=element_html(c.capture, c.selector)
                           or "; ".join(str(s) for s in c.signals),
                           extra={"provider": p, "viewport": c.capture.viewport})
                  for p, c in found[:MAX_BUTTONS_AS_EVIDENCE]],
        page_capture_id=found[0][1].capture.id,
    )


def _not_found(base: dict[str, Any], pages: list[str], declared: bool | None) -> Finding:
    if not pages:
        message = ("Aucune page n’a pu être examinée : la présence d’un bouton FranceConnect, "
                   "FranceConnect+ ou ProConnect est à vérifier manuellement.")
    else:
        message = (f"Aucun bouton FranceConnect, FranceConnect+ ou ProConnect trouvé sur les "
                   f"{len(pages)} page(s) publique(s) examinée(s) ; la connexion se trouve "
                   "peut-être plus loin dans la démarche : à vérifier manuellement.")
    if declared is True:
        message += " Le service est déclaré compatible FranceConnect."
    return Finding(outcome=Outcome.needs_review, message=message, data=base,
                   evidence=[Evidence(kind="url", url=url) for url in pages])
