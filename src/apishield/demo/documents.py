"""Turn the JSON documents printed by ``apishield audit|probe --format json`` back into a :class:`Report`.

The demo runs the auditor and the prober as child processes and talks to them only through their
documented JSON contract, so one crashing tool cannot take the demo down and every report writer (HTML,
SARIF) still gets the full model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apishield.errors import ApishieldError
from apishield.findings import Confidence, Evidence, Finding, Location, Severity
from apishield.reports.model import Report, Tool


class ToolError(ApishieldError):
    """The auditor or the prober failed to produce its JSON document."""


def finding_from_dict(data: Mapping[str, Any], tool: Tool) -> Finding:
    """One finding of the JSON contract as a :class:`Finding`; unknown keys are kept in ``extra``."""
    severity = Severity.parse(str(data.get("severity", "info")))
    try:
        confidence = Confidence.parse(str(data.get("confidence", "medium")))
    except ValueError:
        confidence = Confidence.MEDIUM
    cwe = tuple(int(c) for c in data.get("cwe") or () if str(c).isdigit())
    known = {"rule_id", "title", "severity", "confidence", "cwe", "owasp", "message", "fix", "path", "line",
             "end_line", "method", "parameter", "evidence"}
    extra = {k: v for k, v in data.items() if k not in known}
    location = None
    evidence = None
    http_path = None
    if tool == "audit" and data.get("path") is not None:
        line = int(data.get("line") or 1)
        location = Location(path=str(data["path"]), line=line, end_line=int(data.get("end_line") or line))
    else:
        http_path = None if data.get("path") is None else str(data["path"])
        ev = data.get("evidence")
        if isinstance(ev, Mapping):
            evidence = Evidence(request=str(ev.get("request", "")), response=str(ev.get("response", "")),
                                curl=str(ev.get("curl", "")))
    return Finding(
        rule_id=str(data.get("rule_id", "?")),
        title=str(data.get("title", "")),
        severity=severity,
        confidence=confidence,
        cwe=cwe,
        owasp=str(data.get("owasp", "")),
        message=str(data.get("message", data.get("title", ""))),
        fix=str(data.get("fix", "")),
        location=location,
        method=None if data.get("method") is None else str(data["method"]),
        http_path=http_path,
        parameter=None if data.get("parameter") is None else str(data["parameter"]),
        evidence=evidence,
        extra=extra,
    )


def report_from_document(doc: Mapping[str, Any], tool: Tool, target: str) -> Report:
    """A :class:`Report` equivalent to the JSON document ``doc``."""
    raw = doc.get("findings")
    if not isinstance(raw, list):
        raise ToolError(f"apishield {tool}: the JSON document has no findings list")
    findings = [finding_from_dict(item, tool) for item in raw if isinstance(item, Mapping)]
    score = doc.get("score")
    seconds = doc.get("seconds")
    return Report(
        tool=tool,
        target=target,
        findings=findings,
        routes=list(doc.get("routes") or []),
        stats={k: v for k, v in (doc.get("stats") or {}).items() if k != "severity"},
        score=int(score) if isinstance(score, int | float) else None,
        score_explanation=[str(s) for s in doc.get("score_explanation") or []],
        requests_used=doc.get("requests_used") if isinstance(doc.get("requests_used"), int) else None,
        seconds=float(seconds) if isinstance(seconds, int | float) else None,
        budget_shares=dict(doc.get("budget_shares") or {}),
        coverage=dict(doc.get("coverage") or {}),
        notes=[str(n) for n in doc.get("notes") or []],
    )
