"""A file whose path the client chooses, handed to a loader that unpickles it (``joblib.load``), runs whatever an
uploaded file holds (AS804); a model file the server names itself is no deserialisation of client data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit


@pytest.mark.parametrize(("name", "reported"), [
    ("flask.request.form.get('stock', 'GOOGL')", True),  # must fire: the client picks the file
    ("'GOOGL'", False),  # must stay quiet: the server's own model
])
def test_a_joblib_model_loaded_from_a_path_the_client_picks(tmp_path: Path, name: str, reported: bool) -> None:
    source = ("import os\n\nimport flask\nimport joblib\n\napp = flask.Flask(__name__)\n\n\n"
              "@app.route('/predict', methods=['POST'])\ndef predict():\n"
              f"    model = os.path.join(app.config['MODEL_ROOT'], {name})\n"
              "    return str(joblib.load(model).predict([[1.0]]))\n")
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS804" for f in result.findings) is reported
