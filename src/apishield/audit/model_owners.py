"""Which stored models' records belong to someone (AS102): a model whose records name no owner (a course's class,
a product) is loaded by id by design; one that names an owner, or is a person's own record, is not."""

from __future__ import annotations

import ast
import re

from apishield.audit import astutil as au

#: a model field naming whom a record belongs to
#: a column naming whose record a row is: ``owner_id``, ``user_id``, ``created_by_user_id``, ``created_by``
OWNER_COLUMN_WORDS = (r"(?:\w+_)?(?:owner|user|author|creator|account|customer|member)_?id|"
                      r"(?:created|uploaded|posted)_by(?:_\w+)?")
OWNER_FIELD = re.compile(rf"(?i)^(?:(?:user|owner|author|creator|account|customer|member)|{OWNER_COLUMN_WORDS})$")
#: a model that is a person's own record: the user, account or profile itself
PERSON_MODEL = re.compile(r"(?i)user|account|profile|customer|member|person|employee|patient")
_ORM_BASES = frozenset({"Model", "Base", "DeclarativeBase", "Document", "DynamicDocument", "SQLModel"})


def model_owners(tree: ast.Module) -> dict[str, bool]:
    """Stored models this module defines (SQLAlchemy, Flask-SQLAlchemy, Django, mongoengine, SQLModel), each with
    whether its records belong to someone: a field naming an owner (``owner_id``, ``user``, ``author``), a
    foreign key to the user table, or a model that is a person's own record. A record of a model that names no
    owner (a class of a course, a product) belongs to nobody: loading it by id is the design."""
    classes = [c for c in tree.body if isinstance(c, ast.ClassDef)]
    models: dict[str, bool] = {}
    for _ in range(2):  # a model deriving from another model of the module
        for cls in classes:
            if cls.name in models or not any(au.last(au.dotted(b)) in _ORM_BASES or au.last(au.dotted(b)) in models
                                             for b in cls.bases):
                continue
            owned = bool(PERSON_MODEL.search(cls.name))
            for stmt in cls.body:
                targets = (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                           if isinstance(stmt, ast.AnnAssign) else [])
                value = ast.unparse(stmt.value) if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value \
                    else ""
                if any(isinstance(t, ast.Name) and (OWNER_FIELD.match(t.id) or "pass" in t.id.lower())
                       for t in targets) or re.search(r"ForeignKey\(\s*['\"]?(?:auth\.)?users?\b|AUTH_USER_MODEL|"
                                                      r"get_user_model|ForeignKey\(\s*User\b", value):
                    owned = True
            models[cls.name] = owned
    return models


__all__ = ["OWNER_COLUMN_WORDS", "OWNER_FIELD", "PERSON_MODEL", "model_owners"]
