"""Payload coverage: template injection per engine (incl. a quoted operand), command injection by a harmless
echo canary, XXE by a local entity — each must fire on a loopback app that evaluates it and stay quiet on one
that only echoes the text back."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from apishield.probe import ProbeConfig, ProbeOptions, probe
from tests.probe.loopback import Answer, loopback

SPEC: dict[str, Any] = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
    "/greet": {"get": {"parameters": [{"name": "who", "in": "query", "schema": {"type": "string"}}],
                       "responses": {"200": {"description": "hi"}}}},
    "/quote": {"get": {"parameters": [{"name": "text", "in": "query", "schema": {"type": "string"}}],
                       "responses": {"200": {"description": "hi"}}}},
    "/ping": {"get": {"parameters": [{"name": "host", "in": "query", "schema": {"type": "string"}}],
                      "responses": {"200": {"description": "pong"}}}},
    "/import": {"post": {"requestBody": {"content": {"application/xml": {"schema": {
        "type": "object", "properties": {"title": {"type": "string"}}}}}},
        "responses": {"200": {"description": "imported"}}}},
}}


def _app(vulnerable: bool) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/greet":  # a Ruby-style template: only #{...} is evaluated
            who = query.get("who", "")
            if vulnerable:
                who = re.sub(r"#\{(\d+)\*(\d+)\}", lambda m: str(int(m[1]) * int(m[2])), who)
            return 200, {"Content-Type": "text/plain"}, f"hello {who}"
        if url.path == "/quote":  # Jinja2-style string repetition of a quoted operand
            text = query.get("text", "")
            if vulnerable:
                text = re.sub(r"\{\{(\d+)\*'(\d+)'\}\}", lambda m: m[2] * int(m[1]), text)
            return 200, {"Content-Type": "text/plain"}, f"quoted: {text}"
        if url.path == "/ping":  # `ping -c1 {host}` through a shell
            host = query.get("host", "")
            out = f"PING {host}"
            if vulnerable:
                out += "".join(f"\n{m[1]}{int(m[2]) * int(m[3])}"
                               for m in re.finditer(r";echo (\w+)\$\(\((\d+)\*(\d+)\)\);", host))
            return 200, {"Content-Type": "text/plain"}, out
        if url.path == "/import" and method == "POST":
            text = body.decode()
            if vulnerable and 'SYSTEM "file:///etc/passwd"' in text:
                return 200, {}, {"imported": "root:x:0:0:root:/root:/bin/bash"}
            return 200, {}, {"imported": len(text)}
        return 404, {}, {"detail": "not found"}

    return app


@pytest.mark.parametrize("vulnerable", [True, False])
def test_template_command_and_xml_injection(tmp_path: Path, vulnerable: bool) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC))
    with loopback(_app(vulnerable)) as url:
        result = asyncio.run(probe(ProbeConfig(url, openapi=str(spec), options=ProbeOptions(
            budget=300, rate=0, checks=("injection",)))))
    found = {(f.rule_id, f.http_path) for f in result.findings}
    wanted = {("PR-SSTI-001", "/greet"), ("PR-SSTI-001", "/quote"), ("PR-CMDI-001", "/ping"),
              ("PR-XXE-001", "/import")}
    if vulnerable:
        assert wanted <= found
    else:
        assert not {r for r, _ in found} & {"PR-SSTI-001", "PR-CMDI-001", "PR-XXE-001"}
    assert result.coverage["checks"]["injection"]["ran"] == 4


@pytest.mark.parametrize("escaped", [False, True])
def test_a_404_page_that_reflects_the_path(tmp_path: Path, escaped: bool) -> None:
    import html
    from urllib.parse import unquote

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if path.startswith("/greet"):
            return 200, {}, {"hello": "world"}
        shown = html.escape(unquote(path)) if escaped else unquote(path)
        return 404, {"Content-Type": "text/html"}, f"<h1>Not found</h1><p>{shown} does not exist</p>"

    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({**SPEC, "paths": {"/greet": SPEC["paths"]["/greet"]}}))
    with loopback(app) as url:
        result = asyncio.run(probe(ProbeConfig(url, openapi=str(spec), options=ProbeOptions(
            budget=60, rate=0, checks=("headers_errors",)))))
    assert ("PR-XSS-001" in {f.rule_id for f in result.findings}) is not escaped
