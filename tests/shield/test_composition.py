"""The shield composes guards: built-ins from configuration, user guards in ``Shield(guards=[...])`` (after
validation, seeing the principal), and a guard of a built-in kind replaces that step. Everything the
rate-limit guard can do is reachable from configuration."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from apishield.errors import ConfigError, Reject
from apishield.guard import Allow
from apishield.ratelimit.guard import RateLimitGuard
from apishield.ratelimit.limiter import RateLimiter
from apishield.request import CaseInsensitiveHeaders, RequestView
from apishield.shield import PUBLIC, RouteSettings, Shield
from apishield.stores.memory import MemoryStore
from tests._clock import FakeClock

JWT_KEY = "composition-test-secret-" + "c" * 40


def view(method: str = "GET", path: str = "/x", ip: str = "10.4.4.4", **headers: str) -> RequestView:
    hdrs = {"host": "api.example.com", **{k.replace("_", "-"): v for k, v in headers.items()}}
    return RequestView(method=method, path=path, headers=CaseInsensitiveHeaders(hdrs), client_ip=ip, scheme="https")


@dataclass
class TenantHeader:
    """A user guard: refuses requests without X-Tenant, remembers the principal it saw, adds a header."""

    seen: list[Any]

    def check(self, view: RequestView) -> Allow:
        self.seen.append(view.state.get("principal"))
        if not view.headers.get("x-tenant"):
            raise Reject(400, "Name the tenant in X-Tenant.")
        return Allow(headers={"X-Tenant-Checked": "1"})


def test_user_guard_runs_after_auth_and_refuses_by_raising() -> None:
    seen: list[Any] = []
    shield = Shield(jwt_secret=JWT_KEY, guards=[TenantHeader(seen)], rate_limit={"enabled": False})
    token = shield.issue_token("ann")
    refused = shield.process(view(authorization=f"Bearer {token}"))
    assert refused.status == 400 and json.loads(refused.body)["detail"] == "Name the tenant in X-Tenant."
    assert "X-Content-Type-Options" in dict(refused.headers)  # security headers on refusals too
    ok = shield.process(view(authorization=f"Bearer {token}", x_tenant="t1"))
    assert ok.allowed and dict(ok.headers)["X-Tenant-Checked"] == "1"
    assert [getattr(p, "subject", None) for p in seen] == ["ann", "ann"]
    assert shield.process(view(x_tenant="t1")).status == 401  # auth refuses before the user guard runs
    assert len(seen) == 2


def test_user_guard_for_route_can_skip_routes() -> None:
    class OnlyProtected(TenantHeader):
        def for_route(self, settings: RouteSettings) -> Any:
            return None if settings.is_public else self

    shield = Shield(guards=[OnlyProtected([])], rate_limit={"enabled": False})
    assert shield.process(view(), PUBLIC).allowed


def test_an_object_without_check_is_refused_at_start_up() -> None:
    with pytest.raises(ConfigError, match="check"):
        Shield(guards=[object()])


def test_a_rate_limit_guard_passed_in_replaces_the_configured_one() -> None:
    store = MemoryStore(clock=FakeClock(1_000_000.0))
    mine = RateLimitGuard(RateLimiter(store), "2/minute", cost=lambda v: 2 if v.method == "POST" else 1)
    shield = Shield(store=store, guards=[mine], default_limits=["100/minute"])
    assert shield.rate_limit is mine
    assert shield.process(view("POST"), PUBLIC).allowed
    assert shield.process(view(), PUBLIC).status == 429


def limited(**rate_limit: Any) -> Shield:
    return Shield(rate_limit={"default_limits": ["4/minute"], **rate_limit}, clock=FakeClock(1_000_000.0),
                  penalties={"violations": 2, "ban_durations": [600], "deny": ["192.0.2.0/24"]})


def test_cost_from_configuration() -> None:
    shield = limited(cost=2)
    assert [shield.process(view(), PUBLIC).status for _ in range(3)] == [200, 200, 429]


def test_deny_list_from_configuration() -> None:
    shield = limited()
    assert shield.process(view(ip="192.0.2.7"), PUBLIC).status == 403
    assert shield.process(view(ip="198.51.100.1"), PUBLIC).allowed


def test_recorded_violation_and_ban_on_429_from_configuration() -> None:
    shield = limited(penalize=True)
    answers = [shield.process(view(), PUBLIC) for _ in range(7)]
    assert [a.status for a in answers] == [200] * 4 + [429] * 3
    assert int(dict(answers[-1].headers)["Retry-After"]) > 500  # the ban (600 s), not the window
    quiet = limited()  # penalize off (the default): 429s ban nobody
    last = [quiet.process(view(), PUBLIC) for _ in range(7)][-1]
    assert int(dict(last.headers)["Retry-After"]) <= 60


def test_legacy_headers_and_key_from_configuration() -> None:
    shield = limited(legacy_headers=True, key="route")
    ok = shield.process(view(ip="10.0.0.1"), PUBLIC)
    assert dict(ok.headers)["X-RateLimit-Limit"] == "4"
    # key = "route": one budget for all clients together
    statuses = [shield.process(view(ip=f"10.0.0.{n}"), PUBLIC).status for n in range(2, 6)]
    assert statuses == [200, 200, 200, 429]


def test_route_limits_count_per_route() -> None:
    shield = Shield(rate_limit={"enabled": True}, clock=FakeClock(1_000_000.0))
    tight = RouteSettings(public=True, limits=("1/minute",))
    assert shield.process(view(path="/a"), tight).allowed
    assert shield.process(view(path="/a"), tight).status == 429
    other = view(path="/b")
    assert shield.process(other, tight).allowed


def test_principal_keyed_limits_still_limit_anonymous_callers_by_address() -> None:
    shield = Shield(jwt_secret=JWT_KEY, rate_limit={"default_limits": ["2/minute"], "key": "principal"},
                    clock=FakeClock(1_000_000.0))
    assert [shield.process(view(), PUBLIC).status for _ in range(3)] == [200, 200, 429]
    token = shield.issue_token("ann")
    signed_in = [shield.process(view(authorization=f"Bearer {token}")).status for _ in range(3)]
    assert signed_in == [200, 200, 429]  # ann's own budget, not the address's
    other = shield.issue_token("bob")
    assert shield.process(view(authorization=f"Bearer {other}")).allowed


def test_auth_guard_authorizes_a_principal_found_elsewhere() -> None:
    shield = Shield(jwt_secret=JWT_KEY, rate_limit={"enabled": False})
    token = shield.issue_token("ann", ["tasks:read"])
    principal = shield.process(view(authorization=f"Bearer {token}")).principal
    shield.auth.authorize(principal, RouteSettings(scopes=("tasks:read",)), view())
    with pytest.raises(Reject) as refused:
        shield.auth.authorize(principal, RouteSettings(scopes=("tasks:write",)), view())
    assert refused.value.status == 403
    assert 'error="insufficient_scope", scope="tasks:write"' in refused.value.headers["WWW-Authenticate"]
    with pytest.raises(Reject) as anonymous:
        shield.auth.authorize(None, RouteSettings(), view())
    assert anonymous.value.status == 401


def test_every_security_header_default_is_reachable_from_configuration() -> None:
    shield = Shield(headers={"referrer_policy": "strict-origin", "frame_options": "", "hsts_preload": True,
                             "authenticated_cache_control": "private, no-store"}, rate_limit={"enabled": False})
    sent = dict(shield.process(view(), PUBLIC).headers)
    assert sent["Referrer-Policy"] == "strict-origin" and "X-Frame-Options" not in sent
    assert sent["Strict-Transport-Security"].endswith("; preload")
    with pytest.raises(ConfigError, match="preload"):
        Shield(headers={"hsts_preload": True, "hsts_max_age": 600})
