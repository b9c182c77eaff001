"""Techniques for weaknesses that show on a later read, in a page's script, in a cookie or in a record that already
exists, each on a loopback app of our own that must make the probe fire with the flaw and stay quiet without it:
stored XSS (markup sent earlier, rendered unescaped on a later read), an open redirect through a script or a meta
refresh in a 200 page, session fixation (a client-chosen session id adopted), execution after redirect, a page
that any site may frame, software versions in a JSON body, a JWT without ``exp``, personal data of other users,
and updates by path of records the probe's own identities own (another identity's record, privileged fields of
one's own objects and account, an administrative action on one's own second identity)."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import html
import json
import secrets
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

HTML_OK = {"200": {"description": "page", "content": {"text/html": {"schema": {"type": "string"}}}}}
PAGE = "<html><body><nav><a href='/'>Home</a> <a href='/login'>Login</a></nav>{}</body></html>"
SAFE_HEADERS = {"Content-Type": "text/html", "X-Frame-Options": "DENY"}


def _query(path: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}


def _rules(result: Any, rule: str) -> list[Any]:
    return [f for f in result.findings if f.rule_id == rule]


@pytest.mark.parametrize("escaped", [False, True])
def test_markup_stored_by_one_request_and_rendered_by_a_later_read(tmp_path: Path, escaped: bool) -> None:
    comments: list[str] = []

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if urlsplit(path).path != "/guestbook":
            return 404, {}, {"detail": "not found"}
        query = _query(path)
        if "comment" in query:  # the write: stored, answered with a thank-you that does not show it
            comments.append(query["comment"])
            return 200, dict(SAFE_HEADERS), PAGE.format("Thank you for your comment.")
        rows = "".join(f"<tr><td>{html.escape(c) if escaped else c}</td></tr>" for c in comments)
        return 200, dict(SAFE_HEADERS), PAGE.format(f"<table>{rows}</table>")

    spec = {"/guestbook": {"get": {"parameters": [{"name": "comment", "in": "query", "schema": {"type": "string"}}],
                                   "responses": HTML_OK}}}
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("crawl", "injection"))
    stored = _rules(result, "PR-XSS-002")
    assert bool(stored) is not escaped
    assert not _rules(result, "PR-XSS-001")  # the answer carrying the payload never shows it: not reflected
    if stored:
        assert stored[0].http_path == "/guestbook" and "apsh" in (stored[0].evidence.response or "")


@pytest.mark.parametrize("escaped", [False, True])
def test_markup_posted_early_still_shown_on_a_page_of_the_newest_records(tmp_path: Path, escaped: bool) -> None:
    """A comment form (POST, then a redirect to the list) whose page shows only the newest comment: everything the
    run posts after the markup pushes it off the page, so the last markup request is sent again before the read."""
    comments: list[str] = []

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if urlsplit(path).path != "/comments":
            return 404, {}, {"detail": "not found"}
        if method == "POST":
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            comments.append(form.get("comment", ""))
            return 302, {"Location": "/comments", "Content-Type": "text/html"}, ""
        newest = comments[-1:] if comments else []
        rows = "".join(f"<p>{html.escape(c) if escaped else c}</p>" for c in newest)
        return 200, dict(SAFE_HEADERS), PAGE.format(rows)

    form = {"content": {"application/x-www-form-urlencoded": {"schema": {
        "type": "object", "properties": {"username": {"type": "string"}, "comment": {"type": "string"}}}}}}
    spec = {"/comments": {"get": {"responses": HTML_OK},
                          "post": {"requestBody": form, "responses": {"302": {"description": "to the list"}}}}}
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("crawl", "injection", "stored_xss"))
    assert bool(_rules(result, "PR-XSS-002")) is not escaped


@pytest.mark.parametrize(("how", "open_redirect"), [
    ("script", True), ("meta", True), ("script-relative-only", False), ("text-only", False)])
def test_a_page_that_sends_the_browser_elsewhere_by_script_or_meta_refresh(tmp_path: Path, how: str,
                                                                           open_redirect: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if urlsplit(path).path != "/jump":
            return 404, {}, {"detail": "not found"}
        to = _query(path).get("path", "/")
        if how == "script":
            page = f"<script>setTimeout(function() {{ window.location.replace('{to}'); }}, 3000);</script>"
        elif how == "meta":
            page = f'<meta http-equiv="refresh" content="0;url={to}">'
        elif how == "script-relative-only":
            safe = to if to.startswith("/") and not to.startswith("//") else "/"
            page = f"<script>window.location = '{safe}';</script><p>{html.escape(to)}</p>"
        else:
            page = f"<p>You asked for {html.escape(to)}</p>"
        return 200, dict(SAFE_HEADERS), PAGE.format(page)

    spec = {"/jump": {"get": {"parameters": [{"name": "path", "in": "query", "schema": {"type": "string"},
                                              "example": "/"}], "responses": HTML_OK}}}
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("redirect",))
    assert bool(_rules(result, "PR-REDIR-001")) is open_redirect


def _session_app(adopts_cookie: bool, query_session: bool) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if route not in ("/", "/home"):
            return 404, {}, {"detail": "not found"}
        jar: SimpleCookie = SimpleCookie()
        jar.load({k.lower(): v for k, v in headers.items()}.get("cookie", ""))
        sent = jar["SESSIONID"].value if "SESSIONID" in jar else None
        session = sent if (sent and adopts_cookie) else secrets.token_hex(16)
        query = _query(path)
        if route == "/home" and query_session and "session" in query:
            session = query["session"]
        out = dict(SAFE_HEADERS)
        out["Set-Cookie"] = f"SESSIONID={session}; Path=/; HttpOnly"
        return 200, out, PAGE.format("<p>Welcome</p>")

    return app


@pytest.mark.parametrize(("adopts_cookie", "query_session", "fixable"), [
    (True, False, True), (False, True, True), (False, False, False)])
def test_a_session_id_chosen_by_the_client_is_adopted(tmp_path: Path, adopts_cookie: bool, query_session: bool,
                                                      fixable: bool) -> None:
    spec = {"/": {"get": {"responses": HTML_OK}},
            "/home": {"get": {"parameters": [{"name": "session", "in": "query", "schema": {"type": "string"}}],
                              "responses": HTML_OK}}}
    with loopback(_session_app(adopts_cookie, query_session)) as url:
        result = probe_paths(tmp_path, url, spec, ("crawl", "sessions"))
    assert bool(_rules(result, "PR-SESS-001")) is fixable


@pytest.mark.parametrize(("how", "leaks"), [
    ("302-with-page", True), ("302-stub", False), ("script-with-page", True), ("script-only", False),
    ("302-with-layout", False)])  # the navigation every public page prints before the redirect: no page content
def test_a_redirect_to_the_login_that_still_carries_the_page(tmp_path: Path, how: str, leaks: bool) -> None:
    secret_page = "<ul><li><a href=#>Manage users and their passwords</a></li><li>Database settings</li></ul>"
    navigation = "<nav><a href=/>WeLearn Bank home</a><a href=/login>Login</a><a href=/register>Register</a></nav>"

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if route == "/login":
            return 200, dict(SAFE_HEADERS), PAGE.format(navigation + "<form><input name=user></form>")
        if route != "/admin":
            return 404, {}, {"detail": "not found"}
        if how == "302-with-page":
            return 302, {**SAFE_HEADERS, "Location": "/login"}, PAGE.format(navigation + secret_page)
        if how == "302-with-layout":
            return 302, {**SAFE_HEADERS, "Location": "/login"}, PAGE.format(navigation)
        if how == "302-stub":
            return 302, {**SAFE_HEADERS, "Location": "/login"}, (
                "<!doctype html>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n<p>You should be redirected "
                'automatically to the target URL: <a href="/login">/login</a>. If not, click the link.\n')
        script = "<script>window.location = '/login';</script>"
        return 200, dict(SAFE_HEADERS), PAGE.format((secret_page if how == "script-with-page" else "") + script)

    spec = {"/login": {"get": {"responses": HTML_OK}}, "/admin": {"get": {"responses": HTML_OK}}}
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("crawl", "sessions"))
    assert bool(_rules(result, "PR-EAR-001")) is leaks


@pytest.mark.parametrize(("headers", "json_answer", "frameable"), [
    ({}, False, True),
    ({"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'"}, False, False),
    ({"X-Frame-Options": "SAMEORIGIN"}, False, False),
    ({"X-Frame-Options": "deny"}, False, False),
    ({"X-Frame-Options": "ALLOWALL"}, False, True),  # a value browsers do not know: ignored
    ({"X-Frame-Options": "ALLOW-FROM https://partner.example"}, False, True),  # obsolete: ignored by browsers
    ({"Content-Security-Policy": "frame-ancestors *"}, False, True),  # every site may frame it
    ({"Content-Security-Policy": "frame-ancestors https:"}, False, True),
    ({"Content-Security-Policy": "frame-ancestors 'self' https://partner.example"}, False, False),
    ({}, True, False),  # JSON is never rendered in a frame
    ({"plain": "1"}, False, False),  # a page of plain text offers nothing to click
])
def test_a_page_any_site_may_frame(tmp_path: Path, headers: dict[str, str], json_answer: bool,
                                   frameable: bool) -> None:
    def app(method: str, path: str, hdrs: dict[str, str], body: bytes) -> Answer:
        if urlsplit(path).path != "/page":
            return 404, {}, {"detail": "not found"}
        if json_answer:
            return 200, dict(headers), {"ok": True}
        if headers.get("plain"):
            return 200, {"Content-Type": "text/html"}, "Hello, World!"
        return 200, {"Content-Type": "text/html", **headers}, PAGE.format("<p>hello</p>")

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, {"/page": {"get": {"responses": OK}}}, ("crawl",))
    assert len(_rules(result, "PR-HDR-004")) == (1 if frameable else 0)


@pytest.mark.parametrize(("answer", "discloses"), [
    ({"status": "ok", "framework": "FastAPI 0.120.4", "language": "Python 3.10.13",
      "database_status": "connected (SQLite 3.39.2)"}, True),
    ({"status": "ok", "versions": {"python": "3.11.7", "django": "4.2.1"}}, True),
    ({"status": "ok", "version": "1.0.0-beta", "environment": "production"}, False),  # the API's own version
    ({"items": [{"name": "Learning Python 3.10", "price": 30}]}, False),  # a product, not the system
])
def test_software_versions_named_in_a_json_body(tmp_path: Path, answer: dict[str, Any], discloses: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if urlsplit(path).path == "/health":
            return 200, {}, answer
        return 404, {}, {"detail": "not found"}

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, {"/health": {"get": {"responses": OK}}}, ("crawl",))
    assert bool(_rules(result, "PR-INFO-001")) is discloses


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize("expires", [False, True])
def test_a_jwt_issued_without_an_expiry(tmp_path: Path, expires: bool) -> None:
    secret = secrets.token_urlsafe(32)  # not guessable: only the missing exp may be reported
    claims: dict[str, Any] = {"sub": "alice", "iat": 1_900_000_000, **({"exp": 1_900_003_600} if expires else {})}
    signing = _b64(b'{"alg":"HS256","typ":"JWT"}') + "." + _b64(json.dumps(claims).encode())
    token = signing + "." + _b64(hmac.new(secret.encode(), signing.encode(), hashlib.sha256).digest())

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if urlsplit(path).path != "/me":
            return 404, {}, {"detail": "not found"}
        given = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
        return (200, {}, {"user": "alice"}) if given == f"Bearer {token}" else (401, {}, {"detail": "no"})

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, {"/me": {"get": {"responses": OK}}}, ("jwt",),
                             auth=(f"alice=Authorization:Bearer {token}",))
    assert bool(_rules(result, "PR-JWT-007")) is not expires
    assert not _rules(result, "PR-JWT-003")


USERS = {
    1: {"id": 1, "username": "alice", "email": "alice@shop.example", "role": "user", "blocked": False},
    2: {"id": 2, "username": "bob", "email": "bob@shop.example", "role": "user", "blocked": False},
    3: {"id": 3, "username": "carol", "email": "carol@shop.example", "role": "seller", "blocked": False},
}
PASSWORDS = {"alice": "alice-pw-123", "bob": "bob-pw-123"}
PRODUCTS = {7: {"id": 7, "name": "Tea", "price": 4.5, "blocked": False, "seller_id": 1},
            8: {"id": 8, "name": "Cake", "price": 9.0, "blocked": True, "seller_id": 3}}


def _shop_app(vulnerable: bool, users: dict[int, dict[str, Any]], products: dict[int, dict[str, Any]]) -> Any:
    tokens = {f"Bearer t-{u['username']}": uid for uid, u in users.items()}

    def seller(uid: int) -> dict[str, Any]:
        public = {"id": uid, "username": users[uid]["username"], "role": users[uid]["role"]}
        return {**public, "email": users[uid]["email"], "phone": "+1 555 0100 22"} if vulnerable else public

    def product(pid: int) -> dict[str, Any]:
        p = products[pid]
        return {k: v for k, v in p.items() if k != "seller_id"} | {"seller": seller(p["seller_id"])}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        parts = route.strip("/").split("/")
        data = json.loads(body or b"{}") if body else {}
        if method == "POST" and route == "/token":
            name = data.get("username")
            if PASSWORDS.get(str(name)) != data.get("password"):
                return 401, {}, {"detail": "bad login"}
            uid = next(i for i, u in users.items() if u["username"] == name)
            return 200, {}, {"access_token": f"t-{name}", "id": uid}
        if method == "GET" and route == "/products":
            return 200, {}, [product(pid) for pid in products]
        me = tokens.get({k.lower(): v for k, v in headers.items()}.get("authorization", ""))
        if me is None:
            return 401, {}, {"detail": "not authenticated"}
        if method == "GET" and route == "/me":
            return 200, {}, users[me]
        if len(parts) == 2 and parts[0] in ("users", "products") and parts[1].isdigit():
            oid = int(parts[1])
            store = users if parts[0] == "users" else products
            if oid not in store:
                return 404, {}, {"detail": "not found"}
            owner = oid if parts[0] == "users" else products[oid]["seller_id"]
            if method == "GET":
                if parts[0] == "users" and not vulnerable and owner != me:
                    return 403, {}, {"detail": "not yours"}
                return 200, {}, users[oid] if parts[0] == "users" else product(oid)
            if method == "PATCH":
                if owner != me and (parts[0] == "products" or not vulnerable):
                    return 403, {}, {"detail": "not yours"}
                allowed = set(data) if vulnerable else {"email", "name", "price"}
                store[oid].update({k: v for k, v in data.items() if k in allowed and k in store[oid]})
                return 200, {}, users[oid] if parts[0] == "users" else product(oid)
        if method == "POST" and len(parts) == 3 and parts[:2] == ["admin", "promote"]:
            if not vulnerable:
                return 403, {}, {"detail": "admins only"}
            users[int(parts[2])]["role"] = "admin"
            return 200, {}, {"message": f"user {parts[2]} is now admin"}
        return 404, {}, {"detail": "not found"}

    return app


@pytest.mark.parametrize("vulnerable", [True, False])
def test_updates_by_path_on_records_the_probe_owns(tmp_path: Path, vulnerable: bool) -> None:
    from apishield.probe.identities import LoginRecipe

    def body(*fields: str) -> dict[str, Any]:
        props = {f: {"anyOf": [{"type": "string"}, {"type": "null"}]} for f in fields}
        return {"requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": props}}}},
                "responses": OK}

    user_id = [{"name": "user_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    product_id = [{"name": "product_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    spec = {
        "/token": {"post": body("username", "password")},
        "/me": {"get": {"responses": OK}},
        "/products": {"get": {"responses": OK, "security": []}},
        "/products/{product_id}": {"get": {"parameters": product_id, "responses": OK},
                                   "patch": {"parameters": product_id, **body("name", "price", "blocked")}},
        "/users/{user_id}": {"get": {"parameters": user_id, "responses": OK},
                             "patch": {"parameters": user_id, **body("username", "email", "role", "blocked")}},
        "/admin/promote/{user_id}": {"post": {"parameters": user_id, "responses": OK}},
    }
    users, products = copy.deepcopy(USERS), copy.deepcopy(PRODUCTS)
    recipe = LoginRecipe("POST", "/token", token_path="access_token",
                         bodies=({"username": "alice", "password": PASSWORDS["alice"]},
                                 {"username": "bob", "password": PASSWORDS["bob"]}))
    with loopback(_shop_app(vulnerable, users, products)) as url:
        result = probe_paths(tmp_path, url, spec, ("crawl", "bola", "bfla", "records"), login=recipe)
    found = findings_at(result)
    assert (("PR-BOLA-002", "PATCH", "/users/{user_id}") in found) is vulnerable
    assert (("PR-MASS-001", "PATCH", "/users/{user_id}") in found) is vulnerable
    assert (("PR-MASS-001", "PATCH", "/products/{product_id}") in found) is vulnerable
    assert (("PR-BFLA-001", "POST", "/admin/promote/{user_id}") in found) is vulnerable
    assert (("PR-DATA-003", "GET", "/products") in found) is vulnerable
    assert not any(rule == "PR-DATA-003" and p == "/me" for rule, _m, p in found)  # one's own data is fine
    # every value the probe changed was put back; the only lasting change is the promotion it proved
    assert users[2]["email"] == "bob@shop.example" and users[1]["role"] == "user"
    assert products[7]["blocked"] is False and products[8]["blocked"] is True  # never touched: not the probe's
    assert all(not u["blocked"] for u in users.values())


@pytest.mark.parametrize(("policy", "readable"), [("anyone-signed-in", True), ("owner-only", False),
                                                  ("public", False)])  # public by design: not a finding
def test_records_keyed_by_user_that_do_not_name_their_user(tmp_path: Path, policy: str, readable: bool) -> None:
    from apishield.probe.identities import LoginRecipe

    orders = {1: [{"id": 31, "buyer_id": 1, "product": "Tea", "quantity": 2}],
              2: [{"id": 47, "buyer_id": 2, "product": "Vinyl", "quantity": 1}]}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if method == "POST" and route == "/token":
            data = json.loads(body or b"{}")
            name = data.get("username")
            if PASSWORDS.get(str(name)) != data.get("password"):
                return 401, {}, {"detail": "bad login"}
            return 200, {}, {"access_token": f"t-{name}", "id": 1 if name == "alice" else 2}
        me = {"Bearer t-alice": 1, "Bearer t-bob": 2}.get({k.lower(): v for k, v in headers.items()}.get(
            "authorization", ""))
        parts = route.strip("/").split("/")
        if method == "GET" and parts[:2] == ["orders", "user"] and len(parts) == 3 and parts[2].isdigit():
            if me is None and policy != "public":
                return 401, {}, {"detail": "not authenticated"}
            if policy == "owner-only" and int(parts[2]) != me:
                return 403, {}, {"detail": "not yours"}
            return 200, {}, orders.get(int(parts[2]), [])
        if method == "GET" and route == "/me" and me is not None:
            return 200, {}, {"id": me}
        return 404, {}, {"detail": "not found"}

    user_id = [{"name": "user_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    login = {"type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}
    spec = {"/token": {"post": {"requestBody": {"content": {"application/json": {"schema": login}}},
                                "responses": OK}},
            "/me": {"get": {"responses": OK}},
            "/orders/user/{user_id}": {"get": {"parameters": user_id, "responses": OK}}}
    recipe = LoginRecipe("POST", "/token", token_path="access_token",
                         bodies=({"username": "alice", "password": PASSWORDS["alice"]},
                                 {"username": "bob", "password": PASSWORDS["bob"]}))
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("bola",), login=recipe)
    assert (("PR-BOLA-001", "GET", "/orders/user/{user_id}") in findings_at(result)) is readable


@pytest.mark.parametrize(("identity", "headers", "reported"), [
    ("anonymous", (), True),
    ("anonymous", (("Authorization", "Bearer forged.token.here"),), False),  # a JWT check's forged token
    ("alice", (("Authorization", "Bearer t-alice"),), True),  # alice is shown bob's contact data
])
def test_personal_data_is_judged_by_who_asked(identity: str, headers: tuple[tuple[str, str], ...],
                                              reported: bool) -> None:
    from types import SimpleNamespace

    from apishield.probe.checks.exposure import others_data
    from apishield.probe.client import Exchange
    from apishield.probe.engine import Identity

    alice = Identity("alice", {"Authorization": "Bearer t-alice"}, username="alice", user_id=1)
    answer = json.dumps([{"id": 1, "username": "alice", "email": "alice@shop.example"},
                         {"id": 2, "username": "bob", "email": "bob@shop.example"}]).encode()
    ex = Exchange(1, "crawl", identity, "GET", "http://127.0.0.1:1/users", headers, b"", 200,
                  (("Content-Type", "application/json"),), answer)
    kinds = others_data(SimpleNamespace(identities=[alice]), ex)  # type: ignore[arg-type]
    assert (kinds == ["e-mail"]) is reported


@pytest.mark.parametrize("identity", ["anonymous", "alice"])
@pytest.mark.parametrize(("body", "reported"), [
    (b'{"q": "bob"}', True),  # must fire: a lookup shows bob's contact data
    (b'{"username": "alice", "password": "x"}', True),  # alice signs in and is shown bob's record too
    (b'{"username": "bob", "password": "x"}', False),  # must stay quiet: a login answers with the signer's record
    (b"password=x&email=bob%40shop.example", False),
])
def test_a_login_answer_is_the_signers_own_record(identity: str, body: bytes, reported: bool) -> None:
    """Whoever asks — anonymous, or an identity whose own token rides along with another's credentials in the
    body — a login answers the record of the account whose password it carried."""
    from types import SimpleNamespace

    from apishield.probe.checks.exposure import others_data
    from apishield.probe.client import Exchange
    from apishield.probe.engine import Identity

    alice = Identity("alice", {"Authorization": "Bearer t-alice"}, username="alice", user_id=1)
    headers = (("Authorization", "Bearer t-alice"),) if identity == "alice" else ()
    answer = json.dumps({"user": {"id": 2, "username": "bob", "email": "bob@shop.example"}}).encode()
    ex = Exchange(1, "authn", identity, "POST", "http://127.0.0.1:1/login", headers, body, 200,
                  (("Content-Type", "application/json"),), answer)
    kinds = others_data(SimpleNamespace(identities=[alice]), ex)  # type: ignore[arg-type]
    assert (kinds == ["e-mail"]) is reported


@pytest.mark.parametrize("keyed_on_header", [True, False])
def test_a_rate_limit_keyed_on_a_client_supplied_address(tmp_path: Path, keyed_on_header: bool) -> None:
    seen: dict[str, int] = {}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if urlsplit(path).path != "/search":
            return 404, {}, {"detail": "not found"}
        low = {k.lower(): v for k, v in headers.items()}
        client = (low.get("x-forwarded-for") if keyed_on_header else None) or "peer"
        seen[client] = seen.get(client, 0) + 1
        if seen[client] > 5:  # five requests per client, then closed for the rest of the test
            return 429, {"Retry-After": "3600"}, {"detail": "slow down"}
        return 200, {}, {"results": []}

    spec = {"/search": {"get": {"parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                                "responses": OK}}}
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("crawl", "ratelimit"))
    assert bool(_rules(result, "PR-RATE-002")) is keyed_on_header
    assert not _rules(result, "PR-RATE-001")  # the burst met its 429


@pytest.mark.parametrize("vulnerable", [True, False])
def test_the_callers_own_record_updated_by_a_path_without_an_id(tmp_path: Path, vulnerable: bool) -> None:
    """``PUT /auth/me`` with a privilege field the API names elsewhere, read back by ``GET /auth/me``, then put back."""
    from apishield.probe.identities import LoginRecipe

    me = {"id": 1, "username": "alice", "email": "alice@shop.example", "role": "user"}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if path == "/token" and method == "POST":
            return 200, {}, {"access_token": "t-alice"}
        if {k.lower(): v for k, v in headers.items()}.get("authorization") != "Bearer t-alice":
            return 401, {}, {"detail": "log in"}
        if path == "/auth/me" and method == "GET":
            return 200, {}, dict(me)
        if path == "/auth/me" and method == "PUT":
            sent = json.loads(body or b"{}")
            me.update({k: v for k, v in sent.items() if k in ("email", "role") and (vulnerable or k != "role")})
            return 200, {}, dict(me)
        if path == "/team" and method == "GET":
            return 200, {}, [{"username": "carol", "role": "admin"}]
        return 404, {}, {"detail": "not found"}

    fields = {"type": "object", "properties": {"email": {"type": "string"}, "role": {"type": "string"}}}
    login = {"type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}
    spec = {"/token": {"post": {"requestBody": {"content": {"application/json": {"schema": login}}}, "responses": OK}},
            "/team": {"get": {"responses": OK}},
            "/auth/me": {"get": {"responses": OK},
                         "put": {"requestBody": {"content": {"application/json": {"schema": fields}}},
                                 "responses": OK}}}
    recipe = LoginRecipe("POST", "/token", token_path="access_token", bodies=({"username": "alice", "password": "x"},))
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("crawl", "records"), login=recipe)
    assert (("PR-MASS-001", "PUT", "/auth/me") in findings_at(result)) is vulnerable
    assert me["role"] == "user"  # put back
