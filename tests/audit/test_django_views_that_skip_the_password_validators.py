"""Django's ``AUTH_PASSWORD_VALIDATORS`` (the common-password check among them) run only in its forms and in
``validate_password()``. A view that measures a new password's length and hands it to ``set_password()`` or
``create_user()`` keeps ``password1`` whatever the settings say: AS610. A view that also calls
``validate_password()``, or a Flask view with the same length check (no validators to skip), is quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

DJANGO = '''from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.shortcuts import redirect


def change_password(request):
    user = User.objects.get(username=request.POST["username"])
    password = request.POST["password1"]
    if len(password) < 8:
        return redirect("change")
{extra}    user.set_password(password)
    user.save()
    return redirect("done")
'''

FLASK = '''from flask import Flask, redirect, request

from .models import User

app = Flask(__name__)


@app.route("/password", methods=["POST"])
def change_password():
    user = User.query.filter_by(name=request.form["username"]).first()
    password = request.form["password1"]
    if len(password) < 8:
        return redirect("/change")
    user.set_password(password)
    return redirect("/done")
'''


@pytest.mark.parametrize(("files", "reported"), [
    ({"app/views.py": DJANGO.format(extra="")}, True),
    ({"app/views.py": DJANGO.format(extra="    validate_password(password, user)\n")}, False),
    ({"app/views.py": FLASK, "app/models.py": "class User:\n    pass\n"}, False),
], ids=["django-length-only", "django-validated", "flask-length-only"])
def test_a_length_check_alone_skips_djangos_validators(tmp_path: Path, files: dict[str, str], reported: bool) -> None:
    found = [f for f in audit(tmp_path, {"app/__init__.py": "", **files}).findings if f.rule_id == "AS610"]
    assert bool(found) is reported
