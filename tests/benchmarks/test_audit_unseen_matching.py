"""The unseen-code benchmark's label matching: a finding judged false never finds a label, whatever tool made it;
judged-true and unjudged findings near a label with a shared CWE do."""

from __future__ import annotations

from typing import Any

import pytest

LABEL = {"file": "app.py", "lines": [10, 12], "cwe": [89], "what": "SQL injection"}


def _hit(unseen: Any, tool: str, line: int = 11, cwe: tuple[int, ...] = (89,)) -> Any:
    return unseen.Hit(tool, "demo", "app.py", line, "R1", "medium", cwe)


@pytest.mark.parametrize("tool", ["apishield", "bandit", "semgrep"])
def test_a_finding_judged_false_finds_no_label(unseen: Any, tool: str) -> None:
    hit = _hit(unseen, tool)
    assert not unseen.matches(LABEL, hit, {hit.key: {"ok": False, "why": "the value is a constant"}})


@pytest.mark.parametrize("tool", ["apishield", "bandit", "semgrep"])
@pytest.mark.parametrize("verdict", [{"ok": True, "why": "request value in the query"}, None])
def test_judged_true_and_unjudged_findings_near_the_label_find_it(unseen: Any, tool: str,
                                                                    verdict: dict[str, Any] | None) -> None:
    hit = _hit(unseen, tool)
    judgements = {hit.key: verdict} if verdict else {}
    assert unseen.matches(LABEL, hit, judgements)


def test_a_true_finding_still_needs_a_shared_cwe_and_a_near_line(unseen: Any) -> None:
    far, other = _hit(unseen, "apishield", line=30), _hit(unseen, "apishield", cwe=(79,))
    judgements = {far.key: {"ok": True}, other.key: {"ok": True}}
    assert not unseen.matches(LABEL, far, judgements)
    assert not unseen.matches(LABEL, other, judgements)
