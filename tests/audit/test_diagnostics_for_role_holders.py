"""An unbounded page size matters when an attacker is the caller: in the handler of a route that only callers
passing a role check reach (an administrator's route), the large page is asked by someone the application trusts with
the role, so the finding stays, low. A route that only signs the caller in keeps it at medium, and exception text
keeps its severity on either: an administrator's answers are no place for the server's internals."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import ROLE_DECORATORS, audit

_APP = """\
from functools import wraps
from flask import Flask, abort, jsonify, request, session
app = Flask(__name__)


{decorators}

@app.get("/api/v1/logs")
@{guard}
def logs():
    limit = request.args.get("limit", 50, type=int)
    try:
        rows = db.execute("SELECT * FROM logs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    except Exception as exc:
        return jsonify({{"error": str(exc)}}), 500
    return jsonify(rows)
"""


@pytest.mark.parametrize(("guard", "medium"), [
    ("admin_required", False),  # must stay quiet at medium: only administrators ask for the page
    ("login_required", True),  # must fire: any signed-in user asks for it
])
def test_an_unbounded_page_on_an_administrators_route_is_low(tmp_path: Path, guard: str, medium: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(guard=guard, decorators=ROLE_DECORATORS)})
    pages = [f for f in result.findings if f.rule_id == "AS203"]
    assert pages, "the page size is reported either way"
    assert any(f.severity >= Severity.MEDIUM for f in pages) is medium
    if not medium:
        assert all("reach it" in f.message for f in pages)
    # exception text stays at medium on both routes
    assert any(f.rule_id == "AS307" and f.severity >= Severity.MEDIUM for f in result.findings)
