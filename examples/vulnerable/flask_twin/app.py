"""DELIBERATELY VULNERABLE Task API (Flask twin) -- a teaching target for `apishield audit` and `probe`.

Every weakness here is planted on purpose and listed in weaknesses.json next to this file (markers
``# planted: Vnn`` sit on the lines). Never deploy this. It binds to 127.0.0.1 only (see
../gunicorn_loopback.py); the code sinks (eval, os.system, pickle) are fenced by helpers that keep them
harmless on a developer machine while the request data still flows into them, so the auditor has a case.

Run: gunicorn -c ../gunicorn_loopback.py --chdir examples/vulnerable/flask_twin app:app
"""

import base64
import hashlib
import hmac
import json
import os
import pickle
import pickletools
import re
import sqlite3
import sys
import tempfile
import time
import traceback
from pathlib import Path

from flask import Flask, abort, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

print("!! DELIBERATELY VULNERABLE Flask twin: loopback (127.0.0.1) only, never expose it !!", file=sys.stderr)

HERE = Path(__file__).resolve().parent
SPEC = HERE.parent / "openapi.json"
FILES_DIR = HERE.parent / "files"
DB_PATH = os.environ.get("TWIN_DB", os.path.join(tempfile.gettempdir(), "apishield-twin-flask.db"))

app = Flask(__name__)
app.config["DEBUG"] = True  # planted: V06
app.config["SECRET_KEY"] = "secret"  # planted: V08
SECRET_KEY = app.config["SECRET_KEY"]


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


init_db()


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
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        claims = read_token(auth[7:])
        if claims:
            return {"id": int(claims["sub"]), "admin": bool(claims.get("admin"))}
    uid = request.cookies.get("user_id")  # planted: V16
    if uid:
        return {"id": int(uid), "admin": False}
    return None


# --- fences that keep the planted sinks harmless on a developer machine ------------------------------
def _refuse_unless(pattern, value):
    if not isinstance(value, str) or not re.fullmatch(pattern, value) or "**" in value:
        abort(400)


def _refuse_pickled_objects(raw):
    unsafe = {"GLOBAL", "STACK_GLOBAL", "REDUCE", "INST", "OBJ", "NEWOBJ", "NEWOBJ_EX", "BUILD", "EXT1", "EXT2",
              "EXT4", "PERSID", "BINPERSID"}
    try:
        if any(op.name in unsafe for op, _arg, _pos in pickletools.genops(raw)):
            abort(400)
    except (ValueError, EOFError):
        abort(400)


# --- cross-cutting --------------------------------------------------------------------------------
@app.after_request
def cors(response):
    origin = request.headers.get("Origin")
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin  # planted: V05
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Access-Control-Allow-Headers"] = request.headers.get(
            "Access-Control-Request-Headers", "Authorization, Content-Type")
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE, OPTIONS"
    return response


@app.errorhandler(Exception)
def show_error(exc):
    if isinstance(exc, HTTPException):
        return exc
    return traceback.format_exc(), 500, {"Content-Type": "text/plain"}  # planted: V20


# --- routes -----------------------------------------------------------------------------------------
@app.route("/openapi.json")
def openapi():
    return app.response_class(SPEC.read_text(encoding="utf-8"), mimetype="application/json")


@app.route("/health")
def health():
    return jsonify(status="ok")


@app.route("/api/register", methods=["POST"])
def register():
    user = new_user(**request.get_json(force=True))  # planted: V03
    user["password_hash"] = hashlib.sha256(user["password"].encode()).hexdigest()  # planted: V21
    with db() as conn:
        cur = conn.execute("INSERT INTO users (username, email, password_hash, admin)"
                           " VALUES (:username, :email, :password_hash, :admin)", user)
        row = conn.execute("SELECT * FROM users WHERE id = ?", (cur.lastrowid,)).fetchone()
    return jsonify(dict(row)), 201  # planted: V22


@app.route("/api/login", methods=["POST"])
def login():  # planted: V04
    data = request.get_json(force=True)
    username = data.get("username", "")
    with db() as conn:
        user = conn.execute(f"SELECT * FROM users WHERE username = '{username}'").fetchone()  # planted: V13
    if user is None:
        return jsonify(error="no such user"), 404  # planted: V26
    if user["password_hash"] != hashlib.sha256(data.get("password", "").encode()).hexdigest():
        return jsonify(error="wrong password"), 401
    response = make_response(jsonify(token=make_token(user), user_id=user["id"]))
    response.set_cookie("user_id", str(user["id"]))  # planted: V17
    return response


@app.route("/api/me")
def me():
    user = current_user()
    if user is None:
        return jsonify(error="login required"), 401
    with db() as conn:
        row = conn.execute("SELECT * FROM users WHERE id = ?", (user["id"],)).fetchone()
    return jsonify(dict(row)) if row else (jsonify(error="gone"), 404)


@app.route("/api/users/<int:user_id>")  # planted: V01
def get_user(user_id):
    with db() as conn:
        row = conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    return jsonify(dict(row)) if row else (jsonify(error="not found"), 404)


@app.route("/api/tasks", methods=["GET"])
def list_tasks():
    limit = int(request.args.get("limit", 50))  # planted: V24
    offset = int(request.args.get("offset", 0))
    with db() as conn:
        rows = conn.execute("SELECT * FROM tasks ORDER BY id LIMIT ? OFFSET ?", (limit, offset)).fetchall()
    return jsonify(tasks=[dict(r) for r in rows])


@app.route("/api/tasks", methods=["POST"])
def create_task():
    user = current_user()
    data = request.get_json(force=True)
    owner = user["id"] if user else data.get("owner_id", 0)
    with db() as conn:
        cur = conn.execute("INSERT INTO tasks (owner_id, title, description) VALUES (?, ?, ?)",
                           (owner, data.get("title", ""), data.get("description", "")))
        row = conn.execute("SELECT * FROM tasks WHERE id = ?", (cur.lastrowid,)).fetchone()
    return jsonify(dict(row)), 201


@app.route("/api/tasks/search")
def search_tasks():
    q = request.args.get("q", "")
    with db() as conn:
        rows = conn.execute(f"SELECT * FROM tasks WHERE title LIKE '%{q}%'").fetchall()  # planted: V13
    return jsonify(tasks=[dict(r) for r in rows])


@app.route("/api/tasks/stats")
def task_stats():
    expr = request.args.get("expr", "0")
    _refuse_unless(r"[0-9+\-*/%(). ]{1,40}", expr)
    return jsonify(result=eval(expr))  # planted: V11


@app.route("/api/tasks/import", methods=["POST"])
def import_tasks():
    raw = request.get_data()
    _refuse_pickled_objects(raw)
    tasks = pickle.loads(raw)  # planted: V10
    return jsonify(imported=len(tasks) if hasattr(tasks, "__len__") else 0)


@app.route("/api/tasks/<int:task_id>", methods=["GET"])
def get_task(task_id):  # planted: V02
    with db() as conn:
        row = conn.execute("SELECT * FROM tasks WHERE id = ?", (task_id,)).fetchone()
    return jsonify(dict(row)) if row else (jsonify(error="not found"), 404)


@app.route("/api/tasks/<int:task_id>", methods=["PUT"])
def update_task(task_id):
    data = request.get_json(force=True)
    with db() as conn:
        conn.execute("UPDATE tasks SET title = ?, description = ? WHERE id = ?",
                     (data.get("title", ""), data.get("description", ""), task_id))
        row = conn.execute("SELECT * FROM tasks WHERE id = ?", (task_id,)).fetchone()
    return jsonify(dict(row)) if row else (jsonify(error="not found"), 404)


@app.route("/api/tasks/<int:task_id>", methods=["DELETE"])
def delete_task(task_id):
    with db() as conn:
        conn.execute("DELETE FROM tasks WHERE id = ?", (task_id,))
    return "", 204


@app.route("/api/tasks/<int:task_id>/notify", methods=["POST"])
def notify(task_id):
    to = request.get_json(force=True).get("to", "")
    _refuse_unless(r"[A-Za-z0-9@._+-]{1,64}", to)
    status = os.system("echo notify task " + str(task_id) + " to " + to)  # planted: V12
    return jsonify(sent=status == 0)


@app.route("/api/files")
def get_file():
    name = request.args.get("name", "")
    with open(os.path.join(FILES_DIR, name), "rb") as fh:  # planted: V25
        return app.response_class(fh.read(4096), mimetype="application/octet-stream")


@app.route("/api/admin/users")
def admin_users():  # planted: V23
    if current_user() is None:
        abort(401)
    with db() as conn:
        rows = conn.execute("SELECT * FROM users").fetchall()
    return jsonify(users=[dict(r) for r in rows])


@app.route("/hello")
def hello():
    name = request.args.get("name", "world")
    return f"<html><body><h1>Hello {name}</h1></body></html>"  # planted: V14


@app.route("/tasks/<int:task_id>/view")
def view_task(task_id):
    with db() as conn:
        row = conn.execute("SELECT * FROM tasks WHERE id = ?", (task_id,)).fetchone()
    if row is None:
        abort(404)
    return render_template("task.html", task=dict(row))


@app.route("/tasks/new", methods=["POST"])
def create_task_form():  # planted: V18
    user = current_user()
    if user is None:
        abort(401)
    with db() as conn:
        conn.execute("INSERT INTO tasks (owner_id, title) VALUES (?, ?)", (user["id"], request.form.get("title", "")))
    return "<p>created</p>", 201


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")), debug=True)  # planted: V07
