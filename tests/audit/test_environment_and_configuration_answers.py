"""A route that answers with the process environment or the application's whole configuration is AS313; reading
one variable or setting, a dump filtered to named keys, or a dump that never reaches the answer stays quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

FLASK = '''
import os
from flask import Flask, jsonify, current_app

app = Flask(__name__)


@app.route("/info")
def info():
{body}
'''

DJANGO_URLS = '''
from django.urls import path
from . import views

urlpatterns = [path("debug/", views.debug_info)]
'''

DJANGO_VIEW = '''
import os
import django.conf
from django.shortcuts import render


def debug_info(request):
{body}
'''


@pytest.mark.parametrize(("body", "fires"), [
    ("    return jsonify(dict(os.environ))", True),
    ("    env = os.environ.copy()\n    return jsonify({'env': env})", True),
    ("    return jsonify({**os.environ})", True),
    ("    return {'env': os.environ}", True),
    ("    return jsonify(dict(current_app.config))", True),
    ("    items = {k: str(v) for k, v in app.config.items()}\n    return jsonify(items)", True),
    ("    return jsonify({'region': os.environ.get('REGION')})", False),
    ("    return jsonify({'debug': app.config['DEBUG']})", False),
    ("    keep = {k: v for k, v in os.environ.items() if k in ('REGION', 'VERSION')}\n    return jsonify(keep)", False),
    ("    env = dict(os.environ, LANG='C')\n    run(env=env)\n    return jsonify({'ok': True})", False),
], ids=["environ-dict", "environ-copy-named", "environ-spread", "environ-value", "flask-config",
        "flask-config-items", "one-variable", "one-setting", "filtered-keys", "dump-not-returned"])
def test_a_flask_route_answering_with_the_environment(tmp_path: Path, body: str, fires: bool) -> None:
    result = audit(tmp_path, {"app.py": FLASK.format(body=body)})
    assert bool([f for f in result.findings if f.rule_id == "AS313"]) is fires


@pytest.mark.parametrize(("body", "fires"), [
    ("    dump = {k: str(getattr(django.conf.settings, k, '')) for k in dir(django.conf.settings) if k.isupper()}\n"
     "    return render(request, 'debug.html', {'settings': dump})", True),
    ("    return render(request, 'debug.html', {'env': dict(os.environ)})", True),
    ("    return render(request, 'debug.html', {'debug': django.conf.settings.DEBUG})", False),
], ids=["settings-dir", "environ-in-context", "one-setting"])
def test_a_django_view_rendering_the_settings(tmp_path: Path, body: str, fires: bool) -> None:
    files = {"app/__init__.py": "", "app/urls.py": DJANGO_URLS, "app/views.py": DJANGO_VIEW.format(body=body)}
    result = audit(tmp_path, files)
    assert bool([f for f in result.findings if f.rule_id == "AS313"]) is fires
