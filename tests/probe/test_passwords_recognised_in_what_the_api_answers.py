"""The probe knows its identities' passwords, so how the target stores them shows in what it answers: the unsalted
MD5/SHA digest of one (in a record, inside a token, in a page) is a fast unsalted hash (PR-PASS-001); the password
itself as a value, or its Base64 form, answered to a request that did not send it, is plain-text or reversible
storage (PR-PASS-002). A salted slow hash, a digest of something else, a page whose prose merely uses the word the
password happens to be, a login that echoes the password it was sent, a fixed page naming the demo accounts'
passwords where the accounts themselves show slow salted hashes, and a login form pre-filled with a demo account's
password for anonymous callers stay quiet; a signed-in caller's own form pre-filled with the password is storage."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

PASSWORDS = {"alice": "password", "bob": "bob-secret-2"}
SPEC = {"/login": {"post": {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                            "responses": OK}},
        "/me": {"get": {"responses": OK}},
        "/users": {"get": {"responses": OK}},
        "/about": {"get": {"responses": OK}}}
STORAGE = ("PR-PASS-001", "PR-PASS-002")


def _stored(how: str, name: str) -> str:
    password = PASSWORDS[name]
    if how == "md5":
        return hashlib.md5(password.encode()).hexdigest()
    if how == "sha256":
        return hashlib.sha256(password.encode()).hexdigest()
    if how == "plain":
        return password
    if how == "base64":
        return base64.b64encode(password.encode()).decode()
    if how == "salted":  # a slow salted hash: nothing the probe can recompute
        return "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$" + hashlib.sha256(b"salt" + password.encode()).hexdigest()
    return hashlib.md5(f"session-{name}".encode()).hexdigest()  # "other": a digest of something else


def _app(how: str, where: str) -> Any:
    """``how`` the target stores passwords; ``where`` it shows the stored value: a user listing ("record"), the
    login's token ("token") or an HTML admin table ("page")."""
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(path)
        caller = headers.get("Authorization", "").partition(".")[0].removeprefix("Bearer ")
        if parts.path == "/about" and where == "loginform":  # the same page for everyone: the demo account offered
            return 200, {"Content-Type": "text/html"}, (
                '<form action="/login"><input name="username" value="bob">'
                f'<input type="password" name="password" value="{PASSWORDS["bob"]}"></form>')
        if parts.path == "/login" and method == "POST":
            data = json.loads(body or b"{}")
            name = data.get("username")
            if PASSWORDS.get(name) != data.get("password"):
                return 401, {}, {"detail": "bad credentials"}
            token = f"{name}.{_stored(how, name)}.sig" if where == "token" else f"{name}.x.sig"
            return 200, {}, {"access_token": token, "echo": data.get("password")}  # the echo proves nothing
        if caller not in PASSWORDS:
            return 401, {}, {"detail": "unauthorized"}
        if parts.path == "/me" and where != "profileform":
            return 200, {}, {"username": caller}
        if parts.path == "/users" and where == "record":
            return 200, {}, [{"username": n, "password_hash": _stored(how, n)} for n in PASSWORDS]
        if parts.path == "/users" and where == "page":
            rows = "".join(f"<tr><td>{n}</td><td>{_stored(how, n)}</td></tr>" for n in PASSWORDS)
            return 200, {"Content-Type": "text/html"}, f"<html><body><table>{rows}</table></body></html>"
        if parts.path == "/me" and where == "profileform":  # the caller's own stored password, pre-filled
            return 200, {"Content-Type": "text/html"}, (
                f'<form><input name="username" value="{caller}">'
                f'<input type="password" name="password" value="{_stored(how, caller)}"></form>')
        if parts.path == "/users" and where == "documented":  # the accounts under a slow salted hash
            return 200, {}, [{"username": n, "password_hash": _stored("salted", n)} for n in PASSWORDS]
        if parts.path == "/about" and where == "documented":  # a fixed page naming the demo accounts' passwords
            return 200, {}, {"demo_accounts": [{"username": n, "password": p} for n, p in PASSWORDS.items()]}
        if parts.path == "/about":  # prose that happens to use alice's password as a word
            return 200, {"Content-Type": "text/html"}, "<p>Choose a strong password; never share your password.</p>"
        return 404, {}, {"detail": "not found"}
    return app


def _probe(tmp_path: Path, how: str, where: str) -> set[str]:
    recipe = LoginRecipe("POST", "/login", token_path="access_token", encoding="json",
                         bodies=tuple({"username": n, "password": p} for n, p in PASSWORDS.items()))
    with loopback(_app(how, where)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("crawl", "authn", "password_storage"), login=recipe)
    return {rule for rule, _m, _p in findings_at(result) if rule in STORAGE}


@pytest.mark.parametrize(("how", "where", "expected"), [
    ("md5", "record", {"PR-PASS-001"}),
    ("sha256", "page", {"PR-PASS-001"}),
    ("md5", "token", {"PR-PASS-001"}),
    ("plain", "record", {"PR-PASS-002"}),
    ("plain", "page", {"PR-PASS-002"}),
    ("base64", "record", {"PR-PASS-002"}),
    ("plain", "profileform", {"PR-PASS-002"}),
])
def test_a_known_password_answered_in_a_weak_form_is_reported(tmp_path: Path, how: str, where: str,
                                                               expected: set[str]) -> None:
    assert _probe(tmp_path, how, where) == expected


@pytest.mark.parametrize(("how", "where"), [("salted", "record"), ("salted", "page"), ("other", "record"),
                                            ("other", "token"), ("plain", "documented"),
                                            ("plain", "loginform")])
def test_salted_slow_hashes_unrelated_digests_prose_and_echoes_stay_quiet(tmp_path: Path, how: str,
                                                                          where: str) -> None:
    assert _probe(tmp_path, how, where) == set()


def test_without_identities_the_passwords_the_probe_sent_to_a_login_are_recognised(tmp_path: Path) -> None:
    """A run without identities still sends passwords to the login it finds; a token that carries the unsalted MD5
    of the one it sent shows how the target hashes them."""
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if urlsplit(path).path == "/login" and method == "POST":
            data = json.loads(body or b"{}")
            digest = hashlib.md5(str(data.get("password", "")).encode()).hexdigest()
            return 200, {}, {"token": f"{data.get('username')}.{digest}.sig"}
        return 404, {}, {"detail": "not found"}

    spec = {"/login": {"post": {"requestBody": {"content": {"application/json": {"schema": {
        "type": "object", "properties": {"username": {"type": "string", "example": "alice"},
                                         "password": {"type": "string", "example": "alice-pass"}}}}}},
        "responses": OK}}}
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("crawl", "ratelimit", "password_storage"))
    assert {rule for rule, _m, _p in findings_at(result) if rule in STORAGE} == {"PR-PASS-001"}


def test_default_account_passwords_tried_at_the_login_are_no_evidence(tmp_path: Path) -> None:
    """The default accounts' passwords (``admin``, ``password``) are words any answer may carry, a user name
    ``admin`` among them: tried at the login, they are not passwords the probe chose, and a listing of user names
    stays quiet."""
    accounts = {"alice": "alice-pass-1", "bob": "bob-pass-2", "admin": "Chosen-by-its-owner-7"}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if route == "/login" and method == "POST":
            data = json.loads(body or b"{}")
            ok = accounts.get(str(data.get("username"))) == data.get("password")
            return (200, {}, {"access_token": f"tok-{data['username']}"}) if ok else (401, {}, {"detail": "no"})
        if headers.get("Authorization", "").removeprefix("Bearer tok-") not in accounts:
            return 401, {}, {"detail": "unauthorized"}
        if route == "/users":
            return 200, {}, [{"username": name, "note": "password reset by e-mail"} for name in accounts]
        return (200, {}, {"username": "alice"}) if route == "/me" else (404, {}, {"detail": "not found"})

    bodies = tuple({"username": n, "password": p} for n, p in accounts.items() if n != "admin")
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, SPEC, ("credentials", "crawl", "password_storage"),
                             login=LoginRecipe("POST", "/login", token_path="access_token", bodies=bodies))
    assert {rule for rule, _m, _p in findings_at(result) if rule in STORAGE} == set()
