"""The 0–100 score: 100 minus a penalty per distinct finding, weighted by severity and confidence.

Penalties: critical 30, high 15, medium 6, low 2, info 0; halved for low confidence, three quarters for
medium. Repeated findings of one rule cost the full penalty once and a quarter for each further place, so
one systemic flaw does not drown out everything else. The explanation lists each deduction.
"""

from __future__ import annotations

from collections import defaultdict

from apishield.findings import Confidence, Finding, Severity

PENALTY = {Severity.CRITICAL: 30.0, Severity.HIGH: 15.0, Severity.MEDIUM: 6.0, Severity.LOW: 2.0, Severity.INFO: 0.0}
CONFIDENCE = {Confidence.HIGH: 1.0, Confidence.MEDIUM: 0.75, Confidence.LOW: 0.5}


def score(findings: list[Finding]) -> tuple[int, list[str]]:
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_rule[f.rule_id].append(f)
    total = 0.0
    lines: list[str] = []
    for rule_id, group in sorted(by_rule.items(), key=lambda kv: -max(int(f.severity) for f in kv[1])):
        group.sort(key=lambda f: (-int(f.severity), -int(f.confidence)))
        cost = sum(PENALTY[f.severity] * CONFIDENCE[f.confidence] * (1.0 if i == 0 else 0.25)
                   for i, f in enumerate(group))
        if cost <= 0:
            continue
        total += cost
        lines.append(f"-{cost:.1f} {rule_id} ({group[0].title}; {len(group)} place{'s' if len(group) > 1 else ''}, "
                     f"{group[0].severity.label}/{group[0].confidence.label})")
    value = max(0, round(100 - total))
    head = (f"score {value}/100: 100 minus severity-weighted penalties (critical 30, high 15, medium 6, low 2; "
            "x0.75 medium confidence, x0.5 low; further places of one rule x0.25)")
    return value, [head, *lines] if lines else [head, "no deductions"]


__all__ = ["score"]
