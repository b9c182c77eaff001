"""What a module's helpers resolve in turn depends on how many project calls away they are read: the cache of
project modules keeps one reading per depth, so an audit's findings do not depend on which module was read first (a
helper module read first deep in another chain used to be reused, unable to resolve its own imports, by a handler
one call away)."""

from __future__ import annotations

import os
from pathlib import Path

from apishield.audit.taint import modules
from tests.audit.helpers import audit

_PROBLEM = """\
import json

from flask import Response


def problem(status, detail):
    return Response(response=json.dumps({"detail": detail}), status=status, mimetype="application/json")
"""

_HISTORY = """\
from flask import request

from shop.views.problem import problem


def revert(change_id):
    return problem(400, "Invalid change_id %s" % change_id)
"""

_VIEWS = """\
from flask import Blueprint, request

from shop.views.history import revert

bp = Blueprint("rules", __name__)


@bp.post("/rules/revert")
def revert_rule():
    return revert(request.args["change_id"])
"""


def _files() -> dict[str, str]:
    return {"shop/__init__.py": "", "shop/views/__init__.py": "", "shop/views/problem.py": _PROBLEM,
            "shop/views/history.py": _HISTORY, "shop/views/rules.py": _VIEWS}


def _xss(tmp_path: Path) -> set[tuple[str, int]]:
    result = audit(tmp_path, _files())
    return {(f.location.path, f.location.line) for f in result.findings if f.rule_id == "AS404" and f.location}


def test_a_helper_read_first_at_another_depth_changes_nothing(tmp_path: Path) -> None:
    modules.MODULE_CACHE.clear()
    fresh = _xss(tmp_path / "fresh")
    # read the helper module first as a module two calls away, as another chain of calls would have
    helper = os.path.join(str(tmp_path / "primed"), "shop", "views", "history.py")
    for rel, text in _files().items():
        path = tmp_path / "primed" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    modules.module_at(helper, 2)
    primed = _xss(tmp_path / "primed")
    assert fresh == primed == set()  # the JSON problem answer is found either way: no reflected HTML
