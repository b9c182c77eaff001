"""Security headers: API defaults, HSTS only on HTTPS, no-store when authenticated, overrides, leak strip."""

from __future__ import annotations

import pytest

from apishield.errors import ConfigError
from apishield.web.headers import SecurityHeaders

from ._helpers import view


def test_api_defaults() -> None:
    h = SecurityHeaders().headers_for(view(), authenticated=False, is_https=True)
    assert h["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "no-referrer"
    assert h["Cross-Origin-Opener-Policy"] == "same-origin"
    assert h["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in h["Permissions-Policy"]
    assert h["Strict-Transport-Security"].startswith("max-age=63072000")
    assert "Cache-Control" not in h


def test_hsts_only_on_https_and_no_store_when_authenticated() -> None:
    sh = SecurityHeaders()
    plain = sh.headers_for(view(scheme="http"), authenticated=True, is_https=False)
    assert "Strict-Transport-Security" not in plain
    assert plain["Cache-Control"] == "no-store"


def test_route_overrides_and_removal() -> None:
    sh = SecurityHeaders(routes={"/docs": {"Content-Security-Policy": "default-src 'self'",
                                           "Cross-Origin-Opener-Policy": None}})
    docs = sh.headers_for(view(path="/docs"), authenticated=False, is_https=True)
    assert docs["Content-Security-Policy"] == "default-src 'self'"
    assert "Cross-Origin-Opener-Policy" not in docs
    api = sh.headers_for(view(path="/api"), authenticated=False, is_https=True)
    assert api["Content-Security-Policy"].startswith("default-src 'none'")


def test_apply_strips_leaks_and_wins() -> None:
    sh = SecurityHeaders()
    out = sh.apply([("Server", "gunicorn/22"), ("X-Powered-By", "Flask"), ("Content-Type", "application/json"),
                    ("x-content-type-options", "bogus")], view(), authenticated=False, is_https=False)
    names = [k.lower() for k, _ in out]
    assert "server" not in names and "x-powered-by" not in names
    assert names.count("x-content-type-options") == 1
    assert ("X-Content-Type-Options", "nosniff") in out
    assert ("Content-Type", "application/json") in out


@pytest.mark.parametrize(
    "kwargs",
    [
        {"extra": {"X-Bad": "a\r\nSet-Cookie: x=1"}},
        {"extra": {"Bad Name": "x"}},
        {"routes": {"/x": {"Content-Security-Policy": "a\nb"}}},
        {"hsts_max_age": -1},
        {"hsts_preload": True, "hsts_max_age": 600},
    ],
)
def test_config_refusals(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        SecurityHeaders(**kwargs)  # type: ignore[arg-type]


def test_guard_form_uses_scheme() -> None:
    decision = SecurityHeaders().check(view(scheme="https"))
    assert "Strict-Transport-Security" in decision.headers
