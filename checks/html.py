"""Reading collector data and stored HTML safely: the helpers several checks need.

Collector data comes from hostile pages: every list is filtered to the type expected. A link
or button shown as code (documentation quoting markup) is never the real element.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from checks.inputs import CaptureView
from core.text import normalise_text

MAX_SNIPPET = 600
_Item = TypeVar("_Item")
_CSS_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
MAX_PATH_PARTS = 12  # as the collector's cssPath
# A collector CSS path that goes through a code element.
IN_CODE = re.compile(r"(?:^|> )(?:pre|code|samp|xmp|kbd)(?::nth-of-type\(\d+\))?(?: >|$)")


@lru_cache(maxsize=4)
def _tree(html: str) -> Any:
    # lxml comes with Scrapy (parsel); only evidence snippets need it. Parsed once per page.
    import lxml.html

    return lxml.html.document_fromstring(html)


def element_html(capture: CaptureView, selector: str | None,
                 max_chars: int = MAX_SNIPPET) -> str | None:
    """The stored HTML of the element at ``selector`` (a collector CSS path), or None."""
    if not selector:
        return None
    try:
        html = capture.html
        if not html:
            return None
        found = _tree(html).cssselect(selector)
        if not found:
            return None
        import lxml.html

        text = lxml.html.tostring(found[0], encoding="unicode", with_tail=False)
    except Exception:  # evidence is a bonus: a selector or page lxml cannot read is no fault
        return None
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def dicts(value: list[_Item] | None) -> list[_Item]:
    """The objects of a collector list (a corrupt artifact may hold anything else)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def quoted_as_code(element: Mapping[str, Any], code_texts: list[str]) -> bool:
    """A collector link or button shown as code: inside <pre>/<code>, or whose whole text is
    quoted code (``code_texts`` normalised). Documentation may linkify a URL: not a button."""
    if IN_CODE.search(str(element.get("selector") or "")):
        return True
    text = normalise_text(str(element.get("text") or ""))
    return bool(text) and not strings(element.get("img_srcs")) and any(
        text in code for code in code_texts)


@dataclass(frozen=True)
class HtmlElement:
    """An element of the stored HTML, with the CSS path the collector would give it."""

    tag: str
    attributes: dict[str, str]
    selector: str
    clickable: str | None  # the CSS path of the link or button it is in, if any
    clickable_tag: str | None  # "a" or "button"


def html_elements(capture: CaptureView, xpath: str, *, hints: tuple[str, ...] = ()
                  ) -> list[HtmlElement]:
    """Elements of the stored HTML the collector does not list (an image input, an image's
    title). ``hints``: lowercase strings one of which the page must contain, to skip parsing
    the others."""
    try:
        html = capture.html
        if not html:
            return []
        if hints:
            low = html.lower()
            if not any(h in low for h in hints):
                return []
        tree = _tree(html)
        found = tree.xpath(xpath)
    except Exception:  # a page lxml cannot read gives nothing, as a corrupt collector does
        return []
    out = []
    for el in found:
        if not isinstance(getattr(el, "tag", None), str):
            continue
        around = next(iter(el.iterancestors("a", "button")), None)
        out.append(HtmlElement(el.tag, {str(k): str(v) for k, v in el.attrib.items()},
                               css_path(tree, el),
                               css_path(tree, around) if around is not None else None,
                               around.tag if around is not None else None))
    return out


def css_path(tree: Any, element: Any) -> str:
    """The collector's ``cssPath`` (crawler/assets/collector.js) for an lxml element: a unique
    id ends the path, else the tag with ``:nth-of-type`` among same-tag siblings."""
    parts: list[str] = []
    while element is not None and isinstance(element.tag, str) and len(parts) < MAX_PATH_PARTS:
        ident = element.get("id")
        if ident and _CSS_ID.fullmatch(ident) and tree.xpath("count(//*[@id=$i])", i=ident) == 1:
            parts.insert(0, "#" + ident)
            break
        part = element.tag.lower()
        parent = element.getparent()
        if parent is not None:
            same = [c for c in parent if c.tag == element.tag]
            if len(same) > 1:
                part += f":nth-of-type({same.index(element) + 1})"
        parts.insert(0, part)
        element = parent
    return " > ".join(parts)
