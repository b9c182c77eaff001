"""A Flask-WTF form built without arguments in a view (``form = PostForm()``, the class deriving from ``FlaskForm``
in this module or another of the project) fills itself from the request's form: its fields' ``data`` is what the
client posted, a proven source for the data-flow rules (SQL built from it is AS801 with high confidence, its file
field's name joined into a path is AS806). A form built from the application's own data (``PostForm(obj=post)``)
or a plain class is not proven request data."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Confidence
from tests.audit.helpers import audit

FORMS = '''from flask_wtf import FlaskForm
from wtforms import FileField, StringField


class BaseForm(FlaskForm):
    pass


class PostForm(BaseForm):
    content = StringField("New post")
    image = FileField("Image")


class Plain:
    content = None
    image = None
'''

VIEWS = '''import os
import sqlite3

from flask import Flask

from forms import Plain, PostForm

app = Flask(__name__)


@app.route("/post", methods=["POST"])
def post():
    form = {built}
    db = sqlite3.connect("posts.db")
    db.execute("INSERT INTO posts (content) VALUES ('%s')" % form.content.data)
    path = os.path.join("static/uploads", form.image.data.filename)
    return open(path).read()
'''


@pytest.mark.parametrize(("built", "proven"), [
    ("PostForm()", True),
    ("PostForm(obj=load_post())", False),
    ("Plain()", False),
])
def test_a_flask_wtf_form_holds_what_the_client_posted(tmp_path: Path, built: str, proven: bool) -> None:
    findings = audit(tmp_path, {"forms.py": FORMS, "views.py": VIEWS.format(built=built)}).findings
    sql = [f for f in findings if f.rule_id == "AS801"]
    assert any(f.confidence == Confidence.HIGH for f in sql) is proven
    assert any(f.rule_id == "AS806" and f.confidence == Confidence.HIGH for f in findings) is proven
