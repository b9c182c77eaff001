"""A settings class's literal secret is a lower risk when the class refuses it (its validator raises on that very
value or on its length) and none when it is a filler for a credential another service issues (an OAuth client
secret of ``0123456789abcdef…``); a signing key with the same filler, and a default nothing refuses, stay
reported at their full severity."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

SETTINGS = '''
from pydantic import model_validator
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    environment: str = "development"
    {field}: str = "{value}"
{validator}

settings = Settings()
'''

REFUSES_LITERAL = '''
    @model_validator(mode="after")
    def check(self) -> "Settings":
        if self.environment != "development" and self.{field} in {{"{value}", ""}}:
            raise ValueError("set {field}")
        return self
'''
REFUSES_SHORT = '''
    @model_validator(mode="after")
    def check(self) -> "Settings":
        if self.environment != "development" and len(self.{field}) < 64:
            raise ValueError("set {field}")
        return self
'''
CHECKS_OTHER = '''
    @model_validator(mode="after")
    def check(self) -> "Settings":
        if not self.environment:
            raise ValueError("set environment")
        return self
'''


def _severity(tmp_path: Path, field: str, value: str, validator: str) -> list[Severity]:
    source = SETTINGS.format(field=field, value=value, validator=validator.format(field=field, value=value))
    reader = ("import jwt\nfrom config import settings\n\n\n"
              f"def token():\n    return jwt.encode({{}}, settings.{field})\n")
    result = audit(tmp_path, {"config.py": source, "app.py": reader})
    return [f.severity for f in result.findings if f.rule_id == "AS601"]


@pytest.mark.parametrize(("validator", "expected"), [
    (REFUSES_LITERAL, [Severity.LOW]),
    (REFUSES_SHORT, [Severity.LOW]),
    (CHECKS_OTHER, [Severity.HIGH]),
    ("", [Severity.HIGH]),
], ids=["names-the-literal", "demands-a-longer-key", "validator-about-another-field", "no-validator"])
def test_a_default_secret_key_its_class_refuses(tmp_path: Path, validator: str, expected: list[Severity]) -> None:
    assert _severity(tmp_path, "secret_key", "change-me-in-production", validator) == expected


@pytest.mark.parametrize(("field", "value", "reported"), [
    ("oidc_client_secret", "0123456789abcdef0123456789abcdef", False),
    ("client_secret", "0000000000000000", False),
    ("secret_key", "0123456789abcdef0123456789abcdef", True),  # the app signs with it
    ("client_secret", "9fK2xQ7mW4pL8nR3sY6zA1vB5tC0dE", True),  # looks issued
    ("client_secret", "replace-me", False),
    ("api_key", "CHANGEME", False),
    ("secret_key", "replace-me", True),  # a forgery key if deployed as written
    ("client_secret", "replace-me-s3cr3t-4f9a", True),  # more than an instruction
], ids=["counted-client-secret", "repeated-client-secret", "counted-signing-key", "random-client-secret",
        "placeholder-client-secret", "placeholder-api-key", "placeholder-signing-key", "placeholder-with-secret"])
def test_a_filler_default_for_another_services_credential(tmp_path: Path, field: str, value: str,
                                                          reported: bool) -> None:
    assert bool(_severity(tmp_path, field, value, "")) is reported
