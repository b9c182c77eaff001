"""A template that turns autoescaping off (AS401) is a page of the site, high, unless it is a mail body: named or
filed as an e-mail (Django's plain-text ``registration/password_reset_email.html``, ``emails/welcome.html``), which
no browser runs as a page of the site: low."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

BODY = "{% autoescape off %}Reset your password: {{ protocol }}://{{ domain }}/reset/{{ uid }}/{{ token }}/" \
       "{% endautoescape %}\n"


@pytest.mark.parametrize(("path", "severity"), [
    ("templates/registration/password_reset_email.html", Severity.LOW),
    ("templates/emails/welcome.html", Severity.LOW),
    ("templates/mail/notice.html", Severity.LOW),
    ("templates/profile.html", Severity.HIGH),
    ("templates/mailbox_settings.html", Severity.HIGH),
])
def test_autoescape_off_is_low_only_in_a_mail_body(tmp_path: Path, path: str, severity: Severity) -> None:
    result = audit(tmp_path, {path: BODY, "app.py": "from flask import Flask\napp = Flask(__name__)\n"})
    found = [f for f in result.findings if f.rule_id == "AS401"]
    assert found and max(f.severity for f in found) == severity
