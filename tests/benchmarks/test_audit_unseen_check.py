"""The unseen-code benchmark's ``--check``: project files and their checkouts are validated (fields, labels, the
pinned commit, labelled files and line ranges) without running any analysis tool."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

LABEL = '[[label]]\nfile = "app.py"\nlines = [{lo}, {hi}]\ncwe = [89]\nwhat = "SQL injection"\n'


def _project(data: Path, root: Path, *, commit: str = "a" * 40, labels: str = LABEL.format(lo=2, hi=3),
             lines: int = 3) -> None:
    data.mkdir(exist_ok=True)
    (data / "demo.toml").write_text(
        f'name = "demo"\nrepo = "someone/demo"\ncommit = "{commit}"\nkind = "vulnerable"\nhalf = "fresh"\n'
        f'paths = ["."]\n{labels}', encoding="utf-8")
    (root / "demo").mkdir(parents=True, exist_ok=True)
    (root / "demo" / "app.py").write_text("".join(f"line{n}\n" for n in range(1, lines + 1)), encoding="utf-8")


def test_a_well_formed_project_and_checkout_pass(unseen: Any, tmp_path: Path) -> None:
    _project(tmp_path / "data", tmp_path / "root")
    [project] = unseen.load_projects(str(tmp_path / "data"))
    assert unseen.check_project(project, str(tmp_path / "root")) == []


def test_labels_past_the_end_missing_files_and_missing_checkouts_are_reported(unseen: Any, tmp_path: Path) -> None:
    labels = LABEL.format(lo=2, hi=9) + LABEL.replace('"app.py"', '"gone.py"').format(lo=1, hi=1)
    _project(tmp_path / "data", tmp_path / "root", labels=labels)
    [project] = unseen.load_projects(str(tmp_path / "data"))
    problems = unseen.check_project(project, str(tmp_path / "root"))
    assert any("label 1: lines 2-9 run past the end of app.py (3 lines)" in p for p in problems)
    assert any("label 2: gone.py is not in the checkout" in p for p in problems)
    assert unseen.check_project(project, str(tmp_path / "elsewhere"))[-1].startswith("no checkout at")


def test_malformed_labels_and_commits_are_reported_without_a_checkout(unseen: Any, tmp_path: Path) -> None:
    labels = '[[label]]\nfile = "app.py"\nlines = [5, 2]\ncwe = []\nwhat = ""\n'
    _project(tmp_path / "data", tmp_path / "root", commit="main", labels=labels)
    [project] = unseen.load_projects(str(tmp_path / "data"))
    problems = unseen.file_problems(project)
    assert any("not a full 40-hex commit id" in p for p in problems)
    assert any("cwe must be a non-empty list" in p for p in problems)
    assert any("what missing or empty" in p for p in problems)
    assert any("1 <= first <= last" in p for p in problems)


def test_a_git_checkout_at_another_commit_is_reported(unseen: Any, tmp_path: Path) -> None:
    _project(tmp_path / "data", tmp_path / "root")
    repo = tmp_path / "root" / "demo"
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid",
           "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "x"], check=True)
    [project] = unseen.load_projects(str(tmp_path / "data"))
    assert any("not at the pinned" in p for p in unseen.check_project(project, str(tmp_path / "root")))


def test_check_runs_no_tool(unseen: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    _project(tmp_path / "data", tmp_path / "root")

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a tool was run")

    for tool in ("run_apishield", "run_bandit", "run_semgrep"):
        monkeypatch.setattr(unseen, tool, refuse)
    monkeypatch.setattr(unseen, "DATA", str(tmp_path / "data"))
    monkeypatch.setattr(sys, "argv", ["audit_unseen.py", "--check", "--root", str(tmp_path / "root")])
    assert unseen.main() == 0
    assert "ok demo (fresh, vulnerable, 1 labels" in capsys.readouterr().out


def test_every_project_file_in_the_repository_is_well_formed(unseen: Any) -> None:
    projects = unseen.load_projects()
    assert projects
    assert {p.name: unseen.file_problems(p) for p in projects} == {p.name: [] for p in projects}
