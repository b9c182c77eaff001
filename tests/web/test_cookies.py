"""Cookie attributes and signed cookies with key rotation and expiry (injected clock)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apishield.errors import ConfigError, TokenError, TokenExpired
from apishield.web.cookies import SignedCookies, build_set_cookie, expire_cookie
from tests._clock import FakeClock

from ._helpers import view

OLD, NEW = "o" * 32, "n" * 32


def test_set_cookie_defaults_are_strict() -> None:
    header = build_set_cookie("__Host-id", "abc")
    assert header == "__Host-id=abc; Path=/; Secure; HttpOnly; SameSite=Lax"
    assert "Max-Age=0" in expire_cookie("__Host-id")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "__Host-x", "value": "v", "domain": "example.com"},
        {"name": "__Host-x", "value": "v", "path": "/api"},
        {"name": "__Host-x", "value": "v", "secure": False},
        {"name": "__Secure-x", "value": "v", "secure": False},
        {"name": "x", "value": "v", "same_site": "None", "secure": False},
        {"name": "x", "value": "v", "same_site": "lax"},
        {"name": "x y", "value": "v"},
        {"name": "x", "value": "a;b"},
        {"name": "x", "value": "v\r\nSet-Cookie: evil=1"},
        {"name": "x", "value": "v", "path": "/; Domain=evil.net"},
        {"name": "x", "value": "v", "domain": "evil.net; Secure"},
    ],
)
def test_unsafe_cookie_attributes_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        build_set_cookie(**kwargs)  # type: ignore[arg-type]


def test_signed_roundtrip_rotation_and_tamper() -> None:
    clock = FakeClock()
    old = SignedCookies([OLD], clock=clock)
    rotated = SignedCookies([OLD, NEW], clock=clock)
    new_only = SignedCookies([NEW], clock=clock)
    value = {"cart": [1, 2], "theme": "dark"}
    legacy = old.dumps(value)
    assert rotated.loads(legacy) == value  # old keys still verify
    fresh = rotated.dumps(value)
    assert new_only.loads(fresh) == value  # the newest key signs
    with pytest.raises(TokenError):
        old.loads(fresh)
    tampered = fresh[:-2] + ("AA" if not fresh.endswith("AA") else "BB")
    with pytest.raises(TokenError):
        rotated.loads(tampered)
    with pytest.raises(TokenError):
        SignedCookies([NEW], salt="other-purpose", clock=clock).loads(fresh)


def test_signed_expiry_uses_injected_clock() -> None:
    clock = FakeClock()
    cookies = SignedCookies([NEW], max_age=60, clock=clock)
    token = cookies.dumps("x")
    clock.advance(59)
    assert cookies.loads(token) == "x"
    clock.advance(2)
    with pytest.raises(TokenExpired):
        cookies.loads(token)


def test_read_from_request_and_set_cookie() -> None:
    cookies = SignedCookies([NEW])
    header = cookies.set_cookie("__Host-prefs", {"lang": "en"})
    value = header.split(";", 1)[0].split("=", 1)[1]
    req = view(headers={"cookie": f"__Host-prefs={value}"})
    assert cookies.read(req, "__Host-prefs") == {"lang": "en"}
    assert cookies.read(view(headers={"cookie": "__Host-prefs=forged.value.sig"}), "__Host-prefs") is None
    assert cookies.read(view(), "__Host-prefs") is None


def test_weak_keys_refused() -> None:
    with pytest.raises(ConfigError, match="32 bytes"):
        SignedCookies(["secret"])
    with pytest.raises(ConfigError):
        SignedCookies([])


@given(st.text(max_size=200))
def test_fuzz_loads_only_token_errors(token: str) -> None:
    cookies = SignedCookies([NEW])
    with pytest.raises(TokenError):
        cookies.loads(token)
