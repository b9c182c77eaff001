"""A handler that answers only once a configuration flag is set, and refuses otherwise, is off unless the deployment
turns it on: its debug endpoint and its missing login are listed low. A flag that is on by default, a handler that
does its work whatever the flag says, or one that only logs when the flag is off, keep them."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
from flask import Flask, Response, abort
app = Flask(__name__)

@app.route("/debug/spec.yml")
def spec():
{body}
"""


@pytest.mark.parametrize(("body", "medium"), [
    # must stay quiet (low): off unless configured; the other way out is a 404 or an abort
    ('    if app.config.get("SPEC_DEBUG", False):\n        return Response(dump_spec())\n'
     '    return Response(status=404)', False),
    ('    if app.config.get("SPEC_DEBUG"):\n        return Response(dump_spec())\n    abort(404)', False),
    # must fire: on by default, or the work happens whatever the flag says
    ('    if app.config.get("SPEC_DEBUG", True):\n        return Response(dump_spec())\n'
     '    return Response(status=404)', True),
    ('    if app.config.get("SPEC_DEBUG"):\n        log_it()\n    return Response(dump_spec())', True),
    ('    return Response(dump_spec())', True),
])
def test_a_debug_route_behind_a_configuration_switch(tmp_path: Path, body: str, medium: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(body=body)})
    for rule_id in ("AS104", "AS101"):
        found = [f for f in result.findings if f.rule_id == rule_id]
        assert found, f"{rule_id} is listed either way"
        assert any(f.severity >= Severity.MEDIUM for f in found) is medium, rule_id
