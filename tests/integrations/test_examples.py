"""The seed examples run as written (``python file.py``): the vulnerable twin leaks, the secure one does not."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import jwt
import pytest

from tests._servers import stop_group, wait_listening
from tests.conftest import free_port

pytestmark = pytest.mark.xdist_group("integration-examples")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "frameworks"
SECRET = "example-secret-" + "e" * 48


@contextmanager
def run(script: Path) -> Iterator[httpx.Client]:
    port = free_port()
    env = {**os.environ, "PORT": str(port), "APISHIELD_JWT_SECRET": SECRET}
    proc = subprocess.Popen(
        [sys.executable, str(script)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_listening(port, proc, 20)
        assert proc.poll() is None, f"{script.name} exited early"
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            yield client
    finally:
        stop_group(proc)


def bearer(subject: str, scope: str) -> dict[str, str]:
    now = int(time.time())
    token = jwt.encode({"sub": subject, "scope": scope, "iat": now, "exp": now + 300}, SECRET, "HS256")
    return {"Authorization": f"Bearer {token}"}


def test_flask_seed() -> None:
    with run(EXAMPLES / "flask_seed" / "vulnerable.py") as api:
        assert api.get("/api/data/alice").json()["balance"] == 9000  # anyone reads anyone
    with run(EXAMPLES / "flask_seed" / "secure.py") as api:
        assert api.get("/api/v1/data/alice").status_code == 401
        assert api.get("/api/v1/data/bob", headers=bearer("alice", "data:read")).status_code == 404
        mine = bearer("alice", "data:read")
        statuses = [api.get("/api/v1/data/alice", headers=mine).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]  # 5 a minute per client, the two refused tries above included
        assert api.get("/health").headers["X-Content-Type-Options"] == "nosniff"


def test_cherrypy_seed() -> None:
    with run(EXAMPLES / "cherrypy_seed" / "vulnerable.py") as api:
        assert api.get("/get_private_data", params={"user_id": "1337"}).json()["secret"]
    with run(EXAMPLES / "cherrypy_seed" / "secure.py") as api:
        denied = api.get("/get_private_data", params={"user_id": "1337"})
        assert denied.status_code == 401 and denied.headers["content-type"].startswith("application/problem+json")
        fake = api.get("/get_private_data", params={"user_id": "1337"}, headers={"Authorization": "Bearer x"})
        assert fake.status_code == 401  # the seed's own fix accepted any "Bearer ..." string
        mine = api.get("/get_private_data", params={"user_id": "1337"}, headers=bearer("1337", "private:read"))
        assert mine.status_code == 200
        other = api.get("/get_private_data", params={"user_id": "1"}, headers=bearer("1337", "private:read"))
        assert other.status_code == 404


def test_bottle_seed() -> None:
    with run(EXAMPLES / "bottle_seed" / "vulnerable.py") as api:
        api.post("/login")
        forged = api.post("/notes", data={"note": "x"}, headers={"Origin": "https://evil.example"})
        assert forged.status_code == 200  # a cross-site form post goes through
    with run(EXAMPLES / "bottle_seed" / "secure.py") as api:
        login = api.post("/login")
        token = login.json()["csrf_token"]
        cookie = {"Cookie": login.headers["set-cookie"].split(";", 1)[0]}
        cross_site = {**cookie, "Origin": "https://evil.example"}
        assert api.post("/notes", data={"note": "x", "csrf_token": token}, headers=cross_site).status_code == 403
        assert api.post("/notes", data={"note": "x"}, headers=cookie).status_code == 403
        ok = api.post("/notes", data={"note": "x", "csrf_token": token}, headers=cookie)
        assert ok.status_code == 200, ok.text
        assert ok.json()["by"] == "alice"


def test_the_auditor_flags_each_vulnerable_twin_and_no_secure_one() -> None:
    import json

    result = subprocess.run(
        [sys.executable, "-m", "apishield", "audit", str(EXAMPLES), "--format", "json"],
        capture_output=True, text=True, timeout=120,
    )
    findings = json.loads(result.stdout)["findings"]
    paths = {f["path"] for f in findings}
    for seed in ("flask_seed", "cherrypy_seed", "bottle_seed"):
        assert f"{seed}/vulnerable.py" in paths, seed
        assert f"{seed}/secure.py" not in paths, [f for f in findings if f["path"] == f"{seed}/secure.py"]
