"""Quart is Flask's API on asyncio: its app, blueprints, ``request`` and helpers are read as Flask's, so a Quart
app's routes are inventoried and guarded like a Flask app's, and request data reaching a sink is found the same way
(awaited bodies included). A handler whose answer quart-schema's ``@validate_response`` serialises is JSON, not HTML."""

from __future__ import annotations

from pathlib import Path

from .helpers import audit

APP = """\
import sqlite3
from quart import Quart, Blueprint, request
from quart_jwt_extended import jwt_required
from quart_schema import validate_response

app = Quart(__name__)
bp = Blueprint("notes", __name__)


@bp.get("/notes/<name>")
async def find(name):
    db = sqlite3.connect("n.db")
    return {"rows": db.execute(f"SELECT * FROM notes WHERE name = '{name}'").fetchall()}


@bp.post("/echo")
@validate_response(Echo)
async def echo():
    data = await request.get_json()
    return Echo(text=data["text"])


@bp.delete("/notes/<int:note_id>")
@jwt_required
async def remove(note_id):
    return {"deleted": note_id}


app.register_blueprint(bp, url_prefix="/api")
"""


def test_a_quart_app_is_read_as_a_flask_app(tmp_path: Path) -> None:
    result = audit(tmp_path / "project", {"app.py": APP})
    routes = {(m, r.path) for r in result.routes for m in r.methods}
    assert {("GET", "/api/notes/<name>"), ("POST", "/api/echo"), ("DELETE", "/api/notes/<int:note_id>")} <= routes
    found = {(f.rule_id, f.location.line) for f in result.findings if f.location and f.severity.value >= 2}
    assert ("AS801", 13) in found  # the path parameter formatted into the query
    assert not any(rule == "AS404" for rule, _line in found)  # the echo is serialised by @validate_response
    assert not any(rule == "AS101" and line >= 24 for rule, line in found)  # the delete needs a token


SESSION_APP = """\
import quart

app = quart.Quart(__name__)


@app.route("/notes/<int:note_id>", methods=["GET", "DELETE"])
async def note(note_id):
{check}    return {{"deleted": delete_note(note_id)}}
"""


def test_a_handler_refusing_an_empty_quart_session_authenticates(tmp_path: Path) -> None:
    """``user = quart.session.get('user'); if not user: return quart.redirect(...)`` refuses anonymous callers
    (must stay quiet); without it the delete is open (must fire)."""
    check = "    user = quart.session.get('user')\n    if not user:\n        return quart.redirect('/')\n"
    guarded = audit(tmp_path / "guarded", {"app.py": SESSION_APP.format(check=check)})
    open_ = audit(tmp_path / "open", {"app.py": SESSION_APP.format(check="")})
    assert not [f for f in guarded.findings if f.rule_id == "AS101"]
    assert [f for f in open_.findings if f.rule_id == "AS101" and f.severity.value >= 2]
