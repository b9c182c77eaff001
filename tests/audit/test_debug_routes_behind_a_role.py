"""A route whose path says debug (AS104) reached only by callers passing a role check (``@admin_required``) is an
administrator's tool, not a leftover: it stays, low. Behind a sign-in alone it stays medium, and open it is high."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import ROLE_DECORATORS, audit

_APP = """\
from functools import wraps

from flask import Flask, abort, session

app = Flask(__name__)
app.secret_key = load_key()


{decorators}

@app.get("/admin/user/<name>/debug")
{guard}
def user_debug(name):
    return load_debug_state(name)
"""


@pytest.mark.parametrize(("guard", "severity"), [
    ("@admin_required", Severity.LOW),  # quiet at medium: an administrator's tool
    ("@login_required", Severity.MEDIUM),  # must fire: any signed-in user
    ("", Severity.HIGH),
])
def test_a_debug_route_behind_a_role_is_an_administrators_tool(tmp_path: Path, guard: str,
                                                                severity: Severity) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(guard=guard, decorators=ROLE_DECORATORS)})
    debug = [f for f in result.findings if f.rule_id == "AS104"]
    assert debug and max(f.severity for f in debug) == severity
