"""What answers disclose: password hashes by shape and name, card numbers (Luhn), private keys, exception and
SQL text in errors, stack traces of several frameworks, unhandled 500s — must fire on a leaky loopback API and
stay quiet on a clean one."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from apishield.probe import ProbeConfig, ProbeOptions, probe
from apishield.probe.checks.disclosure import DEBUG, STACK, card_fields, card_number, hash_shape, luhn
from tests.probe.loopback import Answer, loopback

BCRYPT = "$2b$12$" + "a" * 53
SPEC: dict[str, Any] = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
    "/users": {"get": {"responses": {"200": {"description": "list"}}}},
    "/orders": {"get": {"responses": {"200": {"description": "list"}}}},
    "/keys": {"get": {"responses": {"200": {"description": "list"}}}},
    "/search": {"get": {"parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                        "responses": {"200": {"description": "hits"}}}},
}}


def _app(leaky: bool) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = path.split("?")[0]
        if route == "/users":
            return 200, {}, [{"id": 1, "name": "al", **({"pwhash": BCRYPT} if leaky else {})}]
        if route == "/orders":
            return 200, {}, [{"id": 1, "card": "4111 1111 1111 1111" if leaky else "**** 1111", "total": 4111111111}]
        if route == "/keys":
            return 200, {}, {"note": "-----BEGIN RSA PRIVATE KEY-----\nMIIE" if leaky else "public only"}
        if route == "/search" and "'" in path.replace("%27", "'") and leaky:
            return 500, {}, {"error": "OperationalError: near \"x\": syntax error in SELECT * FROM items WHERE q='"}
        if route == "/search":
            return 200, {}, {"hits": []}
        return 404, {}, {"detail": "not found"}

    return app


@pytest.mark.parametrize("leaky", [True, False])
def test_disclosure_fires_on_a_leaky_api_and_stays_quiet_on_a_clean_one(tmp_path: Path, leaky: bool) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC))
    with loopback(_app(leaky)) as url:
        result = asyncio.run(probe(ProbeConfig(url, openapi=str(spec), options=ProbeOptions(
            budget=200, rate=0, checks=("crawl", "injection")))))
    found = {f.rule_id for f in result.findings}
    wanted = {"PR-AUTH-002", "PR-DATA-001", "PR-DATA-002", "PR-ERR-003", "PR-ERR-004"}
    if leaky:
        assert wanted <= found
    else:
        assert not wanted & found


def test_shapes_cards_and_stacks() -> None:
    assert hash_shape("anything", BCRYPT) == "bcrypt"
    assert hash_shape("x", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g") == "argon2"
    assert hash_shape("password_hash", "5f4dcc3b5aa765d61d8327deb882cf99") is not None
    assert hash_shape("etag", "5f4dcc3b5aa765d61d8327deb882cf99") is None
    assert hash_shape("request_id", "5f4dcc3b5aa765d61d8327deb882cf99") is None
    assert luhn("4111111111111111") and not luhn("4111111111111112")
    assert card_number("card_number", "4111111111111111") and card_number("x", "4111-1111-1111-1111")
    assert card_number("id", 4111111111111111) is None  # an id that happens to pass Luhn
    assert card_number("card", "1234567812345670") is None  # no issuer prefix
    for trace in ("    at Object.<anonymous> (/app/server.js:10:5)", "app/models/user.rb:12:in `find'",
                  "goroutine 1 [running]:", "   at Shop.Cart.Add() in C:\\src\\Cart.cs:line 42"):
        assert STACK.search(trace), trace


def test_a_field_whose_every_value_is_a_card_number_is_read_whatever_it_is_called() -> None:
    """Card numbers kept in a field of another name (``description``) are read when every value of that field, two
    distinct ones at least, is a card-shaped number; one such value, numbers given as numbers, or a field mixing
    them with other text are not."""
    rows = [{"id": 1, "description": "4111111111111111"}, {"id": 2, "description": "5555555555554444"}]
    assert card_fields(rows) == {"description"}
    assert card_fields(rows[:1]) == set()  # one value: an identifier passes Luhn one time in ten
    assert card_fields([{"ref": 4111111111111111}, {"ref": 5555555555554444}]) == set()  # numbers, not text
    assert card_fields([*rows, {"id": 3, "description": "a red mug"}]) == set()
    assert card_fields([{"n": "4111111111111112"}, {"n": "5555555555554444"}]) == set()  # one fails Luhn


def test_a_debug_page_is_known_by_its_structure_not_by_a_name_in_small_print() -> None:
    """Werkzeug's debugger page (its title, its ``__debugger__`` resources), its locked console (the PIN prompt's
    text) and Django's technical page are debug pages; a custom 404 page whose footer names "Werkzeug Debugger" runs
    no debugger."""
    assert DEBUG.search(DEBUGGER_PAGE)
    assert DEBUG.search("<p>You're seeing this error because you have <code>DEBUG = True</code> in your settings</p>")
    assert DEBUG.search("<p>The console is locked and needs to be unlocked by entering the PIN.</p>")  # /console
    assert not DEBUG.search("<h1>404 - Page Not Found</h1><p><small>Werkzeug Debugger - Flask/3.0.3</small></p>")


DEBUGGER_PAGE = ("<!doctype html><html><head><title>IndexError: list index out of range // Werkzeug Debugger</title>"
                 '<script src="?__debugger__=yes&amp;cmd=resource&amp;f=debugger.js"></script></head></html>')


def test_a_debugger_page_on_a_url_that_answered_normally_before_is_read(tmp_path: Path) -> None:
    """The same URL answers 200 to a well-formed request and the interactive debugger's page to a malformed
    ``Authorization`` header (``Bearer`` with no token): that later answer is read too, and the debugger is
    reported as such (PR-ERR-002), not only as an unhandled 500."""
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
        "/profile": {"get": {"security": [{"bearer": []}], "responses": {"200": {"description": "me"}}}}},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}}))

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        auth = headers.get("Authorization")
        if path.split("?")[0] != "/profile":
            return 404, {}, {"detail": "not found"}
        if auth == "Bearer good-token":
            return 200, {}, {"name": "al"}
        if (auth is not None and len(auth.split(" ")) < 2) or auth in ("Bearer", "Bearer "):
            return 500, {"Content-Type": "text/html; charset=utf-8"}, DEBUGGER_PAGE  # token = auth.split(" ")[1]
        return 401, {}, {"detail": "not authenticated"}

    with loopback(app) as url:
        result = asyncio.run(probe(ProbeConfig(url, openapi=str(spec), auth=("al=Authorization:Bearer good-token",),
                                               options=ProbeOptions(budget=200, rate=0))))
    found = {f.rule_id for f in result.findings}
    assert "PR-ERR-002" in found


@pytest.mark.parametrize(("route", "reported"), [("/login", False), ("/accounts", True)])
def test_a_login_answers_the_signing_in_account_its_own_api_key(tmp_path: Path, route: str, reported: bool) -> None:
    """The login's answer carries the account's own API key beside its token (must stay quiet); a listing that
    answers API keys to anyone (must fire)."""
    from tests.probe.loopback import probe_paths

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if method == "POST" and path.startswith("/login"):
            sent = json.loads(body or b"{}")
            if sent.get("password") != "alice-pass-1":
                return 401, {}, {"error": "invalid credentials"}
            return 200, {}, {"token": "t-alice", "apiKey": "vb-key-alice-0001", "user": {"id": 2}}
        if method == "GET" and path.startswith("/accounts"):
            return 200, {}, {"accounts": [{"id": 1, "apiKey": "vb-key-admin-0001"}, {"id": 2, "apiKey": "vb-key-x"}]}
        return 404, {}, {"error": "not found"}

    body = {"content": {"application/json": {"schema": {"type": "object", "properties": {
        "username": {"type": "string"}, "password": {"type": "string"}}}}}}
    spec = {"/login": {"post": {"requestBody": body, "responses": {"200": {"description": "token"}}}},
            "/accounts": {"get": {"responses": {"200": {"description": "list"}}}}}
    from apishield.probe.identities import LoginRecipe

    recipe = LoginRecipe("POST", "/login", token_path="token", bodies=({"username": "alice",
                                                                         "password": "alice-pass-1"},))
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("crawl", "credentials"), login=recipe)
    keyed = [f for f in result.findings if f.rule_id == "PR-AUTH-002" and "apiKey" in f.message]
    assert any(f.http_path == route for f in keyed) is reported
    assert not any(f.http_path == "/login" for f in keyed)


@pytest.mark.parametrize(("answer_list", "reported"), [(False, False), (True, True)])
def test_a_registration_answers_the_new_account_its_own_api_key(tmp_path: Path, answer_list: bool,
                                                                 reported: bool) -> None:
    """The registration answers the account it has just created with that account's API key (its own: must stay
    quiet); a registration answering a list that carries other accounts' keys still discloses them."""
    from tests.probe.loopback import probe_paths

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if method == "POST" and path.startswith("/api/auth/register"):
            sent = json.loads(body or b"{}")
            mine = {"id": 9, "email": sent.get("email"), "api_key": f"pk_patient_{sent.get('email')}"}
            if answer_list:
                return 201, {}, [mine, {"id": 1, "email": "admin@clinic", "api_key": "pk_admin_root_777"}]
            return 201, {}, mine
        return 404, {}, {"error": "not found"}

    body = {"content": {"application/json": {"schema": {"type": "object", "required": ["email", "password"],
            "properties": {"email": {"type": "string"}, "password": {"type": "string"}}}}}}
    spec = {"/api/auth/register": {"post": {"requestBody": body, "responses": {"201": {"description": "created"}}}}}
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("crawl", "credentials", "passwords"))
    keyed = [f for f in result.findings if f.rule_id == "PR-AUTH-002"]
    assert bool(keyed) is reported


@pytest.mark.parametrize(("record", "reported"), [
    ({"id": 2, "key_name": "John personal key", "key_value": "sk_user_" + "Q7x" * 11}, True),  # the key itself
    ({"id": 2, "key_name": "John personal key", "key_prefix": "sk_user_"}, False),  # a name and a prefix only
])
def test_a_stored_api_key_value_answered_to_anyone(tmp_path: Path, record: dict[str, Any], reported: bool) -> None:
    """A record's ``key_value`` (``api_key_value``, ``api_secret``) is the credential itself: answered to an anonymous
    caller it is disclosed, as ``api_key`` is; a record that only names the key is not."""
    spec = tmp_path / "spec.json"
    param = {"name": "key_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    spec.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
        "/api/api-keys/{key_id}": {"get": {"parameters": [param], "responses": {"200": {"description": "key"}}}}}}))

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        return (200, {}, record) if path.startswith("/api/api-keys/") else (404, {}, {"detail": "not found"})

    with loopback(app) as url:
        result = asyncio.run(probe(ProbeConfig(url, openapi=str(spec), options=ProbeOptions(
            budget=100, rate=0, checks=("crawl",)))))
    assert ("PR-AUTH-002" in {f.rule_id for f in result.findings}) is reported
