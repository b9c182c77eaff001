"""A Django view with a view decorator (``@require_http_methods``) and a URL pattern that restricts its argument to
digits (``(?P<dashboard_id>[0-9]+)``) gets a number from that argument, not request text: formatting it into the
answer is no reflected XSS. The same view under a pattern that takes any text is."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit, lines_of

_VIEWS = """\
from django.http import HttpResponse
from django.views.decorators.http import require_http_methods


@require_http_methods(["GET"])
def dashboard_view(request, dashboard_id):
    return HttpResponse("Dashboard " + str(dashboard_id))
"""
_URLS = """\
from django.conf.urls import url

from . import views

urlpatterns = [
    url(r'^(?P<dashboard_id>{group})$', views.dashboard_view, name="dashboard_view"),
]
"""


@pytest.mark.parametrize(("group", "fires"), [("[0-9]+", False), (r"\d+", False), ("[^/]+", True)])
def test_a_decorated_view_under_a_numeric_group(tmp_path: Path, group: str, fires: bool) -> None:
    found = lines_of(audit(tmp_path, {"dash/__init__.py": "", "dash/views.py": _VIEWS,
                                      "dash/urls.py": _URLS.replace("{group}", group)}), "AS404")
    assert bool(found) is fires
