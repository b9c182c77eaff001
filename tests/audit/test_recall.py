"""Recall on code written without a web framework's help: request sources and sinks the auditor must see.

Each case is a must-fire / must-stay-quiet pair written from the pattern: the vulnerable form is a proven
(critical) flow, the safe form next to it is not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity

from .helpers import audit


def _critical(result: object, rule_id: str, path: str) -> list[int]:
    findings = getattr(result, "findings")
    return sorted(f.location.line for f in findings if f.rule_id == rule_id and f.location
                  and f.location.path == path and f.severity == Severity.CRITICAL)


_HANDLER = """\
import os, sqlite3
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

class Base(BaseHTTPRequestHandler):
    def reply(self, text):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(text.encode())

class Handler(Base):
    def do_GET(self):
        name = parse_qs(urlparse(self.path).query).get('name', [''])[0]
        rows = sqlite3.connect('x.db').execute({query}).fetchall()
        self.reply(str(rows))

    def do_POST(self):
        host = self.headers.get('X-Host', 'localhost')
        length = int(self.headers['Content-Length'])
        os.system({command})
        eval({code})

HTTPServer(('127.0.0.1', 8000), Handler).serve_forever()
"""


def test_a_standard_library_request_handler_reads_request_data_from_self(tmp_path: Path) -> None:
    """``http.server`` handlers (directly or through a project base class): ``self.path``, ``self.headers`` and
    ``self.rfile`` carry request data into the ``do_*`` methods; bound parameters and literals do not."""
    bad = audit(tmp_path / "bad", {"server.py": _HANDLER.format(
        query="\"SELECT * FROM t WHERE n = '%s'\" % name", command="'ping -c 1 ' + host",
        code="self.rfile.read(length)")})
    good = audit(tmp_path / "good", {"server.py": _HANDLER.format(
        query="'SELECT * FROM t WHERE n = ?', (name,)", command="'ping -c 1 localhost'", code="'1 + 1'")})
    assert _critical(bad, "AS801", "server.py") == [14]
    assert _critical(bad, "AS802", "server.py") == [20]
    assert _critical(bad, "AS803", "server.py") == [21]
    assert not [f for f in good.findings if f.rule_id in {"AS801", "AS802", "AS803"}]


def test_self_of_an_ordinary_class_is_not_a_request(tmp_path: Path) -> None:
    source = ("import os\nclass Job:\n    def __init__(self, path):\n        self.path = path\n"
              "    def do_GET(self):\n        os.system('ls ' + self.path)\n")
    result = audit(tmp_path, {"job.py": source})
    assert not _critical(result, "AS802", "job.py")


_DB = """\
import sqlite3
from sqlalchemy import select

def query_db(query, args=(), one=False):
    cur = sqlite3.connect('app.db').execute(query, args)
    rows = cur.fetchall()
    return (rows[0] if rows else None) if one else rows

def by_name(session, User, name):
    return session.execute(select(User).where(User.name == name)).all()
"""

_VIEWS = """\
from flask import Flask, jsonify, request
{imports}
app = Flask(__name__)

@app.route('/users')
def users():
    name = request.args.get('name', '')
    return jsonify({call})
"""


def test_a_helper_that_runs_the_sql_text_it_is_given_is_a_sink_for_its_callers(tmp_path: Path) -> None:
    """``query_db(sql)`` executes its argument: SQL formatted from request data in the view is injection, reported at
    the view; the same helper with a constant query and bound parameters, and a helper that only puts its argument
    into an ORM construct, are not."""
    imports = "from db import query_db, by_name"
    bad = audit(tmp_path / "bad", {"db.py": _DB, "views.py": _VIEWS.format(
        imports=imports, call="query_db(\"SELECT * FROM u WHERE name = '%s'\" % name)")})
    good = audit(tmp_path / "good", {"db.py": _DB, "views.py": _VIEWS.format(
        imports=imports, call="query_db('SELECT * FROM u WHERE name = ?', (name,))")})
    orm = audit(tmp_path / "orm", {"db.py": _DB, "views.py": _VIEWS.format(
        imports=imports, call="by_name(None, None, name)")})
    assert _critical(bad, "AS801", "views.py") == [8]
    assert not _critical(good, "AS801", "views.py")
    assert not _critical(orm, "AS801", "views.py")


def test_a_sql_helper_imported_relatively_from_the_package_is_followed(tmp_path: Path) -> None:
    """``from . import query_db`` (the helper in the package's ``__init__``) and ``from .db import query_db``."""
    for imports, files in (("from . import query_db", {"app/__init__.py": _DB}),
                           ("from .db import query_db", {"app/__init__.py": "", "app/db.py": _DB})):
        root = tmp_path / imports.split()[1].replace(".", "dot")
        bad = audit(root / "bad", {**files, "app/views.py": _VIEWS.format(
            imports=imports, call="query_db(\"SELECT * FROM u WHERE name = '%s'\" % name)")})
        good = audit(root / "good", {**files, "app/views.py": _VIEWS.format(
            imports=imports, call="query_db('SELECT * FROM u WHERE name = ?', [name])")})
        assert _critical(bad, "AS801", "app/views.py") == [8], imports
        assert not _critical(good, "AS801", "app/views.py"), imports


def test_request_data_in_template_source_is_also_cross_site_scripting(tmp_path: Path) -> None:
    """Text formatted into a template's source reaches the page unescaped as well as the template engine: the
    finding names CWE-79 next to CWE-1336. Passing it as a template variable is neither."""
    view = ("from flask import Flask, request, render_template_string\napp = Flask(__name__)\n"
            "@app.route('/hello')\ndef hello():\n    name = request.args.get('name', '')\n    return {call}\n")
    bad = audit(tmp_path / "bad", {"app.py": view.format(call="render_template_string(f'<p>Hello {name}</p>')")})
    good = audit(tmp_path / "good", {"app.py": view.format(
        call="render_template_string('<p>Hello {{ name }}</p>', name=name)")})
    ssti = [f for f in bad.findings if f.rule_id == "AS403"]
    assert [f.location.line for f in ssti if f.location] == [6]
    assert {1336, 79} <= set(ssti[0].cwe)
    assert not [f for f in good.findings if f.rule_id in {"AS403", "AS404"} and f.severity >= Severity.MEDIUM]


def _missing_auth(result: object) -> dict[int, str]:
    findings = getattr(result, "findings")
    return {f.location.line: f.severity.label for f in findings if f.rule_id == "AS101" and f.location
            and f.severity >= Severity.MEDIUM}


_PAGES = """\
from flask import Flask, abort, render_template, session, request
app = Flask(__name__)
CONFIG = {'app_name': 'Shop'}
messages = []

@app.route('/admin', methods=['POST'])
def admin():
    if not session.get('admin'): abort(401)
    return ''

@app.route('/glossary', methods=['GET', 'POST'])
def glossary():
    return render_template('about.html')

@app.route('/menu')
def menu():
    return "<h1>" + CONFIG['app_name'] + "</h1><a href='/about'>about</a>"

@app.route('/messages', methods=['GET', 'POST'])
def all_messages():
    return f"<ul>{messages}</ul>"

@app.route('/notes', methods=['GET', 'POST'])
def notes():
    messages.append(request.form['note'])
    return render_template('about.html')
"""


def test_a_handler_that_only_returns_a_fixed_page_is_public_whatever_its_methods(tmp_path: Path) -> None:
    """A handler with one ``return`` of a fixed template, or of text made of literals and module constants, exposes
    nothing (even when the route also takes POST) and is not listed; one returning module data, or one that writes,
    is listed (at low: nothing marks it as needing a login)."""
    findings = audit(tmp_path, {"app.py": _PAGES}).findings
    listed = {f.location.line for f in findings if f.rule_id == "AS101" and f.location}
    assert 11 not in listed and 15 not in listed
    assert {19, 23} <= listed


_FASTAPI = """\
from fastapi import APIRouter, Depends, FastAPI
from app_auth import current_user
app = FastAPI()
router = APIRouter()
inbox = []

@router.post('/contact', tags={tags})
def contact(message: str):
    inbox.append(message)
    return {{'ok': True}}

@router.get('/admin/messages', tags=['Admin'])
def read_messages(user=Depends(current_user)):
    return inbox

app.include_router(router)
"""


def test_a_fastapi_route_tagged_public_is_public_by_decision(tmp_path: Path) -> None:
    auth = "from fastapi import HTTPException\ndef current_user(token: str = ''):\n    raise HTTPException(401)\n"
    public = audit(tmp_path / "public", {"main.py": _FASTAPI.format(tags="['Public']"), "app_auth.py": auth})
    other = audit(tmp_path / "other", {"main.py": _FASTAPI.format(tags="['Contact']"), "app_auth.py": auth})
    assert 7 not in _missing_auth(public)
    assert 7 in _missing_auth(other)


_CSRF = """\
from flask import Flask, g, request, session
app = Flask(__name__)

@app.route('/login', methods=['POST'])
def login():
    session['user'] = request.form['user']
    return 'ok'

@app.route('/transfer', methods=['POST'])
def transfer():
    return 'sent %s from %s' % (request.form['amount'], session['user'])

@app.route('/calculate', methods=['POST'])
def calculate():
    return str(int(request.form['a']) + int(request.form['b']))

@app.route('/password', methods=['POST'])
def password():
    return 'changed for %s to %s' % (g.session['username'], request.form['password'])
"""


def test_csrf_is_reported_where_a_forged_request_acts_as_the_caller(tmp_path: Path) -> None:
    """In an app with cookie sessions and no CSRF protection: a form post that reads the session (Flask's, or one a
    hook loaded into ``g``) and the login form, which sets it, are reported; one that uses no session or cookie
    gains an attacker nothing."""
    found = {f.location.line for f in audit(tmp_path, {"app.py": _CSRF}).findings
             if f.rule_id == "AS502" and f.location}
    assert found == {4, 9, 17}


def test_names_imported_from_a_librarys_internal_module_are_the_public_ones(tmp_path: Path) -> None:
    """``from flask.templating import render_template_string`` is Flask's ``render_template_string``."""
    view = ("from flask import Flask, request\nfrom flask.templating import {name}\napp = Flask(__name__)\n"
            "@app.route('/hello')\ndef hello():\n    who = request.args.get('who', '')\n    return {call}\n")
    bad = audit(tmp_path / "bad", {"app.py": view.format(
        name="render_template_string", call="render_template_string('<p>Hello ' + who + '</p>')")})
    good = audit(tmp_path / "good", {"app.py": view.format(
        name="render_template", call="render_template('hello.html', who=who)")})
    assert [f.location.line for f in bad.findings if f.rule_id == "AS403" and f.location] == [7]
    assert not [f for f in good.findings if f.rule_id == "AS403"]


def test_a_flask_wtf_form_validated_in_the_handler_is_csrf_protection(tmp_path: Path) -> None:
    """``form.validate_on_submit()`` checks a FlaskForm's CSRF token; a form read by hand is not protected."""
    head = "\n".join([
        "from flask import Flask, request, session", "from flask_wtf import FlaskForm",
        "from wtforms import StringField", "app = Flask(__name__)",
        "class NoteForm(FlaskForm):", "    text = StringField('text')",
        "@app.route('/notes', methods=['POST'])", "def add_note():", "    user = session['user']", ""])
    reply = "{'user': user, 'text': request.form['text']}"
    good = audit(tmp_path / "good", {"app.py": head + "    form = NoteForm()\n    if form.validate_on_submit():\n"
                                     f"        return {reply}\n    return {{}}, 400\n"})
    bad = audit(tmp_path / "bad", {"app.py": head + f"    return {reply}\n"})
    assert [f for f in bad.findings if f.rule_id == "AS502"]
    assert not [f for f in good.findings if f.rule_id == "AS502"]


def test_a_session_cookie_set_to_samesite_none_is_medium(tmp_path: Path) -> None:
    """Setting SameSite to None for the session cookie (config key or ``set_cookie(samesite='None')``) sends it on
    every cross-site request: medium; ``'Lax'`` is quiet, and leaving it out stays low."""
    def medium(files: dict[str, str], sub: str) -> list[int]:
        result = audit(tmp_path / sub, files)
        return sorted(f.location.line for f in result.findings
                      if f.rule_id == "AS505" and f.location and f.severity >= Severity.MEDIUM)

    app = "from flask import Flask\napp = Flask(__name__)\napp.config['SESSION_COOKIE_SAMESITE'] = {value}\n"
    assert medium({"app.py": app.format(value="None")}, "none") == [3]
    assert medium({"app.py": app.format(value="'None'")}, "none_text") == [3]
    assert medium({"app.py": app.format(value="'Lax'")}, "lax") == []
    view = ("from flask import Flask, make_response, request\napp = Flask(__name__)\n"
            "@app.route('/in', methods=['POST'])\ndef login():\n    r = make_response('ok')\n"
            "    r.set_cookie('sid', new_sid(), secure=True, httponly=True{samesite})\n    return r\n"
            "@app.route('/me')\ndef me():\n    return lookup(request.cookies.get('sid'))\n")
    assert medium({"app.py": view.format(samesite=", samesite='None'")}, "call_none") == [6]
    assert medium({"app.py": view.format(samesite="")}, "call_missing") == []


_PROMOTE = """\
from flask import Flask, abort
from flask_login import current_user, login_required
app = Flask(__name__)

@app.route('/admin/promote/<int:uid>', methods=['POST'])
@login_required
def promote(uid):
{check}    return make_user_admin(find_user(uid))
"""


def test_calling_a_function_named_for_admins_is_not_a_role_check(tmp_path: Path) -> None:
    """A privileged route that only *calls* ``make_user_admin(...)`` decides on no role (AS103); one whose body
    tests the caller's role before acting does."""
    bad = audit(tmp_path / "bad", {"app.py": _PROMOTE.format(check="")})
    good = audit(tmp_path / "good", {"app.py": _PROMOTE.format(
        check="    if current_user.role != 'admin':\n        abort(403)\n")})
    assert [f.location.line for f in bad.findings if f.rule_id == "AS103" and f.location] == [5]
    assert not [f for f in good.findings if f.rule_id == "AS103"]


_CSP = """\
from flask import Flask
app = Flask(__name__)

@app.after_request
def headers(response):
    response.headers['Content-Security-Policy'] = {policy}
    return response
"""


def test_a_content_security_policy_allowing_inline_script_is_reported(tmp_path: Path) -> None:
    """A CSP whose script sources allow 'unsafe-inline' (without a nonce) or 'unsafe-eval' stops no injected
    script (AS311, medium); a strict one, or 'unsafe-inline' only for styles, is quiet."""
    def lines(policy: str, sub: str) -> list[int]:
        result = audit(tmp_path / sub, {"app.py": _CSP.format(policy=policy)})
        return [f.location.line for f in result.findings if f.rule_id == "AS311" and f.location
                and f.severity >= Severity.MEDIUM]

    assert lines("\"script-src 'self' 'unsafe-inline'\"", "inline") == [6]
    assert lines("\"default-src 'self' 'unsafe-eval'\"", "eval") == [6]
    assert lines("\"default-src 'self'; style-src 'self' 'unsafe-inline'\"", "style") == []
    assert lines("\"script-src 'self' 'nonce-abc' 'unsafe-inline'\"", "nonce") == []


_MORSELS = """\
import http.cookies
from http.server import BaseHTTPRequestHandler

class Handler(BaseHTTPRequestHandler):
    jar = http.cookies.SimpleCookie()

    def do_GET(self):
        self.jar['sid'] = new_session_id()
        for morsel in self.jar.values():
            morsel['path'] = '/'
{flags}            self.send_header('Set-Cookie', morsel.OutputString())
        self.end_headers()
"""


def test_standard_library_cookie_morsels_sent_without_secure_are_reported(tmp_path: Path) -> None:
    """An ``http.cookies`` morsel sent in a Set-Cookie header carries only the flags set on it: without
    ``['secure']`` it is AS503 (medium); with Secure and HttpOnly set it is quiet."""
    bad = audit(tmp_path / "bad", {"server.py": _MORSELS.format(flags="")})
    good = audit(tmp_path / "good", {"server.py": _MORSELS.format(
        flags="            morsel['secure'] = True\n            morsel['httponly'] = True\n")})
    assert [f.location.line for f in bad.findings if f.rule_id == "AS503" and f.location
            and f.severity >= Severity.MEDIUM] == [11]
    assert not [f for f in good.findings if f.rule_id in {"AS503", "AS504"}]


_ORDERS = """\
from fastapi import APIRouter, Depends, HTTPException
from .deps import get_current_user, get_db
from .store import get_record
router = APIRouter()

@router.{verb}('/{kind}/{{record_id}}')
def handle(record_id: int, db=Depends(get_db), current_user=Depends(get_current_user)):
    record = get_record(db, record_id=record_id)
    if record is None:
        raise HTTPException(status_code=404, detail='not found')
{check}    return record
"""
_STORE = "def get_record(db: Session, record_id):\n    return db.query(Record).filter(Record.id == record_id).first()\n"


def _bola(tmp_path: Path, sub: str, verb: str, kind: str, check: str = "") -> list[int]:
    result = audit(tmp_path / sub, {"api/__init__.py": "", "api/deps.py": "def get_current_user(): ...\n"
                                    "def get_db(): ...\n", "api/store.py": _STORE,
                                    "api/views.py": _ORDERS.format(verb=verb, kind=kind, check=check)})
    return [f.location.line for f in result.findings if f.rule_id == "AS102" and f.location
            and f.severity >= Severity.MEDIUM]


def test_knowing_the_caller_is_not_checking_ownership(tmp_path: Path) -> None:
    """A ``current_user`` dependency, a 404 for a missing object and a ``db: Session`` helper parameter compare
    nothing with the caller: an authenticated write by id is AS102 (medium); comparing the owner is quiet."""
    assert _bola(tmp_path, "bad", "patch", "notes") == [6]
    assert _bola(tmp_path, "good", "patch", "notes", "    if record.owner_id != current_user.id:\n"
                 "        raise HTTPException(status_code=404)\n") == []


def test_reading_a_record_owned_by_one_customer_by_id_is_medium(tmp_path: Path) -> None:
    """Reading another customer's order by id is the leak itself (medium); reading an article by id is often the
    design (low)."""
    assert _bola(tmp_path, "orders", "get", "orders") == [6]
    assert _bola(tmp_path, "articles", "get", "articles") == []


_EXPIRY = """\
from datetime import datetime, timedelta
import jwt
EXPIRE_MINUTES = {minutes}

def issue(claims, key):
    payload = dict(claims)
    if EXPIRE_MINUTES > 0:
        payload.update({{'exp': datetime.utcnow() + timedelta(minutes=EXPIRE_MINUTES)}})
    return jwt.encode(payload, key, algorithm='HS256')
"""


def test_a_lifetime_constant_that_switches_expiry_off_is_reported(tmp_path: Path) -> None:
    """``EXPIRE_MINUTES = 0`` with ``exp`` added only ``if EXPIRE_MINUTES > 0`` issues tokens that never expire
    (AS507 at the constant); a positive lifetime is quiet."""
    bad = audit(tmp_path / "bad", {"tokens.py": _EXPIRY.format(minutes=0)})
    good = audit(tmp_path / "good", {"tokens.py": _EXPIRY.format(minutes=15)})
    assert [f.location.line for f in bad.findings if f.rule_id == "AS507" and f.location] == [3]
    assert not [f for f in good.findings if f.rule_id == "AS507"]


_INTERNAL = """\
from flask import Flask, abort, request
app = Flask(__name__)

@app.route('/internal/stats')
def stats():
    ip = {source}
    if ip not in ('127.0.0.1', '::1'):
        abort(403)
    return {{'revenue': 1}}
"""


def test_an_access_check_on_a_client_set_ip_header_is_reported(tmp_path: Path) -> None:
    """An 'internal only' check on X-Forwarded-For (or Flask's ``access_route``) lets anyone in (AS108); the same
    check on the connection's address is quiet."""
    def lines(source: str, sub: str) -> list[int]:
        result = audit(tmp_path / sub, {"app.py": _INTERNAL.format(source=source)})
        return [f.location.line for f in result.findings if f.rule_id == "AS108" and f.location]

    assert lines("request.headers.get('X-Forwarded-For', request.remote_addr)", "xff") == [7]
    assert lines("request.access_route[0]", "route") == [7]
    assert lines("request.remote_addr", "remote") == []


@pytest.mark.parametrize(("line", "reported"), [
    ("ctx.options &= ~ssl.OP_NO_SSLv3", True),
    ("ctx.options &= ~(ssl.OP_NO_TLSv1 | ssl.OP_NO_COMPRESSION)", True),
    ("ctx.minimum_version = ssl.TLSVersion.TLSv1", True),
    ("ctx.options |= ssl.OP_NO_COMPRESSION", False),
    ("ctx.minimum_version = ssl.TLSVersion.TLSv1_2", False),
])
def test_tls_weakened_by_hand_is_reported(tmp_path: Path, line: str, reported: bool) -> None:
    """Clearing a safety option or allowing SSL 3 / TLS 1.0–1.1 is AS312; adding options or a TLS 1.2 floor is
    quiet."""
    source = f"import ssl\nctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n{line}\n"
    result = audit(tmp_path, {"server.py": source})
    assert [f.location.line for f in result.findings if f.rule_id == "AS312" and f.location] == ([3] if reported
                                                                                                 else [])


_HELPER = """\
import sqlite3

def search(conn, {param}):
    term = {param}.{attr}.get('q', '')
    return conn.execute("SELECT * FROM items WHERE name = '%s'" % term).fetchall()
"""


@pytest.mark.parametrize(("param", "attr", "proven"), [
    ("request", "args", True), ("req", "args", True), ("handler", "params", True),
    ("options", "args", False), ("handler", "settings", False),
])
def test_the_request_passed_into_a_helper_is_a_source(tmp_path: Path, param: str, attr: str, proven: bool) -> None:
    """A helper's un-annotated ``request``/``req`` parameter is the request being served, and a ``handler``
    parameter a standard-library request handler (its ``params``, ``path``, ``headers``…): request data read from
    them into SQL is a proven flow (critical); other parameters and attributes stay unproven."""
    result = audit(tmp_path, {"search.py": _HELPER.format(param=param, attr=attr)})
    assert bool(_critical(result, "AS801", "search.py")) is proven


def _sink_only(result: object, rule_id: str) -> list[int]:
    findings = getattr(result, "findings")
    return sorted(f.location.line for f in findings if f.rule_id == rule_id and f.location
                  and f.severity >= Severity.MEDIUM)


@pytest.mark.parametrize(("body", "rule_id", "reported"), [
    ("    return requests.get(options.get('url'), timeout=5).text", "AS805", True),
    ("    return redirect(options.get('next'))", "AS807", True),
    # the program's own layout: a name composed under a fixed folder, a path built from __file__
    ("    return open(ROOT + '/pages/' + options.get('page') + '.html').read()", "AS806", False),
    ("    return open(os.path.join(os.path.dirname(__file__), 'data.json')).read()", "AS806", False),
    # the function's own argument as given: its callers' flows are followed into it
    ("    return open(options).read()", "AS806", False),
    # a host allow-list check against a module constant proves the target
    ("    url = options.get('url')\n    if urlparse(url).netloc == ALLOWED_HOST:\n"
     "        return requests.get(url, timeout=5).text", "AS805", False),
])
def test_a_whole_value_of_unknown_origin_reaching_a_path_url_or_redirect_is_worth_reading(
        tmp_path: Path, body: str, rule_id: str, reported: bool) -> None:
    """A value of unknown origin that *is* the whole path, outbound URL or redirect target (a handler reached by
    dynamic dispatch, a helper given its input) is medium with low confidence; one composed under a fixed folder,
    derived from ``__file__`` or checked against an allowed host is not."""
    source = ("import os\nimport requests\nfrom urllib.parse import urlparse\nfrom bottle import redirect\n"
              f"ROOT = '/srv'\nALLOWED_HOST = 'api.example.net'\n\ndef act(options):\n{body}\n")
    result = audit(tmp_path, {"actions.py": source})
    assert bool(_sink_only(result, rule_id)) is reported


def test_a_scheme_check_does_not_prove_where_a_url_goes(tmp_path: Path) -> None:
    """``scheme in ('http', 'https')`` leaves the host open: the redirect of request data stays reported; a host
    compared with the allowed one is quiet."""
    view = ("from flask import Flask, request, redirect\nfrom urllib.parse import urlparse\napp = Flask(__name__)\n"
            "ALLOWED_HOST = 'app.example.net'\n@app.route('/go')\ndef go():\n    url = request.args['next']\n"
            "    if {test}:\n        return redirect(url)\n    return 'no'\n")
    bad = audit(tmp_path / "bad", {"app.py": view.format(test="urlparse(url).scheme in ('http', 'https')")})
    good = audit(tmp_path / "good", {"app.py": view.format(test="urlparse(url).netloc == ALLOWED_HOST")})
    assert _sink_only(bad, "AS807") == [9]
    assert _sink_only(good, "AS807") == []


def _listed(result: object, rule_id: str) -> list[tuple[int, Severity]]:
    return sorted((f.location.line, f.severity) for f in getattr(result, "findings")
                  if f.rule_id == rule_id and f.location)


def test_a_whole_path_of_unknown_origin_is_listed_low_and_a_proven_one_medium(tmp_path: Path) -> None:
    """A file path of unknown origin is everyday code (a configured folder, a name the server drew, a stored row):
    it is listed at low for reading; request data proven to reach the path is medium."""
    unknown = audit(tmp_path / "unknown", {"actions.py": "from bottle import request\ndef act(options):\n"
                                                         "    return open(options.get('path')).read()\n"})
    proven = audit(tmp_path / "proven", {"app.py": "from bottle import route, request\n@route('/f')\ndef f():\n"
                                                     "    return open(request.query.get('path')).read()\n"})
    assert _listed(unknown, "AS806") == [(3, Severity.LOW)]
    assert _sink_only(proven, "AS806") == [4]


def test_a_command_line_tool_opening_the_paths_it_is_given_is_not_a_finding(tmp_path: Path) -> None:
    """The same whole value of unknown origin reaching ``open`` is listed in a web application's module and not at
    all in a command-line tool (no web framework): there the user names the paths."""
    body = "def act(options):\n    return open(options.get('path')).read()\n"
    web = audit(tmp_path / "web", {"actions.py": "from bottle import request\n" + body})
    cli = audit(tmp_path / "cli", {"actions.py": "import argparse\n" + body})
    assert [line for line, _ in _listed(web, "AS806")] == [3]
    assert _listed(cli, "AS806") == []


_GRAPHENE = """\
import graphene, sqlite3

class Query(graphene.ObjectType):
    user = graphene.Field(graphene.String, name=graphene.String())

    def {name}(self, info, name):
        return sqlite3.connect('x.db').execute({query}).fetchone()
"""
_ARIADNE = """\
import sqlite3
from ariadne import QueryType
query = QueryType()

@query.field('user')
def find_user(obj, info, name):
    return sqlite3.connect('x.db').execute({query}).fetchone()
"""
_STRAWBERRY = """\
import sqlite3, strawberry

@strawberry.type
class Query:
    @strawberry.field
    def user(self, info, name: str) -> str:
        return sqlite3.connect('x.db').execute({query}).fetchone()
"""
_AIOHTTP = """\
import sqlite3
from aiohttp import web

async def user(request):
    name = request.match_info['name']
    return web.json_response(sqlite3.connect('x.db').execute({query}).fetchone())
"""
_INJECTED = "\"SELECT * FROM users WHERE name = '%s'\" % name"
_BOUND = "'SELECT * FROM users WHERE name = ?', (name,)"


@pytest.mark.parametrize(("template", "extra"), [
    (_GRAPHENE, {"name": "resolve_user"}), (_ARIADNE, {}), (_STRAWBERRY, {}), (_AIOHTTP, {}),
])
def test_graphql_resolver_arguments_and_aiohttp_requests_are_sources(tmp_path: Path, template: str,
                                                                     extra: dict[str, str]) -> None:
    """GraphQL resolver arguments (graphene ``resolve_*``/``mutate``, ariadne ``@query.field``, strawberry fields;
    not the parent object or ``info``) and aiohttp's ``request.match_info`` are the client's: formatted into SQL
    they are a proven flow; bound as a parameter they are not."""
    bad = audit(tmp_path / "bad", {"schema.py": template.format(query=_INJECTED, **extra)})
    good = audit(tmp_path / "good", {"schema.py": template.format(query=_BOUND, **extra)})
    assert _critical(bad, "AS801", "schema.py")
    assert not _critical(good, "AS801", "schema.py")


_EXC_PAGE = """\
from flask import Flask, request
app = Flask(__name__)

@app.route('/count')
def count():
    raw = request.args.get('n', '0')
    try:
        n = int({value})
    except ValueError as e:
        return '<p>' + str(e) + '</p>'
    return str(n * 2)
"""


def test_exception_text_quoting_request_data_is_request_data(tmp_path: Path) -> None:
    """``int(raw)`` fails with ``invalid literal for int(): '<script>…'``: an exception raised while handling request
    data quotes it, so writing its text into a page is reflected HTML (AS404); one raised on the server's own
    constant is not."""
    def lines(value: str, sub: str) -> list[int]:
        result = audit(tmp_path / sub, {"app.py": _EXC_PAGE.format(value=value)})
        return [f.location.line for f in result.findings if f.rule_id == "AS404" and f.location]

    assert lines("raw", "bad") == [10]
    assert lines("'12'", "good") == []
