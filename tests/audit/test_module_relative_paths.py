"""A path built from the module's own location and literals (``Path(__file__).parent / "docs" / "x.json"``) is
the program's own file: opening it is not a path finding (AS806); a module-level path taken from the environment
or a request still is read as of unknown origin."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit


@pytest.mark.parametrize(("definition", "reported"), [
    ("DOCS = Path(__file__).parent.parent / 'docs' / 'vulnerabilities.json'", False),
    ("BASE = os.path.dirname(os.path.abspath(__file__))\nDOCS = os.path.join(BASE, 'docs.json')", False),
    ("DOCS = Path(os.environ['DOCS_DIR']) / 'docs.json'", True),
])
def test_a_file_beside_the_module_is_the_programs_own(tmp_path: Path, definition: str, reported: bool) -> None:
    source = ("import json\nimport os\nfrom pathlib import Path\nfrom fastapi import FastAPI\napp = FastAPI()\n"
              f"{definition}\n@app.get('/docs-list')\ndef docs_list():\n"
              "    with open(DOCS) as f:\n        return json.load(f)\n")
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS806" for f in result.findings) is reported
