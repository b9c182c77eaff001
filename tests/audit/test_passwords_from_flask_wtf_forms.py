"""A password read from a Flask-WTF form built without arguments (``form = RegisterForm()``, the class deriving from
``FlaskForm`` in another module of the project, directly or through another form) is what the client typed: stored
as it is, it is AS608, and kept with no rule on its strength, AS610. A class that is no request-bound form, or a
password hashed first, is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

FORMS = '''from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField


class AccountForm(FlaskForm):
    pass


class RegisterForm({base}):
    username = StringField("Username")
    password = PasswordField("Password")
'''

VIEWS = '''from flask import Flask, redirect
from flask_sqlalchemy import SQLAlchemy
from werkzeug.security import generate_password_hash

from forms import RegisterForm

app = Flask(__name__)
db = SQLAlchemy(app)


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(80))
    password = db.Column(db.String(200))


@app.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        user = User(username=form.username.data, password={stored})
        db.session.add(user)
        db.session.commit()
        return redirect("/login")
    return "form"
'''


@pytest.mark.parametrize(("base", "stored", "rules"), [
    ("FlaskForm", "form.password.data", {"AS608", "AS610"}),
    ("AccountForm", "form.password.data", {"AS608", "AS610"}),
    ("FlaskForm", "generate_password_hash(form.password.data)", {"AS610"}),
    ("object", "form.password.data", set()),
])
def test_a_flask_wtf_forms_password_is_what_the_client_typed(tmp_path: Path, base: str, stored: str,
                                                             rules: set[str]) -> None:
    files = {"forms.py": FORMS.format(base=base), "app.py": VIEWS.format(stored=stored)}
    found = {f.rule_id for f in audit(tmp_path, files).findings if f.rule_id in {"AS608", "AS610"}}
    assert found == rules
