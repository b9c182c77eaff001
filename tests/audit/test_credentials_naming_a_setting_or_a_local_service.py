"""AS603 reports a credential written in the source. A value that only names the setting (its own name respelt, as an
operation label ``RESET_PASSWORD = 'reset-password'``, the environment variable the credential is read from, or a
namespaced key a store keeps it under, ``'myapp.oidc_access_token'``) holds no credential; a pydantic settings default
for a service on this machine (a localhost URL, or host fields that all default to localhost) is the developer's own
database, which the deployment's environment replaces: low. A real value, a settings class pointing at another host,
or a localhost URL outside a settings class stay medium."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

SETTINGS = "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"


def _as603(tmp_path: Path, source: str) -> list[Severity]:
    """AS603's severities in a module that also uses its class (a class never loaded is low anyway)."""
    used = source + "\n\nloaded = " + source.split("class ", 1)[1].split("(", 1)[0].split(":", 1)[0] + "()\n"
    return [f.severity for f in audit(tmp_path, {"config.py": used}).findings if f.rule_id == "AS603"]


@pytest.mark.parametrize("source", [
    "class Operations:\n    CONFIRM = 'confirm'\n    RESET_PASSWORD = 'reset-password'\n",
    "class Variables:\n    username = 'POSTGRES_USERNAME'\n    password = 'POSTGRES_PASSWORD'\n",
    "class CacheKeys:\n    OIDC_ACCESS_TOKEN = 'bitpoll.oidc_access_token'\n",
    "class SessionKeys:\n    access_token = 'myapp:session:access_token'\n",
])
def test_a_value_naming_the_setting_is_no_credential(tmp_path: Path, source: str) -> None:
    assert _as603(tmp_path, source) == []


@pytest.mark.parametrize("source", [
    "class Operations:\n    RESET_PASSWORD = 'reset-it-now-7'\n",
    "class Variables:\n    password = 'Postgres-Pass-2024'\n",
    "class Variables:\n    admin_password = 'hunter2.admin'\n",
])
def test_a_real_value_is_a_credential(tmp_path: Path, source: str) -> None:
    assert any(s >= Severity.MEDIUM for s in _as603(tmp_path, source))


@pytest.mark.parametrize(("body", "medium"), [
    # must stay quiet (low): defaults for a service on this machine, replaced by the deployment's environment
    ('    DB_HOST: str = "localhost"\n    DB_USER: str = "main"\n    DB_PASSWORD: str = "main-db-pw"\n', False),
    ('    BROKER_URL: str = "amqp://user:bitnami@localhost:5672/"\n', False),
    # must fire: the settings point at another host
    ('    DB_HOST: str = "db.example.com"\n    DB_PASSWORD: str = "main-db-pw"\n', True),
    ('    BROKER_URL: str = "amqp://user:bitnami@mq.example.com:5672/"\n', True),
])
def test_settings_defaults_for_a_local_service_are_low(tmp_path: Path, body: str, medium: bool) -> None:
    found = _as603(tmp_path, SETTINGS + body)
    assert found, "the value is always listed"
    assert any(s >= Severity.MEDIUM for s in found) is medium


def test_a_local_url_outside_a_settings_class_stays_medium(tmp_path: Path) -> None:
    source = 'class Config:\n    BROKER_URL = "amqp://user:bitnami@localhost:5672/"\n'
    assert any(s >= Severity.MEDIUM for s in _as603(tmp_path, source))


@pytest.mark.parametrize(("test", "medium"), [
    ('os.getenv("DEVELOPMENT")', False),  # must stay low: only the development branch sets it
    ('"DEV" not in os.environ', True),  # the branch the development environment does not take
    ('os.getenv("USE_LOCAL_DB") == "1"', False),
    ('os.getenv("DB_OVERRIDE")', True),  # must stay medium: a switch that says nothing of development
])
def test_a_credential_set_only_in_the_development_branch_is_low(tmp_path: Path, test: str, medium: bool) -> None:
    source = (f"import os\n\nDATABASES = {{'default': {{'HOST': os.environ['DB_HOST']}}}}\nif {test}:\n"
              "    DATABASES['default']['PASSWORD'] = 'byro-dev-pass'\n")
    result = audit(tmp_path, {"project/settings.py": source})
    found = [f for f in result.findings if f.rule_id == "AS603"]
    assert found and (found[0].severity >= Severity.MEDIUM) is medium


@pytest.mark.parametrize("source", [
    # must stay quiet: the pattern a password must match is a rule about passwords, not one
    'class Rules:\n    REGEX_PASSWORD = r"^(?=.*[a-zA-Z])\\S{12,}$"\n',
    'class Rules:\n    VALID_PASSWORD = "^[A-Za-z0-9_]{8,64}$"\n',
    'class Rules:\n    pin_password = r"^\\d{6}$"\n',
])
def test_a_pattern_passwords_must_match_is_no_credential(tmp_path: Path, source: str) -> None:
    assert _as603(tmp_path, source) == []


@pytest.mark.parametrize("source", [
    # must fire: a value with a caret or brackets in it is still a password when it is no pattern
    'class Accounts:\n    ADMIN_PASSWORD = "^Adm1n-2024!"\n',
    'class Accounts:\n    password = "[s3cret]-Pass"\n',
])
def test_a_password_with_pattern_characters_is_still_a_credential(tmp_path: Path, source: str) -> None:
    assert any(s >= Severity.MEDIUM for s in _as603(tmp_path, source))
