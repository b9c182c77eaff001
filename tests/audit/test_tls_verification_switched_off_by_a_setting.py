"""TLS verification switched off (AS308) is medium wherever it runs; switched off only in the branch a setting asking
for insecure TLS takes (``if server.tls_insecure:``, ``if not verify_ssl:``), it is the operator's explicit choice for
one connection, listed low. A branch on anything else keeps it."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

SOURCE = '''import ssl


def context(server):
    ctx = ssl.create_default_context()
{body}
    return ctx
'''


@pytest.mark.parametrize(("body", "severity"), [
    ("    if server.tls_insecure:\n        ctx.check_hostname = False\n        ctx.verify_mode = ssl.CERT_NONE",
     Severity.LOW),
    ("    if not server.verify_ssl:\n        ctx.check_hostname = False", Severity.LOW),
    ("    ctx.check_hostname = False", Severity.HIGH),
    ("    if server.port == 6697:\n        ctx.check_hostname = False", Severity.HIGH),
])
def test_tls_off_only_when_a_setting_asks_for_it(tmp_path: Path, body: str, severity: Severity) -> None:
    found = [f.severity for f in audit(tmp_path, {"net.py": SOURCE.format(body=body)}).findings if f.rule_id == "AS308"]
    assert found and all(s == severity for s in found)
