"""``apishield audit`` on the command line: exit codes, formats, the JSON contract, routes, baselines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apishield.cli import main

from .helpers import write

VULNERABLE = """\
from flask import Flask, jsonify
app = Flask(__name__)

@app.route("/api/data/<user_id>")
def get_user_data(user_id):
    return jsonify({"user_id": user_id})

if __name__ == "__main__":
    app.run(debug=True)
"""
SEVERITIES = {"info", "low", "medium", "high", "critical"}


def test_missing_path_prints_one_line_and_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["audit", str(tmp_path / "missing")])
    err = capsys.readouterr().err
    assert code == 3
    assert err.count("\n") == 1 and "no such file or directory" in err


def test_json_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"app.py": VULNERABLE})
    code = main(["audit", str(tmp_path), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    assert set(doc) >= {"findings", "routes", "stats"}
    assert doc["findings"]
    for f in doc["findings"]:
        assert {
            "rule_id",
            "title",
            "severity",
            "confidence",
            "cwe",
            "owasp",
            "path",
            "line",
            "end_line",
            "message",
            "fix",
        } <= set(f)
        assert f["severity"] in SEVERITIES
        assert isinstance(f["cwe"], list) and all(isinstance(c, int) for c in f["cwe"])
        assert f["path"] == "app.py"
        assert isinstance(f["line"], int) and f["end_line"] >= f["line"]
        assert f["fix"]
    by_rule = {f["rule_id"]: f for f in doc["findings"]}
    assert by_rule["AS101"]["line"] == 4 and by_rule["AS101"]["cwe"][0] == 306
    assert by_rule["AS301"]["owasp"].startswith("API8")
    assert doc["routes"][0]["path"] == "/api/data/<user_id>" and doc["routes"][0]["auth"] is None


def test_fail_on_threshold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"app.py": "import requests\nasync def fetch(url):\n    return requests.get(url)\n"})
    assert main(["audit", str(tmp_path), "--fail-on", "high"]) == 0
    assert main(["audit", str(tmp_path), "--fail-on", "medium"]) == 1
    assert main(["audit", str(tmp_path), "--fail-on", "never"]) == 0
    capsys.readouterr()


def test_bad_severity_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"app.py": "x = 1\n"})
    assert main(["audit", str(tmp_path), "--fail-on", "severe"]) == 3
    assert "unknown severity" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["text", "sarif", "junit", "html"])
def test_other_formats_render(tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"app.py": VULNERABLE})
    out_file = tmp_path / f"report.{fmt}"
    main(["audit", str(tmp_path), "--format", fmt, "--output", str(out_file), "--no-progress"])
    text = out_file.read_text()
    assert "AS301" in text
    if fmt == "sarif":
        sarif = json.loads(text)
        run = sarif["runs"][0]
        rule_ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
        assert {"AS101", "AS301", "AS701"} <= rule_ids  # the whole rule table, not only the hits
        uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not uri.startswith("/")


def test_routes_inventory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"app.py": VULNERABLE})
    main(["audit", str(tmp_path), "--routes"])
    out = capsys.readouterr().out
    assert "/api/data/<user_id>" in out and "get_user_data" in out and "app.py:4" in out and "NONE" in out


def test_write_baseline_then_clean_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "src"
    write(src, {"app.py": VULNERABLE})
    base = tmp_path / "base.json"
    assert main(["audit", str(src), "--write-baseline", str(base)]) == 0
    assert main(["audit", str(src), "--baseline", str(base), "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out[out.index("{") :])["findings"] == []
