"""API keys: format, checksum, peppered storage, rotation with grace, revocation, authenticator, CLI."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apishield.auth.apikeys import SECRET_LENGTH, APIKeyManager, checksum, parse_key
from apishield.auth.authenticators import APIKeyAuthenticator, BearerJWTAuthenticator
from apishield.auth.jwt import JWTAuth
from apishield.cli import main
from apishield.errors import ApishieldError, ConfigError, Reject, TokenError, TokenExpired, TokenRevoked
from apishield.ratelimit.penalties import PenaltyBox
from apishield.request import CaseInsensitiveHeaders, RequestView
from apishield.stores import from_url
from apishield.stores.base import Store

from .conftest import FakeClock

PEPPER = b"p" * 32


def _view(headers: dict[str, str], ip: str = "203.0.113.9", path: str = "/tasks") -> RequestView:
    return RequestView("GET", path, CaseInsensitiveHeaders(headers), client_ip=ip)


def test_create_and_verify(any_store: Store, clock: FakeClock) -> None:
    manager = APIKeyManager(any_store, PEPPER, clock=clock)
    created = manager.create("ci", "alice", scopes=["tasks:read"])
    prefix, key_id, tail = created.key.split("_")
    assert prefix == "ask" and key_id == created.record.key_id
    assert len(tail) == SECRET_LENGTH + 6
    record = manager.verify(created.key)
    assert record.owner == "alice" and record.scopes == ["tasks:read"]
    principal = manager.principal(record)
    assert principal.subject == "alice" and principal.auth_method == "api_key"


def test_store_never_holds_the_secret(clock: FakeClock) -> None:
    store = from_url("memory://", clock=clock)
    created = APIKeyManager(store, PEPPER, clock=clock).create("ci", "alice")
    secret = created.key.split("_")[2][:SECRET_LENGTH]
    dump = json.dumps({k: v[0] for k, v in store._values.items()})  # type: ignore[attr-defined]
    assert secret not in dump and created.key not in dump
    # a different pepper cannot verify the key (a stolen store is useless without it)
    with pytest.raises(TokenError):
        APIKeyManager(store, b"q" * 32, clock=clock).verify(created.key)


def test_checksum_catches_typos_before_lookup(clock: FakeClock) -> None:
    class CountingStore:
        def __init__(self) -> None:
            self.inner = from_url("memory://", clock=clock)
            self.gets = 0

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

        def get(self, key: str) -> str | None:
            self.gets += 1
            return self.inner.get(key)

    store = CountingStore()
    manager = APIKeyManager(store, PEPPER, clock=clock)  # type: ignore[arg-type]
    key = manager.create("ci", "bob").key
    for position in range(4, len(key)):
        if key[position] == "_":
            continue
        typo = key[:position] + ("A" if key[position] != "A" else "B") + key[position + 1:]
        before = store.gets
        with pytest.raises(TokenError):
            manager.verify(typo)
        # a typo is almost always caught by CRC32 alone; a lookup happens only on a (rare) checksum collision
        if store.gets != before:
            assert parse_key("ask", typo)


def test_rotation_grace_period(any_store: Store, clock: FakeClock) -> None:
    manager = APIKeyManager(any_store, PEPPER, clock=clock)
    old = manager.create("svc", "carol").key
    new = manager.rotate(old.split("_")[1], grace=3600).key
    assert new != old
    assert manager.verify(old).owner == "carol"
    assert manager.verify(new).owner == "carol"
    clock.advance(3601)
    if "redis" not in any_store.url:
        with pytest.raises(TokenError):
            manager.verify(old)
    assert manager.verify(new).owner == "carol"
    no_grace = manager.rotate(new.split("_")[1], grace=0).key
    with pytest.raises(TokenError):
        manager.verify(new)
    assert manager.verify(no_grace)


def test_revoke_and_expiry(store: Store, clock: FakeClock) -> None:
    manager = APIKeyManager(store, PEPPER, clock=clock)
    a = manager.create("a", "dave")
    manager.revoke(a.record.key_id)
    with pytest.raises(TokenRevoked):
        manager.verify(a.key)
    with pytest.raises(ConfigError):
        manager.rotate(a.record.key_id)
    b = manager.create("b", "dave", ttl=60)
    clock.advance(61)
    with pytest.raises(TokenExpired):
        manager.verify(b.key)


def test_list_by_owner_uses_index(store: Store, clock: FakeClock) -> None:
    manager = APIKeyManager(store, PEPPER, clock=clock)
    mine = {manager.create(f"k{i}", "erin").record.key_id for i in range(3)}
    manager.create("other", "frank")
    assert {r.key_id for r in manager.list("erin")} == mine
    assert len(manager.list()) == 4
    assert "digest" not in manager.list("erin")[0].public()


@pytest.mark.parametrize("pepper", [b"", b"short", "x" * 31])
def test_short_pepper_refused(store: Store, pepper: Any) -> None:
    with pytest.raises(ConfigError, match="32"):
        APIKeyManager(store, pepper)


def test_authenticator_headers_routes_and_penalties(store: Store, clock: FakeClock) -> None:
    manager = APIKeyManager(store, PEPPER, clock=clock)
    key = manager.create("ci", "gina", scopes=["tasks:read"], routes=["/tasks*"]).key
    box = PenaltyBox(store, violations=3, window=60, ban_durations=(120,))
    auth = APIKeyAuthenticator(manager, penalties=box)
    assert auth.authenticate(_view({})) is None
    assert auth.authenticate(_view({"Authorization": "Bearer x"})) is None
    assert auth.authenticate(_view({"X-API-Key": key})).subject == "gina"  # type: ignore[union-attr]
    assert auth.authenticate(_view({"Authorization": f"ApiKey {key}"})).subject == "gina"  # type: ignore[union-attr]
    with pytest.raises(Reject) as forbidden:
        auth.authenticate(_view({"X-API-Key": key}, path="/admin"))
    assert forbidden.value.status == 403
    for _ in range(3):
        with pytest.raises(TokenError):
            auth.authenticate(_view({"X-API-Key": key[:-1] + ("y" if key.endswith("x") else "x")}))
    with pytest.raises(Reject) as banned:
        auth.authenticate(_view({"X-API-Key": key}))  # even a valid key from a banned address waits
    assert banned.value.status == 429 and int(banned.value.headers["Retry-After"]) > 0
    assert auth.authenticate(_view({"X-API-Key": key}, ip="198.51.100.1")) is not None


def test_per_key_rate_limit(store: Store, clock: FakeClock) -> None:
    manager = APIKeyManager(store, PEPPER, clock=clock)
    key = manager.create("ci", "hal", rate_limit="2/minute").key
    auth = APIKeyAuthenticator(manager)
    auth.authenticate(_view({"X-API-Key": key}))
    auth.authenticate(_view({"X-API-Key": key}))
    with pytest.raises(Reject) as limited:
        auth.authenticate(_view({"X-API-Key": key}))
    assert limited.value.status == 429
    with pytest.raises(ConfigError):
        manager.create("bad", "hal", rate_limit="lots")


def test_bearer_authenticator(store: Store, clock: FakeClock) -> None:
    jwt = JWTAuth(key=b"k" * 32, clock=clock)
    box = PenaltyBox(store, violations=2, window=60)
    auth = BearerJWTAuthenticator(jwt, penalties=box)
    assert auth.authenticate(_view({"X-API-Key": "x"})) is None
    token = jwt.issue("ivy", ["a"], ttl=60)
    assert auth.authenticate(_view({"Authorization": f"bearer {token}"})).scopes == {"a"}  # type: ignore[union-attr]
    with pytest.raises(TokenError):
        auth.authenticate(_view({"Authorization": "Bearer "}))
    clock.advance(1000)
    for _ in range(3):
        with pytest.raises(TokenExpired):
            auth.authenticate(_view({"Authorization": f"Bearer {token}"}))
    assert box.banned_for("203.0.113.9") is None  # expired tokens are not an attack


@given(st.one_of(st.none(), st.integers(), st.text(max_size=120), st.binary(max_size=80)))
def test_fuzz_key_parser(value: Any) -> None:
    try:
        parse_key("ask", value)
    except ApishieldError:
        pass


def test_checksum_is_stable_base62() -> None:
    assert checksum("ask_x_y") == checksum("ask_x_y") and len(checksum("")) == 6


def test_cli_create_list_rotate_revoke(tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    monkeypatch.delenv("APISHIELD_KEY_PEPPER", raising=False)
    assert main(["keys", "list", "--store", url]) != 0
    assert "APISHIELD_KEY_PEPPER" in capsys.readouterr().err
    monkeypatch.setenv("APISHIELD_KEY_PEPPER", "tooshort")
    assert main(["keys", "list", "--store", url]) != 0
    err = capsys.readouterr().err
    assert "32" in err and len(err.strip().splitlines()) == 1
    monkeypatch.setenv("APISHIELD_KEY_PEPPER", "z" * 40)
    assert main(["keys", "create", "--store", url, "--name", "ci", "--owner", "jo", "--scope", "tasks:read"]) == 0
    key = capsys.readouterr().out.strip()
    manager = APIKeyManager(from_url(url), "z" * 40)
    assert manager.verify(key).owner == "jo"
    key_id = key.split("_")[1]
    assert main(["keys", "list", "--store", url, "--owner", "jo", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [row["id"] for row in listed] == [key_id] and key not in json.dumps(listed)
    assert main(["keys", "rotate", "--store", url, key_id, "--grace", "0"]) == 0
    new_key = capsys.readouterr().out.strip()
    assert manager.verify(new_key) and new_key != key
    assert main(["keys", "revoke", "--store", url, key_id]) == 0
    with pytest.raises(TokenRevoked):
        manager.verify(new_key)
    assert main(["keys", "revoke", "--store", url, "nope"]) != 0
