"""A helper that sanitises one of the parameters it builds its result from (``return basedir /
secure_filename(name)``, ``os.path.join(root, secure_filename(name))``) makes that parameter's request data safe
for what it sanitises, even though the other parameter reaches the result unsanitised: an upload saved under the
helper's path is no path traversal. Request data in the unsanitised parameter, or a helper that sanitises the
other one, still is."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit, lines_of

_APP = """\
import os
from pathlib import Path

from flask import Flask, request
from werkzeug.utils import secure_filename
from uuid import uuid4 as uuid

app = Flask(__name__)


{helper}


@app.route("/upload", methods=["POST"])
def upload():
    for attachment in request.files.getlist("file"):
        path = join({directory}, attachment.filename)
        with open(path, "wb") as dest:
            dest.write(attachment.read())
    return "ok"
"""

_SANITISING = [
    "def join(basedir, fname):\n    return basedir / secure_filename(fname)",
    "def join(basedir, fname):\n    return os.path.join(basedir, secure_filename(fname))",
    "def join(basedir, fname):\n    fname = secure_filename(fname)\n    if not fname:\n        fname = uuid()\n"
    "    return basedir / fname",
]


@pytest.mark.parametrize("helper", _SANITISING)
def test_the_sanitised_parameter_carries_no_traversal(tmp_path: Path, helper: str) -> None:
    source = _APP.format(helper=helper, directory='Path("/srv/uploads")')
    assert lines_of(audit(tmp_path, {"app.py": source}), "AS806") == []


@pytest.mark.parametrize(("helper", "directory"), [
    ("def join(basedir, fname):\n    return basedir / fname", 'Path("/srv/uploads")'),
    ("def join(basedir, fname):\n    return secure_filename(basedir) / fname", 'Path("/srv/uploads")'),
    (_SANITISING[0], 'Path(request.args["dir"])'),
])
def test_an_unsanitised_parameter_still_carries_it(tmp_path: Path, helper: str, directory: str) -> None:
    source = _APP.format(helper=helper, directory=directory)
    assert lines_of(audit(tmp_path, {"app.py": source}), "AS806") != []
