"""JSON report: the contract outside checks read (see README, "JSON output")."""

from __future__ import annotations

import json
from typing import Any

from apishield.reports.model import Report


def to_document(report: Report) -> dict[str, Any]:
    doc: dict[str, Any] = {"findings": [f.to_dict() for f in report.sorted_findings()]}
    if report.tool == "audit":
        doc["routes"] = report.routes
        doc["stats"] = {"severity": report.severity_counts(), **report.stats}
    else:
        doc["score"] = report.score
        doc["requests_used"] = report.requests_used
        doc["seconds"] = None if report.seconds is None else round(report.seconds, 3)
        doc["score_explanation"] = report.score_explanation
        doc["budget_shares"] = report.budget_shares
        doc["stats"] = {"severity": report.severity_counts(), **report.stats}
        if report.routes:
            doc["routes"] = report.routes
        if report.coverage:
            doc["status"] = report.status
            doc["coverage"] = report.coverage
        if report.notes:
            doc["notes"] = report.notes
    doc["tool"] = report.tool
    doc["target"] = report.target
    for key, value in report.extra.items():
        doc.setdefault(key, value)
    return doc


def render_json(report: Report) -> str:
    return json.dumps(to_document(report), indent=2, sort_keys=False, default=str) + "\n"


__all__ = ["render_json", "to_document"]
