"""A redirect back to the Referer (``redirect(request.referrer or url_for("index"))``) can only send the user to
the page they came from: listed at low. A redirect to a query parameter is still an open redirect."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit


@pytest.mark.parametrize(("target", "medium"), [
    ('request.referrer or url_for("index")', False),
    ('request.headers.get("Referer") or "/"', False),
    ('request.args.get("next") or "/"', True),
    ('request.args.get("next") or request.referrer', True),
])
def test_a_redirect_back_to_the_referer_is_low(tmp_path: Path, target: str, medium: bool) -> None:
    source = ("from flask import Flask, redirect, request, url_for\n\napp = Flask(__name__)\n\n\n"
              "@app.post('/done')\ndef done():\n    return redirect(" + target + ")\n")
    result = audit(tmp_path, {"app.py": source})
    found = [f for f in result.findings if f.rule_id == "AS807"]
    assert any(f.severity >= Severity.MEDIUM for f in found) is medium
