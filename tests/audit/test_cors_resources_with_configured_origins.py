"""flask-cors ``resources={r"/*": {"origins": ...}}`` with credentials: origins named per resource (a literal list
of sites, or a setting such as ``AppConfig.ALLOWED_ORIGINS``) are not "any origin", so no AS305; a resource
without origins (flask-cors' default is ``*``) or with ``"*"`` still is. A resource may switch credentials on itself
(``{"origins": "*", "supports_credentials": True}``)."""

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


_PER_RESOURCE = """
from flask import Flask
from flask_cors import CORS

app = Flask(__name__)
CORS(app, resources={{"/register": {resource}}})
"""


@pytest.mark.parametrize(("resource", "rule"), [
    ('{"origins": "*", "supports_credentials": True}', "AS305"),  # must fire: the resource's own switch
    ('{"origins": "*", "supports_credentials": False}', "AS306"),
    ('{"origins": ["https://app.example.com"], "supports_credentials": True}', None),
])
def test_credentials_switched_on_per_resource(tmp_path: Path, resource: str, rule: str | None) -> None:
    result = audit(tmp_path, {"app.py": _PER_RESOURCE.format(resource=resource)})
    cors = {f.rule_id for f in result.findings if f.rule_id in {"AS305", "AS306"}}
    assert cors == ({rule} if rule else set())
