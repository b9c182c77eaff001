"""DELIBERATELY VULNERABLE Task API (CherryPy twin) -- a teaching target for `apishield audit` and `probe`.

Every weakness here is planted on purpose and listed in weaknesses.json next to this file (markers
``# planted: Vnn`` sit on the lines). Never deploy this. It refuses any host but loopback; the code sinks
(eval, os.system, pickle) are fenced by helpers that keep them harmless on a developer machine while the
request data still flows into them, so the auditor has a case.

Run: python examples/vulnerable/cherrypy_twin/app.py --port 8081   (CherryPy's own server, 127.0.0.1)
"""

import base64
import hashlib
import hmac
import ipaddress
import json
import os
import pickle
import pickletools
import re
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import cherrypy
from jinja2 import Environment
from markupsafe import Markup

HERE = Path(__file__).resolve().parent
SPEC = HERE.parent / "openapi.json"
FILES_DIR = HERE.parent / "files"
DB_PATH = os.environ.get("TWIN_DB", os.path.join(tempfile.gettempdir(), "apishield-twin-cherrypy.db"))
SECRET_KEY = "secret"  # planted: V08
TASK_PAGE = Environment(autoescape=True).from_string(
    "<html><body><h1>{{ title }}</h1><p>{{ description }}</p></body></html>")


def db():
    conn = sqlite3.connect(DB_PATH, timeout=10)
    conn.row_factory = sqlite3.Row
    return conn


def new_user(**fields):
    """A user record from whatever fields the client sent (the defaults are overridden by them)."""
    return {"email": "", "admin": 0, **fields}


def init_db():
    with db() as conn:
        conn.executescript(
            "CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, username TEXT UNIQUE, email TEXT,"
            " password_hash TEXT, admin INTEGER DEFAULT 0);"
            "CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY, owner_id INTEGER, title TEXT,"
            " description TEXT DEFAULT '');"
        )


def body_json():
    raw = cherrypy.request.body.read() if cherrypy.request.body else b""
    return json.loads(raw or b"{}")


def fail(status, message):
    cherrypy.response.status = status
    return {"error": message}


# --- hand-rolled tokens: HS256 with a guessable key, and `alg: none` accepted -----------------------
def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_token(user):
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps({"sub": str(user["id"]), "name": user["username"], "admin": bool(user["admin"]),
                               "iat": int(time.time())}).encode())
    sig = hmac.new(SECRET_KEY.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(sig)}"


def read_token(token):
    try:
        header_b64, payload_b64, sig_b64 = token.split(".")
        header = json.loads(_unb64(header_b64))
        payload = json.loads(_unb64(payload_b64))
    except (ValueError, TypeError):
        return None
    if str(header.get("alg", "")).lower() == "none":  # planted: V09
        return payload
    expected = hmac.new(SECRET_KEY.encode(), f"{header_b64}.{payload_b64}".encode(), hashlib.sha256).digest()
    if _b64(expected) == sig_b64:
        return payload
    return None


def current_user():
    auth = cherrypy.request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        claims = read_token(auth[7:])
        if claims:
            return {"id": int(claims["sub"]), "admin": bool(claims.get("admin"))}
    morsel = cherrypy.request.cookie.get("user_id")  # planted: V16
    if morsel is not None and morsel.value:
        return {"id": int(morsel.value), "admin": False}
    return None


# --- fences that keep the planted sinks harmless on a developer machine ------------------------------
def _refuse_unless(pattern, value):
    if not isinstance(value, str) or not re.fullmatch(pattern, value) or "**" in value:
        raise cherrypy.HTTPError(400, "refused")


def _refuse_pickled_objects(raw):
    unsafe = {"GLOBAL", "STACK_GLOBAL", "REDUCE", "INST", "OBJ", "NEWOBJ", "NEWOBJ_EX", "BUILD", "EXT1", "EXT2",
              "EXT4", "PERSID", "BINPERSID"}
    try:
        if any(op.name in unsafe for op, _arg, _pos in pickletools.genops(raw)):
            raise cherrypy.HTTPError(400, "refused")
    except (ValueError, EOFError):
        raise cherrypy.HTTPError(400, "refused") from None


# --- cross-cutting --------------------------------------------------------------------------------
def reflect_cors():
    request, response = cherrypy.request, cherrypy.response
    origin = request.headers.get("Origin")
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin  # planted: V05
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Access-Control-Allow-Headers"] = request.headers.get(
            "Access-Control-Request-Headers", "Authorization, Content-Type")
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE, OPTIONS"
    if request.method == "OPTIONS":
        response.body = b""
        request.handler = None


cherrypy.tools.reflect_cors = cherrypy.Tool("before_handler", reflect_cors)


# --- routes -----------------------------------------------------------------------------------------
class TasksApi:
    @cherrypy.expose
    @cherrypy.tools.json_out()
    def index(self, limit=50, offset=0, **_kw):
        if cherrypy.request.method == "POST":
            user = current_user()
            data = body_json()
            owner = user["id"] if user else data.get("owner_id", 0)
            with db() as conn:
                cur = conn.execute("INSERT INTO tasks (owner_id, title, description) VALUES (?, ?, ?)",
                                   (owner, data.get("title", ""), data.get("description", "")))
                row = conn.execute("SELECT * FROM tasks WHERE id = ?", (cur.lastrowid,)).fetchone()
            cherrypy.response.status = 201
            return dict(row)
        limit = int(cherrypy.request.params.get("limit", 50))  # planted: V24
        with db() as conn:
            rows = conn.execute("SELECT * FROM tasks ORDER BY id LIMIT ? OFFSET ?", (limit, int(offset))).fetchall()
        return {"tasks": [dict(r) for r in rows]}

    @cherrypy.expose
    @cherrypy.tools.json_out()
    def search(self, q=""):
        with db() as conn:
            rows = conn.execute(f"SELECT * FROM tasks WHERE title LIKE '%{q}%'").fetchall()  # planted: V13
        return {"tasks": [dict(r) for r in rows]}

    @cherrypy.expose
    @cherrypy.tools.json_out()
    def stats(self, expr="0"):
        _refuse_unless(r"[0-9+\-*/%(). ]{1,40}", expr)
        return {"result": eval(expr)}  # planted: V11

    @cherrypy.expose
    @cherrypy.tools.json_out()
    def import_tasks(self):
        raw = cherrypy.request.body.read()
        _refuse_pickled_objects(raw)
        tasks = pickle.loads(raw)  # planted: V10
        return {"imported": len(tasks) if hasattr(tasks, "__len__") else 0}

    @cherrypy.expose
    @cherrypy.tools.json_out()
    def default(self, task_id, action=None):  # planted: V02
        method = cherrypy.request.method
        if action == "notify" and method == "POST":
            to = body_json().get("to", "")
            _refuse_unless(r"[A-Za-z0-9@._+-]{1,64}", to)
            status = os.system("echo notify task " + str(task_id) + " to " + to)  # planted: V12
            return {"sent": status == 0}
        if action is not None:
            raise cherrypy.NotFound()
        with db() as conn:
            if method == "DELETE":
                conn.execute("DELETE FROM tasks WHERE id = ?", (int(task_id),))
                cherrypy.response.status = 204
                return None
            if method == "PUT":
                data = body_json()
                conn.execute("UPDATE tasks SET title = ?, description = ? WHERE id = ?",
                             (data.get("title", ""), data.get("description", ""), int(task_id)))
            row = conn.execute("SELECT * FROM tasks WHERE id = ?", (int(task_id),)).fetchone()
        return dict(row) if row else fail(404, "not found")


setattr(TasksApi, "import", TasksApi.import_tasks)


class AdminApi:
    @cherrypy.expose
    @cherrypy.tools.json_out()
    def users(self):  # planted: V23
        if current_user() is None:
            raise cherrypy.HTTPError(401, "login required")
        with db() as conn:
            rows = conn.execute("SELECT * FROM users").fetchall()
        return {"users": [dict(r) for r in rows]}


class Api:
    tasks = TasksApi()
    admin = AdminApi()

    @cherrypy.expose
    @cherrypy.tools.json_in()
    @cherrypy.tools.json_out()
    def register(self):
        user = new_user(**cherrypy.request.json)  # planted: V03
        user["password_hash"] = hashlib.sha256(user["password"].encode()).hexdigest()  # planted: V21
        with db() as conn:
            cur = conn.execute("INSERT INTO users (username, email, password_hash, admin)"
                               " VALUES (:username, :email, :password_hash, :admin)", user)
            row = conn.execute("SELECT * FROM users WHERE id = ?", (cur.lastrowid,)).fetchone()
        cherrypy.response.status = 201
        return dict(row)  # planted: V22

    @cherrypy.expose
    @cherrypy.tools.json_out()
    def login(self):  # planted: V04
        data = body_json()
        username = data.get("username", "")
        with db() as conn:
            user = conn.execute(f"SELECT * FROM users WHERE username = '{username}'").fetchone()  # planted: V13
        if user is None:
            return fail(404, "no such user")  # planted: V26
        if user["password_hash"] != hashlib.sha256(data.get("password", "").encode()).hexdigest():
            return fail(401, "wrong password")
        cherrypy.response.cookie["user_id"] = str(user["id"])  # planted: V17
        cherrypy.response.cookie["user_id"]["path"] = "/"
        return {"token": make_token(user), "user_id": user["id"]}

    @cherrypy.expose
    @cherrypy.tools.json_out()
    def me(self):
        user = current_user()
        if user is None:
            return fail(401, "login required")
        with db() as conn:
            row = conn.execute("SELECT * FROM users WHERE id = ?", (user["id"],)).fetchone()
        return dict(row) if row else fail(404, "gone")

    @cherrypy.expose
    @cherrypy.tools.json_out()
    def users(self, user_id):  # planted: V01
        with db() as conn:
            row = conn.execute("SELECT * FROM users WHERE id = ?", (int(user_id),)).fetchone()
        return dict(row) if row else fail(404, "not found")

    @cherrypy.expose
    def files(self, name=""):
        cherrypy.response.headers["Content-Type"] = "application/octet-stream"
        with open(os.path.join(FILES_DIR, name), "rb") as fh:  # planted: V25
            return fh.read(4096)


class HtmlTasks:
    @cherrypy.expose
    def new(self, title=""):  # planted: V18
        user = current_user()
        if user is None:
            raise cherrypy.HTTPError(401, "login required")
        with db() as conn:
            conn.execute("INSERT INTO tasks (owner_id, title) VALUES (?, ?)", (user["id"], title))
        cherrypy.response.status = 201
        return "<p>created</p>"

    @cherrypy.expose
    def default(self, task_id, action="view"):
        with db() as conn:
            row = conn.execute("SELECT * FROM tasks WHERE id = ?", (int(task_id),)).fetchone()
        if row is None or action != "view":
            raise cherrypy.NotFound()
        page = TASK_PAGE.render(title=Markup(row["title"]), description=Markup(row["description"]))  # planted: V15
        return page


class Root:
    api = Api()
    tasks = HtmlTasks()

    @cherrypy.expose
    def openapi_json(self):
        cherrypy.response.headers["Content-Type"] = "application/json"
        return SPEC.read_bytes()

    @cherrypy.expose
    @cherrypy.tools.json_out()
    def health(self):
        return {"status": "ok"}

    @cherrypy.expose
    def hello(self, name="world"):
        return f"<html><body><h1>Hello {name}</h1></body></html>"  # planted: V14


CONFIG = {
    "global": {
        "server.socket_host": "127.0.0.1",
        "engine.autoreload.on": True,  # planted: V06
        "request.show_tracebacks": True,  # planted: V20
        "log.screen": True,
    },
    "/": {"tools.reflect_cors.on": True, "tools.trailing_slash.on": False},
}


def main(argv):
    port = int(argv[argv.index("--port") + 1]) if "--port" in argv else int(os.environ.get("PORT", "8081"))
    host = CONFIG["global"]["server.socket_host"]
    if not ipaddress.ip_address(host).is_loopback:
        sys.exit("refusing to serve a deliberately vulnerable app off loopback")
    print(f"!! DELIBERATELY VULNERABLE CherryPy twin on {host}:{port} (loopback only), never expose it !!",
          file=sys.stderr)
    init_db()
    CONFIG["global"]["server.socket_port"] = port
    if "--no-reload" in argv:
        CONFIG["global"]["engine.autoreload.on"] = False
    cherrypy.quickstart(Root(), "/", CONFIG)  # planted: V07


if __name__ == "__main__":
    main(sys.argv)
