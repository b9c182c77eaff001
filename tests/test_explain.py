"""Rule pages: every rule the tools list has a page and an explanation, and every example is what it says."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from apishield import explain
from apishield.audit.config import AuditConfig
from apishield.audit.engine import run
from apishield.cli import main
from apishield.findings import Rule
from apishield.probe import rules as probe_rules


def _listed_audit_ids(capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["audit", "--list-rules"]) == 0
    return re.findall(r"^\| (AS\d{3}) \|", capsys.readouterr().out, re.MULTILINE)


def _probe_table_ids() -> list[str]:
    return sorted(v.id for v in vars(probe_rules).values() if isinstance(v, Rule))


def test_every_listed_audit_rule_has_a_page(capsys: pytest.CaptureFixture[str]) -> None:
    listed = _listed_audit_ids(capsys)
    assert len(listed) > 40
    assert listed == explain.audit_ids()
    for rule_id in listed:
        text = explain.page(rule_id)
        assert text.startswith(f"# {rule_id} — ")
        for section in ("## What it detects", "## Why it matters", "## How to fix it", "## How to suppress it"):
            assert section in text, (rule_id, section)
        assert f"ignore[{rule_id}]" in text


def test_every_probe_rule_in_the_table_has_a_page() -> None:
    table = _probe_table_ids()
    assert len(table) > 25
    assert table == explain.probe_ids()  # every rule of the table is proved by some registered check
    for rule_id in table:
        text = explain.page(rule_id)
        assert text.startswith(f"# {rule_id} — ")
        assert "--skip" in text and "CWE-" in text


@pytest.mark.parametrize("rule_id", ["AS301", "PR-JWT-001"])
def test_explain_prints_the_page(rule_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", rule_id.lower()]) == 0
    out = capsys.readouterr().out
    assert out == explain.page(rule_id)


def test_explain_lists_every_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "--list"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == explain.rule_ids()


def test_unknown_id_is_one_line_with_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "AS3O1"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean" in err and "AS301" in err


def test_explain_from_the_console_script() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "apishield", "explain", "AS801"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "SQL built from request data" in done.stdout


def _audit(tmp_path: Path, name: str, source: str) -> set[str]:
    root = tmp_path / name
    root.mkdir()
    (root / "app.py").write_text(source, encoding="utf-8")
    result = run([str(root)], AuditConfig(), jobs=1)
    return {f.rule_id for f in result.findings}


AUDIT_EXAMPLES = [
    (rule_id, index, example)
    for rule_id, items in explain.examples().items()
    if rule_id.startswith("AS")
    for index, example in enumerate(items)
]


def test_every_audit_rule_has_an_example_and_examples_name_known_rules() -> None:
    assert set(explain.examples()) <= set(explain.rule_ids())
    assert set(explain.audit_ids()) <= set(explain.examples())


@pytest.mark.parametrize(("rule_id", "index", "example"), AUDIT_EXAMPLES, ids=lambda v: str(v)[:12])
def test_audit_example_bad_fires_and_good_stays_quiet(
    tmp_path: Path, rule_id: str, index: int, example: dict[str, str]
) -> None:
    assert rule_id in _audit(tmp_path, "bad", example["bad"]), f"{rule_id} example {index}: bad code not flagged"
    assert rule_id not in _audit(tmp_path, "good", example["good"]), f"{rule_id} example {index}: good code flagged"
