"""Security response headers with API-first defaults and per-route overrides.

Defaults suit a JSON API: nothing may be loaded, framed or sniffed from its responses, HSTS on HTTPS, no
referrer, isolated browsing context, and ``Cache-Control: no-store`` on authenticated responses so shared
caches never keep personal data. Pages that render HTML (API docs, say) override per route.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from apishield.errors import ConfigError
from apishield.guard import Allow
from apishield.request import RequestView

API_CSP = "default-src 'none'; frame-ancestors 'none'"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=()"
)
LEAK_HEADERS: tuple[str, ...] = ("Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version")
"""Response headers that reveal the software stack; adapters remove them where the framework allows."""

_NAME_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]|[^\x00-\xff]")
"""Control characters (C0, DEL, C1 such as NEL, which str.splitlines() treats as a line break) and anything
WSGI cannot encode as latin-1."""


def validated_headers(headers: Mapping[str, str | None], where: str) -> dict[str, str | None]:
    """``headers`` checked (RFC 9110 token names; latin-1 values without control characters) or ConfigError."""
    out: dict[str, str | None] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
            raise ConfigError(f"security headers ({where}): {name!r} is not a valid header name")
        if value is not None and (not isinstance(value, str) or _BAD_VALUE.search(value)):
            raise ConfigError(
                f"security headers ({where}): the value of {name} must be a latin-1 string without control characters"
            )
        out[name] = value
    return out


Header = tuple[str, str]
_PROBE = RequestView(method="GET", path="", route="\x00")  # matches no per-route override


class HeaderTable:
    """The security headers of one route, precomputed for the four (authenticated, https) cases.

    ``table[(authenticated, https)]`` is the header list: the request path only looks it up.
    """

    __slots__ = ("names", "table")

    def __init__(self, table: Mapping[tuple[bool, bool], list[Header]]) -> None:
        self.table: dict[tuple[bool, bool], list[Header]] = dict(table)
        #: every header name this table can emit (lower case)
        self.names = frozenset(name.lower() for rows in self.table.values() for name, _ in rows)

    @classmethod
    def empty(cls) -> HeaderTable:
        """No security headers at all (headers switched off)."""
        return cls({(a, h): [] for a in (False, True) for h in (False, True)})

    def with_overrides(self, overrides: Iterable[tuple[str, str | None]]) -> HeaderTable:
        """A copy carrying a route's overrides (a value of None removes that header)."""
        changes = {name.lower(): (name, value) for name, value in overrides}
        if not changes:
            return self
        table: dict[tuple[bool, bool], list[Header]] = {}
        for key, rows in self.table.items():
            kept = [(k, v) for k, v in rows if k.lower() not in changes]
            kept += [(name, value) for name, value in changes.values() if value is not None]
            table[key] = kept
        return HeaderTable(table)

    def for_route(self, settings: Any) -> HeaderTable:
        """This table with the route's ``headers`` overrides (``settings.headers``), compiled once per route."""
        overrides = getattr(settings, "headers", None)
        return self.with_overrides(overrides) if overrides else self


class SecurityHeaders:
    """Computes the security headers for a response.

    Set a default to ``None`` to leave that header out. ``routes`` maps a route template to header overrides
    (a value of ``None`` removes the header on that route). ``strip`` lists leak headers to remove.
    """

    name = "headers"

    def __init__(
        self,
        *,
        content_security_policy: str | None = API_CSP,
        hsts_max_age: int = 63072000,
        hsts_include_subdomains: bool = True,
        hsts_preload: bool = False,
        referrer_policy: str | None = "no-referrer",
        cross_origin_opener_policy: str | None = "same-origin",
        cross_origin_resource_policy: str | None = "same-origin",
        permissions_policy: str | None = PERMISSIONS_POLICY,
        frame_options: str | None = "DENY",
        authenticated_cache_control: str | None = "no-store",
        extra: Mapping[str, str] | None = None,
        routes: Mapping[str, Mapping[str, str | None]] | None = None,
        strip: Iterable[str] = LEAK_HEADERS,
    ) -> None:
        if isinstance(hsts_max_age, bool) or not isinstance(hsts_max_age, int) or hsts_max_age < 0:
            raise ConfigError("security headers: hsts_max_age must be a non-negative integer of seconds")
        if hsts_preload and (hsts_max_age < 31536000 or not hsts_include_subdomains):
            raise ConfigError(
                "security headers: HSTS preload needs hsts_max_age >= 31536000 and hsts_include_subdomains=True"
            )
        base: dict[str, str | None] = {
            "Content-Security-Policy": content_security_policy,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": referrer_policy,
            "Cross-Origin-Opener-Policy": cross_origin_opener_policy,
            "Cross-Origin-Resource-Policy": cross_origin_resource_policy,
            "Permissions-Policy": permissions_policy,
            "X-Frame-Options": frame_options,
        }
        base.update(validated_headers(extra or {}, "extra"))
        self._base = {k: v for k, v in validated_headers(base, "defaults").items() if v is not None}
        hsts = None
        if hsts_max_age > 0:
            hsts = f"max-age={hsts_max_age}"
            hsts += "; includeSubDomains" if hsts_include_subdomains else ""
            hsts += "; preload" if hsts_preload else ""
        self._hsts = hsts
        self._auth_cache = validated_headers({"Cache-Control": authenticated_cache_control}, "cache")["Cache-Control"]
        self._routes = {route: validated_headers(over, f"route {route}") for route, over in (routes or {}).items()}
        self.strip: tuple[str, ...] = tuple(strip)
        self._strip_lower = frozenset(h.lower() for h in self.strip)
        #: the headers of a route without overrides, precomputed for every (authenticated, https) case
        self.table = HeaderTable(
            {
                (authenticated, https): list(
                    self.headers_for(_PROBE, authenticated=authenticated, is_https=https).items()
                )
                for authenticated in (False, True)
                for https in (False, True)
            }
        )

    def for_route(self, settings: Any) -> HeaderTable:
        """The precomputed header table for a route with these settings (its ``headers`` overrides applied)."""
        return self.table.for_route(settings)

    def headers_for(self, view: RequestView, *, authenticated: bool, is_https: bool) -> dict[str, str]:
        """Headers to add to the response for ``view``."""
        out = dict(self._base)
        if is_https and self._hsts:
            out["Strict-Transport-Security"] = self._hsts
        if authenticated and self._auth_cache:
            out["Cache-Control"] = self._auth_cache
        override = self._routes.get(view.route_or_path)
        if override:
            for key, value in override.items():
                if value is None:
                    out.pop(key, None)
                else:
                    out[key] = value
        return out

    def check(self, view: RequestView) -> Allow:
        """Guard form: always allows, adding the headers (authenticated-ness unknown here, so no cache rule)."""
        return Allow(headers=self.headers_for(view, authenticated=False, is_https=view.scheme == "https"))

    def apply(self, response_headers: Iterable[tuple[str, str]], view: RequestView, *, authenticated: bool,
              is_https: bool) -> list[tuple[str, str]]:
        """A response's header list with leak headers removed and security headers set (ours win)."""
        ours = self.headers_for(view, authenticated=authenticated, is_https=is_https)
        ours_lower = {k.lower() for k in ours}
        kept = [(k, v) for k, v in response_headers
                if k.lower() not in self._strip_lower and k.lower() not in ours_lower]
        return kept + list(ours.items())


def csp_directives(csp: str) -> dict[str, list[str]]:
    """A Content-Security-Policy as ``{directive: [sources]}``, lower-cased; the first of a repeated directive wins."""
    directives: dict[str, list[str]] = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            directives.setdefault(words[0].lower(), [w.lower() for w in words[1:]])
    return directives


__all__ = [
    "API_CSP", "LEAK_HEADERS", "PERMISSIONS_POLICY", "HeaderTable", "SecurityHeaders", "csp_directives",
    "validated_headers"]
