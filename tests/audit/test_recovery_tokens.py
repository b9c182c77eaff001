"""AS202 on password recovery: a step is reported only when there is something to guess. A request step that
creates a token (and mails it) reads none; a confirmation step whose token a project helper verifies as a signed
token (itsdangerous ``loads``, ``jwt.decode``) has nothing guessable."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import audit

_MODELS = """\
from itsdangerous import URLSafeTimedSerializer


class User:
    def reset_password(self, token, new_password):
        {check}
        self.password = new_password
        return True
"""

_VIEWS = """\
from flask import Flask, request
from models import User

app = Flask(__name__)


@app.route("/reset-password/<token>", methods=["POST"])
def reset_password(token):
    user = User.find(request.form["email"])
    if user.reset_password(token, request.form["password"]):
        return "updated"
    return "invalid", 400
"""


@pytest.mark.parametrize(("check", "reported"), [
    # must fire: the helper compares the token as stored text: it can be guessed
    ("if token != self.reset_token:\n            return False", True),
    # must stay quiet: the helper verifies a signed, expiring token
    ("URLSafeTimedSerializer('k').loads(token, max_age=3600)", False),
])
def test_a_reset_token_verified_as_signed_in_a_helper_has_nothing_to_guess(tmp_path: Path, check: str,
                                                                          reported: bool) -> None:
    result = audit(tmp_path, {"models.py": _MODELS.format(check=check), "views.py": _VIEWS})
    assert any(f.rule_id == "AS202" for f in result.findings) is reported


_REQUEST_STEP = """\
from fastapi import APIRouter

router = APIRouter()


@router.post("/password-reset-request")
async def password_reset_request(email: str):
    token = make_signed_token({{"email": email}})
    link = f"https://example.org/reset/{{token}}"
    send_mail(email, link)
    return {{"message": "{message}"}}
"""


@pytest.mark.parametrize(("message", "reported"), [
    ("No account with that e-mail address", True),    # must fire: the answer tells whether the account exists
    ("Check your e-mail for instructions", False),     # must stay quiet: it creates a token, reads none
])
def test_a_recovery_request_that_creates_the_token_reads_none(tmp_path: Path, message: str, reported: bool) -> None:
    result = audit(tmp_path, {"api.py": _REQUEST_STEP.format(message=message)})
    assert any(f.rule_id == "AS202" for f in result.findings) is reported


_VERIFY_STEP = """\
from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter()


class Body(BaseModel):
    {field}: str


@router.post("/auth/verify")
async def verify(body: Body):
    return check(body.{field})
"""


@pytest.mark.parametrize(("field", "reported"), [
    ("otp", True),      # must fire: a one-time code can be guessed
    ("token", False),   # must stay quiet: a signed token it is given cannot be brute-forced
])
def test_a_verification_step_is_reported_only_when_it_takes_a_guessable_secret(tmp_path: Path, field: str,
                                                                               reported: bool) -> None:
    result = audit(tmp_path, {"api.py": _VERIFY_STEP.format(field=field)})
    assert any(f.rule_id == "AS202" for f in result.findings) is reported
