"""An object's id the client sends in the query string or the body (``request.args.get("task_id")``, a field of
``request.get_json()``, a FastAPI query parameter) is as much the client's choice as one in the path: a handler that
loads the object by it without checking whose it is gets AS102. Quiet when the handler checks the owner, when the id
is the caller's own (a dependency fills it), when the lookup by it is scoped to the caller inside a branch on the id,
when the value is computed by the server from what the client sent (a verified token), when the key is of something
every user may refer to (a product to buy), and when nothing is looked up by it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

FLASK = '''
from flask import Flask, abort, jsonify, request
from flask_login import current_user, login_required

app = Flask(__name__)


@app.route("/invoices/delete", methods=["POST"])
@login_required
def delete_invoice():
{body}
'''

FLASK_BODIES = {
    "query": ('    invoice_id = request.args.get("invoice_id")\n'
              '    db.session.delete(Invoice.query.get(invoice_id))\n    return jsonify(ok=True)\n', True),
    "json-field": ('    data = request.get_json()\n    invoice_id = data["invoice_id"]\n'
                   '    db.session.delete(Invoice.query.get(invoice_id))\n    return jsonify(ok=True)\n', True),
    "owner-checked": ('    invoice_id = request.args.get("invoice_id")\n    invoice = Invoice.query.get(invoice_id)\n'
                      '    if invoice.owner_id != current_user.id:\n        abort(403)\n'
                      '    db.session.delete(invoice)\n    return jsonify(ok=True)\n', False),
    "not-looked-up": ('    invoice_id = request.args.get("invoice_id")\n    return jsonify(echo=invoice_id)\n', False),
    "scoped-inside-a-branch-on-the-id": (
        '    invoice_id = request.args.get("invoice_id", "")\n    if invoice_id:\n'
        '        db.execute("DELETE FROM invoices WHERE id = ? AND user_id = ?", (invoice_id, current_user.id))\n'
        '    return jsonify(ok=True)\n', False),
    "computed-from-a-verified-token": (
        '    token = request.args.get("token")\n    invoice_id = Invoice.verify_token(token)\n'
        '    db.session.delete(Invoice.query.get(invoice_id))\n    return jsonify(ok=True)\n', False),
    "a-key-of-something-everyone-may-refer-to": (
        '    product_id = request.form["product_id"]\n    product = Product.query.get(product_id)\n'
        '    db.session.add(Order(product=product, user=current_user))\n    return jsonify(ok=True)\n', False),
    "title-only": ('    data = request.get_json()\n    title = data["title"]\n'
                   '    db.session.delete(Invoice.query.filter_by(title=title).first())\n'
                   '    return jsonify(ok=True)\n', False),
}


@pytest.mark.parametrize("case", list(FLASK_BODIES))
def test_flask_ids_read_from_the_request(tmp_path: Path, case: str) -> None:
    body, reported = FLASK_BODIES[case]
    result = audit(tmp_path, {"app.py": FLASK.format(body=body)})
    hits = [f for f in result.findings if f.rule_id == "AS102"]
    assert bool(hits) is reported, [f.message for f in hits]
    if reported:
        assert "in the request" in hits[0].message and hits[0].severity.name == "MEDIUM"


FASTAPI = '''
from fastapi import Depends, FastAPI

from .auth import current_user_id, get_current_user

app = FastAPI()


@app.delete("/documents")
def delete_document({params}):
    db.delete(db.get(Document, document_id))
    return {{"ok": True}}
'''


@pytest.mark.parametrize(("params", "reported"), [
    ("document_id: int, user=Depends(get_current_user)", True),
    ("document_id: int = Depends(current_user_id), user=Depends(get_current_user)", False),
], ids=["query-parameter", "filled-by-a-dependency"])
def test_fastapi_query_ids(tmp_path: Path, params: str, reported: bool) -> None:
    files = {"app/__init__.py": "", "app/auth.py": "def current_user_id(): ...\ndef get_current_user(): ...\n",
             "app/main.py": FASTAPI.format(params=params)}
    result = audit(tmp_path, files)
    assert any(f.rule_id == "AS102" for f in result.findings) is reported


SKIPPABLE = '''
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/notes/<int:note_id>/read", methods=["PATCH"])
def mark_read(note_id):
    note = Note.query.get(note_id)
    claimed = request.args.get("userId")
    if claimed:
        try:
            if note.user_id != int(claimed):
                return jsonify(error="Forbidden"), 403
        except ValueError:
            return jsonify(error="bad userId"), 400
    note.read = True
    db.session.commit()
    return jsonify(ok=True)
'''


def test_an_owner_check_nested_in_a_branch_the_client_can_skip(tmp_path: Path) -> None:
    """The check sits in a ``try`` under a test of a value the client may leave out: it checks nothing."""
    result = audit(tmp_path, {"app.py": SKIPPABLE})
    assert any(f.rule_id == "AS102" for f in result.findings)


NINJA = '''
from ninja import Query, Router
from ninja_jwt.authentication import JWTAuth

router = Router()


@router.get("/export", auth=JWTAuth())
def export(request, period_id: int = Query(...)):
    workspace = request.auth.current_workspace
    return list(Entry.objects.filter(period_id=period_id, workspace_id=workspace.id))
'''


def test_a_lookup_scoped_by_the_authenticated_object_of_the_request(tmp_path: Path) -> None:
    """``request.auth`` (django-ninja's and DRF's authenticated caller) scopes the lookup to the caller."""
    result = audit(tmp_path, {"api.py": NINJA})
    assert not any(f.rule_id == "AS102" for f in result.findings)


DJANGO_URLS = '''
from django.urls import path
from . import views

urlpatterns = [path("summary/", views.summary)]
'''

DJANGO_VIEW = '''
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse

from .models import Expense


@login_required
def summary(request):
    user = request.user
    account = request.GET.get("account")
    account_id = int(account)
{pick}    expenses = {expenses}
    return JsonResponse({{"total": sum(e.amount for e in expenses.filter(account_id=account_id))}})
'''


@pytest.mark.parametrize(("pick", "expenses", "reported"), [
    ("", "Expense.objects.all()", True),
    ("", "Expense.objects.filter(user=user)", False),
    ("    if account_id:\n        user = User.objects.get(id=account_id)\n", "Expense.objects.filter(user=user)", True),
], ids=["unscoped", "scoped-by-the-caller-named-earlier", "scoped-by-a-user-the-client-may-pick"])
def test_django_keys_converted_from_a_query_value(tmp_path: Path, pick: str, expenses: str, reported: bool) -> None:
    """A key converted from a query value (``int(request.GET.get(...))``) is the client's; a queryset first scoped
    by a name holding ``request.user`` is the caller's own."""
    files = {"app/__init__.py": "", "app/urls.py": DJANGO_URLS,
             "app/views.py": DJANGO_VIEW.format(pick=pick, expenses=expenses)}
    result = audit(tmp_path, files)
    assert any(f.rule_id == "AS102" for f in result.findings) is reported
