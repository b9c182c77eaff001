"""``jinja2.Environment(loader=…, **options)``: the mapping built in sight says whether autoescape is on
(``options = dict(autoescape=True)``, ``{"autoescape": False}``, ``options["autoescape"] = …``); a mapping from
elsewhere may set it, so the finding stays low."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
from jinja2 import Environment, FileSystemLoader

{options}


def make_env(loaded_options):
    return Environment(loader=FileSystemLoader("templates"), **{name})
"""


@pytest.mark.parametrize(("options", "name", "medium", "reported"), [
    ("OPTIONS = dict(autoescape=True, trim_blocks=True)", "OPTIONS", False, False),  # must stay quiet
    ("OPTIONS = {'autoescape': False}", "OPTIONS", False, True),  # must fire: turned off in sight (rule's severity)
    ("OPTIONS = dict(trim_blocks=True)", "OPTIONS", True, True),  # must fire: built here without it, off by default
    ("", "loaded_options", False, True),  # low: a mapping from elsewhere may set it
])
def test_jinja_options_passed_as_a_mapping(tmp_path: Path, options: str, name: str, medium: bool,
                                           reported: bool) -> None:
    result = audit(tmp_path, {"render.py": _APP.format(options=options, name=name)})
    hits = [f for f in result.findings if f.rule_id == "AS401"]
    assert bool(hits) is reported
    if medium:
        assert any(f.severity >= Severity.MEDIUM for f in hits)
