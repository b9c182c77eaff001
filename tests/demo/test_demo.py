"""The demo runner: its pieces (locator, JSON adapter, verdict, servers) and, when the auditor and the
prober are installed, the whole demo in-process with a small budget, which is also the end-to-end test of
the vulnerable twins: every planted weakness must be found by the auditor or the prober."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from apishield.demo import locate
from apishield.demo.documents import ToolError, report_from_document
from apishield.demo.runner import DemoOptions, run_demo
from apishield.demo.servers import ServerError, ServerProcess, free_port
from apishield.demo.summary import counts, fallback_score, format_counts, summarize
from apishield.errors import ConfigError
from apishield.findings import Confidence, Evidence, Finding, Location, Severity
from apishield.reports import render
from apishield.reports.model import Report

REPO = Path(__file__).resolve().parents[2]


def _finding(rule: str, severity: Severity, *, http: bool = False) -> Finding:
    where = (dict(method="GET", http_path="/api/tasks/{id}", parameter="id",
                  evidence=Evidence(request="GET /api/tasks/1", response="200 OK", curl="curl http://x/api/tasks/1"))
             if http else dict(location=Location(path="app.py", line=12, end_line=13)))
    return Finding(rule_id=rule, title=f"title {rule}", severity=severity, confidence=Confidence.HIGH, cwe=(639, 862),
                   owasp="API1:2023", message=f"message {rule}", fix="fix it", **where)  # type: ignore[arg-type]


def test_locator_finds_the_checkout_and_honours_the_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert locate.examples_dir() == (REPO / "examples").resolve()
    (tmp_path / "taskapi").mkdir()
    (tmp_path / "vulnerable").mkdir()
    monkeypatch.setenv("APISHIELD_EXAMPLES", str(tmp_path))
    assert locate.examples_dir() == tmp_path.resolve()


def test_locator_explains_when_nothing_is_found(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(locate, "candidates", lambda: [tmp_path / "nope"])
    with pytest.raises(ConfigError, match="APISHIELD_EXAMPLES"):
        locate.examples_dir()


@pytest.mark.parametrize("tool", ["audit", "probe"])
def test_json_documents_round_trip_to_reports(tool: str) -> None:
    findings = [_finding("AS102", Severity.HIGH, http=tool == "probe"), _finding("AS105", Severity.LOW,
                                                                                 http=tool == "probe")]
    coverage = {"complete": False, "ratio": 0.5, "units": {"ran": 1, "counted": 2}} if tool == "probe" else {}
    original = Report(tool=tool, target="t", findings=findings, score=37 if tool == "probe" else None,  # type: ignore[arg-type]
                      requests_used=12 if tool == "probe" else None, coverage=coverage,
                      notes=["one check could not run"] if tool == "probe" else [])
    doc = json.loads(render(original, "json"))
    back = report_from_document(doc, tool, "t")  # type: ignore[arg-type]
    assert [f.fingerprint() for f in back.sorted_findings()] == [f.fingerprint() for f in original.sorted_findings()]
    assert back.severity_counts() == original.severity_counts()
    assert back.score == original.score
    assert back.status == original.status  # a probe run's coverage survives the round trip
    assert back.notes == original.notes
    for fmt in ("html", "sarif"):
        assert render(back, fmt)  # every writer accepts the rebuilt report


def test_json_without_findings_is_an_error() -> None:
    with pytest.raises(ToolError, match="findings"):
        report_from_document({"routes": []}, "audit", "t")


def test_verdict_rules() -> None:
    clean = Report(tool="audit", target="t", findings=[_finding("AS105", Severity.LOW)])
    medium = Report(tool="probe", target="t", findings=[_finding("PR-X", Severity.MEDIUM, http=True)])
    high = Report(tool="probe", target="t", findings=[_finding("PR-Y", Severity.HIGH, http=True)])
    assert summarize("api", "secure", "Flask", clean, clean).ok
    bad = summarize("api", "secure", "Flask", clean, medium)
    assert not bad.ok and "PR-X" in bad.reasons[0]
    assert summarize("twin", "twin", "Flask", Report("audit", "t", [_finding("A", Severity.CRITICAL)]), high).ok
    weak_twin = summarize("twin", "twin", "Flask", clean, high)
    assert not weak_twin.ok
    assert weak_twin.reasons == ["audit: no high-or-critical finding on a deliberately vulnerable app"]
    missing = summarize("api", "secure", "Flask", None, clean)
    assert not missing.ok and missing.reasons == ["audit did not run"]
    assert summarize("api", "secure", "Flask", None, clean, skipped=["audit"]).ok
    assert counts(high.findings)["high"] == 1 and format_counts(counts(high.findings)) == "0C 1H 0M 0L 0I"
    assert fallback_score(high.findings + high.findings) == 90  # once per rule
    assert fallback_score([_finding(f"R{i}", Severity.CRITICAL) for i in range(9)]) == 0


def _probe_report(complete: bool, findings: list[Finding] | None = None) -> Report:
    coverage: dict[str, Any] = {"complete": complete, "ratio": 0.8 if complete else 0.3, "threshold": 0.8,
                                "why_incomplete": [] if complete else ["only 21 of 69 (check, operation) units ran"]}
    return Report(tool="probe", target="t", findings=findings or [], score=100 if complete else None,
                  coverage=coverage)


@pytest.mark.parametrize("kind", ["secure", "twin"])
def test_incomplete_probe_run_fails_the_app_and_has_no_score(kind: str) -> None:
    found = [_finding("PR-Y", Severity.HIGH, http=True)] if kind == "twin" else []
    audit = Report("audit", "t", [_finding("A", Severity.CRITICAL)] if kind == "twin" else [])
    row = summarize("api", kind, "Flask", audit, _probe_report(False, found))
    assert not row.ok and row.score is None
    assert row.reasons == ["probe: incomplete run (30% of units ran, 80% needed): "
                           "only 21 of 69 (check, operation) units ran"]


def test_complete_probe_run_keeps_its_score() -> None:
    row = summarize("api", "secure", "Flask", Report("audit", "t", []), _probe_report(True))
    assert row.ok and row.score == 100 and row.reasons == []
    unmeasured = summarize("api", "secure", "Flask", None, Report("probe", "t", []), skipped=["audit"])
    assert unmeasured.ok and unmeasured.score == 100  # a report without coverage accounting: as before


def test_server_process_reports_a_dead_server(tmp_path: Path) -> None:
    server = ServerProcess("broken", [sys.executable, "-c", "raise SystemExit(3)"], cwd=tmp_path,
                           log_path=tmp_path / "log", ready_timeout=5)
    with pytest.raises(ServerError, match="exited with 3"):
        with server:
            pass


def test_server_process_stops_its_whole_process_group(tmp_path: Path) -> None:
    port = free_port()
    script = ("import http.server, subprocess, sys;"
              "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']);"
              f"http.server.HTTPServer(('127.0.0.1', {port}), http.server.SimpleHTTPRequestHandler).serve_forever()")
    server = ServerProcess("tiny", [sys.executable, "-c", script], cwd=tmp_path, log_path=tmp_path / "log",
                           port=port, ready_path="/")
    with server:
        proc = server._proc
        assert proc is not None and proc.poll() is None
    assert proc.poll() is not None
    import os
    import signal

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("the server's child process outlived the server")


LINE_TOLERANCE = 3  # decorators sit a line or two above the marked ``def``


def found_by_audit(weakness: dict[str, Any], findings: list[Finding]) -> bool:
    """A finding of one of the weakness's audit rules at a marked line (or anywhere, for absences)."""
    for f in findings:
        if f.rule_id not in weakness["audit"] or f.location is None:
            continue
        if weakness["match"] == "app":
            return True
        for where in weakness["where"]:
            if f.location.path.endswith(where["file"]) and abs(f.location.line - where["line"]) <= LINE_TOLERANCE:
                return True
    return False


def found_by_probe(weakness: dict[str, Any], findings: list[Finding]) -> bool:
    return any(f.rule_id in weakness["probe"] for f in findings)


def tools_available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("apishield.audit.cli", "apishield.probe.cli"))


@pytest.mark.slow
@pytest.mark.skipif(not tools_available(), reason="the auditor and the prober are not installed")
def test_whole_demo_passes_and_finds_every_planted_weakness(tmp_path: Path) -> None:
    """The demo end to end at its default budget (a smaller one leaves units untested, and an incomplete run
    rightly fails): the verdict holds, every weakness listed in each twin's weaknesses.json is found by the
    auditor or the prober, and the reports are written."""
    result = run_demo(DemoOptions(out=tmp_path, budget=600, workers=2, probe_timeout=100))
    assert [s.name for s in result.summaries] == ["flask-twin", "cherrypy-twin", "bottle-twin", "taskapi"]
    assert result.ok, [(s.name, s.reasons) for s in result.summaries]
    secure = result.summaries[-1]
    assert secure.score is not None and all(s.score is not None and s.score < secure.score
                                            for s in result.summaries if s.kind == "twin")
    missed = []
    for run in result.runs:
        if run.app.weaknesses is None:
            continue
        assert run.audit is not None and run.probe is not None
        planted = json.loads(run.app.weaknesses.read_text(encoding="utf-8"))["weaknesses"]
        missed += [f"{run.app.name} {w['id']} {w['what']} (audit {w['audit']}, probe {w['probe']})"
                   for w in planted
                   if not (found_by_audit(w, run.audit.findings) or found_by_probe(w, run.probe.findings))]
    assert not missed, "\n".join(missed)
    for summary, run in zip(result.summaries, result.runs, strict=True):  # the demo's own count agrees
        if run.app.weaknesses is not None:
            total = len(json.loads(run.app.weaknesses.read_text(encoding="utf-8"))["weaknesses"])
            assert summary.planted == (total, total) and not run.missed
    for name in ("flask-twin", "cherrypy-twin", "bottle-twin", "taskapi"):
        for tool in ("audit", "probe"):
            for ext in ("html", "sarif", "json"):
                assert (result.reports_dir / f"{name}-{tool}.{ext}").stat().st_size > 0
    assert result.seconds < 120


def test_cli_refuses_bad_arguments_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from apishield.cli import main

    assert main(["demo", "--budget", "0", "--out", str(tmp_path)]) == 3
    assert main(["demo", "--app", "nope", "--out", str(tmp_path)]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "--budget" in err[0] and "unknown demo app" in err[1]
    assert "Traceback" not in "".join(err)


def test_planted_coverage_matches_rules_at_marked_lines() -> None:
    from apishield.demo.planted import coverage

    planted = [
        {"id": "V1", "audit": ["AS101"], "probe": [], "match": "line", "where": [{"file": "app.py", "line": 10}]},
        {"id": "V2", "audit": ["AS201"], "probe": [], "match": "app", "where": []},
        {"id": "V3", "audit": [], "probe": ["PR-JWT-001"], "match": "line", "where": [{"file": "app.py", "line": 5}]},
        {"id": "V4", "audit": ["AS801"], "probe": ["PR-SQLI-001"], "match": "line",
         "where": [{"file": "app.py", "line": 40}]},
    ]
    audit = [_finding("AS101", Severity.HIGH), _finding("AS201", Severity.MEDIUM),  # both at app.py:12
             _finding("AS801", Severity.HIGH)]  # the right rule, 28 lines away from its marker
    probe = [_finding("PR-JWT-001", Severity.CRITICAL, http=True)]
    result = coverage(planted, audit, probe)
    assert result.found == ("V1", "V2", "V3") and result.missed == ("V4",) and result.total == 4
    assert coverage(planted, [], []).found == ()
