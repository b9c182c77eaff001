"""A raw output inside the template engine's own comment (Django's ``{% comment %}…{% endcomment %}``, ``{# … #}``)
is never rendered: no AS402, and a finding after the comment keeps its line. Inside an HTML comment (``<!-- -->``) the
engine still renders it, and what it emits can close the comment: still AS402."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

PAGE = '''<h1>{{{{ poll.question }}}}</h1>
{wrapped}
<p>{{{{ poll.title|safe }}}}</p>
'''


@pytest.mark.parametrize(("wrapped", "lines"), [
    ("{% comment %}\n  <p>{{ wall_of_text|safe }}</p>\n{% endcomment %}", [5]),
    ("{# <p>{{ wall_of_text|safe }}</p> #}", [3]),
    ("<!--\n  <p>{{ wall_of_text|safe }}</p>\n-->", [3, 5]),
])
def test_raw_output_in_a_template_comment_is_not_rendered(tmp_path: Path, wrapped: str, lines: list[int]) -> None:
    files = {"polls/templates/polls/detail.html": PAGE.format(wrapped=wrapped), "polls/__init__.py": ""}
    result = audit(tmp_path, files)
    assert sorted(f.location.line for f in result.findings if f.rule_id == "AS402" and f.location) == lines
