"""A token comparison inside a command-line tool (it parses its command line and serves no route) answers its
operator, not a remote client who could time it: no timing finding (AS606); the same comparison in a web
module still is one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit


@pytest.mark.parametrize(("parser", "reported"), [
    ("from docopt import docopt\n", False),
    ("import argparse\n", False),
    ("", True),
])
def test_a_token_comparison_in_a_command_line_tool_is_not_timed(tmp_path: Path, parser: str, reported: bool) -> None:
    source = ("import cherrypy\n" + parser + "\n\ndef check(session_data, auth_token):\n"
              "    if session_data['user']['token'] != auth_token:\n        return 1\n    return 0\n")
    result = audit(tmp_path, {"tool.py": source})
    assert any(f.rule_id == "AS606" for f in result.findings) is reported
