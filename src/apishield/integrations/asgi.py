"""Generic ASGI middleware: put any ASGI application behind a :class:`~apishield.shield.Shield`.

    app = ShieldASGIMiddleware(app, shield=shield, routes={"GET /health": {"public": True}})

Route settings come from path patterns (the shield's ``routes`` config and the ``routes`` argument) or from
a ``resolver(scope) -> RouteSettings | None`` that a framework adapter provides (FastAPI does). The
principal is put in ``scope["state"]["apishield.principal"]`` (``request.state`` in Starlette).

WebSocket handshakes go through the same pipeline (as the ``GET`` they are) before the application sees
them. A refusal is an HTTP answer to the handshake when the server offers the ``websocket.http.response``
extension (uvicorn, Starlette's test client), else a close before accept with code 4000 + the status
(4401, 4403, 4429). Lifespan scopes pass through untouched.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from apishield.integrations._common import scope_path, vary_missing, view_from_scope
from apishield.shield import SAFE_METHODS, Outcome, RouteSettings, RouteTable, Shield

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Resolver = Callable[[Scope], "RouteSettings | None"]

PRINCIPAL_KEY = "apishield.principal"
ROUTE_KEY = "apishield.route"
"""A resolver may put the matched route template here (``scope["state"]``) for route-keyed limits."""
log = logging.getLogger("apishield")


_NAMES: dict[str, bytes] = {}


def _name(name: str) -> bytes:
    """A header name as ASGI wants it (lower-case bytes), cached: the shield uses a few fixed names."""
    encoded = _NAMES.get(name)
    if encoded is None:
        encoded = name.lower().encode("latin-1")
        if len(_NAMES) < 256:
            _NAMES[name] = encoded
    return encoded


_ENCODED: dict[tuple[str, str], tuple[bytes, bytes]] = {}
_PER_REQUEST = frozenset({"RateLimit", "Retry-After"})  # values that change with every answer


def _encode(pair: tuple[str, str]) -> tuple[bytes, bytes]:
    """A response header as ASGI bytes; the static ones (security, CORS) are encoded once."""
    hit = _ENCODED.get(pair)
    if hit is None:
        hit = (_NAMES.get(pair[0]) or _name(pair[0]), pair[1].encode("latin-1"))
        if len(_ENCODED) < 512 and pair[0] not in _PER_REQUEST:
            _ENCODED[pair] = hit
    return hit


def _merge(headers: list[tuple[bytes, bytes]], extra: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The application's headers plus ours where it set none (its own values win); ``Vary`` is combined."""
    present = {k.lower() for k, _ in headers}
    for name, value in extra:
        if name not in present:
            headers.append((name, value))
            present.add(name)
        elif name == b"vary":
            headers = _merge_vary(headers, value)
    return headers


def _merge_vary(headers: list[tuple[bytes, bytes]], value: bytes) -> list[tuple[bytes, bytes]]:
    """Add the tokens of ``value`` that no ``Vary`` line lists yet to the first ``Vary`` line."""
    lines = [v.decode("latin-1") for k, v in headers if k.lower() == b"vary"]
    missing = vary_missing(lines, value.decode("latin-1")).encode("latin-1")
    if not missing:
        return headers
    out: list[tuple[bytes, bytes]] = []
    done = False
    for k, v in headers:
        if not done and k.lower() == b"vary":
            out.append((k, v + b", " + missing if v.strip() else missing))
            done = True
        else:
            out.append((k, v))
    return out


async def send_outcome(outcome: Outcome, send: Send) -> None:
    """Send a terminal outcome (rejection, preflight answer, redirect) as the ASGI response."""
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in outcome.headers]
    if outcome.body or outcome.status not in (204, 304):
        headers.append((b"content-length", str(len(outcome.body)).encode()))
    await send({"type": "http.response.start", "status": outcome.status, "headers": headers})
    await send({"type": "http.response.body", "body": outcome.body})


async def read_body(receive: Receive, limit: int) -> tuple[bytes | None, list[Message]]:
    """Read the whole body (``None`` if it exceeds ``limit``) and the messages to replay to the app."""
    chunks: list[bytes] = []
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None, messages
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), messages


def replay(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that hands out ``messages`` first, then defers to the real one."""
    pending = list(messages)

    async def _receive() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return _receive


#: what a resolver returns for a request another shield guards (a mounted application with its own shield):
#: this middleware passes it through untouched, so one request is checked and counted once
DELEGATED = RouteSettings(public=True)


class ShieldASGIMiddleware:
    """ASGI middleware running the shield before the application and adding its response headers."""

    def __init__(
        self,
        app: ASGIApp,
        shield: Shield,
        routes: Any = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.app = app
        self.shield = shield
        self.routes = RouteTable(routes or {})
        self.resolver = resolver
        self._has_routes = bool(self.routes)
        #: (the shield's emitted_headers set, the same names as ASGI bytes) for the response-header fast path
        self._known: tuple[frozenset[str], frozenset[bytes]] = (frozenset(), frozenset())

    def _known_names(self) -> frozenset[bytes]:
        """Every header name an allowed outcome can carry, encoded; rebuilt when the shield's set grows."""
        emitted = self.shield.emitted_headers
        known = self._known
        if known[0] is not emitted:
            known = (emitted, frozenset(name.encode("latin-1") for name in emitted))
            self._known = known
        return known[1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await self._websocket(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        shield = self.shield
        if not shield.server_checked:
            shield.note_server(scope.get("server_software") or None)
        method = scope.get("method", "GET")
        path = scope_path(scope)
        resolver = self.resolver
        declared = resolver(scope) if resolver is not None else None
        if declared is None and self._has_routes:
            declared = self.routes.lookup(method, path)
        elif declared is DELEGATED:
            await self.app(scope, receive, send)
            return
        compiled = shield.route_for(method, path, declared)
        state = scope.get("state")
        view = view_from_scope(shield, scope, route=state.get(ROUTE_KEY) if state else None, path=path)
        if method not in SAFE_METHODS and compiled.may_read_body and shield.needs_body(compiled, view):
            body, messages = await read_body(receive, shield.config.validation.max_body_size)
            if body is None:
                await send_outcome(shield.too_large(view), send)
                return
            view.body = body
            receive = replay(messages, receive)
        outcome = shield.process(view, compiled)
        if not outcome.allowed:
            await send_outcome(outcome, send)
            return
        if state is None:
            state = scope["state"] = {}
        state[PRINCIPAL_KEY] = outcome.principal
        cached = _ENCODED.get
        extra = [cached(pair) or _encode(pair) for pair in outcome.headers]
        known = self._known[1] if self._known[0] is shield.emitted_headers else self._known_names()
        started = False

        async def _send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                raw = message.get("headers") or ()
                for name, _ in raw:
                    if name.lower() in known:  # the app set a header we also set: merge with care
                        headers = _merge(list(raw), extra)
                        break
                else:  # the usual case (Content-Type/Length only): a plain join
                    headers = [*raw, *extra]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, _send)
        except Exception:
            # the application failed: answer a bare 500 problem (the traceback goes to the log only)
            log.exception("apishield: unhandled error in %s %s", view.method, view.path)
            if started:
                raise
            await send_outcome(shield.error_outcome(view, 500), send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the shield on a WebSocket handshake; the application sees only the allowed ones."""
        shield = self.shield
        path = scope_path(scope)
        declared = self.resolver(scope) if self.resolver is not None else None
        if declared is None and self._has_routes:
            declared = self.routes.lookup("GET", path)
        elif declared is DELEGATED:
            await self.app(scope, receive, send)
            return
        settings = shield.settings_for("GET", path, declared)
        state = scope.get("state")
        view = connection_view(shield, scope, route=state.get(ROUTE_KEY) if state else None, path=path)
        outcome = shield.process(view, shield.compile(settings))
        if outcome.allowed and not _origin_allowed(shield, view, outcome.principal):
            outcome = shield.error_outcome(view, 403, "Cross-site WebSocket connections are not allowed.")
        if not outcome.allowed:
            await deny_websocket(outcome, scope, receive, send)
            return
        if state is None:
            state = scope["state"] = {}
        state[PRINCIPAL_KEY] = outcome.principal
        await self.app(scope, receive, send)


_HTTP_SCHEME = {"ws": "http", "wss": "https", "http": "http", "https": "https"}


def connection_view(shield: Shield, scope: Scope, *, route: str | None = None, path: str | None = None) -> Any:
    """The request view of an HTTP request or a WebSocket handshake (an HTTP GET: ``ws``/``wss`` count as
    ``http``/``https`` for the HTTPS policy and the origin checks)."""
    if scope.get("type") == "websocket":
        scope = {**scope, "scheme": _HTTP_SCHEME.get(scope.get("scheme", "ws"), "http")}
    return view_from_scope(shield, scope, route=route, path=path)
_COOKIE_AUTH = frozenset({"session", "cookie"})


def _origin_allowed(shield: Shield, view: Any, principal: Any) -> bool:
    """A handshake authenticated by a cookie must come from this site, a CORS origin or a CSRF-trusted one:
    browsers send cookies with cross-site WebSocket handshakes and no CORS check applies to them (CSWSH)."""
    if str(getattr(principal, "auth_method", "")).lower() not in _COOKIE_AUTH:
        return True
    origin = view.headers.get("origin")
    if origin is None:
        return True  # not a browser: nothing rode along on someone else's page
    host = view.headers.get("host") or ""
    config = shield.config
    return origin in (f"{view.scheme}://{host}", *config.cors.origins, *config.csrf.trusted_origins)


async def deny_websocket(outcome: Outcome, scope: Scope, receive: Receive, send: Send) -> None:
    """Refuse a WebSocket handshake: an HTTP answer when the server can send one, else a close code."""
    message = await receive()  # websocket.connect
    if message.get("type") != "websocket.connect":
        return
    if "websocket.http.response" in (scope.get("extensions") or {}):
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in outcome.headers]
        headers.append((b"content-length", str(len(outcome.body)).encode()))
        await send({"type": "websocket.http.response.start", "status": outcome.status, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": outcome.body})
        return
    await send({"type": "websocket.close", "code": close_code(outcome.status)})


def close_code(status: int) -> int:
    """The WebSocket close code for a refusal: 4000 + the HTTP status (4401, 4403, 4429), else 1008."""
    return 4000 + status if 400 <= status < 600 else 1008


__all__ = [
    "DELEGATED",
    "PRINCIPAL_KEY",
    "ROUTE_KEY",
    "ShieldASGIMiddleware",
    "close_code",
    "connection_view",
    "deny_websocket",
    "read_body",
    "replay",
    "send_outcome",
]
