"""A redirect to a URL reversed from a route's name (Django ``reverse``, Flask ``url_for``) goes to a path of the
application itself, whatever request data fills the route's parameters: no open redirect (AS807). A redirect to
the request's own ``next`` parameter is one (must fire)."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

DJANGO = '''
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET

@require_GET
def vote(request, question_id):
    question = Question.objects.get(pk=question_id)
    return HttpResponseRedirect({target})
'''
FLASK = '''
from flask import Flask, redirect, request, url_for
app = Flask(__name__)

@app.get("/go")
def go():
    return redirect({target})
'''


@pytest.mark.parametrize(("source", "target", "reported"), [
    (DJANGO, "reverse('polls:results', args=(question.id,))", False),
    (DJANGO, "request.GET['next']", True),
    (FLASK, "url_for('profile', name=request.args['name'])", False),
    (FLASK, "request.args['next']", True),
])
def test_a_redirect_to_a_reversed_route(tmp_path: Path, source: str, target: str, reported: bool) -> None:
    result = audit(tmp_path, {"views.py": source.format(target=target)})
    assert any(f.rule_id == "AS807" for f in result.findings) is reported


CALLBACK = '''
from django.shortcuts import redirect
from django.urls import reverse

def callback(request):
    token = request.GET.get("token")
    {body}
    return redirect(url)
'''


@pytest.mark.parametrize(("body", "reported"), [
    # a reversed route with the request's values only in the query string, built up in steps
    ('url = reverse("payment-failure") + f"?error={request.POST.get(\'error\')}"\n'
     '    if token:\n        url += f"&token={token}"', False),
    # an f-string that starts with the reversed route
    ('url = f"{reverse(\'payment-success\')}?payment_id={request.POST.get(\'id\')}"', False),
    # every assignment of the name is a reversed route
    ('url = reverse("a") + "?x=" + token\n    if token:\n        url = reverse("b") + "?y=" + token', False),
    # one branch sends the browser where the request says
    ('url = reverse("a") + "?x=" + token\n    if token:\n        url = request.GET["next"]', True),
    # the request's value leads the URL: it chooses the site
    ('url = request.GET["next"] + reverse("a")', True),
], ids=["reversed-then-appended", "f-string-on-a-route", "every-branch-fixed", "one-branch-open", "request-first"])
def test_a_redirect_built_on_a_reversed_route(tmp_path: Path, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"views.py": CALLBACK.format(body=body)})
    assert any(f.rule_id == "AS807" and f.severity >= Severity.MEDIUM for f in result.findings) is reported
