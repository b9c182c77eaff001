"""Passwords and card numbers shown as labelled values in an HTML or plain-text page (``Password: bobsecure``,
``Credit Card: 4111 1111 1111 1111``, ``Settings Page - Hardcoded Admin Password: password123``) are read like the
fields of a JSON record: reported (PR-AUTH-002, PR-DATA-001) to an anonymous caller. The same pages with the
password masked, the card cut to its last digits and the administrator's password left to the environment stay
quiet, and so do a login form's labels, a refusal that names the password and a page that echoes what was sent."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.probe.loopback import Answer, Handler, findings_at, loopback, probe_paths

OK = {"200": {"description": "HTML page"}}
PATHS = {"/profile": {"get": {"parameters": [{"name": "id", "in": "query", "required": True, "example": "2",
                                               "schema": {"type": "string"}}], "responses": OK}},
         "/settings": {"get": {"responses": OK}},
         "/login": {"get": {"responses": OK}},
         "/echo": {"get": {"parameters": [{"name": "password", "in": "query", "example": "Hunter2pass",
                                            "schema": {"type": "string"}}], "responses": OK}}}


def _app(flaw: bool) -> Handler:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        page = "<!DOCTYPE html><html><body>\n{}\n</body></html>"
        if url.path == "/profile":
            rows = [("ID", "2"), ("Username", "bob"), ("Password", "bobsecure" if flaw else "********"),
                    ("Email", "bob@example.com"), ("Credit Card", "4111 1111 1111 1111" if flaw else "**** 1111")]
            inner = "\n".join(f"<p><strong>{label}:</strong> {value}</p>" for label, value in rows)
            return 200, {"Content-Type": "text/html; charset=utf-8"}, page.format(inner)
        if url.path == "/settings":
            text = "Hardcoded Admin Password: password123" if flaw else "Admin Password: (set in the environment)"
            return 200, {"Content-Type": "text/html; charset=utf-8"}, f"Settings Page - {text}"
        if url.path == "/login":
            inner = ('<form method="post"><label>Username:</label> <input name="u">\n'
                     '<label>Password:</label> <input type="password" name="p"></form>\n'
                     "<p>Invalid password: please try again</p>\n<p>Enter your password: here</p>")
            return 200, {"Content-Type": "text/html; charset=utf-8"}, page.format(inner)
        if url.path == "/echo":
            return 200, {"Content-Type": "text/plain"}, f"Password: {query.get('password', '')}"
        return 404, {"Content-Type": "text/html"}, "not found"
    return app


@pytest.mark.parametrize("flaw", [True, False])
def test_secrets_in_page_text(tmp_path: Path, flaw: bool) -> None:
    with loopback(_app(flaw)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("crawl", "passive"))
    found = {f for f in findings_at(result) if f[0] in ("PR-AUTH-002", "PR-DATA-001")}
    expected = {("PR-AUTH-002", "GET", "/profile"), ("PR-DATA-001", "GET", "/profile"),
                ("PR-AUTH-002", "GET", "/settings")}
    assert found == (expected if flaw else set())


CONFIG_PATHS = {"/config.php.bak": {"get": {"responses": OK}}, "/debug": {"get": {"responses": OK}},
                "/settings.env": {"get": {"responses": OK}}}


def _config_app(flaw: bool) -> Handler:
    """A configuration file served as text, a page whose comments hold settings, and a .env dump: with literal
    secrets, or (quiet) with placeholders, environment reads and settings that are no secret."""
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(path)
        if url.path == "/config.php.bak":
            secret = "'s3cret_db_pass_9'" if flaw else "getenv('DB_PASS')"
            return 200, {"Content-Type": "text/plain"}, f"<?php\n$db_host = 'localhost';\n$db_pass = {secret};\n?>\n"
        if url.path == "/debug":
            note = "<!-- DB_PASS: hunter2hunter -->" if flaw else "<!-- DB_HOST: localhost -->"
            return 200, {"Content-Type": "text/html"}, f"<html><body>{note}<p>Debug mode</p></body></html>"
        if url.path == "/settings.env":
            value = "sk_live_4242abcd" if flaw else "${STRIPE_API_KEY}"
            return 200, {"Content-Type": "text/plain"}, f"DEBUG=false\nSTRIPE_API_KEY={value}\nPORT=8000\n"
        return 404, {"Content-Type": "text/html"}, "not found"
    return app


@pytest.mark.parametrize("flaw", [True, False])
def test_configuration_served_as_text_or_hidden_in_comments(tmp_path: Path, flaw: bool) -> None:
    """A configuration's secret-named settings with literal values, in a text answer or a page's comments, are read
    like the fields of a JSON record; placeholders, environment reads and host names are not secrets."""
    with loopback(_config_app(flaw)) as url:
        result = probe_paths(tmp_path, url, CONFIG_PATHS, ("crawl", "passive"))
    found = {f for f in findings_at(result) if f[0] == "PR-AUTH-002"}
    expected = {("PR-AUTH-002", "GET", p) for p in CONFIG_PATHS}
    assert found == (expected if flaw else set())
