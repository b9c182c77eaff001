"""A redirect to a URL the request names is reported (AS807) unless a safe-URL test (Django's
``url_has_allowed_host_and_scheme``, an ``is_safe_url`` port of it, ``validate_redirect``) has passed on that URL on
the way: inside its ``if``, or after an early exit when it fails. The test may be reached through its module
(``validators.is_safe_url(x)``) and may test a read (``is_safe_url(request.args.get("next"))``) that the redirect
repeats; a test of another value, or one whose branch has ended, proves nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = '''
from flask import Flask, abort, redirect, request
from .util import validators, is_safe_url
app = Flask(__name__)

@app.get("/done")
def done():
{body}
'''


@pytest.mark.parametrize(("body", "reported"), [
    # must fire: nothing checks where the URL leads, or the test checks another value
    ("    nxt = request.args.get('next')\n    return redirect(nxt)\n", True),
    ("    nxt = request.args.get('next')\n    if is_safe_url(request.referrer):\n        return redirect(nxt)\n"
     "    return 'ok'\n", True),
    # must stay quiet: the URL passed a safe-URL test
    ("    nxt = request.args.get('next')\n    if is_safe_url(nxt):\n        return redirect(nxt)\n    return 'ok'\n",
     False),
    ("    nxt = request.args.get('next')\n    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={'a.test'}):\n"
     "        abort(400)\n    return redirect(nxt)\n", False),
    ("    nxt = request.args.get('next')\n    if validators.is_safe_url(nxt):\n        return redirect(nxt)\n"
     "    return 'ok'\n", False),
    ("    if request.args.get('next') and validators.is_safe_url(request.args.get('next')):\n"
     "        return redirect(request.args.get('next'))\n    return 'ok'\n", False),
    ("    if not is_safe_url(request.form['url']):\n        abort(400)\n    return redirect(request.form['url'])\n",
     False),
    # must fire: the read tested is not the read redirected to, or the test's branch is over
    ("    if validators.is_safe_url(request.args.get('next')):\n        return redirect(request.args.get('back'))\n"
     "    return 'ok'\n", True),
    ("    if is_safe_url(request.args.get('next')):\n        pass\n    return redirect(request.args.get('next'))\n",
     True),
])
def test_redirects_to_a_url_a_safe_url_test_passed(tmp_path: Path, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(body=body)})
    assert any(f.rule_id == "AS807" for f in result.findings) is reported
