"""Techniques behind misses on APIs written by others, each on a loopback app of our own, must fire with the flaw
and stay quiet without it: a version banner on one route only (every answer is read), a Content-Security-Policy
that lets injected script run, a JWT HMAC secret of a few digits (cracked offline, also when the server checks
no signature), injection payloads sent in the encoding the description names (form-encoded and multipart), a
``sleep`` canary for a parameter that only a quote points to (its output filtered away), an open redirect, a
control request before calling a changing answer "unprotected", writes that name their user in the body
(tried on the probe's own identities only), and a pickle whose only effect is a sleep."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import pickle
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

_run = probe_paths
_found = findings_at


def _query(path: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}


@pytest.mark.parametrize("banner", ["Python/3.10.12 FastAPI/0.103.2", "FastAPI"])
def test_a_version_banner_on_one_route_only_is_read_from_every_answer(tmp_path: Path, banner: str) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if urlsplit(path).path == "/healthcheck":
            return 200, {"X-Powered-By": banner}, {"ok": True}
        if urlsplit(path).path == "/items":
            return 200, {}, {"items": []}
        return 404, {}, {"detail": "not found"}

    spec = {"/items": {"get": {"responses": OK}}, "/healthcheck": {"get": {"responses": OK}}}
    with loopback(app) as url:
        result = _run(tmp_path, url, spec, ("crawl", "headers_errors", "passive"))
    banners = [f for f in result.findings if f.rule_id == "PR-HDR-002"]
    assert bool(banners) is any(c.isdigit() for c in banner)
    if banners:
        assert len(banners) == 1 and banners[0].http_path == "/healthcheck"


@pytest.mark.parametrize(("policy", "weak"), [
    ("default-src 'self'; script-src 'self' 'unsafe-inline'", True),
    ("default-src * 'unsafe-eval'", True),
    ("default-src 'self'; script-src 'self' 'nonce-r4nd0m' 'unsafe-inline'", False),  # the nonce disables it
    ("default-src 'self'; style-src 'self' 'unsafe-inline'", False),  # inline style is not script
])
def test_a_content_security_policy_that_lets_injected_script_run(tmp_path: Path, policy: str, weak: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if urlsplit(path).path == "/status":
            return 200, {"Content-Security-Policy": policy}, {"ok": True}
        return 404, {"Content-Security-Policy": policy}, {"detail": "not found"}

    with loopback(app) as url:
        result = _run(tmp_path, url, {"/status": {"get": {"responses": OK}}}, ("crawl", "passive"))
    assert [f.rule_id for f in result.findings].count("PR-HDR-003") == (1 if weak else 0)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hs256(claims: dict[str, Any], secret: str) -> str:
    """A compact HS256 JWT, signed here with the standard library (short test secrets on purpose)."""
    signing = _b64(b'{"alg":"HS256","typ":"JWT"}') + "." + _b64(json.dumps(claims).encode())
    return signing + "." + _b64(hmac.new(secret.encode(), signing.encode(), hashlib.sha256).digest())


def _token_app(secret: str, verify: bool) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if urlsplit(path).path != "/me":
            return 404, {}, {"detail": "not found"}
        token = {k.lower(): v for k, v in headers.items()}.get("authorization", "").removeprefix("Bearer ")
        parts = token.split(".")
        if len(parts) != 3:
            return 401, {}, {"detail": "invalid token"}
        try:
            header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
            claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        except ValueError:
            return 401, {}, {"detail": "invalid token"}
        if verify:
            good = _b64(hmac.new(secret.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest())
            if header.get("alg") != "HS256" or not hmac.compare_digest(good, parts[2]):
                return 401, {}, {"detail": "invalid token"}
        return 200, {}, {"user": claims.get("sub")}

    return app


@pytest.mark.parametrize(("secret", "verify", "weak"), [
    ("048213", True, True),    # six digits, a leading zero: cracked offline, and a re-signed token accepted
    ("4821", False, True),     # the server checks no signature; the secret is still proven weak offline
    ("x9Lq2-VvTq7m-Zr81pWn-Kd0sE4", True, False),
])
def test_a_jwt_secret_of_a_few_digits_is_cracked_offline(tmp_path: Path, secret: str, verify: bool,
                                                          weak: bool) -> None:
    token = _hs256({"sub": "alice", "iat": 1_700_000_000}, secret)
    spec = {"/me": {"get": {"responses": OK}}}
    with loopback(_token_app(secret, verify)) as url:
        result = _run(tmp_path, url, spec, ("jwt",), auth=(f"alice=Authorization:Bearer {token}",))
    weak_findings = [f for f in result.findings if f.rule_id == "PR-JWT-003"]
    assert bool(weak_findings) is weak
    if weak:
        assert repr(secret) in weak_findings[0].message


FORM = {"type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
        "required": ["username", "password"]}


@pytest.mark.parametrize("encoding", ["application/x-www-form-urlencoded", "multipart/form-data"])
@pytest.mark.parametrize("vulnerable", [True, False])
def test_injection_payloads_go_in_the_encoding_the_description_names(tmp_path: Path, encoding: str,
                                                                       vulnerable: bool) -> None:
    def fields(headers: dict[str, str], body: bytes) -> dict[str, str] | None:
        ctype = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
        if encoding.startswith("application/x-www") and ctype.startswith(encoding):
            return {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if encoding.startswith("multipart") and ctype.startswith(encoding):
            return dict(re.findall(r'name="([^"]+)"\r\n\r\n(.*?)\r\n--', body.decode(), re.S))
        return None  # like a form-only framework: anything else is no form at all

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if method == "POST" and urlsplit(path).path == "/login":
            form = fields(headers, body)
            if form is None:
                return 400, {}, {"error": "a form is required"}
            user = form.get("username", "")
            # SELECT * FROM user WHERE username = '<user>' AND password = '...'
            tautology = re.search(r"' OR (1=1|2>1)-- $", user)
            if (vulnerable and tautology) or (user, form.get("password")) == ("admin", "s3cret"):
                return 200, {}, {"welcome": "admin"}
            return 401, {}, {"error": "bad login"}
        return 404, {}, {"detail": "not found"}

    spec = {"/login": {"post": {"requestBody": {"content": {encoding: {"schema": FORM}}}, "responses": OK}}}
    with loopback(app) as url:
        result = _run(tmp_path, url, spec, ("injection",))
    assert (("PR-SQLI-002", "POST", "/login") in _found(result)) is vulnerable


@pytest.mark.parametrize("shell", [True, False])
def test_a_sleep_canary_where_a_quote_alone_changes_the_answer(tmp_path: Path, shell: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if urlsplit(path).path != "/processes":
            return 404, {}, {"detail": "not found"}
        name = _query(path).get("name", "")
        if name.count("'") % 2:  # an unbalanced quote breaks the command (or the query): nothing comes out
            return 200, {}, {"names": [""]}
        sleep = re.search(r"\$\(sleep (\d)\)|;sleep (\d);", name)
        if shell and sleep:
            time.sleep(int(sleep.group(1) or sleep.group(2)))
        return 200, {}, {"names": ["grep", "python"]}  # the command's output is filtered: no echo comes back

    spec = {"/processes": {"get": {"parameters": [{"name": "name", "in": "query", "required": True,
                                                   "schema": {"type": "string"}}], "responses": OK}}}
    with loopback(app) as url:
        result = _run(tmp_path, url, spec, ("injection",))
    assert (("PR-CMDI-001", "GET", "/processes") in _found(result)) is shell


@pytest.mark.parametrize("vulnerable", [True, False])
def test_open_redirect_to_an_outside_host(tmp_path: Path, vulnerable: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if urlsplit(path).path != "/login_and_redirect":
            return 404, {}, {"detail": "not found"}
        target = _query(path).get("next", "/")
        if not vulnerable and (not target.startswith("/") or target.startswith(("//", "/\\"))):
            target = "/home"  # only local paths are followed
        return 302, {"Location": target}, {"redirect": target}

    spec = {"/login_and_redirect": {"get": {"parameters": [
        {"name": "user", "in": "query", "schema": {"type": "string"}},
        {"name": "next", "in": "query", "required": True, "schema": {"type": "string"}}], "responses": OK}}}
    with loopback(app) as url:
        result = _run(tmp_path, url, spec, ("redirect",))
    found = [f for f in result.findings if f.rule_id == "PR-REDIR-001"]
    assert bool(found) is vulnerable
    if vulnerable:
        assert found[0].parameter == "next" and found[0].http_path == "/login_and_redirect"


@pytest.mark.parametrize("changes_by_itself", [True, False])
def test_an_answer_that_changes_by_itself_does_not_prove_protection(tmp_path: Path,
                                                                    changes_by_itself: bool) -> None:
    calls = {"n": 0}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if urlsplit(path).path != "/processes":
            return 404, {}, {"detail": "not found"}
        calls["n"] += 1
        if changes_by_itself:  # a process list: different on every call, for anyone
            return 200, {}, {"names": ["python", *(["worker"] * (calls["n"] % 4))]}
        auth = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
        return 200, {}, {"names": ["python", "secret-job"] if auth == "Bearer t-alice" else ["python"]}

    spec = {"/processes": {"get": {"responses": OK}}}
    with loopback(app) as url:
        result = _run(tmp_path, url, spec, ("authn",), auth=("alice=Authorization:Bearer t-alice",))
    assert (("PR-AUTH-001", "GET", "/processes") in _found(result)) is not changes_by_itself


def _users_app(vulnerable: bool, users: dict[str, dict[str, str]]) -> Any:
    """Customers; ``PUT /profile`` and ``PUT /users/update_role`` name the user in the body; anyone may register."""
    tokens = {"Bearer t-alice": "alice", "Bearer t-bob": "bob"}
    passwords = {"alice": "alice-pw-123", "bob": "bob-pw-123"}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if method == "POST" and route == "/register":
            data = json.loads(body or b"{}")
            name = str(data.get("username", ""))
            if not name or name in users:
                return 400, {}, {"detail": "taken"}
            users[name] = {"username": name, "first_name": "New", "role": "Customer"}
            passwords[name], tokens[f"Bearer t-{name}"] = str(data.get("password")), name
            return 201, {}, {"username": name}
        if method == "POST" and route == "/token":
            data = json.loads(body or b"{}")
            name = data.get("username")
            ok = name in users and data.get("password") == passwords.get(str(name))
            return (200, {}, {"access_token": f"t-{name}"}) if ok else (401, {}, {"detail": "bad login"})
        me = tokens.get({k.lower(): v for k, v in headers.items()}.get("authorization", ""))
        if me is None:
            return 401, {}, {"detail": "not authenticated"}
        if method == "GET" and route == "/profile":
            return 200, {}, users[me]
        if method == "GET" and route == "/items":  # the canary (the shortest protected GET), no user fields
            return 200, {}, {"items": ["tea", "cake"]}
        if method == "PUT" and route in ("/profile", "/users/update_role"):
            data = json.loads(body or b"{}")
            named = str(data.get("username", ""))
            if named not in users:
                return 404, {}, {"detail": "no such user"}
            if not vulnerable and (named != me or route == "/users/update_role"):
                return 403, {}, {"detail": "not allowed"}
            target = users[named]
            for key in ("first_name", "role") if route == "/users/update_role" or vulnerable else ("first_name",):
                if key in data and key in target and (key == "role") == (route == "/users/update_role"):
                    target[key] = data[key]
            return 200, {}, target
        return 404, {}, {"detail": "not found"}

    return app


@pytest.mark.parametrize("vulnerable", [True, False])
def test_writes_that_name_their_user_in_the_body(tmp_path: Path, vulnerable: bool) -> None:
    from apishield.probe.identities import LoginRecipe

    user_body = {"type": "object", "properties": {"username": {"type": "string"}, "first_name": {"type": "string"}},
                 "required": ["username"]}
    role_body = {"type": "object", "properties": {"username": {"type": "string"}, "role": {"type": "string"}},
                 "required": ["username", "role"]}
    login_body = {"type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}
    spec = {
        "/token": {"post": {"requestBody": {"content": {"application/json": {"schema": login_body}}},
                            "responses": OK}},
        "/register": {"post": {"requestBody": {"content": {"application/json": {"schema": login_body}}},
                               "responses": OK}},
        "/items": {"get": {"responses": OK}},
        "/profile": {"get": {"responses": OK},
                     "put": {"requestBody": {"content": {"application/json": {"schema": user_body}}},
                             "responses": OK}},
        "/users/update_role": {"put": {"requestBody": {"content": {"application/json": {"schema": role_body}}},
                                       "responses": OK}},
    }
    recipe = LoginRecipe("POST", "/token", token_path="access_token",
                         bodies=({"username": "alice", "password": "alice-pw-123"},
                                 {"username": "bob", "password": "bob-pw-123"}))
    users = {"alice": {"username": "alice", "first_name": "Alice", "role": "Customer"},
             "bob": {"username": "bob", "first_name": "Bob", "role": "Customer"}}
    with loopback(_users_app(vulnerable, users)) as url:
        result = _run(tmp_path, url, spec, ("references",), login=recipe)
    found = _found(result)
    assert (("PR-BOLA-002", "PUT", "/profile") in found) is vulnerable
    assert (("PR-BFLA-001", "PUT", "/users/update_role") in found) is vulnerable
    # guessed role names land on throwaway accounts only: the identities the probe was given keep their role
    assert users["alice"]["role"] == users["bob"]["role"] == "Customer"
    throwaways = [name for name in users if name.startswith("apishield_")]
    assert len(throwaways) >= 1 if vulnerable else len(throwaways) <= 1  # a refused function stops the guessing


class _OnlySleep(pickle.Unpickler):
    """The vulnerable app's unpickler, restricted here so the test itself can run nothing but ``time.sleep``."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("time", "sleep"):
            return time.sleep
        raise pickle.UnpicklingError(f"{module}.{name} refused")


@pytest.mark.parametrize("vulnerable", [True, False])
def test_a_pickle_that_only_sleeps(tmp_path: Path, vulnerable: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if method != "POST" or urlsplit(path).path != "/describe":
            return 404, {}, {"detail": "not found"}
        value = parse_qs(body.decode()).get("pickled", [""])[0]
        try:
            data = base64.urlsafe_b64decode(value)
            described = _OnlySleep(io.BytesIO(data)).load() if vulnerable else json.loads(data)
        except Exception:  # like the app: any decoding failure is a 500
            return 500, {"Content-Type": "text/html"}, "<h1>Internal Server Error</h1>"
        return 200, {}, {"description": str(described)}

    form = {"type": "object", "properties": {"pickled": {"type": "string"}}, "required": ["pickled"]}
    spec = {"/describe": {"post": {"requestBody": {"content": {"application/x-www-form-urlencoded": {
        "schema": form}}}, "responses": OK}}}
    with loopback(app) as url:
        result = _run(tmp_path, url, spec, ("injection",))
    assert (("PR-DESER-001", "POST", "/describe") in _found(result)) is vulnerable


def test_a_post_addressed_to_another_user_is_not_a_write_to_their_record(tmp_path: Path) -> None:
    from apishield.probe.identities import LoginRecipe

    inbox: dict[str, list[str]] = {"alice": [], "bob": []}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if method == "POST" and route == "/token":
            name = json.loads(body or b"{}").get("username")
            return (200, {}, {"access_token": f"t-{name}"}) if name in inbox else (401, {}, {"detail": "bad"})
        me = {"Bearer t-alice": "alice", "Bearer t-bob": "bob"}.get(
            {k.lower(): v for k, v in headers.items()}.get("authorization", ""))
        if me is None:
            return 401, {}, {"detail": "not authenticated"}
        if route == "/messages" and method == "GET":
            return 200, {}, {"received": inbox[me]}
        if route == "/messages" and method == "POST":  # a message to another user: by design
            data = json.loads(body or b"{}")
            if data.get("to_user") not in inbox:
                return 404, {}, {"detail": "no such user"}
            inbox[data["to_user"]].append(str(data.get("text")))
            return 201, {}, {"sent": True}
        return 404, {}, {"detail": "not found"}

    message = {"type": "object", "properties": {"to_user": {"type": "string"}, "text": {"type": "string"}}}
    login_body = {"type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}
    spec = {"/token": {"post": {"requestBody": {"content": {"application/json": {"schema": login_body}}},
                                "responses": OK}},
            "/messages": {"get": {"responses": OK},
                          "post": {"requestBody": {"content": {"application/json": {"schema": message}}},
                                   "responses": OK}}}
    recipe = LoginRecipe("POST", "/token", token_path="access_token",
                         bodies=({"username": "alice", "password": "a"}, {"username": "bob", "password": "b"}))
    with loopback(app) as url:
        result = _run(tmp_path, url, spec, ("references",), login=recipe)
    assert not [f for f in result.findings if f.rule_id == "PR-BOLA-002"]


@pytest.mark.parametrize("verify", [False, True])
def test_alg_none_is_tried_even_when_an_altered_signature_was_accepted(tmp_path: Path, verify: bool) -> None:
    secret = "x9Lq2-VvTq7m-Zr81pWn-Kd0sE4"
    token = _hs256({"sub": "alice", "iat": 1_700_000_000}, secret)
    with loopback(_token_app(secret, verify)) as url:
        result = _run(tmp_path, url, {"/me": {"get": {"responses": OK}}}, ("jwt",),
                      auth=(f"alice=Authorization:Bearer {token}",))
    rules = {f.rule_id for f in result.findings}
    assert ({"PR-JWT-001", "PR-JWT-002"} <= rules) is not verify
    assert verify is not bool({"PR-JWT-001", "PR-JWT-002"} & rules)


@pytest.mark.parametrize("vulnerable", [True, False])
def test_open_redirect_through_a_posted_form_field(tmp_path: Path, vulnerable: bool) -> None:
    """A login form's ``next`` field, posted form-encoded, sends the browser on after the sign-in."""
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if urlsplit(path).path != "/login" or method != "POST":
            return 404, {}, {"detail": "not found"}
        target = parse_qs(body.decode()).get("next", ["/"])[0]
        if not vulnerable and (not target.startswith("/") or target.startswith(("//", "/\\"))):
            target = "/home"
        return 303, {"Location": target}, {"redirect": target}

    form = {"application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
        "username": {"type": "string"}, "next": {"type": "string"}}}}}
    spec = {"/login": {"post": {"requestBody": {"content": form}, "responses": OK}}}
    with loopback(app) as url:
        result = _run(tmp_path, url, spec, ("redirect",))
    found = [f for f in result.findings if f.rule_id == "PR-REDIR-001"]
    assert bool(found) is vulnerable
    if vulnerable:
        assert found[0].parameter == "next" and found[0].method == "POST"
