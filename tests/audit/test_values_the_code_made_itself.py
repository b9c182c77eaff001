"""Values the code itself made are not data a client sent: a table or class name the code wrote
(``Email.__tablename__``), bytes ``pickle.dumps`` produced a moment earlier, and a secret replaced only in a branch
the module's own constants never take. Each must stay quiet (or keep its severity) where the code made the value,
and fire where a client's value, or a value of unknown origin, takes its place."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity

from .helpers import audit

_ROUTE = """\
import pickle
from flask import Flask, request
from sqlalchemy import text
from .models import Email
app = Flask(__name__)


@app.route("/count")
def count():
    return {{"n": {call}}}


def counted(db):
    return db.execute(text(f"SELECT count(*) FROM {{Email.__tablename__}}")).scalar()


def named(db):
    return db.execute(text(f"SELECT count(*) FROM {{type(Email()).__name__.lower()}}")).scalar()


def counted_in(db, table):
    return db.execute(text(f"SELECT count(*) FROM {{table}}")).scalar()


{extra}
"""
_MODELS = "class Email(Base):\n    __tablename__ = 'emails'\n"


def _levels(root: Path, call: str, extra: str, rule_id: str) -> list[Severity]:
    result = audit(root, {"app/__init__.py": _ROUTE.format(call=call, extra=extra), "app/models.py": _MODELS})
    return [f.severity for f in result.findings if f.rule_id == rule_id]


@pytest.mark.parametrize(("call", "reported"), [
    ("counted(db)", False),
    ("named(db)", False),
    ("counted_in(db, request.args['table'])", True),
])
def test_a_table_name_the_code_wrote_is_not_injection(tmp_path: Path, call: str, reported: bool) -> None:
    assert bool([s for s in _levels(tmp_path, call, "", "AS801") if s >= Severity.MEDIUM]) is reported


_CLOSURE = """\
def page_png(page):
    serialised = pickle.dumps(page)

    def render():
        return pickle.loads(serialised)
    return render()
"""
_CLOSURE_OF_INPUT = """\
def page_png(page):
    raw = request.get_data()

    def render():
        return pickle.loads(raw)
    return render()
"""
_IMPORTED_OR_NONE = """\
def page_png(page):
    try:
        import requests
    except ImportError:
        requests = None

    def render():
        if requests is None:
            return None
        return pickle.loads(request.get_data())
    return render()
"""
_SAME_FUNCTION = """\
def page_png(page):
    blob = pickle.dumps(page)
    return pickle.loads(blob)
"""
_REBOUND = """\
def page_png(page):
    blob = pickle.dumps(page)
    blob = page.raw_bytes()
    return pickle.loads(blob)
"""
_GIVEN = """\
def page_png(blob):
    return pickle.loads(blob)
"""


@pytest.mark.parametrize(("helper", "call", "reported"), [
    (_CLOSURE, "page_png(db.page())", False),
    (_CLOSURE_OF_INPUT, "page_png(db.page())", True),
    # a name bound twice in the enclosing function (an import, or None) is not read as either value
    (_IMPORTED_OR_NONE, "page_png(db.page())", True),
    (_SAME_FUNCTION, "page_png(db.page())", False),
    (_SAME_FUNCTION, "page_png(request.get_data())", False),  # a pickle of the bytes, loaded back: the bytes again
    (_REBOUND, "page_png(db.page())", True),
    (_GIVEN, "page_png(db.page())", True),
    (_GIVEN, "page_png(request.get_data())", True),
])
def test_loading_back_what_the_code_pickled_is_not_deserialising_input(tmp_path: Path, helper: str, call: str,
                                                                       reported: bool) -> None:
    levels = [s for s in _levels(tmp_path, call, helper, "AS804") if s >= Severity.MEDIUM]
    assert bool(levels) is reported


_SETTINGS = """\
import os
FIX_EXPOSED_SECRET_KEY = {flag}
SECRET_KEY = 'django-insecure-3&obu5t5d%i)we=qf_(rjt*&ntpdb5e2#^#wpux3poys'
if FIX_EXPOSED_SECRET_KEY:
    SECRET_KEY = os.environ.get("SECRET_KEY")
DEBUG = False
"""


@pytest.mark.parametrize(("flag", "serious"), [("False", True), ("os.environ.get('FIX') == '1'", False)])
def test_a_secret_replaced_only_in_a_branch_never_taken_keeps_its_severity(tmp_path: Path, flag: str,
                                                                             serious: bool) -> None:
    result = audit(tmp_path, {"proj/settings.py": _SETTINGS.format(flag=flag), "manage.py": "import django\n"})
    levels = [f.severity for f in result.findings if f.rule_id == "AS601"]
    assert levels, "the committed key is reported either way"
    assert (max(levels) >= Severity.MEDIUM) is serious
