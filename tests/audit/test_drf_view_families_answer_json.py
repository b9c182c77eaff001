"""A method of any class of Django REST framework's view and viewset families (``GenericViewSet``, ``ModelViewSet``,
``ListCreateAPIView``…) answers through the framework's renderer: a `Response` it returns, or one a helper built,
is JSON, not a page (AS404), as for ``APIView`` and ``ViewSet`` before them (an ``HttpResponse`` such a view builds by
hand is read as its renderer's too: the family's trade-off). A plain Django view writing request text into an
``HttpResponse`` is a page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_VIEWS = """\
from django.http import HttpResponse
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
class Drafts({base}):
    def _early(self, name):
        return {answer}
    @action(detail=True, methods=["post"])
    def finalize(self, request, pk=None):
        early = self._early(request.data["name"])
        if early is not None:
            return early
        return Response({{"ok": True}})
"""
_URLS = ("from rest_framework.routers import DefaultRouter\nfrom .views import Drafts\nrouter = DefaultRouter()\n"
         "router.register('drafts', Drafts, basename='drafts')\nurlpatterns = router.urls\n")


@pytest.mark.parametrize(("base", "answer", "reported"), [
    ("viewsets.GenericViewSet", "Response({'error': name}, status=400)", False),  # must stay quiet: JSON
    ("viewsets.ModelViewSet", "Response({'error': name}, status=400)", False),
])
def test_drf_view_families_answer_json(tmp_path: Path, base: str, answer: str, reported: bool) -> None:
    result = audit(tmp_path, {"app/views.py": _VIEWS.format(base=base, answer=answer), "app/urls.py": _URLS,
                              "app/__init__.py": ""})
    assert any(f.rule_id == "AS404" for f in result.findings) is reported


def test_a_django_view_writing_request_text_into_a_page_is_reported(tmp_path: Path) -> None:
    """must fire: outside the REST framework's families, an ``HttpResponse`` written from request text is a page"""
    views = ("from django.http import HttpResponse\nfrom django.views import View\nclass Drafts(View):\n"
             "    def post(self, request):\n        return HttpResponse('<p>' + request.POST['name'] + '</p>')\n")
    urls = "from django.urls import path\nfrom .views import Drafts\nurlpatterns = [path('d/', Drafts.as_view())]\n"
    result = audit(tmp_path, {"app/views.py": views, "app/urls.py": urls, "app/__init__.py": ""})
    assert any(f.rule_id == "AS404" for f in result.findings)
