"""A fetch behind a filter of the literal address (``hostname in ["localhost", "127.0.0.1"]``) is still server-side
request forgery: refused once, the URL is asked again with 127.0.0.1 written another way that names this machine
(``127.1``, ``0.0.0.0``, ``[::ffff:127.0.0.1]``), and the listener being asked is the evidence (must fire). A
filter that resolves the name and refuses every loopback address, and a server that fetches nothing, stay quiet."""

from __future__ import annotations

import ipaddress
import socket
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.probe.loopback import Answer, findings_at, loopback, probe_paths

SPEC = {"/preview": {"get": {"parameters": [{"name": "url", "in": "query", "required": True,
                                              "schema": {"type": "string"}}],
                             "responses": {"200": {"description": "a preview"}}}}}


def _app(guard: str) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if urlsplit(path).path != "/preview":
            return 404, {}, {"detail": "not found"}
        url = parse_qs(urlsplit(path).query).get("url", [""])[0]
        host = urlsplit(url).hostname or ""
        if guard in ("literal", "resolved") and host in ("localhost", "127.0.0.1", "::1"):
            return 403, {}, {"error": "Internal network access denied"}
        if guard == "resolved":
            try:
                address = ipaddress.ip_address(socket.gethostbyname(host))
            except (OSError, ValueError):
                return 400, {}, {"error": "bad host"}
            if address.is_loopback or address.is_unspecified:
                return 403, {}, {"error": "Internal network access denied"}
        if guard == "no fetch":
            return 200, {}, {"preview": ""}
        try:
            with urllib.request.urlopen(url.replace("[::ffff:127.0.0.1]", "127.0.0.1"), timeout=3) as answer:
                return 200, {}, {"preview": answer.read(100).decode()}
        except (OSError, ValueError):
            return 200, {}, {"error": "Fetch failed"}
    return app


@pytest.mark.parametrize(("guard", "reported"), [("literal", True), ("resolved", False), ("no fetch", False)])
def test_a_literal_loopback_filter_is_passed_by_another_spelling(tmp_path: Path, guard: str, reported: bool) -> None:
    with loopback(_app(guard)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("injection",))
    assert (("PR-SSRF-001", "GET", "/preview") in findings_at(result)) is reported
