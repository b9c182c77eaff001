"""Sign-ins and password-recovery steps whose answer differs for an unknown account are reported (AS206, medium), in
any framework; registrations that say a name is taken are low; a message that covers both cases, a change to the
signed-in caller's own account, an object read by id and log lines stay quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_FASTAPI_LOGIN = '''
from fastapi import APIRouter, HTTPException
router = APIRouter()

@router.post("/login")
async def login(form: LoginForm):
    user = await find_user(form.username)
    if not user:
        raise HTTPException(status_code=401, detail={missing!r})
    if not verify_password(form.password, user.password_hash):
        raise HTTPException(status_code=401, detail={wrong!r})
    return {{"token": issue(user)}}
'''

_DJANGO_LOGIN = '''
from django.contrib.auth import authenticate, login
from django.contrib.auth.models import User
from django.shortcuts import render, redirect
from django.views import View

class LoginView(View):
    def post(self, request):
        username = request.POST.get("username")
        password = request.POST.get("password")
        user = authenticate(request, username=username, password=password)
        if User.objects.filter(username=username).exists():
            if user is not None:
                login(request, user)
                return redirect("index")
            error = f"Wrong password for {username}"
        else:
            error = "Username not found"
        return render(request, "login.html", {"error": error})
'''

_FLASK_RESET = '''
from flask import Flask, flash, redirect, request
app = Flask(__name__)

@app.route("/forgot-password", methods=["POST"])
def forgot_password():
    email = request.form["email"]
    user = User.query.filter_by(email=email).first()
    if user is None:
        flash({missing!r})
        return redirect("/forgot-password")
    send_reset_mail(user)
    flash("A reset link is on its way.")
    return redirect("/login")
'''

_REGISTER = '''
from flask import Flask, jsonify, request
app = Flask(__name__)

@app.post("/register")
def register():
    data = request.get_json()
    if User.query.filter_by(username=data["username"]).first():
        return jsonify(error="Username already taken"), 409
    create_user(data["username"], data["password"])
    return jsonify(ok=True), 201
'''


def _hits(tmp_path: Path, files: dict[str, str]) -> list[tuple[int, Severity]]:
    return [(f.location.line, f.severity) for f in audit(tmp_path, files).findings if f.rule_id == "AS206"]


@pytest.mark.parametrize(("missing", "wrong", "reported"), [
    # must fire: an unknown account gets its own message
    ("User not found", "Incorrect password", True),
    ("No account with that username", "Invalid credentials", True),
    ("Incorrect username", "Incorrect password", True),
    # must stay quiet: one message for both cases
    ("Invalid username or password", "Invalid username or password", False),
    ("Incorrect credentials", "Incorrect credentials", False),
])
def test_sign_ins_that_answer_an_unknown_account_apart(tmp_path: Path, missing: str, wrong: str,
                                                       reported: bool) -> None:
    hits = _hits(tmp_path, {"auth.py": _FASTAPI_LOGIN.format(missing=missing, wrong=wrong)})
    assert bool(hits) is reported
    if reported:
        assert hits == [(9, Severity.MEDIUM)]  # at the message that gives the account away


def test_django_class_view_sign_in_is_read_too(tmp_path: Path) -> None:
    assert _hits(tmp_path, {"blog/views.py": _DJANGO_LOGIN}) == [(18, Severity.MEDIUM)]


@pytest.mark.parametrize(("missing", "reported"), [
    ("No account is registered with that e-mail address.", True),
    ("Email not found", True),
    ("If an account with that address exists, we have sent a link.", False),
])
def test_recovery_steps_that_answer_an_unknown_address_apart(tmp_path: Path, missing: str, reported: bool) -> None:
    assert bool(_hits(tmp_path, {"app.py": _FLASK_RESET.format(missing=missing)})) is reported


def test_registration_saying_a_name_is_taken_is_low(tmp_path: Path) -> None:
    assert _hits(tmp_path, {"app.py": _REGISTER}) == [(9, Severity.LOW)]


@pytest.mark.parametrize("source", [
    # the signed-in caller's own account: no name is being tested
    '''
from flask import Flask, abort, request
from flask_login import current_user
app = Flask(__name__)
@app.post("/me/password")
def change_password():
    user = User.query.filter_by(email=current_user.email).first()
    if user is None:
        abort(404, "User not found")
    if not check_password_hash(user.password_hash, request.form["old_password"]):
        abort(403, "Incorrect password")
''',
    # an object read by its id: a 404 for a missing record is no enumeration of names
    '''
from flask import Flask, jsonify
app = Flask(__name__)
@app.get("/users/<int:user_id>")
def get_user(user_id):
    user = User.query.get(user_id)
    if not user:
        return jsonify(error="User not found"), 404
    return jsonify(user.to_dict())
''',
    # the message goes to the log, the client gets one answer
    '''
import logging
from flask import Flask, request
app = Flask(__name__)
log = logging.getLogger(__name__)
@app.post("/login")
def login():
    user = User.query.filter_by(username=request.form["username"]).first()
    if user is None:
        log.warning("login: user not found")
        return "Invalid username or password", 401
    if not check_password_hash(user.password_hash, request.form["password"]):
        return "Invalid username or password", 401
    return "ok"
''',
])
def test_answers_that_do_not_tell_accounts_apart_stay_quiet(tmp_path: Path, source: str) -> None:
    assert _hits(tmp_path, {"app.py": source}) == []


def test_test_code_is_not_read(tmp_path: Path) -> None:
    assert _hits(tmp_path, {"tests/test_auth.py": _FASTAPI_LOGIN.format(missing="User not found",
                                                                          wrong="Bad password")}) == []


@pytest.mark.parametrize("source", [
    # one test for both cases: whatever the words say, an unknown account and a wrong password get one answer
    '''
from flask import Flask, request
app = Flask(__name__)
@app.post("/login")
def login():
    user = User.query.filter_by(email=request.json["email"]).first()
    if not user or not bcrypt.check_password_hash(user.password, request.json["password"]):
        return {"message": "User does not exist"}, 404
    return {"token": issue(user)}
''',
    '''
from flask import Flask, request
app = Flask(__name__)
@app.post("/login")
def login():
    user = User.query.filter_by(email=request.json["email"]).first()
    if user and bcrypt.check_password_hash(user.password, request.json["password"]):
        return {"token": issue(user)}
    else:
        return {"message": "User does not exist."}, 401
''',
    # the account is the session's own: no name is being tested
    '''
from flask import Flask, session
app = Flask(__name__)
@app.post("/account/reset")
def reset_account():
    username = session["user"]
    if username not in accounts:
        return {"message": "Account not found!"}, 404
    accounts[username].clear()
''',
])
def test_one_answer_for_both_cases_or_the_callers_own_account_stays_quiet(tmp_path: Path, source: str) -> None:
    assert _hits(tmp_path, {"app.py": source}) == []


def test_registration_telling_the_owner_by_mail_stays_quiet(tmp_path: Path) -> None:
    source = '''
from flask import Flask, jsonify, request
app = Flask(__name__)

@app.post("/register")
def register():
    data = request.get_json()
    if not create_user(data["username"], data["email"], data["password"]):
        send_mail(data["email"], "That user name is not available", note="The user name is already taken.")
    return jsonify(status="pending"), 201
'''
    assert _hits(tmp_path, {"app.py": source}) == []
