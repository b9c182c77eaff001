"""Identities given as ready tokens (``--auth``): the probe never sees a login answer, so it learns each identity's
own attributes (user id, name) from the token's claims and uses them to fill user-keyed path parameters, for the
auth canary (an ordinary identity's own record, before an administrative-looking operation it may be refused) and
for object-level checks on user-keyed records and collections (``/users/{userId}/addresses``); objects anyone may
read are not another user's; an ordinary user creating through an administrative collection; a parameter that
makes the server fetch a URL (in-band SSRF) and traversal through a parameter not named like a file. Each
behaviour on a loopback app of our own that must make the probe fire with the flaw and stay quiet without it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from apishield.probe.engine import ProbeAbort
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths, unsigned_token

BEARER = [{"bearerAuth": []}]


def _caller(headers: dict[str, str], tokens: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    auth = headers.get("Authorization", "")
    return tokens.get(auth.removeprefix("Bearer ")) if auth.startswith("Bearer ") else None


def _param(name: str, where: str = "path", **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": where, "required": True, "schema": {"type": "string", **schema}}


USER_ID = _param("userId", format="uuid")


def _users() -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Two ordinary users keyed by a UUID, their tokens (``sub`` = name, ``user_id`` = UUID) and an admin."""
    users = {str(uuid.uuid4()): {"username": name, "email": f"{name}@example.com", "is_admin": name == "root"}
             for name in ("alice", "bob", "root")}
    tokens = {unsigned_token({"sub": u["username"], "user_id": uid}): {"user_id": uid, **u} for uid, u in users.items()}
    return users, tokens


@pytest.mark.parametrize("owner_checked", [False, True])
def test_user_keyed_records_and_collections_read_and_written_across_identities(tmp_path: Path,
                                                                                owner_checked: bool) -> None:
    users, tokens = _users()
    addresses: dict[str, list[dict[str, Any]]] = {uid: [] for uid in users}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(path).path.strip("/").split("/")
        caller = _caller(headers, tokens)
        if caller is None:
            return 401, {}, {"detail": "not authenticated"}
        if parts[:2] != ["api", "users"] or len(parts) < 3 or parts[2] not in users:
            return 404, {}, {"detail": "not found"}
        uid = parts[2]
        if owner_checked and caller["user_id"] != uid and not caller["is_admin"]:
            return 403, {}, {"detail": "not yours"}
        if len(parts) == 3 and method == "GET":
            return 200, {}, {"user_id": uid, **users[uid]}
        if parts[3:] == ["addresses"] and method == "GET":
            return 200, {}, addresses[uid]
        if parts[3:] == ["addresses"] and method == "POST":
            query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
            if not {"street", "city"} <= set(query):
                return 422, {}, {"detail": "street and city are required query parameters"}
            address = {"address_id": str(uuid.uuid4()), "street": query["street"], "city": query["city"]}
            addresses[uid].append(address)
            return 201, {}, address
        if parts[3:4] == ["addresses"] and len(parts) == 5 and method == "PUT":
            query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
            address = next((a for a in addresses[uid] if a["address_id"] == parts[4]), None)
            if address is None:
                return 404, {}, {"detail": "no such address"}
            address.update({k: v for k, v in query.items() if k in ("street", "city")})
            return 200, {}, address
        return 405, {}, {"detail": "method not allowed"}

    spec = {
        "/api/users/{userId}": {"get": {"parameters": [USER_ID], "security": BEARER, "responses": OK}},
        "/api/users/{userId}/addresses": {
            "get": {"parameters": [USER_ID], "security": BEARER, "responses": OK},
            "post": {"parameters": [USER_ID, _param("street", "query"), _param("city", "query")],
                     "security": BEARER, "responses": {"201": {"description": "created"}}}},
        "/api/users/{userId}/addresses/{addressId}": {"put": {
            "parameters": [USER_ID, _param("addressId"), _param("street", "query"), _param("city", "query")],
            "security": BEARER, "responses": OK}},
    }
    alice, bob = (t for t, u in tokens.items() if u["username"] in ("alice", "bob"))
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("bola",),
                             auth=(f"alice=Authorization:Bearer {alice}", f"bob=Authorization:Bearer {bob}"))
    assert result.stats["objects_created"] == 2  # one address each, created under its own user id
    expected = {("PR-BOLA-001", "GET", "/api/users/{userId}"),
                ("PR-BOLA-001", "GET", "/api/users/{userId}/addresses"),
                ("PR-BOLA-002", "POST", "/api/users/{userId}/addresses"),
                ("PR-BOLA-002", "PUT", "/api/users/{userId}/addresses/{addressId}")}
    found = {f for f in findings_at(result) if f[0].startswith("PR-BOLA")}
    assert found == (set() if owner_checked else expected)
    root_id = next(uid for uid, u in users.items() if u["username"] == "root")
    assert not addresses[root_id]  # nothing was ever written to a user the probe does not own


def _canary_app(tokens: dict[str, dict[str, Any]]) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        caller = _caller(headers, tokens)
        if route == "/health":
            return 200, {}, {"status": "ok"}
        if caller is None:
            return 401, {}, {"detail": "not authenticated"}
        if route == "/admin_report":  # administrative: ordinary users are refused
            return (200, {}, {"report": "all"}) if caller["is_admin"] else (403, {}, {"detail": "admins only"})
        if route.startswith("/profiles/"):  # each user reads only their own profile
            uid = route.rsplit("/", 1)[-1]
            return (200, {}, {"user_id": uid, "username": caller["username"]}) if uid == caller["user_id"] else (
                403, {}, {"detail": "not yours"})
        return 404, {}, {"detail": "not found"}

    return app


CANARY_SPEC = {
    "/health": {"get": {"security": [], "responses": OK}},
    "/admin_report": {"get": {"security": BEARER, "responses": OK}},
    "/profiles/{user_id}": {"get": {"parameters": [_param("user_id")], "security": BEARER, "responses": OK}},
}


def test_the_canary_proves_ordinary_identities_on_their_own_record_not_on_an_admin_operation(tmp_path: Path) -> None:
    _, tokens = _users()
    auth = tuple(f"{u['username']}=Authorization:Bearer {t}" for t, u in tokens.items() if not u["is_admin"])
    with loopback(_canary_app(tokens)) as url:
        result = probe_paths(tmp_path, url, CANARY_SPEC, ("authn",), auth=auth)
    assert result.stats["canary"] == "GET /profiles/{user_id}"


def test_an_own_record_only_some_identities_pass_is_noted_not_fatal(tmp_path: Path) -> None:
    """Colliding tokens: the server takes bob's token for alice's, so bob is refused his own record while alice
    passes hers. The canary goes on (the bola check reports identities the server cannot tell apart)."""
    _, tokens = _users()
    alice = next(u for u in tokens.values() if u["username"] == "alice")
    seen = {t: (alice if u["username"] == "bob" else u) for t, u in tokens.items()}
    auth = tuple(f"{u['username']}=Authorization:Bearer {t}" for t, u in tokens.items() if not u["is_admin"])
    with loopback(_canary_app(seen)) as url:
        result = probe_paths(tmp_path, url, CANARY_SPEC, ("authn",), auth=auth)
    assert result.stats["canary"] == "GET /profiles/{user_id}"
    assert any("bob not proven on their own record" in note for note in result.notes)


def test_the_canary_stops_with_one_line_when_every_candidate_refuses_every_identity(tmp_path: Path) -> None:
    _, tokens = _users()
    stale = {unsigned_token({"sub": u["username"], "user_id": u["user_id"], "v": 2}): u for u in tokens.values()}
    auth = tuple(f"{u['username']}=Authorization:Bearer {t}" for t, u in stale.items() if not u["is_admin"])
    with loopback(_canary_app(tokens)) as url, pytest.raises(ProbeAbort) as raised:
        probe_paths(tmp_path, url, CANARY_SPEC, ("authn",), auth=auth)
    message = str(raised.value)
    assert message.startswith("auth canary failed on GET /profiles/{user_id}") and "\n" not in message
    assert "alice got 401" in message and "/admin_report" in message and "fix the credentials" in message


@pytest.mark.parametrize(("how", "fires"), [("any-user", True), ("anyone", True), ("admins-only", False),
                                         ("silent-200", False), ("anyone-silent-200", False)])
def test_an_ordinary_user_creating_through_an_administrative_collection(tmp_path: Path, how: str,
                                                                         fires: bool) -> None:
    _, tokens = _users()
    coupons: list[dict[str, Any]] = []

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        caller = _caller(headers, tokens)
        if urlsplit(path).path != "/api/admin/coupons" or method != "POST":
            return 404, {}, {"detail": "not found"}
        if caller is None and not how.startswith("anyone"):  # "anyone": no credentials needed at all
            return 401, {}, {"detail": "not authenticated"}
        if how == "admins-only" and not caller["is_admin"]:
            return 403, {}, {"detail": "admins only"}
        if how.endswith("silent-200"):  # answers 200 to everyone and creates nothing: no proof of anything
            return 200, {}, {"detail": "request received"}
        query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        if query.get("discount_type") not in ("percentage", "fixed"):  # the values its description names
            return 422, {}, {"detail": "discount_type must be percentage or fixed"}
        coupons.append({"code": query.get("code"), "discount_value": query.get("discount_value")})
        return 201, {}, coupons[-1]

    spec = {"/api/admin/coupons": {"post": {
        "parameters": [_param("code", "query"), {"name": "discount_value", "in": "query", "required": True,
                                                 "schema": {"type": "number"}},
                       {"name": "discount_type", "in": "query", "required": True, "schema": {"type": "string"},
                        "description": "Type of discount: percentage or fixed"}],
        "security": BEARER, "responses": {"201": {"description": "created"}}}}}
    alice = next(t for t, u in tokens.items() if u["username"] == "alice")
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("bfla",), auth=(f"alice=Authorization:Bearer {alice}",))
    assert (("PR-BFLA-001", "POST", "/api/admin/coupons") in findings_at(result)) is fires


@pytest.mark.parametrize(("catalogue", "fires"), [("public", False), ("private-unchecked", True)])
def test_an_object_anyone_may_read_is_not_another_users_object(tmp_path: Path, catalogue: str, fires: bool) -> None:
    _, tokens = _users()
    products: dict[str, dict[str, Any]] = {}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        caller = _caller(headers, tokens)
        if caller is None and (method != "GET" or catalogue != "public"):
            return 401, {}, {"detail": "not authenticated"}
        if route == "/products" and method == "POST":
            product = {"product_id": str(uuid.uuid4()), **json.loads(body or b"{}")}
            products[product["product_id"]] = product
            return 201, {}, product
        if route.startswith("/products/") and method == "GET" and route.rsplit("/", 1)[-1] in products:
            return 200, {}, products[route.rsplit("/", 1)[-1]]  # no owner check in either variant
        return 404, {}, {"detail": "not found"}

    security = [] if catalogue == "public" else BEARER
    spec = {"/products": {"post": {"security": BEARER, "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "properties": {"name": {"type": "string"}}}}}},
                "responses": {"201": {"description": "created"}}}},
            "/products/{productId}": {"get": {"parameters": [_param("productId")], "security": security,
                                              "responses": OK}}}
    auth = tuple(f"{u['username']}=Authorization:Bearer {t}" for t, u in tokens.items() if not u["is_admin"])
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("bola",), auth=auth)
    assert result.stats["objects_created"] >= 1
    assert (("PR-BOLA-001", "GET", "/products/{productId}") in findings_at(result)) is fires


@pytest.mark.parametrize(("how", "fires"), [("fetches", True), ("fetches-blind", True), ("allow-list", False),
                                           ("echoes-the-url", False)])
def test_a_parameter_that_makes_the_server_fetch_a_url_it_names(tmp_path: Path, how: str, fires: bool) -> None:
    from urllib.request import urlopen

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route, query = urlsplit(path).path, {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        if route != "/rates/current":
            return 404, {}, {"detail": "not found"}
        url = query.get("source", "https://rates.example/v3")
        if how == "echoes-the-url":
            return 200, {}, {"source": url, "rates": []}
        if not url.startswith("http://127.0.0.1:") or how == "allow-list":  # nothing leaves the machine here
            return 400, {}, {"detail": "source not allowed"}
        with urlopen(url, timeout=5) as fetched:  # the server fetches the URL it is given
            text = fetched.read().decode()
        return 200, {}, {"rates": "unavailable"} if how == "fetches-blind" else json.dumps(text)

    spec = {"/rates/current": {"get": {"parameters": [
        {"name": "source", "in": "query", "required": False, "schema": {"type": "string",
                                                                        "default": "https://rates.example/v3"}}],
        "responses": OK}}}
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("injection",))
    found = [f for f in result.findings if f.rule_id == "PR-SSRF-001"]
    assert bool(found) is fires
    if found:
        assert ("blind" in found[0].message) is (how == "fetches-blind")


@pytest.mark.parametrize("confined", [False, True])
def test_traversal_through_a_parameter_not_named_like_a_file(tmp_path: Path, confined: bool) -> None:
    import posixpath

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route, query = urlsplit(path).path, {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        if route != "/rates":
            return 404, {}, {"detail": "not found"}
        stamp = query.get("datestamp", "2026-01-01")
        if confined and ("/" in stamp or "\\" in stamp):
            return 400, {}, {"detail": "bad datestamp"}
        where = posixpath.normpath("/srv/cache/rates/" + stamp)  # a cache file per day, read as asked
        if where == "/etc/passwd":
            return 200, {"Content-Type": "text/plain"}, "root:x:0:0:root:/root:/bin/sh\n"
        return 200, {}, {"date": stamp, "rates": {"USD": 1.08}}

    spec = {"/rates": {"get": {"parameters": [
        {"name": "datestamp", "in": "query", "required": False, "schema": {"type": "string"}}], "responses": OK}}}
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("injection",))
    assert (("PR-PATH-001", "GET", "/rates") in findings_at(result)) is not confined


@pytest.mark.parametrize("owner_checked", [False, True])
def test_a_user_record_updated_through_query_parameters(tmp_path: Path, owner_checked: bool) -> None:
    users, tokens = _users()
    before = {uid: dict(u) for uid, u in users.items()}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(path).path.strip("/").split("/")
        caller = _caller(headers, tokens)
        if caller is None:
            return 401, {}, {"detail": "not authenticated"}
        if parts[0] != "users" or len(parts) != 2 or parts[1] not in users:
            return 404, {}, {"detail": "not found"}
        uid = parts[1]
        if method == "GET":
            return 200, {}, {"user_id": uid, **users[uid]}
        if owner_checked and caller["user_id"] != uid:
            return 403, {}, {"detail": "not yours"}
        query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        users[uid].update({k: v for k, v in query.items() if k in ("username", "email")})
        return 200, {}, {"user_id": uid, **users[uid]}

    spec = {"/users/{userId}": {
        "get": {"parameters": [USER_ID], "security": BEARER, "responses": OK},
        "put": {"parameters": [USER_ID, {"name": "username", "in": "query", "schema": {"type": "string"}},
                               {"name": "email", "in": "query", "schema": {"type": "string"}}],
                "security": BEARER, "responses": OK}}}
    auth = tuple(f"{u['username']}=Authorization:Bearer {t}" for t, u in tokens.items() if not u["is_admin"])
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("records",), auth=auth)
    assert (("PR-BOLA-002", "PUT", "/users/{userId}") in findings_at(result)) is not owner_checked
    assert users == before  # every value the probe changed was put back


@pytest.mark.parametrize(("description", "first"), [
    ("Type of discount: percentage or fixed", "percentage"), ("Order: 'asc', 'desc' or 'none'", "asc"),
    ("Mode: fast, slow, or off.", "fast"), ("Username or email", None), ("Unique coupon code", None),
    ("Note: use this or that endpoint for more details", None), ("Format: JSON or XML (default JSON)", None)])
def test_values_a_parameter_description_lists_after_a_colon(description: str, first: str | None) -> None:
    from apishield.probe.targets import prose_choices

    assert prose_choices(description) == ([first] if first else [])


@pytest.mark.parametrize("owner_checked", [False, True])
def test_a_user_record_under_a_singular_collection_is_keyed_by_the_identitys_id(tmp_path: Path,
                                                                                owner_checked: bool) -> None:
    """``GET /api/user/{id}`` with a plain ``id``: the item of a singular ``user`` collection is a user, so each
    identity's own id fills it and the other identity's id tries it."""
    ids = {"alice": 1, "bob": 2}
    tokens = {unsigned_token({"sub": name, "user_id": uid}): {"user_id": uid, "username": name}
              for name, uid in ids.items()}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(path).path.strip("/").split("/")
        caller = _caller(headers, tokens)
        if caller is None:
            return 401, {}, {"detail": "not authenticated"}
        if parts[:2] != ["api", "user"] or len(parts) != 3 or not parts[2].isdigit():
            return 404, {}, {"detail": "not found"}
        uid = int(parts[2])
        if uid not in ids.values():
            return 404, {}, {"detail": "no such user"}
        if owner_checked and caller["user_id"] != uid:
            return 403, {}, {"detail": "not yours"}
        name = next(n for n, i in ids.items() if i == uid)
        return 200, {}, {"user_id": uid, "username": name, "balance": 100 * uid}

    spec = {"/api/user/{id}": {"get": {"parameters": [_param("id")], "security": BEARER, "responses": OK}}}
    alice, bob = tokens
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("bola",),
                             auth=(f"alice=Authorization:Bearer {alice}", f"bob=Authorization:Bearer {bob}"))
    found = {f for f in findings_at(result) if f[0].startswith("PR-BOLA")}
    assert found == (set() if owner_checked else {("PR-BOLA-001", "GET", "/api/user/{id}")})


@pytest.mark.parametrize("anyone_reads_anyone", [False, True])
def test_an_administrator_reading_others_records_is_no_broken_object_check(tmp_path: Path,
                                                                           anyone_reads_anyone: bool) -> None:
    """The second identity is an administrator (its token says ``role: admin``): it reads every user's record
    by design, e-mail included. The ordinary identity is the one tried across; only when it too reads the
    administrator's record is an object-level check broken."""
    ids = {"alice": 1, "root": 2}
    tokens = {unsigned_token({"sub": name, "user_id": uid, "role": "admin" if name == "root" else "user"}):
              {"user_id": uid, "username": name} for name, uid in ids.items()}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(path).path.strip("/").split("/")
        caller = _caller(headers, tokens)
        if caller is None:
            return 401, {}, {"detail": "not authenticated"}
        if parts[:2] != ["api", "users"] or len(parts) != 3 or not parts[2].isdigit():
            return 404, {}, {"detail": "not found"}
        uid = int(parts[2])
        if uid not in ids.values():
            return 404, {}, {"detail": "no such user"}
        if caller["username"] != "root" and caller["user_id"] != uid and not anyone_reads_anyone:
            return 403, {}, {"detail": "not yours"}
        name = next(n for n, i in ids.items() if i == uid)
        return 200, {}, {"user_id": uid, "username": name, "email": f"{name}@corp.example"}

    spec = {"/api/users/{id}": {"get": {"parameters": [_param("id")], "security": BEARER, "responses": OK}}}
    alice, root = tokens
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("bola", "exposure"),
                             auth=(f"alice=Authorization:Bearer {alice}", f"root=Authorization:Bearer {root}"))
    found = {f[0] for f in findings_at(result)} & {"PR-BOLA-001", "PR-DATA-003"}
    assert ("PR-BOLA-001" in found) is anyone_reads_anyone
    reads = [f for f in result.findings if f.rule_id in ("PR-BOLA-001", "PR-DATA-003")]
    assert all("root read" not in f.message and "'root'" not in f.message for f in reads)


@pytest.mark.parametrize("fetches", [True, False])
def test_a_url_parameter_is_asked_to_fetch_before_the_longer_techniques(tmp_path: Path, fetches: bool) -> None:
    """On a budget that leaves room for a few requests per parameter, a parameter named like a URL still gets its
    one fetch request: the template, command and deserialization canaries come after it."""
    import asyncio
    from urllib.request import urlopen

    from apishield.probe import ProbeConfig, ProbeOptions, probe

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route, query = urlsplit(path).path, {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        if route != "/proxy":
            return 404, {}, {"detail": "not found"}
        url = query.get("url", "")
        if not url.startswith("http://127.0.0.1:"):
            return 400, {}, {"detail": "give a URL"}
        if not fetches:
            return 200, {}, {"queued": url}
        with urlopen(url, timeout=5) as fetched:
            return 200, {"Content-Type": "text/plain"}, fetched.read().decode()

    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
        "/proxy": {"get": {"parameters": [{"name": "url", "in": "query", "schema": {"type": "string"}}],
                           "responses": {"200": {"description": "ok"}}}}}}))
    with loopback(app) as url:
        result = asyncio.run(probe(ProbeConfig(url, openapi=str(spec), options=ProbeOptions(
            budget=14, rate=0, checks=("injection",)))))
    assert bool([f for f in result.findings if f.rule_id == "PR-SSRF-001"]) is fetches
