"""Exception text a route answers only after its role check admitted the caller (an administrator or moderator
test, a role decorator) reaches the operators who run the service: it stays visible, low. The same text from a
route any signed-in user or anyone may call is still disclosed to them (medium)."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
import sqlite3
from fastapi import Depends, FastAPI, HTTPException

from .auth import current_user

app = FastAPI()


def require_moderator(user):
    if not user.is_moderator:
        raise HTTPException(status_code=403, detail="moderators only")


@app.delete("/admin/property")
def delete_property(name: str, user=Depends(current_user)):
{check}
    try:
        sqlite3.connect("tags.db").execute("DELETE FROM tags WHERE k = ?", (name,))
    except sqlite3.Error as exc:
        return {{"error": str(exc)}}
    return {{"ok": True}}
"""


@pytest.mark.parametrize(("check", "severity"), [
    ("    require_moderator(user)", Severity.LOW),  # must lower: moderators only
    ("    if not user.is_admin:\n        raise HTTPException(status_code=403)", Severity.LOW),  # administrators only
    ("    pass", Severity.MEDIUM),  # must stay: any signed-in user reads the database's text
])
def test_error_text_answered_after_a_role_check_is_low(tmp_path: Path, check: str, severity: Severity) -> None:
    files = {"app/__init__.py": "", "app/auth.py": "def current_user():\n    return None\n",
             "app/main.py": _APP.format(check=check)}
    hits = [f.severity for f in audit(tmp_path, files).findings if f.rule_id == "AS307"]
    assert hits == [severity]
