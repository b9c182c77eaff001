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
