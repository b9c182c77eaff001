"""``{{ helper("literal")|safe }}`` emits what a helper returns for fixed arguments (an application's own SVG icon,
a snippet by name): no request value reaches it, so it is listed at low, not reported; ``{{ value|safe }}`` of a
variable still is."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit


@pytest.mark.parametrize(("expr", "reported"), [
    ('static_include("images/add.svg")', False),
    ("icon('trash', size=16)", False),
    ("bill.external_link", True),
    ("render_note(note)", True),
])
def test_safe_output_of_a_helper_with_literal_arguments_is_low(tmp_path: Path, expr: str, reported: bool) -> None:
    template = f"<p>{{{{ {expr}|safe }}}}</p>\n"
    result = audit(tmp_path, {"templates/page.html": template})
    raw = [f for f in result.findings if f.rule_id == "AS402"]
    assert raw, "the raw output is always listed"
    assert any(f.severity >= Severity.MEDIUM for f in raw) is reported
