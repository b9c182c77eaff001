"""``|safe`` on a value an escaping filter went through last (``x|e|safe``, ``x|tojson|safe``), on a literal
filled only with such values, on a number, on a form field's help text or label (written in the form class; Django
renders help text unescaped itself), or on attributes a form library flattened (``flat_attrs``, each value escaped by
``flatatt``) emits no markup a client chose; another object's ``label`` may be a visitor's. ``|safe`` before the
escape, after any other filter, or on a field's data or errors, is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit


@pytest.mark.parametrize(("expr", "reported"), [
    ("note.body|e", False),
    ("note.body | escape", False),
    ("chart.points|tojson", False),
    ("items|length", False),
    ("\"<a href='{link}'>{link}</a>\".format(link=event.url | escape)", False),
    ("field.help_text", False),
    ("form.email.help_text", False),
    ("field.label", False),
    ("form.email.label", False),
    ("flat_attrs", False),
    ("input.flat_attrs", False),
    ("item.label", True),
    ("tag.label", True),
    ("note.body", True),
    ("note.body|striptags|title", True),
    ("note.body|truncate(40)", True),
    ("\"<a href='{link}'>{link}</a>\".format(link=event.url)", True),
    ("field.errors", True),
    ("field.data", True),
])
def test_safe_after_an_escaping_filter_is_not_raw_output(tmp_path: Path, expr: str, reported: bool) -> None:
    template = f"<div>{{{{ {expr}|safe }}}}</div>\n"
    result = audit(tmp_path, {"templates/page.html": template})
    assert any(f.rule_id == "AS402" for f in result.findings) is reported


def test_bottle_raw_output_is_read_as_python_not_as_filters(tmp_path: Path) -> None:
    result = audit(tmp_path, {"views/page.tpl": "<div>{{!flags | e}}</div>\n"})
    assert any(f.rule_id == "AS402" for f in result.findings)
