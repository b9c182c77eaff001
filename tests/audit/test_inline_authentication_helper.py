"""A handler that calls an authentication helper with the request (``user = get_current_user(request, db)``) and
refuses when it answers nothing (a redirect to the login page, ``raise HTTPException(401)``) before doing anything
else is authenticated: no AS101. A result never tested, or tested only after the handler has acted, is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = '''
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse

app = FastAPI()


def get_current_user(request: Request, db):
    user_id = request.session.get("user_id")
    return db.get(User, user_id) if user_id else None


@app.delete("/posts/{{post_id}}")
async def delete_post(request: Request, post_id: int):
    db = open_db()
{body}
    return {{"deleted": post_id}}
'''

_REFUSES_REDIRECT = '''
    user = get_current_user(request, db)
    if user is None:
        return RedirectResponse(url="/login", status_code=303)
    db.delete(db.get(Post, post_id))
'''
_REFUSES_401 = '''
    user = get_current_user(request, db)
    if not user:
        raise HTTPException(status_code=401, detail="Login required")
    db.delete(db.get(Post, post_id))
'''
_UNCHECKED = '''
    user = get_current_user(request, db)
    db.delete(db.get(Post, post_id))
'''
_CHECKED_AFTER_ACTING = '''
    user = get_current_user(request, db)
    db.delete(db.get(Post, post_id))
    if user is None:
        return RedirectResponse(url="/login", status_code=303)
'''
_AWAITED_FROM_COOKIE = '''
    user = await get_current_user_from_cookie(request)
    if user is None:
        return RedirectResponse(url="/login", status_code=303)
    db.delete(db.get(Post, post_id))
'''
_AWAITED_UNCHECKED = '''
    user = await get_current_user_from_cookie(request)
    db.delete(db.get(Post, post_id))
'''
_PREFIXED_HELPER = '''
    user = await web_get_current_user(request)
    if user is None:
        return RedirectResponse(url="/login", status_code=303)
    db.delete(db.get(Post, post_id))
'''
_ACTION_NAMED_FOR_THE_USER = '''
    user = delete_current_user(request)
    if user is None:
        return RedirectResponse(url="/login", status_code=303)
    db.delete(db.get(Post, post_id))
'''
_OTHER_HELPER = '''
    post = get_post(request, db)
    if post is None:
        return RedirectResponse(url="/login", status_code=303)
    db.delete(post)
'''


def _indent(body: str) -> str:
    return "\n".join(line for line in body.splitlines() if line.strip())


@pytest.mark.parametrize(("body", "reported"), [
    (_REFUSES_REDIRECT, False),
    (_REFUSES_401, False),
    (_UNCHECKED, True),
    (_CHECKED_AFTER_ACTING, True),
    (_OTHER_HELPER, True),
    (_AWAITED_FROM_COOKIE, False),
    (_AWAITED_UNCHECKED, True),
    (_PREFIXED_HELPER, False),
    (_ACTION_NAMED_FOR_THE_USER, True),
], ids=["refuses-with-redirect", "refuses-with-401", "result-unchecked", "checked-after-acting",
        "not-an-authentication-helper", "awaited-helper-from-cookie-refuses", "awaited-helper-unchecked",
        "helper-named-with-a-prefix-refuses", "action-on-the-current-user-is-no-check"])
def test_inline_authentication_helper_guards_the_route(tmp_path: Path, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(body=_indent(body))})
    as101 = [f for f in result.findings if f.rule_id == "AS101"]
    assert bool(as101) is reported


@pytest.mark.parametrize(("body", "reported"), [
    # must stay quiet: the server-side session only a sign-in fills, looked up and refused when missing
    ("    session = get_session(request)\n    if not session:\n        return RedirectResponse(url='/login')\n"
     "    db.delete(db.get(Post, post_id))", False),
    # must fire: looked up, never tested
    ("    session = get_session(request)\n    db.delete(db.get(Post, post_id))", True),
])
def test_a_session_looked_up_from_the_request_and_refused_when_missing(tmp_path: Path, body: str,
                                                                       reported: bool) -> None:
    source = _APP.replace("def get_current_user(request: Request, db):",
                          "SESSIONS = dict()\n\n\ndef get_session(request: Request):\n"
                          "    return SESSIONS.get(request.cookies.get('session_id'))\n\n\n"
                          "def get_current_user(request: Request, db):")
    result = audit(tmp_path, {"app.py": source.format(body=body)})
    assert any(f.rule_id == "AS101" and "/posts" in f.message for f in result.findings) is reported
