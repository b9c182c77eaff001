"""Precision regressions: reported false positives (and the true positives next to them).

Each case is a (rule, vulnerable snippet, fixed-or-benign snippet) triple: the rule must fire on the first and
stay quiet on the second, so a fix that silences the rule entirely fails as surely as the original bug.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.audit.engine import AuditResult
from apishield.findings import Severity

from .helpers import audit

# --- AS606: secret comparison -------------------------------------------------------------------------------
_AS606: list[tuple[str, str, str]] = [
    (
        "a field that describes the token (its name, type, scope), not the token",
        "def update(token, value):\n"
        "    if token.value != value:\n"
        "        raise ValueError\n",
        "def update(token, calendar_name):\n"
        "    if token.calendar_name != calendar_name:\n"
        "        token.calendar_name = calendar_name\n",
    ),
    (
        "a name or a field of an exchange or a record's metadata that only describes a secret",
        "def check(token, provided):\n"
        "    if token.secret != provided:\n"
        "        raise ValueError\n",
        "def update(token, token_name, secret, parent, token_request):\n"
        "    changed = token_name and token.token_name != token_name\n"
        "    same = secret.metadata.labels == parent.metadata.labels\n"
        "    ok = token_request.status_code == 200\n",
    ),
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
    (
        "the field compared is a user name or e-mail, whatever holds it",
        "def check(user_password, user):\n"
        "    return user_password.token != user.get('api_token')\n",
        "def same(user_password, user, token_claims):\n"
        "    return user_password.username != user.get('username') or token_claims['email'] == user.email\n",
    ),
    (
        "a field compared with a no-value sentinel asks whether it was sent",
        "def check(data, user):\n"
        "    return data.api_key != user.api_key\n",
        "EMPTY = object()\n"
        "def update(data, user):\n"
        "    if data.password != EMPTY:\n"
        "        user.set_password(data.password)\n",
    ),
    (
        "a value compared with another the same request carried (a confirmation) leaks nothing",
        "def change(request, user):\n"
        "    token = request.POST['token']\n"
        "    return token != user.reset_token\n",
        "def change(request, user):\n"
        "    pswd = request.POST['password']\n"
        "    if pswd != request.POST['password_confirm']:\n"
        "        return 'mismatch'\n",
    ),
    (
        "the server's own configuration on the request object is no client value",
        "async def check(request):\n"
        "    api_key = request.query.get('api_key')\n"
        "    return api_key != request.app['api_key']\n",
        "async def check(request):\n"
        "    api_key = request.query.get('api_key')\n"
        "    return api_key != request.query.get('api_key_again')\n",
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
        "a Flask 500 handler's str(e) is Werkzeug's generic message; the original exception's is not",
        "from flask import Flask\napp = Flask(__name__)\n@app.errorhandler(500)\n"
        "def err(e):\n    return {'error': str(e.original_exception)}, 500\n",
        "from flask import Flask\nfrom werkzeug.exceptions import InternalServerError\napp = Flask(__name__)\n"
        "@app.errorhandler(500)\ndef err(e):\n    return {'error': str(e)}, 500\n"
        "@app.errorhandler(InternalServerError)\ndef err2(e):\n    return {'error': f'{e}'}, 500\n",
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


# --- Cause 2: authentication seen where it is applied -------------------------------------------------------
def _files_count(root: Path, files: dict[str, str], rule_id: str) -> int:
    result = audit(root, files)
    return sum(1 for f in result.findings if f.rule_id == rule_id)


_FACTORY = (
    "from flask import Flask\nfrom .extensions import shield\n"
    "def create_app():\n    app = Flask(__name__)\n{install}"
    "    from .views import bp\n    app.register_blueprint(bp)\n    return app\n"
)
_AUTHN: list[tuple[str, dict[str, str], dict[str, str], str]] = [
    (
        "extension made in one module, installed with init_app in the app factory of another",
        {"pkg/__init__.py": _FACTORY.format(install=""),
         "pkg/extensions.py": "from apishield import Shield\nshield = Shield()\n",
         "pkg/views.py": "from flask import Blueprint, jsonify\nbp = Blueprint('api', __name__, url_prefix='/api/v1')\n"
                         "@bp.route('/notes')\ndef notes():\n    return jsonify([])\n"},
        {"pkg/__init__.py": _FACTORY.format(install="    shield.init_app(app)\n"),
         "pkg/extensions.py": "from apishield import Shield\nshield = Shield()\n",
         "pkg/views.py": "from flask import Blueprint, jsonify\nbp = Blueprint('api', __name__, url_prefix='/api/v1')\n"
                         "@bp.route('/notes')\ndef notes():\n    return jsonify([])\n"},
        "AS101",
    ),
    (
        "authentication decorator on a resource class",
        {"app.py": "from flask import Flask\nfrom flask_restx import Api, Resource\nfrom flask_httpauth import "
                   "HTTPBasicAuth\napp = Flask(__name__)\napi = Api(app)\nauth = HTTPBasicAuth()\n"
                   "@api.route('/api/v1/things')\nclass Things(Resource):\n    def get(self):\n        return []\n"},
        {"app.py": "from flask import Flask\nfrom flask_restx import Api, Resource\nfrom flask_httpauth import "
                   "HTTPBasicAuth\napp = Flask(__name__)\napi = Api(app)\nauth = HTTPBasicAuth()\n"
                   "@auth.login_required\n@api.route('/api/v1/things')\nclass Things(Resource):\n"
                   "    def get(self):\n        return []\n"},
        "AS101",
    ),
    (
        "steps of the sign-in flow under /login are public by nature",
        {"app.py": "from flask import Flask, jsonify\napp = Flask(__name__)\n"
                   "@app.route('/api/v1/orders/done')\ndef orders_done():\n    return jsonify(ok=True)\n"},
        {"app.py": "from flask import Flask, jsonify\napp = Flask(__name__)\n"
                   "@app.route('/api/v1/login/done')\ndef login_done():\n    return jsonify(ok=True)\n"
                   "@app.route('/oauth/github/complete')\ndef github_complete():\n    return jsonify(ok=True)\n"},
        "AS101",
    ),
    (
        "a page that only renders a fixed template (a form shell) is public by nature",
        {"app.py": "from flask import Flask, render_template\napp = Flask(__name__)\nfrom db import notes\n"
                   "@app.route('/api/v1/notes')\ndef list_notes():\n"
                   "    return render_template('notes.html', notes=notes())\n"},
        {"app.py": "from flask import Flask, render_template\napp = Flask(__name__)\n"
                   "@app.route('/api/v1/new-note')\ndef new_note_form():\n    return render_template('new.html')\n"},
        "AS101",
    ),
    (
        "OAuth library handler decorator (an Authlib ResourceProtector named require_oauth)",
        {"app.py": "from flask import Flask, jsonify\nfrom authlib.integrations.flask_oauth2 import ResourceProtector\n"
                   "app = Flask(__name__)\nrequire_oauth = ResourceProtector()\n"
                   "@app.route('/api/v1/profile')\ndef profile():\n    return jsonify({})\n"},
        {"app.py": "from flask import Flask, jsonify\nfrom authlib.integrations.flask_oauth2 import ResourceProtector\n"
                   "app = Flask(__name__)\nrequire_oauth = ResourceProtector()\n"
                   "@app.route('/api/v1/profile')\n@require_oauth('profile')\ndef profile():\n"
                   "    return jsonify({})\n"},
        "AS101",
    ),
    (
        "a route whose authentication is declared optional (jwt_optional) is public by decision",
        {"app.py": "from flask import Flask, jsonify\nfrom flask_jwt_extended import jwt_required\n"
                   "app = Flask(__name__)\n@app.route('/api/v1/articles/<slug>')\ndef article(slug):\n"
                   "    return jsonify({})\n"},
        {"app.py": "from flask import Flask, jsonify\nfrom flask_jwt_extended import jwt_optional\n"
                   "app = Flask(__name__)\n@app.route('/api/v1/articles/<slug>')\n@jwt_optional\n"
                   "def article(slug):\n    return jsonify({})\n"},
        "AS101",
    ),
    (
        "a Bottle before_request hook registered by a call, redirecting anonymous users to the login page",
        {"app.py": "from bottle import Bottle, request, redirect\napp = Bottle()\n"
                   "def check():\n    if not request.get_cookie('sid', secret='k'):\n        pass\n"
                   "app.hook('before_request')(check)\n"
                   "@app.route('/api/v1/notes')\ndef notes():\n    return {'notes': []}\n"},
        {"app.py": "from bottle import Bottle, request, redirect\napp = Bottle()\n"
                   "def check():\n    if request.path != '/login' and not request.get_cookie('sid', secret='k'):\n"
                   "        return redirect('/login')\n"
                   "app.hook('before_request')(check)\n"
                   "@app.route('/api/v1/notes')\ndef notes():\n    return {'notes': []}\n"},
        "AS101",
    ),
    (
        "FastAPI dependency returned by a factory call",
        {"main.py": "from fastapi import FastAPI, Depends\napp = FastAPI()\n"
                    "def pagination(size: int = 10):\n    def dep(page: int = 1):\n        return page, size\n"
                    "    return dep\n@app.get('/api/v1/items')\ndef items(p=Depends(pagination())):\n    return []\n"},
        {"main.py": "from fastapi import FastAPI, Depends, HTTPException\nfrom fastapi.security import "
                    "OAuth2PasswordBearer\napp = FastAPI()\noauth2 = OAuth2PasswordBearer(tokenUrl='token')\n"
                    "def require_user(scope: str = ''):\n    def dep(token: str = Depends(oauth2)):\n"
                    "        if not token:\n            raise HTTPException(401)\n        return token\n"
                    "    return dep\n@app.get('/api/v1/items')\ndef items(user=Depends(require_user('read'))):\n"
                    "    return []\n"},
        "AS101",
    ),
]


@pytest.mark.parametrize(("bad", "good", "rule_id"), [(b, g, r) for _, b, g, r in _AUTHN],
                         ids=[n for n, _, _, _ in _AUTHN])
def test_authentication_is_seen_where_it_is_applied(tmp_path: Path, bad: dict[str, str], good: dict[str, str],
                                                    rule_id: str) -> None:
    assert _files_count(tmp_path / "bad", bad, rule_id) >= 1
    assert _files_count(tmp_path / "good", good, rule_id) == 0


def test_an_installed_shield_answers_the_posture_rules_too(tmp_path: Path) -> None:
    """Created in one module and installed in another: no missing rate limit or security headers either."""
    files = dict(_AUTHN[0][2])
    assert _files_count(tmp_path / "good", files, "AS201") == 0
    assert _files_count(tmp_path / "good2", files, "AS304") == 0
    assert _files_count(tmp_path / "bad", dict(_AUTHN[0][1]), "AS201") == 1


# --- Cause 1: authorization seen where it is applied --------------------------------------------------------
_CP_ROLE = (
    "import cherrypy\nfrom auth import require_auth, member_of\nimport db\n"
    "class Admin:\n    @cherrypy.expose\n    @require_auth({role})\n    def delete_user(self, user_id):\n"
    "        db.delete(user_id)\n        return 'ok'\n"
    "cherrypy.tree.mount(Admin(), '/api/v1/admin', {{'/': {{'tools.sessions.on': True}}}})\n"
)
_AUTHZ: list[tuple[str, str, str, str]] = [
    ("CherryPy authentication decorator given a group (AS102)", _CP_ROLE.format(role=""),
     _CP_ROLE.format(role="member_of('admin')"), "AS102"),
    ("CherryPy authentication decorator given a group (AS103)", _CP_ROLE.format(role=""),
     _CP_ROLE.format(role="member_of('admin')"), "AS103"),
    (
        "Bottle auth decorator with a role literal",
        "import bottle\nfrom auth import requires_auth\nimport db\napp = bottle.Bottle()\n"
        "@app.delete('/api/v1/admin/users/<user_id>')\n@requires_auth()\ndef drop(user_id):\n"
        "    db.delete(user_id)\n    return {}\n",
        "import bottle\nfrom auth import requires_auth\nimport db\napp = bottle.Bottle()\n"
        "@app.delete('/api/v1/admin/users/<user_id>')\n@requires_auth(['admin'])\ndef drop(user_id):\n"
        "    db.delete(user_id)\n    return {}\n",
        "AS103",
    ),
    (
        "UPDATE ... WHERE id = ? AND owner = ? scopes the write to the caller",
        "from flask import Flask, g\nfrom auth import login_required\nimport db\napp = Flask(__name__)\n"
        "@app.route('/api/v1/notes/<note_id>', methods=['DELETE'])\n@login_required\ndef drop(note_id):\n"
        "    db.execute('DELETE FROM notes WHERE id = ?', (note_id,))\n    return '', 204\n",
        "from flask import Flask, g\nfrom auth import login_required\nimport db\napp = Flask(__name__)\n"
        "@app.route('/api/v1/notes/<note_id>', methods=['DELETE'])\n@login_required\ndef drop(note_id):\n"
        "    db.execute('DELETE FROM notes WHERE id = ? AND owner = ?', (note_id, g.uid))\n    return '', 204\n",
        "AS102",
    ),
]


@pytest.mark.parametrize(("bad", "good", "rule_id"), [(b, g, r) for _, b, g, r in _AUTHZ],
                         ids=[n for n, _, _, _ in _AUTHZ])
def test_authorization_is_seen_where_it_is_applied(tmp_path: Path, bad: str, good: str, rule_id: str) -> None:
    assert _count(tmp_path / "bad", bad, rule_id) >= 1
    assert _count(tmp_path / "good", good, rule_id) == 0


def test_ownership_pinned_in_a_data_layer_module(tmp_path: Path) -> None:
    """The handler passes the id to a helper in another module that scopes the query to the session user."""
    view = ("from flask import Flask\nfrom auth import login_required\nfrom . import store\napp = Flask(__name__)\n"
            "@app.route('/api/v1/notes/<note_id>', methods=['DELETE'])\n@login_required\ndef drop(note_id):\n"
            "    store.delete_note(note_id)\n    return '', 204\n")
    unscoped = "import db\ndef delete_note(note_id):\n    db.execute('DELETE FROM notes WHERE id = ?', (note_id,))\n"
    scoped = ("import db\nfrom flask import session\ndef delete_note(note_id):\n"
              "    db.execute('DELETE FROM notes WHERE id = ? AND user_id = ?', (note_id, session['uid']))\n")
    assert _files_count(tmp_path / "bad", {"app/views.py": view, "app/store.py": unscoped}, "AS102") == 1
    assert _files_count(tmp_path / "good", {"app/views.py": view, "app/store.py": scoped}, "AS102") == 0


# --- Cause 3: output that is not reflected HTML -------------------------------------------------------------
_AS404_STORED: list[tuple[str, str, str]] = [
    (
        "stored data selected by a request value is not the request echoed",
        "import cherrypy\nclass Root:\n    @cherrypy.expose\n    def show(self, name):\n"
        "        return '<h1>' + name + '</h1>'\n",
        "import cherrypy\nimport db\nclass Root:\n    @cherrypy.expose\n    def show(self, note_id):\n"
        "        return '<h1>' + db.get(note_id) + '</h1>'\n",
    ),
]


_AS404_STORED.append((
    "rows a query answers for a bound parameter are stored data; rows of SQL built from the request are not",
    "from flask import Flask, request\nimport sqlite3\napp = Flask(__name__)\n@app.route('/u')\ndef u():\n"
    "    db = sqlite3.connect('a.db')\n"
    "    rows = db.execute(f\"SELECT name FROM users WHERE id = {request.args['id']}\").fetchall()\n"
    "    return '<p>' + str(rows) + '</p>'\n",
    "from flask import Flask, request\nimport sqlite3\napp = Flask(__name__)\n@app.route('/u')\ndef u():\n"
    "    db = sqlite3.connect('a.db')\n"
    "    rows = db.execute('SELECT name FROM users WHERE id = ?', (request.args['id'],)).fetchall()\n"
    "    return '<p>' + str(rows) + '</p>'\n",
))


@pytest.mark.parametrize(("bad", "good"), [(b, g) for _, b, g in _AS404_STORED], ids=[n for n, _, _ in _AS404_STORED])
def test_as404_stored_is_not_reflected(tmp_path: Path, bad: str, good: str) -> None:
    assert _count(tmp_path / "bad", bad, "AS404") >= 1
    assert _count(tmp_path / "good", good, "AS404") == 0


_SEARCH_URLS = "from django.urls import path\nfrom app import views\nurlpatterns = [path('s', views.search)]\n"


@pytest.mark.parametrize(("header", "reported"), [("'X-XSS-Protection'] = 0", True),
                                                  ("'Content-Type'] = 'application/json'", False)])
def test_a_django_response_given_a_header_is_still_the_page(tmp_path: Path, header: str, reported: bool) -> None:
    view = ("from django.http import HttpResponse\ndef search(request):\n    q = request.GET.get('q', '')\n"
            f"    response = HttpResponse(f'Query: {{q}}')\n    response[{header}\n    return response\n")
    found = _files_count(tmp_path / "project", {"app/views.py": view, "app/urls.py": _SEARCH_URLS}, "AS404")
    assert (found >= 1) is reported


# --- Cause 4: one app, one finding --------------------------------------------------------------------------
def _app_level(root: Path, files: dict[str, str], rule_id: str) -> list[tuple[str, int]]:
    result = audit(root, files)
    return sorted((f.location.path, f.location.line) for f in result.findings if f.rule_id == rule_id and f.location)


def test_wrappers_and_unlinked_blueprints_belong_to_the_one_app(tmp_path: Path) -> None:
    """``Sockets(app)`` routes and a blueprint registered out of sight are parts of the app, not apps: the app-level
    finding is made once, at the app's construction. Two real apps still get one finding each."""
    one = {
        "app.py": "from flask import Flask\nfrom flask_sockets import Sockets\napp = Flask(__name__)\n"
                  "sockets = Sockets(app)\n@sockets.route('/echo')\ndef echo(ws):\n    ws.send(ws.receive())\n"
                  "@app.after_request\ndef stamp(resp):\n    resp.headers['X-Served-By'] = 'a'\n    return resp\n",
        "views.py": "from flask import Blueprint, jsonify\nbp = Blueprint('v', __name__)\n"
                    "@bp.route('/api/v1/things')\ndef things():\n    return jsonify([])\n",
    }
    assert _app_level(tmp_path / "one", one, "AS201") == [("app.py", 3)]
    two = {
        "a.py": "from flask import Flask, jsonify\napp = Flask(__name__)\n@app.route('/x')\ndef x():\n"
                "    return jsonify([])\n",
        "b.py": "from flask import Flask, jsonify\nadmin = Flask(__name__)\n@admin.route('/y')\ndef y():\n"
                "    return jsonify([])\n",
    }
    assert _app_level(tmp_path / "two", two, "AS201") == [("a.py", 2), ("b.py", 2)]


def test_cherrypy_mounts_of_one_module_are_one_app(tmp_path: Path) -> None:
    source = ("import cherrypy\nclass Api:\n    @cherrypy.expose\n    def index(self):\n        return 'a'\n"
              "class Files:\n    @cherrypy.expose\n    def index(self):\n        return 'f'\n"
              "cherrypy.tree.mount(Api(), '/api/v1')\ncherrypy.tree.mount(Files(), '/files')\n")
    assert _app_level(tmp_path / "one", {"server.py": source}, "AS304") == [("server.py", 10)]


# --- Cause 5: taint precision -------------------------------------------------------------------------------
_FLASK_FILES = "import os\nfrom pathlib import Path\nfrom flask import Flask, request, send_file, redirect\n" \
    "app = Flask(__name__)\nBASE = Path('/srv/files')\nROOT = 'https://example.com'\n"
_TAINT: list[tuple[str, str, str, str]] = [
    (
        "resolve().is_relative_to(BASE) confines the path",
        _FLASK_FILES + "@app.route('/a')\ndef a():\n    p = (BASE / request.args['f']).resolve()\n"
        "    return send_file(p)\n",
        _FLASK_FILES + "@app.route('/a')\ndef a():\n    p = (BASE / request.args['f']).resolve()\n"
        "    if not p.is_relative_to(BASE):\n        return 'no', 400\n    return send_file(p)\n",
        "AS806",
    ),
    (
        "a containment helper (is_subdir) confines the path",
        _FLASK_FILES + "@app.route('/c')\ndef c():\n    p = os.path.join('/srv', request.args['f'])\n"
        "    return open(p).read()\n",
        _FLASK_FILES + "def is_subdir(path, base):\n    return os.path.realpath(path).startswith(base)\n"
        "@app.route('/c')\ndef c():\n    p = os.path.join('/srv', request.args['f'])\n"
        "    if not is_subdir(p, '/srv'):\n        return 'no', 400\n    return open(p).read()\n",
        "AS806",
    ),
    (
        "a variable reassigned from a safe call is safe from there on",
        _FLASK_FILES + "@app.route('/f')\ndef f():\n    name = request.args['f']\n    return open(name).read()\n",
        _FLASK_FILES + "def pick(n):\n    return 'fixed.txt'\n"
        "@app.route('/f')\ndef f():\n    name = request.args['f']\n    name = pick(name)\n"
        "    return open(name).read()\n",
        "AS806",
    ),
    (
        "a fixed site or local path before the user part is not an open redirect",
        _FLASK_FILES + "@app.route('/e')\ndef e():\n    return redirect(request.args['next'])\n",
        _FLASK_FILES + "@app.route('/e')\ndef e():\n    u = request.args['u']\n"
        "    if u == 'me':\n        return redirect(ROOT + '/users/' + u)\n    return redirect('/users/' + u)\n",
        "AS807",
    ),
    (
        "a file sent with send_file is not an HTML body",
        _FLASK_FILES + "@app.route('/h')\ndef h():\n    return '<pre>' + request.args['f'] + '</pre>'\n",
        _FLASK_FILES + "@app.route('/h')\ndef h():\n    return send_file(os.path.basename(request.args['f']))\n",
        "AS404",
    ),
]


@pytest.mark.parametrize(("bad", "good", "rule_id"), [(b, g, r) for _, b, g, r in _TAINT],
                         ids=[n for n, _, _, _ in _TAINT])
def test_taint_precision(tmp_path: Path, bad: str, good: str, rule_id: str) -> None:
    assert _count(tmp_path / "bad", bad, rule_id) >= 1
    assert _count(tmp_path / "good", good, rule_id) == 0


# --- Cause 6: singles ---------------------------------------------------------------------------------------
_SINGLES: list[tuple[str, str, str, str]] = [
    (
        "AS308 is about TLS: requests verify=False, not jwt.decode verify=False",
        "import requests\ndef fetch(url):\n    return requests.get(url, verify=False, timeout=5)\n",
        "import jwt\ndef claims(token):\n    return jwt.decode(token, verify=False)\n",
        "AS308",
    ),
    (
        "AS602: a 22-character random value is not weak; a short or word-like one is",
        "SECRET_KEY = 'my-app-secret-2024'\n",
        "SECRET_KEY = 'kT3v9xQ2mW8pL5nR7sY1zA'\n",
        "AS602",
    ),
    (
        "AS603: a password in a response body is data, not a credential the code uses",
        "import psycopg2\nconn = psycopg2.connect(host='db', user='app', password='Pr0d-Passw0rd!x')\n",
        "from flask import Flask, jsonify\napp = Flask(__name__)\n@app.route('/api/v1/example')\ndef example():\n"
        "    return jsonify({'username': 'demo', 'password': 'hunter2'})\n",
        "AS603",
    ),
    (
        "AS606: comparing with a token's format constant leaks nothing",
        "def check(token):\n    return token == STORED_TOKEN\n",
        "TOKEN_PREFIX = 'Bearer '\ndef check(token):\n    return token == TOKEN_PREFIX\n",
        "AS606",
    ),
    (
        "AS202: a handler named after passwords that reads no credentials is not a login",
        "from flask import Flask, request\napp = Flask(__name__)\n"
        "@app.route('/api/v1/password', methods=['POST'])\ndef change_password():\n    return 'ok'\n",
        "from flask import Flask, jsonify\napp = Flask(__name__)\n"
        "@app.route('/api/v1/rules', methods=['POST'])\ndef password_policy():\n    return jsonify(min_length=12)\n",
        "AS202",
    ),
]


@pytest.mark.parametrize(("bad", "good", "rule_id"), [(b, g, r) for _, b, g, r in _SINGLES],
                         ids=[n for n, _, _, _ in _SINGLES])
def test_single_false_positive_causes(tmp_path: Path, bad: str, good: str, rule_id: str) -> None:
    assert _count(tmp_path / "bad", bad, rule_id) >= 1
    assert _count(tmp_path / "good", good, rule_id) == 0


# --- Cause 7: locations -------------------------------------------------------------------------------------
def test_registered_routes_are_reported_at_the_handler_with_the_registration_related(tmp_path: Path) -> None:
    """A ``MethodView`` added with ``add_url_rule`` and a connexion operation are reported where the handler is
    defined; the registration line travels along as a related location (SARIF ``relatedLocations``)."""
    from apishield.audit.config import AuditConfig
    from apishield.audit.engine import run
    from apishield.reports import Report
    from apishield.reports.sarif import to_sarif

    files = {
        "app.py": "from flask import Flask, jsonify\nfrom flask.views import MethodView\napp = Flask(__name__)\n"
                  "class Items(MethodView):\n    def get(self):\n        return jsonify([])\n"
                  "app.add_url_rule('/api/v1/items', view_func=Items.as_view('items'))\n",
        "svc/main.py": "import connexion\napp = connexion.App(__name__, specification_dir='spec')\n"
                       "app.add_api('api.yaml')\n",
        "svc/spec/api.yaml": "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /api/v1/notes:\n"
                             "    get:\n      operationId: svc.notes.search\n"
                             "      responses: {'200': {description: ok}}\n",
        "svc/notes.py": "def search():\n    return []\n",
    }
    result = audit(tmp_path, files)
    at = {(f.location.path, f.location.line) for f in result.findings if f.rule_id == "AS101" and f.location}
    assert ("app.py", 5) in at and ("app.py", 7) not in at
    assert ("svc/notes.py", 1) in at and ("svc/main.py", 3) not in at
    finding = next(f for f in result.findings if f.rule_id == "AS101" and f.location and f.location.path == "app.py")
    assert finding.extra["related"] == [{"path": "app.py", "line": 7, "message": "route registered here"}]
    sarif = to_sarif(Report(tool="audit", target=str(tmp_path), findings=[finding]))
    related = sarif["runs"][0]["results"][0]["relatedLocations"][0]["physicalLocation"]
    assert related["artifactLocation"]["uri"] == "app.py" and related["region"]["startLine"] == 7
    decorated = run([str(tmp_path / "app.py")], AuditConfig(), jobs=1)
    assert all("related" not in f.extra for f in decorated.findings if f.rule_id == "AS201")


_AS404_MARSHALLED: list[tuple[str, str, str]] = [
    (
        "@response(schema) marshals the return value",
        _FLASK + "@app.route('/a')\ndef a():\n    return request.args['q']\n",
        _FLASK + "from apifairy import response\nfrom schemas import ItemSchema\n"
        "@app.route('/a')\n@response(ItemSchema)\ndef a():\n    return request.args['q']\n",
    ),
    (
        "a flask-restx Resource serialises what it returns",
        "from flask import Flask, request\nfrom flask_restx import Api\napp = Flask(__name__)\napi = Api(app)\n"
        "class Echo:\n    def get(self):\n        return request.args['q']\n"
        "@app.route('/e')\ndef e():\n    return request.args['q']\n",
        "from flask import Flask, request\nfrom flask_restx import Api, Resource\napp = Flask(__name__)\n"
        "api = Api(app)\n@api.route('/e')\nclass Echo(Resource):\n    def get(self):\n"
        "        return request.args['q']\n",
    ),
    (
        "a JSON content type set in the handler body (Bottle, CherryPy)",
        "import json, bottle\n@bottle.get('/e')\ndef e():\n    return json.dumps({'q': bottle.request.query.q})\n",
        "import json, bottle, cherrypy\n@bottle.get('/e')\ndef e():\n"
        "    bottle.response.content_type = 'application/json'\n"
        "    return json.dumps({'q': bottle.request.query.q})\n"
        "class Root:\n    @cherrypy.expose\n    def d(self, q):\n"
        "        cherrypy.response.headers['Content-Type'] = 'application/json'\n        return json.dumps({'q': q})\n",
    ),
]


@pytest.mark.parametrize(("bad", "good"), [(b, g) for _, b, g in _AS404_MARSHALLED],
                         ids=[n for n, _, _ in _AS404_MARSHALLED])
def test_as404_marshalled_output_is_not_html(tmp_path: Path, bad: str, good: str) -> None:
    assert _count(tmp_path / "bad", bad, "AS404") >= 1
    assert _count(tmp_path / "good", good, "AS404") == 0


# --- Second round: severity that matches what a finding claims ----------------------------------------------
def _medium_plus(root: Path, files: dict[str, str], rule_id: str) -> int:
    from apishield.findings import Severity

    result = audit(root, files)
    return sum(1 for f in result.findings if f.rule_id == rule_id and f.severity >= Severity.MEDIUM)


_FLASK_APP = "from flask import Flask, jsonify, render_template\napp = Flask(__name__)\n"
_SEVERITY: list[tuple[str, dict[str, str], dict[str, str], str]] = [
    (
        "a dangerous sink fed a helper's parameter is medium; elements of a literal list are literals",
        {"db.py": "import sqlite3\ndef find(name):\n    c = sqlite3.connect('x.db')\n"
                  "    return c.execute(\"SELECT * FROM t WHERE n = '%s'\" % name).fetchall()\n"},
        {"db.py": "import sqlite3\ndef seed():\n    c = sqlite3.connect('x.db')\n"
                  "    for n, p in [('a', 'b'), ('c', 'd')]:\n"
                  "        c.execute(\"INSERT INTO t VALUES ('%s', '%s')\" % (n, p))\n"},
        "AS801",
    ),
    (
        "security headers matter where the app serves HTML, not on a JSON-only API",
        {"app.py": _FLASK_APP + "@app.route('/')\ndef home():\n    return render_template('home.html')\n",
         "templates/home.html": "<html><body><form method='post'><input name='q'></form></body></html>\n"},
        {"app.py": "from flask import Flask, jsonify\napp = Flask(__name__)\n"
                   "def template(name):\n    return {'name': name}\n"
                   "@app.route('/items')\ndef items():\n    return jsonify(template('x'))\n"},
        "AS304",
    ),
    (
        "an app built in a test module or conftest is a fixture, not the served app",
        {"app.py": _FLASK_APP + "@app.route('/items/<i>', methods=['DELETE'])\n"
                   "def drop(i):\n    ITEMS.pop(i, None)\n    return ''\n"},
        {"tests/conftest.py": _FLASK_APP + "@app.route('/items/<i>', methods=['DELETE'])\n"
                              "def drop(i):\n    ITEMS.pop(i, None)\n    return ''\n",
         "test_api.py": _FLASK_APP + "@app.route('/things/<i>', methods=['DELETE'])\n"
                                     "def drop(i):\n    ITEMS.pop(i, None)\n    return ''\n"},
        "AS101",
    ),
    (
        "in an app with no authentication anywhere, a read of a fixed path is low; a read by id stays high",
        {"app.py": "from flask import Flask, jsonify\napp = Flask(__name__)\n"
                   "@app.route('/users/<uid>')\ndef user(uid):\n    return jsonify(uid=uid)\n"},
        {"app.py": "from flask import Flask, jsonify\napp = Flask(__name__)\n"
                   "@app.route('/catalogue')\ndef catalogue():\n    return jsonify(list_items())\n"},
        "AS101",
    ),
    (
        "in an app with no authentication anywhere, a fixed path naming the caller's data stays medium",
        {"app.py": "from flask import Flask, jsonify\napp = Flask(__name__)\n"
                   "@app.route('/me')\ndef me():\n    return jsonify(name='x')\n"},
        {"app.py": "from flask import Flask, jsonify\napp = Flask(__name__)\n"
                   "@app.route('/version')\ndef version():\n    return jsonify(v='1.0')\n"},
        "AS101",
    ),
    (
        "a read of private data left open next to guarded writes of the same resource is public on purpose",
        {"app.py": "from flask import Flask, jsonify\nfrom flask_login import login_required\napp = Flask(__name__)\n"
                   "@app.route('/orders/<oid>', methods=['GET'])\ndef read(oid):\n    return jsonify(find(oid))\n"
                   "@app.route('/drafts/<oid>', methods=['PUT'])\n@login_required\ndef save(oid):\n    return ''\n"},
        {"app.py": "from flask import Flask, jsonify\nfrom flask_login import login_required\napp = Flask(__name__)\n"
                   "@app.route('/orders/<oid>', methods=['GET'])\ndef read(oid):\n    return jsonify(find(oid))\n"
                   "@app.route('/orders/<order_id>', methods=['PUT'])\n@login_required\ndef save(order_id):\n"
                   "    return ''\n"},
        "AS101",
    ),
    (
        "a handler that only returns a fixed text exposes nothing; one returning data the module guards elsewhere does",
        {"app.py": "from flask import Flask, jsonify\nfrom flask_login import login_required\napp = Flask(__name__)\n"
                   "@app.route('/hello/greeting')\ndef greeting():\n    return jsonify(load_greetings())\n"
                   "@app.route('/greeting/<gid>')\n@login_required\ndef x(gid):\n    return load_greeting(gid)\n"},
        {"app.py": "from flask import Flask\nfrom flask_login import login_required\napp = Flask(__name__)\n"
                   "@app.route('/hello/greeting')\ndef greeting():\n    return 'hello :)'\n"
                   "@app.route('/greeting/<gid>')\n@login_required\ndef x(gid):\n    return load_greeting(gid)\n"},
        "AS101",
    ),
    (
        "outbound calls without timeout matter in a server, not in a command-line client",
        {"client.py": "import requests\nasync def fetch(url):\n    return requests.get(url).json()\n"},
        {"client.py": "import click, requests\n@click.command()\n@click.argument('user')\ndef main(user):\n"
                      "    print(requests.get('http://127.0.0.1:5000/api/' + user).text)\n"
                      "if __name__ == '__main__':\n    main()\n"},
        "AS309",
    ),
    (
        "a cookie without Secure matters when the server reads it back, not when it only shows a value",
        {"app.py": "from flask import Flask, request, make_response\napp = Flask(__name__)\n"
                   "@app.route('/in', methods=['POST'])\ndef login():\n    r = make_response('ok')\n"
                   "    r.set_cookie('sid', new_sid())\n    return r\n"
                   "@app.route('/me')\ndef me():\n    return lookup(request.cookies.get('sid'))\n"},
        {"app.py": "from flask import Flask, make_response\napp = Flask(__name__)\n"
                   "@app.route('/theme', methods=['POST'])\ndef theme():\n    r = make_response('ok')\n"
                   "    r.set_cookie('theme', 'dark')\n    return r\n"},
        "AS503",
    ),
    (
        "a connection URL with a literal password is a credential; an environment placeholder is not",
        {"config.py": "DATABASE_URL = 'postgresql://app:Tr0ub4dor@db.internal:5432/app'\n"},
        {"config.py": "import os\nDATABASE_URL = 'postgresql://app:${DB_PASSWORD}@db:5432/app'\n"
                      "OTHER = 'postgresql://app:%s@db/app' % os.environ['DB_PASSWORD']\n"},
        "AS603",
    ),
    (
        "a raw cookie decoded into a session is unsigned whatever its name; a verified one is not",
        {"session.py": "import base64, json\ndef load(request):\n    raw = request.cookies.get('app_session')\n"
                       "    return json.loads(base64.b64decode(raw)) if raw else {}\n"},
        {"session.py": "import base64, hmac, json\ndef load(request, key):\n"
                       "    raw = request.cookies.get('app_session', '')\n    body, _, mac = raw.partition('.')\n"
                       "    if not hmac.compare_digest(mac, sign(key, body)):\n        return {}\n"
                       "    return json.loads(base64.b64decode(body))\n"},
        "AS506",
    ),
    (
        "a JWT payload base64-decoded by hand is unverified; one whose signature is checked first is not",
        {"tokens.py": "import base64, json\ndef claims(jwt_token):\n    _, payload, _ = jwt_token.split('.')\n"
                      "    return json.loads(base64.urlsafe_b64decode(payload + '=='))\n"},
        {"tokens.py": "import base64, hmac, json\ndef claims(jwt_token, key):\n"
                      "    head, payload, sig = jwt_token.split('.')\n"
                      "    if not hmac.compare_digest(sig, mac(key, head + '.' + payload)):\n        return None\n"
                      "    return json.loads(base64.urlsafe_b64decode(payload + '=='))\n"},
        "AS701",
    ),
    (
        "request data merged over a dict the server filled (the author) can replace the author",
        {"app.py": "from flask import Flask, request\napp = Flask(__name__)\n"
                   "@app.route('/posts', methods=['POST'])\ndef create():\n"
                   "    data = {'author': current_user_name()}\n    data.update(request.get_json())\n"
                   "    return save(data)\n"},
        {"app.py": "from flask import Flask, request\napp = Flask(__name__)\n"
                   "@app.route('/posts', methods=['POST'])\ndef create():\n"
                   "    data = dict(request.get_json())\n    data.update({'author': current_user_name()})\n"
                   "    return save(data)\n"},
        "AS106",
    ),
    (
        "== on an unkeyed digest of the caller's password leaks nothing; a computed HMAC is the secret",
        {"auth.py": "import hmac, hashlib\ndef check(key, msg, signature):\n"
                    "    return hmac.new(key, msg, hashlib.sha256).hexdigest() == signature\n"},
        {"auth.py": "import hashlib\ndef check(row, password):\n    stored_pass = row[2]\n"
                    "    return stored_pass and stored_pass == hashlib.sha256(password.encode()).hexdigest()\n"},
        "AS606",
    ),
    (
        "an open read of a person's record by id is high; an open read of a catalogue item by id is low",
        {"app.py": "from flask import Flask, jsonify\nfrom flask_login import login_required\napp = Flask(__name__)\n"
                   "@app.route('/customers/<cid>')\ndef customer(cid):\n    return jsonify(find(cid))\n"
                   "@app.route('/x', methods=['POST'])\n@login_required\ndef x():\n    return ''\n"},
        {"app.py": "from flask import Flask, jsonify\nfrom flask_login import login_required\napp = Flask(__name__)\n"
                   "@app.route('/products/<pid>')\ndef product(pid):\n    return jsonify(find(pid))\n"
                   "@app.route('/x', methods=['POST'])\n@login_required\ndef x():\n    return ''\n"},
        "AS101",
    ),
    (
        "a sign-in page named for its audience (/admin-login) is public by nature; an admin form is not",
        {"app.py": "from flask import Flask, request\nfrom flask_login import login_required\napp = Flask(__name__)\n"
                   "@app.route('/admin-panel', methods=['GET', 'POST'])\ndef admin_panel():\n"
                   "    return apply(request.form)\n"
                   "@app.route('/x', methods=['POST'])\n@login_required\ndef x():\n    return ''\n"},
        {"app.py": "from flask import Flask, request\nfrom flask_login import login_required\napp = Flask(__name__)\n"
                   "@app.route('/admin-login', methods=['GET', 'POST'])\ndef admin_login():\n"
                   "    return check(request.form)\n"
                   "@app.route('/x', methods=['POST'])\n@login_required\ndef x():\n    return ''\n"},
        "AS101",
    ),
    (
        "an authenticated write by id with no ownership check is medium; without authentication the route is "
        "AS101's finding and the ownership one is low",
        {"app.py": _AS102_FLASK + "@app.route('/api/tasks/<task_id>', methods=['PUT'])\n@login_required\n"
                   "def put(task_id):\n    return DB.tasks.get(task_id)\n"},
        {"app.py": _AS102_FLASK + "@app.route('/api/tasks/<task_id>', methods=['PUT'])\n"
                   "def put(task_id):\n    return DB.tasks.get(task_id)\n"},
        "AS102",
    ),
    (
        "a login form without a CSRF token is login CSRF; a forgot-password form acts on no caller",
        {"app.py": "from flask import Flask, request, session\napp = Flask(__name__)\n"
                   "@app.route('/login', methods=['POST'])\ndef login():\n"
                   "    return check(request.form['username'], request.form['password'])\n"
                   "@app.route('/cart')\ndef cart():\n    return str(session.get('cart'))\n"},
        {"app.py": "from flask import Flask, request, session\napp = Flask(__name__)\n"
                   "@app.route('/forgot-password', methods=['POST'])\ndef forgot_password():\n"
                   "    return send_reset_mail(request.form['email'])\n"
                   "@app.route('/cart')\ndef cart():\n    return str(session.get('cart'))\n"},
        "AS502",
    ),
    (
        "an app rendering templates serves HTML; render_template in a string statement and an unused template do not",
        {"app.py": "from flask import Flask, render_template\napp = Flask(__name__)\n"
                   "@app.route('/')\ndef index():\n    return render_template('index.html')\n",
         "templates/index.html": "<p>hi {{ name }}</p>\n"},
        {"app.py": "from flask import Flask\napp = Flask(__name__)\n"
                   '"""\n@app.route(\'/old\')\ndef old():\n    return render_template(\'index.html\')\n"""\n'
                   "@app.route('/')\ndef index():\n    return {'ok': True}\n",
         "templates/index.html": "<p>hi</p>\n"},
        "AS304",
    ),
    (
        "an open read by id of rows that carry an owner (or of users) stays high; of a catalogue without one is low",
        {"app.py": "from flask import Flask, jsonify\nfrom flask_login import login_required\napp = Flask(__name__)\n"
                   "SCHEMA = 'CREATE TABLE IF NOT EXISTS notes (id INTEGER, owner_id INTEGER, body TEXT)'\n"
                   "@app.route('/notes/<int:nid>')\ndef note(nid):\n"
                   "    return jsonify(db.execute('SELECT * FROM notes WHERE id = ?', (nid,)).fetchone())\n"
                   "@app.route('/x', methods=['POST'])\n@login_required\ndef x():\n    return ''\n"},
        {"app.py": "from flask import Flask, jsonify\nfrom flask_login import login_required\napp = Flask(__name__)\n"
                   "SCHEMA = 'CREATE TABLE IF NOT EXISTS notes (id INTEGER, title TEXT, body TEXT)'\n"
                   "@app.route('/notes/<int:nid>')\ndef note(nid):\n"
                   "    return jsonify(db.execute('SELECT * FROM notes WHERE id = ?', (nid,)).fetchone())\n"
                   "@app.route('/x', methods=['POST'])\n@login_required\ndef x():\n    return ''\n"},
        "AS101",
    ),
    (
        "an open read by id whose handler queries the users table stays high",
        {"app.py": "from flask import Flask, jsonify\nfrom flask_login import login_required\napp = Flask(__name__)\n"
                   "@app.route('/lookup/<int:nid>')\ndef lookup(nid):\n"
                   "    return jsonify(db.execute('SELECT * FROM users WHERE id = ?', (nid,)).fetchone())\n"
                   "@app.route('/x', methods=['POST'])\n@login_required\ndef x():\n    return ''\n"},
        {"app.py": "from flask import Flask, jsonify\nfrom flask_login import login_required\napp = Flask(__name__)\n"
                   "@app.route('/lookup/<int:nid>')\ndef lookup(nid):\n"
                   "    return jsonify(db.execute('SELECT * FROM tags WHERE id = ?', (nid,)).fetchone())\n"
                   "@app.route('/x', methods=['POST'])\n@login_required\ndef x():\n    return ''\n"},
        "AS101",
    ),
    (
        "a search form over content is a read; a search over people's records is not public by nature",
        {"app.py": "from flask import Flask, request\nfrom flask_login import login_required\napp = Flask(__name__)\n"
                   "@app.route('/search', methods=['GET', 'POST'])\ndef search():\n"
                   "    return find('SELECT name FROM users WHERE name LIKE ?', request.form['q'])\n"
                   "@app.route('/x', methods=['POST'])\n@login_required\ndef x():\n    return ''\n"},
        {"app.py": "from flask import Flask, request\nfrom flask_login import login_required\napp = Flask(__name__)\n"
                   "@app.route('/search', methods=['GET', 'POST'])\ndef search():\n"
                   "    return find('SELECT name FROM products WHERE name LIKE ?', request.form['q'])\n"
                   "@app.route('/x', methods=['POST'])\n@login_required\ndef x():\n    return ''\n"},
        "AS101",
    ),
    (
        "a read by id that looks at the session only personalises a public page; a write by id does not",
        {"app.py": "from flask import Flask, session\nfrom flask_login import login_required\napp = Flask(__name__)\n"
                   "@app.route('/posts/<slug>', methods=['POST'])\ndef like(slug):\n"
                   "    return add_like(slug, session.get('uid'))\n"
                   "@app.route('/x', methods=['POST'])\n@login_required\ndef x():\n    return ''\n"},
        {"app.py": "from flask import Flask, session\nfrom flask_login import login_required\napp = Flask(__name__)\n"
                   "@app.route('/posts/<slug>')\ndef post(slug):\n"
                   "    return render(find(slug), liked=session.get('uid'))\n"
                   "@app.route('/x', methods=['POST'])\n@login_required\ndef x():\n    return ''\n"},
        "AS101",
    ),
]


@pytest.mark.parametrize(("bad", "good", "rule_id"), [(b, g, r) for _, b, g, r in _SEVERITY],
                         ids=[n for n, _, _, _ in _SEVERITY])
def test_medium_findings_claim_only_what_the_code_shows(tmp_path: Path, bad: dict[str, str], good: dict[str, str],
                                                        rule_id: str) -> None:
    assert _medium_plus(tmp_path / "bad", bad, rule_id) >= 1
    assert _medium_plus(tmp_path / "good", good, rule_id) == 0


def test_app_wide_hardening_gaps_are_low(tmp_path: Path) -> None:
    """No app-wide rate limit and a 0.0.0.0 bind are reported, at low; a login without a limit stays high."""
    from apishield.findings import Severity

    result = audit(tmp_path, {"app.py": "from flask import Flask, request\napp = Flask(__name__)\n"
                                        "@app.route('/login', methods=['POST'])\ndef login():\n"
                                        "    return check(request.form['username'], request.form['password'])\n"
                                        "if __name__ == '__main__':\n    app.run(host='0.0.0.0')\n"})
    severity = {f.rule_id: f.severity for f in result.findings}
    assert severity["AS201"] == Severity.LOW and severity["AS303"] == Severity.LOW
    assert severity["AS202"] == Severity.HIGH


def test_an_app_shared_through_a_settings_module_is_one_app(tmp_path: Path) -> None:
    """``settings.app = Bottle()`` at start-up, ``@settings.app.route`` in several modules: one app, one finding."""
    result = audit(tmp_path, {
        "settings.py": "app = None\n",
        "main.py": "from bottle import Bottle\nimport settings\ndef init():\n    settings.app = Bottle()\n"
                   "    import routes_a, routes_b\n",
        "routes_a.py": "import settings\n@settings.app.route('/a', ['GET'])\ndef a():\n    return {}\n",
        "routes_b.py": "import settings\n@settings.app.route('/b', ['GET'])\ndef b():\n    return {}\n",
    })
    assert len([f for f in result.findings if f.rule_id == "AS201"]) == 1


def test_deleting_an_identity_cookie_trusts_nothing(tmp_path: Path) -> None:
    """Setting an unsigned identity cookie is reported; clearing it (empty value, ``expires=0``) is not."""
    from apishield.findings import Severity

    result = audit(tmp_path, {"app.py": "from bottle import request, response, route\n"
                                        "@route('/in')\ndef login():\n    response.set_cookie('user_id', '42')\n"
                                        "@route('/out')\ndef logout():\n"
                                        "    response.set_cookie('user_id', '', expires=0)\n"
                                        "@route('/me')\ndef me():\n"
                                        "    return request.get_cookie('user_id', secret=KEY)\n"})
    lines = sorted(f.location.line for f in result.findings
                   if f.rule_id == "AS506" and f.location and f.severity >= Severity.MEDIUM)
    assert lines == [4]


_REPO = ("import sqlite3\nclass Repo:\n    def __init__(self):\n        self.db = sqlite3.connect('x.db')\n"
         "    def by_title(self, title):\n"
         "        return self.db.execute(\"SELECT * FROM b WHERE t = '%s'\" % title).fetchall()\n"
         "    def by_id(self, book_id):\n"
         "        return self.db.execute('SELECT * FROM b WHERE id = ?', (book_id,)).fetchall()\n"
         "    @staticmethod\n    def count(conn, where):\n"
         "        return conn.execute('SELECT count(*) FROM b WHERE ' + where).fetchone()\n")


@pytest.mark.parametrize("call", ["repo.by_title(q)", "Repo.count(conn, q)", "models.Repo.count(conn, q)"])
def test_request_data_is_followed_into_methods_of_project_classes(tmp_path: Path, call: str) -> None:
    """A view passing request data to a method of a class from another module (through a module-level instance,
    a static method on the imported class, or the module) is a proven flow, reported at the view; a method that
    binds its argument as a parameter is not."""
    from apishield.findings import Severity

    view = ("from flask import Flask, request, jsonify\nimport models\nfrom models import Repo\n"
            "app = Flask(__name__)\nrepo = Repo()\nconn = None\n"
            "@app.route('/s')\ndef s():\n    q = request.args['q']\n    return jsonify({call})\n")
    bad = audit(tmp_path / "bad", {"models.py": _REPO, "views.py": view.format(call=call)})
    good = audit(tmp_path / "good", {"models.py": _REPO, "views.py": view.format(call="repo.by_id(q)")})
    assert [f.location.line for f in bad.findings
            if f.rule_id == "AS801" and f.location and f.location.path == "views.py"
            and f.severity == Severity.CRITICAL] == [10]
    assert not [f for f in good.findings if f.rule_id == "AS801" and f.location and f.location.path == "views.py"]


# --- a fixed page read from disk is public by design ------------------------------------------------------
_CP_PAGE = '''import cherrypy
import sqlite3

class Pages:
    @cherrypy.expose
    def index(self):
        """The landing page."""
{body}

    @cherrypy.expose
    def rows(self):
        return str(sqlite3.connect("data.db").execute("SELECT * FROM notes").fetchall())

cherrypy.quickstart(Pages())
'''


@pytest.mark.parametrize(("body", "index_reported"), [
    # must stay quiet: a literal file filled with constants
    ("        with open('templates/index.html') as fh:\n            page = fh.read()\n"
     "        result = page.format(_title='Home', _heading='Welcome')\n        fh.close()\n        return result",
     False),
    # must fire: the file name comes from the handler's object state, or the page is filled with stored data
    ("        with open(self.page) as fh:\n            return fh.read()", True),
    ("        with open('templates/index.html') as fh:\n            page = fh.read()\n"
     "        return page.format(rows=sqlite3.connect('data.db').execute('SELECT * FROM notes').fetchall())", True),
])
def test_a_fixed_page_read_from_disk_is_public_by_design(tmp_path: Path, body: str, index_reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _CP_PAGE.format(body=body)})
    lines = {f.location.line for f in result.findings if f.rule_id == "AS101" and f.location}
    assert (5 in lines) is index_reported  # the index handler (reported at its @expose line)
    assert any(line > 10 for line in lines)  # the data handler stays reported either way


# --- example scripts next to the served application ----------------------------------------------------------
_SERVED = "from flask import Flask, jsonify\napp = Flask(__name__)\n@app.route('/items')\ndef items():\n" \
          "    return jsonify([])\n"
_HELLO = "from flask import Flask\nhello = Flask(__name__)\n@hello.route('/')\ndef index():\n    return 'hi'\n" \
         "hello.run(debug=True)\n"


@pytest.mark.parametrize(("folder", "reported"), [("tools", True), ("examples", False), ("docs/samples", False)])
def test_example_scripts_next_to_the_served_app_are_low(tmp_path: Path, folder: str, reported: bool) -> None:
    """A script in an ``examples``/``samples`` folder of a project that serves its app from elsewhere shows how to
    use it: its findings stay, low. The same script anywhere else is reported as usual."""
    from apishield.findings import Severity

    result = audit(tmp_path, {"app.py": _SERVED, f"{folder}/hello.py": _HELLO})
    lines = [f.location.line for f in result.findings if f.rule_id == "AS301" and f.location
             and f.location.path == f"{folder}/hello.py" and f.severity >= Severity.MEDIUM]
    assert bool(lines) is reported
    assert any(f.rule_id == "AS301" and f.location and f.location.path == f"{folder}/hello.py"
               for f in result.findings)  # lowered, never dropped


def test_an_example_folder_audited_on_its_own_is_reported(tmp_path: Path) -> None:
    """When nothing outside ``examples/`` builds an app, the examples are what is being audited."""
    from apishield.findings import Severity

    result = audit(tmp_path, {"examples/hello.py": _HELLO})
    assert any(f.rule_id == "AS301" and f.severity >= Severity.MEDIUM for f in result.findings)


# --- test code next to the served application --------------------------------------------------------------
_JWT_DECODE = "import jwt\ndef decode(token, key):\n    return jwt.decode(token, key, algorithms=['HS256'], " \
              "options={'verify_signature': False})\n"


@pytest.mark.parametrize(("path", "reported"), [
    ("tools/check_token.py", True), ("tests/helpers/test_token.py", False), ("conftest.py", False)])
def test_test_modules_next_to_the_served_app_are_low(tmp_path: Path, path: str, reported: bool) -> None:
    """A test module of a project that serves its app from elsewhere is never deployed: its findings stay, low;
    the same code in a served module is reported as usual."""
    result = audit(tmp_path, {"app.py": _SERVED, path: _JWT_DECODE})
    at_path = [f for f in result.findings if f.location and f.location.path == path]
    assert at_path  # lowered, never dropped
    assert any(f.severity >= Severity.MEDIUM for f in at_path) is reported


_CSRF_CONFIGS = "class Config:\n    WTF_CSRF_ENABLED = True\n\nclass {name}(Config):\n    TESTING = True\n" \
                "    WTF_CSRF_ENABLED = False\n"


@pytest.mark.parametrize(("name", "reported"), [
    ("ProductionConfig", True), ("LocalConfig", True), ("TestingConfig", False), ("TestConfig", False)])
def test_a_testing_configuration_class_is_low(tmp_path: Path, name: str, reported: bool) -> None:
    """The settings class the unit tests load (``TestingConfig``) is not the served configuration: CSRF off
    there stays, low; the same setting in any other class is reported."""
    files = {"app.py": _SERVED + "app.config.from_object('config.Config')\n",
             "config.py": _CSRF_CONFIGS.format(name=name)}
    result = audit(tmp_path, files)
    hits = [f for f in result.findings if f.rule_id == "AS501" and f.location and f.location.path == "config.py"]
    assert hits
    assert any(f.severity >= Severity.MEDIUM for f in hits) is reported


_INLINE = """\
from flask import Flask, jsonify, request, session
app = Flask(__name__)

@app.route('/notes', methods=['POST'])
def add_note():
    value = session.get({key})
    if value is None:
        return jsonify({{'error': 'missing'}})
    return jsonify(save(value, request.form['text']))
"""


@pytest.mark.parametrize(("key", "reported"), [("'cart'", True), ("'user_info'", False), ("'logged_in'", False)])
def test_an_early_return_without_a_signed_in_user_is_authentication(tmp_path: Path, key: str, reported: bool) -> None:
    """A handler that returns early when the session holds no user refuses anonymous callers, whatever status it
    answers with; the same test on a non-identity key (a cart) authenticates nobody."""
    result = audit(tmp_path, {"app.py": _INLINE.format(key=key)})
    assert any(f.rule_id == "AS101" for f in result.findings) is reported


_CONFIG_CLASS = "class Config:\n    SECRET_KEY = 'a-literal-signing-key-0123456789'\n    DEBUG = False\n"


@pytest.mark.parametrize(("app", "reported"), [
    ("import os\nfrom flask import Flask, session\napp = Flask(__name__)\napp.config.from_object('config.Config')\n",
     True),
    ("from flask import Flask, session\nfrom config import Config\napp = Flask(__name__)\n"
     "app.config.from_object(Config)\n", True),
    ("import os\nfrom flask import Flask, session\napp = Flask(__name__)\n"
     "app.config['SECRET_KEY'] = os.environ['KEY']\n", False),
])
def test_a_secret_in_a_configuration_class_nobody_loads_is_low(tmp_path: Path, app: str, reported: bool) -> None:
    """A literal secret in ``class Config`` matters when some line of the project names the class; when none does,
    the app takes its settings elsewhere and the finding stays, low."""
    from apishield.findings import Severity

    result = audit(tmp_path, {"config.py": _CONFIG_CLASS, "app.py": app})
    found = [f for f in result.findings if f.rule_id == "AS601" and f.location and f.location.path == "config.py"]
    assert found
    assert any(f.severity >= Severity.MEDIUM for f in found) is reported


# --- Fifth round: routes public by nature, fixed upstreams ----------------------------------------------------
_GUARDED = "@app.route('/private', methods=['POST'])\n@login_required\ndef private():\n    return ''\n"
_FLASK_AUTH = ("from flask import Flask, jsonify, request\nfrom flask_login import login_required\n"
               "app = Flask(__name__)\n")
_FLASK_OPEN = "import os\nfrom flask import Flask, jsonify, request\napp = Flask(__name__)\n"
_PUBLIC_BY_NATURE: list[tuple[str, dict[str, str], dict[str, str]]] = [
    (
        "an app that identifies no caller: a converter is public, a route that stops the server is not",
        {"app.py": _FLASK_OPEN + "@app.route('/halt', methods=['POST'])\ndef halt():\n    os._exit(0)\n"},
        {"app.py": _FLASK_OPEN + "@app.route('/convert', methods=['POST'])\ndef convert():\n"
                                 "    return render(request.form['html'])\n"},
    ),
    (
        "an app that identifies no caller: routes naming administration or people's records stay reported",
        {"app.py": _FLASK_OPEN + "@app.route('/serverstatus', methods=['POST'])\ndef serverstatus():\n"
                                 "    return ping(request.form['host'])\n"
                                 "@app.route('/by-id/<i>')\ndef by_id(i):\n"
                                 "    return jsonify(db.execute('SELECT * FROM users WHERE id = ?', (i,)).all())\n"},
        {"app.py": _FLASK_OPEN + "@app.route('/greet', methods=['POST'])\ndef greet():\n"
                                 "    return 'Hello ' + request.form['name']\n"
                                 "@app.route('/items/<i>')\ndef item(i):\n"
                                 "    return jsonify(db.execute('SELECT * FROM items WHERE id = ?', (i,)).all())\n"},
    ),
    (
        "an app with a sign-in identifies callers: its open route that runs programs stays reported",
        {"app.py": _FLASK_OPEN + "@app.route('/login', methods=['POST'])\ndef login():\n"
                                 "    return sign_in(request.form['user'], request.form['password'])\n"
                                 "@app.route('/convert', methods=['POST'])\ndef convert():\n"
                                 "    return subprocess.run(['convert', request.form['name']]).stdout\n"},
        {"app.py": _FLASK_OPEN + "@app.route('/convert', methods=['POST'])\ndef convert():\n"
                                 "    return subprocess.run(['convert', request.form['name']]).stdout\n"},
    ),
    (
        "a sign-up (POST to the account collection) is public; changing an account by id is not",
        {"app.py": _FLASK_AUTH + _GUARDED + "@app.route('/users/<int:uid>', methods=['POST'])\n"
                                            "def update_user(uid):\n    return save(uid, request.json)\n"},
        {"app.py": _FLASK_AUTH + _GUARDED + "@app.route('/users', methods=['POST'])\ndef create_user():\n"
                                            "    return save_new(request.json['email'], request.json['password'])\n"},
    ),
    (
        "a read answering with a declared public projection is public; the full record is not",
        {"app.py": _FLASK_AUTH + _GUARDED + "@app.route('/users/<name>')\ndef profile(name):\n"
                                            "    return jsonify(find(name).to_dict())\n"},
        {"app.py": _FLASK_AUTH + _GUARDED + "@app.route('/users/<name>')\ndef profile(name):\n"
                                            "    return jsonify(find(name).to_public())\n"},
    ),
    (
        "items listed by owner are public when the app serves them one by one to anyone",
        {"app.py": _FLASK_AUTH + _GUARDED + "@app.route('/widgets/<int:i>')\n@login_required\ndef widget(i):\n"
                                            "    return jsonify(get(i))\n"
                                            "@app.route('/user/<name>/widgets')\ndef owned(name):\n"
                                            "    return jsonify(list_for(name))\n"},
        {"app.py": _FLASK_AUTH + _GUARDED + "@app.route('/widgets/<int:i>')\ndef widget(i):\n"
                                            "    return jsonify(get(i))\n"
                                            "@app.route('/user/<name>/widgets')\ndef owned(name):\n"
                                            "    return jsonify(list_for(name))\n"},
    ),
    (
        "a fixed listing of records that are no one's is public; a lookup of records guarded elsewhere is not",
        {"app.py": _FLASK_AUTH + _GUARDED + "@app.route('/codes')\ndef codes():\n"
                                            "    return jsonify(Code.query.filter_by(code=request.args['c']).all())\n"
                                            "@app.route('/codes/<int:cid>')\n@login_required\ndef code(cid):\n"
                                            "    return jsonify(Code.query.get(cid))\n"},
        {"app.py": _FLASK_AUTH + _GUARDED + "@app.route('/tags')\ndef tags():\n"
                                            "    return jsonify([t.name for t in Tag.query.all()])\n"},
    ),
]


@pytest.mark.parametrize(("bad", "good"), [(b, g) for _, b, g in _PUBLIC_BY_NATURE],
                         ids=[n for n, _, _ in _PUBLIC_BY_NATURE])
def test_routes_public_by_nature_are_low(tmp_path: Path, bad: dict[str, str], good: dict[str, str]) -> None:
    assert _medium_plus(tmp_path / "bad", bad, "AS101") >= 1
    assert _medium_plus(tmp_path / "good", good, "AS101") == 0


_OAUTH_TABLE = ("import requests\nfrom flask import Flask, current_app, request\napp = Flask(__name__)\n"
                "@app.route('/oauth/<provider>', methods=['POST'])\ndef oauth(provider):\n")
_OAUTH_ASYNC = _OAUTH_TABLE.replace("def oauth", "async def oauth")  # where a missing timeout stalls every request
_FIXED_UPSTREAM: list[tuple[str, dict[str, str], dict[str, str], str]] = [
    (
        "an outbound call to a URL the caller picks needs a timeout; one to a fixed upstream is hardening",
        {"app.py": "import requests\nurl = 'https://rates.example.net/v1'\n"
                   "async def fetch(url):\n    return requests.get(url).content\n"},
        {"app.py": "import requests\nRATES = 'https://rates.example.net/v3'\nasync def fetch():\n"
                   "    a = requests.get(RATES).content\n"
                   "    return a + requests.get('https://rates.example.net/v2').content\n"},
        "AS309",
    ),
    (
        "an entry of a configuration table picked by a path parameter is no attacker-chosen URL",
        {"app.py": _OAUTH_TABLE + "    return requests.post(request.form['token_url'], timeout=5).text\n"},
        {"app.py": _OAUTH_TABLE + "    data = current_app.config['OAUTH2_PROVIDERS'].get(provider)\n"
                                  "    return requests.post(data['token_url'], timeout=5).text\n"},
        "AS805",
    ),
    (
        "a timeout finding on a URL from a configuration table is low too",
        {"app.py": _OAUTH_ASYNC + "    return requests.post(discover()['token_url']).text\n"},
        {"app.py": _OAUTH_ASYNC + "    data = current_app.config['OAUTH2_PROVIDERS'].get(provider)\n"
                                  "    return requests.post(data['token_url']).text\n"},
        "AS309",
    ),
]


@pytest.mark.parametrize(("bad", "good", "rule_id"), [(b, g, r) for _, b, g, r in _FIXED_UPSTREAM],
                         ids=[n for n, _, _, _ in _FIXED_UPSTREAM])
def test_fixed_upstreams_are_not_attacker_chosen(tmp_path: Path, bad: dict[str, str], good: dict[str, str],
                                                 rule_id: str) -> None:
    assert _medium_plus(tmp_path / "bad", bad, rule_id) >= 1
    assert _medium_plus(tmp_path / "good", good, rule_id) == 0


_FLASK_LOGIN = "from flask import Flask, request, abort\napp = Flask(__name__)\n"
_RECOVERY_AND_TOKENS: list[tuple[str, dict[str, str], dict[str, str], str]] = [
    (
        "an ownership check compares people, not secrets; a token compared with == is still reported",
        {"views.py": "def refresh(token, stored):\n    if token.refresh_token != stored.refresh_token:\n"
                     "        raise ValueError\n"},
        {"views.py": "def edit(post, token_auth):\n    if post.author != token_auth.current_user():\n"
                     "        raise PermissionError\n"},
        "AS606",
    ),
    (
        "a reset request that answers the same either way gives nothing; one that says 'not found' enumerates",
        {"app.py": _FLASK_LOGIN + "@app.route('/forgot-password', methods=['POST'])\ndef forgot_password():\n"
                                  "    if not find(request.form['email']):\n        return 'Email not found', 404\n"
                                  "    return 'sent'\n"},
        {"app.py": _FLASK_LOGIN + "@app.route('/forgot-password', methods=['POST'])\ndef forgot_password():\n"
                                  "    send_reset(request.form['email'])\n    return 'sent'\n"},
        "AS202",
    ),
    (
        "a reset token verified as a signed token has nothing to guess; one looked up as text does",
        {"app.py": _FLASK_LOGIN + "@app.route('/reset-password/<token>', methods=['POST'])\n"
                                  "def reset_password(token):\n    user = User.query.get(token.split('-')[0])\n"
                                  "    user.set_password(request.form['password'])\n    return 'ok'\n"},
        {"app.py": _FLASK_LOGIN + "@app.route('/reset-password/<token>', methods=['POST'])\n"
                                  "def reset_password(token):\n    user = User.verify_reset_token(token)\n"
                                  "    user.set_password(request.form['password'])\n    return 'ok'\n"},
        "AS202",
    ),
    (
        "a POST issuing tokens to HTTP Basic credentials is a login; one for a bearer-authenticated caller is not",
        {"app.py": _FLASK_LOGIN + "@app.route('/tokens', methods=['POST'])\n@authenticate(basic_auth)\n"
                                  "def new():\n    return issue(basic_auth.current_user())\n"},
        {"app.py": _FLASK_LOGIN + "@app.route('/tokens', methods=['POST'])\n@authenticate(token_auth)\n"
                                  "def new():\n    return issue(token_auth.current_user())\n"},
        "AS202",
    ),
]


@pytest.mark.parametrize(("bad", "good", "rule_id"), [(b, g, r) for _, b, g, r in _RECOVERY_AND_TOKENS],
                         ids=[n for n, _, _, _ in _RECOVERY_AND_TOKENS])
def test_what_an_unthrottled_or_timed_comparison_exposes(tmp_path: Path, bad: dict[str, str], good: dict[str, str],
                                                         rule_id: str) -> None:
    assert _medium_plus(tmp_path / "bad", bad, rule_id) >= 1
    assert _medium_plus(tmp_path / "good", good, rule_id) == 0


_CHERRY = "import binascii\nimport cherrypy\nimport pdfkit\nclass Root:\n"
_LITERALS_AND_RENDERERS: list[tuple[str, dict[str, str], dict[str, str], str]] = [
    (
        "a JWT wrapping a stored record with its own expiry is bounded; a bare claims dict is not",
        {"models.py": "import jwt\nclass Token:\n    def jwt(self):\n"
                      "        return jwt.encode({'sub': self.user_id}, KEY, algorithm='HS256')\n"},
        {"models.py": "import jwt\nfrom datetime import datetime\nclass Token:\n    access_expiration: datetime\n"
                      "    def jwt(self):\n"
                      "        return jwt.encode({'token': self.access_token}, KEY, algorithm='HS256')\n"},
        "AS507",
    ),
    (
        "seeding SQL from a literal table (str() of a counter, an entry looked up by its key) is no injection",
        {"seed.py": "def seed(cursor, rows):\n    for name in rows:\n"
                    "        cursor.execute(f\"INSERT INTO t VALUES ('{name}')\")\n"},
        {"seed.py": "def seed(cursor):\n    users = {'guest': 'guest', 'admin': 'x'}\n    key = 0\n"
                    "    for user in users:\n"
                    "        cursor.execute(f\"INSERT INTO u VALUES (\" + str(key) + f\",'{user}','{users[user]}')\")\n"
                    "        key += 1\n"},
        "AS801",
    ),
    (
        "pdfkit.from_string renders HTML, it compiles no template",
        {"app.py": "import jinja2\nimport cherrypy\nclass Root:\n    @cherrypy.expose\n    def page(self, html=None):\n"
                   "        return jinja2.Environment().from_string(html).render()\n"},
        {"app.py": _CHERRY + "    @cherrypy.expose\n    def pdf(self, html=None):\n"
                             "        pdfkit.from_string(html, '/tmp/out.pdf')\n        return 'ok'\n"},
        "AS403",
    ),
    (
        "output hex-encoded carries no markup; the raw value does",
        {"app.py": _CHERRY + "    @cherrypy.expose\n    def enc(self, name=None):\n"
                             "        return '<html><code>' + name + '</code></html>'\n"},
        {"app.py": _CHERRY + "    @cherrypy.expose\n    def enc(self, name=None):\n"
                             "        hexed = binascii.hexlify(name.encode()).decode()\n"
                             "        return '<html><code>' + hexed + '</code></html>'\n"},
        "AS404",
    ),
]


@pytest.mark.parametrize(("bad", "good", "rule_id"), [(b, g, r) for _, b, g, r in _LITERALS_AND_RENDERERS],
                         ids=[n for n, _, _, _ in _LITERALS_AND_RENDERERS])
def test_literal_values_and_non_template_renderers(tmp_path: Path, bad: dict[str, str], good: dict[str, str],
                                                   rule_id: str) -> None:
    assert _medium_plus(tmp_path / "bad", bad, rule_id) >= 1
    assert _medium_plus(tmp_path / "good", good, rule_id) == 0


def test_html_rendered_to_pdf_from_request_data_is_ssrf(tmp_path: Path) -> None:
    """wkhtmltopdf and WeasyPrint fetch whatever the HTML references: request HTML given to them is SSRF."""
    files = {"app.py": _CHERRY + "    @cherrypy.expose\n    def pdf(self, html=None):\n"
                                 "        pdfkit.from_string(html, '/tmp/out.pdf')\n        return 'ok'\n",
             "fixed.py": "import pdfkit\ndef build():\n    pdfkit.from_string('<p>report</p>', '/tmp/r.pdf')\n"}
    result = audit(tmp_path, files)
    assert [f.location.path for f in result.findings if f.rule_id == "AS805" and f.location] == ["app.py"]


_MAIL_FILES = {
    "app.py": "from flask import Flask, jsonify\napp = Flask(__name__)\n"
              "@app.route('/items')\ndef items():\n    return jsonify([])\n",
    "templates/reset.html": "<form method='post'><input name='password'></form>\n",
}


@pytest.mark.parametrize(("module", "medium"), [
    ("from flask import render_template\nfrom flask_mail import Message\n"
     "def send(to):\n    msg = Message('Reset', recipients=[to])\n    msg.html = render_template('reset.html')\n",
     False),
    ("from flask import render_template\nfrom app import app\n"
     "@app.route('/page')\ndef page():\n    return render_template('reset.html')\n", True),
])
def test_html_rendered_for_email_is_not_a_served_page(tmp_path: Path, module: str, medium: bool) -> None:
    """Security headers protect pages a browser loads: HTML rendered only into e-mail bodies is not one."""
    assert (_medium_plus(tmp_path, {**_MAIL_FILES, "extra.py": module}, "AS304") >= 1) is medium


@pytest.mark.parametrize(("check", "reported"), [("", True), ("    user = verify_refresh_token(token)\n", False)])
def test_a_token_cookie_the_server_verifies_is_not_trusted_identity(tmp_path: Path, check: str,
                                                                    reported: bool) -> None:
    source = ("from flask import Flask, request\napp = Flask(__name__)\n@app.route('/r', methods=['PUT'])\n"
              "def refresh():\n    token = request.cookies.get('refresh_token')\n" + check + "    return 'ok'\n")
    assert (_medium_plus(tmp_path, {"app.py": source}, "AS506") >= 1) is reported


@pytest.mark.parametrize(("cookie", "reported"), [("user_token", True), ("_csrf_token", False),
                                                  ("XSRF-TOKEN", False)])
def test_an_anti_forgery_token_cookie_is_not_trusted_identity(tmp_path: Path, cookie: str, reported: bool) -> None:
    """A double-submit CSRF cookie names nobody: reading it unsigned is how the defence works."""
    source = ("from flask import Flask, request\napp = Flask(__name__)\n@app.route('/r', methods=['PUT'])\n"
              f"def refresh():\n    if not request.cookies.get('{cookie}'):\n        return 'no'\n    return 'ok'\n")
    assert (_medium_plus(tmp_path, {"app.py": source}, "AS506") >= 1) is reported


@pytest.mark.parametrize(("environment", "reported"), [("DEVELOPMENT", True), ("PRODUCTION", False)])
def test_a_debug_server_in_a_branch_the_constants_never_take_is_not_started(tmp_path: Path, environment: str,
                                                                           reported: bool) -> None:
    source = (f"from flask import Flask\napp = Flask(__name__)\nENVIRONMENT: str = '{environment.lower()}'\n"
              "if __name__ == '__main__':\n    match ENVIRONMENT.upper():\n        case 'PRODUCTION':\n"
              "            app.run()\n        case _:\n            app.run(debug=True)\n"
              "    if ENVIRONMENT != 'production':\n        app.debug = True\n")
    assert (_medium_plus(tmp_path, {"server.py": source}, "AS301") >= 1) is reported


_WEB_APP = ("from flask import Flask, request\nimport store\napp = Flask(__name__)\n"
            "@app.route('/report')\ndef report():\n    return store.{call}(app.config['T'])\n")
_STORE = ("import sqlite3\n"
          "def helper(name):\n    return build(name)\n"
          "def build(name):\n    return sqlite3.connect('d').execute('SELECT * FROM %s' % name).fetchall()\n"
          "def unused(name):\n    return sqlite3.connect('d').execute('DROP TABLE %s' % name)\n")


@pytest.mark.parametrize(("call", "reached"), [("helper", True), ("other", False)])
def test_a_sink_no_route_reaches_without_a_request_value_is_low(tmp_path: Path, call: str, reached: bool) -> None:
    """A formatted query of unknown origin in a non-web module stays medium when a route calls its function
    (directly or through another helper) and is low in a function nothing in the web code names."""
    result = audit(tmp_path, {"app.py": _WEB_APP.format(call=call), "store.py": _STORE})
    medium = {f.location.line for f in result.findings
              if f.rule_id == "AS801" and f.severity >= Severity.MEDIUM and f.location}
    assert (5 in medium) is reached
    assert 7 not in medium


_USERS_APP = ("from flask import Flask, request, session, render_template, jsonify\n"
              "from flask_login import login_required\nimport sqlite3, requests\napp = Flask(__name__)\n"
              "@app.route('/settings', methods=['POST'])\n@login_required\ndef settings():\n    return ''\n")
_PUBLIC_BY_DESIGN = [
    ("a form shell renders a page from no stored data",
     "@app.route('/change_page')\ndef change_page():\n"
     "    return render_template('change.html', error=request.args.get('e'))\n",
     "@app.route('/change_page')\ndef change_page():\n"
     "    rows = sqlite3.connect('d').execute('SELECT email FROM users').fetchall()\n"
     "    return render_template('change.html', rows=rows)\n"),
    ("a URL fetcher reads no stored record; a lookup of people's records does",
     "@app.route('/fetch')\ndef fetch():\n    return requests.get(request.args['u'], timeout=5).text\n",
     "@app.route('/fetch')\ndef fetch():\n"
     "    return jsonify(sqlite3.connect('d').execute('SELECT * FROM users WHERE name = ?', (request.args['u'],)))\n"),
    ("a write into the caller's own session; a write into the database",
     "@app.route('/prefs', methods=['POST'])\ndef prefs():\n    session['theme'] = request.form['theme']\n"
     "    return ''\n",
     "@app.route('/prefs', methods=['POST'])\ndef prefs():\n    session['theme'] = request.form['theme']\n"
     "    sqlite3.connect('d').execute('INSERT INTO prefs VALUES (?)', (request.form['theme'],))\n    return ''\n"),
    ("anonymous posting by design; posting as the signed-in caller without requiring a sign-in",
     "@app.route('/post', methods=['POST'])\ndef post():\n    author = session.get('name', 'anonymous')\n"
     "    sqlite3.connect('d').execute('INSERT INTO posts VALUES (?, ?)', (author, request.form['t']))\n"
     "    return ''\n",
     "@app.route('/post', methods=['POST'])\ndef post():\n    author = session['name']\n"
     "    sqlite3.connect('d').execute('INSERT INTO posts VALUES (?, ?)', (author, request.form['t']))\n"
     "    return ''\n"),
    ("a refresh-token exchange authenticated by the token; a token issued to the session's user without a sign-in",
     "@app.route('/auth/refresh', methods=['POST'])\ndef refresh():\n    tok = lookup(request.json['refresh_token'])\n"
     "    return jsonify(issue(tok))\n",
     "@app.route('/auth/rotate', methods=['POST'])\ndef rotate():\n    return jsonify(issue(session.get('uid')))\n"),
]


@pytest.mark.parametrize(("public", "private"), [(p, q) for _, p, q in _PUBLIC_BY_DESIGN],
                         ids=[n for n, _, _ in _PUBLIC_BY_DESIGN])
def test_routes_public_by_design_are_low_in_an_app_with_users(tmp_path: Path, public: str, private: str) -> None:
    assert _medium_plus(tmp_path / "public", {"app.py": _USERS_APP + public}, "AS101") == 0
    assert _medium_plus(tmp_path / "private", {"app.py": _USERS_APP + private}, "AS101") >= 1


@pytest.mark.parametrize(("host", "reported"), [("'127.0.0.1'", False), ("HOST", False), ("'0.0.0.0'", True)])
def test_a_user_less_app_bound_to_loopback_is_a_local_tool(tmp_path: Path, host: str, reported: bool) -> None:
    source = ("from bottle import Bottle, request\napp = Bottle()\nHOST = 'localhost'\n"
              "@app.delete('/task/<tid:int>')\ndef task_delete(tid):\n"
              "    TASKS.pop(tid, None)\n    return {'deleted': tid}\n"
              f"if __name__ == '__main__':\n    app.run(host={host}, port=8080)\n")
    assert (_medium_plus(tmp_path, {"server.py": source}, "AS101") >= 1) is reported


_EXC_PAGE = ("from flask import Flask, request\nimport sqlite3, pickle, subprocess\napp = Flask(__name__)\n"
             "@app.route('/x', methods=['POST'])\ndef x():\n    v = request.form['v']\n    try:\n{body}"
             "    except Exception as e:\n        return f'<p>Error: {{str(e)}}</p>'\n    return 'ok'\n")
_EXCEPTION_TEXT = [
    ("a parameterised query quotes only its SQL text",
     "        sqlite3.connect('d').execute('SELECT 1 FROM t WHERE a = ?', (v,))\n",
     "        sqlite3.connect('d').execute('SELECT 1 FROM t WHERE a = ' + v)\n"),
    ("serialising a value names its type, not the value",
     "        data = pickle.dumps(v)\n",
     "        data = int(v)\n"),
    ("a fixed program with a list of arguments; a checked run quotes the command",
     "        subprocess.run(['ping', '-c', '1', v])\n",
     "        subprocess.run(['ping', '-c', '1', v], check=True)\n"),
    ("a timeout caught before quotes nothing; a key lookup quotes the key",
     "        subprocess.run('ping ' + v, shell=True, timeout=5)\n"
     "    except subprocess.TimeoutExpired:\n        return 'timed out'\n",
     "        d = {}[v]\n"),
]


@pytest.mark.parametrize(("quiet", "loud"), [(q, lo) for _, q, lo in _EXCEPTION_TEXT],
                         ids=[n for n, _, _ in _EXCEPTION_TEXT])
def test_exception_text_reflects_request_data_only_when_the_failing_call_can_quote_it(tmp_path: Path, quiet: str,
                                                                                      loud: str) -> None:
    assert _medium_plus(tmp_path / "quiet", {"app.py": _EXC_PAGE.format(body=quiet)}, "AS404") == 0
    assert _medium_plus(tmp_path / "loud", {"app.py": _EXC_PAGE.format(body=loud)}, "AS404") >= 1


@pytest.mark.parametrize(("content_type", "reported"), [
    ("    response.headers['Content-Type'] = 'application/json'\n", False),
    ("    response.content_type = 'application/json'\n", False),
    ("", True),
])
def test_an_app_whose_handlers_each_set_a_json_content_type_serves_no_html(tmp_path: Path, content_type: str,
                                                                             reported: bool) -> None:
    """A second app of the project (a UI server) renders templates; the API app's handlers all answer JSON."""
    api = ("import json\nfrom bottle import Bottle, response\napp = Bottle()\n"
           f"@app.get('/task')\ndef task_get():\n{content_type}    return json.dumps([])\n"
           f"@app.post('/task')\ndef task_post():\n{content_type}    return json.dumps({{}})\n")
    ui = ("from bottle import Bottle, template\nui = Bottle()\n@ui.get('/')\ndef index():\n"
          "    return template('index')\n")
    found = audit(tmp_path, {"server.py": api, "client.py": ui, "views/index.tpl": "<p>{{tasks}}</p>\n"}).findings
    assert any(f.rule_id == "AS304" and f.severity >= Severity.MEDIUM and f.location
               and f.location.path == "server.py" for f in found) is reported


@pytest.mark.parametrize(("framework", "host", "reported"), [
    ("bottle", "localhost", False), ("bottle", "0.0.0.0", True), ("flask", "localhost", True)])
def test_bottle_debug_mode_on_a_loopback_address_is_low(tmp_path: Path, framework: str, host: str,
                                                        reported: bool) -> None:
    source = (f"from {framework} import {framework.title()}\napp = {framework.title()}(__name__)\n"
              f"if __name__ == '__main__':\n    app.run(host='{host}', port=8080, debug=True)\n")
    assert (_medium_plus(tmp_path, {"app.py": source}, "AS301") >= 1) is reported


@pytest.mark.parametrize(("login_test", "reported"), [
    ("if username == 'admin' and password == expected:", False),
    ("if check_password(username, password):", True),
])
def test_a_session_flag_only_the_admin_sign_in_sets_is_a_role_check(tmp_path: Path, login_test: str,
                                                                    reported: bool) -> None:
    source = ("from flask import Flask, request, session, redirect\napp = Flask(__name__)\n"
              "@app.route('/login', methods=['POST'])\ndef login():\n"
              "    username, password = request.form['u'], request.form['p']\n"
              f"    {login_test}\n        session['logged_in'] = True\n    return redirect('/admin')\n"
              "@app.route('/admin')\ndef admin():\n    if not session.get('logged_in'):\n"
              "        return redirect('/login')\n    return 'Welcome to the admin panel'\n")
    assert (_medium_plus(tmp_path, {"app.py": source}, "AS103") >= 1) is reported


@pytest.mark.parametrize(("ret", "medium"), [
    ("return f'<p>Error: {e}</p>'", True),
    ("return jsonify({'error': str(e)}), 500", True),
    ("return redirect(url_for('form', error=str(e)))", False),
])
def test_exception_text_in_the_response_body_is_medium(tmp_path: Path, ret: str, medium: bool) -> None:
    source = ("from flask import Flask, jsonify, redirect, url_for\nimport sqlite3\napp = Flask(__name__)\n"
              "@app.route('/x')\ndef x():\n    try:\n        sqlite3.connect('d').execute('SELECT 1')\n"
              f"    except Exception as e:\n        {ret}\n    return 'ok'\n")
    assert (_medium_plus(tmp_path, {"app.py": source}, "AS307") >= 1) is medium


@pytest.mark.parametrize(("loader", "reported"), [("pickle.loads", True), ("json.loads", False)])
def test_deserialising_what_the_session_holds_is_not_proven_safe(tmp_path: Path, loader: str, reported: bool) -> None:
    """A cookie session is data the client carries back: unpickling it runs code for whoever can forge it."""
    source = ("import base64, json, pickle\nfrom flask import Flask, session\napp = Flask(__name__)\n"
              f"@app.route('/state')\ndef state():\n    return str({loader}(base64.b64decode(session.get('s', ''))))\n")
    assert (_medium_plus(tmp_path, {"app.py": source}, "AS804") >= 1) is reported


@pytest.mark.parametrize(("name", "reported"), [("f.filename", True), ("secure_filename(f.filename)", False)])
def test_an_upload_saved_under_the_client_filename_is_path_traversal(tmp_path: Path, name: str,
                                                                      reported: bool) -> None:
    source = ("import os\nfrom flask import Flask, request\nfrom werkzeug.utils import secure_filename\n"
              "app = Flask(__name__)\n@app.route('/upload', methods=['POST'])\ndef upload():\n"
              f"    f = request.files['file']\n    f.save(os.path.join('uploads', {name}))\n    return 'ok'\n")
    assert (_medium_plus(tmp_path, {"app.py": source}, "AS806") >= 1) is reported


@pytest.mark.parametrize(("fields", "reported"), [("    name: str\n    is_admin: bool = False\n", True),
                                                  ("    name: str\n    email: str\n", False)])
def test_a_whole_schema_merged_onto_a_stored_record_is_mass_assignment_when_it_declares_a_privileged_field(
        tmp_path: Path, fields: str, reported: bool) -> None:
    source = ("from fastapi import FastAPI\nfrom pydantic import BaseModel\napp = FastAPI()\nPROFILES = {}\n"
              f"class ProfileUpdate(BaseModel):\n{fields}"
              "@app.put('/profiles/{pid}')\ndef update(pid: str, body: ProfileUpdate):\n"
              "    PROFILES[pid].update(body.dict())\n    return PROFILES[pid]\n")
    assert (_medium_plus(tmp_path, {"app.py": source}, "AS106") >= 1) is reported


@pytest.mark.parametrize(("check", "reported"), [("password == 'password123'", True),
                                                 ("check_password_hash(stored, password)", False),
                                                 ("password_scheme == 'bcrypt'", False)])
def test_a_password_checked_against_a_literal_is_a_hard_coded_credential(tmp_path: Path, check: str,
                                                                         reported: bool) -> None:
    source = ("from flask import Flask, request\nfrom werkzeug.security import check_password_hash\n"
              "app = Flask(__name__)\nstored = ''\npassword_scheme = 'x'\n@app.route('/login', methods=['POST'])\n"
              f"def login():\n    password = request.form['password']\n    if {check}:\n        return 'ok'\n"
              "    return 'no', 401\n")
    assert (_medium_plus(tmp_path, {"app.py": source}, "AS603") >= 1) is reported


@pytest.mark.parametrize(("host", "reported"), [("127.0.0.1", False), ("0.0.0.0", True)])
def test_exception_text_of_a_user_less_app_bound_to_loopback_goes_to_its_one_user(tmp_path: Path, host: str,
                                                                                   reported: bool) -> None:
    source = ("import sqlite3\nfrom bottle import Bottle\napp = Bottle()\n@app.get('/task')\ndef task():\n"
              "    try:\n        return {'rows': sqlite3.connect('t').execute('SELECT 1').fetchall()}\n"
              "    except sqlite3.Error as e:\n        return {'error': str(e)}\n"
              f"if __name__ == '__main__':\n    app.run(host='{host}', port=8080)\n")
    assert (_medium_plus(tmp_path, {"server.py": source}, "AS307") >= 1) is reported


@pytest.mark.parametrize(("header", "used", "reported"), [("X-User-ID", "me", True), ("X-Request-ID", "me", False),
                                                           ("X-User-ID", "user_id", False)])
def test_the_callers_identity_taken_from_a_client_header_is_broken_object_level_authorization(
        tmp_path: Path, header: str, used: str, reported: bool) -> None:
    """Reported when the header value decides something (compared, looked up), not when it is read and unused."""
    source = ("from fastapi import FastAPI, Request, HTTPException\napp = FastAPI()\nUSERS = {}\n"
              "@app.get('/users/{user_id}')\ndef read(user_id: str, request: Request):\n"
              f"    me = request.headers.get('{header}')\n    if {used} not in USERS:\n"
              "        raise HTTPException(status_code=403)\n    return USERS[user_id]\n")
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS102" and f.severity >= Severity.MEDIUM and "client-set header" in f.message
               for f in result.findings) is reported


# --- AS702: algorithms passed positionally --------------------------------------------------------------------
@pytest.mark.parametrize(("args", "reported"), [
    # must fire: no algorithms at all, or 'none' / the header's alg given positionally
    ("token, key", True),
    ("token, key, ['none']", True),
    ("token, key, [jwt.get_unverified_header(token)['alg']]", True),
    # must stay quiet: the configured algorithm in decode's third (algorithms) position
    ("token, key, settings.JWT_ALGORITHM", False),
    ("token, key, ['HS256']", False),
])
def test_algorithms_given_positionally_are_pinned(tmp_path: Path, args: str, reported: bool) -> None:
    """``jwt.decode``'s third positional parameter is ``algorithms`` (PyJWT, python-jose): a value there pins the
    accepted algorithms exactly as the keyword does, and is checked the same way."""
    source = f"import jwt\nfrom settings import settings\ndef read(token, key):\n    return jwt.decode({args})\n"
    result = audit(tmp_path, {"tokens.py": source})
    assert any(f.rule_id == "AS702" for f in result.findings) is reported


# --- AS806: a directory named in the app's configuration -----------------------------------------------------
_SEND = "import os\nfrom flask import Flask, send_from_directory, request\napp = Flask(__name__)\n" \
        "app.config['UPLOAD_FOLDER'] = os.path.join(os.path.dirname(__file__), 'uploads')\n" \
        "@app.route('/uploads/<path:name>')\ndef uploaded(name):\n    return send_from_directory({base}, name)\n"


@pytest.mark.parametrize(("base", "reported"), [
    # must fire: the directory comes from the client, or from a value of unknown origin
    ("request.args['dir']", True),
    ("load_base(name)", True),
    # must stay quiet: a named setting of the application's configuration
    ("app.config['UPLOAD_FOLDER']", False),
])
def test_a_configured_directory_is_not_a_traversal(tmp_path: Path, base: str, reported: bool) -> None:
    """``send_from_directory`` joins the client's name safely; only its directory can escape. A named entry of
    the app's configuration is chosen by whoever deploys the app, not by a caller."""
    result = audit(tmp_path, {"app.py": _SEND.format(base=base)})
    hits = [f for f in result.findings if f.rule_id == "AS806" and f.severity >= Severity.MEDIUM]
    assert bool(hits) is reported


# --- AS806: a path only tested for existence is an oracle, the traversal is where it is opened ---------------------
@pytest.mark.parametrize(("body", "medium_lines"), [
    # must fire at the open: the caller's path is read
    ("    p = os.path.join(BASE, name)\n    if os.path.exists(p):\n        return open(p).read()\n    return ''\n",
     {9}),
    # must stay quiet (low) at the test: the file is then sent by a joiner that refuses '..'
    ("    p = os.path.join(BASE, name)\n    if os.path.isfile(p):\n        return send_from_directory(BASE, name)\n"
     "    return ''\n", set()),
])
def test_a_path_only_tested_for_existence_is_listed_low(tmp_path: Path, body: str, medium_lines: set[int]) -> None:
    app = ("import os\nfrom flask import Flask, send_from_directory\napp = Flask(__name__)\nBASE = '/srv/files'\n"
           "@app.route('/files/<path:name>')\ndef files(name):\n" + body)
    result = audit(tmp_path, {"app.py": app})
    hits = [f for f in result.findings if f.rule_id == "AS806" and f.location and f.location.path == "app.py"]
    assert {f.location.line for f in hits if f.location and f.severity >= Severity.MEDIUM} == medium_lines
    assert any(f.location and f.location.line == 8 for f in hits), "the existence test stays listed"


# --- AS402: the operand of |safe inside a macro call's arguments, and links built from literals -----------------
@pytest.mark.parametrize(("expr", "reported"), [
    # must fire: the raw argument is the page's value, formatted in unescaped
    ("show(event, '<a href=\"{l}\">x</a>'.format(l=event.link)|safe)", True),
    ("show(event, event.note|safe)", True),
    # must stay quiet: the only value formatted into the argument was escaped first
    ("show(event, '<a href=\"{l}\">x</a>'.format(l=event.link|escape)|safe)", False),
])
def test_safe_inside_a_call_judges_the_argument_it_ends(tmp_path: Path, expr: str, reported: bool) -> None:
    page = f"<p>\n  {{{{ {expr} }}}}\n</p>\n"
    result = audit(tmp_path, {"app.py": _SERVED, "templates/page.html": page})
    assert any(f.rule_id == "AS402" for f in result.findings) is reported


@pytest.mark.parametrize(("arg", "reported"), [
    ("url_for('auth.resend')", False),  # must stay quiet: a link to the app's own route named by literals
    ("url_for('auth.resend', next=request.args.get('next'))", True),  # must fire: the caller chooses part of it
    ("request.args.get('next')", True),
])
def test_markup_around_a_link_built_from_literals(tmp_path: Path, arg: str, reported: bool) -> None:
    app = ("from flask import Flask, Markup, flash, request, url_for\napp = Flask(__name__)\n"
           "@app.route('/page')\ndef page():\n"
           f"    flash(Markup('Not confirmed. <a href=\"%s\">Resend</a>' % {arg}))\n    return 'ok'\n")
    result = audit(tmp_path, {"app.py": app})
    assert any(f.rule_id == "AS402" for f in result.findings) is reported


# --- AS402: CSRF markup the form library generates ------------------------------------------------------------
@pytest.mark.parametrize(("expr", "reported"), [
    # must fire: a value the page was given, even one whose name mentions the token
    ("post.body", True),
    ("csrf_token_note", True),
    ("form.comment.data", True),
    # must stay quiet: the token and hidden-field HTML built by Flask-WTF/WTForms/Django
    ("csrf_token()", False),
    ("form.hidden_tag()", False),
    ("form.csrf_token", False),
])
def test_csrf_markup_marked_safe_is_not_user_html(tmp_path: Path, expr: str, reported: bool) -> None:
    """``{{ csrf_token()|safe }}`` and ``{{ form.hidden_tag()|safe }}`` emit a random token or hidden inputs whose
    values the form library escapes; no caller chooses them. Any other expression under ``|safe`` is reported."""
    page = f"<form method=post>\n  {{{{ {expr}|safe }}}}\n</form>\n"
    result = audit(tmp_path, {"app.py": _SERVED, "templates/page.html": page})
    assert any(f.rule_id == "AS402" for f in result.findings) is reported


# --- AS101: a blueprint hook guarded by an authentication decorator ------------------------------------------
_HOOKED_BP = """\
from flask import Blueprint, Flask, g, jsonify
from flask_httpauth import HTTPBasicAuth
from .log import log_calls
auth = HTTPBasicAuth()
api = Blueprint('api', __name__)

@api.before_request
@{decorator}
def before_request():
    g.seen = True

@api.route('/posts/<int:id>', methods=['DELETE'])
def delete_post(id):
    return jsonify(remove(id))

app = Flask(__name__)
app.register_blueprint(api, url_prefix='/api')
"""


@pytest.mark.parametrize(("decorator", "reported"), [("log_calls", True), ("auth.login_required", False)])
def test_a_blueprint_hook_behind_an_auth_decorator_authenticates_its_routes(
        tmp_path: Path, decorator: str, reported: bool) -> None:
    """``@bp.before_request`` stacked on ``@auth.login_required`` runs the login check before every route of the
    blueprint; a hook under any other decorator authenticates nothing."""
    result = audit(tmp_path, {"pkg/__init__.py": "", "pkg/log.py": "def log_calls(f):\n    return f\n",
                              "pkg/api.py": _HOOKED_BP.format(decorator=decorator)})
    assert any(f.rule_id == "AS101" for f in result.findings) is reported


# --- AS101: a route that exists only while the tests run --------------------------------------------------------
_SHUTDOWN = """\
from flask import Flask, abort, current_app, request
app = Flask(__name__)

@app.route('/shutdown')
def server_shutdown():
    if not {flag}:
        abort({status})
    request.environ.get('werkzeug.server.shutdown')()
    return 'Shutting down...'
"""


@pytest.mark.parametrize(("flag", "status", "reported"), [
    # must fire: a debug-only route (debug is how many apps are deployed) or a testing check that still serves
    ("current_app.debug", 404, True),
    ("current_app.testing", 400, True),
    # must stay quiet: the route answers 404 unless the app is under test
    ("current_app.testing", 404, False),
    ("app.config['TESTING']", 404, False),
])
def test_a_route_served_only_under_test_is_not_unauthenticated(tmp_path: Path, flag: str, status: int,
                                                                reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _SHUTDOWN.format(flag=flag, status=status)})
    assert any(f.rule_id == "AS101" for f in result.findings) is reported


# --- AS503: a fixed display preference in a cookie ---------------------------------------------------------------
_PREF_COOKIE = """\
from flask import Flask, make_response, request
app = Flask(__name__)

@app.route('/prefs')
def prefs():
    resp = make_response(str(request.cookies.get({name})))
    resp.set_cookie({args}, max_age=3600)
    return resp
"""


@pytest.mark.parametrize(("args", "reported"), [
    # must fire: a credential-named cookie, a value named like a credential, or one drawn or signed per client
    ("'session_id', '1'", True),
    ("'remember_token', 'yes'", True),
    ("'score', token", True),
    ("'visitor', secrets.token_hex(16)", True),
    ("'visitor', uuid.uuid4().hex", True),
    ("'state', serializer.dumps(data)", True),
    # must stay quiet (low): a non-credential name holding a short literal or a value naming no credential
    ("'show_followed', '1'", False),
    ("'theme', 'dark'", False),
    ("'show_followed', request.args['v']", False),
    ("'prefs', pickled", False),
    ("'stale_after', value=stale_after", False),
])
def test_a_cookie_that_carries_no_credential_without_secure_is_low(tmp_path: Path, args: str, reported: bool) -> None:
    source = _PREF_COOKIE.format(args=args, name=args.split(",")[0])  # the server reads the cookie back
    result = audit(tmp_path, {"app.py": source})
    hits = [f for f in result.findings if f.rule_id == "AS503"]
    assert hits  # lowered, never dropped
    assert any(f.severity >= Severity.MEDIUM for f in hits) is reported


def test_a_guarded_hook_guards_only_its_own_blueprint(tmp_path: Path) -> None:
    """Two hooks share a name: the one under ``@auth.login_required`` guards its blueprint, not the app-wide hook
    of the same name in another module (which checks nothing)."""
    site = "from flask import Blueprint\nsite = Blueprint('site', __name__)\n\n@site.before_app_request\n" \
           "def before_request():\n    pass\n\n@site.route('/notes/<int:id>', methods=['DELETE'])\n" \
           "def delete_note(id):\n    return remove(id)\n"
    result = audit(tmp_path, {"pkg/__init__.py": "", "pkg/log.py": "def log_calls(f):\n    return f\n",
                              "pkg/api.py": _HOOKED_BP.format(decorator="auth.login_required"), "pkg/site.py": site})
    flagged = {f.location.path for f in result.findings if f.rule_id == "AS101" and f.location}
    assert flagged == {"pkg/site.py"}


@pytest.mark.parametrize(("decorator", "reported"), [("log_calls", True), ("auth.login_required", False)])
def test_a_hook_registered_from_another_module_joins_its_blueprint(
        tmp_path: Path, decorator: str, reported: bool) -> None:
    """``from . import api`` then ``@api.before_request`` in a sibling module guards the blueprint defined in the
    package, whose routes live in a third module."""
    init = "from flask import Blueprint, Flask\napi = Blueprint('api', __name__)\napp = Flask(__name__)\n" \
           "from . import authentication, views\napp.register_blueprint(api, url_prefix='/api')\n"
    hook = "from flask import g\nfrom flask_httpauth import HTTPBasicAuth\nfrom . import api\nfrom .log import " \
           f"log_calls\nauth = HTTPBasicAuth()\n\n@api.before_request\n@{decorator}\ndef before_request():\n" \
           "    g.seen = True\n"
    views = "from flask import jsonify\nfrom . import api\n\n@api.route('/posts/<int:id>', methods=['DELETE'])\n" \
            "def delete_post(id):\n    return jsonify(remove(id))\n"
    result = audit(tmp_path, {"pkg/__init__.py": init, "pkg/log.py": "def log_calls(f):\n    return f\n",
                              "pkg/authentication.py": hook, "pkg/views.py": views})
    assert any(f.rule_id == "AS101" for f in result.findings) is reported


# --- AS103: the caller's own account needs no role --------------------------------------------------------------
_ACCOUNT = """\
from flask import Flask, abort, jsonify
from flask_login import current_user, login_required
app = Flask(__name__)

@app.route({path}, methods=['GET', 'POST', 'DELETE'])
@login_required
def {handler}({params}):
{body}
"""


@pytest.mark.parametrize(("path", "handler", "params", "body", "reported"), [
    # must fire: another account named in the path, an admin page, a check that is not the caller's
    ("'/manage/users/<int:id>'", "manage_user", "id", "    return jsonify(remove(id, by=current_user.id))", True),
    ("'/admin/stats'", "stats", "", "    return jsonify(stats(current_user))", True),
    ("'/manage/<username>'", "manage", "username",
     "    if username == current_user.username:\n        abort(400)\n    return jsonify(remove(username))", True),
    # must stay quiet: the signed-in user's own settings, or a named account refused unless it is the caller
    ("'/manage/change-password'", "change_password", "", "    return jsonify(change(current_user))", False),
    ("'/manage/<username>'", "manage", "username",
     "    if username != current_user.username:\n        abort(403)\n    return jsonify(remove(username))", False),
])
def test_a_route_on_the_callers_own_account_needs_no_role(tmp_path: Path, path: str, handler: str, params: str,
                                                          body: str, reported: bool) -> None:
    source = _ACCOUNT.format(path=path, handler=handler, params=params, body=body)
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS103" for f in result.findings) is reported


_OWN_DELETE = """\
from fastapi import APIRouter, Depends, HTTPException
from .deps import get_current_user
router = APIRouter()

@router.delete("/manage/{{username}}")
async def erase_user(
    username: str,
    current_user: dict = Depends(get_current_user),
) -> dict[str, str]:
    if username {op} current_user["username"]:
        raise HTTPException(status_code=403)
    return {{"deleted": remove(username)}}
"""


@pytest.mark.parametrize(("op", "reported"), [("==", True), ("!=", False)])
def test_the_own_account_check_is_read_below_a_multi_line_signature(tmp_path: Path, op: str,
                                                                     reported: bool) -> None:
    """The handler's body starts after its signature, however many lines that signature takes."""
    deps = "from fastapi.security import OAuth2PasswordBearer\noauth2 = OAuth2PasswordBearer(tokenUrl='t')\n" \
           "from fastapi import Depends\ndef get_current_user(token: str = Depends(oauth2)):\n    return load(token)\n"
    result = audit(tmp_path, {"pkg/__init__.py": "", "pkg/deps.py": deps,
                              "pkg/api.py": _OWN_DELETE.format(op=op)})
    assert any(f.rule_id == "AS103" for f in result.findings) is reported


# --- AS202: changing one's password behind a signed-in session --------------------------------------------------
_CHANGE_PW = """\
from flask import Flask, request, redirect
from flask_login import current_user, login_required
app = Flask(__name__)

@app.route({path!r}, methods=['GET', 'POST'])
{guard}
def {handler}():
    if current_user.verify_password(request.form['old_password']):
        current_user.password = request.form['password']
    return redirect('/')
"""


@pytest.mark.parametrize(("path", "handler", "guard", "reported"), [
    # must fire: a login, or a password change anyone can call
    ("/login", "login", "@login_required", True),
    ("/change-password", "change_password", "", True),
    # must stay quiet: the signed-in user's own password change
    ("/change-password", "change_password", "@login_required", False),
    ("/account/password", "update_password", "@login_required", False),
    ("/me/password", "update_my_password", "@login_required", False),
    ("/users/<int:uid>/password", "put_user_password", "@login_required", False),
    ("/re-authenticate", "re_authenticate", "@login_required", False),
    # must fire: the same steps open to anyone
    ("/me/password", "update_my_password", "", True),
])
def test_a_password_change_behind_login_has_nothing_to_brute_force(tmp_path: Path, path: str, handler: str,
                                                                   guard: str, reported: bool) -> None:
    source = _CHANGE_PW.format(path=path, handler=handler, guard=guard or "# open to anyone")
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS202" for f in result.findings) is reported


@pytest.mark.parametrize(("route", "change"), [
    ("/me/password update_my_password", True), ("/users/{id}/password put_user_password", True),
    ("/re-authenticate re_authenticate", True),
    ("/reset_password reset_password", False),  # re*set_password* is a recovery step, no change of one's own
    ("/forgot-password forgot_password", False),
])
def test_the_own_password_step_is_read_by_its_names(route: str, change: bool) -> None:
    from apishield.audit.rules.missing import _PASSWORD_CHANGE

    assert bool(_PASSWORD_CHANGE.search(route)) is change


# --- AS101: a dependency factory is judged by the dependency its call selects ------------------------------------
_FACTORY_DEPS = """\
from fastapi import Depends, HTTPException
from fastapi.security import OAuth2PasswordBearer
oauth2 = OAuth2PasswordBearer(tokenUrl="token", auto_error=False)

async def _current_user(token: str = Depends(oauth2)):
    if not token:
        raise HTTPException(status_code=401)
    return load(token)

async def _current_user_optional(token: str = Depends(oauth2)):
    return load(token) if token else None

def user_authorizer(*, required: bool = True):
    if required:
        return _current_user
    else:
        return _current_user_optional

async def _page(): return 20
async def _big_page(): return 200

def pager(large: bool = False):
    if not large:
        return _page
    return _big_page
"""
_FACTORY_ROUTE = """\
from fastapi import APIRouter, Depends
from .deps import user_authorizer
router = APIRouter()

@router.delete("/users/{{user_id}}/orders")
async def clear_orders(user_id: int, user = Depends({dep})):
    return drop_orders(user_id)
"""


@pytest.mark.parametrize(("dep", "reported", "public"), [
    ("pager()", True, False),  # must fire: a factory of dependencies that authenticate nothing
    ("pager(large=True)", True, False),
    ("user_authorizer()", False, False),  # must stay quiet: the default selects the one rejecting anonymous callers
    ("user_authorizer(required=True)", False, False),
    ("user_authorizer(required=False)", False, True),  # an optional login: public on purpose
])
def test_a_dependency_factory_counts_as_the_dependency_it_returns(tmp_path: Path, dep: str, reported: bool,
                                                                  public: bool) -> None:
    api = _FACTORY_ROUTE.format(dep=dep).replace("import user_authorizer", "import pager, user_authorizer")
    result = audit(tmp_path, {"pkg/__init__.py": "", "pkg/deps.py": _FACTORY_DEPS, "pkg/api.py": api})
    missing = [f for f in result.findings if f.rule_id == "AS101" and f.severity >= Severity.MEDIUM]
    assert bool(missing) is reported
    route = next(r for r in result.routes if r.handler == "clear_orders")
    assert bool(route.public) is public
    assert (route.has("auth")) is not (reported or public)


# --- AS102: an id handed to a call together with the caller ------------------------------------------------------
_SCOPED = """\
from fastapi import APIRouter, Depends
from .deps import get_current_user, service
router = APIRouter()

@router.delete("/items/{{item_id}}")
async def delete_item(item_id: int, user = Depends(get_current_user)):
    return await service.delete({args})
"""
_SCOPED_DEPS = ("from fastapi import Depends, HTTPException\nfrom fastapi.security import OAuth2PasswordBearer\n"
                "oauth2 = OAuth2PasswordBearer(tokenUrl='t')\n"
                "async def get_current_user(token: str = Depends(oauth2)):\n    return load(token)\n")


@pytest.mark.parametrize(("args", "reported"), [
    ("item_id", True),  # must fire: nothing ties the row to the caller
    ("item_id, user", False),  # must stay quiet: the callee gets the caller to scope the lookup with
    ("item_id=item_id, owner=user.id", False),
])
def test_an_id_passed_with_the_caller_is_scoped_by_the_callee(tmp_path: Path, args: str, reported: bool) -> None:
    result = audit(tmp_path, {"pkg/__init__.py": "", "pkg/deps.py": _SCOPED_DEPS,
                              "pkg/api.py": _SCOPED.format(args=args)})
    assert any(f.rule_id == "AS102" and f.severity >= Severity.MEDIUM for f in result.findings) is reported


# --- AS301: auto-reload is a development mode, not a debugger ---------------------------------------------------
@pytest.mark.parametrize(("kwargs", "medium"), [("debug=True", True), ("reload=True", False),
                                                ("use_debugger=True", True), ("use_reloader=True", False)])
def test_auto_reload_is_not_reported_as_a_debugger(tmp_path: Path, kwargs: str, medium: bool) -> None:
    runner = "uvicorn.run('app:app', " if "reload=" in kwargs else "app.run("
    source = ("import uvicorn\nfrom flask import Flask\napp = Flask(__name__)\n@app.route('/')\ndef index():\n"
              f"    return 'hi'\nif __name__ == '__main__':\n    {runner}{kwargs})\n")
    result = audit(tmp_path, {"app.py": source})
    debug = [f for f in result.findings if f.rule_id == "AS301"]
    assert debug, "the setting is still reported"
    assert any(f.severity >= Severity.MEDIUM for f in debug) is medium


# --- AS307: the application's own exception class carries the message it chose -----------------------------------
_HANDLER = """\
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
app = FastAPI()

class AppError(Exception):
    def __init__(self, code: int, message: str) -> None:
        self.code, self.message = code, message

@app.exception_handler({cls})
async def on_error(request: Request, exc):
    return JSONResponse(status_code=500, content={{"message": {text}}})
"""


@pytest.mark.parametrize(("cls", "text", "reported"), [
    ("Exception", "str(exc)", True),  # must fire: any exception's text, library internals included
    ("ValueError", "exc.args[0]", True),
    ("AppError", "exc.message", False),  # must stay quiet: the message the application raised it with
    ("AppError", "str(exc)", False),
])
def test_a_handler_of_the_apps_own_exception_returns_its_chosen_message(tmp_path: Path, cls: str, text: str,
                                                                         reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _HANDLER.format(cls=cls, text=text)})
    assert any(f.rule_id == "AS307" and f.severity >= Severity.MEDIUM for f in result.findings) is reported


# --- AS404: Starlette's TemplateResponse autoescapes, whichever way it is called ---------------------------------
_TEMPLATE_RESPONSE = """\
from fastapi import FastAPI, Request
from fastapi.templating import Jinja2Templates
app = FastAPI()
templates = Jinja2Templates(directory="templates")

@app.get("/search")
async def search(request: Request, q: str):
    return templates.TemplateResponse({call})
"""


@pytest.mark.parametrize(("page", "call", "reported"), [
    ("<p>{{ q|safe }}</p>", 'request=request, name="page.html", context={"q": q}', True),  # must fire: raw
    ("<p>{{ q|safe }}</p>", 'request, "page.html", {"q": q}', True),
    ("<p>{{ q }}</p>", 'request=request, name="page.html", context={"q": q}', False),  # must stay quiet: escaped
    ("<p>{{ q }}</p>", '"page.html", {"request": request, "q": q}', False),
])
def test_template_response_variables_are_escaped_unless_printed_raw(tmp_path: Path, page: str, call: str,
                                                                    reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _TEMPLATE_RESPONSE.format(call=call), "templates/page.html": page})
    assert any(f.rule_id == "AS404" and f.severity >= Severity.MEDIUM for f in result.findings) is reported


# --- AS502: a SameSite session cookie stops forged posts acting as the victim, not a forged login -------------------
_SESSION_APP = """\
from fastapi import FastAPI, Form, Request
from starlette.middleware.sessions import SessionMiddleware
app = FastAPI()
app.add_middleware(SessionMiddleware, secret_key=KEY{same_site})

@app.post("/{path}")
def act(request: Request, body: str = Form(...)):
    request.session["last"] = body
    return save(request.session.get("user"), body)
"""


@pytest.mark.parametrize(("same_site", "path", "reported"), [
    (', same_site="none"', "comments", True),  # must fire: the cookie rides along on a cross-site post
    ("", "login", True),  # a forged login needs no cookie of the victim's
    ("", "comments", False),  # must stay quiet: Starlette's session cookie is SameSite=Lax by default
    (', same_site="strict"', "comments", False),
])
def test_a_samesite_session_cookie_stops_forged_posts_but_not_a_forged_login(tmp_path: Path, same_site: str,
                                                                              path: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _SESSION_APP.format(same_site=same_site, path=path)})
    assert any(f.rule_id == "AS502" for f in result.findings) is reported


# --- every rule: code nothing in the application calls ---------------------------------------------------------
_TOKENS = """\
import jwt

class Tokens:
    @staticmethod
    def decode(token):
        return jwt.decode(token, KEY, algorithms=["HS256"])

    @staticmethod
    def decode_expired(token):
        return jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_exp": False})
"""


@pytest.mark.parametrize(("caller", "medium"), [
    ("Tokens.decode_expired", True),  # must fire: a route uses the helper
    ("Tokens.decode", False),  # must stay quiet (low): only the unit test calls it
])
def test_a_helper_nothing_but_its_test_calls_is_lowered(tmp_path: Path, caller: str, medium: bool) -> None:
    app = ("from flask import Flask, request\nfrom tokens import Tokens\napp = Flask(__name__)\n"
           f"@app.route('/me')\ndef me():\n    return {caller}(request.headers['Authorization'])\n")
    test = "from tokens import Tokens\ndef test_expired():\n    assert Tokens.decode_expired('x')\n"
    result = audit(tmp_path, {"app.py": app, "tokens.py": _TOKENS, "tests/test_tokens.py": test})
    found = [f for f in result.findings if f.rule_id == "AS507" and f.location and f.location.path == "tokens.py"]
    assert found, "the finding stays visible"
    assert any(f.severity >= Severity.MEDIUM for f in found) is medium


# --- AS801: SQLAlchemy Core statements bind their values ----------------------------------------------------------
_CORE = """\
from flask import Flask, request
from sqlalchemy import text
from db import engine, tasks
app = Flask(__name__)

@app.route("/tasks/<pkey>", methods=["POST"])
def change(pkey):
    row = request.get_json()
    with engine.begin() as conn:
        conn.execute({stmt})
    return "ok"
"""


@pytest.mark.parametrize(("stmt", "reported"), [
    ('text(f"DELETE FROM tasks WHERE id = {pkey}")', True),  # must fire: SQL text
    ('tasks.update().where(text(f"id = {pkey}")).values(**row)', True),  # raw SQL inside the builder
    ("tasks.insert().values(**row)", False),  # must stay quiet: bound parameters
    ("tasks.update().where(tasks.c.id == pkey).values(**row)", False),
    ("tasks.delete().where(tasks.c.id.in_(pkey.split(',')))", False),
])
def test_sqlalchemy_core_statements_bind_the_values_they_are_given(tmp_path: Path, stmt: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _CORE.format(stmt=stmt)})
    assert any(f.rule_id == "AS801" and f.severity >= Severity.MEDIUM for f in result.findings) is reported


# --- AS601/AS602: a hard-coded key nothing reads protects nothing -------------------------------------------------
@pytest.mark.parametrize(("use", "medium"), [
    ("token = jwt.encode({'sub': 1}, JWT_SECRET, algorithm='HS256')", True),  # must fire: the key signs tokens
    ("token = jwt.encode({'sub': 1}, app.config['JWT_SECRET'], algorithm='HS256')", True),
    ("token = 'not signed'", False),  # must stay quiet (low): nothing reads the constant
])
def test_a_hard_coded_key_nothing_reads_is_lowered(tmp_path: Path, use: str, medium: bool) -> None:
    config = "JWT_SECRET = 'change-me-please'\nif not JWT_SECRET:\n    JWT_SECRET = 'x'\n"
    app = ("import jwt\nfrom flask import Flask\nfrom config import *\napp = Flask(__name__)\n"
           f"@app.route('/token')\ndef issue():\n    {use}\n    return token\n")
    result = audit(tmp_path, {"config.py": config, "app.py": app})
    keys = [f for f in result.findings if f.rule_id in ("AS601", "AS602") and f.location
            and f.location.path == "config.py" and f.location.line == 1]
    assert keys, "the finding stays visible"
    assert any(f.severity >= Severity.MEDIUM for f in keys) is medium


# --- AS101: a route that checks a posted password and hands out a token is a sign-in, whatever its name --------
_SIGN_IN_APP = ("import os\nimport jwt\nfrom flask import Flask, jsonify, request\nfrom flask_jwt_extended import "
                "jwt_required\nfrom models import User\napp = Flask(__name__)\n"
                "def generate_token(uid):\n"
                "    return jwt.encode({{'sub': uid}}, os.environ['KEY'], algorithm='HS256')\n"
                "@app.route('/orders')\n@jwt_required()\ndef orders():\n    return jsonify([])\n"
                "@app.route('/reg_log', methods=['POST'])\ndef log():\n"
                "    user = User.query.filter_by(email=request.form['email']).first()\n{body}")


@pytest.mark.parametrize(("body", "medium"), [
    # must fire: the account's record is handed over without checking anything
    ("    return jsonify(user.to_dict())\n", True),
    # must fire: the posted password is stored (a password change), not checked
    ("    user.password = request.form['password']\n    return jsonify(token=generate_token(user.id))\n", True),
    # must stay quiet (low): the password is checked and a token minted for the caller
    ("    password = request.form['password']\n    if not user or user.password != password:\n"
     "        return jsonify(ok=False)\n    return jsonify(token=generate_token(user.id))\n", False),
])
def test_a_sign_in_by_any_name_is_public_by_nature(tmp_path: Path, body: str, medium: bool) -> None:
    result = audit(tmp_path, {"app.py": _SIGN_IN_APP.format(body=body)})
    enter = [f for f in result.findings if f.rule_id == "AS101" and "/reg_log" in f.message]
    assert enter, "the route stays listed"
    assert any(f.severity >= Severity.MEDIUM for f in enter) is medium


# --- AS601/AS602: Flask's SECRET_KEY matters only when something is signed with it -----------------------------
@pytest.mark.parametrize(("uses", "medium"), [
    ("from flask import session\n", True),  # must fire: the session cookie is signed with the key
    ("from flask_jwt_extended import JWTManager\n", True),  # must fire: flask-jwt-extended falls back to it
    ("from flask_jwt_extended import JWTManager\nJWT_SECRET_KEY = os.environ['JWT_SECRET_KEY']\n", False),
    ("", False),  # must stay quiet (low): no session, no extension that signs with the key
])
def test_a_flask_secret_key_that_signs_nothing_is_lowered(tmp_path: Path, uses: str, medium: bool) -> None:
    config = "import os\nclass Config:\n    SECRET_KEY = 'a-fixed-development-key-of-some-length'\n"
    app = (f"import os\nfrom flask import Flask, jsonify\n{uses}from config import Config\napp = Flask(__name__)\n"
           "app.config.from_object(Config)\n@app.route('/ping')\ndef ping():\n    return jsonify(ok=True)\n")
    result = audit(tmp_path, {"config.py": config, "app.py": app})
    keys = [f for f in result.findings if f.rule_id == "AS601" and f.location and f.location.path == "config.py"]
    assert keys, "the finding stays visible"
    assert any(f.severity >= Severity.MEDIUM for f in keys) is medium


# --- AS304: an installer's hook on the app it is handed is no second app ------------------------------------------
_INSTALLER = ("from flask import request\ndef install(app):\n    @app.after_request\n    def note(response):\n"
              "        return response\n")
_BLUEPRINT = ("from flask import Blueprint, request\nbp = Blueprint('page', __name__)\n"
              "@bp.get('/page')\ndef page():\n    return '<p>' + request.args.get('q', '') + '</p>'\n")


@pytest.mark.parametrize(("apps", "expected"), [
    (1, {"app.py"}),  # must stay quiet on the blueprint and the installer: one app, one finding, at the app
    (2, {"app.py", "other.py"}),  # must fire per app: two apps are constructed
])
def test_hooks_installed_on_a_handed_app_and_loaded_blueprints_join_the_one_app(tmp_path: Path, apps: int,
                                                                                  expected: set[str]) -> None:
    app = ("import importlib\nfrom flask import Flask\nimport hooks\n"
           "def create_app():\n    app = Flask(__name__)\n    for name in ('views', 'more'):\n"
           "        m = importlib.import_module(name)\n        app.register_blueprint(m.bp)\n"
           "    hooks.install(app)\n    return app\n")
    files = {"app.py": app, "hooks.py": _INSTALLER, "views.py": _BLUEPRINT,
             "more.py": _BLUEPRINT.replace("'page'", "'more'").replace("/page", "/more")}
    if apps == 2:
        files["other.py"] = ("from flask import Flask\nother = Flask(__name__)\n@other.get('/x')\ndef x():\n"
                             "    return '<p>x</p>'\n")
    result = audit(tmp_path, files)
    headers = {f.location.path for f in result.findings if f.rule_id == "AS304" and f.location}
    assert expected <= headers and not headers & {"hooks.py", "more.py"}
    if apps == 1:
        assert headers == expected


# --- AS502: no cookie of the server's in the browser, nothing to forge ---------------------------------------------
_TOKEN_APP = """\
from flask import Flask, request, jsonify, make_response
app = Flask(__name__)

def caller():
    token = request.headers.get("Authorization", "").removeprefix("Bearer ") or request.cookies.get("access_token")
    return verify(token)

@app.route("/login", methods=["POST"])
def login():
    response = make_response(jsonify(token=issue(request.form["username"], request.form["password"])))
    {cookie}
    return response

@app.route("/profile", methods=["POST"])
def profile():
    return jsonify(update(caller(), request.form["bio"]))
"""


@pytest.mark.parametrize(("cookie", "reported"), [
    ('response.set_cookie("access_token", "t", httponly=True)', True),  # must fire: the browser sends it along
    ("pass  # the client keeps the token and sends it in a header", False),  # must stay quiet
])
def test_forgery_needs_a_cookie_the_server_gave_the_browser(tmp_path: Path, cookie: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _TOKEN_APP.format(cookie=cookie)})
    assert any(f.rule_id == "AS502" for f in result.findings) is reported


# --- AS806: what cannot climb out of a directory -----------------------------------------------------------------
_FILES = """\
import io, os, uuid
from flask import Flask, request, send_file
app = Flask(__name__)
UPLOADS = "/srv/uploads"

@app.route("/files", methods=["POST"])
def files():
    name = request.files["doc"].filename
    {body}
"""


@pytest.mark.parametrize(("body", "reported"), [
    ("return send_file(os.path.join(UPLOADS, name))", True),  # must fire: the client's name, '..' and all
    ("return send_file(os.path.join(UPLOADS, name.rsplit('/', 1)[-1] + '.bin'))", True),  # '..' survives
    ("return send_file(os.path.join(UPLOADS, uuid.uuid4().hex + '.' + name.rsplit('.', 1)[-1].lower()))", False),
    ("return send_file(io.BytesIO(name.encode()), download_name='x.txt')", False),  # a buffer is no path
])
def test_an_extension_after_the_last_dot_and_a_buffer_cannot_climb(tmp_path: Path, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _FILES.format(body=body)})
    assert any(f.rule_id == "AS806" and f.severity >= Severity.MEDIUM for f in result.findings) is reported


@pytest.mark.parametrize(("registered", "reported"), [
    ("Exception", True),  # must fire: any exception's text
    ("500", False),  # Flask hands a 500 handler Werkzeug's InternalServerError, whose text is generic (the
    # unhandled exception waits in original_exception: test_as307_error_handlers reports reading that)
    ("404", False),  # must stay quiet: the framework's public text for a client error
    ("HTTPException", False),
])
def test_a_client_error_handler_returns_the_public_text_of_its_status(tmp_path: Path, registered: str,
                                                                      reported: bool) -> None:
    source = ("from flask import Flask, jsonify\nfrom werkzeug.exceptions import HTTPException\napp = Flask(__name__)\n"
              f"@app.errorhandler({registered})\ndef failed(e):\n    return jsonify(error=str(e)), 500\n")
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS307" and f.severity >= Severity.MEDIUM for f in result.findings) is reported


def test_a_credential_for_another_service_stays_medium_though_nothing_reads_it(tmp_path: Path) -> None:
    """A hard-coded secret of another service leaks that account whether or not this code uses it."""
    files = {"keys.py": "STRIPE_SECRET_KEY = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'\nSIGNING_SECRET = 'change-me-x'\n",
             "app.py": "from flask import Flask\napp = Flask(__name__)\n@app.route('/')\ndef index():\n"
                       "    return 'hi'\n"}
    result = audit(tmp_path, files)
    by_line = {f.location.line: f.severity for f in result.findings if f.rule_id == "AS601" and f.location}
    assert by_line.get(1, Severity.LOW) >= Severity.MEDIUM and by_line.get(2) == Severity.LOW


@pytest.mark.parametrize(("target", "reported"), [
    ("request.args['next']", True),  # must fire: the caller names the destination
    ("request.args.get('next', request.url)", True),  # the caller's choice unless absent
    ("request.url", False),  # must stay quiet: the page being served, reloaded
    ("request.path + '?saved=1'", False),
    ("f\"{request.full_path}#top\"", False),
])
def test_a_redirect_to_the_page_being_served_is_no_open_redirect(tmp_path: Path, target: str, reported: bool) -> None:
    source = ("from flask import Flask, redirect, request\napp = Flask(__name__)\n"
              f"@app.route('/p', methods=['GET', 'POST'])\ndef page():\n    return redirect({target})\n")
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS807" and f.severity >= Severity.MEDIUM for f in result.findings) is reported


@pytest.mark.parametrize(("folder", "reported"), [
    ("request.args['dir']", True),  # must fire: the caller picks the directory
    ("app.static_folder + 'uploads'", False),  # must stay quiet: where the application is installed
    ("os.path.join(app.root_path, 'data')", False),
])
def test_the_applications_own_directories_are_the_deployers_not_the_callers(tmp_path: Path, folder: str,
                                                                             reported: bool) -> None:
    source = ("import os\nfrom flask import Flask, request\napp = Flask(__name__)\n"
              f"@app.route('/mk', methods=['POST'])\ndef mk():\n    os.makedirs({folder}, exist_ok=True)\n"
              "    return 'ok'\n")
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS806" and f.severity >= Severity.MEDIUM for f in result.findings) is reported
# --- Guards that raise: the application's own exception refuses the caller as surely as abort(401) ----------------
_RAISING_GUARD = """\
from functools import wraps
from flask import Flask, Blueprint, g, jsonify, request
app = Flask(__name__)
bp = Blueprint("orders", __name__)

class AppError(Exception):
    pass

def authenticate_customer():
    return request.authorization is not None and lookup(request.authorization)

def customer_required(f):
    @wraps(f)
    def wrapper(*args, **kwargs):
        {decorator}
        return f(*args, **kwargs)
    return wrapper

{hook}

@bp.route("/orders/<order_id>/refund", methods=["POST"])
@customer_required
def refund(order_id):
    return jsonify(pay_back(order_id, request.form["amount"]))

@app.route("/credits", methods=["POST"])
def add_credits():
    {inline}
    return jsonify(increment_balance(request.form["user"], request.form["amount"]))

@app.route("/orders")
def list_orders():
    if authenticate_customer():
        return jsonify(orders_of(g.email))
    {fallthrough}
"""
_GUARDED = {"decorator": "if not authenticate_customer():\n"
                         "            raise AppError('customer authentication required')",
            "hook": "", "inline": "if not authenticate_customer():\n        raise AppError('nope')",
            "fallthrough": "raise AppError('Unauthorized')"}
_UNGUARDED = {"decorator": "g.customer = authenticate_customer()", "hook": "",
              "inline": "if not request.form.get('user'):\n        raise AppError('user missing')",
              "fallthrough": "return jsonify(all_orders())"}


_ROUTES = {"@bp.route": "refund", '@app.route("/credits"': "credits", '@app.route("/orders")': "orders"}


@pytest.mark.parametrize(("parts", "reported"), [
    (_UNGUARDED, {"refund", "credits", "orders"}),  # must fire: a decorator that only records, a form check, a list
    (_GUARDED, set()),  # must stay quiet: each refuses the caller by raising the app's own exception
    ({**_UNGUARDED, "hook": "@bp.before_request\ndef customers_only():\n"
                            "    if not authenticate_customer() and not verify_api_key():\n"
                            "        raise AppError('denied')\n"}, {"credits", "orders"}),  # the hook guards bp
])
def test_guards_that_raise_the_apps_own_exception(tmp_path: Path, parts: dict[str, str], reported: set[str]) -> None:
    source = _RAISING_GUARD.format(**parts)
    result = audit(tmp_path, {"app.py": source})
    lines = source.splitlines()
    names = {i + 1: name for i, text in enumerate(lines) for prefix, name in _ROUTES.items() if text.startswith(prefix)}
    found = {f.location.line for f in result.findings if f.rule_id == "AS101" and f.location}
    assert {names.get(line, str(line)) for line in found} == reported


# --- AS501: a CSRF exemption matters only where a forged request rides on the cookie session and acts -------------
_EXEMPT_VIEW = """\
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt

@csrf_exempt
def view(request):
    {body}
"""


@pytest.mark.parametrize(("body", "severity"), [
    # must fire: the signed-in caller's email changes on a forged POST
    ("request.user.email = request.POST['email']\n    request.user.save()\n    return redirect('home')",
     Severity.MEDIUM),
    # must fire: the signed-in caller's request is handed whole to a helper that may act on it
    ("if not request.user.is_authenticated:\n        return redirect('login')\n    return perform_transfer(request)",
     Severity.MEDIUM),
    # must stay quiet (low): it only renders a page for the signed-in caller
    ("if not request.user.is_authenticated:\n        return redirect('login')\n    return render(request, 'p.html')",
     Severity.LOW),
    # must stay quiet (low): no cookie session to ride on, a forged request is no more than a direct one
    ("Event.objects.create(kind=request.POST['kind'])\n    return render(request, 'ok.html')", Severity.LOW),
    # must stay quiet (low): reads the signed-in caller's input, changes nothing, answers only JSON
    ("if not request.user.is_authenticated:\n        return JsonResponse({'error': 'login'}, status=401)\n"
     "    return JsonResponse({'preview': request.POST['template'].upper()})", Severity.LOW),
    # must fire: the input handed to a function of the program, which may act with it
    ("if not request.user.is_authenticated:\n        return JsonResponse({'error': 'login'}, status=401)\n"
     "    code = request.POST['code']\n    return JsonResponse({'ok': run_submitted_code(code)})", Severity.MEDIUM),
    # must fire: the same input rendered as a page (a forged POST reflects script into the victim's session)
    ("if not request.user.is_authenticated:\n        return redirect('login')\n"
     "    return HttpResponse(request.POST['template'])", Severity.MEDIUM),
])
def test_a_csrf_exemption_matters_for_session_views_that_act(tmp_path: Path, body: str, severity: Severity) -> None:
    result = audit(tmp_path, {"views.py": _EXEMPT_VIEW.format(body=body)})
    assert [f.severity for f in result.findings if f.rule_id == "AS501"] == [severity]


@pytest.mark.parametrize(("apps", "severity"), [
    # must fire: a plain Django site whose forms nothing checks any more
    ("'django.contrib.sessions', 'notes'", Severity.HIGH),
    # must stay quiet (low): Django REST framework's session authentication checks CSRF on its own views
    ("'django.contrib.sessions', 'rest_framework', 'notes'", Severity.LOW),
])
def test_django_middleware_without_csrf_in_a_drf_project(tmp_path: Path, apps: str, severity: Severity) -> None:
    settings = (f"INSTALLED_APPS = [{apps}]\nMIDDLEWARE = ['django.contrib.sessions.middleware.SessionMiddleware', "
                "'django.middleware.common.CommonMiddleware']\n")
    result = audit(tmp_path / "project", {"settings.py": settings})
    assert [f.severity for f in result.findings if f.rule_id == "AS501"] == [severity]


_CATALOGUE = """\
from fastapi import APIRouter, Depends, FastAPI
from .deps import current_user
app = FastAPI()
router = APIRouter()

@router.get("/")
def listing(db=Depends(get_db)):
    return db.query(Book).all()

@router.get("/{book_id}")
def one(book_id: int, db=Depends(get_db)):
    return db.query(Book).filter(Book.id == book_id).first()

@app.get("/me")
def me(user=Depends(current_user)):
    return user

app.include_router(router, prefix="/books")
"""
_MODELS = "class Book(Base):\n    id = Column(Integer)\n    owner_id = Column(Integer, ForeignKey('users.id'))\n"


@pytest.mark.parametrize(("listing_open", "severity"), [(False, Severity.HIGH), (True, Severity.LOW)])
def test_a_record_read_by_id_whose_listing_anyone_is_served(tmp_path: Path, listing_open: bool,
                                                            severity: Severity) -> None:
    guarded = 'def listing(db=Depends(get_db), u=Depends(current_user))'
    source = _CATALOGUE if listing_open else _CATALOGUE.replace('def listing(db=Depends(get_db))', guarded)
    result = audit(tmp_path / "project", {"app/main.py": source, "app/models.py": _MODELS,
                                          "app/deps.py": "def current_user():\n    raise HTTPException(401)\n"})
    found = [f.severity for f in result.findings if f.rule_id == "AS101" and f.location
             and f.location.line == 10]
    assert found == [severity]


_NOTES = """\
import sqlite3
from flask import Flask, request, session
app = Flask(__name__)
db = sqlite3.connect('n.db')
@app.post('/login')
def login():
    session['uid'] = 1
    return 'ok'
@app.post('/notes')
def add():
    {body}
    return 'saved'
"""


@pytest.mark.parametrize(("body", "reported"), [
    # must fire: an anonymous caller's note is stored as user 1's
    ("uid = session['uid'] if 'uid' in session else 1\n    db.execute('INSERT INTO notes VALUES (?, ?)', "
     "(uid, request.form['body']))", True),
    # must stay quiet: the session's user is taken before anything is written, so anonymous callers fail first
    ("db.execute('INSERT INTO notes VALUES (?, ?)', (session['uid'], request.form['body']))", False),
    ("owner = session.get('username').lower()\n    db.execute('INSERT INTO notes VALUES (?, ?)', "
     "(owner, request.form['body']))", False),
])
def test_a_handler_that_fails_without_a_signed_in_user(tmp_path: Path, body: str, reported: bool) -> None:
    result = audit(tmp_path / "project", {"app.py": _NOTES.format(body=body)})
    found = [f for f in result.findings if f.rule_id == "AS101" and f.severity >= Severity.MEDIUM]
    assert bool(found) is reported


_BRANCHES = """\
import os
INSTALLED_APPS = ['django.contrib.sessions']
MIDDLEWARE = ['django.middleware.csrf.CsrfViewMiddleware']
if {test}:
    SESSION_COOKIE_SECURE = False
else:
    SESSION_COOKIE_SECURE = True
"""


@pytest.mark.parametrize(("test", "severity"), [
    ("'DEV' in os.environ", Severity.LOW),  # must stay quiet (low): the development branch
    ("os.environ.get('ENV') == 'development'", Severity.LOW),
    ("'PROD' in os.environ", Severity.MEDIUM),  # must fire: the branch production takes
    ("'DEV' not in os.environ", Severity.MEDIUM),  # must fire: a negated test, the body is production's
])
def test_a_cookie_flag_switched_off_in_a_development_branch(tmp_path: Path, test: str, severity: Severity) -> None:
    result = audit(tmp_path / "project", {"settings.py": _BRANCHES.format(test=test)})
    assert [f.severity for f in result.findings if f.rule_id == "AS503"] == [severity]


# --- AS301: DEBUG = True in a base configuration class that the production subclass switches off ------------------
_CONFIG_CLASSES = """\
import os

class BaseConfig:
    DEBUG = True
    NAME = "svc"

class ProductionConfig(BaseConfig):
    {production}

class StagingConfig(ProductionConfig):
    pass

CONFIGS = {{"production": ProductionConfig, "staging": StagingConfig}}
CONFIG = CONFIGS[os.environ.get("APP_ENV", "production")]
"""


@pytest.mark.parametrize(("production", "severity"), [
    ("LOG_LEVEL = 'INFO'", Severity.HIGH),  # must fire: production inherits the debugger
    ("DEBUG = False", Severity.LOW),  # must stay quiet (low): the served production class switches it off
])
def test_debug_in_a_base_class_switched_off_by_production(tmp_path: Path, production: str, severity: Severity) -> None:
    result = audit(tmp_path, {"config.py": _CONFIG_CLASSES.format(production=production)})
    assert [f.severity for f in result.findings if f.rule_id == "AS301"] == [severity]


# --- AS202: a reset confirmation whose body token is a signed, expiring token has nothing to guess -----------------
_RESET_CONFIRM = """\
import jwt
from fastapi import FastAPI
from pydantic import BaseModel
app = FastAPI()

class NewPassword(BaseModel):
    token: str
    new_password: str

def {helper}(token):
    {check}

@app.post("/reset-password/")
def reset_password(body: NewPassword):
    email = {helper}(token=body.token)
    if not email:
        raise ValueError("Invalid token")
    set_password(email, body.new_password)
    return {{"message": "ok"}}
"""


@pytest.mark.parametrize(("helper", "check", "reported"), [
    ("find_reset", "return RESETS.get(token)", True),  # must fire: a stored token looked up as text can be guessed
    ("verify_reset_token", "return jwt.decode(token, KEY, algorithms=['HS256'])['sub']", False),  # signed: quiet
])
def test_a_reset_confirmation_with_a_signed_body_token(tmp_path: Path, helper: str, check: str,
                                                        reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _RESET_CONFIRM.format(helper=helper, check=check)})
    assert any(f.rule_id == "AS202" and f.severity >= Severity.MEDIUM for f in result.findings) is reported


# --- AS601/AS602: a literal named "secret" in a template context is text on a page, not a credential ----------------
@pytest.mark.parametrize(("statement", "reported"), [
    ('app.config.update({"secret": "S3CR37K3Y"})', True),  # must fire: the app's own secret
    ('return render(request, "lab.html", {"secret": "S3CR37K3Y"})', False),  # must stay quiet: shown on the page
    ('return templates.TemplateResponse(request, "lab.html", context={"secret": "S3CR37K3Y"})', False),
    # must stay quiet: nested in an answer's body (a fake configuration a lab shows), still data sent to the client
    ('return jsonify({"config": {"security": {"secret_key": "S3CR37K3Y"}}, "hosts": [{"password": "S3CR37K3Y"}]})',
     False),
    ('app.config.update({"security": {"secret_key": "S3CR37K3Y"}})', True),  # must fire: nested in the app's config
    # must stay quiet: a body built in a local name, then answered
    ('backup = {"config": {"jwt_secret": "S3CR37K3Y"}}\n    return backup', False),
    ('env = dict(os.environ)\n    env["DEBUG_SECRET"] = "S3CR37K3Y"\n    return {"env": env}', False),
    # must fire: a local name the function uses, not answers
    ('conf = {"secret_key": "S3CR37K3Y"}\n    app.config.update(conf)\n    return "ok"', True),
])
def test_a_template_context_is_page_data(tmp_path: Path, statement: str, reported: bool) -> None:
    source = f"from django.shortcuts import render\n\ndef lab(request, app, templates):\n    {statement}\n"
    result = audit(tmp_path, {"views.py": source})
    assert any(f.rule_id in {"AS601", "AS602"} for f in result.findings) is reported


def test_a_reset_request_that_creates_the_token_reads_none(tmp_path: Path) -> None:
    """``user.generate_reset_token()`` makes the token it mails: the step reads no secret from the caller."""
    source = ("from flask import Flask, request, redirect\napp = Flask(__name__)\n"
              "@app.route('/reset', methods=['GET', 'POST'])\ndef password_reset_request():\n"
              "    user = find_user(request.form['email'])\n    if user:\n"
              "        send_email(user.email, token=user.generate_reset_token())\n"
              "    return redirect('/login')\n")
    result = audit(tmp_path, {"app.py": source})
    assert not any(f.rule_id == "AS202" and f.severity >= Severity.MEDIUM for f in result.findings)
# --- Django views are request handlers for the taint analysis; Django settings posture ------------------------
def _proven(result: AuditResult, rule_id: str) -> bool:
    return any(f.rule_id == rule_id and f.extra.get("taint") == "proven" for f in result.findings)


_DJANGO_URLS = """\
from django.urls import path, re_path
from . import views
from .views import Lookup
urlpatterns = [
    path("ping/<{converter}:host>", views.ping),
    re_path(r"^files/(?P<name>{group})$", views.read),
    path("lookup/<str:name>", Lookup.as_view()),
]
"""
_DJANGO_VIEWS = """\
import os
from django.db import connection
from django.views import View
from django.http import HttpResponse

def ping(request, host):
    os.system("ping -c1 " + host)
    return HttpResponse("ok")

def read(request, name):
    with open("/srv/files/" + name) as fh:
        return HttpResponse(fh.read(), content_type="text/plain")

class Lookup(View):
    def get(self, request, name):
        connection.cursor().execute("SELECT * FROM t WHERE name = '%s'" % request.GET["q"])
        return HttpResponse("ok")
"""


@pytest.mark.parametrize(("converter", "group", "reported"), [
    ("str", ".+", True),  # must fire: URL arguments of a view named in urlpatterns are the client's
    ("int", "\\d+", False),  # must stay quiet: the URL pattern only passes digits
])
def test_django_url_arguments_are_request_data_unless_numeric(tmp_path: Path, converter: str, group: str,
                                                              reported: bool) -> None:
    files = {"app/__init__.py": "", "app/urls.py": _DJANGO_URLS.format(converter=converter, group=group),
             "app/views.py": _DJANGO_VIEWS}
    result = audit(tmp_path, files)
    assert _proven(result, "AS802") is reported
    assert _proven(result, "AS806") is reported
    assert _proven(result, "AS801")  # the class-based view's GET parameters, whatever the converters


@pytest.mark.parametrize(("decorator", "reported"), [
    ("@require_POST", True),  # must fire: a Django view decorator marks a view even without a URL configuration
    ("", False),  # must stay quiet: a plain function of a Django module is not proven to get the request
])
def test_django_view_decorators_mark_views(tmp_path: Path, decorator: str, reported: bool) -> None:
    source = ("from django.http import HttpResponse\nfrom django.views.decorators.http import require_POST\n"
              f"{decorator}\ndef calc(req, expr):\n    return HttpResponse(str(eval(expr)))\n")
    result = audit(tmp_path, {"calc.py": source})
    assert _proven(result, "AS803") is reported


@pytest.mark.parametrize(("template", "reported"), [
    ("<p>{{ q|safe }}</p>", True),  # must fire: the template prints the client's value raw
    ("<p>{{ q }}</p>", False),  # must stay quiet: Django templates escape by default
])
def test_django_render_reads_the_context_against_the_template(tmp_path: Path, template: str, reported: bool) -> None:
    files = {"app/__init__.py": "", "app/urls.py": "from django.urls import path\nfrom . import views\n"
             "urlpatterns = [path('s', views.search)]\n",
             "app/views.py": "from django.shortcuts import render\ndef search(request):\n"
             "    return render(request, 's.html', {'q': request.GET.get('q', '')})\n",
             "app/templates/s.html": template}
    result = audit(tmp_path, files)
    assert any(f.rule_id == "AS404" for f in result.findings) is reported


_DJANGO_SETTINGS = """\
INSTALLED_APPS = ["django.contrib.sessions"]
MIDDLEWARE_CLASSES = ["django.contrib.sessions.middleware.SessionMiddleware", {csrf}]
PASSWORD_HASHERS = [{hashers}]
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SESSION_SERIALIZER = "django.contrib.sessions.serializers.{serializer}"
"""


@pytest.mark.parametrize(("name", "csrf", "hashers", "serializer", "reported"), [
    # must fire: MD5 hashes new passwords, sessions are pickles, no CSRF middleware
    ("settings.py", "", '"django.contrib.auth.hashers.MD5PasswordHasher"', "PickleSerializer", True),
    # must stay quiet: a strong first hasher (MD5 only verifies legacy hashes), JSON sessions, CSRF middleware
    ("settings.py", '"django.middleware.csrf.CsrfViewMiddleware"',
     '"django.contrib.auth.hashers.PBKDF2PasswordHasher", "django.contrib.auth.hashers.MD5PasswordHasher"',
     "JSONSerializer", False),
])
def test_django_settings_posture(tmp_path: Path, name: str, csrf: str, hashers: str, serializer: str,
                                 reported: bool) -> None:
    source = _DJANGO_SETTINGS.format(csrf=csrf, hashers=hashers, serializer=serializer)
    found = {f.rule_id for f in audit(tmp_path, {f"proj/{name}": source}).findings}
    assert {"AS501", "AS604", "AS804"} <= found if reported else not ({"AS501", "AS604", "AS804"} & found)


def test_django_test_settings_may_use_a_fast_hasher(tmp_path: Path) -> None:
    """The documented way to speed a test run up: a fast hasher in settings written for the tests."""
    source = _DJANGO_SETTINGS.format(csrf='"django.middleware.csrf.CsrfViewMiddleware"',
                                     hashers='"django.contrib.auth.hashers.MD5PasswordHasher"',
                                     serializer="JSONSerializer")
    assert not any(f.rule_id == "AS604" for f in audit(tmp_path, {"proj/test_settings.py": source}).findings)


@pytest.mark.parametrize(("cookie", "reported"), [
    ("admin", True),  # must fire: Django's raw cookie jar read for a privilege
    ("theme", False),  # must stay quiet: a preference, not identity
])
def test_django_raw_cookie_trusted_for_privilege(tmp_path: Path, cookie: str, reported: bool) -> None:
    source = ("from django.http import HttpResponse\ndef panel(request):\n"
              f"    if request.COOKIES.get('{cookie}') == '1':\n        return HttpResponse('secret')\n"
              "    return HttpResponse('no')\n")
    assert any(f.rule_id == "AS506" for f in audit(tmp_path, {"views.py": source}).findings) is reported


@pytest.mark.parametrize(("expression", "reported"), [
    ('request.form["f"]', True),  # must fire: older Pillow evaluates the expression as Python
    ('"convert(a + b, \'L\')"', False),  # must stay quiet: the program's own expression
])
def test_pillow_image_math_evaluates_its_expression(tmp_path: Path, expression: str, reported: bool) -> None:
    source = ("from flask import Flask, request\nfrom PIL import Image, ImageMath\napp = Flask(__name__)\n"
              "@app.post('/mix')\ndef mix():\n    a = b = Image.new('L', (1, 1))\n"
              f"    ImageMath.eval({expression}, a=a, b=b)\n    return 'ok'\n")
    assert any(f.rule_id == "AS803" and f.severity >= Severity.MEDIUM
               for f in audit(tmp_path, {"app.py": source}).findings) is reported


@pytest.mark.parametrize(("use", "reported"), [
    ("claims = {'user': cookie}", True),  # must fire: the raw cookie taken as the identity
    ("claims = jwt.decode(cookie, KEY, algorithms=['HS256'])", False),  # must stay quiet: a verified signed token
])
def test_an_auth_cookie_the_view_verifies_is_not_trusted_raw(tmp_path: Path, use: str, reported: bool) -> None:
    source = ("import jwt\nfrom django.http import HttpResponse\nKEY = 'k'\ndef panel(request):\n"
              f"    cookie = request.COOKIES['auth_cookie']\n    {use}\n    return HttpResponse(claims['user'])\n")
    assert any(f.rule_id == "AS506" for f in audit(tmp_path, {"views.py": source}).findings) is reported


@pytest.mark.parametrize(("target", "reported"), [
    ("views.show", True),  # must fire: the project package's URL configuration names the app's view
    ("views.index", False),  # must stay quiet: nothing routes a request to show()
])
def test_django_project_urls_name_views_of_a_sibling_app(tmp_path: Path, target: str, reported: bool) -> None:
    files = {"proj/__init__.py": "", "shop/__init__.py": "",
             "proj/urls.py": f"from django.urls import path\nfrom shop import views\n"
                             f"urlpatterns = [path('show/<name>', {target})]\n",
             "shop/views.py": "from django.http import FileResponse, HttpResponse\n"
                              "def index(request):\n    return HttpResponse('hi')\n"
                              "def show(request, name):\n    return FileResponse(open('/srv/docs/' + name, 'rb'))\n"}
    assert _proven(audit(tmp_path, files), "AS806") is reported


def test_a_url_configuration_added_between_two_audits_is_read_by_the_second(tmp_path: Path) -> None:
    """What the auditor remembers of URL configurations and directories lasts one audit: a view named in a
    ``urls.py`` written after the first audit is a request handler in the next."""
    files = {"app/__init__.py": "",
             "app/views.py": "from django.http import HttpResponse\nimport os\ndef run(request, cmd):\n"
                             "    os.system(cmd)\n    return HttpResponse('ok')\n"}
    before = audit(tmp_path, files)
    after = audit(tmp_path, {"app/urls.py": "from django.urls import path\nfrom . import views\n"
                                            "urlpatterns = [path('run/<cmd>', views.run)]\n"})
    # a parameter of a function nothing routes to is of unknown origin; a view's URL argument is the client's
    assert not any(f.rule_id == "AS802" and f.severity >= Severity.HIGH for f in before.findings)
    assert any(f.rule_id == "AS802" and f.severity >= Severity.HIGH for f in after.findings)


@pytest.mark.parametrize(("answer", "reported"), [
    ("HttpResponse('found ' + request.GET['q'])", True),  # must fire: the query written into an HTML body
    ("super().list(request, *args, **kwargs)", False),  # must stay quiet: the viewset's own serialised answer
])
def test_a_class_based_view_answering_through_its_parent_is_not_html(tmp_path: Path, answer: str,
                                                                      reported: bool) -> None:
    source = ("from django.http import HttpResponse\nfrom rest_framework import viewsets\n"
              "class UserViewSet(viewsets.ModelViewSet):\n    def list(self, request, *args, **kwargs):\n"
              "        if request.GET.get('q'):\n            self.search = request.GET['q']\n"
              f"        return {answer}\n")
    files = {"app/__init__.py": "", "app/views.py": source,
             "app/urls.py": "from rest_framework.routers import DefaultRouter\nfrom .views import UserViewSet\n"
                            "router = DefaultRouter()\nrouter.register('users', UserViewSet)\n"
                            "urlpatterns = router.urls\n"}
    assert any(f.rule_id == "AS404" for f in audit(tmp_path, files).findings) is reported


@pytest.mark.parametrize(("caught", "reported"), [
    ("Exception", True),  # must fire: any exception's text, internals included
    ("HttpError", False),  # must stay quiet: the message the code that raised the HTTP error chose
])
def test_a_ninja_http_error_handler_answers_the_raisers_words(tmp_path: Path, caught: str, reported: bool) -> None:
    source = ("from ninja import NinjaAPI\nfrom ninja.errors import HttpError\napi = NinjaAPI()\n"
              f"@api.exception_handler({caught})\ndef on_error(request, exc):\n"
              "    return api.create_response(request, {'detail': str(exc)}, status=400)\n"
              "@api.get('/items/{item_id}')\ndef item(request, item_id: int):\n    return {'id': item_id}\n")
    assert any(f.rule_id == "AS307" for f in audit(tmp_path, {"api.py": source}).findings) is reported


@pytest.mark.parametrize(("value", "reported"), [
    ("'Tr0ub4dor&3'", True),  # must fire: a password written into the code
    ("'required'", False),  # must stay quiet: a help text's word for the field
])
def test_a_help_text_describing_a_password_field_is_no_credential(tmp_path: Path, value: str, reported: bool) -> None:
    source = ("SIGNUP_HELP = {'POST': {'fields': {'username': 'required', "
              f"'password': {value}}}}}}}\n")
    assert (_medium_plus(tmp_path, {"views_info.py": source}, "AS603") >= 1) is reported


@pytest.mark.parametrize(("printed", "reported"), [
    ("{{ name|safe }}", True),  # must fire: the template prints the request's value raw
    ("{{ name }}", False),  # must stay quiet: Django escapes what it prints
])
def test_a_template_loaded_then_rendered_escapes_its_variables(tmp_path: Path, printed: str, reported: bool) -> None:
    files = {"app/__init__.py": "", "app/templates/page.html": f"<p>{printed}</p>\n",
             "app/views.py": "from django.http import HttpResponse\nfrom django.template import loader\n"
                             "def page(request, username):\n    template = loader.get_template('page.html')\n"
                             "    return HttpResponse(template.render({'name': username}, request))\n",
             "app/urls.py": "from django.urls import path\nfrom . import views\n"
                            "urlpatterns = [path('page/<username>', views.page)]\n"}
    assert any(f.rule_id == "AS404" for f in audit(tmp_path, files).findings) is reported


@pytest.mark.parametrize(("answer", "reported"), [
    ("HttpResponse('next: ' + request.GET['next'])", True),  # must fire: a page with the request's text
    ("HttpResponseRedirect(request.GET['next'])", False),  # must stay quiet: a redirect renders no page
])
def test_names_star_imported_from_a_framework_module_are_known(tmp_path: Path, answer: str, reported: bool) -> None:
    files = {"app/__init__.py": "",
             "app/views.py": f"from django.http import *\ndef done(request):\n    return {answer}\n",
             "app/urls.py": "from django.urls import path\nfrom . import views\n"
                            "urlpatterns = [path('done', views.done)]\n"}
    assert any(f.rule_id == "AS404" for f in audit(tmp_path, files).findings) is reported


_SIGN_IN = """from fastapi import FastAPI
from pydantic import BaseModel
import boto3
app = FastAPI()
idp = boto3.client('cognito-idp')
class Creds(BaseModel):
    email: str
    password: str
@app.post('/auth/signin')
def signin(body: Creds):
{check}
    return {{'ok': True}}
"""


@pytest.mark.parametrize(("check", "severe"), [
    # must fire: the application compares the password itself, with no attempt limit
    ("    user = USERS.get(body.email)\n    if not user or user['password'] != body.password:\n"
     "        raise ValueError('bad')", True),
    # must stay quiet (low): Cognito checks it and locks the account after failures
    ("    answer = idp.initiate_auth(\n        ClientId='x', AuthFlow='USER_PASSWORD_AUTH',\n"
     "        AuthParameters={\n            'USERNAME': body.email,\n            'PASSWORD': body.password,\n"
     "        },\n    )\n    if 'AuthenticationResult' not in answer:\n        raise ValueError('bad')", False),
])
def test_a_sign_in_checked_by_a_hosted_identity_provider_is_limited_there(tmp_path: Path, check: str,
                                                                          severe: bool) -> None:
    source = "USERS = {}\n" + _SIGN_IN.format(check=check)
    assert (_medium_plus(tmp_path, {"main.py": source}, "AS202") >= 1) is severe


@pytest.mark.parametrize(("keep", "reported"), [
    ("    save_user(body.email, hash_password(body.password))", True),  # must fire: kept with no policy
    ("    idp.sign_up(ClientId='x', Username=body.email, Password=body.password)", False),  # the pool's policy
])
def test_a_password_handed_to_an_identity_providers_sign_up_is_under_its_policy(tmp_path: Path, keep: str,
                                                                                reported: bool) -> None:
    source = ("def save_user(email, hashed):\n    pass\ndef hash_password(p):\n    return p\n"
              + _SIGN_IN.format(check=keep).replace("'/auth/signin'", "'/auth/signup'").replace("signin", "signup"))
    assert (_medium_plus(tmp_path, {"main.py": source}, "AS610") >= 1) is reported


@pytest.mark.parametrize(("dependencies", "reported"), [
    ("", True),  # must fire: anyone deletes any item
    (", dependencies=[Depends(get_token_header)]", False),  # must stay quiet: a wrong header is refused (400)
])
def test_a_dependency_refusing_a_wrong_credential_header_guards_its_router(tmp_path: Path, dependencies: str,
                                                                           reported: bool) -> None:
    source = ("from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException\n"
              "async def get_token_header(x_token: str = Header()):\n"
              "    if x_token != 'fake-super-secret-token':\n"
              "        raise HTTPException(status_code=400, detail='X-Token header invalid')\n"
              "router = APIRouter()\nITEMS = {}\n"
              "@router.delete('/items/{item_id}')\nasync def delete_item(item_id: str):\n"
              "    ITEMS.pop(item_id, None)\n    return {'deleted': item_id}\n"
              f"app = FastAPI()\napp.include_router(router, prefix='/admin'{dependencies})\n")
    assert (_medium_plus(tmp_path, {"main.py": source}, "AS101") >= 1) is reported


@pytest.mark.parametrize(("printed", "reported"), [
    ("{{ request.args.get('q')|safe }}", True),  # must fire: the template prints the query parameter raw
    ("{{ icon('trash')|safe }}", False),  # must stay quiet: a helper's markup for a literal name
])
def test_a_templates_own_read_of_the_request_is_request_data(tmp_path: Path, printed: str, reported: bool) -> None:
    files = {"app.py": "from flask import Flask, render_template\napp = Flask(__name__)\n"
                       "@app.route('/search')\ndef search():\n    return render_template('search.html')\n",
             "templates/search.html": f"<h2>Searching for: {printed}</h2>\n"}
    assert (_medium_plus(tmp_path, files, "AS402") >= 1) is reported
