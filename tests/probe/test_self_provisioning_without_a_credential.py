"""Self-provisioning is a convenience nobody asked for: an API whose login answers 200 after registration but
issues no token and no cookie (a page saying "Welcome") must still be probed, anonymously, with a note saying
why no identity was used — not stopped as if credentials the user gave had failed. The same API with a login that
does issue a token gives the probe its identities."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.probe.loopback import OK, Answer, loopback, probe_paths

FORM = {"content": {"application/x-www-form-urlencoded": {"schema": {
    "type": "object", "required": ["username", "password"],
    "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}}
SPEC = {"/register": {"post": {"requestBody": FORM, "responses": OK}},
        "/login": {"post": {"requestBody": FORM, "responses": OK}},
        "/items": {"get": {"responses": OK}}}


def _app(issues_token: bool) -> Any:
    accounts: dict[str, str] = {}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if method == "POST" and path == "/register":
            accounts[form.get("username", "")] = form.get("password", "")
            return 200, {"Content-Type": "text/html"}, "<h3>Registered!</h3>"
        if method == "POST" and path == "/login":
            if accounts.get(form.get("username", "")) != form.get("password"):
                return 200, {"Content-Type": "text/html"}, "<h3>Invalid credentials</h3>"
            if issues_token:
                return 200, {}, {"access_token": "tok-" + form["username"]}
            return 200, {"Content-Type": "text/html"}, "<h3>Welcome!</h3>"
        if method == "GET" and path == "/items":
            return 200, {}, json.loads(b'[{"id": 1, "name": "pen"}]')
        return 404, {}, {"detail": "not found"}

    return app


@pytest.mark.parametrize("issues_token", [False, True])
def test_a_login_that_issues_nothing_leaves_an_anonymous_run(tmp_path: Path, issues_token: bool) -> None:
    with loopback(_app(issues_token)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("headers_errors",))
    notes = " ".join(result.notes)
    if issues_token:
        assert "could not log in" not in notes
    else:
        assert "self-provisioning" in notes and "could not log in" in notes
