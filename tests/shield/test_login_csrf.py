"""Unsafe cross-site requests to public routes (a login that starts a session) get the CSRF origin checks;
same-origin browsers, non-browser clients and header credentials are left alone."""

from __future__ import annotations

import json

import pytest

from apishield.request import CaseInsensitiveHeaders, RequestView
from apishield.shield import PUBLIC, RouteSettings, Shield
from tests._clock import FakeClock

JWT_KEY = "login-csrf-test-secret-" + "k" * 40
EXEMPT_PUBLIC = RouteSettings(public=True, csrf_exempt=True)


def post(**headers: str) -> RequestView:
    hdrs = {"host": "api.example.com", **{k.replace("_", "-"): v for k, v in headers.items()}}
    return RequestView(method="POST", path="/login", headers=CaseInsensitiveHeaders(hdrs), client_ip="10.2.2.2",
                       scheme="https")


@pytest.fixture
def shield() -> Shield:
    return Shield(sessions={"enabled": True}, cors_origins=["https://app.example.com"], jwt_secret=JWT_KEY,
                  rate_limit={"enabled": False}, clock=FakeClock(1_000_000.0))


def reason(outcome: object) -> str:
    assert outcome.status == 403, outcome.status  # type: ignore[attr-defined]
    return str(json.loads(outcome.body)["reason"])  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({"origin": "https://evil.example"}, "origin"),
        ({"origin": "null"}, "origin"),
        ({"sec_fetch_site": "cross-site"}, "cross_site"),
        ({"sec_fetch_site": "same-site", "origin": "https://www.example.com"}, "cross_site"),
        ({"referer": "https://evil.example/form.html"}, "origin"),
        ({"origin": "http://api.example.com"}, "origin"),  # same host, other scheme: another origin
    ],
)
def test_cross_site_post_to_public_login_is_refused(shield: Shield, headers: dict[str, str], why: str) -> None:
    assert reason(shield.process(post(**headers), PUBLIC)) == why


@pytest.mark.parametrize(
    "headers",
    [
        {},  # curl, a server, a mobile app: no browser, no ambient cookies
        {"origin": "https://api.example.com"},  # the API's own pages
        {"sec_fetch_site": "same-origin"},
        {"referer": "https://api.example.com/login.html"},
        {"origin": "https://app.example.com", "sec_fetch_site": "cross-site"},  # an origin the CORS policy lists
    ],
)
def test_same_origin_and_non_browser_logins_pass(shield: Shield, headers: dict[str, str]) -> None:
    assert shield.process(post(**headers), PUBLIC).allowed


def test_csrf_exempt_public_route_and_safe_methods_stay_quiet(shield: Shield) -> None:
    assert shield.process(post(origin="https://evil.example"), EXEMPT_PUBLIC).allowed
    get = RequestView(method="GET", path="/login", client_ip="10.2.2.2", scheme="https",
                      headers=CaseInsensitiveHeaders({"host": "api.example.com", "origin": "https://evil.example"}))
    assert shield.process(get, PUBLIC).allowed


def test_bearer_requests_are_exempt_even_cross_site(shield: Shield) -> None:
    token = shield.issue_token("ann")
    cross = post(origin="https://evil.example", sec_fetch_site="cross-site", authorization=f"Bearer {token}")
    assert shield.process(cross, RouteSettings()).allowed


def test_session_requests_still_need_the_token(shield: Shield) -> None:
    assert shield.sessions is not None
    session = shield.sessions.login("ann")
    cookie = f"{shield.sessions.cookie_name}={session.id}"
    refused = shield.process(post(origin="https://api.example.com", cookie=cookie), RouteSettings())
    assert reason(refused) == "missing_token"
    ok = shield.process(post(origin="https://api.example.com", cookie=cookie, x_csrf_token=session.csrf_token),
                        RouteSettings())
    assert ok.allowed and ok.principal.subject == "ann"


def test_login_csrf_is_refused_through_a_real_adapter() -> None:
    from flask import Flask

    from apishield.integrations.flask import Shield as FlaskShield

    app = Flask("login")
    shield = FlaskShield(app, mode="development", sessions={"enabled": True, "secure": False,
                                                           "cookie_name": "session"},
                         rate_limit={"enabled": False})

    @app.post("/login")
    @shield.public
    def login() -> tuple[str, int]:
        return "signed in", 200

    client = app.test_client()
    forged = client.post("/login", data={"user": "mallory"}, headers={"Origin": "https://evil.example",
                                                                       "Sec-Fetch-Site": "cross-site"})
    assert forged.status_code == 403 and forged.json["reason"] == "cross_site"  # type: ignore[index]
    assert client.post("/login", data={"user": "ann"}).status_code == 200  # no browser headers: allowed
    same = client.post("/login", data={"user": "ann"}, headers={"Origin": "http://localhost"})
    assert same.status_code == 200
