"""Precision regressions: reported false positives (and the true positives next to them).

Each case is a (rule, vulnerable snippet, fixed-or-benign snippet) triple: the rule must fire on the first and
stay quiet on the second, so a fix that silences the rule entirely fails as surely as the original bug.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import audit

# --- AS606: secret comparison -------------------------------------------------------------------------------
_AS606: list[tuple[str, str, str]] = [
    (
        "sqlalchemy select().where() column",
        "import hmac\n"
        "def check(token):\n"
        "    return token == STORED_TOKEN\n",
        "from sqlalchemy import select\n"
        "def find(conn, tokens, v):\n"
        "    return conn.execute(select(tokens).where(tokens.c.token_hash == v)).first()\n",
    ),
    (
        "ORM filter() on a class attribute, in a lower-case alias",
        "def check(request, user):\n"
        "    return request.headers.get('X-API-KEY') == user.api_key\n",
        "def find(session, models, x):\n"
        "    return session.query(models.User).filter(models.User.api_key == x).first()\n",
    ),
    (
        "filter on a table column",
        "def check(sig, expected_signature):\n"
        "    if sig != expected_signature:\n"
        "        raise ValueError\n",
        "def find(q, api_keys, provided):\n"
        "    return q.filter(api_keys.c.secret == provided).one()\n",
    ),
    (
        "word-aware: oauth_client is not a secret",
        "def check(given, client):\n"
        "    return given == client.hmac\n",
        "def same(oauth_client, other):\n"
        "    return oauth_client == other.oauth_client\n",
    ),
    (
        "word-aware: tokenizer / secretary",
        "def check(given, stored_digest):\n"
        "    return given == stored_digest\n",
        "def same(tokenizer, secretary, other):\n"
        "    return tokenizer == other.tokenizer or secretary == other\n",
    ),
    (
        "password_hash is a secret",
        "def check(candidate, user):\n"
        "    return candidate == user.password_hash\n",
        "def same(a, b):\n"
        "    return a.name == b.name\n",
    ),
]


@pytest.mark.parametrize(("bad", "good"), [(b, g) for _, b, g in _AS606], ids=[n for n, _, _ in _AS606])
def test_as606_precision(tmp_path: Path, bad: str, good: str) -> None:
    assert _count(tmp_path / "bad", bad, "AS606") >= 1
    assert _count(tmp_path / "good", good, "AS606") == 0


# --- AS507: token lifetime ----------------------------------------------------------------------------------
_AS507: list[tuple[str, str, str]] = [
    (
        "joserfc takes the header first",
        "from joserfc import jwt\n"
        "def issue(key, sub):\n"
        "    return jwt.encode({'alg': 'HS256'}, {'sub': sub}, key)\n",
        "from joserfc import jwt\n"
        "def issue(key, sub, now):\n"
        "    return jwt.encode({'alg': 'HS256'}, {'sub': sub, 'exp': now + 900}, key)\n",
    ),
    (
        "PyJWT payload first",
        "import jwt\n"
        "def issue(key, sub):\n"
        "    return jwt.encode({'sub': sub}, key, algorithm='HS256')\n",
        "import jwt\n"
        "def issue(key, sub, now):\n"
        "    return jwt.encode({'sub': sub, 'exp': now + 900}, key, algorithm='HS256')\n",
    ),
    (
        "authlib jose takes the header first",
        "from authlib.jose import jwt\n"
        "def issue(key, sub):\n"
        "    return jwt.encode({'alg': 'HS256'}, {'sub': sub}, key)\n",
        "from authlib.jose import jwt\n"
        "def issue(key, sub, now):\n"
        "    return jwt.encode({'alg': 'HS256'}, {'sub': sub, 'exp': now + 60}, key)\n",
    ),
    (
        "python-jose claims first",
        "from jose import jwt\n"
        "def issue(key, sub):\n"
        "    return jwt.encode({'sub': sub}, key, algorithm='HS256')\n",
        "from jose import jwt\n"
        "def issue(key, sub, now):\n"
        "    return jwt.encode({'sub': sub, 'exp': now + 60}, key, algorithm='HS256')\n",
    ),
]


@pytest.mark.parametrize(("bad", "good"), [(b, g) for _, b, g in _AS507], ids=[n for n, _, _ in _AS507])
def test_as507_reads_the_library_argument_order(tmp_path: Path, bad: str, good: str) -> None:
    assert _count(tmp_path / "bad", bad, "AS507") >= 1
    assert _count(tmp_path / "good", good, "AS507") == 0


# --- AS404: reflected HTML ----------------------------------------------------------------------------------
_FLASK = "from flask import Flask, request, Response, make_response, jsonify\nimport json\napp = Flask(__name__)\n"
_AS404: list[tuple[str, str, str]] = [
    (
        "Response with a JSON mimetype",
        _FLASK + "@app.route('/a')\ndef a():\n    return Response(request.args['q'])\n",
        _FLASK + "@app.route('/a')\ndef a():\n    return Response(request.args['q'], mimetype='application/json')\n",
    ),
    (
        # json.dumps does not escape '<': without a JSON content type Flask serves it as text/html, so only
        # jsonify (or an explicit JSON content type) makes the body safe
        "make_response of jsonify; json.dumps stays HTML",
        _FLASK + "@app.route('/b')\ndef b():\n    return make_response(json.dumps({'q': request.args['q']}))\n",
        _FLASK + "@app.route('/b')\ndef b():\n    return make_response(jsonify({'q': request.args['q']}))\n",
    ),
    (
        "tuple with a JSON Content-Type header",
        _FLASK + "@app.route('/t')\ndef t():\n    return json.dumps([request.args['q']]), 200\n",
        _FLASK + "@app.route('/t')\ndef t():\n"
        "    return json.dumps([request.args['q']]), 200, {'Content-Type': 'application/json'}\n",
    ),
    (
        "Response with a JSON content_type, status tuple",
        _FLASK + "@app.route('/c')\ndef c():\n    return Response('<p>' + request.args['q']), 200\n",
        _FLASK + "@app.route('/c')\ndef c():\n"
        "    return Response(json.dumps([request.args['q']]), content_type='application/json; charset=utf-8'), 200\n",
    ),
    (
        "dict / jsonify from a blueprint api handler (microblog style)",
        "from flask import Blueprint, request\nbp = Blueprint('main', __name__)\n"
        "@bp.route('/s')\ndef s():\n    return 'Hi ' + request.args['q']\n",
        "from flask import Blueprint, request, jsonify\nbp = Blueprint('api', __name__)\n"
        "@bp.route('/users/<int:id>', methods=['PUT'])\ndef update(id):\n"
        "    data = request.get_json()\n"
        "    if 'username' not in data:\n"
        "        return {'error': 'bad ' + data['username']}, 400\n"
        "    return jsonify({'name': data['username']})\n",
    ),
    (
        "typed path parameters are numbers, not markup",
        "import bottle\napp = bottle.Bottle()\n@app.get('/n/<name>')\ndef n(name):\n    return '<p>' + name\n",
        "import bottle\napp = bottle.Bottle()\n@app.get('/n/<id:int>')\ndef n(id):\n    return '<p>%s' % id\n"
        "@app.get('/f/<float:x>')\ndef f(x):\n    return '<p>%s' % x\n",
    ),
    (
        "Bottle inline template source printing a variable raw",
        "from bottle import Bottle, request, template\napp = Bottle()\n@app.get('/hello')\ndef hello():\n"
        "    return template('<h1>Hello {{!name}}</h1>', name=request.query.get('name'))\n",
        "from bottle import Bottle, request, template\napp = Bottle()\n@app.get('/hello')\ndef hello():\n"
        "    return template('<h1>Hello {{name}}</h1>', name=request.query.get('name'))\n",
    ),
    (
        "CherryPy json_out",
        "import cherrypy\nclass Root:\n    @cherrypy.expose\n    def hi(self, name):\n"
        "        return '<b>' + name + '</b>'\n",
        "import cherrypy\nclass Root:\n    @cherrypy.expose\n    @cherrypy.tools.json_out()\n"
        "    def hi(self, name):\n        return 'hello ' + name\n",
    ),
    (
        "FastAPI is JSON unless HTMLResponse",
        "from fastapi import FastAPI\nfrom fastapi.responses import HTMLResponse\napp = FastAPI()\n"
        "@app.get('/h', response_class=HTMLResponse)\ndef h(q: str):\n    return '<p>' + q\n",
        "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/h')\ndef h(q: str):\n    return '<p>' + q\n",
    ),
]


@pytest.mark.parametrize(("bad", "good"), [(b, g) for _, b, g in _AS404], ids=[n for n, _, _ in _AS404])
def test_as404_json_is_not_html(tmp_path: Path, bad: str, good: str) -> None:
    assert _count(tmp_path / "bad", bad, "AS404") >= 1
    assert _count(tmp_path / "good", good, "AS404") == 0


# --- AS102: object-level authorization ----------------------------------------------------------------------
_AS102_FLASK = (
    "from flask import Flask, abort, g\nfrom functools import wraps\napp = Flask(__name__)\n"
    "def login_required(f):\n    @wraps(f)\n    def w(*a, **k):\n        if not g.user:\n            abort(401)\n"
    "        return f(*a, **k)\n    return w\n"
    "def admin_required(f):\n    @wraps(f)\n    def w(*a, **k):\n        if not g.user.is_admin:\n"
    "            abort(403)\n        return f(*a, **k)\n    return w\n"
)
_AS102: list[tuple[str, str, str]] = [
    (
        "@admin_required",
        _AS102_FLASK + "@app.route('/api/v1/tasks/<task_id>')\n@login_required\ndef get(task_id):\n"
        "    return DB.tasks.get(task_id)\n",
        _AS102_FLASK + "@app.route('/api/v1/tasks/<task_id>')\n@login_required\n@admin_required\ndef get(task_id):\n"
        "    return DB.tasks.get(task_id)\n",
    ),
    (
        "role check that aborts 403 in the body",
        _AS102_FLASK + "@app.route('/api/v1/users/<user_id>')\n@login_required\ndef get(user_id):\n"
        "    return DB.users.get(user_id)\n",
        _AS102_FLASK + "@app.route('/api/v1/users/<user_id>')\n@login_required\ndef get(user_id):\n"
        "    if 'admin' not in g.user.roles:\n        abort(403)\n    return DB.users.get(user_id)\n",
    ),
    (
        "Bottle typed path parameter <id:int>",
        "import bottle\napp = bottle.Bottle()\n@app.get('/api/v1/tasks/<id:int>')\ndef get(id):\n"
        "    return DB.tasks.get(id)\n",
        "import bottle\napp = bottle.Bottle()\n@app.get('/api/v1/tasks/<id:int>')\n"
        "@require(roles=['admin'])\ndef get(id):\n    return DB.tasks.get(id)\n",
    ),
]


@pytest.mark.parametrize(("bad", "good"), [(b, g) for _, b, g in _AS102], ids=[n for n, _, _ in _AS102])
def test_as102_admin_routes_and_bottle_paths(tmp_path: Path, bad: str, good: str) -> None:
    assert _count(tmp_path / "bad", bad, "AS102") >= 1
    assert _count(tmp_path / "good", good, "AS102") == 0


# --- AS307: exception text from error handlers --------------------------------------------------------------
_AS307: list[tuple[str, str, str]] = [
    (
        "Flask errorhandler returning a traceback",
        "import traceback\nfrom flask import Flask\napp = Flask(__name__)\n@app.errorhandler(500)\n"
        "def err(e):\n    return traceback.format_exc(), 500\n",
        "import logging\nfrom flask import Flask\napp = Flask(__name__)\n@app.errorhandler(500)\n"
        "def err(e):\n    logging.exception('boom')\n    return {'title': 'Internal error'}, 500\n",
    ),
    (
        "Flask register_error_handler with str(e)",
        "from flask import Flask\napp = Flask(__name__)\ndef err(e):\n    return {'error': str(e)}, 500\n"
        "app.register_error_handler(Exception, err)\n",
        "from flask import Flask\napp = Flask(__name__)\ndef err(e):\n    return {'error': 'internal'}, 500\n"
        "app.register_error_handler(Exception, err)\n",
    ),
    (
        "an exception object handed to a problem renderer is not exception text",
        "from flask import Flask\napp = Flask(__name__)\ndef err(e):\n    return 'failed: {}'.format(e), 500\n"
        "app.register_error_handler(ValueError, err)\n",
        "from flask import Flask\nfrom myapp.http import problem_response\napp = Flask(__name__)\n"
        "def err(e):\n    return problem_response(e)\napp.register_error_handler(ValueError, err)\n",
    ),
    (
        "Bottle @error(500) module decorator",
        "from bottle import error\n@error(500)\ndef err(e):\n    return str(e.exception)\n",
        "from bottle import error\n@error(500)\ndef err(e):\n    return 'Internal error'\n",
    ),
    (
        "Bottle @app.error(500) with err.traceback",
        "import bottle\napp = bottle.Bottle()\n@app.error(500)\ndef err(e):\n    return e.traceback\n",
        "import bottle\napp = bottle.Bottle()\n@app.error(500)\ndef err(e):\n    return 'Internal error'\n",
    ),
]


@pytest.mark.parametrize(("bad", "good"), [(b, g) for _, b, g in _AS307], ids=[n for n, _, _ in _AS307])
def test_as307_error_handlers(tmp_path: Path, bad: str, good: str) -> None:
    assert _count(tmp_path / "bad", bad, "AS307") >= 1
    assert _count(tmp_path / "good", good, "AS307") == 0


def _count(root: Path, source: str, rule_id: str) -> int:
    result = audit(root, {"app.py": source})
    return sum(1 for f in result.findings if f.rule_id == rule_id)
