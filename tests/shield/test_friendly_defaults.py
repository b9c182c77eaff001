"""Friendly defaults: ``APISHIELD_MODE`` switches the mode without code changes, and development mode
never redirects the developer's own loopback requests to https."""

from __future__ import annotations

import pytest

from apishield.config import ShieldConfig, load
from apishield.errors import ConfigError
from apishield.request import CaseInsensitiveHeaders, RequestView
from apishield.shield import PUBLIC, Shield


def plain(ip: str, method: str = "GET") -> RequestView:
    return RequestView(method=method, path="/x", headers=CaseInsensitiveHeaders({"host": "localhost:8000"}),
                       client_ip=ip, scheme="http")


def test_apishield_mode_overrides_code_and_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APISHIELD_MODE", "development")
    assert load({"mode": "production"}).mode == "development"
    assert Shield(rate_limit={"enabled": False}).config.mode == "development"
    assert Shield(ShieldConfig()).config.mode == "development"
    monkeypatch.setenv("APISHIELD_MODE", "staging")
    with pytest.raises(ConfigError, match="APISHIELD_MODE must be"):
        Shield()


def test_unset_mode_keeps_the_secure_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APISHIELD_MODE", raising=False)
    shield = Shield(rate_limit={"enabled": False})
    assert shield.config.production
    assert shield.process(plain("127.0.0.1"), PUBLIC).status == 308  # production: loopback redirected too


@pytest.mark.parametrize("ip", ["127.0.0.1", "::1", "::ffff:127.0.0.1", "127.0.0.53"])
def test_development_never_redirects_loopback(monkeypatch: pytest.MonkeyPatch, ip: str) -> None:
    monkeypatch.delenv("APISHIELD_MODE", raising=False)
    shield = Shield(mode="development", https="redirect", rate_limit={"enabled": False})
    assert shield.process(plain(ip), PUBLIC).allowed
    assert shield.process(plain(ip, "POST"), PUBLIC).allowed


def test_development_still_redirects_other_clients_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APISHIELD_MODE", raising=False)
    shield = Shield(mode="development", https="redirect", rate_limit={"enabled": False})
    assert shield.process(plain("192.0.2.10"), PUBLIC).status == 308
    assert shield.process(plain("not-an-ip"), PUBLIC).status == 308
