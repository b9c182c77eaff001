"""Per-rule checks: each rule fires on its vulnerable snippet and stays quiet on the fixed one.

Snippets are module-level rules (no routes needed); the route-inventory rules are covered in
test_frameworks.py and the corpus.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.audit.engine import load_rules
from apishield.audit.rules.registry import all_rules

from .helpers import audit, ids

CASES: list[tuple[str, str, str]] = [
    (
        "AS301",
        "from flask import Flask\napp = Flask(__name__)\napp.config['DEBUG'] = True\n",
        "import os\nfrom flask import Flask\napp = Flask(__name__)\napp.config['DEBUG'] = os.environ.get('D') == '1'\n",
    ),
    ("AS301", "import bottle\nbottle.debug(True)\n", "import bottle\nbottle.debug(False)\n"),
    (
        "AS301",
        "from fastapi import FastAPI\napp = FastAPI(debug=True)\n",
        "from fastapi import FastAPI\napp = FastAPI()\n",
    ),
    ("AS301", "class Config:\n    DEBUG = True\n", "class DevelopmentConfig:\n    DEBUG = True\n"),
    (
        "AS302",
        "import bottle\napp = bottle.Bottle()\nbottle.run(app)\n",
        "import bottle\napp = bottle.Bottle()\nbottle.run(app, server='gunicorn')\n",
    ),
    (
        "AS303",
        "from flask import Flask\napp = Flask(__name__)\napp.run(host='0.0.0.0')\n",
        "from flask import Flask\napp = Flask(__name__)\napp.run(host='127.0.0.1')\n",
    ),
    (
        "AS305",
        "from fastapi.middleware.cors import CORSMiddleware\nfrom fastapi import FastAPI\napp = FastAPI()\n"
        "app.add_middleware(CORSMiddleware, allow_origin_regex='.*', allow_credentials=True)\n",
        "from fastapi.middleware.cors import CORSMiddleware\nfrom fastapi import FastAPI\napp = FastAPI()\n"
        "app.add_middleware(CORSMiddleware, allow_origins=['https://a.example.com'], allow_credentials=True)\n",
    ),
    (
        "AS306",
        "from flask import Flask\nfrom flask_cors import CORS\napp = Flask(__name__)\nCORS(app)\n",
        "from flask import Flask\nfrom flask_cors import CORS\napp = Flask(__name__)\nCORS(app, origins=['https://a.example.com'])\n",
    ),
    (
        "AS308",
        "import requests\nrequests.get('https://x.example.net', verify=False, timeout=3)\n",
        "import requests\nrequests.get('https://x.example.net', timeout=3)\n",
    ),
    (
        "AS308",
        "import ssl\nctx = ssl._create_unverified_context()\n",
        "import ssl\nctx = ssl.create_default_context()\n",
    ),
    (
        "AS309",
        "import requests\nrequests.post('https://x.example.net', json={})\n",
        "import requests\nrequests.post('https://x.example.net', json={}, timeout=5)\n",
    ),
    (
        "AS310",
        "import requests\nrequests.get('http://api.partner.net/v1?api_key=abc', timeout=3)\n",
        "import requests\nrequests.get('https://api.partner.net/v1?api_key=abc', timeout=3)\n",
    ),
    (
        "AS401",
        "import jinja2\nenv = jinja2.Environment(autoescape=False)\n",
        "import jinja2\nenv = jinja2.Environment(autoescape=jinja2.select_autoescape())\n",
    ),
    (
        "AS402",
        "from markupsafe import Markup\ndef show(name):\n    return Markup(f'<b>{name}</b>')\n",
        "from markupsafe import Markup, escape\ndef show(name):\n    return Markup('<b>%s</b>') % escape(name)\n",
    ),
    ("AS501", "app_config = {}\nWTF_CSRF_ENABLED = False\n", "WTF_CSRF_ENABLED = True\n"),
    (
        "AS506",
        "from bottle import request\ndef me():\n    return request.get_cookie('user_id')\n",
        "from bottle import request\ndef me():\n    return request.get_cookie('user_id', secret=KEY)\n",
    ),
    (
        "AS507",
        "import jwt\ndef t(k):\n    return jwt.encode({'sub': 'x'}, k, algorithm='HS256')\n",
        "import jwt, time\ndef t(k):\n"
        "    return jwt.encode({'sub': 'x', 'exp': time.time() + 600}, k, algorithm='HS256')\n",
    ),
    (
        "AS601",
        "SECRET_KEY = 'f3a1c9e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a3f2'\n",
        "import os\nSECRET_KEY = os.environ['SECRET_KEY']\n",
    ),
    (
        "AS601",
        "import os\nSECRET_KEY = os.environ.get('SECRET_KEY', 'fallback-value')\n",
        "import os\nSECRET_KEY = os.environ.get('SECRET_KEY')\n",
    ),
    ("AS602", "JWT_SECRET_KEY = 'changeme'\n", "import os\nJWT_SECRET_KEY = os.environ['JWT_SECRET_KEY']\n"),
    (
        "AS603",
        "import psycopg\nconn = psycopg.connect(host='db', password='Sup3rS3cret!')\n",
        "import os, psycopg\nconn = psycopg.connect(host='db', password=os.environ['PGPASSWORD'])\n",
    ),
    (
        "AS604",
        "import hashlib\ndef store(password):\n    return hashlib.sha256(password.encode()).hexdigest()\n",
        "import hashlib\ndef etag(body):\n    return hashlib.sha256(body).hexdigest()\n",
    ),
    (
        "AS605",
        "import random\ndef new_api_key():\n    return ''.join(random.choice('abc') for _ in range(32))\n",
        "import random\ndef jitter():\n    return random.random()\n",
    ),
    (
        "AS606",
        "def ok(request, API_KEY):\n    return request.headers.get('X-API-Key') == API_KEY\n",
        "import hmac\ndef ok(given, API_KEY):\n    return hmac.compare_digest(given, API_KEY)\n",
    ),
    (
        "AS701",
        "import jwt\ndef c(t):\n    return jwt.decode(t, options={'verify_signature': False})\n",
        "import jwt\ndef c(t, k):\n    return jwt.decode(t, k, algorithms=['HS256'])\n",
    ),
    (
        "AS702",
        "import jwt\ndef c(t, k):\n    return jwt.decode(t, k, algorithms=['HS256', 'none'])\n",
        "import jwt\ndef c(t, k):\n    return jwt.decode(t, k, algorithms=['HS256'])\n",
    ),
    (
        "AS702",
        "import jwt\ndef c(t, k):\n    h = jwt.get_unverified_header(t)\n"
        "    return jwt.decode(t, k, algorithms=[h['alg']])\n",
        "import jwt\ndef c(t, k):\n    return jwt.decode(t, k, algorithms=['RS256'])\n",
    ),
    (
        "AS106",
        "from flask import request\ndef upd(u):\n    u.__dict__.update(request.get_json())\n",
        "from flask import request\ndef upd(u):\n    u.title = request.get_json()['title']\n",
    ),
    (
        "AS205",
        "from flask_graphql import GraphQLView\nv = GraphQLView.as_view('g', schema=s, graphiql=True)\n",
        "from flask_graphql import GraphQLView\n"
        "v = GraphQLView.as_view('g', schema=s, validation_rules=[depth_limit_validator(8)])\n",
    ),
]


@pytest.mark.parametrize(("rule_id", "bad", "good"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_fires_on_bad_and_not_on_good(tmp_path: Path, rule_id: str, bad: str, good: str) -> None:
    assert rule_id in ids(audit(tmp_path / "bad", {"m.py": bad}))
    assert rule_id not in ids(audit(tmp_path / "good", {"m.py": good}))


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("<p>{{!name}}</p>", {"AS402"}),
        ("<p>{{ name|safe }}</p>", {"AS402"}),
        ("{% autoescape false %}{{ x }}{% endautoescape %}", {"AS401"}),
        ("<p>{{ name }}</p>{{ '<br>'|safe }}{{!'<hr>'}}", set()),
    ],
)
def test_template_rules(tmp_path: Path, template: str, expected: set[str]) -> None:
    assert ids(audit(tmp_path, {"views/t.tpl": template})) == expected


def test_every_rule_is_documented_and_complete() -> None:
    load_rules()
    rules = all_rules()
    catalogue = {
        "AS101",
        "AS102",
        "AS103",
        "AS104",
        "AS105",
        "AS106",
        "AS107",
        "AS201",
        "AS202",
        "AS203",
        "AS205",
        "AS301",
        "AS302",
        "AS303",
        "AS304",
        "AS305",
        "AS306",
        "AS308",
        "AS309",
        "AS310",
        "AS401",
        "AS402",
        "AS501",
        "AS502",
        "AS506",
        "AS507",
        "AS601",
        "AS602",
        "AS603",
        "AS604",
        "AS605",
        "AS606",
        "AS701",
        "AS702",
    }
    assert catalogue <= {r.rule.id for r in rules}
    for registered in rules:
        rule = registered.rule
        assert rule.title and rule.cwe and rule.owasp.startswith("API") and rule.fix, rule.id
        assert registered.doc and rule.id in registered.doc, f"{rule.id}: docstring must document the rule"
