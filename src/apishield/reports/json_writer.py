"""JSON report: the contract outside checks read (see README, "JSON output")."""

from __future__ import annotations

import json
from typing import Any

from apishield.reports.model import Report

_string = json.encoder.encode_basestring_ascii  # the C implementation when available, as json.dumps uses
_INF = float("inf")


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


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INF:
        return "Infinity"
    if value == -_INF:
        return "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _encode(value: Any, level: int, out: list[str]) -> None:
    """Append ``value`` as ``json.dumps(..., indent=2, default=str)`` writes it at nesting ``level``."""
    if isinstance(value, str):
        out.append(_string(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = "\n" + "  " * (level + 1)
        out.append("[" + inner)
        first = True
        for item in value:
            if not first:
                out.append("," + inner)
            first = False
            _encode(item, level + 1, out)
        out.append("\n" + "  " * level + "]")
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = "\n" + "  " * (level + 1)
        out.append("{" + inner)
        first = True
        for key, item in value.items():
            if not first:
                out.append("," + inner)
            first = False
            out.append(_string(_key(key)) + ": ")
            _encode(item, level + 1, out)
        out.append("\n" + "  " * level + "}")
    else:
        _encode(str(value), level, out)


def render_json(report: Report) -> str:
    """The report as ``json.dumps(document, indent=2, default=str)`` writes it, plus a newline.

    Written by :func:`_encode` rather than :func:`json.dumps`: with an indent the standard library falls back to
    its pure-Python encoder, whose generators were a tenth of a large audit's time.
    """
    out: list[str] = []
    _encode(to_document(report), 0, out)
    out.append("\n")
    return "".join(out)


__all__ = ["render_json", "to_document"]
