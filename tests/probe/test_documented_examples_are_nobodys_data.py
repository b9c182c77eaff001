"""An API's landing page that documents itself — a JSON ``testPayloads``/``examples`` object whose example login
carries a ``password``, an HTML page whose ``<pre>``/``<code>`` sample shows ``Password: admin123`` — shows no one's
password and stays quiet. The same pages with a real record (a JSON ``users`` list with passwords, the labelled
value in the page's own text) fire (PR-AUTH-002)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.probe.loopback import Answer, Handler, loopback, probe_paths

OK = {"200": {"description": "page"}}
PATHS = {"/": {"get": {"responses": OK}}, "/guide": {"get": {"responses": OK}}}


def _app(flaw: bool) -> Handler:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if route == "/":
            login = {"username": "admin' OR '1'='1' --", "password": "cualquier_cosa"}
            doc = {"message": "Demo API", "endpoints": {"login": "POST /api/auth/login"},
                   "testPayloads": {"sqlInjectionLogin": login},
                   "examples": [{"username": "bob", "password": "x1y2z3"}]}
            if flaw:
                doc["users"] = [{"username": "bob", "password": "bobsecure"}]
            return 200, {}, doc
        if route == "/guide":
            sample = ("<pre>POST /login\nUsername: admin\nPassword: admin123\n</pre>"
                      "<p>Use <code>Password: s3cret99</code></p>")
            own = "<p>Admin Password: hunter2222</p>" if flaw else "<p>Ask the administrator for an account.</p>"
            return 200, {"Content-Type": "text/html; charset=utf-8"}, f"<html><body>{sample}\n{own}</body></html>"
        return 404, {}, {"error": "not found"}
    return app


@pytest.mark.parametrize("flaw", [True, False])
def test_documented_examples_are_nobodys_data(tmp_path: Path, flaw: bool) -> None:
    with loopback(_app(flaw)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("crawl", "passive"))
    hits = {f.http_path for f in result.findings if f.rule_id == "PR-AUTH-002"}
    assert hits == ({"/", "/guide"} if flaw else set())
