"""AS612: payment card numbers, card security codes or national identity numbers kept in the clear.

A database column that holds whole card numbers, CVVs or social-security numbers as plain text hands them to whoever
reads a backup, a leaked dump or an injected query; PCI DSS forbids keeping a CVV at all and requires card numbers to
be unreadable where stored. What proves such a store:

* a column of an ORM model (SQLAlchemy ``Column``/``mapped_column``/``Mapped[...]``, Django ``models.*Field``,
  peewee, mongoengine) whose name says it holds the whole number (``credit_card``, ``card_number``, ``cc_number``,
  ``cvv``, ``ssn``, ``social_security_number``) and whose type encrypts nothing;
* a ``CREATE TABLE`` statement in the code with such a column.

Columns that keep what may be kept (``card_last4``, ``card_token``, ``card_brand``, ``card_fingerprint``, a payment
provider's id) do not match, and a column whose type encrypts (``EncryptedType``, ``StringEncryptedType``,
``EncryptedCharField``, a Fernet field) is the fix. Test code, fixtures and examples are skipped.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.rules.base import at, at_node, is_sample_code
from apishield.audit.rules.registry import ModuleContext, rule
from apishield.findings import Confidence, Finding, Rule, Severity

CARD_DATA_IN_CLEAR = Rule(
    id="AS612",
    title="Card or identity numbers stored in the clear",
    cwe=(311, 312, 359),
    owasp="API3:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    description="Whole card numbers, card security codes or national identity numbers kept as plain text are read "
    "by anyone who gets a backup, a dump or an injected query.",
    fix="Keep no CVV at all and no whole card number: store the payment provider's token and the last four digits. "
    "Where an identity number must be kept, encrypt the column (sqlalchemy-utils `StringEncryptedType`, "
    "django-cryptography `encrypt(models.CharField(...))`) with a key kept outside the database.",
)

#: a column named for the whole number, not for what may be kept (``card_last4``, ``card_token`` do not match)
_SENSITIVE = re.compile(r"^(?:credit_?card(?:_?(?:number|num|no))?|card_?(?:number|num|no)|cc_?(?:number|num)|"
                        r"cvv2?|cvc|card_?(?:cvv|cvc|security_?code)|ssn|social_?security(?:_?(?:number|no))?)$",
                        re.IGNORECASE)
#: calls that declare a model's column or field
_COLUMN = re.compile(r"^(?:Column|mapped_column|\w*Field|StringField|IntField)$")
#: a column type that encrypts what it stores
_ENCRYPTS = re.compile(r"(?i)encrypt|fernet|cipher")
_SQL_COLUMN = re.compile(r"(?i)\b(credit_?card\w*|card_?(?:number|num|no)|cc_?(?:number|num)|cvv2?|cvc|ssn|"
                         r"social_?security\w*)\s+(?:TEXT|VARCHAR|CHAR|NVARCHAR|INTEGER|BIGINT|NUMERIC|STRING)\b")
#: classes whose fields describe what a request carries, not what is stored
_NOT_STORED = re.compile(r"(?:Form|Schema|Serializer|^BaseModel)$")
_HINTS = ("card", "cvv", "cvc", "ssn", "social_security", "socialsecurity", "cc_num")


def _column_name(stmt: ast.stmt) -> str:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id
    return ""


def _declares_plain_column(stmt: ast.stmt) -> bool:
    """The class-body statement declares a column (a column call, or a ``Mapped[...]`` annotation) whose type
    encrypts nothing."""
    value = stmt.value if isinstance(stmt, (ast.Assign, ast.AnnAssign)) else None
    annotation = stmt.annotation if isinstance(stmt, ast.AnnAssign) else None
    declared = (isinstance(value, ast.Call) and bool(_COLUMN.match(au.last(au.dotted(value.func))))) or (
        annotation is not None and "Mapped" in ast.unparse(annotation))
    parts = [p for p in (value, annotation) if p is not None]
    return declared and not any(_ENCRYPTS.search(ast.unparse(p)) for p in parts)


@rule(CARD_DATA_IN_CLEAR)
def check_card_data_in_clear(ctx: ModuleContext) -> Iterator[Finding]:
    """AS612 — a model column or a ``CREATE TABLE`` column named for a whole card number, a CVV or a social-security
    number, with no encrypting type."""
    if not au.mentions(ctx, _HINTS) or is_sample_code(ctx.path):
        return
    for cls in au.nodes_of(ctx.tree, ast.ClassDef):
        if not isinstance(cls, ast.ClassDef) or any(_NOT_STORED.search(au.last(au.dotted(b))) for b in cls.bases):
            continue  # a form, a request schema or a serializer carries the number through, it keeps nothing
        for stmt in cls.body:
            name = _column_name(stmt)
            if name and _SENSITIVE.match(name) and _declares_plain_column(stmt):
                yield at_node(CARD_DATA_IN_CLEAR, ctx, stmt, f"{cls.name}.{name} keeps the whole number as plain text")
    for node in au.nodes_of(ctx.tree, ast.Constant):
        text = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""
        if "create table" not in text.lower():
            continue
        for match in _SQL_COLUMN.finditer(text):
            line = getattr(node, "lineno", 1) + text.count("\n", 0, match.start())
            yield at(CARD_DATA_IN_CLEAR, ctx.path, ctx.lines, line,
                     f"the table's column {match.group(1)} keeps the whole number as plain text")


__all__ = ["CARD_DATA_IN_CLEAR"]
