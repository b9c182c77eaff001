"""`probe_zoo.py --check`: each selected target is installed, started, its API description loaded and every identity
of its login recipe logged in, then stopped, one line per target, no tool run; and a login recipe apishield has no
encoding for (credentials in the query string) reaches apishield as one --auth per identity."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

# A target of our own: GET / answers, POST /login?username=..&password=.. gives a token for the right password only.
SERVER = '''
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def answer(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.answer(200, {"ok": True})

    def do_POST(self):
        q = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        if urlsplit(self.path).path == "/login" and q.get("password") == "pw-" + q.get("username", "?"):
            self.answer(200, {"access_token": "tok-" + q["username"]})
        else:
            self.answer(401, {"detail": "no"})

HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
'''

SPEC = """openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /:
    get: {responses: {"200": {description: ok}}}
  /login:
    post: {responses: {"200": {description: token}}}
"""


def _target_toml(name: str, commit: str, passwords: tuple[str, str]) -> str:
    bodies = ", ".join(f"'{{\"username\": \"{u}\", \"password\": \"{p}\"}}'" for u, p in zip(("ann", "bob"), passwords))
    return f"""name = "{name}"
split = "test"
repo = "example/{name}"
commit = "{commit}"

[start]
command = ["{{python}}", "server.py", "{{port}}"]
ready = "/"

[openapi]
source = "ours"
path = "spec.yaml"

[login]
method = "POST"
path = "/login"
encoding = "query"
bodies = [{bodies}]
token_path = "access_token"
token_header = "Authorization"
token_prefix = "Bearer "

[[weakness]]
id = "{name}-1"
endpoint = "GET /"
kind = "sqli"
reachable = true
"""


@pytest.fixture
def fake_zoo(zoo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    truth, checkouts = tmp_path / "truth", tmp_path / "zoo"
    truth.mkdir()
    (truth / "spec.yaml").write_text(SPEC)
    for name, passwords in (("good", ("pw-ann", "pw-bob")), ("refused", ("pw-ann", "wrong"))):
        src = checkouts / name
        src.mkdir(parents=True)
        (src / "server.py").write_text(SERVER)
        git = ["git", "-C", str(src), "-c", "user.name=t", "-c", "user.email=t@example.com"]
        subprocess.run(["git", "init", "-q", str(src)], check=True)
        subprocess.run([*git, "add", "server.py"], check=True)
        subprocess.run([*git, "commit", "-q", "-m", "target"], check=True)
        commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
        (truth / f"{name}.toml").write_text(_target_toml(name, commit, passwords))
    monkeypatch.setattr(zoo, "GROUND_TRUTH", truth)
    monkeypatch.setattr(zoo, "ZOO_DIR", checkouts)
    monkeypatch.setattr(zoo, "python_for", lambda t, src, log: Path(sys.executable))  # no virtualenv to build
    return tmp_path


def test_check_starts_each_target_logs_in_its_identities_and_says_why_not(
        zoo: Any, fake_zoo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert zoo.main(["--check", "--work", str(fake_zoo / "work")]) == 1  # one target's login is refused
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "good: ok (2 operations in the API description; 2 of 2 identities logged in at POST /login)",
        "refused: not ok: HarnessError: login POST /login answered 401",
    ]


def test_check_of_targets_that_all_work_exits_zero(zoo: Any, fake_zoo: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert zoo.main(["--check", "--only", "good", "--work", str(fake_zoo / "work")]) == 0
    assert capsys.readouterr().out.startswith("good: ok (")


def test_check_says_when_the_checkout_is_missing(zoo: Any, fake_zoo: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    subprocess.run(["rm", "-rf", str(fake_zoo / "zoo" / "good")], check=True)
    assert zoo.main(["--check", "--only", "good", "--work", str(fake_zoo / "work")]) == 1
    assert capsys.readouterr().out.startswith("good: not ok: HarnessError: good: no checkout at ")


@pytest.mark.parametrize("extra", [["--from-json", "runs.json"], ["--json", "out.json"]])
def test_check_runs_no_tool_so_takes_no_result_files(zoo: Any, extra: list[str],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert zoo.main(["--check", *extra]) == 2
    assert "--check runs no tool" in capsys.readouterr().err


def test_a_query_string_login_reaches_apishield_as_one_auth_per_identity(zoo: Any, tmp_path: Path) -> None:
    t = zoo.Target("q", "test", {"login": {"method": "POST", "path": "/login", "encoding": "query",
                                           "bodies": ['{"username": "a"}', '{"username": "b"}'],
                                           "token_path": "access_token", "token_header": "Authorization"}}, [], [])
    argv = zoo.apishield_argv(t, "http://127.0.0.1:1", tmp_path / "spec.yaml", tmp_path / "r.json",
                              [("Authorization", "Bearer tok-a"), ("Authorization", "Bearer tok-b")])
    assert "--login" not in argv
    auths = [argv[i + 1] for i, a in enumerate(argv) if a == "--auth"]
    assert auths == ["id1=Authorization:Bearer tok-a", "id2=Authorization:Bearer tok-b"]
    json_login = zoo.Target("j", "test", {"login": {**t.data["login"], "encoding": "json"}}, [], [])
    argv = zoo.apishield_argv(json_login, "http://127.0.0.1:1", tmp_path / "spec.yaml", tmp_path / "r.json")
    assert argv[argv.index("--login") + 1:argv.index("--login") + 3] == ["POST", "/login"]
    assert "--auth" not in argv


ENV_SERVER = '''
import json, os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        body = json.dumps({"db": os.environ.get("DB_URL")}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
'''


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.skipif(not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")), reason="PostgreSQL not installed")
def test_a_target_that_needs_postgresql_gets_a_fresh_one_that_is_stopped_after(zoo: Any, tmp_path: Path) -> None:
    import httpx

    (tmp_path / "server.py").write_text(ENV_SERVER)
    start = {"command": ["{python}", "server.py", "{port}"], "services": ["postgresql"],
             "env": {"DB_URL": "postgresql+psycopg2://postgres@127.0.0.1:{postgresql_port}/postgres"}}
    t = zoo.Target("pg", "test", {"start": start}, [], [])
    with zoo.running(t, tmp_path, Path(sys.executable), tmp_path / "server.log") as srv:
        db_url = httpx.get(srv.url + "/").json()["db"]
        port = int(db_url.rsplit(":", 1)[1].split("/")[0])
        assert db_url == f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
        assert _listening(port)
    assert not _listening(port)


def test_an_unknown_service_is_a_harness_error(zoo: Any, tmp_path: Path) -> None:
    t = zoo.Target("x", "test", {"start": {"command": ["true"], "services": ["mongodb"]}}, [], [])
    with pytest.raises(zoo.HarnessError, match="unknown service 'mongodb'"):
        with zoo.running(t, tmp_path, Path(sys.executable), tmp_path / "server.log"):
            pass


def test_a_targets_install_commands_run_once_in_its_checkout_with_its_virtualenv_on_path(
        zoo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zoo, "ZOO_DIR", tmp_path / "zoo")
    src = tmp_path / "checkout"
    src.mkdir()
    install = [["sh", "-c", "echo run >> installs.txt; command -v python > python-used.txt"]]
    t = zoo.Target("node", "test", {"setup": {"python": "3.11", "install": install}}, [], [])
    log = tmp_path / "server.log"
    py = zoo.python_for(t, src, log)
    assert (src / "installs.txt").read_text() == "run\n"
    assert (src / "python-used.txt").read_text().strip() == str(py)  # the target's virtualenv comes first
    zoo.python_for(t, src, log)
    assert (src / "installs.txt").read_text() == "run\n"  # installed once


def test_a_failed_install_command_is_tried_again_next_time(zoo: Any, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zoo, "ZOO_DIR", tmp_path / "zoo")
    src = tmp_path / "checkout"
    src.mkdir()
    install = [["sh", "-c", "echo try >> tries.txt; test -e ok"]]
    t = zoo.Target("node", "test", {"setup": {"python": "3.11", "install": install}}, [], [])
    with pytest.raises(subprocess.CalledProcessError):
        zoo.python_for(t, src, tmp_path / "server.log")
    (src / "ok").touch()
    zoo.python_for(t, src, tmp_path / "server.log")
    assert (src / "tries.txt").read_text() == "try\ntry\n"
