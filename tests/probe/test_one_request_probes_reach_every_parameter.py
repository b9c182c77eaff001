"""Breadth first: with more parameters than the injection check's share can test in depth, every parameter still
gets the one-request probes (the XSS marker, the template canary) before any parameter's longer SQL pairs. A page
with forty query parameters, one of which it reflects unescaped, is reported within a 400-request budget."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

NAMES = [f"field{n}" for n in range(40)]
PATHS: dict[str, Any] = {"/report": {"get": {"responses": OK, "parameters": [
    {"name": name, "in": "query", "required": False, "schema": {"type": "string"}} for name in NAMES]}}}


def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
    url = urlsplit(path)
    if url.path != "/report":
        return 404, {}, {"error": "not found"}
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    shown = "".join(f"<li>{html.escape(v)}</li>" for k, v in sorted(query.items()) if k != NAMES[-1])
    raw = query.get(NAMES[-1], "")  # the last parameter is printed as it came
    return 200, {"Content-Type": "text/html"}, f"<html><body><ul>{shown}</ul><p>{raw}</p></body></html>"


def test_the_last_of_forty_parameters_is_probed(tmp_path: Path) -> None:
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, PATHS, ("injection",))
    assert ("PR-XSS-001", "GET", "/report") in findings_at(result), findings_at(result)
