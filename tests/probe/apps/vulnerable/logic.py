"""The vulnerable test app: every weakness is marked ``# planted: Wnn`` and listed in weaknesses.json.

Loopback-only test fixture. The SSTI sink is a sandboxed Jinja environment (it still evaluates arithmetic, which
is all the probe needs) and the traversal sink only reads files, so nothing here can run commands.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import traceback
from pathlib import Path

from jinja2.sandbox import SandboxedEnvironment

from tests.probe.apps.base import BaseApp, Req, Response, html, jresp

SECRET = b"secret"  # planted: W07 weak HMAC secret
FILES = Path(__file__).resolve().parent / "files"
EVIL = re.compile(r"^(\w+\s?)*$")  # planted: W18 catastrophic backtracking


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class RsKeys:
    """PROBE_APP_JWT=rs256: RS256 tokens, a published JWKS, and a verifier that lets the header choose."""

    def __init__(self) -> None:
        from joserfc.jwk import RSAKey

        self.key = RSAKey.generate_key(2048)
        self.public_pem = self.key.as_pem(private=False)
        self.jwk = {**self.key.as_dict(private=False), "kid": "k1", "use": "sig", "alg": "RS256"}

    def make(self, user_id: int) -> str:
        import jwt as pyjwt

        return pyjwt.encode({"sub": str(user_id), "exp": 4102444800}, self.key.as_pem(private=True),
                            algorithm="RS256", headers={"kid": "k1"})

    def read(self, token: str) -> dict | None:
        import jwt as pyjwt

        try:
            h, c, s = token.split(".")
            header = json.loads(b64d(h))
        except ValueError:
            return None
        if header.get("alg") == "HS256":
            kid = str(header.get("kid", ""))
            if kid and kid != "k1":  # planted: W20 kid used as a file path
                try:
                    key = (Path("/keys") / kid).resolve().read_bytes()
                except OSError:
                    return None
            else:
                key = self.public_pem  # planted: W19 RS->HS confusion
            want = b64e(hmac.new(key, f"{h}.{c}".encode(), hashlib.sha256).digest())
            return json.loads(b64d(c)) if hmac.compare_digest(want, s) else None
        try:
            return pyjwt.decode(token, self.public_pem, algorithms=["RS256"])
        except pyjwt.PyJWTError:
            return None


RS = RsKeys() if os.environ.get("PROBE_APP_JWT") == "rs256" else None


def make_token(user_id: int) -> str:
    if RS is not None:
        return RS.make(user_id)
    header = b64e(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = b64e(json.dumps({"sub": str(user_id), "exp": 4102444800}).encode())
    sig = b64e(hmac.new(SECRET, f"{header}.{claims}".encode(), hashlib.sha256).digest())
    return f"{header}.{claims}.{sig}"


def read_token(token: str) -> dict | None:
    if RS is not None:
        return RS.read(token)
    try:
        h, c, s = token.split(".")
        header = json.loads(b64d(h))
        claims = json.loads(b64d(c))
    except ValueError:
        return None
    if str(header.get("alg", "")).lower() == "none":  # planted: W06 alg none accepted
        return claims
    want = b64e(hmac.new(SECRET, f"{h}.{c}".encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(want, s):
        return None
    return claims  # planted: W07b exp never checked


class VulnerableApp(BaseApp):
    def handle(self, req: Req) -> Response:
        if req.method == "TRACE":  # planted: W23 TRACE echoes the request, headers included
            self.record(req)
            echo = "\r\n".join([f"TRACE {req.path} HTTP/1.1", *(f"{k}: {v}" for k, v in req.headers.items())])
            return 200, [("Content-Type", "message/http")], echo.encode()
        return super().handle(req)

    def guard(self, req: Req, handler) -> Response:
        try:
            status, headers, body = handler(req)
        except Exception:
            status, headers, body = 500, [("Content-Type", "text/plain")], traceback.format_exc().encode()  # planted: W15
        origin = req.headers.get("origin")
        if origin:  # planted: W05 any origin reflected with credentials
            headers = [*headers, ("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true")]
        return status, headers, body  # planted: W16 no security headers

    def user(self, req: Req) -> tuple | None:
        auth = req.headers.get("authorization", "")
        cookie = dict(c.strip().partition("=")[::2] for c in req.headers.get("cookie", "").split(";") if "=" in c)
        if not auth.startswith("Bearer ") and not cookie.get("session"):
            return None
        # the browser's session cookie carries the same token: what makes W05's origins dangerous
        claims = read_token(auth[7:] if auth.startswith("Bearer ") else cookie["session"])
        if not claims:
            return None
        rows = self.sql("SELECT id, username, password_hash, admin FROM users WHERE id = ?", (int(claims["sub"]),))
        return rows[0] if rows else None

    def register(self, req: Req) -> Response:
        data = req.json()
        pw_hash = hashlib.sha256(data["password"].encode()).hexdigest()
        admin = 1 if data.get("admin") or data.get("is_admin") else 0  # planted: W03 mass assignment
        self.sql("INSERT INTO users (username, password_hash, admin) VALUES (?, ?, ?)",
                 (data["username"], pw_hash, admin))
        uid = self.sql("SELECT id FROM users WHERE username = ?", (data["username"],))[0][0]
        return jresp(201, {"id": uid, "username": data["username"], "password_hash": pw_hash,  # planted: W13
                           "admin": bool(admin)})

    def login(self, req: Req) -> Response:
        data = req.json()
        rows = self.sql(f"SELECT id, password_hash FROM users WHERE username = '{data.get('username')}'")
        if not rows:  # planted: W17 user enumeration
            return jresp(404, {"error": "no such user"})
        if hashlib.sha256(str(data.get("password")).encode()).hexdigest() != rows[0][1]:
            return jresp(401, {"error": "wrong password"})
        token = make_token(rows[0][0])
        return jresp(200, {"access_token": token}, [("Set-Cookie", f"session={token}; Path=/; HttpOnly")])  # planted: W04 no rate limit

    def me(self, req: Req) -> Response:
        u = self.user(req)
        if u is None:
            return jresp(401, {"error": "login required"})
        return jresp(200, {"id": u[0], "username": u[1], "admin": bool(u[3])})

    def get_user(self, req: Req) -> Response:  # planted: W01 no authentication
        rows = self.sql("SELECT id, username, admin FROM users WHERE id = ?", (int(req.params["user_id"]),))
        if not rows:
            return jresp(404, {"error": "not found"})
        return jresp(200, {"id": rows[0][0], "username": rows[0][1], "admin": bool(rows[0][2])})

    def list_tasks(self, req: Req) -> Response:
        u = self.user(req)
        if u is None:
            return jresp(401, {"error": "login required"})
        title = req.query.get("title")
        if title is None:
            rows = self.sql("SELECT id, title, done FROM tasks WHERE owner_id = ?", (u[0],))
        else:
            try:
                rows = self.sql(f"SELECT id, title, done FROM tasks WHERE owner_id = {u[0]} AND title = '{title}'")  # planted: W21
            except Exception:
                rows = []  # errors swallowed: only the boolean differential shows it
        return jresp(200, [{"id": r[0], "title": r[1], "done": bool(r[2])} for r in rows])

    def create_task(self, req: Req) -> Response:
        u = self.user(req)
        if u is None:
            return jresp(401, {"error": "login required"})
        data = req.json()
        self.sql("INSERT INTO tasks (owner_id, title, done) VALUES (?, ?, ?)", (u[0], data["title"],
                                                                                 int(bool(data.get("done")))))
        tid = self.sql("SELECT max(id) FROM tasks")[0][0]
        return jresp(201, {"id": tid, "title": data["title"], "done": bool(data.get("done")), "owner_id": u[0]})

    def _task(self, tid: str) -> tuple | None:
        rows = self.sql("SELECT id, title, done, owner_id FROM tasks WHERE id = ?", (int(tid),))
        return rows[0] if rows else None

    def get_task(self, req: Req) -> Response:
        if self.user(req) is None:
            return jresp(401, {"error": "login required"})
        t = self._task(req.params["task_id"])  # planted: W02 no ownership check
        if t is None:
            return jresp(404, {"error": "not found"})
        return jresp(200, {"id": t[0], "title": t[1], "done": bool(t[2]), "owner_id": t[3]})

    def update_task(self, req: Req) -> Response:
        if self.user(req) is None:
            return jresp(401, {"error": "login required"})
        data = req.json()
        self.sql("UPDATE tasks SET title = ? WHERE id = ?", (data["title"], int(req.params["task_id"])))  # planted: W02b
        return self.get_task(req)

    def delete_task(self, req: Req) -> Response:
        if self.user(req) is None:
            return jresp(401, {"error": "login required"})
        self.sql("DELETE FROM tasks WHERE id = ?", (int(req.params["task_id"]),))
        return jresp(204, {})

    def search_tasks(self, req: Req) -> Response:
        u = self.user(req)
        if u is None:
            return jresp(401, {"error": "login required"})
        rows = self.sql(f"SELECT id, title FROM tasks WHERE owner_id = {u[0]} AND title LIKE '%{req.query.get('q', '')}%'")  # planted: W08
        return jresp(200, [{"id": r[0], "title": r[1]} for r in rows])

    def track_event(self, req: Req) -> Response:
        if self.user(req) is None:
            return jresp(401, {"error": "login required"})
        try:
            self.sql(f"INSERT INTO events (name) VALUES ('{req.json().get('name', '')}')")  # planted: W09 blind
        except Exception:
            pass
        return jresp(202, {"accepted": True})

    def get_file(self, req: Req) -> Response:
        if not req.headers.get("authorization", "").strip():  # planted: W22 any Authorization header will do
            return jresp(401, {"error": "login required"})
        path = FILES / req.query.get("name", "readme.txt")  # planted: W11 traversal
        try:
            return 200, [("Content-Type", "text/plain")], path.read_bytes()[:4096]
        except OSError:
            return jresp(404, {"error": "no such file"})

    def hello(self, req: Req) -> Response:
        return html(200, f"<html><body><h1>Hello {req.query.get('name', 'world')}</h1></body></html>")  # planted: W10

    def greeting(self, req: Req) -> Response:
        text = SandboxedEnvironment().from_string(req.query.get("template", "hi")).render()  # planted: W12 SSTI
        return jresp(200, {"greeting": text})

    def validate(self, req: Req) -> Response:
        return jresp(200, {"valid": bool(EVIL.match(req.query.get("code", "")))})

    def admin_users(self, req: Req) -> Response:
        if self.user(req) is None:  # planted: W14 any logged-in user is admin enough
            return jresp(401, {"error": "login required"})
        rows = self.sql("SELECT id, username FROM users")
        return jresp(200, [{"id": r[0], "username": r[1]} for r in rows])

    def jwks(self, req: Req) -> Response:
        if RS is None:
            return jresp(404, {"error": "not found"})
        return jresp(200, {"keys": [RS.jwk]})

    def admin_reset(self, req: Req) -> Response:
        self.record(Req("TRIPWIRE", req.path, {}, req.headers))
        return jresp(200, {"reset": True})
