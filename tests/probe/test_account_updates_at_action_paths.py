"""The caller's own account is also updated at an action path (``PUT /api/user/update``) and by a POST where a GET of
the same path reads the account (``POST /api/profile``); the account is read back through that GET, or through the
GET of the caller's own account (``GET /api/profile``). A privileged field that sticks is mass assignment; an update
that keeps such fields out stays quiet, and the run's identity gets its old values back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

FORM = {"application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
    "username": {"type": "string"}}}}}
EMAIL = {"application/json": {"schema": {"type": "object", "properties": {"email": {"type": "string"}}}}}
SPEC: dict[str, Any] = {
    "/login": {"post": {"requestBody": {"content": FORM}, "responses": OK}},
    "/api/user/update": {"put": {"requestBody": {"content": EMAIL}, "responses": OK}},
    "/api/profile": {"get": {"responses": OK}, "post": {"requestBody": {"content": EMAIL}, "responses": OK}},
}
RECIPE = LoginRecipe("POST", "/login", bodies=({"username": "alice"}, {"username": "bob"}), encoding="form")


def _lab(guarded: bool) -> Any:
    users = {n: {"username": n, "email": f"{n}@example.com", "role": "user", "admin": False} for n in ("alice", "bob")}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if route == "/login" and method == "POST":
            name = parse_qs(body.decode()).get("username", [""])[0]
            if name not in users:
                return 401, {}, {"error": "unknown user"}
            return 200, {"Set-Cookie": f"session={name}-sess; HttpOnly; Path=/"}, {"user": users[name]}
        name = headers.get("Cookie", "").partition("session=")[2].split(";")[0].removesuffix("-sess")
        if name not in users:
            return 401, {}, {"error": "Not authenticated"}
        if route == "/api/profile" and method == "GET":
            return 200, {}, {"user": users[name]}
        if (route, method) in (("/api/user/update", "PUT"), ("/api/profile", "POST")):
            data = json.loads(body or b"{}")
            for key, value in data.items():
                if key != "username" and (not guarded or key == "email"):
                    users[name][key] = value
            return 200, {}, {"success": True, "user": users[name]}
        return 404, {}, {"error": "not found"}
    return app


@pytest.mark.parametrize("guarded", [False, True])
def test_own_account_updates_at_action_paths_and_by_post(tmp_path: Path, guarded: bool) -> None:
    with loopback(_lab(guarded)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("crawl", "mass_assignment"), login=RECIPE)
    found = {(method, path) for rule, method, path in findings_at(result) if rule == "PR-MASS-001"}
    assert found == (set() if guarded else {("PUT", "/api/user/update"), ("POST", "/api/profile")})
