"""Exception text that only describes the caller's own input (a schema's validation errors, a parse error of the
body, the failure of a program the caller named) is feedback, not server internals: AS307 stays quiet on it and still
fires when the ``try`` also reaches the database, the network or the project's own code."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_HEAD = ("import json\nimport sqlite3\nfrom xml.etree.ElementTree import XMLParser, fromstring\n"
         "from flask import Flask, jsonify, request\nfrom pydantic import BaseModel, ValidationError\n"
         "app = Flask(__name__)\nclass Login(BaseModel):\n    name: str\n")


def _as307(root: Path, body: str, caught: str = "Exception") -> int:
    source = (_HEAD + "@app.route('/x', methods=['POST'])\ndef x():\n    try:\n"
              + "".join(f"        {line}\n" for line in body.splitlines())
              + f"    except {caught} as e:\n        return jsonify({{'error': str(e)}}), 400\n    return 'ok'\n")
    result = audit(root, {"app.py": source})
    return sum(1 for f in result.findings if f.rule_id == "AS307" and f.severity >= Severity.MEDIUM)


@pytest.mark.parametrize(("body", "caught"), [
    ("data = Login(**request.json)", "ValidationError"),
    ("data = Login(**request.json)", "Exception"),
    ("doc = fromstring(request.data)\nname = doc.find('name').text\nreturn jsonify({'name': name})", "Exception"),
    ("p = XMLParser(resolve_entities=False)\ndoc = fromstring(request.data, parser=p)", "Exception"),
    ("body = json.loads(request.data)", "json.JSONDecodeError"),
    ("n = int(request.args['n'])", "ValueError"),
    # decoding or compiling what the caller sent: the error names the caller's own bytes or pattern
    ("import base64, pickle\nobj = pickle.loads(base64.b64decode(request.args['d']))\nreturn jsonify(str(obj))",
     "Exception"),
    ("import re\nrx = re.compile(request.args['pattern'])", "Exception"),
    # a token the caller sent, decoded: the library's error is about that token (signature, segments, expiry)
    ("import jwt\nclaims = jwt.decode(request.headers['Authorization'][7:], KEY, algorithms=['HS256'])",
     "Exception"),
    # a program the caller named: a non-zero exit, a timeout or a missing program quotes that command
    ("import subprocess, sys\nflag = '-n' if sys.platform.startswith('win') else '-c'\n"
     "command = f\"ping {flag} 1 {request.json['host']}\"\n"
     "out = subprocess.check_output(command, shell=True, timeout=5)\nreturn jsonify(out.decode())", "Exception"),
    # a function named for parsing or validating what the caller sent: its error describes that text
    ("rules = parse_rules(request.json['source'])", "Exception"),
])
def test_errors_about_the_callers_own_input_are_not_internals(tmp_path: Path, body: str, caught: str) -> None:
    assert _as307(tmp_path, body, caught) == 0


@pytest.mark.parametrize("body", [
    "data = Login(**request.json)\nsqlite3.connect('d').execute('SELECT 1')",
    "doc = fromstring(request.data)\nrow = lookup(doc.find('name').text)",
    "data = Login(**request.json)\nopen('/etc/app.cfg').read()",
    "rules = load_rules(request.json['source'])",  # a helper not named for parsing may read the server's files
    "rules = parse_rules(request.json['source'], RULES_DIR)",  # the server's own folder handed to it too
    "import jwt\nclaims = jwt.decode(request.args['t'], KEY, algorithms=['HS256'])\nrow = load_user(claims['sub'])",
    "import base64\nkey = base64.b64decode(request.args['d'])\nrow = sqlite3.connect('d').execute('SELECT 1')",
    # a program of the server's own choosing: its failure is the server's
    "import subprocess\nout = subprocess.check_output(['backup', '--all'])\nreturn jsonify(out.decode())",
    # a parser that loads external entities can quote a server file in its error (error-based XXE)
    "from lxml import etree\np = etree.XMLParser(load_dtd=True, resolve_entities=True)\n"
    "doc = etree.fromstring(request.data, parser=p)",
])
def test_a_try_that_also_reaches_server_code_still_reports_its_text(tmp_path: Path, body: str) -> None:
    assert _as307(tmp_path, body) == 1


def _answered(root: Path, caught: str, answer: str) -> int:
    source = (_HEAD + "from werkzeug.exceptions import Unauthorized\nfrom http import HTTPStatus\n"
              "@app.route('/users')\ndef users():\n    try:\n"
              "        rows = sqlite3.connect('d').execute('SELECT * FROM u ORDER BY ' + request.args['sort'])\n"
              "        return jsonify(list(rows))\n"
              f"    except {caught} as e:\n        {answer}\n")
    result = audit(root, {"app.py": source})
    return sum(1 for f in result.findings if f.rule_id == "AS307" and f.severity >= Severity.MEDIUM)


@pytest.mark.parametrize(("caught", "answer"), [
    ("ValueError", "return jsonify({'error': str(e)}), 400"),
    ("(KeyError, AttributeError)", "return {'message': f'Field error: {e}'}, HTTPStatus.BAD_REQUEST.value"),
    ("TypeError", "return jsonify(error=str(e)), HTTPStatus.UNPROCESSABLE_ENTITY"),
    ("Unauthorized", "return jsonify({'error': str(e)}), 500"),
])
def test_narrow_errors_the_app_answers_as_the_callers_mistake_are_feedback(
        tmp_path: Path, caught: str, answer: str) -> None:
    assert _answered(tmp_path, caught, answer) == 0


@pytest.mark.parametrize(("caught", "answer"), [
    ("ValueError", "return jsonify({'error': str(e)}), 500"),
    ("ValueError", "return jsonify({'error': str(e)})"),
    ("Exception", "return jsonify({'error': str(e)}), 400"),
    ("(ValueError, sqlite3.Error)", "return jsonify({'error': str(e)}), 400"),
])
def test_broad_or_server_answered_errors_still_report_their_text(tmp_path: Path, caught: str, answer: str) -> None:
    assert _answered(tmp_path, caught, answer) == 1


@pytest.mark.parametrize(("url", "reported"), [
    ('f"https://v3.example.org/divisions.geo?lat={lat}"', False),  # must stay quiet: a public host's failure
    ('f"http://geo-service:8080/divisions?lat={lat}"', True),  # must fire: an internal service's name and port
    ("settings.GEO_URL", True),  # an address the text would disclose
])
def test_errors_of_a_request_to_a_fixed_public_host(tmp_path: Path, url: str, reported: bool) -> None:
    source = ("import requests\nfrom flask import Flask, jsonify, request\nfrom config import settings\n"
              "app = Flask(__name__)\n\n\n@app.route('/geo')\ndef geo():\n    lat = float(request.args['lat'])\n"
              f"    url = {url}\n    try:\n        data = requests.get(url, timeout=5).json()\n"
              "    except Exception as e:\n        return jsonify({'error': f'lookup failed: {e}'}), 502\n"
              "    return jsonify(data)\n")
    result = audit(tmp_path, {"app.py": source})
    found = [f for f in result.findings if f.rule_id == "AS307" and f.severity >= Severity.MEDIUM]
    assert bool(found) is reported
