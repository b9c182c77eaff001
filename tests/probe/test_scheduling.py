"""Budget by expected value: time-based SQL injection is tried where cheap signals point first (a quote that
silently changes the answer), not on the first parameters in spec order."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from apishield.probe import ProbeConfig, ProbeOptions, probe
from tests.probe.loopback import Answer, loopback

NAMES = [f"/p{i:02d}" for i in range(14)]  # the vulnerable one is last in spec order
SPEC: dict[str, Any] = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
    path: {"get": {"parameters": [{"name": "v", "in": "query", "schema": {"type": "string"}}],
                   "responses": {"200": {"description": "ok"}}}} for path in NAMES}}


def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
    url = urlsplit(path)
    value = parse_qs(url.query).get("v", [""])[0]
    if url.path != NAMES[-1]:
        return 200, {}, {"rows": []}
    if value.count("'") % 2:  # an unbalanced quote: the query fails, and the error is swallowed
        return 200, {}, {"rows": [], "note": "nothing"}
    heavy = re.search(r"LIMIT (\d+)", value)
    if heavy and "RECURSIVE" in value:
        time.sleep(int(heavy.group(1)) / 3_000_000 * 0.4)  # the database does the work it was asked for
    return 200, {}, {"rows": []}


def test_time_based_tests_follow_the_signals_not_the_spec_order(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC))
    with loopback(app) as url:
        result = asyncio.run(probe(ProbeConfig(url, openapi=str(spec), options=ProbeOptions(
            budget=400, rate=0, checks=("injection",)))))
    assert ("PR-SQLI-003", NAMES[-1]) in {(f.rule_id, f.http_path) for f in result.findings}
    timed = [ex.path for ex in result.exchanges if "RECURSIVE" in ex.url]
    assert timed[0] == NAMES[-1]  # the first time-based test went where the quote signal pointed


NUMERIC_SPEC: dict[str, Any] = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
    "/lab": {"get": {"parameters": [{"name": "id", "in": "query", "schema": {"type": "string", "example": "1"}}],
                     "responses": {"200": {"description": "ok"}}}}}}


def numeric_app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
    """``WHERE id = `` + id: a quote breaks the query (caught, answered at once); the rows never show."""
    url = urlsplit(path)
    value = parse_qs(url.query).get("id", [""])[0]
    if url.path != "/lab":
        return 404, {}, {"error": "not found"}
    if "'" in value:
        return 200, {}, {"ok": False}
    heavy = re.search(r"LIMIT (\d+)", value)
    if heavy and "RECURSIVE" in value:
        time.sleep(int(heavy.group(1)) / 3_000_000 * 0.4)
    return 200, {}, {"ok": True}


def test_a_digits_sample_typed_as_text_is_also_tried_as_a_number(tmp_path: Path) -> None:
    """An id the description types as a string but whose sample is all digits may be pasted into SQL unquoted:
    the time payloads written for a number are tried after the quoted ones."""
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(NUMERIC_SPEC))
    with loopback(numeric_app) as url:
        result = asyncio.run(probe(ProbeConfig(url, openapi=str(spec), options=ProbeOptions(
            budget=400, rate=0, checks=("injection",)))))
    assert ("PR-SQLI-003", "/lab") in {(f.rule_id, f.http_path) for f in result.findings}
