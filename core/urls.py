"""URL helpers shared by the service list, the crawler and the checks, with no network."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

# Longer URLs are refused in a service list and not followed when found on a page: browsers and
# servers stop at a few thousand characters, and such a URL is junk or an attack.
MAX_URL_LENGTH = 2000

# ``scheme://userinfo@`` (or ``//userinfo@`` opening a scheme-relative href). The userinfo ends
# where browsers end the authority: at ``/ ? # \`` or at whitespace or a quote (URLs inside text
# or HTML snippets); it is greedy up to its last ``@`` because a password may hold one.
_CREDENTIALS = re.compile(r"(?i)((?:\b[a-z][a-z0-9+.-]*:|^)//)[^\s/?#\\\"'<>]*@")


def host_of(url: str) -> str:
    """The URL's host name, lowercase, without the trailing dot of a fully qualified name
    (``https://WWW.Example.fr./a`` → ``www.example.fr``); "" when there is none or the URL is
    malformed (hrefs come from hostile pages)."""
    try:
        return (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""


def has_credentials(url: str) -> bool:
    """Whether the URL (or a URL in the text) carries a user name or password."""
    return _CREDENTIALS.search(url) is not None


def drop_credentials(text: str) -> str:
    """The URL, or every URL in a text, without its ``user:password@`` part
    (``https://agent:s3cret@intranet.fr/`` → ``https://intranet.fr/``). Vigie never logs in:
    credentials met in a redirect or a link are not stored, nor shown."""
    return _CREDENTIALS.sub(r"\1", text) if "@" in text else text


def drop_credentials_in(value: Any) -> Any:
    """`drop_credentials` on every string of a JSON-like value (keys too), as a new value."""
    if isinstance(value, str):
        return drop_credentials(value)
    if isinstance(value, dict):
        return {drop_credentials_in(k): drop_credentials_in(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [drop_credentials_in(v) for v in value]
    return value
