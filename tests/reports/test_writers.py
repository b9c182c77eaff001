"""The shared report writers: contract shapes, escaping, valid XML/SARIF structure."""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apishield.findings import Confidence, Evidence, Finding, Location, Rule, Severity
from apishield.reports import FORMATS, Report, render

RULE = Rule("AS801", "SQL built from request data", (89,), "API8:2019", Severity.HIGH, Confidence.HIGH,
            fix="Use parameterised queries.")


def audit_finding(path: str = "app.py", line: int = 3, message: str = "tainted SQL") -> Finding:
    return Finding.from_rule(RULE, message, location=Location(path, line, line, snippet="cur.execute(q)"))


def probe_finding(response: str = "<script>alert(1)</script>") -> Finding:
    rule = Rule("PR-XSS", "Reflected XSS", (79,), "API8:2019", Severity.MEDIUM, Confidence.HIGH)
    return Finding.from_rule(
        rule, "payload reflected unescaped in HTML", method="GET", http_path="/search", parameter="q",
        evidence=Evidence("GET /search?q=x HTTP/1.1", response, "curl 'http://127.0.0.1:1/search?q=x'"),
    )


def test_audit_json_contract() -> None:
    doc = json.loads(render(Report("audit", "src", [audit_finding()], [RULE], routes=[{"path": "/x"}]), "json"))
    assert set(doc) >= {"findings", "routes", "stats"}
    f = doc["findings"][0]
    assert f == {**f, "rule_id": "AS801", "severity": "high", "confidence": "high", "cwe": [89],
                 "owasp": "API8:2019", "path": "app.py", "line": 3, "end_line": 3, "message": "tainted SQL",
                 "fix": "Use parameterised queries.", "title": "SQL built from request data"}


def test_probe_json_contract() -> None:
    report = Report("probe", "http://127.0.0.1:1", [probe_finding()], score=42, requests_used=17, seconds=1.5)
    doc = json.loads(render(report, "json"))
    assert doc["score"] == 42 and doc["requests_used"] == 17 and doc["seconds"] == 1.5
    f = doc["findings"][0]
    assert (f["method"], f["path"], f["parameter"]) == ("GET", "/search", "q")
    assert set(f["evidence"]) == {"request", "response", "curl"}


def test_sarif_has_rule_metadata_and_relative_uris() -> None:
    doc = json.loads(render(Report("audit", "src", [audit_finding("pkg/app.py")], [RULE]), "sarif"))
    run = doc["runs"][0]
    assert doc["version"] == "2.1.0"
    rule = run["tool"]["driver"]["rules"][0]
    assert rule["properties"]["security-severity"] == "8.0"
    assert "external/cwe/cwe-89" in rule["properties"]["tags"]
    result = run["results"][0]
    loc = result["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "pkg/app.py", "uriBaseId": "%SRCROOT%"}
    assert result["partialFingerprints"]["apishieldFingerprint/v1"]
    assert result["ruleIndex"] == 0 and result["level"] == "error"


def test_fingerprint_survives_line_moves() -> None:
    assert audit_finding(line=3).fingerprint() == audit_finding(line=40).fingerprint()
    assert audit_finding(message="a").fingerprint() != audit_finding(message="b").fingerprint()


def test_junit_is_valid_xml_with_one_failure_per_finding() -> None:
    xml = render(Report("audit", "src", [audit_finding(), audit_finding(line=9, message="m2")], [RULE]), "junit")
    root = ET.fromstring(xml.split("\n", 1)[1])
    assert len(root.findall(".//failure")) == 2
    empty = ET.fromstring(render(Report("audit", "src", []), "junit").split("\n", 1)[1])
    assert not empty.findall(".//failure") and len(empty.findall(".//testcase")) == 1


@given(st.text(max_size=60))
def test_html_escapes_everything(text: str) -> None:
    payload = f"<img src=x onerror={text!r}>"
    page = render(Report("probe", payload, [probe_finding(payload)], score=1), "html")
    assert payload not in page
    assert html.escape(payload) in page
    assert "<script" not in page.lower()


def test_text_report_groups_by_severity() -> None:
    out = render(Report("audit", "src", [audit_finding(), probe_finding()], [RULE]), "text")
    assert out.index("HIGH (1)") < out.index("MEDIUM (1)")
    assert "2 finding(s)" in out


def test_unknown_format_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="choose one of"):
        render(Report("audit", "x", []), "pdf")
    assert set(FORMATS) == {"text", "json", "sarif", "junit", "html"}


def test_every_writer_names_the_same_place() -> None:
    a, p = audit_finding("pkg/app.py", 12), probe_finding()
    assert a.where == "pkg/app.py:12"
    assert p.where == "GET /search (parameter q)"
    for fmt in ("text", "html", "junit"):
        out = render(Report("probe", "t", [a, p], [RULE]), fmt)
        assert "pkg/app.py:12" in out, fmt
        assert "GET /search (parameter q)" in out, fmt


class _Opaque:
    def __str__(self) -> str:
        return "opaque \u00e9"


_SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.just(_Opaque())
    | st.sampled_from([Severity.HIGH, Confidence.LOW])
)
_KEYS = st.text() | st.integers() | st.floats(allow_nan=False) | st.booleans() | st.none()
_DOCS = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=30,
)


@given(_DOCS)
def test_json_report_is_written_exactly_as_json_dumps_writes_it(document: object) -> None:
    from apishield.reports import json_writer

    out: list[str] = []
    json_writer._encode(document, 0, out)
    assert "".join(out) == json.dumps(document, indent=2, default=str)


def test_json_report_text_is_the_standard_indented_dump() -> None:
    from apishield.reports.json_writer import to_document

    report = Report("audit", "src", [audit_finding(), audit_finding(line=9, message="caf\u00e9 <x>")], [RULE],
                    routes=[{"path": "/x", "methods": ("GET",)}])
    assert render(report, "json") == json.dumps(to_document(report), indent=2, default=str) + "\n"
