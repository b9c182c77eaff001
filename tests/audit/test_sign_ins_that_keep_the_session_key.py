"""A Django sign-in that writes the user into ``request.session`` by hand keeps the session key the browser
arrived with (AS508, session fixation). Quiet when the view signs in with ``login()``, renews the key
(``cycle_key()``, ``flush()``), writes something other than who is signed in, verifies no credential, or runs on
Flask, whose session is a signed cookie and names no server-side session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit, lines_of

_DJANGO = """\
from django.contrib.auth import authenticate, login
from django.http import HttpResponse


def sign_in(request):
    user = authenticate(request, username=request.POST["u"], password=request.POST["p"])
    if user is None:
        return HttpResponse("no", status=401)
{body}
    return HttpResponse("ok")
"""


@pytest.mark.parametrize("body", [
    '    request.session["_auth_user_id"] = str(user.pk)',
    '    request.session["user_id"] = user.pk',
    '    request.session["user_id"] = user.pk\n    request.session.modified = True',
])
def test_a_user_written_into_the_session_by_hand_is_reported(tmp_path: Path, body: str) -> None:
    assert lines_of(audit(tmp_path, {"views.py": _DJANGO.format(body=body)}), "AS508") == [9]


@pytest.mark.parametrize("body", [
    "    login(request, user)",
    '    request.session.cycle_key()\n    request.session["user_id"] = user.pk',
    '    request.session.flush()\n    request.session["user_id"] = user.pk',
    '    request.session["theme"] = request.POST.get("theme", "light")',
])
def test_renewed_or_unrelated_session_writes_are_quiet(tmp_path: Path, body: str) -> None:
    assert lines_of(audit(tmp_path, {"views.py": _DJANGO.format(body=body)}), "AS508") == []


def test_a_write_without_a_credential_check_is_quiet(tmp_path: Path) -> None:
    source = _DJANGO.replace('authenticate(request, username=request.POST["u"], password=request.POST["p"])',
                             "request.user").format(body='    request.session["user_id"] = user.pk')
    assert lines_of(audit(tmp_path, {"views.py": source}), "AS508") == []


def test_flask_signed_cookie_sessions_are_quiet(tmp_path: Path) -> None:
    source = ("from flask import Flask, request, session\nfrom werkzeug.security import check_password_hash\n"
              "app = Flask(__name__)\n\n\n@app.post('/login')\ndef sign_in():\n"
              "    if check_password_hash(load(request.form['u']), request.form['p']):\n"
              "        session['user_id'] = request.form['u']\n    return 'ok'\n")
    assert lines_of(audit(tmp_path, {"app.py": source}), "AS508") == []


@pytest.mark.parametrize(("key", "reported"), [
    ("request.GET.get('session')", True),  # must fire: the client names the session
    ("request.session.session_key", False),  # must stay quiet: the cookie's own session
])
def test_a_session_opened_by_a_key_the_request_carries(tmp_path: Path, key: str, reported: bool) -> None:
    source = ("from django.contrib.auth import login\nfrom django.contrib.sessions.backends.db import SessionStore\n"
              "from django.shortcuts import redirect\n\n\ndef resume(request):\n"
              f"    session_key = {key}\n    store = SessionStore(session_key=session_key)\n"
              "    user = load_user(store.load().get('_auth_user_id'))\n    login(request, user)\n"
              "    return redirect('/')\n")
    result = audit(tmp_path, {"bank/views.py": source})
    assert any(f.rule_id == "AS508" for f in result.findings) is reported
