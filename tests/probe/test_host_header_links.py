"""Host header injection: a reset link built from the request's Host (or X-Forwarded-Host) is reported; a link
built from a configured base URL, and an answer that only lists the request's headers as text, stay quiet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.checks.host_header import reflected
from apishield.probe.client import Exchange
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

PATHS: dict[str, Any] = {
    "/api/forgot": {"post": {"requestBody": {"content": {"application/json": {"schema": {
        "type": "object", "required": ["email"], "properties": {"email": {"type": "string"}}}}}}, "responses": OK}},
    "/api/headers": {"get": {"responses": OK}},
}


def _app(source: str) -> Any:
    """``source``: where the reset link's host comes from — ``Host``, ``X-Forwarded-Host`` (else Host) or a
    configured ``base``; ``refused``: a foreign Host gets a 400 debug page that names it."""
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        lower = {k.lower(): v for k, v in headers.items()}
        if route == "/api/headers" and method == "GET":
            return 200, {}, {"headers": lower}
        if route == "/api/forgot" and method == "POST":
            if "email" not in json.loads(body or b"{}"):
                return 400, {}, {"error": "email required"}
            if source == "refused" and lower.get("host", "").startswith("apishield"):  # a debug page naming it
                return 400, {"Content-Type": "text/html"}, f"<td>http://{lower['host']}/api/forgot</td>"
            host = {"Host": lower.get("host", ""), "refused": "api.shop.test",
                    "X-Forwarded-Host": lower.get("x-forwarded-host") or lower["host"],
                    "base": "api.shop.test"}[source]
            return 200, {}, {"msg": f"reset mail sent, <a href='http://{host}/reset?t=4f1c'>"}
        return 404, {}, {"error": "not found"}
    return app


@pytest.mark.parametrize("source", ["Host", "X-Forwarded-Host", "base", "refused"])
def test_a_reset_link_built_from_the_host_header_is_reported(tmp_path: Path, source: str) -> None:
    with loopback(_app(source)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("host_header",))
    found = findings_at(result)
    assert (("PR-HOST-001", "POST", "/api/forgot") in found) is (source in ("Host", "X-Forwarded-Host"))
    assert ("PR-HOST-001", "GET", "/api/headers") not in found  # the header listed as text is no link


def _answer(text: str, location: str = "") -> Exchange:
    headers = (("Location", location),) if location else ()
    return Exchange(seq=1, check="t", identity="anonymous", method="GET", url="http://127.0.0.1/", request_headers=(),
                    request_body=b"", status=302 if location else 200, response_headers=headers, body=text.encode())


@pytest.mark.parametrize(("text", "location", "link"), [
    ("", "https://evil.example/reset", True),
    ('{"url": "evil.example/reset"}', "", True),
    ("<a href='evil.example'>", "", True),
    ('<form action="//evil.example/x">', "", True),
    ('{"host": "evil.example"}', "", False),
    ("https://evil.example.org/", "", False),
    ("https://notevil.example/", "", False),
])
def test_only_an_address_counts_as_reflection(text: str, location: str, link: bool) -> None:
    assert (reflected(_answer(text, location), "evil.example") is not None) is link
