"""An MD5 checksum check offered beside the same check with SHA-256 (``verify_md5sum_file`` and
``verify_sha256sum_file``) is an integrity checksum against accidents, reported at low severity (AS607); an MD5
verification with no strong alternative, or an MD5 signature, stays medium."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_MD5 = ("def verify_md5sum_file(filename, target_hash):\n"
        "    if hashlib.md5(open(filename, 'rb').read()).hexdigest() != target_hash:\n        raise ValueError()\n")
_SHA = ("def verify_sha256sum_file(filename, target_hash):\n"
        "    if hashlib.sha256(open(filename, 'rb').read()).hexdigest() != target_hash:\n        raise ValueError()\n")
_SIGN = "def sign(data):\n    return hashlib.md5(KEY + data).hexdigest()\n"


@pytest.mark.parametrize(("source", "medium"), [
    (_MD5 + _SHA, False),
    (_MD5, True),
    (_SIGN + _SHA, True),
])
def test_an_md5_checksum_beside_a_strong_one_is_low(tmp_path: Path, source: str, medium: bool) -> None:
    result = audit(tmp_path, {"hashing.py": "import hashlib\nKEY = b'k'\n\n" + source})
    severities = [f.severity for f in result.findings if f.rule_id == "AS607"]
    assert severities
    assert (Severity.MEDIUM in severities) is medium
