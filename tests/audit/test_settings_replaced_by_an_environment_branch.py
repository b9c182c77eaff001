"""A settings module's literal ``DEBUG = True`` or ``SECRET_KEY`` that a later ``if`` on the configuration assigns
again (``if ENVIRONMENT == 'production': DEBUG = False``) is one environment's default: listed at low. Without that
branch, or with one that leaves the value alone, it stays medium or higher. A debug switch that sits inside the branch
an operator takes for development (``if config["dev_mode"]: config["DEBUG"] = True``) is low as well."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_SETTINGS = """\
import os
ENVIRONMENT = os.getenv('ENVIRONMENT', 'development')
SECRET_KEY = '^+%!mnsrflamqkz!)dv&7kxt%zct-^)_c41+e59nxx$#%r0z*u'
DEBUG = True
INSTALLED_APPS = ['django.contrib.auth', 'rest_framework']
MIDDLEWARE = ['django.middleware.security.SecurityMiddleware']
{branch}
"""


@pytest.mark.parametrize(("branch", "lowered"), [
    # must stay quiet (low): production replaces both
    ("if ENVIRONMENT == 'production':\n    DEBUG = False\n    SECRET_KEY = os.getenv('SECRET_KEY')", True),
    ("if os.getenv('DJANGO_ENV') != 'dev':\n    DEBUG = os.getenv('DEBUG') == '1'\n"
     "    SECRET_KEY = os.environ['SECRET_KEY']", True),
    # must fire: nothing replaces them, or the branch touches other settings only
    ("", False),
    ("if ENVIRONMENT == 'production':\n    ALLOWED_HOSTS = ['example.com']", False),
    ("if ENVIRONMENT == 'production':\n    DEBUG = True\n    SECRET_KEY = 'another-literal-key-0123456789'", False),
])
def test_development_defaults_replaced_by_an_environment_branch_are_low(tmp_path: Path, branch: str,
                                                                       lowered: bool) -> None:
    result = audit(tmp_path, {"tutorial/settings.py": _SETTINGS.format(branch=branch)})
    for rule_id in ("AS301", "AS601"):
        hits = [f for f in result.findings if f.rule_id == rule_id]
        assert hits, f"{rule_id} is always listed"
        assert all(f.severity == Severity.LOW for f in hits) is lowered, rule_id


_CONFIG = """\
import flask

def init(config):
    app = flask.Flask(__name__)
{switch}
    return app
"""


@pytest.mark.parametrize(("switch", "lowered"), [
    # must stay quiet (low): switched on only in the branch an operator takes for development
    ("    if config['dev_mode']['testing']:\n        config['DEBUG'] = True", True),
    ("    if os.environ.get('APP_ENV') == 'development':\n        app.run(debug=True)", True),
    ("    if os.getenv('ENV') == 'localdev':\n        config['DEBUG'] = True", True),
    ("    if os.getenv('ENV') == 'devel':\n        config['DEBUG'] = True", True),
    ("    if not settings.DEBUG:\n        pass\n    else:\n        app.config.update(DEBUG=True)", True),
    # must fire: on whatever the environment, or in the production branch
    ("    config['DEBUG'] = True", False),
    ("    if config['production']:\n        app.run(debug=True)", False),
    ("    if not config['dev_mode']:\n        app.debug = True", False),
])
def test_debug_switched_on_only_in_a_development_branch_is_low(tmp_path: Path, switch: str, lowered: bool) -> None:
    result = audit(tmp_path, {"backend/config.py": _CONFIG.format(switch=switch)})
    hits = [f for f in result.findings if f.rule_id == "AS301"]
    assert hits, "AS301 is always listed"
    assert all(f.severity == Severity.LOW for f in hits) is lowered


def _developer_settings(module: str, content: str, wsgi_settings: str) -> dict[str, str]:
    """A Django project whose ``config/settings/<module>.py`` holds ``content`` and is ``manage.py``'s default, beside
    a production module read from the environment; ``config/wsgi.py`` selects ``wsgi_settings``."""
    return {
        "config/__init__.py": "", "config/settings/__init__.py": "",
        f"config/settings/{module}.py": content,
        "config/settings/production.py": "import os\nDEBUG = False\nSECRET_KEY = os.environ['SECRET_KEY']\n",
        "manage.py": f"import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings.{module}')\n",
        "config/wsgi.py": f"import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', '{wsgi_settings}')\n",
    }


@pytest.mark.parametrize(("wsgi_settings", "lowered"), [
    ("config.settings.production", True),
    ("config.settings.development", False),
])
def test_development_settings_no_served_entry_point_selects_are_low(tmp_path: Path, wsgi_settings: str,
                                                                     lowered: bool) -> None:
    """``DEBUG = True`` in ``config/settings/development.py`` that only ``manage.py`` (the developer's runner) names is
    low; a WSGI entry point selecting that module serves it, and it stays."""
    files = _developer_settings("development", "DEBUG = True\nALLOWED_HOSTS = ['localhost']\n", wsgi_settings)
    hits = [f for f in audit(tmp_path, files).findings if f.rule_id == "AS301"]
    assert hits, "AS301 is always listed"
    assert all(f.severity == Severity.LOW for f in hits) is lowered


#: what the developer's ``config/settings/local.py`` sets, by the rule that reports it: a placeholder secret key, and
#: django-cors-headers open to every origin with credentials
_LOCAL_DEFAULTS = {
    "AS601": ("import environ\nenv = environ.Env()\nDEBUG = True\n"
              "SECRET_KEY = env('DJANGO_SECRET_KEY', default='CHANGEME!!!')\n"),
    "AS305": ("INSTALLED_APPS = ['corsheaders']\nMIDDLEWARE = ['corsheaders.middleware.CorsMiddleware']\n"
              "CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True\n"),
}


@pytest.mark.parametrize("module", ["local", "devstack"])
@pytest.mark.parametrize("rule", sorted(_LOCAL_DEFAULTS))
@pytest.mark.parametrize(("wsgi_settings", "lowered"), [
    ("config.settings.production", True),
    ("config.settings.{module}", False),
])
def test_local_settings_no_served_entry_point_selects_are_low(tmp_path: Path, module: str, rule: str,
                                                              wsgi_settings: str, lowered: bool) -> None:
    """A cookiecutter layout's ``config/settings/local.py`` (the developer's settings, ``manage.py``'s default), or Open
    edX's ``settings/devstack.py``, with a
    placeholder secret key or CORS open to every origin: low, while the WSGI entry point selects the production module;
    the same module selected by the WSGI file is served, and its finding stays."""
    files = _developer_settings(module, _LOCAL_DEFAULTS[rule], wsgi_settings.format(module=module))
    hits = [f for f in audit(tmp_path, files).findings if f.rule_id == rule]
    assert hits, f"{rule} is always listed"
    assert all(f.severity == Severity.LOW for f in hits) is lowered
