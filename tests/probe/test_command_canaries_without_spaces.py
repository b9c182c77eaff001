"""A command line behind a filter that refuses spaces (a leading digit, no space, at most 30 characters: a ping
form's address check) is still found: the output and ``sleep`` canaries are sent once more with ``${IFS}`` between
their words. Whether the command's output comes back (the echoed product) or is discarded (the sleep's delay, 2 and
4 seconds), it is reported (PR-CMDI-001); the same filter in front of no shell stays quiet."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.probe.loopback import Answer, findings_at, loopback, probe_paths

SPEC = {"/ping": {"get": {"parameters": [{"name": "ip", "in": "query", "example": "1", "schema": {"type": "string"}}],
                          "responses": {"200": {"description": "ping output"}}}}}


def _app(behaviour: str) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        ip = parse_qs(urlsplit(path).query).get("ip", [""])[0]
        if not re.match(r"[0-9]", ip) or " " in ip or len(ip) > 30:
            return 200, {"Content-Type": "text/html"}, "<p>Invalid IP address format!</p>"
        line = ip.replace("${IFS}", " ")  # what the shell sees
        output = "PING 1 (0.0.0.1): 2 packets"
        if behaviour != "no shell":
            for a, b in re.findall(r"echo apshc\$\(\((\d+)\*(\d+)\)\)", line):
                output += f"\napshc{int(a) * int(b)}"
            for seconds in re.findall(r";sleep (\d+);", line):
                time.sleep(int(seconds))
        if behaviour == "blind":
            output = "done"
        return 200, {"Content-Type": "text/html"}, f"<pre>{output}</pre>"
    return app


@pytest.mark.parametrize(("behaviour", "found"), [("output", True), ("blind", True), ("no shell", False)])
def test_command_canaries_without_spaces(tmp_path: Path, behaviour: str, found: bool) -> None:
    with loopback(_app(behaviour)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("injection",))
    hits = [f for f in result.findings if f.rule_id == "PR-CMDI-001"]
    assert bool(hits) is found
    assert all("${IFS}" in f.message for f in hits)
    assert ("PR-CMDI-001", "GET", "/ping") in findings_at(result) or not found
