"""SARIF 2.1.0, shaped for GitHub code scanning: rules with ``security-severity`` and CWE tags, relative
URIs under ``%SRCROOT%``, and partial fingerprints so alerts survive line moves."""

from __future__ import annotations

import json
from typing import Any

from apishield._version import __version__
from apishield.findings import Finding, Rule, Severity
from apishield.reports.model import Report

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://pypi.org/project/apishield/"


def _level(severity: Severity) -> str:
    if severity >= Severity.HIGH:
        return "error"
    if severity == Severity.MEDIUM:
        return "warning"
    return "note"


def _rule_entry(rule: Rule) -> dict[str, Any]:
    tags = ["security", *(f"external/cwe/cwe-{c}" for c in rule.cwe)]
    if rule.owasp:
        tags.append(f"owasp-api-2023/{rule.owasp}")
    help_text = rule.fix or rule.description or rule.title
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.title.replace("-", " ").split())[:120] or rule.id,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": (rule.description or rule.title).strip()},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": _level(rule.severity)},
        "properties": {
            "tags": tags,
            "security-severity": rule.severity.security_severity,
            "precision": {0: "low", 1: "medium", 2: "high"}[int(rule.confidence)],
            "problem.severity": {4: "error", 3: "error", 2: "warning"}.get(int(rule.severity), "recommendation"),
        },
    }


def _result(finding: Finding, rule_index: int, target: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": _level(finding.severity),
        "message": {"text": finding.message},
        "partialFingerprints": {"apishieldFingerprint/v1": finding.fingerprint()},
        "properties": {
            "severity": finding.severity.label,
            "confidence": finding.confidence.label,
            "security-severity": finding.severity.security_severity,
        },
    }
    if finding.location is not None:
        loc = finding.location
        region: dict[str, Any] = {"startLine": max(loc.line, 1), "endLine": max(loc.end_line or loc.line, 1)}
        if loc.snippet:
            region["snippet"] = {"text": loc.snippet}
        result["locations"] = [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": loc.path, "uriBaseId": "%SRCROOT%"},
                    "region": region,
                }
            }
        ]
        related = finding.extra.get("related") if finding.extra else None
        if isinstance(related, list) and related:  # e.g. where a route reported at its handler is registered
            result["relatedLocations"] = [
                {
                    "id": i,
                    "message": {"text": str(r.get("message", ""))},
                    "physicalLocation": {
                        "artifactLocation": {"uri": str(r["path"]), "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": max(int(r["line"]), 1)},
                    },
                }
                for i, r in enumerate(related)
            ]
    else:
        name = f"{finding.method or ''} {finding.http_path or ''}".strip() or target
        result["locations"] = [{"logicalLocations": [{"name": name, "kind": "resource"}]}]
        if finding.evidence is not None:
            result["properties"]["curl"] = finding.evidence.curl
            result["properties"]["request"] = finding.evidence.request
            result["properties"]["response"] = finding.evidence.response
        if finding.parameter:
            result["properties"]["parameter"] = finding.parameter
    return result


def to_sarif(report: Report) -> dict[str, Any]:
    rules = report.rules_by_id()
    order = {rule_id: i for i, rule_id in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "apishield",
                "informationUri": INFO_URI,
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule_entry(r) for r in rules.values()],
            }
        },
        "automationDetails": {"id": f"apishield/{report.tool}/"},
        "results": [_result(f, order[f.rule_id], report.target) for f in report.sorted_findings()],
        "columnKind": "utf16CodeUnits",
    }
    if report.coverage or report.notes:
        run["properties"] = {"status": report.status, "score": report.score, "coverage": report.coverage}
        notifications = [{"level": "warning" if report.status == "incomplete" else "note",
                          "message": {"text": line}} for line in report.coverage_lines()[:1]]
        notifications += [{"level": "note", "message": {"text": note}} for note in report.notes]
        notifications += [{"level": "warning", "message": {"text": f"{u['check']} {u['state']} on "
                                                                   f"{u['operation']}: {u['reason']}"}}
                          for u in (report.coverage.get("not_ran") or [])[:100]]
        run["invocations"] = [{"executionSuccessful": True, "toolExecutionNotifications": notifications}]
    if report.tool == "audit":
        run["originalUriBaseIds"] = {"%SRCROOT%": {"description": {"text": "The scanned directory."}}}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(report: Report) -> str:
    return json.dumps(to_sarif(report), indent=2) + "\n"


__all__ = ["render_sarif", "to_sarif"]
