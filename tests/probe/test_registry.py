"""Probe checks register through the generic Registry with their own phase and order; a check registered with
the public ``apishield.probe.check`` decorator runs in its declared place; ``--list-rules`` prints the table."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from apishield.cli import main
from apishield.findings import Confidence, Rule, Severity
from apishield.probe import ProbeConfig, ProbeOptions, check, probe
from apishield.probe.engine import CHECKS, Context
from apishield.registry import Registry, RegistryError
from tests.probe.loopback import Answer, loopback
from tests.probe.test_coverage import SPEC


def test_registry_orders_by_key_and_refuses_duplicates() -> None:
    reg: Registry[tuple[str, int]] = Registry("thing", name=lambda t: t[0], sort_key=lambda t: t[1])
    for item in (("b", 2), ("a", 3), ("c", 1)):
        reg.register(item)
    assert reg.names() == ["c", "b", "a"] and "a" in reg and len(reg) == 3
    with pytest.raises(RegistryError, match="registered twice"):
        reg.register(("a", 9))
    reg.register(("a", 0), replace=True)
    assert reg.names()[0] == "a"
    with pytest.raises(RegistryError, match="unknown thing 'z'; choose from a, c, b"):
        reg.get("z")
    reg.freeze()
    with pytest.raises(RegistryError, match="frozen"):
        reg.register(("d", 4))


def test_built_in_checks_declare_phase_and_order() -> None:
    import apishield.probe.checks  # noqa: F401

    names = CHECKS.names()
    assert names.index("crawl") == 0
    assert names.index("bola") < names.index("injection") < names.index("cors") < names.index("authn")
    # checks that send failing credentials run after every check that needs working access
    assert names.index("authn") < names.index("jwt") < names.index("credentials") < names.index("ratelimit")
    assert names.index("ratelimit") < names.index("passive") == len(names) - 1
    with pytest.raises(RegistryError, match="unknown phase"):
        check("nope", rules=(), phase="sometime")


def test_a_user_check_registered_with_the_public_decorator_runs_in_its_place(tmp_path: Path) -> None:
    rule = Rule("PR-USER-001", "Custom header missing", (693,), "API8:2023", Severity.LOW, Confidence.HIGH)
    order: list[str] = []

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        return 200, {}, {"ok": True}

    @check("user_custom_header", rules=(rule,), phase="config", order=15)
    async def custom(ctx: Context) -> None:
        """The answer must carry X-Custom."""
        op = ctx.operations[0]
        ex = await ctx.send("GET", op.path, op=op)
        if ex.header("x-custom") is None:
            ctx.report(rule, "no X-Custom header", ex, op=op)

    def listen(event: str, data: dict[str, Any]) -> None:
        if event == "check.start":
            order.append(str(data["check"]))

    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({**SPEC, "security": []}))
    try:
        with loopback(app) as url:
            result = asyncio.run(probe(ProbeConfig(url, openapi=str(spec), options=ProbeOptions(
                budget=200, rate=0, checks=("cors", "user_custom_header", "headers_errors"))), [listen]))
    finally:
        CHECKS.unregister("user_custom_header")
    assert order == ["cors", "user_custom_header", "headers_errors", "password_storage", "stored_xss", "exposure",
                     "crash", "passive"]
    assert "PR-USER-001" in {f.rule_id for f in result.findings}
    assert result.coverage["checks"]["user_custom_header"]["ran"] == 1


def test_list_rules_prints_every_check_and_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", "--list-rules"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("| check | phase | rule |")
    for rule_id in ("PR-AUTH-001", "PR-JWT-003", "PR-BOLA-002", "PR-RATE-001", "PR-SSTI-001"):
        assert f"| {rule_id} |" in out


def test_probe_without_a_url_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "base URL" in err


def test_the_documented_rule_table_is_the_generated_one() -> None:
    from apishield.probe.cli import rule_table

    doc = (Path(__file__).resolve().parents[2] / "docs" / "reference" / "probe.md").read_text(encoding="utf-8")
    copy = doc.split("<!-- probe-rules:start -->\n", 1)[1].split("<!-- probe-rules:end -->", 1)[0]
    assert copy == rule_table(), "regenerate with: apishield probe --list-rules"
