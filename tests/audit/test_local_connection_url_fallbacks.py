"""A connection URL with its password is medium (usable all the same), except as the fallback of an environment
variable that names this machine: the deployment sets the real URL, and the fallback opens only the developer's own
database. A fallback naming another host, or a URL assigned outright, stays medium."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit


@pytest.mark.parametrize(("line", "medium"), [
    ('DATABASE_URL = os.getenv("DATABASE_URL", "postgres://app:app@localhost:5435/app_dev")', False),
    ('DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://app:app@127.0.0.1/app")', False),
    ('DATABASE_URL = os.getenv("DATABASE_URL", "postgres://app:s3cret@db.example.com/app")', True),
    ('DATABASE_URL = "postgres://app:app@localhost:5435/app_dev"', True),
])
def test_local_development_fallback_urls_are_low(tmp_path: Path, line: str, medium: bool) -> None:
    result = audit(tmp_path, {"settings.py": f"import os\n\n{line}\n"})
    found = [f for f in result.findings if f.rule_id == "AS603"]
    assert found, "the URL is always listed"
    assert any(f.severity >= Severity.MEDIUM for f in found) is medium
