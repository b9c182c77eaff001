"""Inputs and methods the description names but earlier probes left untried: ReDoS on JSON body fields, injection
into declared header parameters (the token header too), XML sent to JSON operations, user enumeration on the
recipe's own login operation, and a GET on a path documented only for POST whose answer carries a password the
probe logged in with. Each must fire on a loopback app with the flaw and stay quiet on one without it."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe import ProbeConfig, ProbeOptions, probe
from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import Answer, loopback

OK = {"200": {"description": "ok"}}
JSON_BODY = {"content": {"application/json": {"schema": {"type": "object", "properties": {
    "username": {"type": "string"}, "password": {"type": "string"}}}}}}


def _run(tmp_path: Path, url: str, spec: dict[str, Any], checks: tuple[str, ...], **config: Any) -> Any:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": spec}))
    return asyncio.run(probe(ProbeConfig(url, openapi=str(path), options=ProbeOptions(
        budget=400, rate=0, checks=checks), **config)))


def _found(result: Any) -> set[tuple[str, str | None, str | None]]:
    return {(f.rule_id, f.method, f.http_path) for f in result.findings}


@pytest.mark.parametrize("vulnerable", [True, False])
def test_redos_on_a_json_body_field(tmp_path: Path, vulnerable: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if method == "POST" and path == "/widgets":
            name = str(json.loads(body or b"{}").get("name", ""))
            if vulnerable and re.fullmatch(r"a+!", name):  # backtracking cost doubles with every character
                time.sleep(0.0005 * 2 ** max(0, len(name) - 11))
            return 201, {}, {"created": name[:20]}
        return 404, {}, {"detail": "not found"}

    spec = {"/widgets": {"post": {"requestBody": {"content": {"application/json": {"schema": {
        "type": "object", "properties": {"name": {"type": "string"}}}}}}, "responses": OK}}}
    with loopback(app) as url:
        result = _run(tmp_path, url, spec, ("redos",))
    assert (("PR-REDOS-001", "POST", "/widgets") in _found(result)) is vulnerable
    assert result.coverage["checks"]["redos"]["ran"] == 1


@pytest.mark.parametrize("vulnerable", [True, False])
def test_sql_injection_in_a_declared_token_header(tmp_path: Path, vulnerable: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        token = {k.lower(): v for k, v in headers.items()}.get("x-auth-token", "")
        if path == "/me":
            if token == "tok-alice":
                return 200, {}, {"user": "alice"}
            if vulnerable and "'" in token:  # SELECT * FROM tokens WHERE token = '<header>'
                return 500, {}, {"error": "sqlite3.OperationalError: unrecognized token: \"'\""}
            return 401, {}, {"error": "token not found"}
        return 404, {}, {"detail": "not found"}

    spec = {"/me": {"get": {"parameters": [{"name": "X-Auth-Token", "in": "header", "schema": {"type": "string"}}],
                            "responses": OK}}}
    with loopback(app) as url:
        result = _run(tmp_path, url, spec, ("injection",), auth=("alice=X-Auth-Token:tok-alice",))
    sqli = [f for f in result.findings if f.rule_id == "PR-SQLI-001"]
    assert bool(sqli) is vulnerable
    if vulnerable:
        assert sqli[0].parameter == "X-Auth-Token" and sqli[0].http_path == "/me"


@pytest.mark.parametrize("vulnerable", [True, False])
def test_xml_sent_to_an_operation_documented_as_json(tmp_path: Path, vulnerable: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if method == "POST" and path == "/tokens":
            ctype = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
            text = body.decode()
            if "xml" in ctype:
                if vulnerable and 'SYSTEM "file:///etc/passwd"' in text:  # the parser resolves the entity
                    return 401, {}, {"error": "username root:x:0:0:root:/root:/bin/bash not found"}
                return 400, {}, {"error": "not JSON: " + text[:400]}  # an echo of the document is no proof
            return 401, {}, {"error": "bad credentials"}
        return 404, {}, {"detail": "not found"}

    spec = {"/tokens": {"post": {"requestBody": JSON_BODY, "responses": OK}}}
    with loopback(app) as url:
        result = _run(tmp_path, url, spec, ("injection",))
    assert (("PR-XXE-001", "POST", "/tokens") in _found(result)) is vulnerable


def _login_app(distinct: bool, extra: Any = None) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if method == "POST" and path == "/auth/issue":
            data = json.loads(body or b"{}")
            user, password = str(data.get("username", "")), data.get("password")
            if user == "alice" and password == "Alice-pw-123":
                return 200, {}, {"token": "t-alice"}
            if not distinct:  # the same answer either way; echoing the name is not a difference
                return 401, {}, {"error": f"invalid credentials for {user}"}
            return 401, {}, {"error": "password does not match" if user == "alice" else f"username {user} not found"}
        if path == "/me":
            ok = {k.lower(): v for k, v in headers.items()}.get("authorization") == "Bearer t-alice"
            return (200, {}, {"user": "alice"}) if ok else (401, {}, {"error": "login first"})
        if extra is not None:
            return extra(method, path)  # type: ignore[no-any-return]
        return 404, {}, {"detail": "not found"}

    return app


RECIPE = LoginRecipe("POST", "/auth/issue", token_path="token", bodies=({"username": "alice",
                                                                         "password": "Alice-pw-123"},))


@pytest.mark.parametrize("distinct", [True, False])
def test_user_enumeration_on_the_recipes_login_operation(tmp_path: Path, distinct: bool) -> None:
    spec = {"/auth/issue": {"post": {"requestBody": JSON_BODY, "responses": OK}},
            "/me": {"get": {"responses": OK}}}
    with loopback(_login_app(distinct)) as url:
        result = _run(tmp_path, url, spec, ("headers_errors",), login=RECIPE)
    assert (("PR-ENUM-001", "POST", "/auth/issue") in _found(result)) is distinct


@pytest.mark.parametrize("vulnerable", [True, False])
def test_get_on_a_post_only_path_returning_a_known_password(tmp_path: Path, vulnerable: bool) -> None:
    def extra(method: str, path: str) -> Answer:
        if urlsplit(path).path == "/accounts/export" and method == "GET" and vulnerable:
            return 200, {}, {"rows": [[1, "alice", "Alice-pw-123"], [2, "bob", "Bob-pw-456"]]}  # no field names
        if urlsplit(path).path == "/accounts/export":
            return (405, {}, {"detail": "method not allowed"}) if method == "GET" else (202, {}, {"queued": True})
        return 404, {}, {"detail": "not found"}

    spec = {"/auth/issue": {"post": {"requestBody": JSON_BODY, "responses": OK}},
            "/me": {"get": {"responses": OK}},
            "/accounts/export": {"post": {"responses": OK}}}
    with loopback(_login_app(False, extra)) as url:
        result = _run(tmp_path, url, spec, ("crawl",), login=RECIPE)
    leaks = [f for f in result.findings if f.rule_id == "PR-AUTH-002"]
    assert bool(leaks) is vulnerable
    if vulnerable:
        assert (leaks[0].method, leaks[0].http_path) == ("GET", "/accounts/export")
        assert "Alice-pw-123" not in json.dumps(leaks[0].evidence.response if leaks[0].evidence else "")
