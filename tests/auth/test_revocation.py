"""Access tokens revoked by token, by session (refresh family) and by subject, through the verified-token cache."""

from __future__ import annotations

import pytest

from apishield.auth.jwt import JWTAuth
from apishield.auth.refresh import RefreshTokens
from apishield.errors import TokenRevoked
from apishield.stores.base import Store

from .conftest import FakeClock

SECRET = b"s" * 32


def _auth(store: Store, clock: FakeClock) -> JWTAuth:
    return JWTAuth(key=SECRET, store=store, clock=clock, namespace="rv")


def test_subject_not_before_refuses_older_tokens_even_when_cached(any_store: Store, clock: FakeClock) -> None:
    auth = _auth(any_store, clock)
    subject = f"u-{id(any_store)}"
    old = auth.issue(subject, ["a"], 900)
    other = auth.issue(subject + "-other", ["a"], 900)
    assert auth.verify(old).subject == subject  # now in the verified-token cache
    clock.advance(1)
    auth.revoke_subject(subject)
    with pytest.raises(TokenRevoked):
        auth.verify(old)
    assert auth.verify(other).subject == subject + "-other"
    clock.advance(1)
    assert auth.verify(auth.issue(subject, ["a"], 900)).subject == subject  # a fresh login works


def test_family_revocation_kills_the_sessions_access_tokens_only(any_store: Store, clock: FakeClock) -> None:
    auth = _auth(any_store, clock)
    subject = f"f-{id(any_store)}"
    session_a = auth.issue(subject, claims={"sid": "fam-a"})
    session_b = auth.issue(subject, claims={"sid": "fam-b"})
    auth.verify(session_a)
    auth.revoke_family(subject, "fam-a")
    with pytest.raises(TokenRevoked):
        auth.verify(session_a)
    assert auth.verify(session_b).subject == subject


def test_refresh_reuse_and_logout_revoke_the_familys_access_tokens(store: Store, clock: FakeClock) -> None:
    auth = _auth(store, clock)
    refresh = RefreshTokens(store, clock=clock, on_family_revoked=auth.revoke_family)
    grant = refresh.issue("alice")
    access = auth.issue("alice", claims={"sid": grant.family})
    auth.verify(access)
    nxt = refresh.rotate(grant.token)
    with pytest.raises(TokenRevoked):
        refresh.rotate(grant.token)  # replay: theft suspected
    with pytest.raises(TokenRevoked):
        auth.verify(access)
    with pytest.raises(TokenRevoked):
        refresh.rotate(nxt.token)
    second = refresh.issue("alice")
    access2 = auth.issue("alice", claims={"sid": second.family})
    refresh.revoke(second.token)  # logout
    with pytest.raises(TokenRevoked):
        auth.verify(access2)


def test_revoke_subject_ends_every_refresh_family(store: Store, clock: FakeClock) -> None:
    refresh = RefreshTokens(store, clock=clock)
    a, b = refresh.issue("bob"), refresh.issue("bob")
    other = refresh.issue("carol")
    clock.advance(1)
    refresh.revoke_subject("bob")
    for grant in (a, b):
        with pytest.raises(TokenRevoked):
            refresh.rotate(grant.token)
    assert refresh.rotate(other.token).subject == "carol"
    clock.advance(1)
    assert refresh.rotate(refresh.issue("bob").token).subject == "bob"


def test_jti_revocation_still_works(store: Store, clock: FakeClock) -> None:
    auth = _auth(store, clock)
    token = auth.issue("dave")
    keep = auth.issue("dave")
    auth.revoke(token)
    with pytest.raises(TokenRevoked):
        auth.verify(token)
    assert auth.verify(keep).subject == "dave"
