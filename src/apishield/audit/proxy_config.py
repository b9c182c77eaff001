"""Paths the project's own reverse-proxy configuration closes to outside clients.

A repository that ships its nginx configuration says how its application is deployed: a ``location /internal {
internal; }`` block answers 404 to any request from outside (only the proxy's own subrequests and redirects reach
it), and ``location /metrics { allow 127.0.0.1; deny all; }`` admits only loopback and private networks. Routes the
application serves under such a prefix are service-to-service endpoints, not part of the attack surface the
audit reports on; :mod:`apishield.audit.refine` lowers their findings and says which block closed them.

The reader looks for nginx files (``*.conf`` and their ``.j2`` / ``.template`` / ``.tpl`` forms, or a name containing
``nginx``) in the repository that holds the audited project — the nearest directory above it with a ``.git`` — so a
deployment folder beside the code counts, and parses only ``location`` blocks with a plain or ``^~`` / ``=`` prefix.
Regular-expression locations are left alone: what they match is not a prefix the audit can compare.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass

#: directories no deployment configuration lives in
_SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "env", "__pycache__", ".tox", ".nox", "site-packages",
                        "dist", "build", "tests", "test"})
_CONF_NAME = re.compile(r"(?:\.conf(?:\.(?:j2|jinja2?|template|tpl|tmpl|in))?$)|nginx", re.IGNORECASE)
_MAX_FILES = 200
_MAX_BYTES = 1_000_000
_MAX_UP = 4  # how many directories above the project root the repository's top may be
#: ``location [=|^~] /prefix {`` (a regular-expression location, ``~`` or ``~*``, is not matched)
_LOCATION = re.compile(r"\blocation\s+(?:(=|\^~)\s+)?(/[^\s{;]*)\s*\{")
_ALLOW = re.compile(r"^\s*allow\s+([^;\s]+)\s*;", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class ClosedLocation:
    """A path prefix the proxy does not serve to outside clients, and where that is written."""

    prefix: str
    exact: bool
    file: str  # relative to the repository's top
    line: int
    how: str  # "internal" or "deny all"; "" for a location read but left open

    @property
    def closes(self) -> bool:
        """Outside clients cannot reach it: ``internal;`` or ``deny all;`` after private allows. ``location /`` never
        counts: a block closing a whole site is a catch-all server's, not the application's."""
        return bool(self.how) and self.prefix != "/"

    def covers(self, path: str) -> bool:
        """Whether a request path (a route's, placeholders kept) falls under this location."""
        if self.exact:
            return path == self.prefix
        return path.startswith(self.prefix)

    def describe(self) -> str:
        return f"location {self.prefix} is {self.how} in {self.file}:{self.line}"


def repository_top(root: str) -> str:
    """The nearest directory at or above ``root`` holding ``.git`` (a few levels up at most), else ``root``."""
    here = os.path.abspath(root)
    for _ in range(_MAX_UP + 1):
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    return os.path.abspath(root)


def _config_files(top: str) -> list[str]:
    found: list[str] = []
    for directory, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if _CONF_NAME.search(name) and not name.endswith((".py", ".pyc", ".md", ".rst", ".txt")):
                found.append(os.path.join(directory, name))
                if len(found) >= _MAX_FILES:
                    return found
    return found


def _block(text: str, start: int) -> str:
    """The text of the ``{ ... }`` block whose opening brace is at ``start`` (nested blocks included)."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
    return text[start + 1:]


def _own_statements(block: str) -> str:
    """The statements of a block outside its nested blocks (a nested ``location``'s ``internal;`` is its own)."""
    out, depth = [], 0
    for ch in block:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _private(address: str) -> bool:
    try:
        net = ipaddress.ip_network(address, strict=False)
    except ValueError:
        return address in {"localhost", "unix:"}
    return net.is_private or net.is_loopback


def _locations(text: str, file: str) -> list[ClosedLocation]:
    """Every prefix location of one nginx file; ``how`` says what closes it ("" for an open one)."""
    text = re.sub(r"#[^\n]*", lambda m: " " * len(m.group(0)), text)  # comments out, offsets kept
    out: list[ClosedLocation] = []
    for match in _LOCATION.finditer(text):
        own = _own_statements(_block(text, match.end() - 1))
        statements = {s.strip() for s in own.split(";")}
        how = ""
        if "internal" in statements:
            how = "internal"
        elif "deny all" in statements and all(_private(a) for a in _ALLOW.findall(own)):
            how = "deny all"
        line = text.count("\n", 0, match.start()) + 1
        out.append(ClosedLocation(match.group(2), match.group(1) == "=", file, line, how))
    return out


def closed_locations(text: str, file: str) -> list[ClosedLocation]:
    """The locations of one nginx file that outside clients cannot reach: ``internal;``, or ``deny all;`` with every
    ``allow`` naming a loopback or private network (:attr:`ClosedLocation.closes`)."""
    return [c for c in _locations(text, file) if c.closes]


def project_closed_locations(root: str) -> list[ClosedLocation]:
    """Every closed location of the nginx files in the repository holding ``root``, except a prefix that another
    location block (another server's) serves openly."""
    top = repository_top(root)
    found: list[ClosedLocation] = []
    for path in _config_files(top):
        try:
            if os.path.getsize(path) > _MAX_BYTES:
                continue
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError:
            continue
        if "location" in text:
            found.extend(_locations(text, os.path.relpath(path, top).replace(os.sep, "/")))
    opened = {c.prefix for c in found if not c.how}
    return [c for c in found if c.closes and c.prefix not in opened]


__all__ = ["ClosedLocation", "closed_locations", "project_closed_locations", "repository_top"]
