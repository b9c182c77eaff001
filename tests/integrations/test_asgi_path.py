"""The full path of an ASGI request counts the mount prefix once, whichever convention the server uses."""

from __future__ import annotations

import pytest

from apishield.integrations._common import scope_path


@pytest.mark.parametrize(
    ("root", "path", "full"),
    [
        ("", "/tasks", "/tasks"),
        ("/v2", "/v2/reports", "/v2/reports"),  # Starlette's Mount and current servers: prefix kept in path
        ("/v2", "/reports", "/v2/reports"),  # older servers: prefix only in root_path
        ("/api", "/", "/api/"),
        (None, "/x", "/x"),
    ],
)
def test_the_mount_prefix_counts_once(root: str | None, path: str, full: str) -> None:
    assert scope_path({"root_path": root, "path": path}) == full
