"""Which URLs Vigie may visit: http(s) only, and no private or loopback hosts unless allowed."""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache
from urllib.parse import urlsplit

from core.errors import BlockedByPolicy

ALLOWED_SCHEMES = ("http", "https")


class PolicyViolation(BlockedByPolicy):
    """The URL is refused by the visiting policy; the message says why (shown to users)."""


@lru_cache(maxsize=4096)
def _resolve(host: str) -> tuple[str, ...]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror:
        return ()
    return tuple(sorted({str(info[4][0]) for info in infos}))


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    return not ip.is_global


def check_url(url: str, *, allow_private: bool) -> None:
    """Raise PolicyViolation when the URL must not be visited."""
    parts = urlsplit(url)
    if parts.scheme not in ALLOWED_SCHEMES:
        raise PolicyViolation(f"scheme {parts.scheme!r} is not allowed (http and https only)")
    host = parts.hostname
    if not host:
        raise PolicyViolation("URL has no host")
    if allow_private:
        return
    try:
        addresses: tuple[str, ...] = (str(ipaddress.ip_address(host)),)
    except ValueError:
        if host == "localhost" or host.endswith(".localhost"):
            raise PolicyViolation(f"host {host!r} is loopback (use --allow-private)") from None
        addresses = _resolve(host)
    for address in addresses:
        if _is_private(address):
            raise PolicyViolation(
                f"host {host!r} resolves to non-public address {address} (use --allow-private)"
            )


def is_allowed(url: str, *, allow_private: bool) -> bool:
    try:
        check_url(url, allow_private=allow_private)
    except PolicyViolation:
        return False
    return True
