"""A redirect to a path an add-on's route builder makes from a fixed first name (``cherrypy_foundation``'s
``url_for('home', username)``, a ``reverse``/``route_url`` of another library) stays on this application whatever
the later parts say: no open redirect. The same builder given a first part the client chose, and a redirect to the
client's value itself, are still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

APP = '''
import cherrypy
from cherrypy_foundation.url import url_for


class Root:
    @cherrypy.expose
    def refresh(self, username=None):
        raise cherrypy.HTTPRedirect({target})


cherrypy.quickstart(Root())
'''


@pytest.mark.parametrize(("target", "reported"), [
    ("url_for('home', username)", False),
    ("url_for(username, 'home')", True),
    ("username", True),
], ids=["fixed-first-name", "client-first-name", "client-value"])
def test_redirects_through_a_route_builder(tmp_path: Path, target: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": APP.format(target=target)})
    assert any(f.rule_id == "AS807" for f in result.findings) is reported, [f.rule_id for f in result.findings]


DJANGO = '''
import urllib.parse

from django.shortcuts import redirect
from django.urls import reverse


def login(request):
    return redirect({target})
'''


@pytest.mark.parametrize(("target", "reported"), [
    ('"{}?{}".format(reverse("social:begin"), urllib.parse.urlencode({"next": request.GET.get("next", "/")}))',
     False),
    ('"/accounts/{}".format(request.GET.get("next", ""))', False),
    ('"{}".format(request.GET.get("next", "/"))', True),
    ('"/{}".format(request.GET.get("next", ""))', True),
], ids=["route-first", "fixed-local-path-first", "client-value-first", "slash-then-client-value"])
def test_redirects_to_a_formatted_address(tmp_path: Path, target: str, reported: bool) -> None:
    """A ``str.format`` template is as fixed as what starts it: a route builder's path or a local path before the
    first placeholder keeps the browser on the site, whatever the query string says; a client's value first, or
    right after the first slash (``//host``), does not."""
    result = audit(tmp_path, {"app/__init__.py": "", "app/views.py": DJANGO.format(target=target),
                              "app/urls.py": "from django.urls import path\nfrom . import views\n\n"
                                             "urlpatterns = [path('login/', views.login)]\n"})
    assert any(f.rule_id == "AS807" for f in result.findings) is reported, [f.rule_id for f in result.findings]
