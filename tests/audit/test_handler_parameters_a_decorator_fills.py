"""Flask and Bottle call a handler with its URL's path variables only: a parameter that no path of its route
decorators names is filled by a decorator of the project's own or the route's ``defaults``, the code's value, so
returning it is no reflected XSS (AS404). A path variable, a form field, and a FastAPI parameter (a query field the
client sends) are still the client's."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

FLASK = '''from functools import wraps

from flask import Flask, request, session

app = Flask(__name__)
app.secret_key = open("/run/secrets/key").read()


def with_info(func):
    @wraps(func)
    def wrapped(*args, **kwargs):
        kwargs["info"] = {{"uid": str(session["userinfo"].get("preferred_username", ""))}}
        return func(*args, **kwargs)
    return wrapped


@app.route("/subscribe/", methods=["POST"])
@app.route("/subscribe/<name>", methods=["POST"])
@with_info
def subscribe(info, name="me"):
    data = request.form
    return "Subscribed " + {returned}
'''

FASTAPI = '''from fastapi import FastAPI
from fastapi.responses import HTMLResponse

app = FastAPI()


@app.get("/hello")
def hello(who: str):
    return HTMLResponse("<p>Hello " + who + "</p>")
'''


@pytest.mark.parametrize(("returned", "reported"), [
    ('info["uid"]', False),
    ("name", True),
    ('data["token"]', True),
])
def test_a_parameter_no_route_path_names_is_the_codes(tmp_path: Path, returned: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": FLASK.format(returned=returned)})
    assert any(f.rule_id == "AS404" for f in result.findings) is reported


def test_a_fastapi_parameter_outside_the_path_is_still_the_clients(tmp_path: Path) -> None:
    result = audit(tmp_path, {"app.py": FASTAPI})
    assert any(f.rule_id == "AS404" for f in result.findings)
