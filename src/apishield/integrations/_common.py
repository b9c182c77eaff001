"""Glue shared by the adapters: request views from WSGI environs and ASGI scopes, header merging."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from apishield.config import MODE_ENV, ShieldConfig
from apishield.request import CaseInsensitiveHeaders, RequestView
from apishield.shield import Outcome, Shield
from apishield.shield.http import apply_headers, error_outcome, merge_headers, status_line, vary_missing
from apishield.web.headers import csp_directives

log = logging.getLogger("apishield")

Header = tuple[str, str]
_ENVIRON_KEYS: dict[str, str] = {}
_SCOPE_KEYS: dict[str, bytes] = {}


class EnvironHeaders(CaseInsensitiveHeaders):
    """Request headers read straight from a WSGI environ, without copying them (hot path)."""

    __slots__ = ("_environ",)

    def __init__(self, environ: Mapping[str, Any]) -> None:
        self._environ = environ

    @staticmethod
    def _key(name: str) -> str:
        key = _ENVIRON_KEYS.get(name)
        if key is None:
            upper = name.upper().replace("-", "_")
            key = upper if upper in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + upper
            if len(_ENVIRON_KEYS) < 512:  # names come from code, not from requests; the bound is a backstop
                _ENVIRON_KEYS[name] = key
        return key

    def __getitem__(self, key: str) -> str:
        value = self._environ.get(self._key(key))
        if value is None:
            raise KeyError(key)
        return str(value)

    def get(self, key: str, default: Any = None) -> Any:
        return self._environ.get(_ENVIRON_KEYS.get(key) or self._key(key), default)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._key(key) in self._environ

    def __iter__(self) -> Iterator[str]:
        for key in self._environ:
            if key.startswith("HTTP_"):
                yield key[5:].replace("_", "-").lower()
            elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                yield key.replace("_", "-").lower()

    def __len__(self) -> int:
        return sum(1 for _ in self)


class ScopeHeaders(CaseInsensitiveHeaders):
    """Request headers read from an ASGI scope's (lower-case bytes) header list, decoded on access."""

    __slots__ = ("_raw",)

    def __init__(self, raw: dict[bytes, bytes]) -> None:  # no super().__init__: nothing to copy
        self._raw = raw

    @staticmethod
    def _key(name: str) -> bytes:
        key = _SCOPE_KEYS.get(name)
        if key is None:
            key = name.lower().encode("latin-1")
            if len(_SCOPE_KEYS) < 512:
                _SCOPE_KEYS[name] = key
        return key

    def __getitem__(self, key: str) -> str:
        return self._raw[self._key(key)].decode("latin-1")

    def get(self, key: str, default: Any = None) -> Any:
        value = self._raw.get(_SCOPE_KEYS.get(key) or self._key(key))
        return default if value is None else value.decode("latin-1")

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._key(key) in self._raw

    def __iter__(self) -> Iterator[str]:
        return (k.decode("latin-1") for k in self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def scope_headers(raw: Any) -> CaseInsensitiveHeaders:
    """Headers of an ASGI scope; repeated names fall back to the merging (comma-joined) mapping."""
    table = dict(raw)
    if len(table) == len(raw):
        return ScopeHeaders(table)
    return CaseInsensitiveHeaders((k.decode("latin-1"), v.decode("latin-1")) for k, v in raw)


def view_from_environ(
    shield: Shield, environ: Mapping[str, Any], *, route: str | None = None, body: bytes | None = None
) -> RequestView:
    """A request view for a WSGI environ (client address and scheme through the trusted proxies)."""
    method = environ.get("REQUEST_METHOD", "GET")
    peer = environ.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 - unknown peer marker
    scheme = environ.get("wsgi.url_scheme", "http")
    query = environ.get("QUERY_STRING", "")
    if shield.proxies.networks:
        return shield.request_view(
            method, _wsgi_path(environ), EnvironHeaders(environ), peer=peer, scheme=scheme,
            query_string=query, route=route, body=body,
        )
    # no trusted proxies: the peer is the client and the scheme is the connection's (what request_view does)
    return RequestView(
        method=method, path=_wsgi_path(environ), headers=EnvironHeaders(environ), client_ip=peer, scheme=scheme,
        route=route, query_string=query, body=body,
    )


def _wsgi_path(environ: Mapping[str, Any]) -> str:
    path = (environ.get("SCRIPT_NAME", "") or "") + (environ.get("PATH_INFO", "") or "")
    if path.isascii():  # the usual case: latin-1 and UTF-8 agree
        return path
    try:
        # PEP 3333: PATH_INFO is latin-1 decoded bytes; recover the UTF-8 text the client sent
        return path.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return path or "/"


def scope_path(scope: Mapping[str, Any]) -> str:
    """The full request path of an ASGI scope. Servers and Starlette's ``Mount`` put the mount prefix in
    ``root_path`` and (since the ASGI spec's clarification, which Starlette follows) keep it in ``path`` too;
    older ones leave it out of ``path``. Either way the prefix counts once."""
    path = scope.get("path") or "/"
    root = scope.get("root_path")
    if not root or path.startswith(root):
        return str(path)
    return str(root + path)


def view_from_scope(
    shield: Shield, scope: Mapping[str, Any], *, route: str | None = None, path: str | None = None
) -> RequestView:
    """A request view for an ASGI HTTP scope (``path``: root_path + path, when the caller has it already)."""
    headers = scope_headers(scope.get("headers") or ())
    client = scope.get("client")
    peer = client[0] if client else "0.0.0.0"  # noqa: S104 - unknown peer marker
    if path is None:
        path = scope_path(scope)
    qs = scope.get("query_string", b"")
    query = qs.decode("latin-1") if isinstance(qs, bytes) else str(qs)
    method = scope.get("method", "GET")
    scheme = scope.get("scheme", "http")
    if shield.proxies.networks:
        return shield.request_view(method, path, headers, peer=peer, scheme=scheme, query_string=query, route=route)
    # no trusted proxies: the peer is the client and the scheme is the connection's (what request_view does)
    return RequestView(
        method=method, path=path, headers=headers, client_ip=peer, scheme=scheme, route=route, query_string=query
    )


def problem_outcome(shield: Shield, status: int, detail: str) -> Outcome:
    """A problem+json outcome for failures the adapters detect themselves (e.g. an unreadable body)."""
    return error_outcome(status, detail)


# --- start-up hint: a docs UI page under a CSP that blocks its scripts ---------------------------------------
#: the last path segment of the usual API documentation pages (FastAPI, flasgger, flask-smorest, drf-spectacular)
DOCS_UI_SEGMENTS = frozenset({"docs", "redoc", "swagger", "swagger-ui", "apidocs", "apidoc", "api-docs", "rapidoc"})
#: a policy the default Swagger UI / ReDoc pages load under (their CDN and their inline start-up script)
DOCS_UI_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; worker-src 'self' blob:; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly"
)
_hinted: set[tuple[int, str, str]] = set()


def is_docs_ui_path(path: str) -> bool:
    """True for the paths documentation UIs are served at (``/docs``, ``/api/redoc``, ``/apidocs/``...)."""
    return path.rstrip("/").rsplit("/", 1)[-1].lower() in DOCS_UI_SEGMENTS


def blocks_inline_scripts(csp: str | None) -> bool:
    """True when the policy refuses inline scripts, which every Swagger UI / ReDoc page starts with: the
    effective script source list (``script-src-elem``, ``script-src``, else ``default-src``) has neither
    ``'unsafe-inline'`` nor a nonce or hash."""
    if not csp:
        return False
    directives = csp_directives(csp)
    sources = next((directives[d] for d in ("script-src-elem", "script-src", "default-src") if d in directives), None)
    if sources is None:
        return False
    allowing = ("'nonce-", "'sha256-", "'sha384-", "'sha512-")
    return not any(s == "'unsafe-inline'" or s.startswith(allowing) for s in sources)


def hint_docs_ui_csp(shield: Shield, routes: Iterable[tuple[str, str, Any]], known: Iterable[str] = ()) -> list[str]:
    """Warn once per shield and page about a docs UI route (a :data:`DOCS_UI_SEGMENTS` path or one of
    ``known``, e.g. FastAPI's ``docs_url``) whose Content-Security-Policy blocks its scripts, with the one-line
    fix. Returns the pages warned about in this call."""
    pages = set(known)
    found = []
    for method, path, settings in routes:
        if method not in ("GET", "*") or not (path in pages or is_docs_ui_path(path)):
            continue
        rows = shield.compile(settings).headers.table[(False, True)]
        csp = next((v for k, v in rows if k.lower() == "content-security-policy"), None)
        key = (id(shield), method, path)
        if not blocks_inline_scripts(csp) or key in _hinted:
            continue
        _hinted.add(key)
        found.append(path)
        log.warning(
            "apishield: %s looks like an API docs page, and its Content-Security-Policy (%s) stops its scripts: "
            'the page stays blank. Fix: Shield(routes={"GET %s": {"public": True, "headers": '
            '{"Content-Security-Policy": "%s"}}}) or switch the page off in production',
            path, csp, path, DOCS_UI_CSP,
        )
    return found


# --- development detected from the framework's debug switch -------------------------------------------------
_TRUE = ("1", "true", "yes", "on")


def mode_was_given(config: Any, settings: Mapping[str, Any], app_keys: Mapping[str, Any] | None = None) -> bool:
    """True when the mode was chosen anywhere: ``mode=``, a config mapping with ``mode``, a config object or
    file (read as chosen: their default cannot be told from an explicit ``production``), the app's
    ``APISHIELD_MODE`` config key, or the ``APISHIELD_MODE`` environment variable."""
    if os.environ.get(MODE_ENV, "").strip() or "mode" in settings or (app_keys and "mode" in app_keys):
        return True
    if config is None:
        return False
    if isinstance(config, Mapping):
        return "mode" in config
    return True  # a ShieldConfig, a TOML path


def debug_reason(app_debug: bool, env: str | None = None) -> str | None:
    """Why the app counts as in development (its debug flag, with the environment variable that set it)."""
    if not app_debug:
        return None
    value = os.environ.get(env, "") if env else ""
    return f"{env}={value}" if value.strip().lower() in _TRUE else "the app's debug flag is on"


def development_settings(shield: Shield, reason: str | None, chosen: bool) -> dict[str, Any] | None:
    """``{"mode": "development"}`` to rebuild the shield with, when the app runs in debug (``reason``) and no
    mode was chosen; the switch is announced with one loud warning. None when nothing changes."""
    if reason is None or chosen or not isinstance(shield.config, ShieldConfig) or not shield.config.production:
        return None
    log.warning(
        "apishield: DEVELOPMENT MODE (%s and no mode is configured): plain HTTP is served without redirects and "
        "without HSTS. Never expose this process; set APISHIELD_MODE=production (or mode=\"production\") to "
        "keep production behaviour in debug",
        reason,
    )
    return {"mode": "development"}


__all__ = [
    "DOCS_UI_CSP",
    "EnvironHeaders",
    "apply_headers",
    "blocks_inline_scripts",
    "debug_reason",
    "development_settings",
    "hint_docs_ui_csp",
    "is_docs_ui_path",
    "merge_headers",
    "mode_was_given",
    "problem_outcome",
    "status_line",
    "vary_missing",
    "view_from_environ",
    "view_from_scope",
]
