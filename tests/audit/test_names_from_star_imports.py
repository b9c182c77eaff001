"""A library a project module imports reaches the modules that star-import it: ``from settings import *`` where
``settings`` does ``from lxml import etree`` makes ``etree`` lxml's in the importer (XXE must fire); names outside
``__all__``, private names and modules outside the project pass nothing on (must stay quiet)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

MAIN = ("from settings import *\nfrom flask import Flask, request\napp = Flask(__name__)\n\n@app.post('/x')\n"
        "def x():\n    parser = etree.XMLParser(resolve_entities=True, load_dtd=True)\n"
        "    return etree.tostring(etree.fromstring(request.data, parser=parser))\n")


@pytest.mark.parametrize(("settings", "reported"), [
    ("from lxml import etree\nDEBUG = False\n", True),
    ("from common import *\n", True),  # a star import of a star import
    ("from lxml import etree\n__all__ = ['DEBUG']\nDEBUG = False\n", False),
    ("from lxml import etree as _etree\n", False),
    ("DEBUG = False\n", False),
])
def test_library_names_reach_a_star_importer(tmp_path: Path, settings: str, reported: bool) -> None:
    files = {"main.py": MAIN, "settings.py": settings, "common.py": "from lxml import etree\n"}
    result = audit(tmp_path, files)
    assert any(f.rule_id == "AS813" and f.location and f.location.path.endswith("main.py")
               for f in result.findings) is reported
