"""A page the description leaves unprotected, shown to an anonymous caller with a way to log in (a link to the login
route, absolute or relative, a login form, a link whose text says to log in) and to an identity with its name and a
logout link, is a public page personalised by the session: not reported as a protected operation answered without
credentials. A page that serves its data to the anonymous caller without inviting a login, and shows an identity
more, still is (PR-AUTH-001)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.probe.loopback import Answer, findings_at, loopback, probe_paths

SPEC = {"/home": {"get": {"responses": {"200": {"description": "HTML page"}}}}}

ANONYMOUS = {
    "login link": '<p><a href="/login">Login</a></p>',
    "relative login link": '<a href="login.php" class="btn"><i class="fas fa-sign-in-alt"></i> Login</a>',
    "link text around an icon": '<a href="/account?next=/home"><span class="icon"></span> Sign in</a>',
    "login form": '<form method="post" action="/session"><input name="u"><input type="password" name="p"></form>',
    "data": "<table><tr><td>bob</td><td>4111 balance 120</td></tr></table>",
    "data beside a blog link": '<a href="/blog/index">Blog</a><table><tr><td>bob</td><td>balance 120</td></tr></table>',
}


@pytest.mark.parametrize("anonymous", list(ANONYMOUS))
def test_a_public_page_that_invites_a_login(tmp_path: Path, anonymous: str) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        page = "<!DOCTYPE html><html><body><h1>Welcome</h1>{}</body></html>"
        if headers.get("Authorization") == "Bearer tok-alice":
            inner = '<p>Hello, alice!</p><a href="/logout">Logout</a>'
            if anonymous.startswith("data"):
                inner = ANONYMOUS[anonymous] + inner
            return 200, {"Content-Type": "text/html; charset=utf-8"}, page.format(inner)
        return 200, {"Content-Type": "text/html; charset=utf-8"}, page.format(ANONYMOUS[anonymous])

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, SPEC, ("authn",), auth=("alice=Authorization:Bearer tok-alice",))
    found = {f for f in findings_at(result) if f[0] == "PR-AUTH-001"}
    assert found == ({("PR-AUTH-001", "GET", "/home")} if anonymous.startswith("data") else set())
