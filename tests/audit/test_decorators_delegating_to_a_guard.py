"""A decorator that hands the function it wraps to another decorator guards what that one guards:
``def reporter_required(func): return permission_required(Role.reporter)(func)`` is a role guard when
``permission_required`` is, and ``return login_required(func)`` authenticates. One that delegates to a decorator that
checks nobody (a cache) leaves the route open."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = """\
from functools import lru_cache, wraps
from flask import Flask, abort, jsonify
from flask_login import current_user, login_required
app = Flask(__name__)


def permission_required(permission):
    def decorator(func):
        @wraps(func)
        def decorated_view(*args, **kwargs):
            if not permission(current_user.role):
                abort(403)
            return func(*args, **kwargs)
        return login_required(decorated_view)
    return decorator


{guard}


@app.route('/reports/<int:report_id>/publish', methods=['POST'])
@team_required
def publish_report(report_id):
    publish(report_id)
    return jsonify({{'published': report_id}})
"""

GUARDS = {
    "a role guard applied to the wrapped function": (
        "def team_required(func):\n    return permission_required(is_team_member)(func)", False),
    "authentication applied to the wrapped function": (
        "def team_required(func):\n    return login_required(func)", False),
    "a cache applied to the wrapped function": ("def team_required(func):\n    return lru_cache(func)", True),
}


@pytest.mark.parametrize("case", sorted(GUARDS))
def test_a_route_behind_a_delegating_decorator(tmp_path: Path, case: str) -> None:
    guard, open_route = GUARDS[case]
    result = audit(tmp_path, {"app.py": _APP.format(guard=guard)})
    assert any(f.rule_id == "AS101" for f in result.findings) is open_route
