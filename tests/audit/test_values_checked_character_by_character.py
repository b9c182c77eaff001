"""A value tested character by character against a set of letters and digits (``any(c not in
string.ascii_lowercase for c in name)`` refused, ``all(c in ALNUM + "-_" for c in name)`` required) holds no
separator, dot or quote after the test: a path, a command or a query built from it is the program's own. A set that
holds such characters (``string.printable``) proves nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = """\
import os
import string

from flask import Flask, request

app = Flask(__name__)


@app.post("/register")
def register():
    name = request.form["username"]
{check}
    os.mkdir(f"/srv/uploads/{{name}}")
    return "ok"
"""


@pytest.mark.parametrize(("check", "fires"), [
    ("    if not name or any(c not in string.ascii_lowercase for c in name):\n        return 'bad', 400", False),
    ("    if not all(c in string.ascii_letters + string.digits + '-_' for c in name):\n        return 'bad', 400",
     False),
    ("    if any(c not in 'abcdef0123456789' for c in name):\n        return 'bad', 400", False),
    ("    if any(c not in string.printable for c in name):\n        return 'bad', 400", True),  # '/' is printable
    ("    if any(c in string.ascii_lowercase for c in name):\n        return 'bad', 400", True),  # the wrong way
    ("    if all(c not in '/.' for c in name[:3]):\n        pass", True),
])
def test_a_value_made_of_word_characters_is_no_path(tmp_path: Path, check: str, fires: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(check=check)})
    assert any(f.rule_id == "AS806" for f in result.findings) is fires
