"""Missing security headers (AS304) matter where a page can be framed or scripted to act for its visitor. A JSON API
that sets no cookie and whose only pages are constant and carry no form, control or script (an index naming the API)
gives a framing site nothing to use; a page with a form, a script, a value filled in, or a template that extends a
base with one still counts, and any page counts once the app gives the browser a cookie.
Route parameters and comments that look like tags are not HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

API = '''from flask import Flask, jsonify, render_template, session

app = Flask(__name__)


@app.route("/items")
def items():
    return jsonify([])


@app.route("/")
def index():
    return render_template("index.html")
'''

INERT = "<html><body><h1>Items API</h1><p>See the README for the endpoints.</p></body></html>\n"


def _medium_headers(tmp_path: Path, files: dict[str, str]) -> int:
    result = audit(tmp_path, files)
    return sum(1 for f in result.findings if f.rule_id == "AS304" and f.severity >= Severity.MEDIUM)


def test_an_inert_index_of_a_cookieless_api_is_hardening_only(tmp_path: Path) -> None:
    assert _medium_headers(tmp_path, {"app.py": API, "templates/index.html": INERT}) == 0


@pytest.mark.parametrize("page", [
    "<html><body><form method='post' action='/items'><button>Add</button></form></body></html>\n",
    "<html><body><script src='/static/app.js'></script></body></html>\n",
    "<html><body><a href='#' onclick='remove()'>remove</a></body></html>\n",
    "<html><body><h1>{{ title }}</h1></body></html>\n",
])
def test_a_page_with_something_to_act_with_counts(tmp_path: Path, page: str) -> None:
    assert _medium_headers(tmp_path, {"app.py": API, "templates/index.html": page}) == 1


def test_a_base_template_with_script_makes_the_page_count(tmp_path: Path) -> None:
    files = {"app.py": API,
             "templates/index.html": "{% extends 'layout/base.html' %}{% block body %}<h1>Items</h1>{% endblock %}\n",
             "templates/layout/base.html": "<html><body>{% block body %}{% endblock %}<script>boot()</script></body>"
                                           "</html>\n"}
    assert _medium_headers(tmp_path, files) == 1


def test_an_inert_page_counts_once_the_app_sets_a_cookie(tmp_path: Path) -> None:
    login = API + '''

@app.route("/login", methods=["POST"])
def login():
    session["user"] = "someone"
    return jsonify(ok=True)
'''
    assert _medium_headers(tmp_path, {"app.py": login, "templates/index.html": INERT}) == 1


def test_an_inline_page_without_controls_is_inert(tmp_path: Path) -> None:
    inline = API.replace('return render_template("index.html")',
                         'return "<h1>Items API</h1><p>Use an API client.</p>"')
    assert _medium_headers(tmp_path / "inline", {"app.py": inline}) == 0
    active = API.replace('return render_template("index.html")',
                         'return "<h1>Items API</h1><form action=/items method=post><input name=q></form>"')
    assert _medium_headers(tmp_path / "active", {"app.py": active}) == 1
    filled = API.replace('return render_template("index.html")', 'return f"<h1>{load().title}</h1>"')
    assert _medium_headers(tmp_path / "filled", {"app.py": filled}) == 1
    helper = API.replace('return render_template("index.html")', 'return render_template_string(page_of(load()))')
    assert _medium_headers(tmp_path / "helper", {"app.py": helper}) == 1


@pytest.mark.parametrize("route", [
    "@app.route('/exercises/body-part/<body_part>')\ndef by_part(body_part):\n    return jsonify([])\n",
    "@app.route('/forms/<form_id>')\ndef form(form_id):\n    return jsonify({})\n",
    "@app.route('/tables/<table_name>/rows/<prefix>')\ndef rows(table_name, prefix):\n    return jsonify([])\n",
    "@app.route('/items')\ndef items():\n    # the first version answered <div class='items'>...</div>\n"
    "    return jsonify([])\n",
])
def test_route_parameters_and_comments_are_not_markup(tmp_path: Path, route: str) -> None:
    """A project whose only "tags" are route parameters or comments serves no HTML: its headers only harden."""
    source = "from flask import Flask, jsonify\napp = Flask(__name__)\n" + route
    result = audit(tmp_path, {"app.py": source})
    headers = [f for f in result.findings if f.rule_id == "AS304"]
    assert headers and all(f.severity < Severity.MEDIUM for f in headers)
