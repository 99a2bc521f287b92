"""``human-alternative``: a non-digital way to reach the service (phone, desk), as the
government asks of every essential online procedure.

One finding per service scan, from the public pages captured (contact/help page first). Phone
numbers are read with ``phonenumbers`` (region FR), short numbers (3939, « 39 49 ») checked
against its short-number data. Contact means that belong to somebody else
(``checks.third_party``: the Défenseur des droits and the « Voies de recours » of a
declaration, legal notices, social networks, search engines and placeholder links, other
organisations' sites) never count for the service: they stay in ``data``, marked. Nothing
found on public pages is never a ``fail``: the alternative may be given after login or by mail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType, shortnumberinfo

from checks.inputs import CaptureView, ServiceCaptures
from checks.model import Evidence, Finding, Outcome
from checks.pagetext import MAX_SNIPPET, PageText, examined_pages, is_declaration_page, page_text
from checks.registry import check
from checks.third_party import (
    DEFENSEUR,
    OTHER_SITE,
    OWN_CONTACT_LABEL,
    PLACEHOLDER,
    known_third_party,
    line_owner,
    organisation,
    placeholder_label,
    third_party_owners,
)
from core.text import normalise_text

REGION = "FR"
DEFENSEUR_DES_DROITS = "+33969390000"  # 09 69 39 00 00
THIRD_PARTY_NUMBERS = {DEFENSEUR_DES_DROITS: DEFENSEUR}
OWN_SITE_KINDS = ("start", "extra")  # the pages the service list names: the service's own site
_KINDS = {
    PhoneNumberType.FIXED_LINE: "fixed_line", PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free", PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost", PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal_number", PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan", PhoneNumberType.VOICEMAIL: "voicemail",
}
_FAX = re.compile(r"(?:fax|telecopie|telecopieur)\W{0,5}$")
# A 4-digit short number (3939, « 39 49 », 3646) not inside a longer digit run, an amount or %.
_SHORT = re.compile(
    r"(?<![\d,.])(?<!\d )([13]\d) ?(\d{2})(?!\d)(?! ?[\d,.]\d)(?! ?(?:%|€|euros?\b))")
# A bare 4-digit number is a phone number only after words about calling (« appelez le 3939 »),
# or alone on its line: « plus de 3000 usagers nous ont contactés » is not one.
_CALL_WORDS = re.compile(
    r"appel|compos|telephon|\btel\b|numero|joindre|contacte|allo|service gratuit|☎|📞")
_CONTACT_TEXT = re.compile(
    r"\bcontact|nous (?:contacter|ecrire|joindre)|besoin d.aide|\baide\b|\bassistance\b")
_CONTACT_TITLE = re.compile(r"\bcontact|nous (?:contacter|ecrire|joindre|rencontrer)|besoin d.aide")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MESSAGE_FIELD = re.compile(r"message|demande|question|commentaire|objet")
_DIGITAL_HOURS = re.compile(r"chat|tchat|messagerie|courriel|e-?mail|formulaire|en ligne|24 ?h")
_WEEKDAY = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
_HOUR = r"\d{1,2} ?h(?: ?\d{2})?"
DESK_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("address", re.compile(
        r"\b\d{1,4}(?: ?(?:bis|ter))?,? (?:rue|avenue|av\.?|boulevard|bd|place|quai|chemin|"
        r"allee|route|impasse|cours|square|esplanade|parvis|rond-point)\b.{0,80}?"
        r"(?<!\d)(?:0[1-9]|[1-8]\d|9[0-8])\d{3}(?!\d) [a-z]"
        r"|(?<!\d)(?:0[1-9]|[1-8]\d|9[0-8])\d{3}(?!\d) [a-z][a-z' -]{1,40} cedex\b")),
    ("hours", re.compile(
        rf"\bdu {_WEEKDAY} au {_WEEKDAY}\b|\b{_WEEKDAY}s? (?:de |: ?)?{_HOUR} ?(?:a|-) ?{_HOUR}"
        rf"|horaires? d.ouverture|\bde {_HOUR} a {_HOUR}")),
    ("guichet", re.compile(
        r"\bguichets?\b(?! (?:unique|numerique|en ligne|virtuel))")),
    ("accueil", re.compile(
        r"\baccueil (?:physique|du public|des usagers|sans rendez-vous|sur rendez-vous)"
        r"|\ba l.accueil\b|\bpoints? d.accueil\b|\b(?:vous|nous) accueill|accueille (?:le|du) "
        r"public")),
    ("rendez_vous", re.compile(
        r"\bsur rendez-vous\b|\bsans rendez-vous\b|\bprendre (?:un )?rendez-vous\b"
        r"|\bprise de rendez-vous\b")),
    ("france_services", re.compile(r"\bfrance services?\b")),
)


DESK_FR = {"address": "adresse postale", "hours": "horaires d’ouverture", "guichet": "guichet",
           "accueil": "accueil du public", "rendez_vous": "rendez-vous",
           "france_services": "France services"}


@dataclass
class Phone:
    number: str  # E.164, or the short number as dialled
    kind: str
    page: str
    own: bool
    snippet: str
    capture_id: int
    third_party: str | None = None

    def shown(self) -> str:
        """The number as a French reader writes it (01 23 45 67 89), for messages."""
        if self.kind == "short":
            return self.number
        return phonenumbers.format_number(phonenumbers.parse(self.number, REGION),
                                          PhoneNumberFormat.NATIONAL)

    def as_data(self) -> dict[str, Any]:
        return {"number": self.number, "kind": self.kind, "page": self.page, "own": self.own,
                "third_party": self.third_party}


def _kind(number: phonenumbers.PhoneNumber) -> str:
    return _KINDS.get(phonenumbers.number_type(number), "unknown")


def _short_numbers(line: str) -> Iterator[str]:
    alone = re.fullmatch(r"[\d ]{4,5}", line.strip()) is not None
    for m in _SHORT.finditer(line):
        if not alone and not _CALL_WORDS.search(line[:m.start()]):
            continue
        digits = m.group(1) + m.group(2)
        parsed = phonenumbers.parse(digits, REGION)
        if shortnumberinfo.is_valid_short_number_for_region(parsed, REGION):
            yield digits


def _line_numbers(line: str) -> Iterator[tuple[str, str]]:
    """(number, kind) for each phone number on a normalised line, fax numbers left out."""
    rest = line
    for match in phonenumbers.PhoneNumberMatcher(line, REGION):
        rest = rest.replace(match.raw_string, " " * len(match.raw_string))
        if _FAX.search(line[:match.start]):
            continue
        yield phonenumbers.format_number(match.number, PhoneNumberFormat.E164), _kind(
            match.number)
    for digits in _short_numbers(rest):
        yield digits, "short"


def _tel_link(href: str) -> tuple[str, str] | None:
    raw = href.removeprefix("tel:").strip()
    digits = re.sub(r"[^\d+]", "", raw)
    try:
        parsed = phonenumbers.parse(raw, REGION)
    except phonenumbers.NumberParseException:
        return None
    if len(digits) == 4 and shortnumberinfo.is_valid_short_number_for_region(parsed, REGION):
        return digits, "short"
    if phonenumbers.is_valid_number(parsed):
        return phonenumbers.format_number(parsed, PhoneNumberFormat.E164), _kind(parsed)
    return None


def _phones_on(page: PageText, third: dict[int, str]) -> Iterator[Phone]:
    for i, line in enumerate(page.norm):
        for number, kind in _line_numbers(line):
            owner = THIRD_PARTY_NUMBERS.get(number) or third.get(i)
            yield Phone(number, kind, page.url, owner is None, page.snippet(i), page.capture.id,
                        owner)
    for link in (page.capture.collector or {}).get("links") or []:
        href = str(link.get("href") or "") if isinstance(link, dict) else ""
        found = _tel_link(href) if href.startswith("tel:") else None
        if found:
            owner = THIRD_PARTY_NUMBERS.get(found[0]) or line_owner(
                page, third, str(link.get("text") or ""))
            yield Phone(found[0], found[1], page.url, owner is None,
                        str(link.get("text") or href)[:MAX_SNIPPET], page.capture.id, owner)


def _merge(phones: list[Phone]) -> list[Phone]:
    """One entry per number; own wherever it is once offered as the service's own."""
    by_number: dict[str, Phone] = {}
    for phone in phones:
        kept = by_number.get(phone.number)
        if kept is None or (phone.own and not kept.own):
            by_number[phone.number] = phone
    return list(by_number.values())


def _hours_of_something_else(line: str) -> bool:
    """Hours given for a phone line, a chat or an online service are not a desk's."""
    return bool(_DIGITAL_HOURS.search(line) or _CALL_WORDS.search(line)
                or phonenumbers.PhoneNumberMatcher(line, REGION).has_next())


def _desk_on(page: PageText, third: dict[int, str]) -> Iterator[dict[str, Any]]:
    """Desk evidence, each with ``third_party``: None for the service's own."""
    for i, line in enumerate(page.norm):
        for kind, pattern in DESK_PATTERNS:
            if pattern.search(line) and not (kind == "hours" and _hours_of_something_else(line)):
                yield {"kind": kind, "page": page.url, "snippet": page.snippet(i),
                       "capture_id": page.capture.id, "third_party": third.get(i)}


def _emails_on(page: PageText, third: dict[int, str]) -> Iterator[dict[str, Any]]:
    """E-mail addresses, each with ``third_party``: None for the service's own."""
    for i, line in enumerate(page.norm):
        for address in _EMAIL.findall(line):
            yield {"address": address.lower(), "page": page.url,
                   "third_party": known_third_party(address) or third.get(i)}
    for link in (page.capture.collector or {}).get("links") or []:
        href = str(link.get("href") or "") if isinstance(link, dict) else ""
        if href.lower().startswith("mailto:"):
            address = href[7:].split("?")[0].strip().lower()
            if address:
                yield {"address": address, "page": page.url,
                       "third_party": known_third_party(href) or line_owner(
                           page, third, str(link.get("text") or ""))}


def is_contact_page(capture: CaptureView) -> bool:
    if capture.page_kind == "contact":
        return True
    collector = capture.collector or {}
    titles = [capture.title or ""] + [str(h.get("text") or "") for h in
                                      collector.get("headings") or []
                                      if isinstance(h, dict) and h.get("level") == 1]
    return any(_CONTACT_TITLE.search(normalise_text(t)) for t in titles)


def _contact_links(pages: list[PageText], thirds: dict[str, dict[int, str]],
                   own_sites: set[str], foreign: set[str]) -> Iterator[dict[str, Any]]:
    """Links to a contact or help page, each with ``third_party`` (None: the service's own).

    A link is the service's own when it is on one of the service's organisations (registrable
    domain), or on another domain but labelled as the site's own (« Nous contacter »). Links to
    the Défenseur des droits are kept whatever their label (« Écrire un message au … »). Every
    link of a ``foreign`` page (another organisation's, not presented as the service's) is
    that organisation's."""
    for page in pages:
        site = organisation(page.url)
        for link in (page.capture.collector or {}).get("links") or []:
            if not isinstance(link, dict):
                continue
            href = str(link.get("href") or "")
            text = str(link.get("text") or "")
            label = normalise_text(" ".join(str(link.get(k) or "")
                                            for k in ("text", "aria_label", "title")))
            known = known_third_party(href)
            if not href.startswith("http") or not (
                    _CONTACT_TEXT.search(label) or known == DEFENSEUR):
                continue
            owner = known or (PLACEHOLDER if placeholder_label(text) else None) or (
                f"{OTHER_SITE} ({site})" if page.url in foreign else None) or line_owner(
                page, thirds[page.url], text)
            if owner is None and organisation(href) not in own_sites | {site} \
                    and not OWN_CONTACT_LABEL.search(label):
                owner = f"{OTHER_SITE} ({organisation(href)})"
            yield {"means": "contact_page", "value": href, "page": page.url,
                   "label": text.strip()[:MAX_SNIPPET], "third_party": owner}


def _own_sites(inputs: ServiceCaptures) -> set[str]:
    urls = [inputs.service.start_url] + [c.url for c in inputs.captures
                                         if c.page_kind in OWN_SITE_KINDS]
    return {organisation(u) for u in urls if u}


def _foreign_pages(pages: list[PageText], thirds: dict[str, dict[int, str]],
                   own_sites: set[str]) -> set[str]:
    """URLs of the captured pages of another organisation that no own page presents as the
    service's contact (an own link to them): all they say is that organisation's."""
    off_site = {p.url for p in pages if organisation(p.url) not in own_sites}
    if not off_site:
        return set()
    own_links = [link["value"].split("#")[0] for link in _contact_links(
        [p for p in pages if p.url not in off_site], thirds, own_sites, set())
        if link["third_party"] is None]
    return {url for url in off_site if url not in own_links}


def _form_on(page: PageText) -> dict[str, Any] | None:
    """A form with a free-text message field: the service can be written to from this page."""
    for form in (page.capture.collector or {}).get("forms") or []:
        if not isinstance(form, dict):
            continue
        for f in form.get("fields") or []:
            if not isinstance(f, dict):
                continue
            names = normalise_text(" ".join(str(f.get(k) or "") for k in
                                            ("name", "id", "label", "placeholder")))
            if f.get("tag") == "textarea" or (
                    f.get("tag") == "input" and _MESSAGE_FIELD.search(names)
                    and f.get("type") not in ("search", "hidden")):
                return {"url": page.url, "selector": form.get("selector"),
                        "action": form.get("action")}
    return None


@check(
    "human-alternative",
    version=2,
    title="Alternative non numérique : téléphone ou accueil physique",
    scope="service",
    references=("VDNE:contact",),
    data_keys={
        "contact_url": "contact/help page examined, else the href of a link labelled contact "
                       "/ aide / nous contacter; null if none",
        "phones": "one entry per number: number (E.164, or the short number as dialled), kind "
                  "(fixed_line, mobile, toll_free, shared_cost, premium_rate, voip, uan, short…), "
                  "page (URL), own (false for a third party's), third_party (whose)",
        "desk": "desk evidence: kind (address, hours, guichet, accueil, rendez_vous, "
                "france_services), page, snippet",
        "email": "the service's e-mail addresses (mailto: links and addresses in text), with "
                 "page",
        "third_party_contacts": "contact means quoted for somebody else, never counted: means "
                                "(contact_page, email, desk), value (URL, address or "
                                "snippet), page, third_party (whose), and label (links) or "
                                "kind (desk)",
        "form": "contact form on a contact page (url, selector, action), null if none",
        "pages_searched": "URLs of the pages examined",
    },
)
def human_alternative_check(inputs: ServiceCaptures) -> Iterator[Finding]:
    captures = examined_pages(inputs)
    pages = [page_text(c) for c in captures]
    own_sites = _own_sites(inputs)
    thirds = {p.url: third_party_owners(p, declaration=is_declaration_page(p.capture),
                                        legal=p.capture.page_kind == "legal") for p in pages}
    foreign = _foreign_pages(pages, thirds, own_sites)
    for page in pages:
        if page.url in foreign:
            thirds[page.url] = dict.fromkeys(range(len(page.norm)),
                                             f"{OTHER_SITE} ({organisation(page.url)})")
    phones: list[Phone] = []
    desk: list[dict[str, Any]] = []
    emails: list[dict[str, Any]] = []
    for page in pages:
        phones += _phones_on(page, thirds[page.url])
        desk += _desk_on(page, thirds[page.url])
        emails += _emails_on(page, thirds[page.url])
    links = list(_contact_links(pages, thirds, own_sites, foreign))
    contact_pages = [p for p in pages if is_contact_page(p.capture) and p.url not in foreign]
    form = next((f for p in contact_pages if (f := _form_on(p))), None)
    phones = _merge(phones)
    own_desk = [d for d in desk if d["third_party"] is None]
    third_party = [{"means": "contact_page", "value": p.url, "page": p.url, "label": "",
                    "third_party": f"{OTHER_SITE} ({organisation(p.url)})"}
                   for p in pages if is_contact_page(p.capture) and p not in contact_pages]
    third_party += _unique([link for link in links if link["third_party"]], "value")
    third_party += _unique([{"means": "email", "value": e["address"], "page": e["page"],
                             "third_party": e["third_party"]} for e in emails
                            if e["third_party"]], "value")
    third_party += [{"means": "desk", "kind": d["kind"], "value": d["snippet"],
                     "page": d["page"], "third_party": d["third_party"]}
                    for d in desk if d["third_party"]]
    own_links = [link["value"] for link in links if link["third_party"] is None]
    data: dict[str, Any] = {
        "contact_url": contact_pages[0].url if contact_pages else next(iter(own_links), None),
        "phones": [p.as_data() for p in phones],
        "desk": [{k: d[k] for k in ("kind", "page", "snippet")} for d in own_desk],
        "email": _unique([{"address": e["address"], "page": e["page"]} for e in emails
                          if not e["third_party"]], "address"),
        "form": form, "pages_searched": [p.url for p in pages],
        "third_party_contacts": third_party,
    }
    yield _judge(pages, phones, own_desk, data, contact_pages)


def _unique(items: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """The first item for each value of ``key``, in order."""
    return list({item[key]: item for item in reversed(items)}.values())[::-1]


def _judge(pages: list[PageText], phones: list[Phone], desk: list[dict[str, Any]],
           data: dict[str, Any], contact_pages: list[PageText]) -> Finding:
    searched = [Evidence(kind="url", url=p.url) for p in pages]
    if not pages:
        return Finding(outcome=Outcome.needs_review, data=data,
                       message="Aucune page du service n’a pu être examinée : alternative non "
                               "numérique non vérifiée")
    own = [p for p in phones if p.own]
    evidence = [Evidence(kind="text", url=p.page, snippet=p.snippet,
                         extra={"number": p.number, "kind": p.kind, "own": p.own})
                for p in phones]
    evidence += [Evidence(kind="text", url=d["page"], snippet=d["snippet"],
                          extra={"desk": d["kind"]}) for d in desk]
    if own or desk:
        found = []
        if own:
            found.append("téléphone " + ", ".join(p.shown() for p in own))
        if desk:
            found.append("accueil physique : " + ", ".join(
                dict.fromkeys(DESK_FR[str(d["kind"])] for d in desk)))
        proof_id = own[0].capture_id if own else desk[0]["capture_id"]
        return Finding(outcome=Outcome.passed, data=data, evidence=evidence,
                       page_capture_id=proof_id,
                       message="Alternative non numérique trouvée : " + " ; ".join(found))
    written = []
    if data["email"]:
        written.append("courriel " + ", ".join(e["address"] for e in data["email"]))
    if data["form"]:
        written.append("formulaire de contact")
    third = [p for p in phones if not p.own]
    tail = (f" (numéros d’un tiers écartés : {', '.join(p.shown() for p in third)})"
            if third else "")
    others = list(dict.fromkeys(t["third_party"] for t in data["third_party_contacts"]))
    if others:
        tail += f" (coordonnées d’un tiers écartées : {', '.join(others)})"
    if data["form"]:
        evidence.append(Evidence(kind="node", url=data["form"]["url"],
                                 selector=data["form"]["selector"]))
    message = ("Seul un contact écrit est proposé sur les pages publiques (" + " ; ".join(written)
               + ") : aucun téléphone ni accueil physique trouvé") if written else (
        "Aucun téléphone, accueil physique ni autre moyen de contact trouvé sur les pages "
        "publiques examinées")
    return Finding(outcome=Outcome.needs_review, data=data, evidence=evidence + searched,
                   page_capture_id=contact_pages[0].capture.id if contact_pages else None,
                   message=message + tail + " ; à vérifier (l’alternative peut être donnée "
                   "après connexion ou par courrier)")
