"""Fixtures for the example applications: the Task API in-process on SQLite or PostgreSQL, fake clocks."""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from apishield.auth.passwords import Passwords
from tests._clock import FakeClock

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

PASSWORD = "correct horse battery staple"
# argon2id with small parameters: the same code path, a fraction of the cost (served tests use the defaults)
FAST_ARGON2 = Passwords(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="session")
def postgres_url(database_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for this test session (per xdist worker), dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = "taskapi_" + secrets.token_hex(6)
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class TaskAPI:
    """A Task API instance and helpers to drive it like a client would."""

    app: Any
    client: Any
    clock: FakeClock
    outbox: Path

    def mail_token(self, email: str) -> str:
        for line in self.outbox.read_text(encoding="utf-8").splitlines():
            mail = json.loads(line)
            if mail["to"] == email and mail.get("token"):
                return str(mail["token"])
        raise AssertionError(f"no mail to {email}")

    def register(self, prefix: str = "user", password: str = PASSWORD) -> dict[str, Any]:
        username = f"{prefix}{secrets.token_hex(4)}"
        return self.register_as(username, f"{username}@example.test", password)

    def register_as(self, username: str, email: str, password: str = PASSWORD) -> dict[str, Any]:
        r = self.client.post("/api/v1/auth/register", json={"username": username, "email": email,
                                                              "password": password})
        assert r.status_code == 201 and r.json["status"] == "pending", r.get_data(as_text=True)
        return {"username": username, "email": email, "password": password}

    def mails(self, email: str) -> list[dict[str, Any]]:
        if not self.outbox.exists():
            return []
        return [m for m in map(json.loads, self.outbox.read_text(encoding="utf-8").splitlines()) if m["to"] == email]

    def verify(self, user: dict[str, Any]) -> dict[str, Any]:
        r = self.client.post("/api/v1/auth/verify", json={"token": self.mail_token(user["email"])})
        assert r.status_code == 200, r.get_data(as_text=True)
        user["id"] = r.json["id"]
        return user

    def login(self, user: dict[str, Any]) -> dict[str, Any]:
        r = self.client.post("/api/v1/auth/login", json={"username": user["username"], "password": user["password"]})
        assert r.status_code == 200, r.get_data(as_text=True)
        return dict(r.json)

    def account(self, prefix: str = "user") -> tuple[dict[str, Any], dict[str, str]]:
        """A verified, logged-in user and its Authorization header."""
        user = self.verify(self.register(prefix))
        tokens = self.login(user)
        user["tokens"] = tokens
        return user, {"Authorization": f"Bearer {tokens['access_token']}"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'taskapi.db'}"
    return str(request.getfixturevalue("postgres_url"))


def make_api(tmp_path: Path, database_url: str, **env: str) -> TaskAPI:
    from taskapi.app import create_app
    from taskapi.settings import Settings

    from apishield.stores import MemoryStore

    clock = FakeClock(1_800_000_000.0)
    outbox = tmp_path / "outbox.jsonl"
    environ = {"TASKAPI_ENV": "demo", "TASKAPI_JWT_SECRET": secrets.token_urlsafe(40), "DATABASE_URL": database_url,
               "TASKAPI_OUTBOX": str(outbox), "TASKAPI_STATE_URL": "memory://", **env}
    settings = Settings.from_env(environ, data_dir=tmp_path)
    app = create_app(settings, clock=clock, store=MemoryStore(clock=clock), passwords=FAST_ARGON2)
    return TaskAPI(app=app, client=app.test_client(), clock=clock, outbox=outbox)


@pytest.fixture
def api(tmp_path: Path, db_url: str) -> TaskAPI:
    return make_api(tmp_path, db_url)


@pytest.fixture
def sqlite_api(tmp_path: Path) -> TaskAPI:
    return make_api(tmp_path, f"sqlite:///{tmp_path / 'taskapi.db'}")


@pytest.fixture
def api_factory(tmp_path: Path) -> Callable[..., TaskAPI]:
    def factory(**env: str) -> TaskAPI:
        return make_api(tmp_path, f"sqlite:///{tmp_path / 'taskapi.db'}", **env)

    return factory
