"""A module four packages deep imports its project's helpers by their absolute names (``src/shop/web/admin/views/
users.py`` importing ``shop.web.admin.views.problem``): the helper is found however deep the importer sits, so
what it returns is known — a JSON problem answer is no HTML page; a helper that builds markup from its argument
still is."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_PROBLEM = """\
import json

from flask import Response


def problem(status, detail):
    mimetype = content_type = "{mimetype}"
    return Response(response={body}, status=status, mimetype=mimetype, content_type=content_type)
"""

_VIEWS = """\
from flask import Blueprint, request

from shop.web.admin.views.problem import problem

bp = Blueprint("users", __name__)


@bp.get("/users")
def users():
    return problem(404, "No user %s" % request.args["name"])
"""


@pytest.mark.parametrize(("mimetype", "body", "fires"), [
    ("application/json", 'json.dumps({"detail": detail})', False),  # quiet: a JSON answer
    ("text/html", '"<p>" + detail + "</p>"', True),  # must fire: markup built from the request
])
def test_a_helper_four_packages_up_is_found(tmp_path: Path, mimetype: str, body: str, fires: bool) -> None:
    base = "src/shop/web/admin/views/"
    files = {f"src/shop/{p}__init__.py": "" for p in ("", "web/", "web/admin/", "web/admin/views/")}
    files |= {base + "problem.py": _PROBLEM.format(mimetype=mimetype, body=body), base + "users.py": _VIEWS}
    result = audit(tmp_path, files)
    assert any(f.rule_id == "AS404" for f in result.findings) is fires
