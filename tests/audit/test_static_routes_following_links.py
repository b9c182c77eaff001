"""An aiohttp static route that follows symbolic links (``follow_symlinks=True``) serves paths outside its folder
on aiohttp before 3.9.2 (CVE-2024-23334) and what any link inside points at (AS806); the default does neither."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit


@pytest.mark.parametrize(("route", "reported"), [
    ("app.router.add_routes([web.static('/files', './files', follow_symlinks=True)])", True),  # must fire
    ("app.router.add_static('/files', './files', follow_symlinks=True)", True),
    ("app.router.add_routes([web.static('/files', './files')])", False),  # must stay quiet: the default
    ("app.router.add_static('/files', './files', follow_symlinks=False)", False),
])
def test_a_static_route_following_links(tmp_path: Path, route: str, reported: bool) -> None:
    source = f"from aiohttp import web\n\napp = web.Application()\n{route}\n"
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS806" for f in result.findings) is reported


_SPA = """\
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse

app = FastAPI()


@app.get("/api/me")
def me(user=Depends(current_user)):
    return {{"name": user.name}}


@app.get("/config")
def shell({params}):
    # the web interface's routes all answer its shell
    return FileResponse({path})
"""


@pytest.mark.parametrize(("params", "path", "low"), [
    ("", 'Path(__file__).parent / "dist/index.html"', True),  # must stay low: one fixed file, the page shell
    ("name: str", 'Path(__file__).parent / "exports" / name', False),  # the caller names the file
])
def test_a_route_answering_one_fixed_file_is_public_by_nature(tmp_path: Path, params: str, path: str,
                                                              low: bool) -> None:
    result = audit(tmp_path, {"app.py": _SPA.format(params=params, path=path)})
    found = [f for f in result.findings if f.rule_id == "AS101" and "/config" in f.message]
    assert found and (all(f.severity == Severity.LOW for f in found)) is low


def test_a_fixed_file_that_is_no_page_is_not_a_shell(tmp_path: Path) -> None:
    """``send_file(DATABASE)``: a fixed path, but the file is the data itself, not a page anyone may load."""
    source = ("from flask import Flask, send_file, session\n\napp = Flask(__name__)\nDATABASE = 'app.db'\n\n\n"
              "@app.route('/me')\ndef me():\n    return {'id': session['user_id']}\n\n\n"
              "@app.route('/backup')\ndef backup():\n    return send_file(DATABASE, as_attachment=True)\n")
    found = [f for f in audit(tmp_path, {"app.py": source}).findings if f.rule_id == "AS101" and "/backup" in f.message]
    assert found and all(f.severity > Severity.LOW for f in found)
