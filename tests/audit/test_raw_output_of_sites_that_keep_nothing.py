"""Raw template output (AS402) is stored cross-site scripting when a visitor can plant the markup another visitor is
shown. A site that keeps nothing a visitor sends (no database or store, no file written, no upload saved, nothing
posted on to another service; a front end rendering its own content service's pages) emits only what its code,
configuration or back end gives it: the finding stays, low. Any such store keeps it medium, and a visitor's own
request echoed raw stays reported by the data-flow rule (AS404) at the render."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

CMS_FRONT_END = '''import requests
from flask import Flask, current_app, render_template

app = Flask(__name__)


def page_from_cms(path):
    base = current_app.config["CMS_API_URL"]
    return requests.get(f"{base}/pages/find/", params={"html_path": path}, timeout=10).json()


@app.route("/<path:path>")
def page(path):
    return render_template("page.html", page=page_from_cms(path))
'''

PAGE = "<html><body><h1>{{ page.title }}</h1>{{ page.body | safe }}</body></html>\n"

#: the same front end once it keeps something a visitor sends, one way each
STORES = {
    "a database": ("import sqlite3\n", "\n\ndef remember(text):\n    sqlite3.connect('c.db').execute("
                   "'INSERT INTO c VALUES (?)', (text,))\n"),
    "a file written": ("", "\n\ndef remember(text):\n    with open('comments.txt', 'a') as fh:\n"
                       "        fh.write(text)\n"),
    "an onward post": ("", "\n\ndef remember(text):\n    requests.post(current_app.config['CMS_API_URL'] + "
                       "'/comments/', json={'text': text}, timeout=10)\n"),
    "an ORM": ("from flask_sqlalchemy import SQLAlchemy\n", "\n\ndb = SQLAlchemy(app)\n"),
    "a list in memory": ("", "\n\nCOMMENTS = []\n\n\ndef remember(text):\n    COMMENTS.append(text)\n"),
    "a dict in memory": ("", "\n\nNOTES: dict = {}\n\n\ndef remember(key, text):\n    NOTES[key] = text\n"),
}


def _raw(tmp_path: Path, app: str, page: str = PAGE) -> list[Severity]:
    result = audit(tmp_path, {"app.py": app, "templates/page.html": page})
    return [f.severity for f in result.findings if f.rule_id == "AS402"]


@pytest.mark.parametrize("page", [
    PAGE,
    "<html><body>{{ ('<div class=\"lead\">' ~ page.body ~ '</div>') | safe }}</body></html>\n",
    "{% from 'macros.html' import card %}{{ card({'body': page.body | safe,\n  'title': page.title}) }}\n",
])
def test_a_front_end_of_its_own_content_service_emits_what_its_editors_wrote(tmp_path: Path, page: str) -> None:
    assert _raw(tmp_path, CMS_FRONT_END, page) == [Severity.LOW]


@pytest.mark.parametrize("store", sorted(STORES))
def test_a_site_that_keeps_what_visitors_send_keeps_raw_output_medium(tmp_path: Path, store: str) -> None:
    head, tail = STORES[store]
    assert _raw(tmp_path, head + CMS_FRONT_END + tail) == [Severity.MEDIUM]


def test_the_request_emitted_raw_stays_medium(tmp_path: Path) -> None:
    page = "<html><body>{{ request.args.get('q') | safe }}</body></html>\n"
    assert _raw(tmp_path, CMS_FRONT_END, page) == [Severity.MEDIUM]


def test_a_reflection_through_a_variable_is_still_reported_at_the_render(tmp_path: Path) -> None:
    app = '''from flask import Flask, render_template, request

app = Flask(__name__)


@app.route("/hello")
def hello():
    return render_template("page.html", page={"title": "hi", "body": request.args.get("name", "")})
'''
    result = audit(tmp_path, {"app.py": app, "templates/page.html": PAGE})
    assert any(f.rule_id == "AS404" and f.severity >= Severity.MEDIUM for f in result.findings)
