"""Template source written in Python as a string literal is read like a template file for raw output (AS402):
``render_template_string('<h1>{{ name|safe }}</h1>')``, ``jinja2.Template(...)``, ``env.from_string(...)``,
Bottle ``template('{{!name}}')``, also when a name holds the literal. Escaped output, a literal marked safe and a
template file's name stay quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = """
import jinja2
from bottle import template
from flask import Flask, render_template, render_template_string, request

app = Flask(__name__)
env = jinja2.Environment(autoescape=True)


@app.get("/hello")
def hello():
    name = request.args.get("name", "")
    return {call}
"""


@pytest.mark.parametrize(("call", "reported"), [
    ("render_template_string('''\\n<h1>Welcome, {{ name|safe }}</h1>\\n''', name=name)", True),
    ("jinja2.Template('<p>{{ name | safe }}</p>').render(name=name)", True),
    ("env.from_string('<p>{{ name|safe }}</p>').render(name=name)", True),
    ("template('<p>{{!name}}</p>', name=name)", True),
    ("render_template_string('<h1>Welcome, {{ name }}</h1>', name=name)", False),
    ("render_template_string('<p>{{ \\'<b>hi</b>\\'|safe }}</p>')", False),
    ("render_template('hello.html', name=name)", False),
], ids=["render_template_string", "jinja2-Template", "from_string", "bottle-template", "escaped", "literal-safe",
        "template-file"])
def test_raw_output_in_inline_template_source(tmp_path: Path, call: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(call=call)})
    assert any(f.rule_id == "AS402" for f in result.findings) is reported


_HELD = """
from flask import Flask, render_template_string, request

app = Flask(__name__)
PAGE = '<p>{{{{ note|safe }}}}</p>'


@app.get("/posts")
def posts():
{assign}
    return render_template_string({name}, note=request.args.get("note", ""))
"""


@pytest.mark.parametrize(("assign", "name", "reported"), [
    ("    template = '''\\n    <h3>{{ note | safe }}</h3>\\n    '''", "template", True),  # must fire: a local
    ("    pass", "PAGE", True),  # a module constant
    ("    template = '<h3>{{ note }}</h3>'", "template", False),  # must stay quiet: escaped
    ("    template = '<b>{{ note|safe }}</b>'\\n    template = load()", "template", False),  # reassigned: unknown
])
def test_template_source_held_in_a_name(tmp_path: Path, assign: str, name: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _HELD.format(assign=assign, name=name)})
    assert any(f.rule_id == "AS402" for f in result.findings) is reported
