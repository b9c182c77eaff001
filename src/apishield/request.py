"""A small framework-free view of an HTTP request, and client-IP resolution.

Guards only ever see a :class:`RequestView`; adapters build one from their framework's request. The client
address comes from the socket peer unless that peer is a configured trusted proxy: ``X-Forwarded-For`` is
never trusted by default, because any client can send it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any

from apishield.errors import ConfigError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
"""Methods that must not change state (RFC 9110 §9.2.1): no CSRF check, no body validation."""


class CaseInsensitiveHeaders(Mapping[str, str]):
    """Read-only, case-insensitive header mapping (header names are case-insensitive in HTTP)."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        merged: dict[str, str] = {}
        for key, value in pairs:
            low = key.lower()
            merged[low] = f"{merged[low]}, {value}" if low in merged else value
        self._items = merged

    def __getitem__(self, key: str) -> str:
        return self._items[key.lower()]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._items

    def __iter__(self) -> Any:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str, default: Any = None) -> Any:
        return self._items.get(key.lower(), default)


def parse_cookies(header: str | None) -> dict[str, str]:
    """Parse a ``Cookie`` header; malformed cookies are dropped rather than raising."""
    if not header:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        out: dict[str, str] = {}
        for part in header.split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name:
                out.setdefault(name, value)
        return out
    return {key: morsel.value for key, morsel in jar.items()}


@dataclass(slots=True, init=False)
class RequestView:
    """What guards may look at. ``route`` is the matched route template when the framework knows it.

    The method is upper-cased; ``cookies`` default to the parsed ``Cookie`` header, parsed on first use (most
    requests carry a bearer token or an API key, and no guard reads their cookies).
    """

    method: str
    path: str
    headers: CaseInsensitiveHeaders = field(default_factory=CaseInsensitiveHeaders)
    client_ip: str = "0.0.0.0"  # noqa: S104 - placeholder for an unknown peer, never used to bind
    scheme: str = "http"
    route: str | None = None
    query_string: str = ""
    _cookies: dict[str, str] | None = field(default=None, repr=False)
    body: bytes | None = None
    state: dict[str, Any] = field(default_factory=dict)

    # written out (not generated) so that building a view, once per request, is one call
    def __init__(
        self,
        method: str,
        path: str,
        headers: CaseInsensitiveHeaders | None = None,
        client_ip: str = "0.0.0.0",  # noqa: S104 - placeholder for an unknown peer, never used to bind
        scheme: str = "http",
        route: str | None = None,
        query_string: str = "",
        cookies: dict[str, str] | None = None,
        body: bytes | None = None,
        state: dict[str, Any] | None = None,
        _cookies: dict[str, str] | None = None,  # what dataclasses.replace passes on (parsed or not yet)
    ) -> None:
        self.method = method.upper()
        self.path = path
        if headers is None:
            headers = CaseInsensitiveHeaders()
        self.headers = headers
        self.client_ip = client_ip
        self.scheme = scheme
        self.route = route
        self.query_string = query_string
        self._cookies = cookies or _cookies or None
        self.body = body
        self.state = {} if state is None else state

    @property
    def cookies(self) -> dict[str, str]:
        cookies = self._cookies
        if cookies is None:
            header = self.headers.get("cookie")
            cookies = self._cookies = parse_cookies(header) if header else {}
        return cookies

    @cookies.setter
    def cookies(self, value: dict[str, str]) -> None:
        self._cookies = value

    @property
    def route_or_path(self) -> str:
        return self.route or self.path

    @property
    def origin(self) -> str | None:
        value = self.headers.get("origin")
        return value if isinstance(value, str) else None


class TrustedProxies:
    """Resolves the real client address behind an explicit list of trusted proxy networks.

    Walks ``X-Forwarded-For`` from the right, skipping addresses that belong to trusted proxies; the first
    untrusted address is the client. With no trusted proxies the socket peer is the client.
    """

    def __init__(self, networks: Iterable[str] = ()) -> None:
        parsed: list[IPNetwork] = []
        for net in networks:
            try:
                parsed.append(ipaddress.ip_network(net, strict=False))
            except ValueError as exc:
                raise ConfigError(f"trusted proxies: {net!r} is not an IP address or CIDR network") from exc
        self.networks: tuple[IPNetwork, ...] = tuple(parsed)

    def is_trusted(self, address: str) -> bool:
        if not self.networks:
            return False
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in net for net in self.networks)

    def client_ip(self, peer: str, headers: Mapping[str, str]) -> str:
        if not self.is_trusted(peer):
            return peer
        forwarded = headers.get("x-forwarded-for") or headers.get("X-Forwarded-For")
        if not forwarded:
            return peer
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        for hop in reversed(hops):
            try:
                ipaddress.ip_address(hop)
            except ValueError:
                return peer
            if not self.is_trusted(hop):
                return hop
        return hops[0] if hops else peer

    def scheme(self, peer: str, scheme: str, headers: Mapping[str, str]) -> str:
        """The request scheme, taking ``X-Forwarded-Proto`` only from a trusted proxy."""
        if self.is_trusted(peer):
            proto = headers.get("x-forwarded-proto") or headers.get("X-Forwarded-Proto")
            if proto:
                first = proto.split(",")[0].strip().lower()
                if first in ("http", "https"):
                    return first
        return scheme


__all__ = ["SAFE_METHODS", "CaseInsensitiveHeaders", "RequestView", "TrustedProxies", "parse_cookies"]
