"""``mark_safe()``/``Markup()`` of markup put together only from text the program fixes — literals chosen in a
branch, an f-string, ``+``, ``%`` or a literal's ``.format`` of such text, a link to the app's own static file or
route named by it — marks the developers' own HTML: nothing from a request can be in it. A part a caller chooses (a
parameter, a loop variable, an augmented assignment, a request value) keeps the finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

TAG = '''from django.templatetags.static import static
from django.utils.safestring import mark_safe


def icon(value, request):
{body}
'''


@pytest.mark.parametrize(("body", "reported"), [
    # must stay quiet: every part is fixed
    ('    if value:\n        classes = "ok text-success"\n    else:\n        classes = "no text-danger"\n'
     '    html = \'<i class="{}"></i>\'.format(classes)\n    return mark_safe(html)', False),
    ('    name = "yes" if value else "no"\n    url = static(f"img/icon-{name}.svg")\n'
     '    return mark_safe(f\'<img src="{url}" alt="{name}">\')', False),
    ('    part = "<b>" + ("on" if value else "off") + "</b>"\n    return mark_safe("<p>%s</p>" % part)', False),
    # must fire: a part the caller chooses
    ('    return mark_safe(\'<i class="{}"></i>\'.format(value))', True),
    ('    name = "yes"\n    for name in request.GET:\n        pass\n    return mark_safe(f"<b>{name}</b>")', True),
    ('    name = "<b>"\n    name += request.GET["n"]\n    return mark_safe(name)', True),
    ('    url = static(request.GET["p"])\n    return mark_safe(f\'<img src="{url}">\')', True),
    ('    name = "x" if value else request.GET["n"]\n    return mark_safe(f"<b>{name}</b>")', True),
])
def test_markup_built_only_from_fixed_parts_is_not_reported(tmp_path: Path, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"tags.py": TAG.format(body=body)})
    assert any(f.rule_id == "AS402" for f in result.findings) is reported


ADMIN = '''from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _


def link(obj, request):
{body}
'''


@pytest.mark.parametrize(("body", "reported"), [
    # must stay quiet: a link built by the app's own URL builder, with a translated literal label
    ('    return mark_safe(\'<a href="{}">{}</a>\'.format(reverse("admin:x_change", args=(obj.pk,)), _("Edit")))',
     False),
    ('    url = reverse("admin:x_change", args=(obj.pk,))\n    return mark_safe(f\'<a href="{url}">{_("Edit")}</a>\')',
     False),
    # must fire: a label the record or the request holds
    ('    return mark_safe(\'<a href="{}">{}</a>\'.format(reverse("admin:x_change", args=(obj.pk,)), obj.name))',
     True),
    ('    return mark_safe(f\'<a href="{request.GET["next"]}">{_("Back")}</a>\')', True),
])
def test_links_built_by_the_url_builder_are_not_reported(tmp_path: Path, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"admin.py": ADMIN.format(body=body)})
    assert any(f.rule_id == "AS402" for f in result.findings) is reported
