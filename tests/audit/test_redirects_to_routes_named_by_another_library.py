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
