"""``app.run(debug=True)`` under ``if __name__ == '__main__':`` runs only when the module is run as a script: in a
repository whose start files serve the app through a server that imports it (``gunicorn app:app`` in a Dockerfile,
uWSGI, uvicorn) and never run the module as a script, the finding stays, low. A start file running ``python app.py``,
or no start file at all, keeps it at its severity."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return {"ok": True}


if __name__ == "__main__":
    app.run(debug=True)
"""


@pytest.mark.parametrize(("start", "medium"), [
    ({"Dockerfile": 'FROM python:3.12-slim\nRUN pip install flask gunicorn\nCMD ["gunicorn", "-b", "0.0.0.0:5000", '
                    '"app:app"]\n'}, False),  # quiet at medium: the container imports the app
    ({"run.sh": "#!/bin/sh\nexec uwsgi --http :8000 --module app:app\n"}, False),
    ({"Dockerfile": 'FROM python:3.12-slim\nCMD ["python3", "app.py"]\n'}, True),  # must fire: run as a script
    ({"Dockerfile": 'FROM python:3.12-slim\nCMD ["gunicorn", "app:app"]\n', "dev.sh": "python app.py\n"}, True),
    ({}, True),  # nothing says how it is started
    ({"README.md": "# App\n\n    pip install -r requirements.txt\n    flask --app app run\n"}, False),
    ({"README.md": "# App\n\n    pip install -r requirements.txt\n    python app.py\n"}, True),
])
def test_debug_in_a_script_block_the_deployment_never_runs_is_low(tmp_path: Path, start: dict[str, str],
                                                                  medium: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP, **start})
    debug = [f for f in result.findings if f.rule_id == "AS301"]
    assert debug, "reported either way"
    assert any(f.severity >= Severity.MEDIUM for f in debug) is medium
