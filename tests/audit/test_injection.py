"""Per-rule positive/negative snippets for the injection rules (AS801–AS807, AS403, AS404, AS307, AS204)."""

from __future__ import annotations

import textwrap

import pytest

from apishield.audit.rules import injection
from apishield.findings import Confidence, Severity
from tests.audit.taint_cases.support import has, proven, run

HEAD = "from flask import Flask, request, redirect, render_template_string, make_response, jsonify\n" \
       "import os, subprocess, pickle, yaml, sqlite3, requests, re\napp = Flask(__name__)\n"


def view(body: str) -> str:
    return HEAD + "@app.route('/v', methods=['GET', 'POST'])\ndef v():\n" + textwrap.indent(
        textwrap.dedent(body), "    ")


CASES = [
    ("AS801", "cur = sqlite3.connect('d').cursor()\ncur.execute(f\"SELECT * FROM t WHERE n = '{request.args['n']}'\")\n"
              "return ''",
     "cur = sqlite3.connect('d').cursor()\ncur.execute('SELECT * FROM t WHERE n = ?', (request.args['n'],))\n"
     "return ''"),
    ("AS802", "subprocess.run('ping ' + request.args['h'], shell=True)\nreturn ''",
     "subprocess.run(['ping', '-c', '1', request.args['h']])\nreturn ''"),
    ("AS802", "subprocess.run(['sh', '-c', 'echo ' + request.args['h']])\nreturn ''",
     "import shlex\nos.system('echo ' + shlex.quote(request.args['h']))\nreturn ''"),
    ("AS803", "return str(eval(request.form['expr']))",
     "import ast\nreturn str(ast.literal_eval(request.form['expr']))"),
    ("AS804", "return str(pickle.loads(request.data))", "import json\nreturn str(json.loads(request.data))"),
    ("AS804", "return str(yaml.load(request.data, Loader=yaml.Loader))", "return str(yaml.safe_load(request.data))"),
    ("AS805", "return requests.get(request.args['url'], timeout=5).text",
     "return requests.get('https://api.example.com/' + str(int(request.args['id'])), timeout=5).text"),
    ("AS806", "return open('/srv/' + request.args['f']).read()",
     "return open('/srv/' + os.path.basename(request.args['f'])).read()"),
    ("AS807", "return redirect(request.args['next'])", "return redirect('/home')"),
    ("AS403", "return render_template_string('Hi ' + request.args['n'])",
     "return render_template_string('Hi {{ n }}', n=request.args['n'])"),
    ("AS404", "return '<p>' + request.args['n'] + '</p>'", "return jsonify(name=request.args['n'])"),
    ("AS404", "return make_response('Hello %s' % request.args['n'])",
     "import html\nreturn make_response('Hello %s' % html.escape(request.args['n']))"),
    ("AS204", "return str(re.search(request.args['p'], 'text'))",
     "return str(re.search(re.escape(request.args['p']), 'text'))"),
]


@pytest.mark.parametrize(("rule_id", "bad", "good"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_positive_and_negative(rule_id: str, bad: str, good: str) -> None:
    assert proven(view(bad), rule_id)
    assert not has(view(good), rule_id)


def test_findings_carry_the_rule_metadata() -> None:
    found = [f for f in run(view(CASES[0][1])) if f.rule_id == "AS801"]
    assert len(found) == 1
    f = found[0]
    assert f.cwe[0] == 89 and f.owasp == "API8:2019" and f.severity == Severity.CRITICAL
    assert f.location is not None and "execute" in f.location.snippet
    assert "?" in f.fix  # the fix shows the parameterised query


def test_sink_only_findings_are_medium_with_low_confidence() -> None:
    src = "import pickle\n\ndef load(path):\n    with open(path, 'rb') as fh:\n        return pickle.load(fh)\n"
    found = [f for f in run(src) if f.rule_id == "AS804"]
    assert found and all(f.severity == Severity.MEDIUM and f.confidence == Confidence.LOW
                         and f.extra["taint"] == "sink-only" for f in found)


def test_exception_text_rule() -> None:
    src = view("import traceback\ntry:\n    return 'ok'\nexcept Exception:\n    return traceback.format_exc()")
    assert has(src, "AS307")
    assert not has(view("try:\n    return 'ok'\nexcept Exception:\n    return 'error', 500"), "AS307")


def test_fastapi_string_return_is_json_not_html() -> None:
    src = textwrap.dedent("""
        from fastapi import FastAPI
        from fastapi.responses import HTMLResponse
        app = FastAPI()

        @app.get('/a')
        def a(name: str):
            return 'hello ' + name

        @app.get('/b')
        def b(name: str):
            return HTMLResponse('<p>' + name)
    """)
    xss = [f for f in run(src) if f.rule_id == "AS404"]
    assert [f.location.snippet.strip() for f in xss if f.location] == ["return HTMLResponse('<p>' + name)"]


def test_every_rule_is_documented() -> None:
    for check in (injection.check_sql, injection.check_shell, injection.check_code, injection.check_deser,
                  injection.check_ssrf, injection.check_path, injection.check_redirect, injection.check_ssti,
                  injection.check_regex, injection.check_xss, injection.check_exception_text):
        assert check.__doc__ and check.__doc__.strip().startswith("AS")


def test_template_variables_printed_raw_are_xss() -> None:
    import os

    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "taint_cases", "app.py")
    src = textwrap.dedent("""
        from bottle import Bottle, request, template
        app = Bottle()

        @app.post('/a')
        def a():
            return template('raw', msg=request.forms.get('m'))

        @app.post('/b')
        def b():
            return template('raw', safe_one=request.forms.get('m'))
    """)
    xss = [f.location.snippet.strip() for f in run(src, abspath=here) if f.rule_id == "AS404" and f.location]
    assert xss == ["return template('raw', msg=request.forms.get('m'))"]


def test_ssrf_needs_control_of_the_host() -> None:
    fixed = view("q = request.args['q']\nurl = 'https://api.example.com/search?q=' + q\n"
                 "return requests.get(url, timeout=5).text")
    assert not has(fixed, "AS805")
    open_host = view("host = request.args['h']\nreturn requests.get('https://' + host + '/x', timeout=5).text")
    assert proven(open_host, "AS805")
