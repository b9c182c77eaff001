"""A command line behind a filter that refuses spaces (a leading digit, no space, at most 30 characters: a ping form's
address check) is still found: the output and ``sleep`` canaries are sent once more with ``${IFS}`` between their
words. Whether the command's output comes back (the echoed product) or is discarded (the sleep's delay, 2 and 4
seconds), it is reported (PR-CMDI-001), and behind a filter of separators too (a command substitution without
spaces); the same filter in front of no shell stays quiet."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.probe.loopback import Answer, findings_at, json_object, loopback, probe_paths

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


_PING = {"/ping-check": {"post": {"requestBody": {"content": {"application/json": {"schema": {
    "type": "object", "required": ["target"], "properties": {"target": {"type": "string"}}}}}},
    "responses": {"200": {"description": "ping output"}}}}}


def _substitution_only(shell: bool) -> Any:
    """A filter of ``; | & > `` and spaces in front of ``ping -c 1 {target}`` run by a shell whose ping fails: only
    a command substitution without spaces gets through, and only its delay shows."""
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        target = str(json_object(body).get("target", ""))
        if any(c in target for c in (";", "|", "&", ">", " ")):
            return 400, {}, {"error": "Illegal character detected"}
        if shell:
            for seconds in re.findall(r"\$\(sleep\$\{IFS\}(\d+)\)", target):
                time.sleep(int(seconds))
        return 200, {}, {"error": "Ping failed", "details": "returned non-zero exit status 127"}
    return app


@pytest.mark.parametrize("shell", [True, False])
def test_a_command_substitution_without_spaces_passes_a_separator_filter(tmp_path: Path, shell: bool) -> None:
    with loopback(_substitution_only(shell)) as url:
        result = probe_paths(tmp_path, url, _PING, ("injection",))
    assert (("PR-CMDI-001", "POST", "/ping-check") in findings_at(result)) is shell
