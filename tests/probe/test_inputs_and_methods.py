"""Inputs and methods the description names but earlier probes left untried: ReDoS on JSON body fields, injection
into declared header parameters (the token header too), XML sent to JSON operations, user enumeration on the
recipe's own login operation, and a GET on a path documented only for POST whose answer carries a password the
probe logged in with. Each must fire on a loopback app with the flaw and stay quiet on one without it."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from apishield.probe import ProbeConfig, ProbeOptions, probe
from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

JSON_BODY = {"content": {"application/json": {"schema": {"type": "object", "properties": {
    "username": {"type": "string"}, "password": {"type": "string"}}}}}}


_run = probe_paths
_found = findings_at


#: one JSON operation whose ``name`` field the ReDoS curve grows
WIDGETS = {"/widgets": {"post": {"requestBody": {"content": {"application/json": {"schema": {
    "type": "object", "properties": {"name": {"type": "string"}}}}}}, "responses": OK}}}


@pytest.mark.parametrize("vulnerable", [True, False])
def test_redos_on_a_json_body_field(tmp_path: Path, vulnerable: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if method == "POST" and path == "/widgets":
            name = str(json.loads(body or b"{}").get("name", ""))
            if vulnerable and re.fullmatch(r"a+!", name):  # backtracking cost doubles with every character
                time.sleep(0.0005 * 2 ** max(0, len(name) - 11))
            return 201, {}, {"created": name[:20]}
        return 404, {}, {"detail": "not found"}

    with loopback(app) as url:
        result = _run(tmp_path, url, WIDGETS, ("redos",))
    assert (("PR-REDOS-001", "POST", "/widgets") in _found(result)) is vulnerable
    assert result.coverage["checks"]["redos"]["ran"] == 1


def test_a_slow_answer_that_does_not_repeat_is_no_redos(tmp_path: Path) -> None:
    """The first long input meets a stall caused elsewhere (here: the server pauses once); sent again, it is fast,
    so nothing backtracks on it: noted, not reported (must stay quiet)."""
    stalled: list[int] = []

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if method == "POST" and path == "/widgets":
            name = str(json.loads(body or b"{}").get("name", ""))
            if len(name) >= 19 and not stalled:  # one pause, then never again
                stalled.append(len(name))
                time.sleep(1.6)
            return 201, {}, {"created": name[:20]}
        return 404, {}, {"detail": "not found"}

    with loopback(app) as url:
        result = _run(tmp_path, url, WIDGETS, ("redos",))
    assert ("PR-REDOS-001", "POST", "/widgets") not in _found(result)
    assert stalled and any("a stall elsewhere" in n for n in result.notes)


@pytest.mark.parametrize("vulnerable", [True, False])
def test_a_short_redos_share_goes_to_the_input_whose_time_rose(tmp_path: Path, vulnerable: bool) -> None:
    """Four flat inputs are listed before the backtracking one and the budget cannot pay every full curve: the
    cheap points of all come first, the dear ones where answer time rose, so the flaw is still found (must fire);
    with no backtracking anywhere nothing is reported (must stay quiet)."""
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(path)
        if parts.path.startswith("/flat"):
            return 200, {}, {"ok": True}
        if parts.path == "/check":
            code = unquote(parts.query.partition("code=")[2])
            if vulnerable and re.fullmatch(r"a+!", code):
                time.sleep(0.0005 * 2 ** max(0, len(code) - 11))
            return 200, {}, {"valid": False}
        return 404, {}, {"detail": "not found"}

    query = {"get": {"parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}], "responses": OK}}
    code = {"get": {"parameters": [{"name": "code", "in": "query", "schema": {"type": "string"}}], "responses": OK}}
    paths = {f"/flat{i}": query for i in range(4)} | {"/check": code}
    with loopback(app) as url:
        result = _run(tmp_path, url, paths, ("redos",), budget=20)
    assert (("PR-REDOS-001", "GET", "/check") in _found(result)) is vulnerable
    assert result.requests_used <= 20


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


def _login_app(distinct: bool, extra: Any = None, hinted: bool = False) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if method == "POST" and path == "/auth/issue":
            data = json.loads(body or b"{}")
            user, password = str(data.get("username", "")), data.get("password")
            if user == "alice" and password == "Alice-pw-123":
                return 200, {}, {"token": "t-alice"}
            hint = {"hint": "demo account: alice"} if hinted else {}  # the same fixed text in every answer
            if not distinct:  # the same answer either way; echoing the name is not a difference
                return 401, {}, {"error": f"invalid credentials for {user}", **hint}
            return 401, {}, {"error": "password does not match" if user == "alice" else f"username {user} not found",
                             **hint}
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


@pytest.mark.parametrize("distinct", [True, False])
def test_a_fixed_hint_naming_the_known_user_is_no_enumeration(tmp_path: Path, distinct: bool) -> None:
    """A login page that names a demo account in a fixed hint shows that name in every answer; read past the echoed
    names, an unknown user's answer is the same as a wrong password's unless the messages themselves differ."""
    spec = {"/auth/issue": {"post": {"requestBody": JSON_BODY, "responses": OK}},
            "/me": {"get": {"responses": OK}}}
    with loopback(_login_app(distinct, hinted=True)) as url:
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


def test_a_2xx_that_refuses_for_want_of_a_token_is_a_refusal_not_access(tmp_path: Path) -> None:
    """Some APIs never send 401: ``200 {"success": false, "error": "Invalid API token."}``. That answer must not
    count as access (no PR-AUTH-001, and it can serve as the auth canary); an operation that really ignores the
    token must still be reported."""

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        token = {k.lower(): v for k, v in headers.items()}.get("x-api-token")
        if path == "/accounts":
            if token != "tok-a":
                return 200, {}, {"success": False, "error": "Invalid API token."}
            return 200, {}, {"success": True, "accounts": [{"id": 1, "owner": "a"}]}
        if path == "/rates":  # forgot the token check
            return 200, {}, {"success": True, "rates": [{"eur": 1.1}]}
        return 404, {}, {"detail": "not found"}

    secured = {"security": [{"key": []}], "responses": OK}
    spec = {"/accounts": {"get": secured}, "/rates": {"get": secured}}
    path = tmp_path / "spec.json"
    path.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": spec,
                                "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header",
                                                                           "name": "X-API-Token"}}}}))
    with loopback(app) as url:
        result = asyncio.run(probe(ProbeConfig(url, openapi=str(path), auth=("a=X-API-Token:tok-a",),
                                               options=ProbeOptions(budget=200, rate=0, checks=("authn",)))))
    missing = {f.http_path for f in result.findings if f.rule_id == "PR-AUTH-001"}
    assert missing == {"/rates"}
    assert result.stats["canary"] == "GET /accounts"


CUSTOMERS = {1: {"id": 1, "name": "Alma Ortiz", "balance": 5120, "bank": "a"},
             2: {"id": 2, "name": "Ben Okafor", "balance": 870, "bank": "a"},
             3: {"id": 3, "name": "Chen Wei", "balance": 40400, "bank": "b"}}


@pytest.mark.parametrize("vulnerable", [True, False])
def test_bola_on_objects_the_api_already_holds_shown_by_a_listing(tmp_path: Path, vulnerable: bool) -> None:
    """Read-only API with seeded objects: a listing shows each bank its own customers; the item operation must
    not serve another bank's customer. An operation that ignores its id (shows everything) is no proof."""

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        bank = {"tok-a": "a", "tok-b": "b"}.get({k.lower(): v for k, v in headers.items()}.get("x-api-token", ""))
        if bank is None:
            return 401, {}, {"error": "no token"}
        url = urlsplit(path).path
        if url == "/customers":
            return 200, {}, {"customers": [c for c in CUSTOMERS.values() if c["bank"] == bank]}
        if url.startswith("/customer/"):
            c = CUSTOMERS.get(int(url.rsplit("/", 1)[1]) if url.rsplit("/", 1)[1].isdigit() else 0)
            visible = c is not None and (vulnerable or c["bank"] == bank)
            return 200, {}, {"customers": [c] if visible else []}
        if url.startswith("/everything/"):  # ignores its parameter
            return 200, {}, {"all": list(CUSTOMERS.values())}
        return 404, {}, {"detail": "not found"}

    item = {"get": {"parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                    "responses": OK}}
    spec = {"/customers": {"get": {"responses": OK}}, "/customer/{id}": item, "/everything/{id}": item}
    with loopback(app) as url:
        result = _run(tmp_path, url, spec, ("bola",), auth=("a=X-API-Token:tok-a", "b=X-API-Token:tok-b"))
    bola = {f.http_path for f in result.findings if f.rule_id == "PR-BOLA-001"}
    assert bola == ({"/customer/{id}"} if vulnerable else set())


@pytest.mark.parametrize("leaks", [True, False])
def test_sql_text_echoed_from_the_request_is_not_disclosure(tmp_path: Path, leaks: bool) -> None:
    """A 404 that echoes the id asked for (the probe's own SQL payload among them) discloses nothing; a 500
    that shows the server's own statement does."""

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(path)
        if url.path.startswith("/users/"):
            from urllib.parse import unquote

            wanted = unquote(url.path.rsplit("/", 1)[1])
            if leaks and "'" in wanted:
                return 500, {}, {"error": "near \"x\": syntax error in SELECT name, pw FROM accounts WHERE id = ?"}
            return 404, {}, {"error": f"user id {wanted} not found"}
        return 404, {}, {"detail": "not found"}

    spec = {"/users/{name}": {"get": {"parameters": [{"name": "name", "in": "path", "required": True,
                                                      "schema": {"type": "string"}}], "responses": OK}}}
    with loopback(app) as url:
        result = _run(tmp_path, url, spec, ("injection",))
    disclosed = [f for f in result.findings if f.rule_id == "PR-ERR-003"]
    assert bool(disclosed) is leaks


@pytest.mark.parametrize("vulnerable", [True, False])
def test_sql_injection_in_a_numeric_id_path_parameter(tmp_path: Path, vulnerable: bool) -> None:
    """``SELECT * FROM items WHERE owner=1 AND id=`` + id: a tautology after the number returns every row, a
    contradiction the same as the plain id; an app that parses the id as a number answers 404 to both."""
    rows = [{"id": 2, "label": "second"}, {"id": 3, "label": "third"}]

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        from urllib.parse import unquote

        url = urlsplit(path).path
        if not url.startswith("/items/"):
            return 404, {}, {"detail": "not found"}
        raw = unquote(url.rsplit("/", 1)[1])
        number = re.match(r"\d+", raw)
        if raw.isdigit() or not vulnerable:
            if not raw.isdigit():
                return 404, {}, {"error": "bad id"}
            return 200, {}, {"items": [r for r in rows if r["id"] == int(raw)]}
        rest = raw[number.end():] if number else raw
        if re.fullmatch(r" OR (1=1|2>1)", rest):
            return 200, {}, {"items": rows}
        if re.fullmatch(r" OR (1=2|2>3)", rest):
            return 200, {}, {"items": [r for r in rows if number and r["id"] == int(number.group(0))]}
        return 500, {"Content-Type": "text/html"}, "<h1>Internal Server Error</h1>"

    spec = {"/items/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": True,
                                                    "schema": {"type": "integer", "example": 2}}],
                                    "responses": OK}}}
    with loopback(app) as url:
        result = _run(tmp_path, url, spec, ("injection",))
    assert (("PR-SQLI-002", "GET", "/items/{id}") in _found(result)) is vulnerable


@pytest.mark.parametrize("vulnerable", [True, False])
def test_account_existence_told_by_403_versus_404(tmp_path: Path, vulnerable: bool) -> None:
    """``GET /users/{id}``: another account's record 403, a missing one 404 tells which accounts exist; an API
    that answers 404 to both does not."""
    users = {"alice": (1, "Alice-pw-123"), "bob": (2, "Bob-pw-456")}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(path).path
        if method == "POST" and url == "/auth/issue":
            data = json.loads(body or b"{}")
            user = users.get(str(data.get("username")))
            if user is None or user[1] != data.get("password"):
                return 401, {}, {"error": "bad credentials"}
            return 200, {}, {"token": f"t-{data['username']}", "user": {"id": user[0], "name": data["username"]}}
        caller = {f"Bearer t-{n}": uid for n, (uid, _) in users.items()}.get(
            {k.lower(): v for k, v in headers.items()}.get("authorization", ""))
        if caller is None:
            return 401, {}, {"error": "login first"}
        if url.startswith("/users/"):
            wanted = url.rsplit("/", 1)[1]
            if wanted == str(caller):
                return 200, {}, {"id": caller}
            exists = wanted in {str(uid) for uid, _ in users.values()}
            return (403, {}, {"error": "not yours"}) if exists and vulnerable else (404, {}, {"error": "no such user"})
        return 404, {}, {"detail": "not found"}

    recipe = LoginRecipe("POST", "/auth/issue", token_path="token", bodies=(
        {"username": "alice", "password": "Alice-pw-123"}, {"username": "bob", "password": "Bob-pw-456"}))
    spec = {"/auth/issue": {"post": {"requestBody": JSON_BODY, "responses": OK}},
            "/users/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": True,
                                                    "schema": {"type": "integer"}}], "responses": OK}}}
    with loopback(app) as url:
        result = _run(tmp_path, url, spec, ("headers_errors",), login=recipe)
    assert (("PR-ENUM-001", "GET", "/users/{id}") in _found(result)) is vulnerable


def test_two_identities_given_one_token_are_not_tested_against_each_other(tmp_path: Path) -> None:
    """A login that hands two accounts the same token (a token derived from the login time, say): every read
    across them succeeds, and that is no object-level finding; the run says why it skipped."""

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(path).path
        if method == "POST" and url == "/auth/issue":
            data = json.loads(body or b"{}")
            return 200, {}, {"token": "same-for-everyone", "user": {"id": 1 if data.get("username") == "a" else 2,
                                                                    "name": data.get("username")}}
        if {k.lower(): v for k, v in headers.items()}.get("authorization") != "Bearer same-for-everyone":
            return 401, {}, {"error": "login first"}
        if url.startswith("/users/"):
            uid = url.rsplit("/", 1)[1]
            return 200, {}, {"id": uid, "name": {"1": "a", "2": "b"}.get(uid, "?")}
        return 404, {}, {"detail": "not found"}

    recipe = LoginRecipe("POST", "/auth/issue", token_path="token", bodies=(
        {"username": "a", "password": "pw-a-1234"}, {"username": "b", "password": "pw-b-1234"}))
    spec = {"/auth/issue": {"post": {"requestBody": JSON_BODY, "responses": OK}},
            "/users/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": True,
                                                    "schema": {"type": "integer"}}], "responses": OK}}}
    with loopback(app) as url:
        result = _run(tmp_path, url, spec, ("bola",), login=recipe)
    assert not [f for f in result.findings if f.rule_id.startswith("PR-BOLA")]
    assert any("same credentials" in note for note in result.notes)


@pytest.mark.parametrize("vulnerable", [True, False])
def test_sql_injection_in_a_declared_cookie(tmp_path: Path, vulnerable: bool) -> None:
    """A cookie the description declares (``in: cookie``) is an input like a query parameter: its value reaches the
    handler as sent."""
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        raw = {k.lower(): v for k, v in headers.items()}.get("cookie", "")
        jar = dict(c.strip().partition("=")[::2] for c in raw.split(";") if "=" in c)
        theme = unquote(jar.get("theme", "light"))
        if path == "/preferences":
            if vulnerable and theme.count("'") % 2:  # SELECT * FROM themes WHERE name = '<cookie>'
                return 500, {}, {"error": "sqlite3.OperationalError: unrecognized token: \"'\""}
            return 200, {}, {"theme": "light"}
        return 404, {}, {"detail": "not found"}

    spec = {"/preferences": {"get": {"parameters": [{"name": "theme", "in": "cookie", "schema": {"type": "string"}}],
                                     "responses": OK}}}
    with loopback(app) as url:
        result = _run(tmp_path, url, spec, ("injection",))
    sqli = [f for f in result.findings if f.rule_id == "PR-SQLI-001"]
    assert bool(sqli) is vulnerable
    if vulnerable:
        assert sqli[0].parameter == "theme" and sqli[0].http_path == "/preferences"


@pytest.mark.parametrize("any_scheme", [True, False])
def test_a_url_parameter_that_takes_the_file_scheme_reads_local_files(tmp_path: Path, any_scheme: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if not path.startswith("/proxy"):
            return 404, {}, {"detail": "not found"}
        url = unquote(path.partition("url=")[2])
        if any_scheme and url == "file:///etc/passwd":  # the fetcher opens whatever the URL names
            return 200, {"Content-Type": "text/plain"}, "root:x:0:0:root:/root:/bin/bash\n"
        if not url.startswith(("http://", "https://")):
            return 400, {}, {"error": "only http(s) URLs"}
        return 502, {}, {"error": "upstream unreachable"}

    spec = {"/proxy": {"get": {"parameters": [{"name": "url", "in": "query", "schema": {"type": "string"}}],
                               "responses": OK}}}
    with loopback(app) as url:
        result = _run(tmp_path, url, spec, ("injection",))
    # a local file read, reported as one (whether the fetcher reaches other hosts is the SSRF test's finding)
    assert (("PR-PATH-001", "GET", "/proxy") in _found(result)) is any_scheme


def _claims_token(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2ln"


@pytest.mark.parametrize("vulnerable", [True, False])
def test_an_administrators_operation_is_tried_as_the_administrator(tmp_path: Path, vulnerable: bool) -> None:
    """Input checks on an operation only administrators may call run as the identity that is one (its token says
    so): as the ordinary identity every payload meets the 403 and nothing is tested."""
    alice, root = _claims_token({"sub": "alice", "role": "user"}), _claims_token({"sub": "root", "role": "admin"})

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        auth = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
        if not path.startswith("/admin/search"):
            return 404, {}, {"detail": "not found"}
        if auth not in (f"Bearer {alice}", f"Bearer {root}"):
            return 401, {}, {"detail": "sign in"}
        if auth != f"Bearer {root}":
            return 403, {}, {"detail": "administrators only"}
        q = unquote(path.partition("q=")[2])
        if vulnerable and q.count("'") % 2:  # SELECT * FROM users WHERE name LIKE '%<q>%'
            return 500, {}, {"error": "sqlite3.OperationalError: unrecognized token: \"'\""}
        return 200, {}, {"users": []}

    spec = {"/admin/search": {"get": {"parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                                      "responses": OK}}}
    with loopback(app) as url:
        result = _run(tmp_path, url, spec, ("injection",),
                      auth=(f"alice=Authorization:Bearer {alice}", f"root=Authorization:Bearer {root}"))
    assert (("PR-SQLI-001", "GET", "/admin/search") in _found(result)) is vulnerable
