"""One verified-token cache (JWTAuth's): a revoked or expired token is refused through the shield right after
it was accepted, and turning the cache off changes no answer."""

from __future__ import annotations

import pytest

from apishield.request import CaseInsensitiveHeaders, RequestView
from apishield.shield import Shield
from tests._clock import FakeClock

JWT_KEY = "token-cache-test-secret-" + "t" * 40


def bearer(token: str) -> RequestView:
    headers = CaseInsensitiveHeaders({"host": "api.example.com", "authorization": f"Bearer {token}"})
    return RequestView(method="GET", path="/x", headers=headers, client_ip="10.3.3.3", scheme="https")


@pytest.mark.parametrize("cache_seconds", [5.0, 0.0])
def test_revoked_token_is_refused_right_after_it_was_accepted(cache_seconds: float) -> None:
    shield = Shield(jwt_secret=JWT_KEY, auth={"jwt_revocation": True, "token_cache_seconds": cache_seconds},
                    rate_limit={"enabled": False}, clock=FakeClock(1_000_000.0))
    token = shield.issue_token("ann", ttl=600)
    assert all(shield.process(bearer(token)).allowed for _ in range(3))  # cached after the first
    shield.jwt.revoke(token)
    assert shield.process(bearer(token)).status == 401


@pytest.mark.parametrize("cache_seconds", [5.0, 0.0])
def test_expired_token_is_refused_right_after_it_was_accepted(cache_seconds: float) -> None:
    clock = FakeClock(1_000_000.0)
    shield = Shield(jwt_secret=JWT_KEY, auth={"token_cache_seconds": cache_seconds},
                    rate_limit={"enabled": False}, clock=clock)
    leeway = shield.jwt.leeway
    token = shield.issue_token("ann", ttl=60)
    clock.now += 60 + leeway - 1
    assert shield.process(bearer(token)).allowed
    clock.now += 1
    refused = shield.process(bearer(token))
    assert refused.status == 401 and 'error="invalid_token"' in dict(refused.headers)["WWW-Authenticate"]


def test_the_shield_keeps_no_token_cache_of_its_own() -> None:
    shield = Shield(jwt_secret=JWT_KEY, rate_limit={"enabled": False})
    for authenticator in shield.auth.authenticators:
        assert not hasattr(authenticator, "cache")
    assert type(shield.auth.authenticators[0]).__name__ == "BearerJWTAuthenticator"
