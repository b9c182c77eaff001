"""Passwords, login throttling, signed single-use tokens and TOTP — all on an injected clock."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from argon2 import PasswordHasher
from hypothesis import given
from hypothesis import strategies as st

from apishield.auth.lockout import LOGIN_FAILED, LOGIN_THROTTLED, LoginService, LoginThrottle
from apishield.auth.mfa import TOTP
from apishield.auth.passwords import PasswordPolicy, Passwords, common_passwords
from apishield.auth.tokens import SignedTokens
from apishield.errors import ApishieldError, ConfigError, TokenError, TokenExpired, TokenRevoked
from apishield.stores.base import Store

from .conftest import FakeClock

CHEAP = {"time_cost": 1, "memory_cost": 64, "parallelism": 1}  # test-only argon2 parameters
SECRET = "t" * 40


@pytest.fixture(scope="module")
def passwords() -> Passwords:
    return Passwords(**CHEAP)


def test_hash_is_argon2id_and_verifies(passwords: Passwords) -> None:
    stored = passwords.hash("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, "correct horse battery staple").ok
    assert not passwords.verify(stored, "correct horse battery stapl").ok
    assert not passwords.verify("not-a-hash", "x").ok
    assert not passwords.verify(None, "anything").ok  # unknown user, same code path


def test_rehash_on_login_when_parameters_change(passwords: Passwords) -> None:
    old = PasswordHasher(time_cost=1, memory_cost=32, parallelism=1).hash("long enough password!")
    result = passwords.verify(old, "long enough password!")
    assert result.ok and result.new_hash is not None and result.new_hash != old
    assert passwords.verify(result.new_hash, "long enough password!") == type(result)(True, None)


@pytest.mark.parametrize(
    ("password", "username", "fragment"),
    [
        ("short", None, "at least 12"),
        ("password1234", None, "too common"),
        ("Password123456!", None, "too common"),
        ("qwertyuiop123", None, "too common"),
        ("iloveyouiloveyou", None, "too common"),
        ("alice-is-the-best-2026", "alice", "user name"),
        ("my-ALICE-password-x", "alice@example.com", "user name"),
        ("aaaaaaaaaaaaaaaa", None, "different characters"),
    ],
)
def test_policy_refusals(password: str, username: str | None, fragment: str) -> None:
    problems = PasswordPolicy().problems(password, username=username)
    assert any(fragment in p for p in problems), problems


def test_policy_accepts_a_passphrase() -> None:
    assert PasswordPolicy().problems("violet tractor sings at noon", username="bob") == []
    assert len(common_passwords()) > 500
    with pytest.raises(ValueError, match="12"):
        PasswordPolicy().check("tiny")
    with pytest.raises(ConfigError):
        PasswordPolicy(min_length=6)


def test_login_service_messages_never_reveal_accounts(passwords: Passwords, store: Store, clock: FakeClock) -> None:
    users = {"alice": ("u-1", passwords.hash("violet tractor sings at noon"))}
    saved: dict[str, str] = {}
    service = LoginService(passwords, LoginThrottle(store, max_attempts=2, clock=clock), users.get,
                           lambda subject, h: saved.__setitem__(subject, h))
    assert service.login("alice", "violet tractor sings at noon", "1.1.1.1").subject == "u-1"
    wrong = service.login("alice", "nope", "1.1.1.1")
    unknown = service.login("nobody", "nope", "1.1.1.1")
    assert (wrong.ok, wrong.message, wrong.status) == (unknown.ok, unknown.message, unknown.status) == (
        False, LOGIN_FAILED, 401)
    for name in ("alice", "nobody"):
        for _ in range(3):
            service.login(name, "nope", "2.2.2.2")
    locked_real = service.login("alice", "violet tractor sings at noon", "3.3.3.3")
    locked_fake = service.login("nobody", "whatever", "3.3.3.3")
    assert locked_real.message == locked_fake.message == LOGIN_THROTTLED
    assert locked_real.status == locked_fake.status == 429
    clock.advance(3600)
    assert service.login("alice", "violet tractor sings at noon", "3.3.3.3").ok


def test_signed_tokens_single_use_and_expiry(any_store: Store, clock: FakeClock) -> None:
    tokens = SignedTokens(SECRET, "email-verify", any_store, max_age=600, clock=clock)
    token = tokens.issue("u-1")
    assert tokens.peek(token).subject == "u-1"
    assert tokens.consume(token).subject == "u-1"
    with pytest.raises(TokenRevoked):
        tokens.consume(token)
    late = tokens.issue("u-2")
    clock.advance(601)
    with pytest.raises(TokenExpired):
        tokens.consume(late)


def test_signed_tokens_purpose_rotation_and_binding(store: Store, clock: FakeClock) -> None:
    verify = SignedTokens(SECRET, "email-verify", store, clock=clock)
    reset = SignedTokens(SECRET, "password-reset", store, clock=clock)
    with pytest.raises(TokenError):
        reset.consume(verify.issue("u-1"))  # purposes never mix
    old_key = SignedTokens("o" * 40, "password-reset", store, clock=clock)
    rotated = SignedTokens(["o" * 40, SECRET], "password-reset", store, clock=clock)
    assert rotated.consume(old_key.issue("u-3")).subject == "u-3"
    bound = reset.issue("u-4", bind="$argon2id$old-hash")
    with pytest.raises(TokenRevoked):
        reset.consume(bound, bind="$argon2id$new-hash")
    with pytest.raises(ConfigError):
        SignedTokens("short", "x", store)


@given(st.one_of(st.none(), st.integers(), st.text(max_size=200), st.binary(max_size=50)))
def test_fuzz_signed_token_parser(value: Any) -> None:
    from apishield.stores import from_url

    tokens = SignedTokens(SECRET, "fuzz", from_url("memory://"))
    try:
        tokens.consume(value)
    except ApishieldError:
        pass


def test_totp_accepts_once_and_refuses_replay(any_store: Store, clock: FakeClock) -> None:
    totp = TOTP(any_store, clock=clock)
    secret = totp.new_secret()
    assert totp.provisioning_uri(secret, "alice@example.com").startswith("otpauth://totp/")
    code = pyotp.TOTP(secret).at(clock())
    assert totp.verify("alice", secret, code)
    assert not totp.verify("alice", secret, code)  # replay
    assert not totp.verify("alice", secret, "12345")
    assert not totp.verify("alice", secret, None)
    assert not totp.verify("alice", secret, "１２３４５６")  # non-ASCII digits
    clock.advance(30)
    previous = code
    assert not totp.verify("alice", secret, previous)  # older step than the one used
    assert totp.verify("alice", secret, pyotp.TOTP(secret).at(clock()))
    clock.advance(120)
    assert not totp.verify("bob", secret, pyotp.TOTP(secret).at(clock() - 120))  # too old
