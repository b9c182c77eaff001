"""What a handler's docstring says is documentation, not what it does: an echo answering DELETE whose docstring
mentions "DELETE" changes nothing (no medium AS101), while one that deletes a stored record is reported; a form handler
whose docstring talks about the CSRF token checks none by saying so (AS502), one that compares the token does."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit


@pytest.mark.parametrize(("body", "reported"), [
    ('    """Echo the request\'s DELETE parameters and update nothing."""\n    return jsonify(request.args)\n', False),
    ('    """Remove the item."""\n    ITEMS.pop(request.args["id"], None)\n    return jsonify(ok=True)\n', True),
])
def test_a_docstring_is_not_what_the_handler_does(tmp_path: Path, body: str, reported: bool) -> None:
    source = ("from flask import Flask, jsonify, request\n\napp = Flask(__name__)\nITEMS = {}\n\n\n"
              "@app.route('/items', methods=['DELETE'])\ndef remove():\n" + body)
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS101" and f.severity >= Severity.MEDIUM for f in result.findings) is reported


@pytest.mark.parametrize(("check", "reported"), [
    ("", True),  # must fire: the docstring talks about the CSRF token, the code checks none
    ("    if request.form.get('csrf_token') != session.get('csrf_token'):\n        abort(400)\n", False),
])
def test_a_docstring_about_csrf_is_no_csrf_check(tmp_path: Path, check: str, reported: bool) -> None:
    source = ("from flask import Flask, abort, request, session\n\napp = Flask(__name__)\napp.secret_key = 'k'\n"
              "NOTES = []\n\n\n@app.route('/notes', methods=['POST'])\ndef add_note():\n"
              '    """No CSRF token is checked here: any page can post this form."""\n' + check
              + "    if request.method == 'POST' and session.get('user'):\n"
              "        NOTES.append(request.form['text'])\n    return 'ok'\n")
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS502" and f.severity >= Severity.MEDIUM for f in result.findings) is reported
