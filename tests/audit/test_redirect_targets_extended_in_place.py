"""A redirect target extended in place (``target = target + "?" + urlencode(...)``) keeps the beginning it had:
when every other value of the name is a path of the site (``reverse(...)``), the request's text only fills the query.
When the name began as the request's own text, extending it changes nothing: still an open redirect. The same holds
for a target whose leftmost piece is a formatted local path (``"/edit/{}?error=".format(pid) + quote(msg)``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_VIEWS = """\
from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.urls import path, reverse


def detail(request):
    version = request.GET.get("version_uri")
    target = {start}
    if version:
        target = target + "?" + urlencode({{"version_uri": version}})
    return HttpResponseRedirect(target)


urlpatterns = [path("detail", detail)]
"""


@pytest.mark.parametrize(("start", "fires"), [
    ('reverse("full-text", kwargs={"uri": request.GET.get("uri")})', False),  # must stay quiet: a page of the site
    ('request.GET.get("next", "/")', True),  # must fire: the client's target, with a query added
])
def test_a_target_extended_in_place_keeps_its_beginning(tmp_path: Path, start: str, fires: bool) -> None:
    result = audit(tmp_path, {"docs/__init__.py": "", "docs/views.py": _VIEWS.format(start=start)})
    assert any(f.rule_id == "AS807" for f in result.findings) is fires


_FLASK = """\
import urllib.parse

from flask import Flask, redirect, request

app = Flask(__name__)


@app.route("/edit/<pid>", methods=["POST"])
def edit(pid):
    target = request.form.get("next", "")
    return redirect({target} + urllib.parse.quote_plus("Need all fields."))
"""


@pytest.mark.parametrize(("target", "fires"), [
    ('"/edit/{}?error=".format(pid)', False),  # must stay quiet: a page of this site
    ('"{}?error=".format(target)', True),  # must fire: the client's target comes first
])
def test_the_leftmost_piece_decides_where_a_joined_target_leads(tmp_path: Path, target: str, fires: bool) -> None:
    result = audit(tmp_path, {"app.py": _FLASK.format(target=target)})
    assert any(f.rule_id == "AS807" for f in result.findings) is fires
