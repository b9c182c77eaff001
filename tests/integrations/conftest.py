"""Fixtures for the integration suite: tokens signed with PyJWT (not apishield), real servers."""

from __future__ import annotations

import time
from collections.abc import Callable

import jwt
import pytest

from tests.integrations.servers import JWT_SECRET


@pytest.fixture(scope="session")
def make_token() -> Callable[..., str]:
    """A bearer token for ``subject`` with ``scopes``, signed with the servers' HS256 key (or another key)."""

    def _make(
        subject: str = "alice", scopes: tuple[str, ...] = (), key: str = JWT_SECRET, ttl: int = 300,
        roles: tuple[str, ...] = (),
    ) -> str:
        now = int(time.time())
        claims: dict[str, object] = {"sub": subject, "scope": " ".join(scopes), "iat": now, "nbf": now}
        claims["exp"] = now + ttl
        if roles:
            claims["roles"] = list(roles)
        return jwt.encode(claims, key, algorithm="HS256")

    return _make
