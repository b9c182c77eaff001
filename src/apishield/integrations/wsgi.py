"""Generic WSGI middleware: put any WSGI application behind a :class:`~apishield.shield.Shield`.

    app = ShieldMiddleware(app, shield, routes={"GET /health": {"public": True}})

Route settings come from the shield's ``routes`` configuration and the ``routes`` argument (path
patterns), since a plain WSGI app has no route objects. Unknown paths are protected (deny-by-default).
The principal is put in ``environ["apishield.principal"]``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from apishield.integrations._common import merge_headers, status_line, view_from_environ
from apishield.shield import Outcome, RouteSettings, RouteTable, Shield

WSGIEnviron = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[WSGIEnviron, StartResponse], Iterable[bytes]]

PRINCIPAL_KEY = "apishield.principal"


def read_body(environ: WSGIEnviron, limit: int) -> bytes | None:
    """Read the request body (at most ``limit`` bytes) and put it back for the application.

    Returns ``None`` when the body is larger than ``limit``.
    """
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return None
    stream = environ.get("wsgi.input")
    data = stream.read(length) if (stream is not None and length > 0) else b""
    environ["wsgi.input"] = io.BytesIO(data)
    return bytes(data)


def respond(outcome: Outcome, start_response: StartResponse) -> list[bytes]:
    """Send a terminal outcome (rejection, preflight, redirect) as the WSGI response."""
    headers = list(outcome.headers)
    if outcome.body or outcome.status not in (204, 304):
        headers.append(("Content-Length", str(len(outcome.body))))
    start_response(status_line(outcome.status), headers)
    return [outcome.body]


class ShieldMiddleware:
    """WSGI middleware running the shield before the application and adding its response headers."""

    def __init__(
        self,
        app: WSGIApp,
        shield: Shield,
        routes: Mapping[str, RouteSettings | Mapping[str, Any]] | None = None,
    ) -> None:
        self.app = app
        self.shield = shield
        self.routes = RouteTable(routes or {})

    def _settings(self, method: str, path: str) -> RouteSettings:
        declared = self.routes.lookup(method, path) if self.routes else None
        return self.shield.settings_for(method, path, declared)

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        shield = self.shield
        if not shield.server_checked:
            shield.note_server(environ.get("SERVER_SOFTWARE"))
        view = view_from_environ(shield, environ)
        compiled = shield.compile(self._settings(view.method, view.path))
        return guarded_call(shield, compiled, view, environ, start_response, self.app)


def guarded_call(
    shield: Shield,
    compiled: Any,
    view: Any,
    environ: WSGIEnviron,
    start_response: StartResponse,
    app: Callable[[WSGIEnviron, StartResponse], Iterable[bytes]],
) -> Iterable[bytes]:
    """Run the shield on one WSGI request: answer a refusal, or call ``app`` with our headers merged in.

    Shared by the generic middleware and the Flask extension, which differ only in how they find the route.
    """
    if compiled.may_read_body and shield.needs_body(compiled, view):
        body = read_body(environ, shield.config.validation.max_body_size)
        if body is None:
            return respond(shield.too_large(view), start_response)
        view.body = body
    outcome = shield.process(view, compiled)
    if not outcome.allowed:
        return respond(outcome, start_response)
    environ[PRINCIPAL_KEY] = outcome.principal
    extra = outcome.headers
    known = shield.emitted_headers

    def _start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if exc_info is not None:
            return start_response(status, merge_headers(headers, extra, known), exc_info)
        return start_response(status, merge_headers(headers, extra, known))

    return app(environ, _start)


__all__ = ["PRINCIPAL_KEY", "ShieldMiddleware", "guarded_call", "read_body", "respond"]
