"""A route parameter the router matches within one path segment (Flask and Bottle ``<name>``, FastAPI ``{name}``)
never holds a ``/``: a file named from it stays in its directory, so no AS806. Parameters that may span segments
(``<path:name>``, ``<name:path>``, ``{name:path}``) are still path traversal, and so is a stored path that such a
parameter only selects (a database row's file path)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_FLASK = '''
import os

from flask import Flask, send_file

app = Flask(__name__)
FOLDER = "/srv/attachments"


@app.get("/attachments/{rule}")
def attachment(name):
    return send_file(os.path.join(FOLDER, f"{{name}}.pickle"))
'''

_BOTTLE = '''
import os

from bottle import Bottle, static_file

app = Bottle()


@app.get("/files/{rule}")
def download(name):
    with open(os.path.join("/srv/files", name)) as handle:
        return handle.read()
'''

_FASTAPI = '''
import os

from fastapi import FastAPI

app = FastAPI()


@app.get("/reports/{rule}")
def report(name: str) -> str:
    with open(os.path.join("/srv/reports", name + ".txt")) as handle:
        return handle.read()
'''

_LOOKUP = '''
from flask import Flask, send_file
from models import Document

app = Flask(__name__)


@app.get("/documents/<doc_id>")
def document(doc_id):
    doc = Document.query.get(doc_id)
    return send_file(doc.path)
'''


@pytest.mark.parametrize(("template", "rule", "reported"), [
    (_FLASK, "<name>", False),
    (_FLASK, "<string:name>", False),
    (_FLASK, "<path:name>", True),
    (_BOTTLE, "<name>", False),
    (_BOTTLE, "<name:path>", True),
    (_FASTAPI, "{name}", False),
    (_FASTAPI, "{name:path}", True),
], ids=["flask-segment", "flask-string", "flask-path", "bottle-segment", "bottle-path", "fastapi-segment",
        "fastapi-path"])
def test_one_segment_parameters_stay_in_their_directory(tmp_path: Path, template: str, rule: str,
                                                         reported: bool) -> None:
    result = audit(tmp_path, {"app.py": template.format(rule=rule)})
    assert any(f.rule_id == "AS806" for f in result.findings) is reported


def test_a_stored_path_selected_by_a_segment_parameter_is_still_reported(tmp_path: Path) -> None:
    result = audit(tmp_path, {"app.py": _LOOKUP})
    assert any(f.rule_id == "AS806" for f in result.findings)
