"""A Django view that asks a function of the project whether the caller may act on an object or its parent
(``if not has_access(request.user, event, ACCESS_EDIT): return nopermission(request)``) and leaves when not has
checked its object (AS102 quiet). A function given the caller alone says only who is signed in, and a test whose
branch does not leave the view refuses nothing: both keep the finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

VIEWS = '''from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from .models import Event, Role
from .permissions import ACCESS_EDIT, has_access, is_member


@login_required
def edit_role(request, event_url_name, role_pk):
    event = get_object_or_404(Event, url_name=event_url_name)
    {check}
    role = get_object_or_404(Role, pk=role_pk)
    return render(request, "role.html", {{"role": role}})
'''

URLS = '''from django.urls import path

from . import views

urlpatterns = [path("<slug:event_url_name>/roles/<int:role_pk>/", views.edit_role)]
'''


@pytest.mark.parametrize(("check", "reported"), [
    ("if not has_access(request.user, event, ACCESS_EDIT):\n        return render(request, 'denied.html')", False),
    ("user = request.user\n    if not has_access(user, event, ACCESS_EDIT):\n        raise Http404", False),
    ("if not is_member(request.user):\n        return render(request, 'denied.html')", True),  # who, not whose
    ("if has_access(request.user, event, ACCESS_EDIT):\n        log(event)", True),  # refuses nothing
])
def test_a_permission_function_given_the_caller_and_the_object(tmp_path: Path, check: str, reported: bool) -> None:
    files = {"roles/views.py": VIEWS.format(check=check), "roles/urls.py": URLS}
    found = [f for f in audit(tmp_path, files).findings if f.rule_id == "AS102" and f.severity >= Severity.MEDIUM]
    assert bool(found) is reported
