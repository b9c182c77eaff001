"""A value marked safe after URL encoding (``mark_safe(request.GET.copy().urlencode())``, ``Markup(quote(q))``)
holds no ``<``, ``>`` or quote: it opens no tag or attribute, so it is no raw output (AS402). Marking the query text
itself, or an encoding told to keep characters (``querystring.urlencode(safe="<>")``), is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

TAGS = '''from urllib.parse import quote, quote_plus, urlencode

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def querystring_replace(context, **kwargs):
    querystring = context["request"].GET.copy()
    for key, val in kwargs.items():
        querystring[key] = val
    return mark_safe({marked})
'''


@pytest.mark.parametrize(("marked", "reported"), [
    ("querystring.urlencode()", False),
    ("urlencode(kwargs)", False),
    ('quote(querystring.get("q", ""))', False),
    ('quote_plus(querystring.get("q", ""))', False),
    ('querystring.get("q", "")', True),
    ('querystring.urlencode(safe="<>")', True),
])
def test_url_encoded_text_marked_safe_is_no_raw_output(tmp_path: Path, marked: str, reported: bool) -> None:
    result = audit(tmp_path, {"app/templatetags/tags.py": TAGS.format(marked=marked), "app/__init__.py": ""})
    assert any(f.rule_id == "AS402" for f in result.findings) is reported
