"""ruamel.yaml's ``YAML()`` object loads round-trip documents into plain types (``typ="safe"``/``"base"`` too); only
``typ="unsafe"`` builds the Python objects a document names. Loading request data with the former is no unsafe
deserialisation (AS804); with the latter, or PyYAML's ``yaml.load`` without a safe loader, it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit, lines_of

_MODULE_LEVEL = """\
from flask import Flask, request
from ruamel.yaml import YAML

yaml = YAML({typ})
app = Flask(__name__)


@app.post("/cfg")
def cfg():
    return {{"cfg": yaml.load(request.data)}}
"""

_IN_HANDLER = """\
from flask import Flask, request
import ruamel.yaml

app = Flask(__name__)


@app.post("/cfg")
def cfg():
    loader = ruamel.yaml.YAML({typ})
    return {{"cfg": loader.load(request.data)}}
"""


@pytest.mark.parametrize("template", [_MODULE_LEVEL, _IN_HANDLER])
@pytest.mark.parametrize(("typ", "lines"), [
    ("", []),  # must stay quiet: round-trip loader
    ("typ='safe'", []),
    ("typ=['rt']", []),
    ("typ='unsafe'", [10]),  # must fire
])
def test_ruamel_yaml_loads_python_objects_only_when_unsafe(tmp_path: Path, template: str, typ: str,
                                                            lines: list[int]) -> None:
    result = audit(tmp_path, {"app.py": template.format(typ=typ)})
    assert lines_of(result, "AS804") == lines


def test_pyyaml_load_without_a_safe_loader_still_fires(tmp_path: Path) -> None:
    source = _MODULE_LEVEL.replace("from ruamel.yaml import YAML\n\nyaml = YAML({typ})\n", "import yaml\n\n\n")
    assert lines_of(audit(tmp_path, {"app.py": source}), "AS804") == [10]
