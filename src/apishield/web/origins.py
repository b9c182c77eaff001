"""Parsing and validation of configured web origins (``scheme://host[:port]``) and wildcard patterns.

Configuration is parsed strictly and canonicalised once (lowercase, default port dropped), so matching a
request's ``Origin`` header is an exact string comparison: a set lookup, or one precompiled regular
expression for ``https://*.example.com`` patterns whose ``*`` stands for exactly one DNS label. Anything a
browser would not send in canonical form (upper case, a trailing dot, userinfo, a path) never matches.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

import idna

from apishield.errors import ConfigError
from apishield.web._suffixes import default_public_suffixes, is_public_suffix

LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_LABEL_RE = re.compile(LABEL)
_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)://(.*)", re.DOTALL)
_PORT_RE = re.compile(r"[0-9]{1,5}")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_MAX_HOST = 253


@dataclass(frozen=True, slots=True)
class OriginSpec:
    """One configured origin or wildcard pattern, canonicalised."""

    scheme: str
    host: str  # for a wildcard: the base domain after ``*.``
    port: int | None  # None: the scheme's default port
    wildcard: bool = False

    @property
    def serialized(self) -> str:
        host = f"*.{self.host}" if self.wildcard else self.host
        port = f":{self.port}" if self.port is not None else ""
        return f"{self.scheme}://{host}{port}"

    def regex(self) -> str:
        """A regular expression source that matches exactly the origins this spec admits."""
        port = f":{self.port}" if self.port is not None else ""
        if not self.wildcard:
            return re.escape(self.serialized)
        return f"{re.escape(self.scheme)}://{LABEL}\\.{re.escape(self.host)}{re.escape(port)}"


def _fail(origin: str, why: str) -> ConfigError:
    return ConfigError(f"CORS origin {origin!r}: {why}")


def _canonical_host(raw: str, origin: str) -> str:
    """Validate and lowercase a host (DNS name, IPv4 or bracketed IPv6); IDNs become punycode."""
    if not raw:
        raise _fail(origin, "the host is empty; write scheme://host[:port]")
    if raw.startswith("["):
        if not raw.endswith("]"):
            raise _fail(origin, "unbalanced '[' in an IPv6 host")
        try:
            return f"[{ipaddress.IPv6Address(raw[1:-1]).compressed}]"
        except ValueError as exc:
            raise _fail(origin, "not a valid IPv6 address") from exc
    if raw.endswith("."):
        raise _fail(origin, "drop the trailing dot; browsers send the host without it")
    host = raw.lower()
    if not host.isascii():
        try:  # UTS #46 non-transitional, as browsers do ('ß' stays 'ß', unlike the stdlib IDNA 2003 codec)
            host = idna.encode(raw, uts46=True).decode("ascii")
        except UnicodeError as exc:
            raise _fail(origin, "the host is not a valid internationalised domain name") from exc
    last = host.rsplit(".", 1)[-1]
    if re.fullmatch(r"[0-9]+|0x[0-9a-f]*", last):  # WHATWG URL: a numeric last label makes the host IPv4
        try:
            return str(ipaddress.IPv4Address(host))
        except ValueError as exc:
            raise _fail(origin, "not a valid IPv4 address; write it as four dotted decimal numbers") from exc
    if len(host) > _MAX_HOST or not all(_LABEL_RE.fullmatch(label) for label in host.split(".")):
        raise _fail(origin, "the host may contain only letters, digits, '-' and '.' between labels")
    return host


def parse_origin(origin: str, *, public_suffixes: frozenset[str] | None = None) -> OriginSpec:
    """Parse one configured origin or ``scheme://*.domain`` pattern; raise :class:`ConfigError` if unsafe.

    ``public_suffixes`` defaults to the system's full Public Suffix List when installed (plus the bundled
    subset), so ``https://*.duckdns.org`` is refused as surely as ``https://*.co.uk``.
    """
    if not isinstance(origin, str):
        raise ConfigError(f"CORS origin {origin!r}: origins are strings such as 'https://app.example.com'")
    if origin.strip().lower() == "null":
        raise _fail(
            origin,
            "the 'null' origin is sent by sandboxed iframes, file: pages and redirects, so any site can "
            "produce it; remove it and list the real origins",
        )
    if origin == "*":
        raise _fail(origin, "'*' must be the only entry; list either '*' or specific origins")
    if any(ch.isspace() or ord(ch) < 0x20 or ch == "\x7f" for ch in origin):
        raise _fail(origin, "contains whitespace or control characters")
    m = _SCHEME_RE.fullmatch(origin)
    if m is None:
        raise _fail(origin, "malformed; write scheme://host[:port], e.g. 'https://app.example.com'")
    scheme, rest = m.group(1).lower(), m.group(2)
    if scheme not in _DEFAULT_PORTS:
        raise _fail(origin, f"the {scheme!r} scheme is not allowed; only http and https origins can be listed")
    if "@" in rest:
        raise _fail(origin, "userinfo ('user@') is not part of an origin; remove it")
    if rest.endswith("/") and not any(c in rest[:-1] for c in "/?#"):
        raise _fail(origin, "an origin has no path; drop the trailing '/'")
    if any(c in rest for c in "/?#\\"):
        raise _fail(origin, "an origin has no path, query or fragment; keep only scheme://host[:port]")
    host_part, port = rest, None
    if rest.startswith("["):
        close = rest.find("]")
        if close != -1 and rest[close + 1 :].startswith(":"):
            host_part, port_text = rest[: close + 1], rest[close + 2 :]
            port = _parse_port(port_text, origin)
    elif ":" in rest:
        host_part, port_text = rest.rsplit(":", 1)
        port = _parse_port(port_text, origin)
    if port == _DEFAULT_PORTS[scheme]:
        port = None
    wildcard = False
    if "*" in host_part:
        if not host_part.startswith("*.") or "*" in host_part[2:]:
            raise _fail(
                origin, "a wildcard may only be the whole first label, as in 'https://*.example.com'"
            )
        wildcard, host_part = True, host_part[2:]
    host = _canonical_host(host_part, origin)
    if wildcard:
        if host.startswith("[") or re.fullmatch(r"[0-9.]+", host):
            raise _fail(origin, "wildcards apply to domain names, not IP addresses")
        if is_public_suffix(host, default_public_suffixes() if public_suffixes is None else public_suffixes):
            raise _fail(
                origin,
                f"'{host}' is a public suffix, so '*.{host}' admits sites anyone can register; "
                f"use a domain you own, e.g. '{scheme}://*.yourcompany.{host}'",
            )
    return OriginSpec(scheme=scheme, host=host, port=port, wildcard=wildcard)


def _parse_port(text: str, origin: str) -> int:
    if not _PORT_RE.fullmatch(text) or (len(text) > 1 and text.startswith("0")):
        raise _fail(origin, "the port must be a number from 1 to 65535 without leading zeros")
    port = int(text)
    if not 1 <= port <= 65535:
        raise _fail(origin, "the port must be a number from 1 to 65535")
    return port


def origin_of_url(url: str) -> str | None:
    """The serialized origin of an absolute http(s) URL (for ``Referer`` checks), or None if it has none."""
    m = _SCHEME_RE.fullmatch(url)
    if m is None:
        return None
    scheme = m.group(1).lower()
    if scheme not in _DEFAULT_PORTS:
        return None
    authority = re.split(r"[/?#\\]", m.group(2), maxsplit=1)[0]
    if "@" in authority or not authority:
        return None
    try:
        spec = parse_origin(f"{scheme}://{authority}")
    except ConfigError:
        return None
    return None if spec.wildcard else spec.serialized


def bypass_origins(trusted: str, attacker: str = "evil.example") -> list[tuple[str, str]]:
    """Hostile ``Origin`` values derived from a trusted origin, each with the technique it tests.

    A shared catalogue for tests and the prober: a correct policy that lists only ``trusted`` (or a
    ``https://*.`` pattern over a different domain) reflects none of them.
    """
    spec = parse_origin(trusted)
    scheme, host = spec.scheme, spec.host
    port = f":{spec.port}" if spec.port is not None else ""
    other = "http" if scheme == "https" else "https"
    first, _, rest = host.partition(".")
    cases = [
        (f"https://{attacker}", "arbitrary origin reflected"),
        ("null", "null origin (sandboxed iframe, file:, redirects)"),
        (f"{scheme}://{host}.{attacker}{port}", "trusted origin as a prefix"),
        (f"{scheme}://{attacker.split('.')[0]}{host}{port}", "trusted origin as a suffix"),
        (f"{scheme}://{attacker.split('.')[0]}-{host}{port}", "hyphenated suffix"),
        (f"{scheme}://sub.{host}{port}", "subdomain of the trusted origin"),
        (f"{other}://{host}{port}", "other scheme"),
        (f"{scheme}://{host}:8443", "other port"),
        (f"{scheme}://{host}.{port}", "trailing dot"),
        (f"{scheme}://{host.upper()}{port}", "case variant"),
        (f"{scheme}://{host}{port}/", "trailing slash"),
        (f"{scheme}://{host}{port}@{attacker}", "userinfo pointing elsewhere"),
        (f"{scheme}://{host}_.{attacker}", "underscore in host"),
        (f"{scheme}://{host}`.{attacker}", "backtick in host"),
        (f"{scheme}://{host}%60.{attacker}", "percent-encoded backtick"),
        (f"{scheme}://{host}{port}, https://{attacker}", "two origins in one header"),
    ]
    if rest:
        cases.append((f"{scheme}://{first}x{rest}{port}", "unescaped dot in a regular expression"))
    return [(origin, why) for origin, why in cases if origin != spec.serialized]


__all__ = ["LABEL", "OriginSpec", "bypass_origins", "origin_of_url", "parse_origin"]
