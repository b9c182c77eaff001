"""A CSRF exemption (AS501) matters where the view knows its caller from what the browser sends by itself. A view that
hands the request to a helper of its module which reads the session or a cookie (``user = get_user(request)`` over
``request.COOKIES["user_id"]``) knows its caller that way, just as one reading the cookie itself: medium. A helper
that reads nothing of the kind leaves the view with no cookie-borne caller: low."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

VIEWS = '''from django.views.decorators.csrf import csrf_exempt

from .models import Message


def get_user(request):
    return {lookup}


@csrf_exempt
def add_view(request):
    user = get_user(request)
    Message.objects.create(poster=user, content=request.POST.get("content"))
    return redirect("home")
'''


@pytest.mark.parametrize(("lookup", "medium"), [
    ('Person.objects.get(pk=request.COOKIES.get("user_id"))', True),  # must fire: the cookie names the caller
    ('request.session.get("member")', True),  # must fire: the session names the caller
    ('request.POST.get("name", "anonymous")', False),  # must stay low: the form names whoever the sender says
])
def test_a_view_identifying_its_caller_through_a_helper(tmp_path: Path, lookup: str, medium: bool) -> None:
    found = [f for f in audit(tmp_path, {"board/views.py": VIEWS.format(lookup=lookup)}).findings
             if f.rule_id == "AS501"]
    assert found and (found[0].severity >= Severity.MEDIUM) is medium
