"""A sign-up that keeps the client's password and then signs the new account in (``authenticate(...)`` after
``create_user(...)``) is still a place where a password is chosen: the verification after it does not make it a
sign-in. A helper named as a check (``check_registration(pw1, pw2)``) checks the password only when its body looks at
it (its length, characters, a pattern); one that only compares the two entries does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_HELPERS = """\
from .models import User


def check_registration(username, password1, password2):
{check}    if password1 != password2:
        return False
    return User.objects.filter(username=username).first() is None


def authenticate(request, username, password):
    user = User.objects.filter(username=username).first()
    if user and user.check_password(password):
        request.session["username"] = username
        return True
    return False
"""

_VIEWS = """\
from django.shortcuts import redirect, render
from django.urls import path
from .helpers import authenticate, check_registration
from .models import User


def register(request):
    if request.method == "POST":
        username = request.POST.get("username")
        password1 = request.POST.get("password1")
        password2 = request.POST.get("password2")
        if check_registration(username, password1, password2):
            User.objects.create_user(username, password1)
            authenticate(request, username, password1)
            return redirect("index")
    return render(request, "register.html")


def login(request):
    if authenticate(request, request.POST.get("username"), request.POST.get("password")):
        return redirect("index")
    return render(request, "login.html")


urlpatterns = [path("register", register), path("login", login)]
"""


@pytest.mark.parametrize(("check", "fires"), [
    ("", True),  # must fire: the helper only compares the two entries
    ("    if len(password1) < 12:\n        return False\n", False),  # must stay quiet: it asks for 12 characters
    ("    if not any(c.isdigit() for c in password1):\n        return False\n", False),  # quiet: a character test
])
def test_a_sign_up_that_signs_the_account_in_still_chooses_a_password(tmp_path: Path, check: str, fires: bool) -> None:
    result = audit(tmp_path, {"accounts/__init__.py": "", "accounts/models.py": "from django.db import models\n",
                              "accounts/helpers.py": _HELPERS.format(check=check), "accounts/views.py": _VIEWS})
    chosen = [f for f in result.findings if f.rule_id == "AS610"]
    assert bool(chosen) is fires
    if fires:  # at the sign-up, never at the sign-in that verifies the typed password
        assert {f.location.line for f in chosen if f.location} == {13}
