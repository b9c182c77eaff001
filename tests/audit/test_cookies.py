"""Cookie flag rules AS503 (Secure), AS504 (HttpOnly), AS505 (SameSite): one finding per missing flag."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.audit.helpers import audit
from tests.audit.taint_cases.support import ids, run

FLASK = "from flask import Flask, make_response\napp = Flask(__name__)\n@app.route('/')\ndef i():\n" \
        "    r = make_response('x')\n"


def test_missing_flags_are_separate_findings() -> None:
    found = ids(FLASK + "    r.set_cookie('sid', 'v')\n    return r\n")
    assert [i for i in found if i in {"AS503", "AS504", "AS505"}] == ["AS503", "AS504", "AS505"]
    cwes = {f.rule_id: f.cwe for f in run(FLASK + "    r.set_cookie('sid', 'v')\n    return r\n")}
    assert cwes["AS503"] == (614,) and cwes["AS504"] == (1004,) and cwes["AS505"] == (1275,)


def test_all_flags_set_is_clean() -> None:
    src = FLASK + "    r.set_cookie('sid', 'v', secure=True, httponly=True, samesite='Lax')\n    return r\n"
    assert not {"AS503", "AS504", "AS505"} & set(ids(src))


def test_explicit_false_and_samesite_none() -> None:
    src = FLASK + "    r.set_cookie('sid', 'v', secure=False, httponly=True, samesite=None)\n    return r\n"
    assert {"AS503", "AS505"} <= set(ids(src)) and "AS504" not in ids(src)


def test_deletion_and_kwargs_are_not_reported() -> None:
    src = FLASK + "    r.set_cookie('sid', '', max_age=0)\n    r.set_cookie('a', 'b', **OPTS)\n    return r\n"
    assert not {"AS503", "AS504", "AS505"} & set(ids(src))


def test_a_cookie_emptied_at_sign_out_holds_nothing_to_protect() -> None:
    emptied = FLASK + "    r.set_cookie('user', '')\n    return r\n"  # must stay quiet: the value is gone
    assert not {"AS503", "AS504", "AS505"} & set(ids(emptied))
    kept = FLASK + "    r.set_cookie('user', encrypt(name))\n    return r\n"  # must fire: it carries the identity
    assert {"AS503", "AS504", "AS505"} <= set(ids(kept))


def test_session_config() -> None:
    src = "from flask import Flask\napp = Flask(__name__)\napp.config['SESSION_COOKIE_SECURE'] = False\n" \
          "app.config.update(SESSION_COOKIE_HTTPONLY=False, SESSION_COOKIE_SAMESITE=None)\n"
    assert {"AS503", "AS504", "AS505"} <= set(ids(src))
    ok = "from flask import Flask\napp = Flask(__name__)\napp.config.update(SESSION_COOKIE_SECURE=True, " \
         "SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE='Lax')\n"
    assert not {"AS503", "AS504", "AS505"} & set(ids(ok))


def test_cherrypy_morsels_and_tools() -> None:
    src = (
        "import cherrypy\nclass R:\n    @cherrypy.expose\n    def index(self):\n"
        "        cherrypy.response.cookie['sid'] = 'v'\n        cherrypy.response.cookie['sid']['httponly'] = True\n"
        "        return 'x'\n"
        "conf = {'/': {'tools.sessions.on': True, 'tools.sessions.secure': False, 'tools.sessions.httponly': True}}\n"
    )
    found = ids(src)
    assert found.count("AS503") == 2  # the morsel and the sessions tool
    assert "AS504" not in found
    assert "AS505" in found
    good = (
        "import cherrypy\nclass R:\n    @cherrypy.expose\n    def index(self):\n"
        "        c = cherrypy.response.cookie\n"
        "        cherrypy.response.cookie['sid'] = 'v'\n        cherrypy.response.cookie['sid']['secure'] = True\n"
        "        cherrypy.response.cookie['sid']['httponly'] = True\n"
        "        cherrypy.response.cookie['sid']['samesite'] = 'Strict'\n        return 'x'\n"
    )
    assert not {"AS503", "AS504", "AS505"} & set(ids(good))


def test_bottle_and_starlette_set_cookie() -> None:
    src = "from bottle import response\ndef h():\n    response.set_cookie('a', 'b', secret='s', httponly=True)\n"
    assert "AS503" in ids(src) and "AS504" not in ids(src)


def test_starlette_samesite_defaults_to_lax() -> None:
    src = ("from fastapi import FastAPI, Response\napp = FastAPI()\n@app.get('/')\ndef i(response: Response):\n"
           "    response.set_cookie('sid', 'v', secure=True, httponly=True)\n    return {}\n")
    assert not {"AS503", "AS504", "AS505"} & set(ids(src))
    none = src.replace("httponly=True)", "httponly=True, samesite=None)")
    assert "AS505" in ids(none)



def test_cherrypy_session_flags_left_at_their_defaults() -> None:
    """CherryPy's sessions tool defaults ``secure`` and ``httponly`` to off: sessions switched on without them
    send a session cookie in clear and readable by scripts."""
    def flags(conf: str) -> set[str]:
        src = ("import cherrypy\nclass Shop:\n    @cherrypy.expose\n    def index(self):\n"
               "        return str(cherrypy.session.get('user'))\n"
               f"cherrypy.quickstart(Shop(), '/', {{'/': {conf}}})\n")
        return {i for i in ids(src) if i in {"AS503", "AS504"}}

    assert flags("{'tools.sessions.on': True}") == {"AS503", "AS504"}  # must fire
    assert flags("{'tools.sessions.on': True, 'tools.sessions.httponly': True, 'tools.sessions.secure': True}") == set()
    assert flags("{'tools.sessions.on': True, 'tools.sessions.httponly': True}") == {"AS503"}
    assert flags("{'tools.staticdir.on': True}") == set()  # must stay quiet: no sessions


def test_cherrypy_session_defaults_matter_only_where_the_session_is_read() -> None:
    """A project that switches sessions on and never reads ``cherrypy.session`` hands out a cookie for an empty
    session: the flags left at their defaults stay, low."""
    def severities(body: str) -> set[str]:
        src = ("import cherrypy\nclass Shop:\n    @cherrypy.expose\n    def index(self):\n"
               f"        {body}\n"
               "cherrypy.quickstart(Shop(), '/', {'/': {'tools.sessions.on': True}})\n")
        with tempfile.TemporaryDirectory() as root:
            result = audit(Path(root), {"server.py": src})
        return {f.severity.name for f in result.findings if f.rule_id in {"AS503", "AS504"}}

    assert severities("return str(cherrypy.session.get('user'))") == {"MEDIUM"}  # must fire: the session is used
    assert severities("return 'hello'") == {"LOW"}  # must stay low: nothing reads it
