"""A ``|safe`` written inside a string literal of a template expression (``{{ "{{ q|safe }}" }}``, a lab page
showing template code as text) is text, not a filter: no raw output. Outside the quotes it still is one."""

from __future__ import annotations

import pytest

from apishield.audit.templates import raw_outputs


@pytest.mark.parametrize(("template", "raw"), [
    ('<pre>{{ "{{ q|safe }}" }}</pre>', False),
    ("<pre>{{ '{{ q | safe }}' }}</pre>", False),
    ('<p>{{ "<b>" ~ q|safe }}</p>', True),
    ("<p>{{ q|safe }}</p>", True),
], ids=["double-quoted", "single-quoted", "after-a-literal", "plain"])
def test_safe_inside_quotes(template: str, raw: bool) -> None:
    assert bool([r for r in raw_outputs(template) if r.kind == "jinja-safe"]) is raw
