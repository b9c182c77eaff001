"""SQL built from request data is AS801 unless the data cannot carry SQL: values handed to
``text(sql).bindparams(x=value)`` travel as bound parameters (the statement is the receiver's text), and a field a
request-body model declares as a number, a truth value, a UUID or a date (``amount: float``) is parsed by a
validating framework before the handler runs. Text formatted into the statement, or a model's ``str`` field, is
still injectable."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

MODELS = '''from pydantic import BaseModel


class Transfer(BaseModel):
    dest_account: int
    amount: float
    note: str
'''

APP = '''from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.orm import Session

from .db import get_db
from .models import Transfer

app = FastAPI()


@app.post("/transfer")
def transfer(body: Transfer, db: Session = Depends(get_db)):
{body}
    db.commit()
    return {{"ok": True}}
'''


@pytest.mark.parametrize(("body", "reported"), [
    # must stay quiet: bound values, numbers the framework parsed
    ('    q = text("UPDATE accounts SET note = :n WHERE id = 1")\n    q = q.bindparams(n=body.note)\n'
     '    db.execute(q)', False),
    ('    db.execute(text(f"UPDATE accounts SET balance = balance + {body.amount} WHERE id = {body.dest_account}"))',
     False),
    # must fire: text formatted into the statement, whatever is bound beside it
    ('    q = text(f"UPDATE accounts SET note = \'{body.note}\' WHERE id = :i").bindparams(i=1)\n    db.execute(q)',
     True),
    ('    db.execute(text(f"UPDATE accounts SET note = \'{body.note}\' WHERE id = {body.dest_account}"))', True),
])
def test_sql_from_bound_values_and_parsed_numbers(tmp_path: Path, body: str, reported: bool) -> None:
    files = {"api/__init__.py": "", "api/db.py": "def get_db():\n    yield None\n", "api/models.py": MODELS,
             "api/main.py": APP.format(body=body)}
    found = [f for f in audit(tmp_path, files).findings if f.rule_id == "AS801" and f.severity.name in {
        "HIGH", "CRITICAL"}]
    assert bool(found) is reported
