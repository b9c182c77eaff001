"""Where apishield's settings live and how a settings file is read: the one search rule of the shield,
``apishield audit`` and ``apishield probe``.

Kept apart from :mod:`apishield.config` (which re-exports it) so that a command that only reads its own table
does not load the shield's protections with it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from apishield.errors import ConfigError

CONFIG_FILES = ("apishield.toml", "pyproject.toml")
"""The files that hold apishield settings, in the order they are looked for in each directory."""


def find_config(start: str | os.PathLike[str] = ".") -> Path | None:
    """The configuration file for ``start`` (a directory or a file in it): in the nearest directory at or above
    it that has one, ``apishield.toml``, else ``pyproject.toml``; None when there is none up to the root.

    This is the one search rule of the shield, ``apishield audit`` and ``apishield probe``.
    """
    here = Path(start).resolve()
    if not here.is_dir():
        here = here.parent
    for directory in (here, *here.parents):
        for name in CONFIG_FILES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
    return None


def normalise_keys(table: Mapping[str, Any]) -> dict[str, Any]:
    """One key style: ``fail-on`` and ``fail_on`` are the same setting (snake_case is canonical)."""
    return {key.replace("-", "_") if isinstance(key, str) else key: value for key, value in table.items()}


def read_toml(path: str | os.PathLike[str], tool: str | None = None) -> dict[str, Any]:
    """Settings from ``apishield.toml`` (top level or ``[apishield]``) or ``pyproject.toml`` (``[tool.apishield]``).

    ``tool`` ("audit", "probe", "demo") selects that subcommand's table instead (empty when absent), keys in
    the one style (:func:`normalise_keys`). Unreadable or invalid files raise :class:`ConfigError`.
    """
    file = Path(path)
    try:
        with file.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"apishield config: cannot read {file}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"apishield config: {file} is not valid TOML: {exc}") from exc
    if file.name == "pyproject.toml":
        tool_table = data.get("tool", {})
        section = tool_table.get("apishield") if isinstance(tool_table, dict) else None
        if section is None:
            if tool is not None:
                return {}
            raise ConfigError(f"apishield config: {file} has no [tool.apishield] table")
    elif isinstance(data.get("apishield"), dict):
        section = data["apishield"]
    else:
        section = data
    if not isinstance(section, dict):
        raise ConfigError(f"apishield config: {file}: the apishield settings must be a table")
    if tool is None:
        return dict(section)
    sub = section.get(tool, {})
    if not isinstance(sub, dict):
        raise ConfigError(f"apishield config: {file}: [{tool}] must be a table of settings")
    return normalise_keys(sub)


def tool_settings(
    tool: str, start: str | os.PathLike[str] = ".", explicit: str | os.PathLike[str] | None = None
) -> tuple[dict[str, Any], Path | None]:
    """The settings of subcommand ``tool`` from ``explicit`` or the file :func:`find_config` finds for
    ``start``, and the file they came from (None: no file, the defaults apply)."""
    path = Path(explicit) if explicit is not None else find_config(start)
    if path is None:
        return {}, None
    return read_toml(path, tool), path


__all__ = ["CONFIG_FILES", "find_config", "normalise_keys", "read_toml", "tool_settings"]
