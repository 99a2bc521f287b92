"""Which URLs and addresses Vigie may visit: http(s) only, and no private or loopback address
unless allowed (all of them with ``allow_private``, or the named ones of ``allowed_private``).

Hosts are judged as the browser reads them (``core.urls.browser_host``), and a name is judged by
every address it resolves to. ``EgressPolicy.decide`` is what the egress proxy asks before each
connection (crawler/egress.py): it resolves once and returns the address to connect to, so a
name cannot resolve to another address between the check and the connection.
"""

from __future__ import annotations

import enum
import ipaddress
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from core.errors import BadInput, BlockedByPolicy, Unreachable
from core.urls import browser_host

ALLOWED_SCHEMES = ("http", "https")
LOOPBACK_NAMES = ("127.0.0.1", "::1")  # what browsers resolve "localhost" to, without DNS

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str], tuple[str, ...]]


class PolicyViolation(BlockedByPolicy):
    """The URL is refused by the visiting policy; the message says why (shown to users)."""


class HostNotResolved(Unreachable):
    """The host has no address: it is not visited (a DNS failure is a fact about the site)."""


def resolve(host: str) -> tuple[str, ...]:
    """Every address of a name (IPv4 and IPv6), without caching; () when it does not resolve."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return ()
    return tuple(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))


_resolve_cached = lru_cache(maxsize=4096)(resolve)  # for scheduling checks only


def parse_networks(text: str | Iterable[str], *, source: str = "allowed_private"
                   ) -> tuple[IPNetwork, ...]:
    """``127.0.0.1, 10.1.0.0/16`` → networks; BadInput naming the item that is not one."""
    items = text.split(",") if isinstance(text, str) else list(text)
    networks: list[IPNetwork] = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise BadInput(f"{source}: {item!r} is not an IP address or network "
                           "(expected e.g. 127.0.0.1 or 10.1.0.0/16)") from None
    return tuple(networks)


def _plain(address: IPAddress) -> IPAddress:
    """An IPv4-mapped IPv6 address (``::ffff:127.0.0.1``) is the IPv4 address it maps."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


class VerdictKind(enum.StrEnum):
    allowed = "allowed"
    refused = "refused"  # by the visiting policy
    dns = "dns"  # the name does not resolve
    unreachable = "unreachable"  # allowed, but the connection to it failed


@dataclass(frozen=True)
class Verdict:
    """One decision of the egress control about one connection the browser asked for."""

    target: str  # the absolute URL (plain HTTP) or host:port (CONNECT: HTTPS, WebSocket)
    host: str  # as the browser reads it
    port: int
    kind: VerdictKind
    reason: str = ""
    address: str | None = None  # the pinned address when allowed
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class EgressPolicy:
    allow_private: bool = False  # every non-public address allowed
    allowed_private: tuple[IPNetwork, ...] = ()  # else only these non-public ones

    @classmethod
    def of(cls, allow_private: bool, allowed_private: str | Iterable[str] = ()) -> EgressPolicy:
        return cls(allow_private, parse_networks(allowed_private))

    def refusal(self, address: str) -> str | None:
        """Why connecting to this address is refused, or None when it is allowed."""
        ip = _plain(ipaddress.ip_address(address.split("%")[0]))
        if ip.is_global and not ip.is_multicast:
            return None
        if self.allow_private or any(ip in net for net in self.allowed_private
                                     if net.version == ip.version):
            return None
        hint = ("add it to allowed_private" if self.allowed_private else "use --allow-private")
        return f"non-public address {ip} ({hint})"

    def addresses(self, host: str, resolver: Resolver) -> tuple[str, ...]:
        """The addresses a browser-read host stands for ("" and unknown names: none)."""
        try:
            return (str(ipaddress.ip_address(host)),)
        except ValueError:
            pass
        if host == "localhost" or host.endswith(".localhost"):
            return LOOPBACK_NAMES
        return resolver(host)

    def decide(self, target: str, raw_host: str, port: int,
               resolver: Resolver = resolve) -> Verdict:
        """Resolve once, judge every address, pin the first: the proxy connects to that one."""
        try:
            host = browser_host(raw_host)
        except ValueError as exc:
            return Verdict(target, raw_host, port, VerdictKind.refused, f"invalid host: {exc}")
        addresses = self.addresses(host, resolver)
        if not addresses:
            return Verdict(target, host, port, VerdictKind.dns, f"host {host!r} does not resolve")
        for address in addresses:
            why = self.refusal(address)
            if why:
                return Verdict(target, host, port, VerdictKind.refused,
                               f"host {host!r} resolves to {why}")
        return Verdict(target, host, port, VerdictKind.allowed, address=addresses[0])


def check_url(url: str, *, allow_private: bool,
              allowed_private: str | Iterable[str] = ()) -> None:
    """Raise PolicyViolation when the URL must not be visited, HostNotResolved when its host
    has no address (checked before scheduling; the egress proxy checks again, pinned)."""
    try:
        parts = urlsplit(url)
        raw_host = parts.hostname
    except ValueError as exc:
        raise PolicyViolation(f"malformed URL: {exc}") from None
    if parts.scheme not in ALLOWED_SCHEMES:
        raise PolicyViolation(f"scheme {parts.scheme!r} is not allowed (http and https only)")
    if not raw_host:
        raise PolicyViolation("URL has no host")
    try:
        host = browser_host(raw_host)
    except ValueError as exc:
        raise PolicyViolation(f"invalid host: {exc}") from None
    policy = EgressPolicy.of(allow_private, allowed_private)
    if allow_private:
        return
    addresses = policy.addresses(host, _resolve_cached)
    if not addresses:
        raise HostNotResolved(f"host {host!r} does not resolve")
    for address in addresses:
        why = policy.refusal(address)
        if why:
            raise PolicyViolation(f"host {host!r} resolves to {why}")


def is_allowed(url: str, *, allow_private: bool,
               allowed_private: str | Iterable[str] = ()) -> bool:
    try:
        check_url(url, allow_private=allow_private, allowed_private=allowed_private)
    except (PolicyViolation, HostNotResolved):
        return False
    return True
