"""Which files the auditor treats as tests, samples or development settings: one rule for every check."""

from __future__ import annotations

import pytest

from apishield.audit.rules.base import is_dev_module, is_sample_code, is_test_code


@pytest.mark.parametrize(
    "path",
    [
        "tests/test_app.py",
        "app/tests/helpers.py",
        "testing/app.py",
        "pkg/test_views.py",
        "pkg/views_test.py",
        "pkg/tests.py",
        "settings/test.py",
        "settings/testing.py",
        "settings/settings_test_ci.py",
        "conftest.py",
        "sub\\tests\\factory.py",
        "Tests/Case.py",
    ],
)
def test_test_code_is_recognised(path: str) -> None:
    assert is_test_code(path)
    assert is_sample_code(path)
    assert is_dev_module(path)


@pytest.mark.parametrize(
    "path",
    ["app/views.py", "latest.py", "contest/api.py", "attestation.py", "app/testimonials.py", "docs_server.py",
     "api/developers.py"],
)
def test_application_code_is_not_test_code(path: str) -> None:
    assert not is_test_code(path)
    assert not is_dev_module(path)


@pytest.mark.parametrize("path", ["examples/app.py", "docs/conf.py", "fixtures/users.py", "example/settings.py"])
def test_samples_are_sample_code_but_not_tests(path: str) -> None:
    assert is_sample_code(path)
    assert not is_test_code(path)


@pytest.mark.parametrize("path", ["config/dev.py", "settings_local.py", "config.debug.py", "app/local_settings.py"])
def test_development_modules(path: str) -> None:
    assert is_dev_module(path)
    assert not is_test_code(path)
    assert not is_sample_code(path)


@pytest.mark.parametrize("path", ["config/production.py", "settings/base.py", "devices.py", "locale.py"])
def test_production_modules_are_not_development(path: str) -> None:
    assert not is_dev_module(path)
