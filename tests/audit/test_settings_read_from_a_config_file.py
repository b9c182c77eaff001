"""A ``configparser`` object's ``get(section, option)`` names the option to read; its default is ``fallback=``
alone. ``SECRET_KEY = config.get("site", "secret")`` reads the key from the deployment's file and hard-codes
nothing (AS601 quiet), where ``os.environ.get("SECRET_KEY", "dev")`` and ``config.get("site", "secret",
fallback="dev")`` fall back to a literal (AS601 fires)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_SETTINGS = """\
import os
from pathlib import Path

config = build_config()
DEBUG = config.getboolean("django", "debug", fallback=False)
if config.has_option("site", "secret"):
    SECRET_KEY = {value}
else:
    SECRET_KEY = Path("data/.secret").read_text()
"""


@pytest.mark.parametrize(("value", "reported"), [
    ('config.get("site", "secret")', False),  # must stay quiet: "secret" is the option's name
    ('config.get("site", "secret", fallback="not-so-secret-dev-key")', True),  # must fire
    ('os.environ.get("SECRET_KEY", "not-so-secret-dev-key")', True),
])
def test_a_config_file_option_is_no_literal_fallback(tmp_path: Path, value: str, reported: bool) -> None:
    result = audit(tmp_path, {"project/settings.py": _SETTINGS.format(value=value)})
    assert any(f.rule_id == "AS601" for f in result.findings) is reported


def test_a_dicts_get_default_is_still_a_literal_fallback(tmp_path: Path) -> None:
    source = 'settings = load()\nSECRET_KEY = settings.get("SECRET_KEY", "not-so-secret-dev-key")\n'
    result = audit(tmp_path, {"project/settings.py": source})
    assert any(f.rule_id == "AS601" for f in result.findings)


@pytest.mark.parametrize(("owner", "reported"), [
    ("Blueprint('sqli', __name__)", False),  # must stay quiet: Flask never reads a blueprint's secret_key
    ("Flask(__name__)", True),  # must fire: the app's signing key
])
def test_a_secret_key_set_on_a_blueprint_signs_nothing(tmp_path: Path, owner: str, reported: bool) -> None:
    source = f"from flask import Blueprint, Flask\n\nbp = {owner}\nbp.secret_key = 'supersecretkey'\n"
    result = audit(tmp_path, {"views.py": source})
    assert any(f.rule_id in {"AS601", "AS602"} for f in result.findings) is reported
