"""Whose data an answer carries: a password vault that serves the caller the secrets it stored itself is no
leak (another identity's secret served to it is) — also when the write that stored them is answered after a read
that already shows them (concurrent requests are answered out of order) — and a protected GET answered 200 with
``null`` (or an object of empty members, ``{"user": null}``) to an anonymous caller served nothing (the same GET
answered with the data is access)."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
ENTRY = {"type": "object", "properties": {"app_name": {"type": "string"}, "password": {"type": "string"}}}
PATHS: dict[str, Any] = {
    "/login": {"post": {"requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
        "username": {"type": "string"}, "password": {"type": "string"}}}}}}, "responses": OK}},
    "/vault": {"post": {"security": BEARER, "requestBody": {"content": {"application/json": {"schema": ENTRY}}},
                        "responses": {"201": {"description": "stored"}}},
               "get": {"security": BEARER, "parameters": [
                   {"name": "app_name", "in": "query", "required": False, "schema": {"type": "string"}}],
                   "responses": OK}},
}
ACCOUNTS = {"alice": "alice-login-1", "bob": "bob-login-2"}
RECIPE = LoginRecipe("POST", "/login", token_path="token", bodies=tuple(
    {"username": name, "password": password} for name, password in ACCOUNTS.items()))


def _app(everyone: bool, anonymous: str, show_owner: bool = True, late_writes: bool = False) -> Any:
    """A vault: ``everyone`` serves every owner's entries, one of bob's among them (else the caller's own, all
    stored by the probe); ``show_owner`` names each entry's owner in the answer; ``anonymous`` is what a caller
    without a token gets: ``"null"`` (200 null), ``"nobody"`` (200 ``{"user": null, "authenticated": false}``),
    ``"data"`` (200 and every entry) or ``"refused"`` (401)."""
    tokens: dict[str, str] = {}
    vault = [{"owner": "bob", "app_name": "mail", "password": "bob-mail-Secret-77"}] if everyone else []

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if route == "/login" and method == "POST":
            sent = json.loads(body or b"{}")
            if ACCOUNTS.get(sent.get("username")) != sent.get("password"):
                return 401, {}, {"error": "bad credentials"}
            token = secrets.token_hex(8)
            tokens[token] = sent["username"]
            return 200, {}, {"token": token}
        caller = tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if route != "/vault":
            return 404, {}, {"error": "not found"}
        if caller is None:
            if anonymous == "refused" or method != "GET":
                return 401, {}, {"error": "login first"}
            if anonymous == "nobody":
                return 200, {}, {"user": None, "authenticated": False, "roles": []}
            return 200, {}, (vault if anonymous == "data" else None)
        if method == "POST":
            entry = json.loads(body or b"{}")
            if not isinstance(entry, dict) or not isinstance(entry.get("password"), str):
                return 422, {}, {"error": "password required"}
            vault.append({"owner": caller, "app_name": str(entry.get("app_name", "")), "password": entry["password"]})
            if late_writes:  # stored at once, answered late: reads sent meanwhile show the entry first
                time.sleep(0.3)
            return 201, {}, {"status": "stored"}
        rows = [e for e in vault if everyone or e["owner"] == caller]  # the app_name filter is not applied
        return 200, {}, [e if show_owner else {k: v for k, v in e.items() if k != "owner"} for e in rows]
    return app


@pytest.mark.parametrize(("everyone", "show_owner"), [(False, True), (False, False), (True, True), (True, False)])
def test_a_vault_serving_the_callers_own_secrets_is_no_leak(tmp_path: Path, everyone: bool, show_owner: bool) -> None:
    with loopback(_app(everyone, "refused", show_owner)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("injection", "passive"), login=RECIPE)
    assert (("PR-AUTH-002", "GET", "/vault") in findings_at(result)) is everyone


@pytest.mark.parametrize("everyone", [False, True])
def test_a_callers_own_secret_shown_before_its_write_is_answered_is_its_own(tmp_path: Path, everyone: bool) -> None:
    with loopback(_app(everyone, "refused", show_owner=False, late_writes=True)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("injection", "passive"), login=RECIPE)
    assert (("PR-AUTH-002", "GET", "/vault") in findings_at(result)) is everyone


@pytest.mark.parametrize("anonymous", ["null", "nobody", "data"])
def test_a_protected_get_answering_null_to_anonymous_served_nothing(tmp_path: Path, anonymous: str) -> None:
    with loopback(_app(True, anonymous)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("authn",), login=RECIPE)
    assert (("PR-AUTH-001", "GET", "/vault") in findings_at(result)) is (anonymous == "data")


@pytest.mark.parametrize(("write_left", "leak"), [(1, False), (4, True)])
def test_a_write_that_left_before_the_read_was_answered_is_the_callers_own(write_left: int, leak: bool) -> None:
    """The read is numbered (and logged) before the write; only the write's leaving before the read's answer came
    makes the secret the read shows possibly the caller's own."""
    import asyncio

    import httpx

    from apishield.probe.checks.disclosure import passive
    from apishield.probe.client import Exchange, ProbeClient
    from apishield.probe.engine import Context, Identity, ProbeOptions
    from apishield.probe.targets import Operation

    client = ProbeClient("http://127.0.0.1:9", rate=0, transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    ops = [Operation("POST", "/vault", secured=True), Operation("GET", "/vault", secured=True)]
    ctx = Context(client, ops, [Identity("alice", headers={"Authorization": "Bearer t"}, verified=True)],
                  ProbeOptions(), lambda e, d: None)
    json_type = (("Content-Type", "application/json"),)
    secret = "alice-mail-Secret-77"
    read = Exchange(1, "crawl", "alice", "GET", "http://127.0.0.1:9/vault", (), b"", 200, json_type,
                    json.dumps([{"app_name": "mail", "password": secret}]).encode(), operation="GET /vault",
                    dispatched=2, answered=3)
    write = Exchange(2, "crawl", "alice", "POST", "http://127.0.0.1:9/vault", json_type,
                     json.dumps({"app_name": "mail", "password": secret}).encode(), 201, json_type, b"{}",
                     operation="POST /vault", dispatched=write_left, answered=write_left + 1)
    client.log.extend([read, write])

    async def go() -> None:
        await passive(ctx)
        await client.aclose()

    asyncio.run(go())
    assert any(f.rule_id == "PR-AUTH-002" for f in ctx.findings) is leak


DEBUG_PATHS: dict[str, Any] = {
    "/login": PATHS["/login"],
    "/debug": {"get": {"security": BEARER, "responses": OK}},
}


def _echo_app(extra: dict[str, str]) -> Any:
    """``GET /debug`` answers the request's own headers to anyone, with ``extra`` members added."""
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if route == "/login" and method == "POST":
            sent = json.loads(body or b"{}")
            ok = ACCOUNTS.get(sent.get("username")) == sent.get("password")
            return (200, {}, {"token": secrets.token_hex(8)}) if ok else (401, {}, {"error": "bad credentials"})
        if route == "/debug":
            return 200, {}, {**headers, **extra}
        return 404, {}, {"error": "not found"}
    return app


@pytest.mark.parametrize(("extra", "reported"), [({}, False), ({"X-Internal-Build": "7f3a-prod"}, True)])
def test_a_protected_get_that_only_echoes_the_requests_headers_serves_nothing(tmp_path: Path, extra: dict[str, str],
                                                                              reported: bool) -> None:
    """An answer made of the request's own headers shows an anonymous caller only what it sent; one member the
    request did not carry is the server's own, and access."""
    with loopback(_echo_app(extra)) as url:
        result = probe_paths(tmp_path, url, DEBUG_PATHS, ("authn",), login=RECIPE)
    assert (("PR-AUTH-001", "GET", "/debug") in findings_at(result)) is reported
