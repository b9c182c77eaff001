"""A failing store makes login, refresh and revocation checks fail closed: 503 + Retry-After, one event."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from apishield import events
from apishield.auth.jwt import JWTAuth
from apishield.auth.lockout import LoginService, LoginThrottle
from apishield.auth.mfa import TOTP
from apishield.auth.passwords import Passwords
from apishield.auth.refresh import RefreshTokens
from apishield.auth.tokens import SignedTokens
from apishield.errors import Reject, StoreError, StoreUnavailable
from apishield.stores.base import Store

from .conftest import FakeClock


class DownStore:
    """Every operation fails, as a stopped Redis or a full disk does (after a working start, when ``up``)."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.up = True

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            if not self.up:
                raise StoreError("connection refused")
            return attr(*args, **kwargs)

        return call


@pytest.fixture
def captured() -> Iterator[list[str]]:
    seen: list[str] = []
    remove = events.add_listener(lambda name, fields: seen.append(name))
    yield seen
    remove()


def _assert_503(exc: BaseException) -> None:
    assert isinstance(exc, StoreUnavailable) and isinstance(exc, Reject) and isinstance(exc, StoreError)
    assert exc.status == 503 and int(exc.headers["Retry-After"]) >= 1
    assert exc.response_headers()["Content-Type"] == "application/problem+json"


def test_login_fails_closed_with_one_event(store: Store, clock: FakeClock, captured: list[str]) -> None:
    down = DownStore(store)
    passwords = Passwords(time_cost=1, memory_cost=64, parallelism=1)
    service = LoginService(passwords, LoginThrottle(down, clock=clock), lambda n: None)  # type: ignore[arg-type]
    down.up = False
    for _ in range(50):
        with pytest.raises(StoreUnavailable) as info:
            service.login("alice", "whatever", "192.0.2.1")
        _assert_503(info.value)
    assert captured.count("login.store_error") == 1


def test_refresh_and_revocation_fail_closed(store: Store, clock: FakeClock, captured: list[str]) -> None:
    down = DownStore(store)
    auth = JWTAuth(key=b"k" * 32, store=down, clock=clock)  # type: ignore[arg-type]
    refresh = RefreshTokens(down, clock=clock)  # type: ignore[arg-type]
    grant = refresh.issue("alice")
    token = auth.issue("alice")
    auth.verify(token)
    down.up = False
    for call in (lambda: refresh.rotate(grant.token), lambda: refresh.issue("bob"), lambda: auth.verify(token),
                 lambda: refresh.revoke_subject("alice"), lambda: auth.revoke_subject("alice")):
        for _ in range(5):
            with pytest.raises(StoreUnavailable) as info:
                call()
            _assert_503(info.value)
    assert captured.count("refresh.store_error") == 1 and captured.count("jwt.store_error") == 1


def test_single_use_tokens_and_totp_fail_closed(store: Store, clock: FakeClock, captured: list[str]) -> None:
    import pyotp

    down = DownStore(store)
    tokens = SignedTokens("k" * 40, "password-reset", down, clock=clock)  # type: ignore[arg-type]
    totp = TOTP(down, clock=clock)  # type: ignore[arg-type]
    token = tokens.issue("alice")
    secret = TOTP.new_secret()
    code = pyotp.TOTP(secret).at(clock())
    down.up = False
    for call in (lambda: tokens.consume(token), lambda: tokens.peek(token), lambda: totp.verify("alice", secret, code)):
        for _ in range(3):
            with pytest.raises(StoreUnavailable) as info:
                call()
            _assert_503(info.value)
    assert captured.count("signed_token.store_error") == 1 and captured.count("totp.store_error") == 1
