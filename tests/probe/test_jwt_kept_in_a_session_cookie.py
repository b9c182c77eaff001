"""A session kept as a JWT in a cookie (``Set-Cookie: access_token=<JWT>``) is attacked as a bearer token is: a weak
HMAC secret is cracked and a token re-signed with it, carried in the same cookie, is accepted; a strong secret stays
quiet."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt as pyjwt
import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

LOGIN_BODY = {"content": {"application/json": {"schema": {"type": "object", "required": ["username", "password"],
                                                           "properties": {"username": {"type": "string"},
                                                                          "password": {"type": "string"}}}}}}
SPEC = {
    "/api/login": {"post": {"requestBody": LOGIN_BODY, "responses": OK}},
    "/api/me": {"get": {"responses": OK}},
}
USERS = {"alice": "alice-pass-1", "bob": "bob-pass-2"}
RECIPE = LoginRecipe("POST", "/api/login", token_path="cookie",
                     bodies=({"username": "alice", "password": "alice-pass-1"},
                             {"username": "bob", "password": "bob-pass-2"}))


def _app(secret: str) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if method == "POST" and route == "/api/login":
            sent = json.loads(body or b"{}")
            if USERS.get(str(sent.get("username"))) != sent.get("password"):
                return 401, {}, {"error": "invalid credentials"}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                token = pyjwt.encode({"sub": sent["username"], "exp": 4102444800}, secret, algorithm="HS256")
            return 200, {"Set-Cookie": f"access_token={token}; Path=/; HttpOnly"}, {"ok": True}
        if method == "GET" and route == "/api/me":
            jar = dict(p.strip().partition("=")[::2] for p in headers.get("Cookie", "").split(";") if "=" in p)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    claims = pyjwt.decode(jar.get("access_token", ""), secret, algorithms=["HS256"])
            except pyjwt.PyJWTError:
                return 401, {}, {"error": "sign in"}
            return 200, {}, {"username": claims["sub"]}
        return 404, {}, {"error": "not found"}
    return app


@pytest.mark.parametrize(("secret", "fires"), [("trustno1", True), ("k3-Vq9!zR7wL2xT8nB5mC1dF6gH4jS0aP", False)])
def test_a_jwt_session_cookie_with_a_weak_secret(tmp_path: Path, secret: str, fires: bool) -> None:
    with loopback(_app(secret)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("jwt",), login=RECIPE)
    assert (("PR-JWT-003", "GET", "/api/me") in findings_at(result)) is fires
