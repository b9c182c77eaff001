"""An aiohttp static route that follows symbolic links (``follow_symlinks=True``) serves paths outside its folder
on aiohttp before 3.9.2 (CVE-2024-23334) and what any link inside points at (AS806); the default does neither."""

from __future__ import annotations

from pathlib import Path

import pytest

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
