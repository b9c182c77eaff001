"""Login recipes beyond JSON: a form-encoded body, HTTP Basic, a token returned in a response header or a
session cookie; a Swagger 2.0 formData login is sent as a form."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from apishield.cli import main
from apishield.probe.targets import from_openapi
from tests.probe.loopback import Answer, loopback
from tests.probe.test_coverage import SPEC

GOOD = {"Bearer tok-a", "session=s-a", "Basic " + base64.b64encode(b"alice:pw-a").decode()}


def _app(kind: str) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if path.startswith("/api/login"):
            if kind == "form":
                if headers.get("Content-Type") != "application/x-www-form-urlencoded":
                    return 415, {}, {"detail": "form only"}
                creds = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                ok = creds == {"username": "alice", "password": "pw-a"}
                return (200, {}, {"token": "tok-a"}) if ok else (401, {}, {})
            if kind in ("basic-header", "basic-only"):
                ok = headers.get("Authorization") == "Basic " + base64.b64encode(b"alice:pw-a").decode()
                extra = {"X-Auth-Token": "tok-a"} if kind == "basic-header" else {}
                return (200, extra, {"ok": True}) if ok else (401, {}, {})
            if kind == "cookie":
                return 200, {"Set-Cookie": "session=s-a; HttpOnly; Path=/"}, {"ok": True}
            if kind in ("form-redirect", "form-refused"):  # a server-rendered form: 302 and a session cookie
                creds = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                ok = kind == "form-redirect" and creds == {"username": "alice", "password": "pw-a"}
                cookie = "session=s-a; HttpOnly; Path=/" if ok else "session=flash-invalid; Path=/"
                return 302, {"Set-Cookie": cookie, "Location": "/dashboard" if ok else "/api/login?error=1"}, {}
        presented = headers.get("Authorization") or headers.get("Cookie") or ""
        return (200, {}, {"id": 1, "username": "alice"}) if presented in GOOD else (401, {}, {"detail": "login"})

    return app


@pytest.mark.parametrize(("kind", "encoding"), [("form", "form"), ("basic-header", "basic"),
                                                ("basic-only", "basic"), ("cookie", "json"),
                                                ("form-redirect", "form")])
def test_login_recipes(tmp_path: Path, kind: str, encoding: str, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC))
    with loopback(_app(kind)) as url:
        code = main(["probe", url, "--openapi", str(spec), "--login", "POST", "/api/login", "--body",
                     '{"username": "alice", "password": "pw-a"}', "--login-encoding", encoding, "--checks", "authn",
                     "--budget", "40", "--rate", "0", "--no-progress", "--format", "json", "--fail-on", "never"])
    out = capsys.readouterr()
    assert code == 0, out.err
    doc = json.loads(out.out)
    assert doc["stats"]["identities"] == ["user1"] and doc["stats"]["canary"] == "GET /api/me"
    assert "pw-a" not in out.out and "tok-a" not in out.out


def test_swagger_form_data_login_is_form_encoded() -> None:
    doc = {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {"/login": {"post": {
        "consumes": ["application/x-www-form-urlencoded"],
        "parameters": [{"name": "username", "in": "formData", "type": "string"},
                       {"name": "password", "in": "formData", "type": "string"}],
        "responses": {"200": {"description": "ok"}}}}}}
    (op,) = from_openapi(doc)
    assert op.form_encoded and set(op.body_fields) == {"username", "password"}


def test_a_form_login_redirecting_back_to_itself_is_a_refusal(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A redirect that sets a cookie is a session only when it leads into the application, not back to the form."""
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC))
    with loopback(_app("form-refused")) as url:
        code = main(["probe", url, "--openapi", str(spec), "--login", "POST", "/api/login", "--body",
                     '{"username": "alice", "password": "pw-a"}', "--login-encoding", "form", "--checks", "authn",
                     "--budget", "40", "--rate", "0", "--no-progress", "--format", "json", "--fail-on", "never"])
    err = capsys.readouterr().err
    assert code == 3 and "302" in err
