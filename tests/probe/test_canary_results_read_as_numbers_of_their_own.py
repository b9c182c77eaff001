"""A template or code canary's result counts only as a number of its own: a debug page whose element ids happen to
contain the product inside a longer run of digits (``c1399<product>60``) evaluated nothing (must stay quiet); a page
that shows the product itself did (must fire)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

PATHS: dict[str, Any] = {"/lookup": {"get": {"responses": OK, "parameters": [
    {"name": "token", "in": "query", "required": False, "schema": {"type": "string"}}]}}}
QUOTED = re.compile(r"\{\{(\d+)\*'(\d+)'\}\}")


def _app(evaluates: bool) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(path)
        if url.path != "/lookup":
            return 404, {}, {"error": "not found"}
        token = parse_qs(url.query).get("token", [""])[0]
        quoted = QUOTED.search(token)
        if quoted is None:  # the token is shown back, escaped: a place where a template's output would show
            return 200, {"Content-Type": "text/html"}, f"<p>unknown token {html.escape(token)}</p>"
        product = str(int(quoted.group(1)) * int(quoted.group(2)))
        if evaluates:  # a Twig-style engine multiplies a number by a numeric string
            return 200, {"Content-Type": "text/html"}, f"<p>token {product} unknown</p>"
        return 500, {"Content-Type": "text/html"}, f'<li class="frame" id="c1399{product}60"><pre>True</pre></li>'
    return app


@pytest.mark.parametrize(("evaluates", "expected"), [(True, True), (False, False)],
                         ids=["evaluated", "inside-a-debug-page-id"])
def test_canary_results_read_as_numbers_of_their_own(tmp_path: Path, evaluates: bool, expected: bool) -> None:
    with loopback(_app(evaluates)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("injection",))
    assert (("PR-SSTI-001", "GET", "/lookup") in findings_at(result)) is expected, findings_at(result)
