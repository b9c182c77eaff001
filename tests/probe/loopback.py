"""Tiny HTTP servers on 127.0.0.1 in a thread, for behaviours a full test app would hide: a target that answers
429 to everything, a login that always fails, routes that do not exist. Always stopped."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from apishield.probe.identities import LoginRecipe

Answer = tuple[int, dict[str, str], Any]
Handler = Callable[[str, str, dict[str, str], bytes], Answer]


class DropConnection(Exception):
    """Raised by a handler: the server drops this connection unanswered and goes on serving."""


class StopServing(DropConnection):
    """Raised by a handler: the server drops the connection unanswered and stops listening (a crash)."""


@contextmanager
def loopback(handler: Handler) -> Iterator[str]:
    """Serve ``handler(method, path, headers, body) -> (status, headers, json_or_text)``; yields the base URL."""

    class _H(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            seen = dict(self.headers.items())
            if getattr(handler, "wants_peer", False):  # the connecting address, for servers that key on it
                seen["x-loopback-peer"] = self.client_address[0]
            try:
                status, headers, payload = handler(self.command, self.path, seen, body)
            except DropConnection as exc:
                self.close_connection = True
                if isinstance(exc, StopServing):
                    threading.Thread(target=_stop, daemon=True).start()
                return
            data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        server_version, sys_version = "loopback", ""

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_TRACE = _any

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), _H)

    def _stop() -> None:
        server.shutdown()
        server.server_close()

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def probe_paths(tmp_path: Path, url: str, paths: dict[str, Any], checks: tuple[str, ...], budget: int = 400,
                **config: Any) -> Any:
    """Probe ``url`` with an OpenAPI document made of ``paths`` and only ``checks`` (default budget 400)."""
    from apishield.probe import ProbeConfig, ProbeOptions, probe

    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}))
    return asyncio.run(probe(ProbeConfig(url, openapi=str(spec), options=ProbeOptions(
        budget=budget, rate=0, checks=checks), **config)))


def json_object(body: bytes) -> dict[str, Any]:
    """A request body read as a JSON object; empty when it is not one."""
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def unsigned_token(claims: dict[str, Any]) -> str:
    """A token in JWT form with a made-up signature: for test apps that only read its claims."""
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2ln"


def findings_at(result: Any) -> set[tuple[str, str | None, str | None]]:
    """(rule, method, path) of every finding."""
    return {(f.rule_id, f.method, f.http_path) for f in result.findings}


def bearer_caller(path: str, headers: dict[str, str], tokens: dict[str, tuple[str, int]]
                  ) -> tuple[tuple[str, int] | None, str, Answer | None]:
    """The caller a bearer token names (its user name and id), the request's route, and the answer an app of
    signed-in users gives before its own routes: 401 without a known token, the caller's record at ``/api/me``."""
    who = tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
    route = path.split("?")[0].rstrip("/")
    if who is None:
        return who, route, (401, {}, {"detail": "not authenticated"})
    if route == "/api/me":
        return who, route, (200, {}, {"username": who[0], "id": who[1]})
    return who, route, None


OK = {"200": {"description": "ok"}}


def rows_app(collection: str, tokens: dict[str, int], store: Callable[[dict[str, Any], int], Answer | dict[str, Any]],
             rows: dict[int, dict[str, Any]], owner_only: bool = False) -> Handler:
    """A bearer-token API of numbered rows at ``collection``: ``POST`` hands the JSON body and the caller's id to
    ``store``, which answers a refusal or the row to keep; ``GET`` lists the caller's own rows, and the single read
    shows any row (or, ``owner_only``, only the caller's)."""

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        uid = tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
        route = path.split("?")[0].rstrip("/")
        if uid is None:
            return 401, {}, {"error": "no token"}
        if route == collection and method == "POST":
            kept = store(json_object(body), uid)
            if isinstance(kept, tuple):
                return kept
            row = {"id": len(rows) + 1, "user_id": uid, **kept}
            rows[row["id"]] = row
            return 201, {}, {"id": row["id"]}
        if route == collection and method == "GET":
            return 200, {}, [r for r in rows.values() if r["user_id"] == uid]
        key = route.rsplit("/", 1)[1]
        if route.startswith(collection + "/") and method == "GET" and key.isdigit() and int(key) in rows:
            row = rows[int(key)]
            if not owner_only or row["user_id"] == uid:
                return 200, {}, row
        return 404, {}, {"error": "not found"}

    return app
#: a JSON API whose accounts sign up at ``/api/auth/register`` and sign in by e-mail at ``/api/auth/login``, each
#: account then read (and changed or deleted, as a test adds) at ``/api/users/{id}`` with its bearer token
ACCOUNT_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
EMAIL_ACCOUNTS: dict[str, Any] = {
    "/api/auth/register": {"post": {"requestBody": {"content": {"application/json": {"schema": {
        "type": "object", "properties": {"username": {"type": "string"}, "email": {"type": "string"},
                                         "password": {"type": "string"}}}}}}, "responses": OK}},
    "/api/auth/login": {"post": {"requestBody": {"content": {"application/json": {"schema": {
        "type": "object", "properties": {"email": {"type": "string"}, "password": {"type": "string"}}}}}},
        "responses": OK}},
}
#: alice and bob signing in to :data:`EMAIL_ACCOUNTS` (their accounts are the test's to seed)
EMAIL_LOGIN = LoginRecipe("POST", "/api/auth/login", token_path="token", bodies=(
    {"email": "alice@example.com", "password": "alicepass"}, {"email": "bob@example.com", "password": "bobpass"}))


def email_account_answer(route: str, method: str, data: dict[str, Any], users: dict[int, dict[str, Any]],
                         tokens: dict[str, int], shown: tuple[str, ...] = ("id", "username", "email"),
                         **defaults: Any) -> Answer | None:
    """The sign-up and the sign-in of :data:`EMAIL_ACCOUNTS` over an in-memory ``users`` table (``tokens`` maps
    each bearer token handed out to its account's id; a new account also gets ``defaults``; the sign-in answers the
    ``shown`` fields of the account); None for every other request."""
    if route == "/api/auth/register" and method == "POST":
        uid = max(users) + 1
        users[uid] = {"id": uid, "username": data.get("username"), "email": data.get("email"),
                      "password": data.get("password"), **defaults}
        return 201, {}, {"message": "created"}
    if route == "/api/auth/login" and method == "POST":
        user = next((u for u in users.values() if u["email"] == data.get("email")
                     and u["password"] == data.get("password")), None)
        if user is None:
            return 401, {}, {"error": "bad credentials"}
        token = secrets.token_hex(8)
        tokens[token] = user["id"]
        return 200, {}, {"token": token, "user": {k: user[k] for k in shown}}
    return None
