"""Django's response classes are the same whether imported from ``django.http`` or from ``django.http.response``,
where they are defined: a redirect answers a URL (its target is judged as a redirect, never as a reflected page),
``HttpResponse`` answers HTML, ``JsonResponse`` JSON and ``FileResponse`` a file under its own content type."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

VIEW = '''from django.http{module} import FileResponse, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from .models import Record


def view(request):
    record = Record(title=request.POST["title"])
    record.save()
{answer}
'''


@pytest.mark.parametrize("module", ["", ".response"])
@pytest.mark.parametrize(("answer", "reported"), [
    ("    return HttpResponseRedirect(reverse('record-detail', args=[record.id]))", False),
    ("    return JsonResponse({'title': request.POST['title']})", False),
    ("    return FileResponse(open('report.pdf', 'rb'), as_attachment=True, filename=request.POST['title'])", False),
    ("    return HttpResponse('<h1>' + request.POST['title'] + '</h1>')", True),
])
def test_response_classes_read_alike_from_either_module(tmp_path: Path, module: str, answer: str,
                                                         reported: bool) -> None:
    files = {"app/__init__.py": "", "app/models.py": "class Record:\n    pass\n",
             "app/views.py": VIEW.format(module=module, answer=answer),
             "app/urls.py": "from django.urls import path\nfrom . import views\n\n"
                            "urlpatterns = [path('new/', views.view)]\n"}
    assert any(f.rule_id == "AS404" for f in audit(tmp_path, files).findings) is reported
