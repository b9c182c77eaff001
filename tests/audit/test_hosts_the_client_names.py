"""The host a client names (the ``Host`` header, read as ``request.host``, ``request.host_url``, ``request.url_root``
or ``request.base_url``) is request data where the server connects to it — a service calling itself at that
address calls whatever host the client chose, with whatever it sends along — and nowhere else: a link or a
redirect to it leads back to the address the client used."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit


@pytest.mark.parametrize(("line", "rule", "reported"), [
    # must fire: the server posts a password to an address the client chose
    ("requests.post(request.host_url + 'cgi/auth', data={'pw': request.form['pw']})", "AS805", True),
    ("requests.get(f'{request.url_root}internal/check')", "AS805", True),
    # must stay quiet: a fixed address, a redirect back to this site, a page naming its own address
    ("requests.post(os.environ['AUTH_URL'], data={'pw': 'x'})", "AS805", False),
    ("return redirect(request.host_url + 'done')", "AS807", False),
    ("return render_template_string('<a href={{u}}>x</a>', u=request.url_root)", "AS404", False),
])
def test_the_host_the_client_names_is_a_place_to_connect_to(tmp_path: Path, line: str, rule: str,
                                                             reported: bool) -> None:
    app = ("import os\nimport requests\nfrom flask import Flask, redirect, render_template_string, request\n"
           "app = Flask(__name__)\n@app.route('/go', methods=['POST'])\ndef go():\n"
           f"    {line}\n    return 'ok'\n")
    result = audit(tmp_path, {"app.py": app})
    hits = [f for f in result.findings if f.rule_id == rule and f.severity >= Severity.MEDIUM]
    assert bool(hits) is reported
