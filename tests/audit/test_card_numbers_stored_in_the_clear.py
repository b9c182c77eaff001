"""Whole card numbers, CVVs and social-security numbers kept as plain text in a model column or a table the code
creates are reported (AS612); what may be kept (the last four digits, the provider's token, the brand) and columns
whose type encrypts are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_SQLALCHEMY = ("from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\nclass User(db.Model):\n"
               "    id = db.Column(db.Integer, primary_key=True)\n{column}\n")


@pytest.mark.parametrize(("column", "reported"), [
    # must fire: the whole number as plain text
    ("    credit_card = db.Column(db.String(20))", True),
    ("    ssn = db.Column(db.String(11))", True),
    ("    cvv = db.Column(db.String(4))", True),
    # must stay quiet: what may be kept, or an encrypting type
    ("    card_last4 = db.Column(db.String(4))", False),
    ("    card_token = db.Column(db.String(64))", False),
    ("    card_number = db.Column(StringEncryptedType(db.String, key, AesEngine))", False),
    ("    credit_card = 'visa'", False),
])
def test_model_columns_holding_whole_card_numbers(tmp_path: Path, column: str, reported: bool) -> None:
    result = audit(tmp_path, {"models.py": _SQLALCHEMY.format(column=column)})
    assert any(f.rule_id == "AS612" for f in result.findings) is reported


@pytest.mark.parametrize(("ddl", "reported"), [
    ("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, card_number TEXT NOT NULL)", True),
    ("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, card_last4 TEXT, card_brand TEXT)", False),
])
def test_tables_created_with_card_number_columns(tmp_path: Path, ddl: str, reported: bool) -> None:
    source = f"import sqlite3\ndb = sqlite3.connect('app.db')\ndb.execute('''{ddl}''')\n"
    result = audit(tmp_path, {"db.py": source})
    assert any(f.rule_id == "AS612" for f in result.findings) is reported


def test_django_fields_and_the_line_reported(tmp_path: Path) -> None:
    source = ("from django.db import models\nclass Payment(models.Model):\n    amount = models.IntegerField()\n"
              "    card_number = models.CharField(max_length=19)\n")
    result = audit(tmp_path, {"shop/models.py": source})
    hits = [f for f in result.findings if f.rule_id == "AS612"]
    assert [f.location.line for f in hits if f.location] == [4]


@pytest.mark.parametrize("source", [
    "from flask_wtf import FlaskForm\nfrom wtforms import StringField\nclass Pay(FlaskForm):\n"
    "    card_number = StringField('Card Number')\n",
    "from pydantic import BaseModel\nclass PayIn(BaseModel):\n    card_number: str\n",
])
def test_forms_and_request_schemas_store_nothing(tmp_path: Path, source: str) -> None:
    result = audit(tmp_path, {"forms.py": source})
    assert not any(f.rule_id == "AS612" for f in result.findings)
