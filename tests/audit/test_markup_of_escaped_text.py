"""``Markup()`` / ``mark_safe()`` of text an HTML escape went through first, joined only with literal markup
(``str(escape(c)).replace("\\n", "<br />")``, ``f"<em>{escape(x)}</em>"``), marks nothing a client chose as HTML.
``Markup(x).striptags()`` is plain text again. Text not escaped, escaped in one branch only, or joined with another
request value, is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

FLASK = '''from flask import Flask, request
import markupsafe
from markupsafe import Markup, escape
import html

app = Flask(__name__)


@app.template_filter()
def show(content, other=""):
{body}
'''

DJANGO = '''from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


def show(content):
{body}
'''


@pytest.mark.parametrize(("body", "reported"), [
    ('    content = str(markupsafe.escape(content))\n    content = content.replace("\\n", "<br />")\n'
     '    return markupsafe.Markup(content)', False),
    ('    return Markup(f"<em>{escape(content)}</em>")', False),
    ('    return Markup("<a>%s</a>" % html.escape(content))', False),
    ('    return Markup("<b>{}</b>".format(escape(content)))', False),
    ('    text = escape(content) + "<hr>"\n    return Markup(text)', False),
    ('    return Markup(content)', True),
    ('    content = content.replace("\\n", "<br />")\n    return Markup(content)', True),
    ('    return Markup(f"<em>{escape(content)}</em>{other}")', True),
    ('    if other:\n        content = escape(content)\n    return Markup(content)', True),
    ('    text = escape(content)\n    text = text + other\n    return Markup(text)', True),
    ('    return Markup(str(escape(content)).replace("x", other))', True),
    # a local given escaped text in every branch, whatever the order (marking it safe again changes nothing)
    ('    link = ""\n    if other:\n        link = Markup(f"<a>{escape(other)}</a>")\n    else:\n'
     '        link = escape(content)\n    return Markup(f"<p>{link}</p>")', False),
    ('    link = ""\n    if other:\n        link = other\n    return Markup(f"<p>{link}</p>")', True),
    ('    link = ""\n    if other:\n        link, rest = other, 1\n    return Markup(f"<p>{link}</p>")', True),
    # marked only to take its tags out: the result is plain text again
    ('    return Markup(content).striptags()', False),
    ('    return Markup(content).unescape()', False),
    ('    return Markup(content).strip()', True),  # still markup
    # an object's own declared HTML (markupsafe's __html__ protocol): what it already marked safe
    ('    if hasattr(content, "__html__"):\n        return Markup(content.__html__())\n    return escape(content)',
     False),
])
def test_markup_of_text_escaped_first(tmp_path: Path, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": FLASK.format(body=body)})
    assert any(f.rule_id == "AS402" for f in result.findings) is reported


@pytest.mark.parametrize(("body", "reported"), [
    ('    return mark_safe("<p>" + conditional_escape(content) + "</p>")', False),
    ('    return mark_safe("<p>" + content + "</p>")', True),
])
def test_mark_safe_of_django_escaped_text(tmp_path: Path, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"views.py": DJANGO.format(body=body)})
    assert any(f.rule_id == "AS402" for f in result.findings) is reported


@pytest.mark.parametrize(("addition", "reported"), [
    ('html += f"<b>{escape(row[\'author\'])}</b>: {escape(row[\'text\'])}"', False),  # must stay quiet
    ('html += f"<b>{row[\'author\']}</b>"', True),  # must fire: a part added unescaped
])
def test_markup_grown_by_escaped_parts_in_a_loop(tmp_path: Path, addition: str, reported: bool) -> None:
    source = ("from flask import Flask\nfrom markupsafe import Markup, escape\napp = Flask(__name__)\n\n\n"
              "@app.route('/comments')\ndef comments():\n    html = ''\n    for row in load_rows():\n"
              f"        {addition}\n    return Markup(html)\n")
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS402" for f in result.findings) is reported


@pytest.mark.parametrize(("body", "reported"), [
    ('    return Markup(render_template("row.html", content=content))', False),  # the template escapes its values
    ('    return Markup(get_template("row.html").render(content=content))', False),
    ('    return Markup(render_template_string(content))', True),
])
def test_markup_of_a_rendered_template_file(tmp_path: Path, body: str, reported: bool) -> None:
    source = FLASK.replace("from flask import Flask, request",
                           "from flask import Flask, request, render_template, render_template_string\n"
                           "from jinja2 import Environment\nget_template = Environment(autoescape=True).get_template")
    result = audit(tmp_path, {"app.py": source.format(body=body)})
    assert any(f.rule_id == "AS402" and f.location and f.location.line > 10 for f in result.findings) is reported


@pytest.mark.parametrize(("body", "reported"), [
    # must stay quiet: the library escapes what it is given
    ('    return Markup(highlight(content, PythonLexer(), HtmlFormatter()))', False),
    ('    return Markup(frame.to_html(classes="table"))', False),
    ('    return Markup(format_decimal(len(content), locale="en"))', False),
    # must fire: told not to escape, or a one-argument helper that only shares the name
    ('    return Markup(frame.to_html(escape=False))', True),
    ('    return Markup(highlight(content))', True),
])
def test_markup_of_html_a_library_escapes(tmp_path: Path, body: str, reported: bool) -> None:
    source = FLASK.replace("import html\n", "import html\nfrom pygments import highlight\n"
                           "from pygments.formatters import HtmlFormatter\nfrom pygments.lexers import PythonLexer\n"
                           "from babel.numbers import format_decimal\nframe = load_frame()\n")
    result = audit(tmp_path, {"app.py": source.format(body=body)})
    assert any(f.rule_id == "AS402" and f.location and f.location.line > 12 for f in result.findings) is reported
