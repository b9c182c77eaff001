"""A view that loads its object through a helper of its module that checks the author (Flask's tutorial
``get_post(id, check_author=True)``: ``if check_author and post['author_id'] != g.user['id']: abort(403)``) has its
ownership checked; the same view handing the helper ``False`` for that flag (``get_post(id, False)``,
``get_post(id, check_author=False)``) switches the check off, and changing the post is AS102."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

BLOG = '''from flask import Blueprint, abort, g, redirect, request

from flaskr.auth import login_required
from flaskr.db import get_db

bp = Blueprint("blog", __name__)


def get_post(id, check_author=True):
    post = get_db().execute("SELECT p.id, title, body, author_id FROM post p WHERE p.id = ?", (id,)).fetchone()
    if post is None:
        abort(404, f"Post id {{id}} doesn't exist.")
    if check_author and post["author_id"] != g.user["id"]:
        abort(403)
    return post


@bp.route("/<int:id>/update", methods=("GET", "POST"))
@login_required
def update(id):
    post = {call}
    db = get_db()
    db.execute("UPDATE post SET title = ?, body = ? WHERE id = ?", (request.form["title"], request.form["body"], id))
    db.commit()
    return redirect("/")
'''


@pytest.mark.parametrize(("call", "reported"), [
    ("get_post(id)", False),
    ("get_post(id, True)", False),
    ("get_post(id, False)", True),
    ("get_post(id, check_author=False)", True),
])
def test_a_helpers_check_switched_off_by_the_callers_flag(tmp_path: Path, call: str, reported: bool) -> None:
    files = {"flaskr/__init__.py": "", "flaskr/blog.py": BLOG.format(call=call),
             "flaskr/auth.py": "def login_required(view):\n    return view\n",
             "flaskr/db.py": "def get_db():\n    return None\n"}
    result = audit(tmp_path, files)
    found = [f for f in result.findings if f.rule_id == "AS102" and f.severity.name != "LOW"]
    assert bool(found) is reported
