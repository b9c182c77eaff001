"""A Django site's ``MIDDLEWARE`` list: without ``XFrameOptionsMiddleware`` (and no other way to forbid framing) any
site may frame its pages (AS304), and settings that switch off a header Django sends by default are reported at the
setting (AS304); a middleware commented out is reported at the line that holds it, which shows the
reader the change that disabled it (AS304, AS501)."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import DJANGO_SETTINGS, audit


def _framing(tmp_path: Path, framing: str, apps: str = "") -> list[tuple[int, Severity]]:
    result = audit(tmp_path, {"site/settings.py": DJANGO_SETTINGS.format(middleware=framing, apps=apps, extra="")})
    return [(f.location.line, f.severity) for f in result.findings
            if f.rule_id == "AS304" and f.location is not None]


@pytest.mark.parametrize("framing", [
    '    "django.middleware.clickjacking.XFrameOptionsMiddleware",\n',  # Django's default
    '    "csp.middleware.CSPMiddleware",\n',                               # frame-ancestors by CSP
    '    "site.middleware.SecurityHeadersMiddleware",\n',                  # the project's own headers
])
def test_a_site_that_forbids_framing_is_quiet(tmp_path: Path, framing: str) -> None:
    assert _framing(tmp_path, framing) == []


def test_a_site_without_the_framing_middleware_is_reported_at_the_commented_out_entry(tmp_path: Path) -> None:
    found = _framing(tmp_path, '    # "django.middleware.clickjacking.XFrameOptionsMiddleware",\n')
    assert found == [(13, Severity.MEDIUM)]


def test_a_site_without_it_and_without_a_trace_is_reported_at_the_list(tmp_path: Path) -> None:
    assert _framing(tmp_path, '    "corsheaders.middleware.CorsMiddleware",\n') == [(7, Severity.MEDIUM)]


def test_a_rest_framework_site_is_low(tmp_path: Path) -> None:
    assert _framing(tmp_path, "", apps='    "rest_framework",\n') == [(8, Severity.LOW)]


def test_csrf_middleware_commented_out_is_reported_where_it_was(tmp_path: Path) -> None:
    settings = DJANGO_SETTINGS.format(middleware="", apps="", extra="").replace(
        '    "django.middleware.csrf.CsrfViewMiddleware",', '    # "django.middleware.csrf.CsrfViewMiddleware",')
    result = audit(tmp_path, {"site/settings.py": settings})
    assert [f.location.line for f in result.findings if f.rule_id == "AS501" and f.location] == [11]


_FRAMED = '    "django.middleware.clickjacking.XFrameOptionsMiddleware",\n'


@pytest.mark.parametrize(("extra", "reported"), [
    ("SECURE_CONTENT_TYPE_NOSNIFF = False\n", True),  # must fire: nosniff switched off
    ("SECURE_REFERRER_POLICY = None\n", True),
    ("X_FRAME_OPTIONS = 'ALLOWALL'\n", True),
    ("SECURE_CONTENT_TYPE_NOSNIFF = True\n", False),  # must stay quiet: the default kept
    ("X_FRAME_OPTIONS = 'SAMEORIGIN'\n", False),
    ("SECURE_HSTS_SECONDS = 0\nSECURE_SSL_REDIRECT = False\n", False),  # defaults a deployment sets elsewhere
])
def test_a_header_switched_off_in_the_settings_is_reported_at_the_setting(tmp_path: Path, extra: str,
                                                                          reported: bool) -> None:
    settings = DJANGO_SETTINGS.format(middleware=_FRAMED, apps="", extra=extra)
    result = audit(tmp_path, {"site/settings.py": settings})
    lines = [f.location.line for f in result.findings if f.rule_id == "AS304" and f.location is not None]
    assert lines == ([15] if reported else [])
