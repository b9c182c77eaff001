"""JUnit XML: one test case per finding (a failure), or one passing case when nothing was found, so CI
dashboards show security findings next to test results."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from apishield.findings import Finding
from apishield.reports.model import Report


def _case_name(finding: Finding) -> str:
    return f"{finding.where} {finding.title}".strip()


def render_junit(report: Report) -> str:
    findings = report.sorted_findings()
    not_ran = list(report.coverage.get("not_ran") or []) if report.coverage else []
    suites = ET.Element("testsuites", name=f"apishield {report.tool}")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"apishield {report.tool}: {report.target}",
        tests=str(max(len(findings), 1) + len(not_ran)),
        failures=str(len(findings)),
        errors="0",
        time=f"{report.seconds or 0.0:.3f}",
    )
    if not_ran:
        suite.set("skipped", str(len(not_ran)))
    if not findings:
        ET.SubElement(suite, "testcase", classname=f"apishield.{report.tool}", name="no findings")
    for unit in not_ran:  # what was not tested is visible in CI, never a silent pass
        case = ET.SubElement(suite, "testcase", classname=f"apishield.{report.tool}.coverage.{unit['check']}",
                             name=f"{unit['check']} {unit['operation']}")
        ET.SubElement(case, "skipped", message=f"{unit['state']}: {unit['reason']}")
    if report.coverage or report.notes:
        out = ET.SubElement(suite, "system-out")
        out.text = "\n".join([*report.coverage_lines(), *report.score_explanation, *report.notes])
    for finding in findings:
        case = ET.SubElement(suite, "testcase", classname=f"apishield.{report.tool}.{finding.rule_id}",
                             name=_case_name(finding))
        failure = ET.SubElement(case, "failure", message=finding.message, type=finding.severity.label)
        lines = [
            f"{finding.rule_id} {finding.title} ({finding.severity.label}, confidence {finding.confidence.label})",
            f"CWE: {finding.cwe_text}   OWASP: {finding.owasp}",
            finding.message,
        ]
        if finding.fix:
            lines.append(f"Fix: {finding.fix}")
        if finding.evidence is not None:
            lines.append(f"Reproduce: {finding.evidence.curl}")
        failure.text = "\n".join(lines)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


__all__ = ["render_junit"]
