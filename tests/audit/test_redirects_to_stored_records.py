"""Django's ``redirect(obj)`` sends the browser to ``obj.get_absolute_url()`` when it is given a model instance: a
record a lookup answered (``get_object_or_404``, ``Model.objects.filter(...).first()``) or the one a model form or
serializer just saved names a page of the site, whatever text the request wrote into its fields. A string the request
gave is still an open redirect."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_MODELS = """\
from django.db import models
from django.urls import reverse


class Snippet(models.Model):
    title = models.CharField(max_length=100)

    def get_absolute_url(self):
        return reverse("snippet", args=[self.pk])
"""

_FORMS = """\
from django import forms
from .models import Snippet


class SnippetForm(forms.ModelForm):
    class Meta:
        model = Snippet
        fields = ["title"]
"""

_VIEWS = """\
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from .forms import SnippetForm
from .models import Snippet


def view(request, pk):
{body}


urlpatterns = [path("s/<int:pk>/", view)]
"""


@pytest.mark.parametrize(("body", "fires"), [
    # must fire: the request's own text is the target
    ("    return redirect(request.GET.get('next', '/'))", True),
    ("    snippet = get_object_or_404(Snippet, pk=pk)\n    return redirect(request.POST['to'] or snippet)", True),
    # must stay quiet: a stored record, looked up or just saved
    ("    return redirect(get_object_or_404(Snippet, pk=pk))", False),
    ("    found = Snippet.objects.filter(title=request.GET['q']).first()\n    return redirect(found)", False),
    ("    form = SnippetForm(data=request.POST)\n    if form.is_valid():\n        snippet = form.save()\n"
     "        return redirect(snippet)\n    return render(request, 'edit.html', {'form': form})", False),
])
def test_a_redirect_to_a_stored_record_names_a_page_of_the_site(tmp_path: Path, body: str, fires: bool) -> None:
    result = audit(tmp_path, {"snippets/__init__.py": "", "snippets/models.py": _MODELS, "snippets/forms.py": _FORMS,
                              "snippets/views.py": _VIEWS.format(body=body)})
    assert any(f.rule_id == "AS807" for f in result.findings) is fires
