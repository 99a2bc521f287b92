"""URL helpers shared by the checks, with no network and no judgement."""

from __future__ import annotations

from urllib.parse import urlsplit


def host_of(url: str) -> str:
    """The URL's host name, lowercase, without the trailing dot of a fully qualified name
    (``https://WWW.Example.fr./a`` → ``www.example.fr``); "" when there is none or the URL is
    malformed (hrefs come from hostile pages)."""
    try:
        return (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""
