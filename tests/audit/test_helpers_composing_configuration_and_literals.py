"""A helper of the project that composes its return from configuration and its arguments
(``def path(p): return f"{settings.root}{p}"``) gives the program's own value when every argument is literal
(``path("/redoc")``): no sink-only finding where it is used (AS807). Given request data, its return carries it
(must fire)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import audit

_APP = """\
from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from app.config import settings


def path(p: str) -> str:
    return f"{{settings.api_root_path}}{{p}}"


app = FastAPI()


@app.get("/")
def root(next: str = ""):
    return RedirectResponse(url=path({argument}))
"""


@pytest.mark.parametrize(("argument", "reported"), [
    ('"/redoc"', False),  # must stay quiet
    ("next", True),  # must fire: the client's value
])
def test_helpers_composing_configuration_and_literals(tmp_path: Path, argument: str, reported: bool) -> None:
    files = {"app/__init__.py": "", "app/config.py": "settings = None\n", "app/main.py": _APP.format(argument=argument)}
    result = audit(tmp_path, files)
    hits = [f for f in result.findings if f.rule_id == "AS807" and f.severity.name in {"MEDIUM", "HIGH", "CRITICAL"}]
    assert bool(hits) is reported
