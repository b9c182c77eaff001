"""A Flask session cookie signed with a guessable key (``your_secret_key``, a placeholder left in the
configuration, or a compound of usual words with a number, ``supersecretkey123``) is reported (PR-SESS-003) from the
cookie alone: the candidates the JWT check uses are tried offline against its signature, no request sent. The same
cookie signed with a random key stays quiet."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from tests.probe.loopback import Answer, loopback, probe_paths

SPEC = {"/": {"get": {"responses": {"200": {"description": "home page"}}}}}


@pytest.mark.parametrize(("key", "found"), [("your_secret_key", True), ("supersecretkey123", True),
                                            ("random", False)])
def test_a_session_cookie_signed_with_a_word_list_key(tmp_path: Path, key: str, found: bool) -> None:
    flask_app = Flask("zoo")
    flask_app.secret_key = secrets.token_hex(32) if key == "random" else key
    signer = SecureCookieSessionInterface().get_signing_serializer(flask_app)
    assert signer is not None
    cookie = signer.dumps({"visits": 1})

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        return 200, {"Content-Type": "text/html", "Set-Cookie": f"session={cookie}; HttpOnly; Path=/"}, "<h1>Home</h1>"

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, SPEC, ("crawl", "sessions"))
    weak = [f for f in result.findings if f.rule_id == "PR-SESS-003"]
    assert bool(weak) is found
    assert all(key in f.message and f.parameter == "session" for f in weak)
