"""An answer that is a Git repository's own file (HEAD, config) means the .git folder is served
(PR-DATA-004); a page that only mentions .git, or a ref name in prose, stays quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.probe.loopback import Answer, loopback, probe_paths

SPEC = {"/files/{name}": {"get": {"parameters": [{"name": "name", "in": "path", "required": True,
                                                   "schema": {"type": "string", "example": "HEAD"}}],
                                  "responses": {"200": {"description": "a file"}}}}}


@pytest.mark.parametrize(("body", "reported"), [
    ("ref: refs/heads/main\n", True),
    ("3f2a9c0e1b7d4a5f6e8c9b0a1d2e3f4a5b6c7d8e\n", True),  # a detached HEAD
    ("[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n[remote \"origin\"]\n\turl = https://x/y.git\n", True),
    ("Clone it with git clone https://example.org/app.git and check out refs/heads/main.", False),
    ("[core]\nname = my settings\n", False),
])
def test_an_answer_that_is_a_git_file(tmp_path: Path, body: str, reported: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], text: bytes) -> Answer:
        return 200, {"Content-Type": "text/plain"}, body

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, SPEC, ("crawl", "exposure"))
    assert bool([f for f in result.findings if f.rule_id == "PR-DATA-004"]) is reported
