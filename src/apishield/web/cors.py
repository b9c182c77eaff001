"""Cross-Origin Resource Sharing: strict, precompiled policies and a guard with named, per-route and
run-time-updatable policies.

A :class:`CORSPolicy` validates its configuration once (refusing ``*`` with credentials, ``null``, non-http(s)
schemes, malformed origins and wildcards over public suffixes) and compiles it: exact origins go into a
frozenset, wildcard patterns into one regular expression, and the constant response headers are prebuilt.
Per request, :meth:`CORSPolicy.headers_for` is a set lookup plus a dict copy.

:class:`CORSGuard` chooses a policy per route, answers preflights (refused ones get no CORS headers at all)
and re-reads a versioned policy document from the store at most every ``refresh_interval`` seconds, so
policies change at run time without a restart (see :func:`publish_policies`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from apishield.errors import ConfigError, Reject, StoreError
from apishield.events import emit
from apishield.guard import Allow
from apishield.request import RequestView
from apishield.stores.base import Store
from apishield.types import Clock
from apishield.web.origins import parse_origin

TOKEN_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
"""An HTTP token (RFC 9110): method and header names."""

SAFELISTED_REQUEST_HEADERS = frozenset({"accept", "accept-language", "content-language"})
FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})
DEFAULT_METHODS = ("GET", "HEAD", "POST")
MAX_AGE_LIMIT = 86400
PREFLIGHT_STATE_KEY = "apishield.cors.preflight"
"""``view.state`` key set to True when :class:`CORSGuard` allowed a preflight: answer 204 with the headers."""

_MAX_ORIGIN_LEN = 2048
_POLICY_KEYS = frozenset({"origins", "allow_credentials", "methods", "headers", "expose_headers", "max_age"})


def _as_list(values: Any, what: str) -> list[Any]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ConfigError(f"CORS {what} must be a list of strings, e.g. [{'https://app.example.com'!r}]"
                          if what == "origins" else f"CORS {what} must be a list of strings")
    return list(values)


def _tokens(values: Iterable[str], what: str, *, upper: bool) -> tuple[str, ...]:
    out: list[str] = []
    for value in _as_list(values, what + "s"):
        if not isinstance(value, str) or not (value == "*" or TOKEN_RE.fullmatch(value)):
            raise ConfigError(f"CORS {what} {value!r}: not a valid HTTP token; write names like 'Content-Type'")
        norm = value.upper() if upper else value.lower()
        if norm not in out:
            out.append(norm)
    return tuple(out)


class CORSPolicy:
    """One CORS policy, validated and compiled at construction.

    ``origins`` lists exact origins (``https://app.example.com``), one-label wildcards
    (``https://*.example.com``) or the single entry ``"*"`` (only without credentials).
    """

    __slots__ = (
        "_any",
        "_exact",
        "_header_any",
        "_headers",
        "_method_any",
        "_methods",
        "_pattern",
        "_preflight",
        "_simple",
        "allow_credentials",
        "config",
    )

    def __init__(
        self,
        origins: Iterable[str] = (),
        *,
        allow_credentials: bool = False,
        methods: Iterable[str] = DEFAULT_METHODS,
        headers: Iterable[str] = (),
        expose_headers: Iterable[str] = (),
        max_age: int = 600,
        public_suffixes: frozenset[str] | None = None,
    ) -> None:
        origin_list = _as_list(origins, "origins")
        if not isinstance(allow_credentials, bool):
            raise ConfigError("CORS allow_credentials must be True or False")
        self.allow_credentials = allow_credentials
        self._any = origin_list == ["*"]
        if self._any and allow_credentials:
            raise ConfigError(
                "CORS: '*' cannot be combined with credentials; list the origins that may send cookies"
            )
        specs = [] if self._any else [parse_origin(o, public_suffixes=public_suffixes) for o in origin_list]
        self._exact = frozenset(s.serialized for s in specs if not s.wildcard)
        wild = sorted({s.regex() for s in specs if s.wildcard})
        self._pattern = re.compile("|".join(f"(?:{w})" for w in wild)) if wild else None

        meths = _tokens(methods, "method", upper=True)
        hdrs = _tokens(headers, "header", upper=False)
        exposed = _tokens(expose_headers, "exposed header", upper=False)
        for name, values in (("methods", meths), ("headers", hdrs), ("expose_headers", exposed)):
            if "*" in values and allow_credentials:
                raise ConfigError(
                    f"CORS {name}: '*' is taken literally when credentials are allowed; list the names"
                )
        bad = FORBIDDEN_METHODS.intersection(meths)
        if bad:
            raise ConfigError(f"CORS methods: {sorted(bad)} cannot be used cross-origin; remove them")
        if not meths:
            raise ConfigError("CORS methods: list at least one method, e.g. ['GET']")
        if isinstance(max_age, bool) or not isinstance(max_age, int) or not 0 <= max_age <= MAX_AGE_LIMIT:
            raise ConfigError(f"CORS max_age must be an integer from 0 to {MAX_AGE_LIMIT} seconds")
        self._method_any = "*" in meths
        # HEAD rides with GET; OPTIONS is what a preflight itself uses, so naming it adds no capability
        self._methods = frozenset(meths) | ({"HEAD"} if "GET" in meths else set()) | {"OPTIONS"}
        self._header_any = "*" in hdrs
        self._headers = frozenset(hdrs)

        vary_origin = not self._any
        simple: dict[str, str] = {}
        if allow_credentials:
            simple["Access-Control-Allow-Credentials"] = "true"
        if exposed:
            simple["Access-Control-Expose-Headers"] = ", ".join(exposed)
        if vary_origin:
            simple["Vary"] = "Origin"
        preflight: dict[str, str] = {}
        if allow_credentials:
            preflight["Access-Control-Allow-Credentials"] = "true"
        preflight["Access-Control-Allow-Methods"] = ", ".join(meths)
        if hdrs:
            preflight["Access-Control-Allow-Headers"] = ", ".join(hdrs)
        preflight["Access-Control-Max-Age"] = str(max_age)
        vary = ["Origin"] if vary_origin else []
        preflight["Vary"] = ", ".join([*vary, "Access-Control-Request-Method", "Access-Control-Request-Headers"])
        self._simple = simple
        self._preflight = preflight
        self.config: dict[str, Any] = {
            "origins": origin_list,
            "allow_credentials": allow_credentials,
            "methods": list(meths),
            "headers": list(hdrs),
            "expose_headers": list(exposed),
            "max_age": max_age,
        }

    @classmethod
    def from_dict(cls, config: Mapping[str, Any], *, public_suffixes: frozenset[str] | None = None) -> CORSPolicy:
        """Build a policy from plain data (JSON, TOML); unknown keys are refused."""
        if not isinstance(config, Mapping):
            raise ConfigError("CORS policy must be a mapping of settings")
        unknown = set(config) - _POLICY_KEYS
        if unknown:
            raise ConfigError(f"CORS policy: unknown settings {sorted(unknown)}; use {sorted(_POLICY_KEYS)}")
        return cls(public_suffixes=public_suffixes, **dict(config))

    def to_dict(self) -> dict[str, Any]:
        """The configuration as plain data (round-trips through :meth:`from_dict`)."""
        return dict(self.config)

    def allowed_origin(self, origin: str) -> str | None:
        """The ``Access-Control-Allow-Origin`` value for ``origin``, or None when it is refused."""
        if not isinstance(origin, str) or not origin or len(origin) > _MAX_ORIGIN_LEN:
            return None
        if self._any:
            return "*"
        if origin in self._exact:
            return origin
        if self._pattern is not None and self._pattern.fullmatch(origin):
            return origin
        return None

    def allows_method(self, method: str) -> bool:
        method = method.upper() if isinstance(method, str) else ""
        return self._method_any or method in self._methods

    def allows_header(self, name: str) -> bool:
        low = name.strip().lower()
        if not TOKEN_RE.fullmatch(low):
            return False
        if low in SAFELISTED_REQUEST_HEADERS or low in self._headers:
            return True
        return self._header_any and low != "authorization"

    def headers_for(
        self,
        origin: str,
        method: str = "GET",
        preflight: bool = False,
        request_headers: Sequence[str] = (),
    ) -> dict[str, str]:
        """CORS response headers for a request from ``origin``; empty when the request is refused.

        For a preflight, ``method`` is ``Access-Control-Request-Method`` and ``request_headers`` the names
        from ``Access-Control-Request-Headers`` (comma-separated entries are split).
        """
        allow_origin = self.allowed_origin(origin)
        if allow_origin is None or not self.allows_method(method):
            return {}
        if not preflight:
            return {"Access-Control-Allow-Origin": allow_origin, **self._simple}
        if isinstance(request_headers, str):
            request_headers = [request_headers]
        for entry in request_headers:
            if not isinstance(entry, str):
                return {}
            for name in entry.split(","):
                if name.strip() and not self.allows_header(name):
                    return {}
        return {"Access-Control-Allow-Origin": allow_origin, **self._preflight}

    @property
    def varies_by_origin(self) -> bool:
        """True when responses differ by ``Origin`` (every policy but the credential-less ``*``)."""
        return not self._any

    def __repr__(self) -> str:
        return f"CORSPolicy({self.config!r})"


def compile_policies(
    policies: Mapping[str, CORSPolicy | Mapping[str, Any]], *, public_suffixes: frozenset[str] | None = None
) -> dict[str, CORSPolicy]:
    """Named policies, compiling any given as plain data."""
    out: dict[str, CORSPolicy] = {}
    for name, policy in policies.items():
        if not isinstance(name, str) or not name:
            raise ConfigError("CORS policy names must be non-empty strings")
        if isinstance(policy, CORSPolicy):
            out[name] = policy
        else:
            try:
                out[name] = CORSPolicy.from_dict(policy, public_suffixes=public_suffixes)
            except ConfigError as exc:
                raise ConfigError(f"CORS policy {name!r}: {exc}") from exc
            except TypeError as exc:
                raise ConfigError(f"CORS policy {name!r}: a setting has the wrong type") from exc
    return out


def _check_routes(routes: Mapping[str, str | None], names: Iterable[str]) -> dict[str, str | None]:
    known = set(names)
    for route, name in routes.items():
        if name is not None and name not in known:
            raise ConfigError(f"CORS route {route!r} names unknown policy {name!r}; define it or fix the name")
    return dict(routes)


def publish_policies(
    store: Store,
    policies: Mapping[str, CORSPolicy | Mapping[str, Any]],
    *,
    routes: Mapping[str, str | None] | None = None,
    default: str | None = None,
    key: str = "apishield:cors",
) -> int:
    """Validate and store a new policy set; every :class:`CORSGuard` on ``key`` picks it up on its next refresh.

    Invalid configuration raises :class:`ConfigError` before anything is written. Returns the new version.
    """
    compiled = compile_policies(policies)
    route_map = _check_routes(routes or {}, compiled)
    if default is not None and default not in compiled:
        raise ConfigError(f"CORS default policy {default!r} is not defined")
    version = store.incr(f"{key}:version")
    doc = {
        "version": version,
        "default": default,
        "policies": {name: p.to_dict() for name, p in compiled.items()},
        "routes": route_map,
    }
    store.set(key, json.dumps(doc, sort_keys=True))
    return version


@dataclass(frozen=True, slots=True)
class _Snapshot:
    version: int | None
    policies: Mapping[str, CORSPolicy]
    routes: Mapping[str, str | None]
    default: str | None


class CORSGuard:
    """Guard that applies a named policy per route; policies can be replaced at run time via the store.

    ``routes`` maps a route template (``view.route`` or the path) to a policy name, or to None for no CORS.
    Requests without ``Origin`` pass untouched (with ``Vary: Origin`` when the policy depends on it).
    An allowed preflight returns :class:`Allow` with the headers and sets ``view.state[PREFLIGHT_STATE_KEY]``
    so the adapter answers ``204`` without calling the view; a refused preflight is a 403 with no CORS
    headers. A refused actual request passes without CORS headers, so the browser hides the response.
    """

    name = "cors"

    def __init__(
        self,
        policies: CORSPolicy | Mapping[str, CORSPolicy | Mapping[str, Any]],
        *,
        default: str | None = "default",
        routes: Mapping[str, str | None] | None = None,
        store: Store | None = None,
        store_key: str = "apishield:cors",
        refresh_interval: float = 5.0,
        clock: Clock | None = None,
    ) -> None:
        named = compile_policies({"default": policies} if isinstance(policies, CORSPolicy) else policies)
        if default is not None and default not in named:
            raise ConfigError(f"CORS default policy {default!r} is not defined; name one of {sorted(named)}")
        if refresh_interval < 0:
            raise ConfigError("CORS refresh_interval must be zero or more seconds")
        self._snapshot = _Snapshot(None, named, _check_routes(routes or {}, named), default)
        self._store = store
        self._key = store_key
        self._interval = float(refresh_interval)
        self._clock: Clock | None = clock or (store.now if store is not None else None)
        self._next_refresh = float("-inf")
        self._compiled: dict[int, RouteCORS] = {}
        self.refresh()

    # --- run-time updates -------------------------------------------------------------------
    def refresh(self, *, force: bool = False) -> bool:
        """Re-read the stored policy set if the interval has passed. True when a new version was applied."""
        if self._store is None or self._clock is None:
            return False
        now = self._clock()
        if not force and now < self._next_refresh:
            return False
        self._next_refresh = now + self._interval
        try:
            raw = self._store.get(self._key)
        except StoreError:
            emit("cors.policy_refresh_failed", reason="store_error", key=self._key)
            return False
        if raw is None:
            return False
        try:
            doc = json.loads(raw)
            version = doc["version"]
            if version == self._snapshot.version:
                return False
            named = compile_policies(doc["policies"])
            routes = _check_routes(doc.get("routes") or {}, named)
            default = doc.get("default", self._snapshot.default)
            if default is not None and default not in named:
                raise ConfigError(f"CORS default policy {default!r} is not defined")
        except (ConfigError, ValueError, KeyError, TypeError, AttributeError) as exc:
            emit("cors.policy_update_rejected", key=self._key, reason=str(exc)[:200])
            return False
        self._snapshot = _Snapshot(version, named, routes, default)
        emit("cors.policy_updated", key=self._key, version=version)
        return True

    def publish(
        self,
        policies: Mapping[str, CORSPolicy | Mapping[str, Any]],
        *,
        routes: Mapping[str, str | None] | None = None,
        default: str | None = None,
    ) -> int:
        """Store a new policy set for every guard sharing the store, and apply it here at once."""
        if self._store is None:
            raise ConfigError("CORSGuard.publish needs a store; pass store=apishield.stores.from_url(...)")
        version = publish_policies(
            self._store,
            policies,
            routes=routes,
            default=default if default is not None else self._snapshot.default,
            key=self._key,
        )
        self.refresh(force=True)
        return version

    def update_policy(self, name: str, config: CORSPolicy | Mapping[str, Any]) -> int:
        """Replace or add one named policy, keeping the others and the route map."""
        snap = self._snapshot
        merged: dict[str, CORSPolicy | Mapping[str, Any]] = dict(snap.policies)
        merged[name] = config
        return self.publish(merged, routes=snap.routes, default=snap.default)

    @property
    def version(self) -> int | None:
        return self._snapshot.version

    # --- per request ------------------------------------------------------------------------
    def policy_for(self, route: str) -> CORSPolicy | None:
        snap = self._snapshot
        name = snap.routes.get(route, snap.default)
        return snap.policies.get(name) if name is not None else None

    def check(self, view: RequestView) -> Allow:
        """Allow with the CORS headers for ``view``; raises :class:`Reject` (403) for a refused preflight."""
        self.refresh()
        policy = self.policy_for(view.route_or_path)
        if policy is None:
            return Allow()
        origin = view.origin
        if origin is None:
            return Allow(headers={"Vary": "Origin"} if policy.varies_by_origin else {})
        if view.method == "OPTIONS" and view.headers.get("access-control-request-method") is not None:
            headers = preflight_headers(policy, view)
            view.state[PREFLIGHT_STATE_KEY] = True
            return Allow(headers=headers)
        headers = policy.headers_for(origin, view.method)
        if not headers and policy.varies_by_origin:
            return Allow(headers={"Vary": "Origin"})
        return Allow(headers=headers)

    def for_route(self, settings: Any) -> RouteCORS | None:
        """The compiled CORS step for a route: its own policy (``settings.cors``: a :class:`CORSPolicy`, a dict
        of its settings, or ``False`` for none) or the guard's default policy; None when no policy applies.
        Policies published at run time reach routes compiled afterwards."""
        own = getattr(settings, "cors", None)
        if own is False:
            return None
        if own is None:
            self.refresh()
            snap = self._snapshot
            policy = snap.policies.get(snap.default) if snap.default is not None else None
            if policy is None:
                return None
        elif isinstance(own, Mapping):
            policy = CORSPolicy.from_dict(own)
        elif isinstance(own, CORSPolicy):
            policy = own
        else:
            raise ConfigError("route CORS setting must be a CORSPolicy, a dict of its settings, or False")
        hit = self._compiled.get(id(policy))
        if hit is None or hit.policy is not policy:
            hit = RouteCORS(policy)
            if len(self._compiled) < 256:
                self._compiled[id(policy)] = hit
        return hit


def preflight_headers(policy: CORSPolicy, view: RequestView) -> dict[str, str]:
    """The headers answering an allowed preflight; raises :class:`Reject` (403, no CORS headers) otherwise."""
    origin = view.origin or ""
    request_method = str(view.headers.get("access-control-request-method") or "")
    requested = view.headers.get("access-control-request-headers") or ""
    headers = policy.headers_for(origin, request_method, preflight=True, request_headers=[requested])
    if not headers:
        emit("cors.preflight_refused", route=view.route_or_path, method=request_method[:32])
        raise Reject(403, "The cross-origin request is not allowed.", title="CORS preflight refused")
    return headers


class RouteCORS:
    """One policy compiled for the request path: the ``Vary`` to send when the origin is absent or refused,
    the header list per (allowed origin, method) cached, and the preflight answer."""

    __slots__ = ("_cache", "policy", "vary")
    _CACHE_SIZE = 1024

    def __init__(self, policy: CORSPolicy) -> None:
        self.policy = policy
        self.vary: list[tuple[str, str]] = [("Vary", "Origin")] if policy.varies_by_origin else []
        self._cache: dict[tuple[str, str], list[tuple[str, str]]] = {}

    def simple(self, origin: str, method: str) -> list[tuple[str, str]] | None:
        """Headers for an actual (non-preflight) request from ``origin``; None when the origin is refused."""
        key = (origin, method)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        headers = self.policy.headers_for(origin, method)
        if not headers:
            return None
        items = list(headers.items())
        if len(self._cache) < self._CACHE_SIZE:  # only allowed origins get here, so the cache stays small
            self._cache[key] = items
        return items

    def preflight(self, view: RequestView) -> list[tuple[str, str]]:
        """The headers of an allowed preflight; raises :class:`Reject` 403 when refused."""
        return list(preflight_headers(self.policy, view).items())


__all__ = [
    "DEFAULT_METHODS",
    "PREFLIGHT_STATE_KEY",
    "CORSGuard",
    "CORSPolicy",
    "RouteCORS",
    "compile_policies",
    "preflight_headers",
    "publish_policies",
]
