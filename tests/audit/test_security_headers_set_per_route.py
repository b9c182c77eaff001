"""Security headers set by a decorator on the routes that build pages (flask_csp's ``@csp_header``, django-csp's
``@csp_update``, Django's ``@xframe_options_deny``) are headers the app sets: no AS304 for it. An app whose
decorators set nothing of the kind still gets the finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = """\
from flask import Flask, render_template, session
{imports}

app = Flask(__name__)
app.secret_key = load_key()


@app.route("/")
{decorator}
def index():
    session["seen"] = True
    return render_template("index.html", name=session.get("name"))
"""


@pytest.mark.parametrize(("imports", "decorator", "fires"), [
    ("from flask_csp.csp import csp_header", "@csp_header({'script-src': \"'self'\"})", False),
    ("from flask_talisman import talisman", "@talisman(frame_options='DENY')", False),
    ("from functools import lru_cache", "@lru_cache()", True),  # must fire: nothing sets a header
])
def test_headers_a_route_decorator_sets_count(tmp_path: Path, imports: str, decorator: str, fires: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(imports=imports, decorator=decorator),
                              "templates/index.html": "<html><body><form method=post><input name=q></form>"
                                                      "<p>{{ name }}</p></body></html>\n"})
    assert any(f.rule_id == "AS304" for f in result.findings) is fires
