"""A handler that only returns a fixed answer (``return jsonify({"error": "disabled"}), 503``) reads nothing and does
nothing: its route is public by design (no AS101) and a debug-sounding path on it exposes nothing (AS104 low). A
handler under the same path that returns data it reads is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

APP = '''from flask import Flask, jsonify
import os

app = Flask(__name__)


@app.route("/api/v1/debug")
def api_debug():
{body}
'''


@pytest.mark.parametrize(("body", "medium"), [
    ('    return jsonify({"error": "Debug mode disabled in production"}), 503', False),
    ('    return jsonify({"status": "ok"}), 410', False),
    ('    return JSONResponse(status_code=503, content={"error": "off"})', False),
    ('    return jsonify(dict(os.environ))', True),
    ('    return jsonify({"env": os.environ.get("HOME")}), 200', True),
])
def test_a_fixed_answer_exposes_nothing(tmp_path: Path, body: str, medium: bool) -> None:
    result = audit(tmp_path, {"app.py": APP.format(body=body)})
    debug = [f for f in result.findings if f.rule_id in ("AS101", "AS104") and f.severity >= Severity.MEDIUM]
    assert bool(debug) is medium
    assert any(f.rule_id == "AS104" for f in result.findings), "the debug path is always listed"
