"""A redirect whose target starts with a literal relative path (``"accounts/profile/" + query``), a query (``"?" +
query``) or a fragment stays on this site whatever request data follows it: a browser resolves it against the page
being served, and no scheme or host can come after the first ``/``. No open redirect (AS807). A target the request
starts, or one that starts with ``//`` or a bare scheme (``"https:" + rest``), is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit, lines_of

_APP = '''from django.shortcuts import redirect


def landing(request):
    query = request.META["QUERY_STRING"]
    rest = request.GET["next"]
    return redirect({target})
'''

_URLS = '''from django.urls import path

from .views import landing

urlpatterns = [path("", landing)]
'''


@pytest.mark.parametrize(("target", "reported"), [
    # must stay quiet: a relative path, a query or a fragment of this site comes first
    ('"accounts/profile/?" + query', False),
    ('"?" + query', False),
    ('f"./step-two?next={rest}"', False),
    ('"#" + rest', False),
    # must fire: the request chooses where the URL begins
    ("rest", True),
    ('"//" + rest', True),
    ('"https:" + rest', True),
])
def test_a_redirect_to_a_relative_path(tmp_path: Path, target: str, reported: bool) -> None:
    files = {"site/__init__.py": "", "site/views.py": _APP.format(target=target), "site/urls.py": _URLS}
    result = audit(tmp_path, files)
    assert bool(lines_of(result, "AS807")) is reported
