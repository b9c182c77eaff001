"""A Django REST framework pagination class answers through DRF's renderers: ``paginator.get_paginated_response(data)``
in a function view returns a ``Response`` (JSON, or the browsable API's escaped page), never the data as raw HTML, so
request data in it is no reflected HTML (AS404). The same data handed to Django's ``HttpResponse`` is."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

VIEW = '''from django.http import HttpResponse
from rest_framework.decorators import api_view
from rest_framework.pagination import PageNumberPagination


@api_view(["GET"])
def search(request):
    rows = [{"q": request.query_params.get("q", "")}]
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(rows, request)
    return {answer}
'''


@pytest.mark.parametrize(("answer", "reflected"), [
    ("paginator.get_paginated_response(page)", False),  # must stay quiet: DRF renders it
    ("HttpResponse(request.query_params.get('q', ''))", True),  # must fire: raw HTML
])
def test_a_paginated_answer_is_rendered_by_drf(tmp_path: Path, answer: str, reflected: bool) -> None:
    result = audit(tmp_path, {"views.py": VIEW.replace("{answer}", answer)})
    assert any(f.rule_id == "AS404" for f in result.findings) is reflected
