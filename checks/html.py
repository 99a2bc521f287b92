"""Reading collector data and stored HTML safely: the helpers several checks need.

Collector data comes from hostile pages: every list is filtered to the type expected. A link
or button shown as code (documentation quoting markup) is never the real element.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, TypeVar

from checks.inputs import CaptureView
from core.text import normalise_text

MAX_SNIPPET = 600
_Item = TypeVar("_Item")
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
