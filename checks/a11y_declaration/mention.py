"""The « Accessibilité : … » mention on each page, and the links leading to the declaration.

Text is read normalised with :func:`core.text.normalise_text` (no accents, lowercase).
"""

from __future__ import annotations

import re
from typing import Any

from checks.pagetext import MAX_SNIPPET, PageText
from core.text import normalise_text

_MENTION = re.compile(
    r"accessibilite ?: ?(?:(totalement|partiellement)(?! ?/)(?:[ -]?conformes?)?"
    r"|(non)(?! ?/)(?:[ -]?conformes?|(?=\s*(?:$|[.,;:)|•·-]))))"
)
_PLACEHOLDER = re.compile(r"accessibilite ?: ?totalement ?/ ?partiellement ?/ ?non")
_ACCESSIBILITY_LINK = re.compile(r"^accessibilite\b|declaration d.? ?accessibilite")


def _mention_level(text: str) -> str | None:
    match = _MENTION.search(text)
    return (match.group(1) or match.group(2)) if match else None


def states_mention(text: str) -> bool:
    """Whether normalised ``text`` holds the mention (or its DSFR placeholder)."""
    return bool(_MENTION.search(text) or _PLACEHOLDER.search(text))


def mention_on_page(page: PageText) -> dict[str, Any]:
    """The level the page's mention states (None if none), whether it is the DSFR placeholder,
    and the link carrying it."""
    level, snippet = None, None
    for i, line in enumerate(page.norm):
        found = _mention_level(line)
        if found:
            level, snippet = found, page.snippet(i)
            break
    placeholder = any(_PLACEHOLDER.search(line) for line in page.norm)
    link = None
    for item in (page.capture.collector or {}).get("links") or []:
        if not isinstance(item, dict):
            continue
        text = normalise_text(str(item.get("text") or ""))
        if _mention_level(text) or _PLACEHOLDER.search(text):
            link = item
            if level is None and _mention_level(text):
                level, snippet = _mention_level(text), str(item.get("text"))[:MAX_SNIPPET]
            break
    return {"url": page.url, "level": level, "placeholder": placeholder,
            "link": str(link["href"]) if link and link.get("href") else None,
            "selector": link.get("selector") if link else None, "snippet": snippet}


def declaration_links(pages: list[PageText]) -> list[str]:
    """Hrefs of links that lead to an accessibility declaration (mention or « Accessibilité »)."""
    found: list[str] = []
    for page in pages:
        for item in (page.capture.collector or {}).get("links") or []:
            if not isinstance(item, dict) or not item.get("href"):
                continue
            text = normalise_text(" ".join(str(item.get(k) or "") for k in ("text", "title")))
            if (_ACCESSIBILITY_LINK.search(text) or _PLACEHOLDER.search(text)) \
                    and str(item["href"]).startswith("http") and item["href"] not in found:
                found.append(str(item["href"]))
    return found
