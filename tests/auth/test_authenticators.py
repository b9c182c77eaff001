"""The shield's authentication step feeds the penalty box for every authenticator, the application's own too."""

from __future__ import annotations

from typing import Any

import pytest

from apishield.auth.authenticators import AuthGuard
from apishield.errors import Reject, StoreError, TokenError, TokenExpired, TokenRevoked
from apishield.ratelimit.penalties import PenaltyBox
from apishield.request import CaseInsensitiveHeaders, RequestView
from apishield.stores.memory import MemoryStore


class Refusing:
    """An application authenticator that refuses every credential it is shown."""

    def __init__(self, error: TokenError, *, auth_method: str = "custom", penalties: Any = None) -> None:
        self.error, self.auth_method, self.penalties = error, auth_method, penalties

    def authenticate(self, view: RequestView) -> None:
        raise self.error


def view(ip: str = "203.0.113.7") -> RequestView:
    return RequestView(method="GET", path="/x", headers=CaseInsensitiveHeaders({"authorization": "X y"}),
                       client_ip=ip, scheme="https")


def attempts(guard: AuthGuard, n: int, ip: str = "203.0.113.7") -> None:
    for _ in range(n):
        with pytest.raises(Reject) as refused:
            guard.identify(view(ip))
        assert refused.value.status == 401


def test_invalid_credentials_from_an_application_authenticator_get_the_client_banned() -> None:
    box = PenaltyBox(MemoryStore(), violations=3)
    attempts(AuthGuard([Refusing(TokenError("bad", reason="invalid_token"))], penalties=box), 3)
    assert box.banned_for("203.0.113.7") is not None
    assert box.banned_for("203.0.113.8") is None


@pytest.mark.parametrize(
    "authenticator",
    [
        Refusing(TokenExpired("old")),
        Refusing(TokenRevoked("logged out")),
        Refusing(TokenError("unknown or expired session", reason="invalid_session"), auth_method="session"),
    ],
    ids=["expired-credential", "revoked-credential", "stale-session-cookie"],
)
def test_credentials_that_were_valid_once_are_no_violation(authenticator: Refusing) -> None:
    box = PenaltyBox(MemoryStore(), violations=3)
    attempts(AuthGuard([authenticator], penalties=box), 6)
    assert box.banned_for("203.0.113.7") is None


def test_an_authenticator_with_its_own_box_is_not_counted_twice() -> None:
    store = MemoryStore()
    box = PenaltyBox(store, violations=4)
    counted: list[str] = []

    class OwnBox:
        def record_violation(self, key: str) -> None:
            counted.append(key)

        def banned_for(self, key: str) -> None:
            return None

    attempts(AuthGuard([Refusing(TokenError("bad", reason="x"), penalties=OwnBox())], penalties=box), 4)
    assert box.banned_for("203.0.113.7") is None and len(counted) == 0  # the authenticator's own code counts


def test_a_penalty_store_outage_leaves_the_401_standing() -> None:
    class DownBox:
        def record_violation(self, key: str) -> None:
            raise StoreError("down")

        def banned_for(self, key: str) -> None:
            return None

    attempts(AuthGuard([Refusing(TokenError("bad", reason="x"))], penalties=DownBox()), 2)
