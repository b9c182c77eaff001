"""The vulnerable twins: their weakness lists match the code, and the weaknesses are real when served."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from apishield.demo.apps import DemoApp, demo_apps
from apishield.demo.servers import ServerProcess
from tests.examples.conftest import EXAMPLES

VULNERABLE = EXAMPLES / "vulnerable"
_spec = importlib.util.spec_from_file_location("twin_weaknesses", VULNERABLE / "weaknesses.py")
assert _spec is not None and _spec.loader is not None
weaknesses = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(weaknesses)

TWINS = ["flask-twin", "cherrypy-twin", "bottle-twin"]


def twin_app(name: str, run_dir: Path) -> DemoApp:
    return next(a for a in demo_apps(EXAMPLES, run_dir) if a.name == name)


@pytest.mark.parametrize("twin", weaknesses.TWINS)
def test_weakness_lists_are_current(twin: str) -> None:
    on_disk = json.loads((VULNERABLE / twin / "weaknesses.json").read_text(encoding="utf-8"))
    assert on_disk == weaknesses.build(twin), "run: python examples/vulnerable/weaknesses.py"
    ids = [w["id"] for w in on_disk["weaknesses"]]
    assert len(ids) == len(set(ids)) >= 25
    for item in on_disk["weaknesses"]:
        assert item["cwe"] and (item["audit"] or item["probe"]), item["id"]
        assert item["where"] or item["id"] in weaknesses.APP_WIDE, item["id"]
        for where in item["where"]:
            line = (VULNERABLE / twin / where["file"]).read_text(encoding="utf-8").splitlines()[where["line"] - 1]
            assert f"planted: {item['id']}" in line


def test_every_marker_is_catalogued() -> None:
    known = {entry["id"] for entry in weaknesses.CATALOGUE}
    for twin in weaknesses.TWINS:
        assert set(weaknesses.markers(VULNERABLE / twin)) <= known


@pytest.fixture(params=TWINS)
def served_twin(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, httpx.Client]]:
    app = twin_app(request.param, tmp_path)
    with ServerProcess(app.name, app.command, cwd=app.cwd, env=app.env, log_path=tmp_path / "server.log") as server:
        with httpx.Client(base_url=server.base_url, timeout=10, trust_env=False) as client:
            yield request.param, client


def _account(client: httpx.Client, extra: dict[str, object] | None = None) -> tuple[dict[str, object], str]:
    name = "u" + secrets.token_hex(4)
    reg = client.post("/api/register", json={"username": name, "password": "pw", "email": f"{name}@x.test",
                                             **(extra or {})})
    assert reg.status_code == 201
    token = client.post("/api/login", json={"username": name, "password": "pw"}).json()["token"]
    return reg.json(), token


@pytest.mark.slow
def test_twin_weaknesses_are_real(served_twin: tuple[str, httpx.Client]) -> None:
    name, c = served_twin
    assert c.get("/openapi.json").json()["openapi"] == "3.1.0"
    alice, alice_token = _account(c, {"admin": True})
    assert alice["admin"] == 1 and "password_hash" in alice  # V03 mass assignment, V22 hash exposed
    bob, bob_token = _account(c)
    task = c.post("/api/tasks", json={"title": "alice's"}, headers={"Authorization": f"Bearer {alice_token}"}).json()
    # V02 BOLA: bob reads alice's task; V01: so does an anonymous caller
    assert c.get(f"/api/tasks/{task['id']}", headers={"Authorization": f"Bearer {bob_token}"}).status_code == 200
    assert c.get(f"/api/users/{alice['id']}").status_code == 200
    # V05 CORS reflects any origin with credentials
    r = c.get("/health", headers={"Origin": "https://evil.example"})
    assert r.headers["access-control-allow-origin"] == "https://evil.example"
    assert r.headers["access-control-allow-credentials"] == "true"
    # V13 SQL built from strings: a quote breaks the query and the error (V20) reaches the client
    r = c.get("/api/tasks/search", params={"q": "'"})
    assert r.status_code == 500 and "OperationalError" in r.text
    # V09 alg none accepted; V08 the HMAC key is "secret"
    def b64(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    forged = f"{b64({'alg': 'none'})}.{b64({'sub': str(bob['id']), 'admin': True})}."
    assert c.get("/api/me", headers={"Authorization": f"Bearer {forged}"}).json()["id"] == bob["id"]
    # V14 reflected XSS in an HTML response
    r = c.get("/hello", params={"name": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" in r.text and r.headers["content-type"].startswith("text/html")
    # V16 identity from an unsigned cookie
    r = c.get("/api/me", headers={"Cookie": f"user_id={alice['id']}"})
    assert r.json()["username"] == alice["username"]
    # V25 path traversal
    assert c.get("/api/files", params={"name": "../openapi.json"}).status_code == 200
    # the planted code sinks stay harmless: object-building pickles and shell metacharacters are refused
    import pickle

    assert c.post("/api/tasks/import", content=pickle.dumps([1, 2]),
                  headers={"Content-Type": "application/octet-stream"}).json() == {"imported": 2}
    assert c.post("/api/tasks/import", content=pickle.dumps(Path("/")),
                  headers={"Content-Type": "application/octet-stream"}).status_code == 400
    assert c.post(f"/api/tasks/{task['id']}/notify", json={"to": "x; id"}).status_code == 400
    assert c.get("/api/tasks/stats", params={"expr": "__import__('os')"}).status_code == 400
    assert c.get("/api/tasks/stats", params={"expr": "6*7"}).json() == {"result": 42}
    del name


def test_twins_refuse_to_serve_off_loopback_and_say_what_they_are(tmp_path: Path) -> None:
    import subprocess

    from apishield.demo.servers import free_port

    conf = str(VULNERABLE / "gunicorn_loopback.py")
    refused = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", conf, "-b", f"0.0.0.0:{free_port()}", "--chdir",
         str(VULNERABLE / "flask_twin"), "app:app"],
        capture_output=True, text=True, timeout=30, env={**os.environ, "TWIN_DB": str(tmp_path / "t.db")},
    )
    assert refused.returncode != 0 and "loopback only" in refused.stderr
    app = twin_app("bottle-twin", tmp_path)
    log = tmp_path / "bottle.log"
    with ServerProcess(app.name, app.command, cwd=app.cwd, env=app.env, log_path=log):
        pass
    assert "DELIBERATELY VULNERABLE" in log.read_text(encoding="utf-8")
