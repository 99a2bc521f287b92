"""Whose contact is it: the contact means a service's pages quote for somebody else.

Every accessibility declaration ends with « Voies de recours »: the Défenseur des droits'
contact page, phone and postal address. Legal notices give the publisher's and host's details,
footers link to social networks, drafts to ``https://www.google.com/``. None of these is the
service's own desk, line or contact page. The rules here say whose a page line or a link is;
the checks keep third parties' means in their data, marked, and never count them.

Organisations are compared by registrable domain (``permisdeconduire.ants.gouv.fr`` and
``ants.gouv.fr`` are one; ``impots.gouv.fr`` and ``ants.gouv.fr`` are two, ``gouv.fr`` being a
public suffix), with ``tldextract`` and the public-suffix snapshot it ships: no network fetch.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from checks.pagetext import DDD, PageText
from core.text import normalise_text
from core.urls import host_of

if TYPE_CHECKING:
    import tldextract

DEFENSEUR = "Défenseur des droits"
RECOURSE = "Voies de recours"
LEGAL_NOTICE = "Mentions légales (éditeur, hébergeur)"
SOCIAL = "Réseau social"
SEARCH = "Moteur de recherche (lien provisoire)"
PLACEHOLDER = "Lien provisoire"
OTHER_SITE = "Autre site"

_DOMAINS = {
    "defenseurdesdroits.fr": DEFENSEUR, "antidiscriminations.fr": DEFENSEUR,
    **dict.fromkeys((
        "facebook.com", "fb.com", "fb.me", "twitter.com", "x.com", "t.co", "linkedin.com",
        "instagram.com", "youtube.com", "youtu.be", "tiktok.com", "threads.net", "bsky.app",
        "mastodon.social", "social.numerique.gouv.fr", "pinterest.com", "pinterest.fr",
        "dailymotion.com", "vimeo.com", "snapchat.com", "whatsapp.com", "wa.me", "t.me",
        "telegram.me", "flickr.com"), SOCIAL),
    **dict.fromkeys(("example.com", "example.org", "example.net", "example.fr", "localhost"),
                    PLACEHOLDER),
}
# Search engines under any suffix (google.fr, google.com): a draft's placeholder link.
_SEARCH_NAMES = frozenset({"google", "bing", "qwant", "duckduckgo", "yahoo", "ecosia", "lilo"})
# The Défenseur des droits' own postal details, wherever they are quoted: its free-reply
# address, its head office (7 rue Saint-Florentin, then 3 place de Fontenoy) and their CEDEX.
DDD_ADDRESS = re.compile(
    r"libre reponse 71120|\b7534[12] paris cedex 07\b|\b75334 paris cedex 07\b|"
    r"\btsa 90716\b|\b3,? place de fontenoy\b|\b7,? rue saint-florentin\b")
# A « Voies de recours » title, as a heading or a line of its own (« 5. Voies de recours : »).
_RECOURSE_TITLE = re.compile(r"^(?:[\divx]+[.)-]? ?)?voies? de recours\W*$")
_RECOURSE_HEADING = re.compile(r"voies? de recours|defenseur des droits")
DDD_FOLLOWING_LINES = 3  # on a declaration its postal address and phone follow its name
# The site speaking of itself: its own contact, even on another domain.
OWN_CONTACT_LABEL = re.compile(
    r"\bnous (?:contacter|ecrire|joindre)\b|\b(?:contactez|ecrivez|joignez)-nous\b|"
    r"\bcontacter (?:le service|l.equipe|le support|notre|nos)\b|\bnotre formulaire\b")
_PLACEHOLDER_LABEL = re.compile(r"^\[.*\]$|^(?:lien|url) (?:vers|du|de)\b")


@functools.cache
def _extract() -> tldextract.TLDExtract:
    # Imported on first use: tldextract pulls in requests, which processes that never read a
    # page (the CLI, the scheduler) need not load. suffix_list_urls=(): the snapshot bundled
    # with the pinned release, never the network.
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None,
                                 include_psl_private_domains=True)


def organisation(url_or_host: str) -> str:
    """The registrable domain of a URL or host (``ants.gouv.fr``); the host itself when it
    has no public suffix (an IP address, ``localhost``, a test host)."""
    host = host_of(url_or_host) if "/" in url_or_host else url_or_host.lower()
    host = host.removeprefix("www.")
    found = _extract()(host)
    return found.top_domain_under_public_suffix or host


def same_organisation(a: str, b: str) -> bool:
    return bool(a and b) and organisation(a) == organisation(b)


def known_third_party(href: str) -> str | None:
    """Whose a link or an e-mail address is, when it is a known third party's."""
    value = href.strip().lower()
    if value.startswith("mailto:"):
        host = value[7:].split("?", 1)[0].rsplit("@", 1)[-1]
    elif "@" in value and "/" not in value:
        host = value.rsplit("@", 1)[-1]
    else:
        try:
            host = urlsplit(value).hostname or ""
        except ValueError:
            return None
    if not host:
        return None
    host = host.removeprefix("www.")
    org = organisation(host)
    for name in (host, org):
        if name in _DOMAINS:
            return _DOMAINS[name]
    suffix = _extract()(host).suffix
    first = org.removesuffix("." + suffix).rsplit(".", 1)[-1] if suffix else org
    return SEARCH if first in _SEARCH_NAMES else None


def placeholder_label(label: str) -> bool:
    """« [lien vers le formulaire] », « lien vers la page contact »: a template not filled."""
    return bool(_PLACEHOLDER_LABEL.search(normalise_text(label)))


def third_party_owners(page: PageText, *, declaration: bool, legal: bool) -> dict[int, str]:
    """Whose each third party's line of a page is (line index → French name).

    Everywhere: a line naming the Défenseur des droits or giving its postal details, and the
    « Voies de recours » section (from its title, heading or not, to the next heading). On a
    declaration also the few lines after the Défenseur's name and a section titled with it. On
    a legal-notice page every line: the law requires the publisher's and host's details there,
    which are not a desk or a line for users.
    """
    if legal:
        return dict.fromkeys(range(len(page.norm)), LEGAL_NOTICE)
    out: dict[int, str] = {}
    in_recourse = False
    for i, line in enumerate(page.norm):
        heading = line in page.headings
        if heading or _RECOURSE_TITLE.match(line):
            in_recourse = bool(_RECOURSE_TITLE.match(line) or (
                declaration and heading and _RECOURSE_HEADING.search(line)))
        if in_recourse:
            out[i] = RECOURSE
        if DDD.search(line) or DDD_ADDRESS.search(line):
            out[i] = DEFENSEUR
            if declaration:
                for j in range(i + 1, min(i + 1 + DDD_FOLLOWING_LINES, len(page.norm))):
                    out.setdefault(j, DEFENSEUR)
    return out


def line_owner(page: PageText, owners: dict[int, str], text: str) -> str | None:
    """Whose the first line holding ``text`` (a link's text) is: None when it is the
    service's own line, or when no line holds it."""
    needle = normalise_text(text)
    if not needle:
        return None
    return next((owners.get(i) for i, line in enumerate(page.norm) if needle in line), None)
