"""Tokens issued through a project's JWT wrapper (``JWTHandler.encode(payload)``) expire when the wrapper adds
``exp`` itself; AS507 still reports a wrapper that does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_WRAPPER = ("from datetime import datetime, timedelta\nimport jwt\n"
            "class JWTHandler:\n    @staticmethod\n    def encode(payload: dict) -> str:\n{body}"
            "        return jwt.encode(payload, 'k' * 32, algorithm='HS256')\n")
_ADDS_EXP = "        payload.update({'exp': datetime.utcnow() + timedelta(minutes=15)})\n"
_CALLER = ("from security import JWTHandler\n"
           "def login(user_id: int) -> str:\n    return JWTHandler.encode(payload={'user_id': user_id})\n")


@pytest.mark.parametrize("package", [False, True])
@pytest.mark.parametrize(("body", "reported"), [(_ADDS_EXP, False), ("", True)])
def test_a_wrapper_that_adds_exp_issues_expiring_tokens(tmp_path: Path, body: str, reported: bool,
                                                        package: bool) -> None:
    files = {"security.py": _WRAPPER.format(body=body), "auth.py": _CALLER}
    if package:  # re-exported by the package: ``from security import JWTHandler`` with security/jwt.py
        files = {"security/__init__.py": "from .jwt import JWTHandler\n", "security/jwt.py": files["security.py"],
                 "auth.py": _CALLER}
    result = audit(tmp_path, files)
    hits = [f for f in result.findings if f.rule_id == "AS507" and f.location and f.location.path.endswith("auth.py")]
    assert bool(hits) is reported
