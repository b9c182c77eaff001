"""Routes of a blueprint or router that the app includes only in the branch taken for development (``if
config["dev_mode"]["api"]: app.register_blueprint(developer)``, ``if settings.DEBUG: app.include_router(debug)``)
are not served by a deployment that leaves the switch off: an open one is listed at low, saying so, and so is a flaw
inside its handler. Included unconditionally, or in the production branch, the same routes keep their severity."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_FLASK_DEV = """\
import flask

developer = flask.Blueprint("developer", __name__)


@developer.route("/config")
def list_config():
    return flask.jsonify(dict(flask.current_app.config))
"""

_FLASK_APP = """\
import flask

from . import developer, items

app = flask.Flask(__name__)
app.config.from_envvar("APP_SETTINGS")
{include}
app.register_blueprint(items.blueprint, url_prefix="/api/items")
"""

_FLASK_ITEMS = """\
import flask
from flask_login import login_required

blueprint = flask.Blueprint("items", __name__)


@blueprint.route("/", methods=["POST"])
@login_required
def add():
    return flask.jsonify(ok=True)
"""

_FASTAPI_DEV = """\
from fastapi import APIRouter

router = APIRouter()


@router.delete("/users/{user_id}")
def wipe_user(user_id: int):
    return {"deleted": user_id}
"""

_FASTAPI_APP = """\
from fastapi import Depends, FastAPI

from . import debug, settings
from .auth import current_user

app = FastAPI()


@app.post("/notes")
def add_note(user=Depends(current_user)):
    return {{}}

{include}
"""


def _severities(tmp_path: Path, files: dict[str, str], handler: str) -> list[Severity]:
    result = audit(tmp_path, files)
    return [f.severity for f in result.findings if f.rule_id == "AS101" and handler in f.message]


@pytest.mark.parametrize(("include", "lowered"), [
    ('if app.config["dev_mode"]["api"]:\n    app.register_blueprint(developer.developer, url_prefix="/dev")', True),
    ('if not app.config.get("DEBUG"):\n    pass\nelse:\n    app.register_blueprint(developer.developer)', True),
    ('app.register_blueprint(developer.developer, url_prefix="/dev")', False),
    ('if app.config["PRODUCTION"]:\n    app.register_blueprint(developer.developer, url_prefix="/dev")', False),
])
def test_a_flask_blueprint_registered_for_development(tmp_path: Path, include: str, lowered: bool) -> None:
    files = {"app/__init__.py": "", "app/developer.py": _FLASK_DEV, "app/items.py": _FLASK_ITEMS,
             "app/main.py": _FLASK_APP.format(include=include)}
    found = _severities(tmp_path, files, "list_config")
    assert found, "the open route is always listed"
    assert all(s == Severity.LOW for s in found) is lowered


@pytest.mark.parametrize(("include", "lowered"), [
    ("if settings.DEBUG:\n    app.include_router(debug.router, prefix='/debug')", True),
    ("app.include_router(debug.router, prefix='/debug')", False),
])
def test_a_fastapi_router_included_for_development(tmp_path: Path, include: str, lowered: bool) -> None:
    files = {"app/__init__.py": "", "app/debug.py": _FASTAPI_DEV, "app/settings.py": "DEBUG = False\n",
             "app/auth.py": "def current_user():\n    return None\n",
             "app/main.py": _FASTAPI_APP.format(include=include)}
    found = _severities(tmp_path, files, "wipe_user")
    assert found, "the open route is always listed"
    assert all(s == Severity.LOW for s in found) is lowered


_MOCK_STORAGE = """\
from pathlib import Path

from fastapi import FastAPI, Request

mock_storage_app = FastAPI()


@mock_storage_app.put("/uploadfile/{file_path:path}")
async def upload(file_path: str, request: Request):
    target = Path("/srv/data") / file_path
    target.write_bytes(await request.body())
"""

_MOUNTING_APP = """\
from fastapi import FastAPI

from . import settings

app = FastAPI()

{mount}
"""


@pytest.mark.parametrize(("mount", "lowered"), [
    ("if settings.STORAGE == 'local':\n    from .mock import mock_storage_app\n"
     "    app.mount('/mock_storage', mock_storage_app)", True),
    ("from .mock import mock_storage_app\napp.mount('/mock_storage', mock_storage_app)", False),
])
def test_a_flaw_in_a_handler_served_only_for_development_is_low(tmp_path: Path, mount: str, lowered: bool) -> None:
    """The finding inside such a handler (here a path traversal) is listed, low, saying why."""
    files = {"app/__init__.py": "", "app/settings.py": "STORAGE = 's3'\n", "app/mock.py": _MOCK_STORAGE,
             "app/main.py": _MOUNTING_APP.format(mount=mount)}
    found = [f for f in audit(tmp_path, files).findings if f.rule_id == "AS806"]
    assert found, "the traversal is always listed"
    assert all(f.severity == Severity.LOW for f in found) is lowered
