"""The secure twin of the vulnerable test app: same operations, none of the planted weaknesses."""

from __future__ import annotations

import html as htmllib
import re
import secrets
import time
from collections import defaultdict, deque
from pathlib import Path

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError

from tests.probe.apps.base import BaseApp, Req, Response, html, jresp

FILES = Path(__file__).resolve().parent / "files"
CODE = re.compile(r"^[A-Za-z0-9 ]{1,64}$")
HASHER = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
ALLOWED_ORIGIN = "https://app.example.com"
LOGIN_LIMIT = 20  # per minute per client


class SecureApp(BaseApp):
    def __init__(self) -> None:
        super().__init__()
        self.secret = secrets.token_bytes(32)
        self.hits: dict[str, deque[float]] = defaultdict(deque)
        self.dummy = HASHER.hash("dummy-password-for-timing")

    def guard(self, req: Req, handler) -> Response:
        try:
            status, headers, body = handler(req)
        except Exception:
            status, headers, body = jresp(500, {"title": "internal error"})
        headers = [*headers, ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                   ("Content-Security-Policy", "default-src 'none'"), ("Cache-Control", "no-store")]
        if req.headers.get("origin") == ALLOWED_ORIGIN:
            headers.append(("Access-Control-Allow-Origin", ALLOWED_ORIGIN))
        return status, headers, body

    def token(self, user_id: int) -> str:
        return jwt.encode({"sub": str(user_id), "exp": int(time.time()) + 900}, self.secret, algorithm="HS256")

    def user(self, req: Req) -> tuple | None:
        auth = req.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return None
        try:
            claims = jwt.decode(auth[7:], self.secret, algorithms=["HS256"], options={"require": ["exp", "sub"]})
        except jwt.PyJWTError:
            return None
        rows = self.sql("SELECT id, username, admin FROM users WHERE id = ?", (int(claims["sub"]),))
        return rows[0] if rows else None

    def register(self, req: Req) -> Response:
        data = req.json()
        if not isinstance(data, dict) or not isinstance(data.get("username"), str) or not isinstance(
                data.get("password"), str):
            return jresp(400, {"title": "username and password required"})
        if len(data["password"]) < 8:  # NIST SP 800-63B: at least eight characters
            return jresp(422, {"title": "password too short"})
        try:
            self.sql("INSERT INTO users (username, password_hash, admin) VALUES (?, ?, 0)",
                     (data["username"], HASHER.hash(data["password"])))
        except Exception:
            return jresp(409, {"title": "cannot register"})
        uid = self.sql("SELECT id FROM users WHERE username = ?", (data["username"],))[0][0]
        return jresp(201, {"id": uid, "username": data["username"], "admin": False})

    def login(self, req: Req) -> Response:
        now = time.monotonic()
        hits = self.hits[req.headers.get("x-client", "all")]
        while hits and hits[0] < now - 60:
            hits.popleft()
        if len(hits) >= LOGIN_LIMIT:
            return jresp(429, {"title": "too many attempts"}, [("Retry-After", "60")])
        hits.append(now)
        data = req.json()
        if not isinstance(data, dict):
            return jresp(400, {"title": "bad request"})
        rows = self.sql("SELECT id, password_hash FROM users WHERE username = ?", (str(data.get("username")),))
        stored = rows[0][1] if rows else self.dummy
        try:
            HASHER.verify(stored, str(data.get("password")))
            ok = bool(rows)
        except VerifyMismatchError:
            ok = False
        if not ok:
            return jresp(401, {"title": "invalid credentials"})
        return jresp(200, {"access_token": self.token(rows[0][0])})

    def me(self, req: Req) -> Response:
        u = self.user(req)
        if u is None:
            return jresp(401, {"title": "login required"})
        return jresp(200, {"id": u[0], "username": u[1], "admin": bool(u[2])})

    def get_user(self, req: Req) -> Response:
        u = self.user(req)
        if u is None:
            return jresp(401, {"title": "login required"})
        if str(u[0]) != req.params["user_id"]:
            return jresp(404, {"title": "not found"})
        return jresp(200, {"id": u[0], "username": u[1], "admin": bool(u[2])})

    def list_tasks(self, req: Req) -> Response:
        u = self.user(req)
        if u is None:
            return jresp(401, {"title": "login required"})
        title = req.query.get("title")
        if title is None:
            rows = self.sql("SELECT id, title, done FROM tasks WHERE owner_id = ?", (u[0],))
        else:
            rows = self.sql("SELECT id, title, done FROM tasks WHERE owner_id = ? AND title = ?", (u[0], title))
        return jresp(200, [{"id": r[0], "title": r[1], "done": bool(r[2])} for r in rows])

    def create_task(self, req: Req) -> Response:
        u = self.user(req)
        if u is None:
            return jresp(401, {"title": "login required"})
        data = req.json()
        if not isinstance(data, dict) or not isinstance(data.get("title"), str):
            return jresp(400, {"title": "title required"})
        self.sql("INSERT INTO tasks (owner_id, title, done) VALUES (?, ?, ?)", (u[0], data["title"],
                                                                                 int(data.get("done") is True)))
        tid = self.sql("SELECT max(id) FROM tasks WHERE owner_id = ?", (u[0],))[0][0]
        return jresp(201, {"id": tid, "title": data["title"], "done": data.get("done") is True, "owner_id": u[0]})

    def _own_task(self, req: Req) -> tuple | None:
        u = self.user(req)
        if u is None or not req.params["task_id"].isdigit():
            return None
        rows = self.sql("SELECT id, title, done, owner_id FROM tasks WHERE id = ? AND owner_id = ?",
                        (int(req.params["task_id"]), u[0]))
        return rows[0] if rows else None

    def get_task(self, req: Req) -> Response:
        if self.user(req) is None:
            return jresp(401, {"title": "login required"})
        t = self._own_task(req)
        if t is None:
            return jresp(404, {"title": "not found"})
        return jresp(200, {"id": t[0], "title": t[1], "done": bool(t[2]), "owner_id": t[3]})

    def update_task(self, req: Req) -> Response:
        if self.user(req) is None:
            return jresp(401, {"title": "login required"})
        t = self._own_task(req)
        data = req.json()
        if t is None:
            return jresp(404, {"title": "not found"})
        if not isinstance(data, dict) or not isinstance(data.get("title"), str):
            return jresp(400, {"title": "title required"})
        self.sql("UPDATE tasks SET title = ? WHERE id = ?", (data["title"], t[0]))
        return self.get_task(req)

    def delete_task(self, req: Req) -> Response:
        t = self._own_task(req)
        if t is None:
            return jresp(404, {"title": "not found"})
        self.sql("DELETE FROM tasks WHERE id = ?", (t[0],))
        return jresp(204, {})

    def search_tasks(self, req: Req) -> Response:
        u = self.user(req)
        if u is None:
            return jresp(401, {"title": "login required"})
        rows = self.sql("SELECT id, title FROM tasks WHERE owner_id = ? AND title LIKE ?",
                        (u[0], "%" + req.query.get("q", "") + "%"))
        return jresp(200, [{"id": r[0], "title": r[1]} for r in rows])

    def track_event(self, req: Req) -> Response:
        if self.user(req) is None:
            return jresp(401, {"title": "login required"})
        data = req.json()
        self.sql("INSERT INTO events (name) VALUES (?)", (str((data or {}).get("name", "")),))
        return jresp(202, {"accepted": True})

    def get_file(self, req: Req) -> Response:
        if self.user(req) is None:
            return jresp(401, {"title": "login required"})
        base = FILES.resolve()
        path = (base / req.query.get("name", "readme.txt")).resolve()
        if base not in path.parents or not path.is_file():
            return jresp(404, {"title": "no such file"})
        return 200, [("Content-Type", "text/plain")], path.read_bytes()[:4096]

    def hello(self, req: Req) -> Response:
        name = htmllib.escape(req.query.get("name", "world"))
        return html(200, f"<html><body><h1>Hello {name}</h1></body></html>")

    def greeting(self, req: Req) -> Response:
        return jresp(200, {"greeting": "hi " + req.query.get("template", "")[:64]})

    def validate(self, req: Req) -> Response:
        return jresp(200, {"valid": bool(CODE.match(req.query.get("code", "")))})

    def admin_users(self, req: Req) -> Response:
        u = self.user(req)
        if u is None:
            return jresp(401, {"title": "login required"})
        if not u[2]:
            return jresp(403, {"title": "admin only"})
        return jresp(200, [])

    def admin_reset(self, req: Req) -> Response:
        self.record(Req("TRIPWIRE", req.path, {}, req.headers))
        return jresp(403, {"title": "admin only"})
