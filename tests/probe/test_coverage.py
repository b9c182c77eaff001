"""Never claim what was not tested: coverage accounting, "incomplete" instead of a score, 429/503 as unknown,
404s never "burst accepted", and one-line exit 3 for an unreachable target or failed login — each against a
real loopback server."""

from __future__ import annotations

import asyncio
import json
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from apishield.cli import main
from apishield.probe.client import ProbeClient
from apishield.probe.targets import from_routes
from apishield.probe.wait_hints import exhausted_hint, wait_hint
from tests.probe.loopback import Answer, loopback

SPEC: dict[str, Any] = {
    "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/api/me": {"get": {"responses": {"200": {"description": "me"}}}},
        "/api/items": {"get": {"parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                               "responses": {"200": {"description": "list"}}}},
        "/api/login": {"post": {"security": [], "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}},
            "responses": {"200": {"description": "token"}}}},
    },
}
FAST = ["--no-progress", "--rate", "0", "--format", "json"]


@pytest.fixture
def spec(tmp_path: Path) -> str:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(SPEC))
    return str(path)


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_unreachable_target_exits_3_with_one_line(spec: str, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import free_port

    code, out, err = _run(["probe", f"http://127.0.0.1:{free_port()}", "--openapi", spec, "--fail-on", "low",
                           "--timeout", "1", *FAST], capsys)
    assert code == 3 and out == ""
    assert err.count("\n") == 1 and "target unreachable" in err and "Traceback" not in err


def test_failed_first_login_exits_3_and_says_why(spec: str, capsys: pytest.CaptureFixture[str]) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        return (401, {}, {"detail": "bad credentials"}) if path.startswith("/api/login") else (401, {}, {})

    with loopback(app) as url:
        code, out, err = _run(["probe", url, "--openapi", spec, "--login", "POST", "/api/login", "--body",
                               '{"username": "a", "password": "wrong"}', *FAST], capsys)
    assert code == 3 and out == "" and err.count("\n") == 1
    assert "login failed for identity #1" in err and "answered 401" in err


def _throttling_app() -> Any:
    """Authentication first (anonymous: 401), then a rate limit that answers 429 to every credentialed request
    after the first few — the shape that once turned 429 == 429 into "garbage token accepted"."""
    lock, seen = threading.Lock(), [0]

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        auth = headers.get("Authorization", "")
        if not auth:
            return 401, {}, {"detail": "credentials required"}
        with lock:
            seen[0] += 1
            count = seen[0]
        if count > 6:
            return 429, {"Retry-After": "0"}, {"detail": "slow down"}
        if auth in ("Bearer good-a", "Bearer good-b"):
            return 200, {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}, {"id": 1, "name": "a"}
        return 401, {}, {"detail": "bad token"}

    return app


def test_429_is_unknown_never_garbage_token_accepted(spec: str, capsys: pytest.CaptureFixture[str]) -> None:
    with loopback(_throttling_app()) as url:
        code, out, err = _run(["probe", url, "--openapi", spec, "--auth", "a=Authorization:Bearer good-a",
                               "--auth", "b=Authorization:Bearer good-b", "--budget", "120", "--max-wait", "1",
                               "--fail-on", "high", *FAST], capsys)
    doc = json.loads(out)
    assert "PR-AUTH-003" not in {f["rule_id"] for f in doc["findings"]}
    assert doc["status"] == "incomplete" and doc["score"] is None and code == 4
    assert doc["stats"]["throttling"]["throttled_answers"] > 0
    assert any("429" in reason for row in doc["coverage"]["checks"].values() for reason in row["reasons"])
    assert any(n.startswith("rate limiting:") for n in doc["notes"])
    assert "incomplete, no score" in err


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "html"])
def test_target_answering_429_to_everything_is_never_score_100(spec: str, fmt: str,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        return 429, {"Retry-After": "0"}, {"detail": "slow down"}

    with loopback(app) as url:
        code, out, _err = _run(["probe", url, "--openapi", spec, "--budget", "60", "--max-wait", "0.5",
                                "--fail-on", "critical", "--no-progress", "--rate", "0", "--format", fmt], capsys)
    assert code == 4  # incomplete fails under --fail-on ...
    assert "100/100" not in out and "score 100" not in out
    if fmt == "json":
        doc = json.loads(out)
        assert doc["score"] is None and doc["status"] == "incomplete" and doc["coverage"]["ratio"] < 0.8
        assert doc["coverage"]["checks"]["authn"]["ran"] == 0  # only the burst test may read a 429
    elif fmt == "text":
        assert "INCOMPLETE: no score" in out and "(check, operation) units ran" in out and "notes:" in out
    elif fmt == "html":
        assert "Coverage: incomplete" in out and "<h2>Notes</h2>" in out
    elif fmt == "sarif":
        run = json.loads(out)["runs"][0]
        assert run["properties"]["status"] == "incomplete" and run["properties"]["score"] is None
        texts = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
        assert any("inconclusive" in t and "429" in t for t in texts)
    else:
        suite = ET.fromstring(out).find("testsuite")
        assert suite is not None and int(suite.get("skipped", "0")) > 0
        assert any(case.find("skipped") is not None for case in suite.iter("testcase"))
    # ... unless the caller accepts it explicitly
    with loopback(app) as url:
        code, _out, _err = _run(["probe", url, "--openapi", spec, "--budget", "30", "--max-wait", "0",
                                 "--allow-incomplete", *FAST], capsys)
    assert code == 0


def test_404_is_never_burst_accepted(spec: str, capsys: pytest.CaptureFixture[str]) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if path.startswith("/api/login"):
            return 404, {}, {"detail": "not found"}
        return (401, {}, {}) if "Authorization" not in headers else (200, {}, {"id": 1})

    with loopback(app) as url:
        _code, out, _err = _run(["probe", url, "--openapi", spec, "--checks", "ratelimit", "--budget", "60",
                                 "--fail-on", "never", *FAST], capsys)
    doc = json.loads(out)
    assert "PR-RATE-001" not in {f["rule_id"] for f in doc["findings"]}
    row = doc["coverage"]["checks"]["ratelimit"]
    assert row["ran"] == 0 and row["inconclusive"] == 1 and "not served" in next(iter(row["reasons"]))


def test_a_login_that_answers_404_for_unknown_users_is_still_burst_tested(spec: str,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if path.startswith("/api/login"):
            known = b'"alice"' in body
            return (200, {}, {"access_token": "good-a"}) if known else (404, {}, {"detail": "no such user"})
        return (401, {}, {}) if "Authorization" not in headers else (200, {}, {"id": 1})

    with loopback(app) as url:
        _code, out, _err = _run(["probe", url, "--openapi", spec, "--checks", "ratelimit", "--budget", "80",
                                 "--login", "POST", "/api/login", "--body", '{"username": "alice", "password": "x"}',
                                 "--fail-on", "never", *FAST], capsys)
    assert "PR-RATE-001" in {f["rule_id"] for f in json.loads(out)["findings"]}


def test_routes_the_audit_marks_public_are_not_reported_as_unauthenticated(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    routes = {"routes": [
        {"framework": "flask", "methods": ["GET"], "path": "/health", "public": "shield.public", "auth": None},
        {"framework": "flask", "methods": ["GET"], "path": "/api/me", "auth": "shield.require", "public": None},
    ]}
    assert [op.secured for op in from_routes(routes)] == [False, True]
    inventory = tmp_path / "routes.json"
    inventory.write_text(json.dumps(routes))

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if path == "/health":  # public, and it greets signed-in callers by name
            return 200, {}, {"status": "ok", **({"user": "a"} if "Authorization" in headers else {})}
        return (200, {}, {"id": 1, "name": "a"}) if headers.get("Authorization") == "Bearer good-a" else (401, {}, {})

    with loopback(app) as url:
        _code, out, _err = _run(["probe", url, "--routes-from", str(inventory), "--auth",
                                 "a=Authorization:Bearer good-a", "--checks", "authn", "--fail-on", "never",
                                 "--budget", "40", *FAST], capsys)
    assert not [f for f in json.loads(out)["findings"] if f["rule_id"] == "PR-AUTH-001"]


def test_retry_after_is_honoured_and_its_cost_reported() -> None:
    answers = iter([429, 200])

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        return next(answers), {"Retry-After": "3"}, {}

    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    async def go(url: str) -> tuple[int | None, dict[str, Any]]:
        client = ProbeClient(url, rate=0, budget=5, sleep=fake_sleep, max_wait=10)
        try:
            ex = await client.request("GET", "/x")
            return ex.status, client.throttle_report
        finally:
            await client.aclose()

    with loopback(app) as url:
        status, report = asyncio.run(go(url))
    assert status == 200 and 3.0 in slept
    assert report == {"throttled_answers": 1, "retries": 1, "seconds_waited": 3.0, "max_wait": 10}


def test_wait_hints_from_retry_after_and_ratelimit_headers() -> None:
    assert wait_hint((("Retry-After", "7"),)) == 7.0
    assert wait_hint((("Retry-After", "Thu, 01 Jan 2026 00:00:10 GMT"),), now_epoch=1767225600.0) == 10.0
    assert wait_hint((("RateLimit-Reset", "4"),)) == 4.0
    assert wait_hint((("X-RateLimit-Reset", "1767225605"),), now_epoch=1767225600.0) == 5.0
    assert wait_hint((("RateLimit", '"default";r=0;t=12'),)) == 12.0
    assert wait_hint((("Content-Type", "text/plain"),)) is None
    assert exhausted_hint((("RateLimit-Remaining", "0"), ("RateLimit-Reset", "2"))) == 2.0
    assert exhausted_hint((("RateLimit-Remaining", "3"), ("RateLimit-Reset", "2"))) is None
    assert exhausted_hint((("RateLimit", '"default";r=0;t=5'),)) == 5.0


def _exchange(seq: int, path: str, status: int | None) -> Any:
    from apishield.probe.client import Exchange

    return Exchange(seq, "injection", "user1", "POST", f"http://127.0.0.1:9/{path}", (), b"", status,
                    error=None if status is not None else "ConnectError: All connection attempts failed")


def test_a_target_that_stops_answering_is_named_in_the_coverage() -> None:
    from apishield.probe.coverage import went_silent

    crashed = [_exchange(i, "api/items", 200) for i in range(40)] + [_exchange(40, "api/import", None)] + [
        _exchange(41 + i, "api/items", None) for i in range(8)]
    said = went_silent(crashed)
    assert "request 41 of 49" in said and "POST /api/import" in said
    # a target that answered to the end, one that never answered, and a short tail of lost answers say nothing
    assert went_silent([_exchange(i, "api/items", 200) for i in range(20)]) == ""
    assert went_silent([_exchange(i, "api/items", None) for i in range(20)]) == ""
    assert went_silent([_exchange(i, "api/items", 200) for i in range(20)] + [_exchange(20, "x", None)]) == ""


def test_every_operation_cut_short_at_once_is_done_again_when_the_check_resumes() -> None:
    """A check that tests operations concurrently can be cut short in several at once: each one begun is marked
    skipped ("cut short") and is among what a resumed run does again, not only the last."""
    from apishield.probe.client import Exchange
    from apishield.probe.coverage import Coverage

    cov = Coverage()
    ops = ["GET /a", "GET /b", "POST /c", "POST /d"]
    cov.plan("injection", ops)
    log = [Exchange(seq=i, check="injection", identity="anonymous", method=op.split()[0],
                    url="http://t" + op.split()[1], request_headers=(), request_body=b"", status=200, operation=op)
           for i, op in enumerate(ops[:3])]
    cov.stopped("injection", "budget: check 'injection' used its share")
    for op in ("GET /a", "POST /c"):
        cov.interrupted("injection", op)
    assert cov.unreached("injection", log) == ["GET /a", "POST /c", "POST /d"]
    states = {u.operation: (u.state, u.reason) for u in cov.units(["injection"], log)}
    assert states["GET /b"][0] == "ran"
    assert states["GET /a"][0] == states["POST /c"][0] == "skipped" and "cut short" in states["POST /c"][1]
    cov.resumed("injection")
    assert cov.unreached("injection", log) == ["POST /d"]
