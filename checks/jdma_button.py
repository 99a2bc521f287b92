"""``jdma-button``: the « Je donne mon avis » (JDMA) button, and whether it points to this service.

Service scope: one finding per service scan. The button is looked for in the DOM data of every
examined capture (both viewports): image or text links to a JDMA démarche, the modal widget
(``jdma-modal-widget.js`` and ``[data-jdma-form-url]``) and embedded iframes. Markup quoted as
text (``<pre>``/``<code>``) is not an element, so it never counts; a link displayed inside
``<code>`` does not count either. The button often appears only after login or at the end of
the démarche, so "not found" on public pages is ``needs_review``, never ``fail``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from checks.html import dicts, element_html, quoted_as_code, strings
from checks.inputs import CaptureView, ServiceCaptures
from checks.model import Evidence, Finding, Outcome
from checks.registry import check
from core.capture import Collected
from core.text import normalise_text
from core.urls import host_of

JDMA_HOSTS = frozenset({
    "jedonnemonavis.numerique.gouv.fr",
    "voxusagers.numerique.gouv.fr",
    "monavis.numerique.gouv.fr",
})
MAX_BUTTONS_AS_EVIDENCE = 10

_DEMARCHE = re.compile(r"^/demarches/(\d+)/?$", re.I)
_FORM = re.compile(r"^/demarches/avis/(\d+)/?$", re.I)
# Official button images: legacy « bouton-bleu.svg » family and the newer buttons/ folder.
_BUTTON_IMAGE = re.compile(
    r"^/(?:static|monavis-static)/bouton-(?:bleu|blanc)(?:-clair|-sombre)?\.(?:svg|png)$"
    r"|/(?:static|assets)/buttons/button-[a-z0-9]+-[a-z0-9]+-[a-z0-9]+\.svg$",
    re.I,
)
_WIDGET_SCRIPT = "jdma-modal-widget.js"
# A selector step inside quoted code: such a link is shown as text, not offered as a button.

STYLE_LABELS = {
    "image_link": "lien image",
    "text_link": "lien texte",
    "modal": "widget en fenêtre modale",
    "iframe": "formulaire intégré en iframe",
}


@dataclass
class JdmaTarget:
    """What a JDMA URL says: which host, and which of the id schemes it uses."""

    host: str
    product_id: str | None = None
    button_id: str | None = None
    legacy_id: str | None = None
    form_id: str | None = None


@dataclass
class JdmaButton:
    style: str  # image_link, text_link, modal, iframe
    host: str | None
    product_id: str | None
    button_id: str | None
    legacy_id: str | None
    form_id: str | None
    page_url: str
    url: str | None  # where the button leads (or the widget script when it names no form)
    selector: str | None
    capture_id: int
    viewport: str

    def as_data(self) -> dict[str, Any]:
        data = asdict(self)
        del data["capture_id"]
        return data


def _jdma_host(url: str | None) -> str | None:
    host = host_of(url or "")
    return host if host in JDMA_HOSTS else None


def _first(query: dict[str, list[str]], key: str) -> str | None:
    value = (query.get(key) or [""])[0].strip()
    return value or None


def parse_jdma_url(url: str | None) -> JdmaTarget | None:
    """A JDMA démarche or form URL, or None (other hosts, the JDMA home page, bad URLs)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = host_of(url.strip())
    if host not in JDMA_HOSTS:
        return None
    query = parse_qs(parts.query, keep_blank_values=True)
    button = _first(query, "button")
    if m := _FORM.match(parts.path):
        return JdmaTarget(host, button_id=button, form_id=m.group(1))
    if m := _DEMARCHE.match(parts.path):
        # Old links carry nd_source/key: their number is a legacy id, not today's product id.
        if "nd_source" in query or "key" in query:
            return JdmaTarget(host, legacy_id=m.group(1), button_id=button)
        return JdmaTarget(host, product_id=m.group(1), button_id=button)
    return None


def is_button_image(src: str | None) -> bool:
    if not src or host_of(src) not in JDMA_HOSTS:
        return False
    try:
        return bool(_BUTTON_IMAGE.search(urlsplit(src).path))
    except ValueError:
        return False


def _button(capture: CaptureView, style: str, target: JdmaTarget | None, url: str | None,
            selector: str | None) -> JdmaButton:
    return JdmaButton(
        style=style, host=target.host if target else _jdma_host(url),
        product_id=target.product_id if target else None,
        button_id=target.button_id if target else None,
        legacy_id=target.legacy_id if target else None,
        form_id=target.form_id if target else None,
        page_url=capture.url, url=url, selector=selector, capture_id=capture.id,
        viewport=capture.viewport,
    )


def _from_links(capture: CaptureView, collector: Collected) -> Iterator[JdmaButton]:
    code_texts = [normalise_text(t) for t in strings(collector.get("code_texts")) if t.strip()]
    for link in dicts(collector.get("links")):
        href = link.get("href") if isinstance(link.get("href"), str) else None
        srcs = strings(link.get("img_srcs"))
        target = parse_jdma_url(href)
        official_image = any(is_button_image(src) for src in srcs)
        if target is None and not official_image:
            continue
        if quoted_as_code(link, code_texts):
            continue
        style = "image_link" if srcs else "text_link"
        yield _button(capture, style, target, href, link.get("selector"))


def _from_widget(capture: CaptureView, collector: Collected) -> Iterator[JdmaButton]:
    named_form = False
    for item in dicts(collector.get("data_attributes")):
        form_url = item.get("form_url")
        if not isinstance(form_url, str) or not form_url.strip():
            continue
        url = urljoin(capture.url, form_url.strip())
        target = parse_jdma_url(url)
        if target is None:
            continue
        named_form = True
        yield _button(capture, "modal", target, url, item.get("selector"))
    if named_form:
        return
    # The widget script alone: present, but the form it opens is not known from the page.
    for src in strings(collector.get("scripts")):
        if _WIDGET_SCRIPT in src.lower() and host_of(src) in JDMA_HOSTS:
            yield _button(capture, "modal", None, src, None)
            return


def _from_iframes(capture: CaptureView, collector: Collected) -> Iterator[JdmaButton]:
    for frame in dicts(collector.get("iframes")):
        src = frame.get("src") if isinstance(frame.get("src"), str) else None
        target = parse_jdma_url(src)
        if target is not None:
            yield _button(capture, "iframe", target, src, frame.get("selector"))


def find_buttons(capture: CaptureView) -> list[JdmaButton]:
    """Every JDMA button of one capture (raises nothing for missing or odd collector data)."""
    collector = capture.collector
    if not isinstance(collector, dict):
        return []
    found = [*_from_links(capture, collector), *_from_widget(capture, collector),
             *_from_iframes(capture, collector)]
    unique: dict[tuple[str | None, str | None], JdmaButton] = {}
    for button in found:
        unique.setdefault((button.url, button.selector), button)
    return list(unique.values())


def same_id(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return False
    a, b = a.strip(), b.strip()
    return int(a) == int(b) if a.isdecimal() and b.isdecimal() else a == b


def _registered_id(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _rank(button: JdmaButton, registered: str | None) -> int:
    # Which button speaks for the service: the registered product first, then the most
    # precisely identified one.
    if same_id(button.product_id, registered):
        return 0
    if button.product_id:
        return 1
    if button.form_id:
        return 2
    if button.legacy_id:
        return 3
    return 4


def _ids_text(button: JdmaButton) -> str:
    if button.product_id:
        return f"la démarche n° {button.product_id}"
    if button.form_id:
        return f"le formulaire n° {button.form_id} (identifiant de formulaire, pas de démarche)"
    if button.legacy_id:
        return (f"un lien à l’ancien format (n° {button.legacy_id}, ancien identifiant, "
                "pas celui de la démarche)")
    return "une adresse qui ne donne pas l’identifiant de la démarche"


def _message(primary: JdmaButton, registered: str | None, matches: bool | None,
             others: list[str]) -> str:
    where = (f"Le bouton « Je donne mon avis » est présent sur {primary.page_url} "
             f"({STYLE_LABELS[primary.style]})")
    if matches is True:
        return (f"{where} et renvoie vers la démarche n° {primary.product_id} enregistrée "
                "pour ce service.")
    if matches is False:
        found = ", ".join(f"n° {i}" for i in others)
        return (f"{where}, mais il renvoie vers une autre démarche ({found}) que celle "
                f"enregistrée pour ce service (n° {registered}) : les avis ne sont pas "
                "rattachés à ce service. Corriger le lien du bouton ou l’identifiant enregistré.")
    if registered is None:
        return (f"{where} ; il renvoie vers {_ids_text(primary)}. Aucun identifiant JDMA "
                "n’est enregistré pour ce service : le rattachement n’a pas été vérifié.")
    return (f"{where} ; il renvoie vers {_ids_text(primary)}, ce qui ne permet pas de vérifier "
            f"qu’il s’agit de la démarche n° {registered} enregistrée pour ce service.")


def _evidence(inputs: ServiceCaptures, buttons: list[JdmaButton]) -> list[Evidence]:
    by_id = {c.id: c for c in inputs.captures}
    out = []
    for button in buttons[:MAX_BUTTONS_AS_EVIDENCE]:
        capture = by_id.get(button.capture_id)
        snippet = element_html(capture, button.selector) if capture else None
        if snippet is None and button.style == "modal" and button.url:
            snippet = f'<script src="{button.url}">'
        out.append(Evidence(
            kind="node", url=button.page_url, selector=button.selector,
            snippet=snippet or button.url,
            extra={"style": button.style, "target": button.url, "viewport": button.viewport},
        ))
    return out


def _empty_data(registered: str | None, pages: list[str]) -> dict[str, Any]:
    return {"present": False, "style": None, "host": None, "product_id": None,
            "button_id": None, "legacy_id": None, "form_id": None, "page_url": None,
            "registered_id": registered, "id_matches": None, "buttons": [],
            "pages_searched": pages}


@check(
    "jdma-button",
    version=1,
    title="Bouton « Je donne mon avis »",
    scope="service",
    references=("VDNE:satisfaction",),
    data_keys={
        "present": "true when a JDMA button was found on an examined page",
        "style": "how the chosen button is integrated: image_link, text_link, modal or iframe",
        "host": "JDMA host the chosen button points to (jedonnemonavis, voxusagers, monavis)",
        "product_id": "JDMA product (démarche) id from a /Demarches/<id>?button= link",
        "button_id": "JDMA button id (the button= parameter)",
        "legacy_id": "number of an old /Demarches/<id>?…&nd_source=…&key=… link (a legacy id, "
                     "not the product id)",
        "form_id": "JDMA form id from a /Demarches/avis/<id>?button= link",
        "page_url": "page where the chosen button was found",
        "registered_id": "the service's registered JDMA id (ServiceInfo.jdma_id), or null",
        "id_matches": "true: a button points to the registered product; false: buttons name "
                      "other products only (outcome fail); null: not comparable",
        "buttons": "every button found: style, host, product_id, button_id, legacy_id, "
                   "form_id, page_url, url, selector, viewport",
        "pages_searched": "URLs of the pages examined (both viewports, once each)",
    },
)
def jdma_button_check(inputs: ServiceCaptures) -> Iterator[Finding]:
    registered = _registered_id(inputs.service.jdma_id)
    examined = [c for c in inputs.ok() if isinstance(c.collector, dict)]
    corrupt = [c for c in inputs.ok() if c.collector is not None
               and not isinstance(c.collector, dict)]
    if not examined and corrupt:
        yield _corrupt(registered, corrupt)
        return
    pages = list(dict.fromkeys(c.url for c in examined))
    buttons: list[JdmaButton] = []
    seen: set[tuple[str, str | None, str | None]] = set()
    for capture in examined:
        for button in find_buttons(capture):
            key = (button.page_url, button.url, button.selector)  # same page in two viewports
            if key not in seen:
                seen.add(key)
                buttons.append(button)
    if not buttons:
        yield _not_found(registered, pages)
        return
    buttons.sort(key=lambda b: _rank(b, registered))  # stable: page order kept within a rank
    primary = buttons[0]
    matches: bool | None = None
    if registered is not None and primary.product_id:
        matches = same_id(primary.product_id, registered)
    others = list(dict.fromkeys(b.product_id for b in buttons if b.product_id))
    data = _empty_data(registered, pages) | {
        "present": True, "style": primary.style, "host": primary.host,
        "product_id": primary.product_id, "button_id": primary.button_id,
        "legacy_id": primary.legacy_id, "form_id": primary.form_id,
        "page_url": primary.page_url, "id_matches": matches,
        "buttons": [b.as_data() for b in buttons],
    }
    yield Finding(
        outcome=Outcome.fail if matches is False else Outcome.passed,
        severity="moderate" if matches is False else None,
        message=_message(primary, registered, matches, others),
        data=data,
        evidence=_evidence(inputs, buttons),
        page_capture_id=primary.capture_id,
    )


def _not_found(registered: str | None, pages: list[str]) -> Finding:
    if not pages:
        message = ("Aucune page n’a pu être examinée : la présence du bouton « Je donne mon "
                   "avis » est à vérifier manuellement.")
    else:
        message = (f"Bouton « Je donne mon avis » non trouvé sur les {len(pages)} page(s) "
                   "publique(s) examinée(s) ; il est souvent proposé après connexion ou à la "
                   "fin de la démarche : à vérifier manuellement.")
    return Finding(
        outcome=Outcome.needs_review, message=message, data=_empty_data(registered, pages),
        evidence=[Evidence(kind="url", url=url) for url in pages],
    )


def _corrupt(registered: str | None, corrupt: list[CaptureView]) -> Finding:
    return Finding(
        outcome=Outcome.error,
        message="Les données collectées sur les pages sont illisibles : le bouton « Je donne "
                "mon avis » n’a pas pu être recherché.",
        data=_empty_data(registered, []),
        evidence=[Evidence(kind="url", url=c.url) for c in corrupt],
        page_capture_id=corrupt[0].id,
    )
