"""Find the files to audit: Python sources and templates, skipping environments and build output."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

PYTHON_SUFFIXES = (".py",)
TEMPLATE_SUFFIXES = (".tpl", ".html", ".htm", ".jinja", ".jinja2", ".j2")
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        "node_modules",
        ".venv",
        "venv",
        "env",
        ".env",
        ".tox",
        ".nox",
        "build",
        "dist",
        "site-packages",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".eggs",
        "htmlcov",
        "bower_components",
        ".cache",
    }
)
MAX_FILE_BYTES = 2_000_000

Kind = Literal["python", "template"]


@dataclass(frozen=True, slots=True)
class SourceFile:
    abspath: str
    relpath: str  # POSIX, relative to the scanned root
    kind: Kind


def _is_venv(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def _kind(name: str) -> Kind | None:
    lower = name.lower()
    if lower.endswith(PYTHON_SUFFIXES):
        return "python"
    if lower.endswith(TEMPLATE_SUFFIXES):
        return "template"
    return None


def _excluded(relpath: str, exclude: Sequence[str]) -> bool:
    return any(
        fnmatch.fnmatch(relpath, pat)
        or fnmatch.fnmatch(relpath, pat.rstrip("/") + "/*")
        or relpath.startswith(pat.rstrip("/") + "/")
        for pat in exclude
    )


def discover(root: str, exclude: Sequence[str] = ()) -> list[SourceFile]:
    """Every Python file and template under ``root`` (a directory or a single file), sorted by path.

    Raises :class:`FileNotFoundError` with a clear message when ``root`` does not exist.
    """
    if not os.path.exists(root):
        raise FileNotFoundError(f"no such file or directory: {root}")
    if os.path.isfile(root):
        kind = _kind(root)
        if kind is None:
            return []
        return [SourceFile(os.path.abspath(root), os.path.basename(root), kind)]
    found: list[SourceFile] = []
    base = os.path.abspath(root)
    for dirpath, dirnames, filenames in os.walk(base):
        rel_dir = os.path.relpath(dirpath, base).replace(os.sep, "/")
        rel_dir = "" if rel_dir == "." else rel_dir
        keep = []
        for d in dirnames:
            rel = f"{rel_dir}/{d}" if rel_dir else d
            if d in SKIP_DIRS or d.endswith(".egg-info") or _is_venv(os.path.join(dirpath, d)):
                continue
            if _excluded(rel, exclude):
                continue
            keep.append(d)
        dirnames[:] = sorted(keep)
        for name in sorted(filenames):
            kind = _kind(name)
            if kind is None:
                continue
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if _excluded(rel, exclude):
                continue
            full = os.path.join(dirpath, name)
            try:
                if os.path.getsize(full) > MAX_FILE_BYTES:
                    continue
            except OSError:
                continue
            found.append(SourceFile(full, rel, kind))
    return found


def _folder(path: str) -> str:
    full = os.path.abspath(path)
    return full if os.path.isdir(full) else os.path.dirname(full)


def _import_root(path: str) -> str:
    """The folder from which the package holding ``path`` is imported: the first ancestor (or the folder itself)
    without an ``__init__.py``."""
    folder = _folder(path)
    while os.path.isfile(os.path.join(folder, "__init__.py")) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
    return folder


def _join_namespace_folders(groups: dict[str, list[str]]) -> None:
    """A folder without ``__init__.py`` given inside the tree of other paths whose modules import it
    (``main.py`` with ``from routers.auth import users``, and ``routers/``; ``import app.services.users`` in
    ``app/controllers/``, and ``app/services/``; ``from Blueprints import auth`` in ``app/__init__.py``, and
    ``app/Blueprints/``) is a namespace package of that tree: its group joins theirs — also
    when the importing module lies in a folder that joined before (``routers/todos.py`` with
    ``from utils.deps import user``, and ``utils/``). A folder holding no Python module (``project/templates``)
    joins the tree it lies in, whose code renders it. Folders nothing in the tree imports stay separate projects."""
    joined = True
    while joined:
        joined = False
        for root in sorted(groups, key=lambda r: -r.count(os.sep)):
            if os.path.isfile(os.path.join(root, "__init__.py")):
                continue
            templates_only = not any(True for _ in _modules(groups[root], limit=1))
            for tree in sorted((g for g in groups if g != root and _inside(root, g)), key=lambda g: -g.count(os.sep)):
                # a folder of templates only (``project/templates``) is rendered by the code of the tree it lies in
                if templates_only or any(_reads(module, _importing(root, tree, module))
                                         for module in _modules(groups[tree])):
                    groups[tree].extend(groups.pop(root))
                    joined = True
                    break
            if joined:
                break


def _importing(folder: str, tree: str, module: str) -> re.Pattern[str]:
    """An import of ``folder`` by its dotted name from ``tree``, or — for a module whose own folder holds it — from
    that folder (``from Blueprints import auth`` in ``app/__init__.py`` of an app started inside ``app/``)."""
    names = {os.path.relpath(folder, tree).replace(os.sep, ".")}
    if _inside(folder, os.path.dirname(module)):
        names.add(os.path.relpath(folder, os.path.dirname(module)).replace(os.sep, "."))
    spelled = "|".join(re.escape(n) for n in sorted(names))
    return re.compile(rf"^\s*(?:from|import)\s+(?:{spelled})\b", re.MULTILINE)


def _inside(folder: str, tree: str) -> bool:
    """``folder`` lies under ``tree`` (not equal to it)."""
    return folder != tree and os.path.commonpath([folder, tree]) == tree


def _python_files(folder: str) -> Iterator[str]:
    for dirpath, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        yield from (os.path.join(dirpath, f) for f in files if f.endswith(".py"))


def _modules(members: list[str], limit: int = 5000) -> Iterator[str]:
    """The Python files among ``members`` and inside the folders among them (at most ``limit``)."""
    count = 0
    for member in members:
        for path in [member] if os.path.isfile(member) else _python_files(member):
            if path.endswith(".py"):
                count += 1
                if count > limit:
                    return
                yield path


def _reads(path: str, pattern: re.Pattern[str]) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return bool(pattern.search(fh.read(MAX_FILE_BYTES)))
    except OSError:
        return False


@dataclass(frozen=True, slots=True)
class Project:
    """What one audit analyses together: a root (findings' paths are relative to it) and its files."""

    root: str
    files: list[SourceFile]
    paths: tuple[str, ...]


def projects(paths: Iterable[str], exclude: Sequence[str] = ()) -> list[Project]:
    """The PATH arguments of one audit, grouped into projects.

    Paths that lie in one import tree (modules and sub-packages of one package, or files of one plain folder) are
    one project, because an application is spread over them: a blueprint registered in ``run.py`` but defined in
    ``web.py``, an extension created in one module and installed in another. Auditing such files one by one would
    read each blueprint as an app of its own and miss every protection installed elsewhere. Paths in different
    trees (two applications side by side) stay separate projects. A project of one path is scanned exactly as
    :func:`discover` scans it."""
    groups: dict[str, list[str]] = {}
    for path in paths:
        groups.setdefault(_import_root(path), []).append(path)
    _join_namespace_folders(groups)
    out: list[Project] = []
    for members in groups.values():
        if len(members) == 1:
            out.append(Project(members[0], discover(members[0], exclude), (members[0],)))
            continue
        root = os.path.commonpath([_folder(m) for m in members])
        seen: dict[str, SourceFile] = {}
        for member in members:
            for found in discover(member, exclude):
                rel = os.path.relpath(found.abspath, root).replace(os.sep, "/")
                seen.setdefault(found.abspath, SourceFile(found.abspath, rel, found.kind))
        out.append(Project(root, sorted(seen.values(), key=lambda f: f.relpath), tuple(members)))
    return out


__all__ = ["MAX_FILE_BYTES", "SKIP_DIRS", "Project", "SourceFile", "discover", "projects"]
