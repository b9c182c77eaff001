"""A data-layer helper that pins its query to the caller (``... AND user_id = ?`` with the session's user) checks
object access for the route that hands it the id; one whose docstring or comments only talk about the owner
(``\"\"\"no user_id ownership check\"\"\"``, ``# TODO: filter by user_id``) checks nothing, and the route's read by
an id the caller picks is still AS102."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

ROUTES = '''from fastapi import Depends, FastAPI

from .auth import current_user
from .store import find_ticket

app = FastAPI()


@app.get("/tickets/{ticket_uuid}")
async def get_ticket(ticket_uuid: str, user=Depends(current_user)):
    return await find_ticket(ticket_uuid)
'''

STORE = '''from .db import database, session


async def find_ticket(ticket_uuid):
{body}
'''


@pytest.mark.parametrize(("body", "reported"), [
    ('    """Fetch a ticket by its key. No user_id ownership check."""\n'
     '    return await database.fetch_one("SELECT * FROM tickets WHERE key = :k", {"k": ticket_uuid})', True),
    ('    # TODO: filter by user_id here\n'
     '    return await database.fetch_one("SELECT * FROM tickets WHERE key = :k", {"k": ticket_uuid})', True),
    ('    """Fetch one of the caller\'s tickets."""\n'
     '    return await database.fetch_one("SELECT * FROM tickets WHERE key = :k AND user_id = :u",\n'
     '                                    {"k": ticket_uuid, "u": session["user_id"]})', False),
])
def test_a_helper_scopes_by_what_it_does_not_what_it_says(tmp_path: Path, body: str, reported: bool) -> None:
    files = {"app/__init__.py": "", "app/db.py": "database = None\nsession = {}\n",
             "app/auth.py": "def current_user():\n    return None\n",
             "app/store.py": STORE.format(body=body), "app/main.py": ROUTES}
    assert any(f.rule_id == "AS102" for f in audit(tmp_path, files).findings) is reported
