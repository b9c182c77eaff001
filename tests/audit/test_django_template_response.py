"""Django's ``TemplateResponse(request, template, context)`` renders its template under Django's autoescape, as
``render()`` does: a request value in its context is no reflected XSS (AS404) unless the template emits it raw.
Request data answered as the body itself (``HttpResponse(q)``) is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

VIEWS = '''from django.http import HttpResponse
from django.template.response import SimpleTemplateResponse, TemplateResponse


def search(request):
    q = request.GET.get("q", "")
    return {answer}
'''
URLS = '''from django.urls import path

from . import views

urlpatterns = [path("search/", views.search)]
'''


@pytest.mark.parametrize(("answer", "template", "reported"), [
    ('TemplateResponse(request, "polls/search.html", {"q": q})', "{{ q }}", False),
    ('TemplateResponse(request, template="polls/search.html", context={"q": q})', "{{ q }}", False),
    ('SimpleTemplateResponse("polls/search.html", {"q": q})', "{{ q }}", False),
    ('TemplateResponse(request, "polls/search.html", {"q": q})', "{{ q|safe }}", True),
    ("HttpResponse(q)", "{{ q }}", True),
])
def test_a_template_response_escapes_its_context(tmp_path: Path, answer: str, template: str, reported: bool) -> None:
    files = {"polls/views.py": VIEWS.format(answer=answer), "polls/urls.py": URLS, "polls/__init__.py": "",
             "polls/templates/polls/search.html": template}
    result = audit(tmp_path, files)
    assert any(f.rule_id == "AS404" for f in result.findings) is reported
