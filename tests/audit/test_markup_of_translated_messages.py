"""``Markup()`` of a message the developers wrote (a literal looked up through gettext, directly or through a local
name) marks their own text as HTML: nothing from a request can be in it. A translated message with a placeholder
filled from elsewhere, or any request value, is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

FORM = '''from flask import Flask, request
from flask_babel import gettext as _
from markupsafe import Markup

app = Flask(__name__)


def check(form):
{body}
'''


@pytest.mark.parametrize(("body", "reported"), [
    ('    message = _("Please, validate the captcha.")\n    raise ValueError(Markup(message))', False),
    ('    raise ValueError(Markup(_("Not a valid amount or " "expression.")))', False),
    ('    message = _("Project %(p)s exists", p=form.id.data)\n    raise ValueError(Markup(message))', True),
    ('    message = request.args["m"]\n    return Markup(message)', True),
    ('    message = _("fixed")\n    message = form.note.data\n    return Markup(message)', True),
])
def test_markup_of_translated_literal_messages_is_not_reported(tmp_path: Path, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"forms.py": FORM.format(body=body)})
    assert any(f.rule_id == "AS402" for f in result.findings) is reported


def test_a_parameter_of_the_same_name_elsewhere_does_not_taint_a_local_message(tmp_path: Path) -> None:
    source = FORM.format(body='    message = _("Please, validate the captcha.")\n    raise ValueError(Markup(message))')
    source += "\n\ndef flash_it(message):\n    return Markup(message)\n"
    result = audit(tmp_path, {"forms.py": source})
    assert [f.location.line for f in result.findings if f.rule_id == "AS402" and f.location] == [14]
