"""The Task API's tables (SQLAlchemy 2.0 Core) and engine: one code path for SQLite and PostgreSQL.

SQLite is the default (a file under ``.demo/``); ``DATABASE_URL`` switches to PostgreSQL
(``postgresql+psycopg://…``). Every statement is built with SQLAlchemy expressions, so values are always
bound parameters: there is no string-built SQL anywhere in the application.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(40), nullable=False, unique=True),  # canonical form (auth.identity)
    Column("username_skeleton", String(160), nullable=False, unique=True),  # look-alike names collide here
    Column("email", String(254), nullable=False, unique=True),  # canonical form
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False, default="user"),
    Column("email_verified", Boolean, nullable=False, default=False),
    Column("created_at", BigInteger, nullable=False),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("owner_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("status", String(16), nullable=False, default="todo"),
    Column("priority", Integer, nullable=False, default=3),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index("ix_tasks_owner", "owner_id", "id"),
)
Index("ix_users_unverified", users.c.email_verified, users.c.created_at)

client_apps = Table(  # OAuth 2.0 clients (third-party applications)
    "oauth_clients",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("owner_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(80), nullable=False),
    Column("redirect_uri", String(500), nullable=False),
    Column("scopes", String(255), nullable=False),
    Column("created_at", BigInteger, nullable=False),
)


def sqlite_default(directory: Path) -> str:
    """The default database URL: a SQLite file in ``directory`` (created when missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(directory / 'taskapi.db').resolve()}"


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the tables created. SQLite gets WAL and foreign keys for multi-worker use."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.close()
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
    metadata.create_all(engine, checkfirst=True)
    engine.dispose()  # no pooled connection may survive a fork (gunicorn --preload): workers open their own
    return engine
