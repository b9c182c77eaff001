"""A debug switch on a line that cannot run is no debug mode (AS301): after the view's ``return``, or on a name the
module never binds (``app.run(debug=True)`` under ``__main__`` in a module that defines no ``app``: the line ends in
a NameError). The same switch on the module's own app, or on a name a star import may bring, is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit


@pytest.mark.parametrize(("source", "reported"), [
    # must stay quiet: no ``app`` in this module, the block ends in a NameError
    ("from flask import Blueprint\nbp = Blueprint('lab', __name__)\n\n\n@bp.route('/x')\ndef x():\n"
     "    return 'x'\n\n\nif __name__ == '__main__':\n    app.run(debug=True)\n", False),
    # must stay quiet: set after the view returned
    ("from flask import Blueprint, current_app\nbp = Blueprint('lab', __name__)\n\n\n@bp.route('/x')\ndef x():\n"
     "    return 'x'\n    current_app.debug = True\n", False),
    # must fire: the module's own app
    ("from flask import Flask\napp = Flask(__name__)\n\n\nif __name__ == '__main__':\n    app.run(debug=True)\n",
     True),
    # must fire: a star import may bind ``app``
    ("from server import *\n\n\nif __name__ == '__main__':\n    app.run(debug=True)\n", True),
])
def test_a_debug_switch_that_cannot_run(tmp_path: Path, source: str, reported: bool) -> None:
    result = audit(tmp_path, {"lab.py": source})
    assert any(f.rule_id == "AS301" for f in result.findings) is reported
