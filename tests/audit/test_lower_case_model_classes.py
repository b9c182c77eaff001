"""A model class named in lower case (``class users(db.Model)``) builds a stored record as ``User`` does: a class the
module defines is a model constructor whatever the case of its name, so a typed password given to it is stored as
typed (AS608) and accepted without any rule (AS610). A lower-case function (a response builder, Django's
``authenticate``) is no constructor, even when what it answers is saved afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

APP = '''
from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy

from django.contrib.auth import authenticate

app = Flask(__name__)
db = SQLAlchemy(app)


class users(db.Model):
    email = db.Column(db.String)
    password = db.Column(db.String)


def reply(email, password):
    return {{"email": email, "password_length": len(password)}}


@app.route("/register", methods=["POST"])
def register():
    email = request.form["email"]
    password = request.form["password"]
{body}
'''

STORED = "    user = users(email=email, password=password)\n    db.session.add(user)\n    db.session.commit()\n" \
         "    return jsonify(ok=True)"
ADDED_DIRECTLY = "    db.session.add(users(email=email, password=password))\n    db.session.commit()\n" \
                 "    return jsonify(ok=True)"
SAVED = "    user = users(email=email, password=password)\n    user.save()\n    return jsonify(ok=True)"
ONLY_ANSWERED = "    answer = reply(email=email, password=password)\n    return jsonify(answer)"
SIGNED_IN = "    user = authenticate(username=email, password=password)\n    user.save()\n    return jsonify(ok=True)"


@pytest.mark.parametrize(("body", "stored"), [
    (STORED, True), (ADDED_DIRECTLY, True), (SAVED, True), (ONLY_ANSWERED, False), (SIGNED_IN, False),
], ids=["added-to-the-session", "added-as-built", "saved", "a-helper-never-stored", "a-sign-in-then-saved"])
def test_lower_case_model_classes_build_records(tmp_path: Path, body: str, stored: bool) -> None:
    files = {"shop/__init__.py": "", "shop/app.py": APP.format(body=body)}
    result = audit(tmp_path, files)
    rules = {f.rule_id for f in result.findings if f.location and f.location.path.endswith("app.py")}
    assert ("AS608" in rules) is stored, rules
    assert ("AS610" in rules) is stored, rules
