"""What authentication reads from the store comes back with the request's rate-limit decision: one store call
per authenticated request, and every revocation still refuses the token on its next request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from apishield.auth.authenticators import BearerJWTAuthenticator
from apishield.auth.jwt import JWTAuth
from apishield.errors import StoreError
from apishield.request import CaseInsensitiveHeaders, RequestView
from apishield.shield import Shield
from apishield.stores import MemoryStore
from tests._clock import FakeClock

JWT_KEY = "read-ahead-test-secret-" + "r" * 40
LOGGED = ("get", "ttl", "members", "is_member", "incr", "hit", "hit_unless_banned", "hit_and_read")


class CountingStore(MemoryStore):
    """A memory store that records the name of every state operation called on it, standing in for a store
    whose calls are round trips (the plain memory store has none to save and is not read ahead)."""

    read_ahead = True

    def __init__(self, clock: FakeClock, fail: Sequence[str] = ()) -> None:
        super().__init__(clock=clock)
        self.calls: list[str] = []
        self.fail = set(fail)

    def __getattribute__(self, name: str) -> Any:
        if name in LOGGED:
            self.calls.append(name)
            if name in self.fail:
                raise StoreError(f"{name}: the store is down")
        return super().__getattribute__(name)


def bearer(token: str, ip: str = "10.4.4.4") -> RequestView:
    headers = CaseInsensitiveHeaders({"host": "api.example.com", "authorization": f"Bearer {token}"})
    return RequestView(method="GET", path="/x", headers=headers, client_ip=ip, scheme="https")


def shield_on(store: MemoryStore, clock: FakeClock, **settings: Any) -> Shield:
    return Shield(jwt_secret=JWT_KEY, auth={"jwt_revocation": True}, store=store, clock=clock, **settings)


def test_an_authenticated_request_makes_one_store_call() -> None:
    clock = FakeClock(1_000_000.0)
    store = CountingStore(clock)
    shield = shield_on(store, clock)
    token = shield.issue_token("ann", ttl=600)
    assert shield.process(bearer(token)).allowed  # verified once: the signature check and its own read
    store.calls.clear()
    for _ in range(3):
        assert shield.process(bearer(token)).allowed
    assert store.calls == ["hit_and_read"] * 3


def test_every_kind_of_revocation_refuses_the_next_request_made_by_another_instance() -> None:
    """A second shield on the same store (another worker) revokes; the first, whose cache holds the token,
    refuses it on its very next request, still in one store call."""
    clock = FakeClock(1_000_000.0)
    store = CountingStore(clock)
    first, second = shield_on(store, clock), shield_on(store, clock)
    revokes = {
        "token": lambda token: second.jwt.revoke(token),
        "subject": lambda token: second.jwt.revoke_subject("ann"),
        "family": lambda token: second.jwt.revoke_family("ann", "fam-1"),
    }
    for kind, revoke in revokes.items():
        clock.now += 1
        token = first.jwt.issue("ann", ttl=600, claims={"sid": "fam-1"} if kind == "family" else None)
        assert first.process(bearer(token)).allowed and first.process(bearer(token)).allowed, kind
        revoke(token)
        store.calls.clear()
        assert first.process(bearer(token)).status == 401, kind
        assert store.calls == ["hit_and_read"], kind


def test_a_token_checked_against_another_store_is_read_from_that_store() -> None:
    """Read-ahead covers only the rate limiter's own store: a JWTAuth keeping its revocations elsewhere is
    never answered from the limiter's store (which knows nothing of them)."""
    clock = FakeClock(1_000_000.0)
    limits, revocations = CountingStore(clock), CountingStore(clock)
    jwt = JWTAuth(JWT_KEY, store=revocations, clock=clock)
    shield = Shield(authenticators=[BearerJWTAuthenticator(jwt)], store=limits, clock=clock)
    token = jwt.issue("ann", ttl=600)
    assert shield.process(bearer(token)).allowed and shield.process(bearer(token)).allowed
    limits.calls.clear()
    revocations.calls.clear()
    jwt.revoke(token)
    assert shield.process(bearer(token)).status == 401
    assert limits.calls[0] == "hit_unless_banned" and "members" not in limits.calls  # no set asked of it
    assert revocations.calls[-1] == "members"


def test_when_the_decision_fails_open_authentication_reads_for_itself() -> None:
    """The rate limiter lets a request through when its store call fails (``on_store_error="allow"``); the
    revocation check then makes its own read and fails closed if that fails too: never "not revoked"."""
    clock = FakeClock(1_000_000.0)
    store = CountingStore(clock)
    shield = shield_on(store, clock)
    token = shield.issue_token("ann", ttl=600)
    assert shield.process(bearer(token)).allowed
    shield.jwt.revoke(token)
    store.fail = {"hit_and_read"}
    store.calls.clear()
    assert shield.process(bearer(token)).status == 401
    assert store.calls == ["hit_and_read", "members"]
    other = shield.issue_token("bob", ttl=600)
    store.fail = set()
    assert shield.process(bearer(other)).allowed
    store.fail = {"hit_and_read", "members"}
    refused = shield.process(bearer(other))
    assert refused.status == 503 and "Retry-After" in dict(refused.headers)


class OlderStore:
    """A store of one's own, written against the protocol before ``hit_and_read`` existed."""

    def __init__(self, clock: FakeClock) -> None:
        self._inner = MemoryStore(clock=clock)

    def __getattr__(self, name: str) -> Any:
        if name == "hit_and_read":
            raise AttributeError(name)
        return getattr(self._inner, name)


def test_a_store_without_hit_and_read_still_serves_in_two_calls() -> None:
    clock = FakeClock(1_000_000.0)
    shield = shield_on(OlderStore(clock), clock)  # type: ignore[arg-type]
    token = shield.issue_token("ann", ttl=600)
    assert shield.process(bearer(token)).allowed and shield.process(bearer(token)).allowed
    shield.jwt.revoke(token)
    assert shield.process(bearer(token)).status == 401


def test_tokens_never_verified_here_are_not_looked_into_before_the_rate_limit() -> None:
    """Nothing is parsed or verified to name the sets: a token this process has not verified (forged, garbled,
    empty, or simply new) gets no read-ahead, and is decided exactly as before."""
    clock = FakeClock(1_000_000.0)
    store = CountingStore(clock)
    shield = shield_on(store, clock)
    fresh = shield.issue_token("ann", ttl=600)
    for token, status in ((fresh[:-4] + "AAAA", 401), ("not-a-jwt", 401), ("", 401), (fresh, 200)):
        store.calls.clear()
        outcome = shield.process(bearer(token))
        assert (outcome.status or 200) == status, token
        assert store.calls[0] == "hit_unless_banned", (token, store.calls)  # the decision alone, as before
    store.calls.clear()
    assert shield.process(bearer(fresh)).allowed  # verified once: from now on, one call
    assert store.calls == ["hit_and_read"]


def test_the_memory_store_is_not_read_ahead() -> None:
    """In-process calls cost no round trip: the memory store decides and reads in two calls, as before."""
    clock = FakeClock(1_000_000.0)

    class Plain(MemoryStore):
        sets_read: list[tuple[str, ...]]

        def hit_and_read(self, *args: Any) -> Any:
            self.sets_read.append(tuple(args[4]))
            return super().hit_and_read(*args)

    store = Plain(clock=clock)
    store.sets_read = []
    shield = shield_on(store, clock)
    token = shield.issue_token("ann", ttl=600)
    assert shield.process(bearer(token)).allowed and shield.process(bearer(token)).allowed
    assert not any(store.sets_read)  # no decision was asked to read a set
    shield.jwt.revoke(token)
    assert shield.process(bearer(token)).status == 401
