"""django-cors-headers' settings: ``CORS_ALLOW_ALL_ORIGINS = True`` (or the older ``CORS_ORIGIN_ALLOW_ALL``) allows any
origin (AS306); with ``CORS_ALLOW_CREDENTIALS = True`` the library answers every origin back with credentials allowed
(AS305). An allow-list, a value from the environment, or test settings stay quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

SETTINGS = '''import os

INSTALLED_APPS = ["django.contrib.auth", "corsheaders", "shop"]
MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware", "django.middleware.common.CommonMiddleware"]
{cors}
'''


@pytest.mark.parametrize(("cors", "path", "rules"), [
    # must fire
    ("CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True", "shop/settings.py", {"AS305"}),
    ("CORS_ORIGIN_ALLOW_ALL = True", "shop/settings.py", {"AS306"}),
    # must stay quiet
    ('CORS_ALLOWED_ORIGINS = ["https://app.example.com"]\nCORS_ALLOW_CREDENTIALS = True', "shop/settings.py", set()),
    ('CORS_ALLOW_ALL_ORIGINS = os.environ.get("CORS_ALL") == "1"\nCORS_ALLOW_CREDENTIALS = True', "shop/settings.py",
     set()),
    ("CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True", "tests/settings.py", set()),
])
def test_django_cors_headers_settings(tmp_path: Path, cors: str, path: str, rules: set[str]) -> None:
    files = {"shop/__init__.py": "", path: SETTINGS.format(cors=cors)}
    result = audit(tmp_path, files)
    found = {f.rule_id for f in result.findings if f.rule_id in ("AS305", "AS306")
             and f.severity.name in ("LOW", "MEDIUM", "HIGH", "CRITICAL")}
    assert found == rules


@pytest.mark.parametrize(("production", "lowered"), [
    ("from .base import *\nCORS_ALLOW_ALL_ORIGINS = False\n", True),  # must stay quiet (low): turned off there
    ("from .base import *\nDEBUG = False\n", False),  # must fire: nothing turns it off
])
def test_cors_open_in_base_settings_a_production_module_turns_off(tmp_path: Path, production: str,
                                                                  lowered: bool) -> None:
    files = {"config/__init__.py": "", "config/settings/__init__.py": "",
             "config/settings/base.py": SETTINGS.format(cors="CORS_ALLOW_ALL_ORIGINS = True\n"
                                                         "CORS_ALLOW_CREDENTIALS = True"),
             "config/settings/production.py": production}
    hits = [f for f in audit(tmp_path, files).findings if f.rule_id == "AS305"]
    assert hits, "AS305 is always listed"
    assert all(f.severity.name == "LOW" for f in hits) is lowered
