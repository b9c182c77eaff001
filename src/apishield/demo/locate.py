"""Find the example applications: in a source checkout (``<repo>/examples``) or in the installed wheel
(``apishield/_examples``, added by the build), or wherever ``APISHIELD_EXAMPLES`` points."""

from __future__ import annotations

import os
from pathlib import Path

from apishield.errors import ConfigError

_MARKERS = ("taskapi", "vulnerable")


def _looks_right(path: Path) -> bool:
    return all((path / marker).is_dir() for marker in _MARKERS)


def candidates() -> list[Path]:
    """Places to look, best first."""
    here = Path(__file__).resolve()
    found: list[Path] = []
    override = os.environ.get("APISHIELD_EXAMPLES")
    if override:
        found.append(Path(override))
    found.append(here.parent.parent / "_examples")  # installed wheel: apishield/_examples
    found.extend(parent / "examples" for parent in here.parents)  # checkout: <repo>/src/apishield/demo
    found.append(Path.cwd() / "examples")
    return found


def examples_dir() -> Path:
    """The directory holding ``taskapi/`` and ``vulnerable/``; a clear error when there is none."""
    for path in candidates():
        if _looks_right(path):
            return path.resolve()
    raise ConfigError(
        "apishield demo: cannot find the example applications (examples/taskapi, examples/vulnerable); "
        "run from a source checkout, install the wheel with its examples, or set APISHIELD_EXAMPLES"
    )
