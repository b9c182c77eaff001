"""Reflected markup counts as XSS only where a browser parses it as markup. A 500 page in the style of Werkzeug's
debugger that shows the file name escaped in its HTML and unescaped only in the plain-text traceback it puts inside an
HTML comment at its end (the comment cannot be closed: the debugger collapses every run of dashes), and a form that
shows the value back inside a ``<textarea>``, stay quiet; the same pages with the name pasted into their HTML fire
(PR-XSS-001)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.probe.loopback import Answer, Handler, findings_at, loopback, probe_paths

SPEC = {"/download": {"get": {"parameters": [{"name": "path", "in": "query", "example": "report.txt",
                                               "schema": {"type": "string"}}],
                              "responses": {"200": {"description": "the file"}}}},
        "/note": {"get": {"parameters": [{"name": "text", "in": "query", "example": "hello",
                                           "schema": {"type": "string"}}],
                          "responses": {"200": {"description": "a form with the note"}}}}}


def _app(flaw: bool) -> Handler:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(path)
        value = parse_qs(url.query).get("path", parse_qs(url.query).get("text", [""]))[0]
        shown = value if flaw else html.escape(value)
        if url.path == "/download":
            if value == "report.txt":
                return 200, {"Content-Type": "text/plain"}, "the report"
            traceback = f'FileNotFoundError: [Errno 2] No such file: "{value}"'.replace("--", "-")
            page = (f"<!DOCTYPE html><html><head><title>FileNotFoundError // Werkzeug Debugger</title></head>"
                    f"<body><h1>FileNotFoundError</h1><pre>{shown}</pre>\n<!--\n\n{traceback}\n\n-->\n</body></html>")
            return 500, {"Content-Type": "text/html; charset=utf-8"}, page
        if url.path == "/note":
            field = f"<p>{shown}</p>" if flaw else f"<textarea name=text>{value}</textarea>"
            return 200, {"Content-Type": "text/html; charset=utf-8"}, f"<form>{field}<button>Save</button></form>"
        return 404, {"Content-Type": "text/html"}, "not found"
    return app


@pytest.mark.parametrize("flaw", [True, False])
def test_reflections_that_cannot_run(tmp_path: Path, flaw: bool) -> None:
    with loopback(_app(flaw)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("injection",))
    hits = {f.http_path for f in result.findings if f.rule_id == "PR-XSS-001"}
    assert hits == ({"/download", "/note"} if flaw else set())


@pytest.mark.parametrize(("reads", "fires"), [("json-only", False), ("json-or-form", True), ("nested", False)])
def test_markup_echoed_from_a_json_body_counts_when_a_form_can_send_it(tmp_path: Path, reads: str,
                                                                      fires: bool) -> None:
    """An error page that shows a posted field unescaped is reflected XSS only when another site can make a browser
    send it: a JSON body needs a script of the page's own origin, so the same field sent as a form must come back too
    (a handler reading JSON or form fields alike); a field inside a JSON object has no form of its own."""
    from urllib.parse import parse_qs

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if path != "/previews" or method != "POST":
            return 404, {}, {"detail": "not found"}
        if headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            if reads != "json-or-form":
                return 415, {}, {"detail": "JSON only"}
            host = parse_qs(body.decode()).get("host", [""])[0]
        else:
            data = json.loads(body or b"{}")
            host = (data.get("target") or {}).get("host", "") if reads == "nested" else data.get("host", "")
        return 502, {"Content-Type": "text/html; charset=utf-8"}, f"cannot reach {host}"

    field = {"host": {"type": "string", "example": "example.org"}}
    props = {"target": {"type": "object", "properties": field}} if reads == "nested" else field
    spec = {"/previews": {"post": {"requestBody": {"content": {"application/json": {"schema": {
        "type": "object", "properties": props}}}}, "responses": {"200": {"description": "a preview"}}}}}
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("injection",))
    assert (("PR-XSS-001", "POST", "/previews") in findings_at(result)) is fires


_SCRIPT_SPEC = {"/history": {"get": {"parameters": [{"name": "account_id", "in": "query", "example": "3",
                                                      "schema": {"type": "string"}}],
                                     "responses": {"200": {"description": "the page"}}}}}


def _script_app(encoding: str) -> Handler:
    """A page that writes the query value into a script: JSON-encoded (quotes and ``/`` escaped), pasted between
    double quotes as sent, or pasted after the script into the page."""
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(path)
        if url.path != "/history":
            return 404, {"Content-Type": "text/html"}, "not found"
        value = parse_qs(url.query).get("account_id", [""])[0]
        if encoding == "json":
            script = f"<script>const account = {json.dumps(value).replace('/', chr(92) + '/')};</script>"
        elif encoding == "json-slash":  # Python's json.dumps leaves ``/`` as it is: ``</script>`` ends the script
            script = f"<script>const account = {json.dumps(value)};</script>"
        elif encoding == "raw-string":
            script = f'<script>const account = "{value}";</script>'
        else:
            script = f"<script>const account = 3;</script><p>{value}</p>"
        return 200, {"Content-Type": "text/html; charset=utf-8"}, f"<html><body>{script}</body></html>"
    return app


@pytest.mark.parametrize(("encoding", "fires"), [("json", False), ("json-slash", True), ("raw-string", True),
                                                ("after", True)])
def test_reflections_inside_a_script(tmp_path: Path, encoding: str, fires: bool) -> None:
    """A value written into a script as a JSON string (its quotes and slashes escaped) is JavaScript text, never
    markup; one whose slashes are kept can end the script with ``</script>``, one pasted into a script string as sent
    ends the string, and one pasted into the page is markup."""
    with loopback(_script_app(encoding)) as url:
        result = probe_paths(tmp_path, url, _SCRIPT_SPEC, ("injection",))
    assert (("PR-XSS-001", "GET", "/history") in findings_at(result)) is fires
