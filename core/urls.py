"""URL helpers shared by the service list, the crawler, the checks and the visiting
policy, with no network and no judgement."""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

import idna

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


# Code points WHATWG's URL standard forbids in a domain (after percent-decoding and IDNA).
_FORBIDDEN = set("\x00\t\n\r #/:<>?@[\\]^|%\x7f") | {chr(c) for c in range(0x20)}


def browser_host(host: str) -> str:
    """The host a browser connects to for this URL host, as Chromium and the WHATWG URL standard
    read it: percent-decoded, IDNA-mapped (UTS 46) and lowercased, IPv4 in any spelling
    (``127.1``, ``2130706433``, ``0x7f000001``, ``0177.0.0.1``) rewritten dotted, IPv6 compressed,
    the trailing dot of a fully qualified name dropped. Raises ``ValueError`` for a host the
    browser would refuse, so that a policy never judges a different host than the one fetched.
    """
    if not host:
        raise ValueError("empty host")
    if ":" in host or host.startswith("["):  # IPv6 literal (urlsplit drops the brackets)
        literal = host.removeprefix("[").removesuffix("]")
        if "%" in literal:
            raise ValueError(f"IPv6 zone identifiers are not valid in URLs: {host!r}")
        return ipaddress.IPv6Address(literal).compressed
    try:
        decoded = unquote_to_bytes(host).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"host {host!r} is not UTF-8 once percent-decoded") from exc
    mapped = idna.uts46_remap(decoded, std3_rules=False, transitional=False)
    labels = [label if label.isascii() else idna.alabel(label).decode("ascii")
              for label in mapped.split(".")]
    ascii_host = ".".join(labels).lower()
    if not ascii_host.strip(".") or any(ch in _FORBIDDEN for ch in ascii_host):
        raise ValueError(f"host {host!r} has characters a browser refuses")
    if _ends_in_number(ascii_host):
        return str(_parse_ipv4(ascii_host))
    return ascii_host.rstrip(".")


def _ends_in_number(host: str) -> bool:
    labels = host.split(".")
    if labels[-1] == "" and len(labels) > 1:
        labels.pop()
    last = labels[-1]
    if last.isdigit():
        return True
    return last.lower().startswith("0x") and all(c in "0123456789abcdef" for c in last[2:])


def _ipv4_number(part: str) -> int:
    if part.lower().startswith("0x"):
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part[1:], 8)
    if not part.isdigit():
        raise ValueError(f"{part!r} is not a number")
    return int(part)


def _parse_ipv4(host: str) -> ipaddress.IPv4Address:
    """WHATWG's IPv4 parser: one to four parts, each decimal, octal (leading 0) or hex (0x);
    the last part fills the remaining bytes."""
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if len(parts) > 4 or "" in parts:
        raise ValueError(f"{host!r} is not a valid IPv4 address")
    numbers = [_ipv4_number(part) for part in parts]
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise ValueError(f"{host!r} is not a valid IPv4 address")
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)
