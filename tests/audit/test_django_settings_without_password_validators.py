"""A Django project whose settings install ``django.contrib.auth`` and set no ``AUTH_PASSWORD_VALIDATORS`` anywhere
keeps Django's default, an empty list, and refuses no password: AS610, once, where the settings mention the name
(the block disabled in a string or a comment), else at ``INSTALLED_APPS``. Validators set in any settings module
of the project (a base module the others import), or a project without Django's accounts, stay quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import audit

V = "django.contrib.auth.password_validation."
APPS = "INSTALLED_APPS = [\n    'django.contrib.auth',\n    'django.contrib.sessions',\n    'polls',\n]\n"
DISABLED = f"\n\n'''AUTH_PASSWORD_VALIDATORS = [\n    {{'NAME': '{V}MinimumLengthValidator'}},\n]'''\n"
BASE = (APPS + f"AUTH_PASSWORD_VALIDATORS = [{{'NAME': '{V}MinimumLengthValidator'}}, "
        f"{{'NAME': '{V}CommonPasswordValidator'}}]\n")


@pytest.mark.parametrize(("files", "line"), [
    ({"mysite/settings.py": APPS + DISABLED}, 8),
    ({"mysite/settings.py": APPS + "# AUTH_PASSWORD_VALIDATORS: later\n"}, 6),
    ({"mysite/settings.py": APPS}, 1),
    ({"mysite/settings/base.py": BASE, "mysite/settings/production.py": "from .base import *\n" + APPS}, None),
    ({"mysite/settings.py": APPS.replace("django.contrib.auth", "django.contrib.staticfiles")}, None),
    ({"mysite/settings/apps.py": APPS, "mysite/settings/password_validators.py": BASE.replace(APPS, "")}, None),
], ids=["disabled-block", "comment", "absent", "set-in-base", "no-accounts", "split-settings"])
def test_settings_without_password_validators(tmp_path: Path, files: dict[str, str], line: int | None) -> None:
    result = audit(tmp_path / "project", files)
    found = [f.location.line for f in result.findings if f.rule_id == "AS610" and f.location]
    assert found == ([line] if line else [])


_PREFIXED = ("if ADMIN_ENABLED:\n    _PWD = 'django.contrib.auth.password_validation'\n"
             "    AUTH_PASSWORD_VALIDATORS = [\n        {{'NAME': _PWD + '.MinimumLengthValidator'}},\n"
             "        {{'NAME': _PWD + '{second}'}},\n    ]\n")


@pytest.mark.parametrize(("second", "reported"), [
    (".CommonPasswordValidator", False),  # must stay quiet: both validators, set under a feature switch
    (".NumericPasswordValidator", True),  # must fire: no check against common passwords, wherever it is set
])
def test_validators_set_in_a_conditional_block(tmp_path: Path, second: str, reported: bool) -> None:
    settings = APPS + "ADMIN_ENABLED = True\n" + _PREFIXED.format(second=second)
    result = audit(tmp_path / "project", {"mysite/settings.py": settings})
    found = [f for f in result.findings if f.rule_id == "AS610"]
    assert bool(found) is reported
    assert all("no AUTH_PASSWORD_VALIDATORS" not in f.message for f in found)
