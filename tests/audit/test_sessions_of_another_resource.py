"""A path ending in ``session`` or ``sessions`` is a sign-in near the top of an API (``POST /api/v1/sessions``,
``/auth/session``), where missing attempt limits (AS202) matter. Under another resource it names that resource's own
sessions (``POST /chat/sessions`` starts a conversation, ``/workouts/{id}/sessions`` logs a workout): nothing to
guess (a handler that checks a password and signs the caller in is a sign-in whatever its path, read elsewhere)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

APP = '''from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Body(BaseModel):
    {field}: str


@app.post("{path}")
async def create_session(body: Body):
    return {{"id": start(body.{field})}}
'''


@pytest.mark.parametrize(("path", "field", "reported"), [
    ("/api/v1/sessions", "password", True),  # must fire: a REST sign-in
    ("/auth/session", "password", True),  # must fire
    ("/chat/sessions", "title", False),  # must stay quiet: a conversation
    ("/notebooks/{notebook_id}/sessions", "title", False),  # must stay quiet: a notebook's own sessions
])
def test_a_session_word_names_a_sign_in_only_at_the_top_of_an_api(tmp_path: Path, path: str, field: str,
                                                                   reported: bool) -> None:
    found = audit(tmp_path, {"main.py": APP.format(path=path, field=field)}).findings
    assert any(f.rule_id == "AS202" for f in found) is reported
