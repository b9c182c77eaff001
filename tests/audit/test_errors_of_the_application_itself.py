"""An exception class the project defines carries the messages the application wrote when it raised it; catching
only such classes and answering their text discloses nothing of the server. A library's error caught the same way,
or one reached through a project object (``db.IntegrityError``), still does."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_ERRORS = "class PlanningInfeasible(Exception):\n    pass\n"
_DB = "import sqlalchemy\nclass Db:\n    IntegrityError = sqlalchemy.exc.IntegrityError\ndb = Db()\n"
_APP = """\
import sqlalchemy
from fastapi import FastAPI, HTTPException
from errors import PlanningInfeasible
from dbmod import db
from planner import plan
app = FastAPI()
@app.post("/v1/rounds/{{round_id}}")
async def start(round_id: int):
    try:
        await plan(round_id)
    except {caught} as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    return {{"ok": True}}
"""


@pytest.mark.parametrize(("caught", "reported"), [
    ("PlanningInfeasible", False),  # must stay quiet: the application's own message
    ("AssertionError", False),  # must stay quiet: the message the project wrote after its ``assert``
    ("(AssertionError, RuntimeError)", True),  # must fire: a runtime error may quote anything
    ("sqlalchemy.exc.IntegrityError", True),  # must fire: the database's text
    ("db.IntegrityError", True),  # must fire: a library class reached through a project object
])
def test_text_of_the_applications_own_exceptions_is_its_own_message(tmp_path: Path, caught: str,
                                                                     reported: bool) -> None:
    files = {"app.py": _APP.format(caught=caught), "errors.py": _ERRORS, "dbmod.py": _DB,
             "planner.py": "async def plan(round_id):\n    return round_id\n"}
    result = audit(tmp_path, files)
    hits = [f for f in result.findings if f.rule_id == "AS307" and f.severity >= Severity.MEDIUM]
    assert bool(hits) is reported


_HANDLER = """\
from flask import Flask, jsonify
from werkzeug.exceptions import NotFound, InternalServerError
import sqlalchemy
app = Flask(__name__)
@app.errorhandler({registered})
def failed(e):
    return jsonify({{"error": str(e)}}), 500
"""


@pytest.mark.parametrize(("registered", "reported"), [
    ("NotFound.code", False),  # must stay quiet: Werkzeug's text for a client error, or its raiser's description
    ("NotFound", False),
    ("AssertionError", False),  # must stay quiet: the project's ``assert`` messages
    ("sqlalchemy.exc.OperationalError", True),  # must fire: the database's text
])
def test_a_handler_of_a_client_error_answers_the_statuss_own_text(tmp_path: Path, registered: str,
                                                                   reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _HANDLER.format(registered=registered)})
    hits = [f for f in result.findings if f.rule_id == "AS307" and f.severity >= Severity.MEDIUM]
    assert bool(hits) is reported


_DRF = """\
from django.db import DatabaseError
from rest_framework.decorators import api_view
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response

from .tokens import check_token


@api_view(["POST"])
def exchange(request):
    try:
        uid = check_token(request.data["token"])
    except {caught} as e:
        return Response(data={{"detail": e.detail.title() if hasattr(e, "detail") else str(e)}}, status=403)
    return Response({{"uid": uid}})
"""


@pytest.mark.parametrize(("caught", "reported"), [
    ("AuthenticationFailed", False),  # must stay quiet: the message the API chose for its client
    ("DatabaseError", True),  # must fire: the database's text
])
def test_a_rest_framework_errors_detail_is_the_apis_message(tmp_path: Path, caught: str, reported: bool) -> None:
    files = {"api/__init__.py": "", "api/views.py": _DRF.format(caught=caught),
             "api/tokens.py": "def check_token(token):\n    return token\n"}
    result = audit(tmp_path, files)
    hits = [f for f in result.findings if f.rule_id == "AS307" and f.severity >= Severity.MEDIUM]
    assert bool(hits) is reported
