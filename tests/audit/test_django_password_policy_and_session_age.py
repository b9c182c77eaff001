"""Django settings that weaken what users sign in with: a password policy below NIST SP 800-63B (no validator,
no common-password check, a minimum under eight) and a session cookie that lives for years. Django's own defaults
stay quiet; a session of two weeks is no finding, and one of two months is low."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity

from .helpers import audit

V = "django.contrib.auth.password_validation."
HEAD = "INSTALLED_APPS = ['django.contrib.auth', 'django.contrib.sessions', 'notes']\n"


@pytest.mark.parametrize(("validators", "reported"), [
    ("[]", True),
    (f"[{{'NAME': '{V}MinimumLengthValidator'}}]", True),
    (f"[{{'NAME': '{V}MinimumLengthValidator', 'OPTIONS': {{'min_length': 4}}}}, "
     f"{{'NAME': '{V}CommonPasswordValidator'}}]", True),
    (f"[{{'NAME': '{V}MinimumLengthValidator'}}, {{'NAME': '{V}CommonPasswordValidator'}}]", False),
    ("load_validators()", False),
], ids=["empty", "length-only", "short", "defaults", "built-elsewhere"])
def test_password_validators(tmp_path: Path, validators: str, reported: bool) -> None:
    result = audit(tmp_path / "project", {"settings.py": HEAD + f"AUTH_PASSWORD_VALIDATORS = {validators}\n"})
    assert any(f.rule_id == "AS610" for f in result.findings) is reported


def test_test_settings_may_relax_the_policy(tmp_path: Path) -> None:
    result = audit(tmp_path / "project", {"tests/settings.py": HEAD + "AUTH_PASSWORD_VALIDATORS = []\n"})
    assert not [f for f in result.findings if f.rule_id == "AS610"]


@pytest.mark.parametrize(("age", "severity"), [
    ("100000000", Severity.MEDIUM), ("60 * 60 * 24 * 60", Severity.LOW), ("1209600", None),
])
def test_session_cookie_age(tmp_path: Path, age: str, severity: Severity | None) -> None:
    result = audit(tmp_path / "project", {"settings.py": HEAD + f"SESSION_COOKIE_AGE = {age}\n"})
    found = [f.severity for f in result.findings if f.rule_id == "AS507"]
    assert found == ([severity] if severity else [])
