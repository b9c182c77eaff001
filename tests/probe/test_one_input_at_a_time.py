"""Injection tests send one input at a time: the parameter under test plus the required ones, never the other
optional parameters, which can select another branch of the handler and hide the tested one."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from apishield.probe import ProbeConfig, ProbeOptions, probe
from tests.probe.loopback import Answer, loopback


def _branchy(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
    """One handler answering the first optional parameter present (``id`` before ``q``), the way small apps
    dispatch on whatever the query holds; ``q`` is the one built into SQL."""
    query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
    if "id" in query:
        return 200, {}, {"item": query["id"][:20].isdigit()}
    q = query.get("q", "")
    if q.count("'") % 2:
        return 500, {}, {"detail": "sqlite3.OperationalError: unrecognized token"}
    return 200, {}, {"results": []}


def test_an_optional_parameter_is_tested_without_the_others_filled_in(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/": {"get": {
        "parameters": [{"name": "id", "in": "query", "schema": {"type": "string"}},
                       {"name": "q", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok"}}}}}}))
    with loopback(_branchy) as url:
        result = asyncio.run(probe(ProbeConfig(url, openapi=str(spec), options=ProbeOptions(
            budget=300, rate=0, checks=("injection",)))))
    assert "PR-SQLI-001" in {f.rule_id for f in result.findings}


def _login(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
    """A login reading ``user`` and ``password`` together (either alone shows the form), building its SQL
    from both."""
    query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
    if "user" not in query or "password" not in query:
        return 200, {"Content-Type": "text/html"}, "<form>login</form>"
    if (query["user"] + query["password"]).count("'") % 2:
        return 500, {}, {"detail": "sqlite3.OperationalError: unrecognized token"}
    return 200, {}, {"ok": False}


def test_parameters_read_together_are_also_tested_together(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/login": {
        "get": {"parameters": [{"name": "user", "in": "query", "schema": {"type": "string"}},
                               {"name": "password", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok"}}}}}}))
    with loopback(_login) as url:
        result = asyncio.run(probe(ProbeConfig(url, openapi=str(spec), options=ProbeOptions(
            budget=300, rate=0, checks=("injection",)))))
    assert "PR-SQLI-001" in {f.rule_id for f in result.findings}
