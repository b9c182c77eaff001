"""Data access for the Task API: small functions over SQLAlchemy Core, no HTTP, no security policy.

Ownership is part of every task query (``owner_id`` is always in the WHERE clause unless the caller is an
administrator), so a forgotten check cannot leak another user's task: the row simply is not found.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from taskapi.db import client_apps, tasks, users

TASK_FIELDS = ("title", "description", "status", "priority")


def now() -> int:
    return int(time.time())


# --- users -------------------------------------------------------------------------------------------
def create_user(conn: Connection, username: str, skeleton: str, email: str, password_hash: str, *,
                created_at: int, role: str = "user") -> int | None:
    """The new user's id, or ``None`` when the name (or a look-alike of it) or the e-mail is taken.

    ``username``, ``skeleton`` and ``email`` are canonical forms; the unique indexes on them decide.
    """
    try:
        with conn.begin_nested():
            result = conn.execute(insert(users).values(
                username=username, username_skeleton=skeleton, email=email, password_hash=password_hash,
                role=role, email_verified=False, created_at=created_at))
    except IntegrityError:
        return None
    key = result.inserted_primary_key
    return int(key[0]) if key else None


def purge_unverified(conn: Connection, created_before: int) -> int:
    """Delete registrations never verified and older than ``created_before``: their name and e-mail are free."""
    query = delete(users).where(users.c.email_verified.is_(False), users.c.created_at < created_before)
    return int(conn.execute(query).rowcount or 0)


def user_by_email(conn: Connection, email: str) -> Mapping[str, Any] | None:
    return conn.execute(select(users).where(users.c.email == email)).mappings().first()


def user_by_skeleton(conn: Connection, skeleton: str) -> Mapping[str, Any] | None:
    return conn.execute(select(users).where(users.c.username_skeleton == skeleton)).mappings().first()


def user_by_name(conn: Connection, username: str) -> Mapping[str, Any] | None:
    return conn.execute(select(users).where(users.c.username == username)).mappings().first()


def user_by_id(conn: Connection, user_id: int) -> Mapping[str, Any] | None:
    return conn.execute(select(users).where(users.c.id == user_id)).mappings().first()


def set_password_hash(conn: Connection, user_id: int, password_hash: str) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))


def mark_verified(conn: Connection, user_id: int) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(email_verified=True))


def count_admins(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(users).where(users.c.role == "admin")).scalar_one())


def set_role(conn: Connection, user_id: int, role: str) -> bool:
    result = conn.execute(update(users).where(users.c.id == user_id).values(role=role))
    return result.rowcount == 1


def list_users(conn: Connection, limit: int, offset: int) -> tuple[list[Mapping[str, Any]], int]:
    rows = conn.execute(select(users).order_by(users.c.id).limit(limit).offset(offset)).mappings().all()
    total = conn.execute(select(func.count()).select_from(users)).scalar_one()
    return list(rows), int(total)


# --- tasks -------------------------------------------------------------------------------------------
def _scope(query: Any, owner_id: int | None) -> Any:
    return query if owner_id is None else query.where(tasks.c.owner_id == owner_id)


def create_task(conn: Connection, owner_id: int, data: Mapping[str, Any]) -> Mapping[str, Any]:
    stamp = now()
    values = {k: data[k] for k in TASK_FIELDS if k in data}
    result = conn.execute(insert(tasks).values(owner_id=owner_id, created_at=stamp, updated_at=stamp, **values))
    key = result.inserted_primary_key
    row = get_task(conn, int(key[0]) if key else -1, owner_id)
    if row is None:  # pragma: no cover - the row was inserted in this transaction
        raise RuntimeError("task vanished after insert")
    return row


def get_task(conn: Connection, task_id: int, owner_id: int | None) -> Mapping[str, Any] | None:
    """The task when it exists and belongs to ``owner_id`` (``None``: any owner, for administrators)."""
    return conn.execute(_scope(select(tasks).where(tasks.c.id == task_id), owner_id)).mappings().first()


def list_tasks(conn: Connection, owner_id: int | None, limit: int, offset: int,
               status: str | None = None) -> tuple[list[Mapping[str, Any]], int]:
    query = _scope(select(tasks), owner_id)
    count = _scope(select(func.count()).select_from(tasks), owner_id)
    if status is not None:
        query = query.where(tasks.c.status == status)
        count = count.where(tasks.c.status == status)
    rows = conn.execute(query.order_by(tasks.c.id).limit(limit).offset(offset)).mappings().all()
    return list(rows), int(conn.execute(count).scalar_one())


def update_task(conn: Connection, task_id: int, owner_id: int | None,
                data: Mapping[str, Any]) -> Mapping[str, Any] | None:
    values = {k: data[k] for k in TASK_FIELDS if k in data}
    query = _scope(update(tasks).where(tasks.c.id == task_id), owner_id).values(updated_at=now(), **values)
    if conn.execute(query).rowcount != 1:
        return None
    return get_task(conn, task_id, owner_id)


def delete_task(conn: Connection, task_id: int, owner_id: int | None) -> bool:
    return bool(conn.execute(_scope(delete(tasks).where(tasks.c.id == task_id), owner_id)).rowcount == 1)


# --- OAuth clients -----------------------------------------------------------------------------------
def add_oauth_client(conn: Connection, client_id: str, owner_id: int, name: str, redirect_uri: str,
                     scopes: str) -> None:
    conn.execute(insert(client_apps).values(client_id=client_id, owner_id=owner_id, name=name,
                                              redirect_uri=redirect_uri, scopes=scopes, created_at=now()))


def oauth_client(conn: Connection, client_id: str) -> Mapping[str, Any] | None:
    return conn.execute(select(client_apps).where(client_apps.c.client_id == client_id)).mappings().first()
