"""Django's ``<slug:name>`` converter passes only letters, digits, ``-`` and ``_``: a view formatting that argument
into SQL, a path or a page builds nothing the client can break out of. The same view under ``<str:name>`` (any text
but ``/``) or ``<path:name>`` takes the client's text."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_VIEWS = """\
from django.db import connection
from django.http import JsonResponse


def product_detail(request, slug):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, name FROM products_product WHERE slug = '{slug}'")
        row = cursor.fetchone()
    return JsonResponse({"product": row})
"""

_URLS = """\
from django.urls import path

from . import views

urlpatterns = [path("products/<{converter}:slug>/", views.product_detail)]
"""


@pytest.mark.parametrize(("converter", "fires"), [("slug", False), ("int", False), ("str", True), ("path", True)])
def test_a_slug_argument_is_no_sql_text(tmp_path: Path, converter: str, fires: bool) -> None:
    result = audit(tmp_path, {"shop/__init__.py": "", "shop/views.py": _VIEWS,
                              "shop/urls.py": _URLS.format(converter=converter)})
    sql = [f for f in result.findings if f.rule_id == "AS801"]
    assert bool(sql) is fires, [f.message for f in sql]
