"""Where the request's fields are spread as a whole (AS106): into a record they are mass assignment; into Django's
query calls they are the query's lookups (``owner__password__startswith`` tests a field the API never shows); into
a link or a page (``url_for(**request.view_args)``) they write nothing; and a token signed over them as its claims
(``jwt.encode(request.form.to_dict(), key)``) signs whatever role or flag the client added."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_FLASK = """\
import jwt
from flask import Flask, redirect, request, url_for

app = Flask(__name__)
KEY = load_key()


@app.route("/thing", methods=["POST"])
def thing():
{body}
"""


def _as106(tmp_path: Path, body: str) -> list[str]:
    result = audit(tmp_path, {"app.py": _FLASK.format(body=body)})
    return [f.message for f in result.findings if f.rule_id == "AS106"]


@pytest.mark.parametrize(("body", "reported"), [
    ("    return {'token': jwt.encode(request.form.to_dict(), KEY, algorithm='HS256')}", True),
    ("    claims = request.get_json()\n    return {'token': jwt.encode(claims, KEY, algorithm='HS256')}", True),
    ("    claims = {'sub': request.form['name']}\n    return {'token': jwt.encode(claims, KEY)}", False),
    ("    return redirect(url_for(request.endpoint, **request.view_args, page=2))", False),
    ("    save(Thing(**request.form))\n    return 'ok'", True),
])
def test_request_fields_spread_or_signed_whole(tmp_path: Path, body: str, reported: bool) -> None:
    assert bool(_as106(tmp_path, body)) is reported


def test_a_django_query_filtered_by_every_field_is_reported_as_chosen_lookups(tmp_path: Path) -> None:
    source = ("from rest_framework.views import APIView\nfrom rest_framework.response import Response\n\n\n"
              "class ArticleView(APIView):\n    def post(self, request):\n"
              "        found = Article.objects.filter(**request.data)\n"
              "        return Response({'count': found.count()})\n")
    result = audit(tmp_path, {"blog/views.py": source})
    found = [f for f in result.findings if f.rule_id == "AS106"]
    assert len(found) == 1 and "lookups" in found[0].message
