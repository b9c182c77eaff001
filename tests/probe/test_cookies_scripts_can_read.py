"""A cookie that carries a session, a token or the user's data, set without HttpOnly, is readable by any script
injected into the site (PR-COOKIE-001); the same cookie with HttpOnly, a CSRF cookie meant for scripts, a
preference cookie, a cookie being deleted and one for a domain the host does not match (which browsers drop) stay
quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.probe.loopback import Answer, loopback, probe_paths

SPEC = {"/": {"get": {"responses": {"200": {"description": "home page"}}}}}


@pytest.mark.parametrize(("cookie", "reported"), [
    ("token=eyJhbGciOi.x.y; Path=/", True),
    ("user_data=id=2&role=user; Path=/", True),
    ("connect.sid=s%3Aabc.def; Path=/; SameSite=Lax", True),  # express-session's default name
    ("connect.sid=s%3Aabc.def; Path=/; HttpOnly", False),
    ("considered=1; Path=/", False),  # 'sid' inside a word names no session
    ("token=eyJhbGciOi.x.y; Path=/; HttpOnly; SameSite=Lax", False),
    ("csrftoken=abc123; Path=/", False),
    ("theme=dark; Path=/", False),
    ("session=; Max-Age=0; Path=/", False),
    ("auth=admin; Domain=127.0.0.1; Path=/", True),  # the host itself
    ("auth=admin; Domain=.null.org; Path=/", False),  # another site's domain: the browser drops it
    ("auth=admin; Domain=0.1; Path=/", False),  # a suffix of an address matches nothing
])
def test_cookies_scripts_can_read(tmp_path: Path, cookie: str, reported: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        return 200, {"Content-Type": "text/html", "Set-Cookie": cookie}, "<h1>Home</h1>"

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, SPEC, ("crawl", "exposure"))
    assert bool([f for f in result.findings if f.rule_id == "PR-COOKIE-001"]) is reported
