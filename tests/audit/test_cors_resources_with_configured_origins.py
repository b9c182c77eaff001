"""flask-cors ``resources={r"/*": {"origins": ...}}`` with credentials: origins named per resource (a literal list
of sites, or a setting such as ``AppConfig.ALLOWED_ORIGINS``) are not "any origin", so no AS305; a resource
without origins (flask-cors' default is ``*``) or with ``"*"`` still is."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = """
from flask import Flask
from flask_cors import CORS


class AppConfig:
    ALLOWED_ORIGINS = ["http://localhost:3000"]


app = Flask(__name__)
CORS(app, resources={{r"/*": {resource}}}, supports_credentials=True)
"""


@pytest.mark.parametrize(("resource", "reported"), [
    ('{"origins": AppConfig.ALLOWED_ORIGINS}', False),
    ('{"origins": ["https://app.example.com"]}', False),
    ('{"origins": "*"}', True),
    ('{"methods": ["GET"]}', True),
], ids=["configured", "literal-list", "star", "no-origins"])
def test_origins_named_per_resource(tmp_path: Path, resource: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(resource=resource)})
    assert any(f.rule_id == "AS305" for f in result.findings) is reported
