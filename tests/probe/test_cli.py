"""``apishield probe`` end to end: JSON contract, formats, --fail-on, --seed, --baseline-url, --routes-from with
a login recipe, and a failing auth canary. One vulnerable and one secure Flask server shared by the module."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from apishield.cli import main
from tests.probe.servers import Served, serve

FAST = ["--no-progress", "--rate", "0", "--budget", "150", "--checks", "authn,jwt,bola,bfla,cors,headers_errors"]


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Served, Served]]:
    with serve("flask", "vulnerable") as vulnerable, serve("flask", "secure") as secure:
        yield vulnerable, secure


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_contract_and_fail_on(servers: tuple[Served, Served], capsys: pytest.CaptureFixture[str]) -> None:
    vulnerable, _ = servers
    code, out, _ = _run(["probe", vulnerable.url, "--format", "json", *FAST], capsys)
    doc = json.loads(out)
    assert code == 1  # default --fail-on high, and there are high findings
    assert set(doc) >= {"findings", "score", "requests_used", "seconds"}
    assert 0 <= doc["score"] < 50 and 0 < doc["requests_used"] <= 150
    keys = {"rule_id", "title", "severity", "confidence", "cwe", "owasp", "method", "path", "parameter", "evidence"}
    for f in doc["findings"]:
        assert keys <= set(f) and set(f["evidence"]) == {"request", "response", "curl"}
        assert f["severity"] in ("info", "low", "medium", "high", "critical") and isinstance(f["cwe"][0], int)
    rules = {f["rule_id"] for f in doc["findings"]}
    assert {"PR-JWT-001", "PR-BOLA-001", "PR-CORS-001", "PR-BFLA-001"} <= rules
    code, _, _ = _run(["probe", vulnerable.url, "--format", "json", "--fail-on", "never", *FAST], capsys)
    assert code == 0


def test_seed_makes_runs_reproducible(servers: tuple[Served, Served], capsys: pytest.CaptureFixture[str]) -> None:
    vulnerable, _ = servers  # the secure twin's login limiter would make later runs differ
    docs = []
    for _ in range(2):
        _code, out, _ = _run(["probe", vulnerable.url, "--format", "json", "--seed", "3", *FAST], capsys)
        docs.append(json.loads(out))
    assert docs[0]["requests_used"] == docs[1]["requests_used"]
    assert [f["rule_id"] for f in docs[0]["findings"]] == [f["rule_id"] for f in docs[1]["findings"]]
    assert [f["evidence"]["curl"] for f in docs[0]["findings"] if f["rule_id"] == "PR-CORS-001"] == [
        f["evidence"]["curl"] for f in docs[1]["findings"] if f["rule_id"] == "PR-CORS-001"]


@pytest.mark.parametrize("fmt", ["text", "sarif", "junit", "html"])
def test_other_formats(servers: tuple[Served, Served], fmt: str, capsys: pytest.CaptureFixture[str],
                       tmp_path: Path) -> None:
    vulnerable, _ = servers
    target = tmp_path / f"report.{fmt}"
    code, _, _ = _run(["probe", vulnerable.url, "--format", fmt, "-o", str(target), "--checks", "cors",
                       "--no-progress", "--rate", "0", "--budget", "40"], capsys)
    text = target.read_text()
    assert code == 1 and "PR-CORS-001" in text


def test_baseline_suppresses_shared_findings(servers: tuple[Served, Served],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    vulnerable, secure = servers
    argv = ["probe", vulnerable.url, "--format", "json", "--fail-on", "never", *FAST]
    same = json.loads(_run([*argv, "--baseline-url", vulnerable.url], capsys)[1])
    fixed = json.loads(_run([*argv, "--baseline-url", secure.url], capsys)[1])
    assert not [f for f in same["findings"] if f["severity"] in ("high", "critical")]
    assert {"PR-JWT-001", "PR-BOLA-001"} <= {f["rule_id"] for f in fixed["findings"]}


def test_routes_inventory_with_login_recipe(servers: tuple[Served, Served], capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    vulnerable, _ = servers
    for name in ("alice", "bob"):
        httpx.post(f"{vulnerable.url}/api/register", json={"username": name, "password": f"{name}-pw-123456"})
    routes = tmp_path / "routes.json"
    routes.write_text(json.dumps({"routes": [
        {"framework": "flask", "method": "GET", "path": "/api/me", "protections": ["auth"]},
        {"framework": "flask", "method": "POST", "path": "/api/tasks", "protections": ["auth"]},
        {"framework": "flask", "method": "GET", "path": "/api/tasks/<int:task_id>", "protections": ["auth"]},
        {"framework": "flask", "method": "POST", "path": "/api/login", "protections": []},
    ]}))
    bodies = ["--body", '{"username": "alice", "password": "alice-pw-123456"}',
              "--body", '{"username": "bob", "password": "bob-pw-123456"}']
    _code, out, _err = _run(["probe", vulnerable.url, "--routes-from", str(routes), "--login", "POST", "/api/login",
                           *bodies, "--token-path", "access_token", "--format", "json", *FAST], capsys)
    doc = json.loads(out)
    assert doc["stats"]["identities"] == ["user1", "user2"] and doc["stats"]["canary"] == "GET /api/me"
    assert "PR-BOLA-001" in {f["rule_id"] for f in doc["findings"]}
    assert "alice-pw-123456" not in out


def test_failing_canary_stops_with_a_clear_message(servers: tuple[Served, Served],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    vulnerable, _ = servers
    code, out, err = _run(["probe", vulnerable.url, "--auth", "alice=Authorization:Bearer expired.or.wrong",
                           "--auth", "bob=Authorization:Bearer nope", *FAST], capsys)
    assert code == 3 and out == ""
    assert "auth canary failed" in err and "alice got 401" in err and err.count("\n") == 1
