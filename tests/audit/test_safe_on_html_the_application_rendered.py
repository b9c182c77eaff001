"""``|safe`` on a value whose own name says it holds HTML the application rendered (``post.body_html``,
``note.rendered_body``, ``obj.highlighted_code``, ``toc``) is how such a value is shown at all: whether visitors'
markup survives is decided by its renderer, so the raw output is listed low, unless the project fills it with an
unsanitised renderer's result (``test_sanitised_fields.py``). Any other value marked safe, or HTML read from the
request by a call, stays medium."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit


@pytest.mark.parametrize(("expr", "severity"), [
    # listed low: HTML the application rendered
    ("post.body_html", Severity.LOW),
    ("note.rendered_body", Severity.LOW),
    ("obj.highlighted_code", Severity.LOW),
    ("doc.toc", Severity.LOW),
    ("html", Severity.LOW),
    # reported: a value whose name says nothing of HTML, or the request's own
    ("post.body", Severity.MEDIUM),
    ("comment.text", Severity.MEDIUM),
    ("htmlentities", Severity.MEDIUM),
    ("request.args.get('html')", Severity.MEDIUM),
])
def test_safe_on_a_value_named_for_rendered_html(tmp_path: Path, expr: str, severity: Severity) -> None:
    result = audit(tmp_path, {"templates/page.html": f"<div>{{{{ {expr}|safe }}}}</div>\n"})
    assert [f.severity for f in result.findings if f.rule_id == "AS402"] == [severity]


@pytest.mark.parametrize(("expr", "severity"), [
    # listed low: the developers' own text, translated, filled only with literals
    ("_(\"Chat with us: {url|Matrix}\")|expand({'url': 'https://example.org/chat'})", Severity.LOW),
    ("gettext('Read the <a href=\"/docs\">docs</a>')", Severity.LOW),
    # reported: a value from elsewhere goes into the text, or the text itself is not the developers'
    ("_(\"Brought to you by {who}\")|expand(sponsor)", Severity.MEDIUM),
    ("_(message)", Severity.MEDIUM),
])
def test_safe_on_translated_text_of_the_developers(tmp_path: Path, expr: str, severity: Severity) -> None:
    result = audit(tmp_path, {"templates/page.html": f"<div>{{{{ {expr}|safe }}}}</div>\n"})
    assert [f.severity for f in result.findings if f.rule_id == "AS402"] == [severity]
