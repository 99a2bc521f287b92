"""Find a service's key pages among the links of its entry pages.

Key pages are the ones an observer of a public service needs beside its start page: contact /
help, the accessibility declaration, the legal notice and the site map (the RGAA sample pages).
Matching is on normalised link text, then on the URL path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urldefrag, urlsplit

from core.text import normalise_text
from core.urls import MAX_URL_LENGTH, drop_credentials

# Order matters: the first kind whose pattern matches wins.
KEY_PAGE_PATTERNS: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    (
        "accessibility",
        re.compile(r"\baccessibilite\b|declaration d.accessibilite|\brgaa\b"),
        re.compile(r"accessibilit|rgaa"),
    ),
    (
        "contact",
        re.compile(r"\bcontact|nous (contacter|ecrire)|\baide\b|\bassistance\b|besoin d.aide"),
        re.compile(r"contact|/aide\b|/help\b|assistance|support"),
    ),
    (
        "legal",
        re.compile(r"mentions? legales?|informations? legales?"),
        re.compile(r"mentions?-legales|legal"),
    ),
    ("sitemap", re.compile(r"plan du site"), re.compile(r"plan-du-site|sitemap")),
)


def canonical(url: str) -> str:
    """The URL without its fragment (two links to anchors of one page are one page) nor
    credentials (a page's ``user:password@`` link is not followed with them, nor stored)."""
    return drop_credentials(urldefrag(url)[0])


def same_site(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return a.scheme in ("http", "https") and a.hostname == b.hostname and a.port == b.port


def key_pages(links: Iterable[Mapping[str, Any]], base_url: str) -> list[tuple[str, str]]:
    """Return ``(kind, url)`` for each key page found, same site only, first link per URL."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for link in links:
        href = str(link.get("href") or "")
        if not href or len(href) > MAX_URL_LENGTH or not same_site(href, base_url):
            continue
        url = canonical(href)
        if url in seen or url == canonical(base_url):
            continue
        label = normalise_text(
            " ".join(str(link.get(k) or "") for k in ("text", "aria_label", "title"))
        )
        path = normalise_text(urlsplit(url).path)
        for kind, text_pattern, path_pattern in KEY_PAGE_PATTERNS:
            if text_pattern.search(label) or path_pattern.search(path):
                found.append((kind, url))
                seen.add(url)
                break
    return found
