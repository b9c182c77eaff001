"""The README's quick starts run on localhost as written, and every command and import it shows exists.

Each ``python`` block of the README is a complete app: it is imported as a module (with the environment the
README tells the reader to export) and driven through its framework on plain HTTP, as a reader on
``http://127.0.0.1`` would. ``apishield`` commands and their options shown in ``bash`` blocks must be accepted by
the real parsers.
"""

from __future__ import annotations

import asyncio
import importlib.util
import re
import secrets
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from apishield.cli import build_parser
from tests._snippets import snippet_loader

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)\n```", TEXT, re.DOTALL)
SHELL_BLOCKS = re.findall(r"```(?:bash|console)\n(.*?)\n```", TEXT, re.DOTALL)


def test_readme_is_a_front_door() -> None:
    assert len(TEXT.splitlines()) <= 300
    assert "pipx install apishield" in TEXT
    for framework in ("Flask", "FastAPI", "Bottle", "CherryPy"):
        assert f"**{framework}**" in TEXT


def test_readme_links_point_at_files() -> None:
    for target in re.findall(r"\]\(((?:docs/)[^)#]+)", TEXT):
        assert (README.parent / target).is_file(), target


@pytest.fixture
def quick_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("APISHIELD_JWT_SECRET", secrets.token_urlsafe(48))
    with snippet_loader(tmp_path) as load_code:
        yield lambda index: load_code(f"readme_quick_start_{index}", PYTHON_BLOCKS[index])


def _wsgi(app: Any) -> Any:
    from werkzeug.test import Client

    client = Client(app)

    def get(path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        answer = client.get(path, headers=headers or {})
        return answer.status_code, dict(answer.headers), answer.get_data()

    return get


def _asgi(app: Any) -> Any:
    import httpx

    def get(path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        async def go() -> Any:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
                return await client.get(path, headers=headers)

        answer = asyncio.run(go())
        return answer.status_code, dict(answer.headers), answer.content

    return get


def test_every_python_block_is_a_quick_start() -> None:
    assert len(PYTHON_BLOCKS) == 4


@pytest.mark.parametrize("index", range(len(PYTHON_BLOCKS)))
def test_quick_start_works_on_localhost_as_written(index: int, quick_start: Any) -> None:
    module = quick_start(index)
    app = module.app
    get = _asgi(app) if "fastapi" in PYTHON_BLOCKS[index] else _wsgi(app)
    status, headers, _ = get("/health")
    assert status == 200, "the public route answers over plain HTTP on localhost"
    assert {k.lower() for k in headers} >= {"content-security-policy", "x-content-type-options"}
    status, headers, body = get("/tasks")
    assert status == 401 and "application/problem+json" in {k.lower(): v for k, v in headers.items()}["content-type"]
    token = module.shield.issue_token("alice", ["tasks:read"])
    status, headers, body = get("/tasks", {"Authorization": f"Bearer {token}"})
    assert status == 200 and b"alice" in body
    assert "ratelimit" in {k.lower() for k in headers}


def _apishield_commands() -> list[list[str]]:
    commands = []
    for block in SHELL_BLOCKS:
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip().removeprefix("$ ")
            for part in re.split(r"&&|\|", line):
                words = shlex.split(part.strip()) if part.strip() else []
                if words[:1] == ["apishield"]:
                    commands.append(words[1:])
    return commands


def test_readme_shows_apishield_commands() -> None:
    assert {words[0] for words in _apishield_commands()} >= {"audit", "probe", "explain"}


@pytest.mark.parametrize("words", _apishield_commands(), ids=lambda w: " ".join(w)[:40])
def test_every_command_the_readme_shows_is_accepted(words: list[str]) -> None:
    parser = build_parser(words)
    args = parser.parse_args(words)
    assert getattr(args, "func", None) is not None


def _help_with_subcommands(parser: Any) -> str:
    """A parser's help and, for commands with actions (``keys create``), each action's help too."""
    text = parser.format_help()
    for action in parser._actions:
        choices = getattr(action, "choices", None)
        if isinstance(choices, dict):
            text += "".join(_help_with_subcommands(sub) for sub in choices.values())
    return text


def test_cli_table_names_real_commands_and_options() -> None:
    parser = build_parser()
    helps: dict[str, str] = {}
    for action in parser._actions:
        choices = getattr(action, "choices", None)
        if isinstance(choices, dict):
            helps = {name: _help_with_subcommands(sub) for name, sub in choices.items()}
    rows = re.findall(r"^\| `apishield (\w+) ([^`]*)`", TEXT, re.MULTILINE)
    assert rows
    for command, rest in rows:
        assert command in helps, command
        for option in re.findall(r"--[a-z][a-z-]*", rest):
            assert option in helps[command], (command, option)


def test_imports_the_readme_shows_exist() -> None:
    for module, names in re.findall(r"^from (apishield[\w.]*) import ([\w, ]+)$", TEXT, re.MULTILINE):
        imported = importlib.import_module(module)
        for name in names.split(","):
            assert hasattr(imported, name.strip()), (module, name)
