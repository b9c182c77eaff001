"""Working with other tools and safety that generalises: suppression file, HAR export, curl lines whose
placeholders expand when pasted, --proxy validation, the destructive vocabulary."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest

from apishield.cli import main
from apishield.findings import Confidence, Finding, Severity
from apishield.probe.client import Exchange, ProbeClient
from apishield.probe.export import apply_suppressions, parse_suppressions
from apishield.probe.targets import Operation
from tests.probe.loopback import Answer, loopback
from tests.probe.test_coverage import SPEC


def _finding(rule: str, method: str, path: str) -> Finding:
    return Finding(rule_id=rule, title="t", severity=Severity.HIGH, confidence=Confidence.HIGH, cwe=(639,),
                   owasp="API1:2023", message="m", method=method, http_path=path)


def test_suppression_file_drops_intended_findings_and_says_why() -> None:
    rules = parse_suppressions("# shared notes\nPR-BOLA-001 GET /api/notes/*  # notes are shared by design\n"
                               "PR-HDR-002 # banner set by the platform\n")
    kept, dropped = apply_suppressions([_finding("PR-BOLA-001", "GET", "/api/notes/{id}"),
                                        _finding("PR-BOLA-001", "GET", "/api/tasks/{id}"),
                                        _finding("PR-HDR-002", "GET", "/")], rules)
    assert [(f.rule_id, f.http_path) for f in kept] == [("PR-BOLA-001", "/api/tasks/{id}")]
    assert len(dropped) == 2 and "notes are shared by design" in dropped[0]
    with pytest.raises(ValueError, match=r":1: say why"):
        parse_suppressions("PR-BOLA-001 GET /x\n", "s.txt")


def test_curl_placeholders_expand_when_pasted_into_a_shell() -> None:
    client = ProbeClient("http://127.0.0.1:9", rate=0, transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    client.add_secret("s3cret-token-value", "TOKEN_ALICE")
    ex = Exchange(seq=1, check="c", identity="alice", method="POST", url="http://127.0.0.1:9/a?x=$HOME",
                  request_headers=(("Authorization", "Bearer s3cret-token-value"), ("X-Q", 'a"b`c$d')),
                  request_body=b"{}", status=200)
    line = client.curl(ex)
    assert "s3cret" not in line and '"Authorization: Bearer ${TOKEN_ALICE}"' in line
    echoed = subprocess.run(["bash", "-c", f"curl() {{ printf '%s\\n' \"$@\"; }}; {line}"], capture_output=True,
                            text=True, env={"TOKEN_ALICE": "pasted-value", "HOME": "/nowhere"}, check=True).stdout
    assert "Authorization: Bearer pasted-value" in echoed
    assert "http://127.0.0.1:9/a?x=$HOME" in echoed  # everything else stays literal
    asyncio_close(client)


def asyncio_close(client: ProbeClient) -> None:
    import asyncio

    asyncio.run(client.aclose())


def test_har_holds_every_exchange_without_secrets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        ok = headers.get("Authorization") == "Bearer tok-alice-123"
        return (200, {}, {"id": 1}) if ok else (401, {}, {"detail": "no"})

    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC))
    har = tmp_path / "run.har"
    with loopback(app) as url:
        main(["probe", url, "--openapi", str(spec), "--auth", "alice=Authorization:Bearer tok-alice-123",
              "--checks", "authn", "--budget", "40", "--rate", "0", "--no-progress", "--format", "json",
              "--fail-on", "never", "--har", str(har)])
    doc = json.loads(capsys.readouterr().out)
    text = har.read_text()
    entries = json.loads(text)["log"]["entries"]
    assert len(entries) == doc["requests_used"] and "tok-alice-123" not in text and "$TOKEN_ALICE" in text
    assert {e["response"]["status"] for e in entries} >= {200, 401}


def test_proxy_must_be_a_proxy_url() -> None:
    with pytest.raises(ValueError, match="proxy must be"):
        ProbeClient("http://127.0.0.1:9", proxy="ftp://nope")


@pytest.mark.parametrize("op", [
    Operation("POST", "/api/reset"), Operation("POST", "/game/start_over"), Operation("POST", "/admin/wipe-data"),
    Operation("POST", "/cache/flush"), Operation("POST", "/db/truncate"),
    Operation("POST", "/x", operation_id="purgeAll"),
    Operation("POST", "/x", operation_id="destroy_everything"), Operation("GET", "/api/createdb"),
    Operation("POST", "/x", summary="Drops the database and starts over"), Operation("DELETE", "/api/items"),
    Operation("POST", "/api/users/delete_all"),
])
def test_destructive_vocabulary_and_parameterless_unsafe_methods(op: Operation) -> None:
    assert op.looks_destructive()


@pytest.mark.parametrize("op", [
    Operation("GET", "/api/items"), Operation("POST", "/api/items"), Operation("DELETE", "/api/items/{id}"),
    Operation("GET", "/api/dropdown-options"), Operation("POST", "/api/items", summary="Create an item"),
    Operation("DELETE", "/api/items", source="routes"),
])
def test_ordinary_operations_are_not_destructive(op: Operation) -> None:
    assert not op.looks_destructive()


def test_a_bare_post_action_is_refused_but_a_collection_post_is_not() -> None:
    restart, create, listing = Operation("POST", "/api/restart"), Operation("POST", "/api/items"), Operation(
        "GET", "/api/items")
    ops = [restart, create, listing]
    assert restart.looks_bare_action(ops) and not create.looks_bare_action(ops)
