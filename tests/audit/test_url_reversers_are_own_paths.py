"""A redirect to a URL reversed from a route's name (Django ``reverse``, Flask ``url_for``) goes to a path of the
application itself, whatever request data fills the route's parameters: no open redirect (AS807). A redirect to
the request's own ``next`` parameter is one (must fire)."""

from __future__ import annotations

from pathlib import Path

import pytest

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
