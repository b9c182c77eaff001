"""A CSRF exemption matters on a view that knows its caller by the cookie session or changes it. A public sign-up
that creates an account and sends the browser to the login page reads no session: a local variable it names
``user`` (the account it just made) is its own value, so the exemption stays, low. A sign-in that puts an identity
into the session (``login(request, user)``) is a login CSRF: medium; a forged sign-out only ends the victim's
session, a nuisance: low."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_VIEWS = """\
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.models import User
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def view(request):
    if request.method == "POST":
{body}
    return render(request, "form.html")
"""


@pytest.mark.parametrize(("body", "medium"), [
    ("        user = User.objects.create_user(username=request.POST['username'],\n"
     "                                        password=request.POST['password'])\n"
     "        return redirect('login')", False),  # quiet at medium: a public sign-up, no session touched
    ("        user = authenticate(request, username=request.POST['username'], password=request.POST['password'])\n"
     "        if user is not None:\n            login(request, user)\n            return redirect('home')", True),
    ("        logout(request)\n        return redirect('home')", False),  # a forged sign-out: a nuisance, low
    ("        profile = request.user.profile\n        profile.bio = request.POST['bio']\n        profile.save()\n"
     "        return redirect('home')", True),  # must fire: the signed-in caller's profile changes
])
def test_an_exempt_sign_up_touches_no_session_but_a_sign_in_does(tmp_path: Path, body: str, medium: bool) -> None:
    result = audit(tmp_path, {"accounts/__init__.py": "", "accounts/views.py": _VIEWS.format(body=body)})
    exempt = [f for f in result.findings if f.rule_id == "AS501"]
    assert exempt, "the exemption is reported either way"
    assert any(f.severity >= Severity.MEDIUM for f in exempt) is medium
