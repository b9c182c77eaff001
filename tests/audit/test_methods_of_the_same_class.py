"""A method that calls another method of its own class (``self._answer(x)``) is followed like a helper function:
what the other method returns (a JSON answer, markup built from the argument) and the sinks it passes its
arguments to are read with the caller's values."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit, lines_of

_VIEW = """\
import sqlite3

from django.http import HttpResponse
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet


class DraftViewSet(GenericViewSet):
    def _answer(self, name):
        if not name:
            return None
        return {answer}

    def _count(self, db, name):
        return db.execute("SELECT count(*) FROM drafts WHERE name = '" + name + "'").fetchone()

    @action(detail=False, methods=["post"])
    def finalize(self, request):
        name = request.data.get("name")
        answer = self._answer(name)
        if answer:
            return answer
        return Response(self._count(sqlite3.connect("drafts.db"), name))
"""


def test_a_json_answer_built_by_another_method_is_no_page(tmp_path: Path) -> None:
    files = {"app/__init__.py": "", "app/views.py": _VIEW.format(answer='Response({"detail": name}, status=400)')}
    assert lines_of(audit(tmp_path, files), "AS404") == []


def test_markup_built_by_another_method_from_the_argument_is_a_page(tmp_path: Path) -> None:
    files = {"app/__init__.py": "", "app/views.py": _VIEW.format(answer='HttpResponse("<p>" + name + "</p>")')}
    assert lines_of(audit(tmp_path, files), "AS404") == [23]


@pytest.mark.parametrize("answer", ['Response({"detail": name})', 'HttpResponse("<p>" + name + "</p>")'])
def test_sql_text_another_method_builds_from_the_argument_is_injection(tmp_path: Path, answer: str) -> None:
    files = {"app/__init__.py": "", "app/views.py": _VIEW.format(answer=answer)}
    assert 24 in lines_of(audit(tmp_path, files), "AS801")


_LISTING = """\
from rest_framework import mixins, viewsets


class ArticleViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    def get_queryset(self):
        return self.queryset.filter(author=self.request.query_params.get("author"))

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        serializer = self.serializer_class(page, many=True)
        return {answer}
"""


@pytest.mark.parametrize(("answer", "lines"), [
    ("self.get_paginated_response(serializer.data)", []),  # inherited from the library's view: its renderer
    ("HttpResponse(self.request.query_params['author'])", [11]),  # must fire: markup from the query
])
def test_an_inherited_method_answers_through_the_library(tmp_path: Path, answer: str, lines: list[int]) -> None:
    source = _LISTING.format(answer=answer)
    if "HttpResponse" in answer:
        source = "from django.http import HttpResponse\n" + source
        lines = [n + 1 for n in lines]
    files = {"app/__init__.py": "", "app/views.py": source}
    assert lines_of(audit(tmp_path, files), "AS404") == lines
