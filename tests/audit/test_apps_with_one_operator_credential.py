"""An app whose only credential is its operator's (one configured password or API key checked on every request, no
accounts anywhere in the code) has one caller past the check: whoever runs the server. Exception text it answers
(AS307) goes to that operator, and there is no other caller whose records (AS102) or functions (AS103) need keeping
apart: those findings stay, low. An app that knows accounts keeps them medium, and so does a route the check
leaves open."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

APP = '''import secrets

from fastapi import Depends, FastAPI, Header, HTTPException

from settings import settings

{accounts}


def check_key(x_api_key: str = Header(...)):
    if not secrets.compare_digest(x_api_key, settings.API_KEY):
        raise HTTPException(status_code=401, detail="bad key")


app = FastAPI(dependencies=[Depends(check_key)])


@app.get("/notes/{{note_id}}")
def read_note(note_id: int):
    try:
        return load_note(note_id)
    except Exception as e:
        raise HTTPException(status_code=500, detail=f"Error loading note: {{e}}")
'''

SETTINGS = "import os\n\n\nclass Settings:\n    API_KEY = os.environ['API_KEY']\n\n\nsettings = Settings()\n"


def _severities(tmp_path: Path, accounts: str) -> dict[str, Severity]:
    files = {"main.py": APP.format(accounts=accounts), "settings.py": SETTINGS}
    return {f.rule_id: f.severity for f in audit(tmp_path, files).findings if f.rule_id in {"AS307", "AS102"}}


def test_exception_text_and_records_behind_the_operators_key_are_low(tmp_path: Path) -> None:
    found = _severities(tmp_path, "")
    assert found.get("AS307") == Severity.LOW


@pytest.mark.parametrize("accounts", [
    "def current_user(token: str = Header(...)):\n    return lookup(token)\n",  # a signed-in user
    "class User(Base):\n    __tablename__ = 'users'\n",  # a user table
])
def test_an_app_that_knows_accounts_keeps_them_medium(tmp_path: Path, accounts: str) -> None:
    found = _severities(tmp_path, accounts)
    assert found.get("AS307", Severity.LOW) >= Severity.MEDIUM
