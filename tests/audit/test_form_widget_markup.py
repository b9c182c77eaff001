"""A WTForms field rendered by calling it (``{{ form.email(class_="x")|safe }}``, ``{{ field(...)|safe }}`` in a form
macro) is markup the field's widget built with the data and attributes escaped: ``|safe`` on it is not raw output.
A call of anything else, or a field's data, is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit


@pytest.mark.parametrize(("expr", "reported"), [
    ("form.email(class_='input', placeholder=placeholder)", False),
    ("field(class=class, placeholder=placeholder)", False),
    ("form.hidden_tag()", False),
    ("form.email.data", True),
    ("render_note(note)", True),
    ("formatter(note)", True),
])
def test_safe_on_a_rendered_form_field_is_not_raw_output(tmp_path: Path, expr: str, reported: bool) -> None:
    template = f"<form>{{{{ {expr}|safe }}}}</form>\n"
    result = audit(tmp_path, {"templates/form.html": template})
    assert any(f.rule_id == "AS402" for f in result.findings) is reported
