"""A MongoDB query whose ``$regex`` is the client's text runs that text as a regular expression on the server
(AS204): catastrophic patterns, and match-or-not answers that leak what the stored values hold. Escaped text
(``re.escape``) or a literal pattern stays quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit


@pytest.mark.parametrize(("pattern", "reported"), [
    ("search", True),  # must fire: the client's text, through a helper
    ("re.escape(search)", False),  # must stay quiet: matched literally
    ("'^report-'", False),
])
def test_a_mongodb_regex_from_the_request(tmp_path: Path, pattern: str, reported: bool) -> None:
    source = ("import re\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n"
              f"def find_files(search):\n    return files.find({{'name': {{'$regex': {pattern}}}}})\n\n\n"
              "@app.route('/files')\ndef listing():\n    return {'files': list(find_files(request.args['q']))}\n")
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS204" and f.severity > Severity.LOW for f in result.findings) is reported
