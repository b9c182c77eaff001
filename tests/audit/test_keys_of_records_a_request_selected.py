"""The primary key of a stored record (``.id``, ``.pk``) that a request value selected is a number or a UUID the
database assigned, whatever text selected the row: a file name, query or command built from it carries nothing the
caller wrote. The request value itself, or another field of the record, still reaches the sink."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

VIEW = '''import os
import tempfile
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from .models import Card, User


def gift(request):
    name = request.GET["user"]
{body}
    return HttpResponse("ok")
'''


@pytest.mark.parametrize(("body", "reported"), [
    # must stay quiet: the path holds only the selected record's key
    ('    account = User.objects.get(username=name)\n'
     '    path = os.path.join(tempfile.gettempdir(), f"card_{account.id}.bin")\n    open(path, "wb")', False),
    ('    account = User.objects.filter(username=name).first()\n'
     '    path = os.path.join(tempfile.gettempdir(), f"card_{account.pk}.bin")\n    open(path, "wb")', False),
    ('    card = get_object_or_404(Card, code=name)\n'
     '    open(os.path.join(tempfile.gettempdir(), str(card.id)), "rb")', False),
    ('    try:\n        account = User.objects.get(username=name)\n    except User.DoesNotExist:\n'
     '        account = None\n    if account is None:\n        return HttpResponse("no such user")\n'
     '    open(os.path.join(tempfile.gettempdir(), f"card_{account.id}.bin"), "wb")', False),
    # must fire: the request value itself, or a field the row stores
    ('    account = User.objects.get(username=name)\n'
     '    path = os.path.join(tempfile.gettempdir(), f"card_{name}.bin")\n    open(path, "wb")', True),
    ('    account = User.objects.get(username=name)\n'
     '    open(os.path.join(tempfile.gettempdir(), account.username), "wb")', True),
])
def test_a_selected_records_key_is_no_path_the_caller_wrote(tmp_path: Path, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"shop/__init__.py": "", "shop/models.py": "", "shop/views.py": VIEW.format(body=body)})
    assert any(f.rule_id == "AS806" and f.severity.name in ("MEDIUM", "HIGH", "CRITICAL")
               for f in result.findings) is reported



@pytest.mark.parametrize(("answer", "reported"), [
    ('f"Order {order.id}: {order.total}"', False),  # must stay quiet: the record the request only selected
    ('f"Order {order.id} for {request.form[\'id\']}"', True),  # must fire: the request's own text, echoed
])
def test_a_records_key_beside_its_fields_is_no_echo(tmp_path: Path, answer: str, reported: bool) -> None:
    app = ("from flask import Flask, request\nfrom models import Order\napp = Flask(__name__)\n\n\n"
           "@app.post('/scan')\ndef scan():\n    order = Order.query.get(request.form['id'])\n"
           f"    return {answer}\n")
    result = audit(tmp_path, {"app.py": app, "models.py": ""})
    assert any(f.rule_id == "AS404" and f.severity.name in ("MEDIUM", "HIGH", "CRITICAL")
               for f in result.findings) is reported
