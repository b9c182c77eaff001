"""Errors read for what they show: a shell's syntax error is not a database error, an origin allowed without
credentials is what ``*`` allows, and a bare 500 to a request that lacks a required part is not proof of an
unhandled crash — each must stay quiet, while the real flaw next to it still fires."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import pytest

from apishield.findings import Severity
from tests.probe.loopback import Answer, findings_at, loopback, probe_paths

STRING = {"type": "string"}
CHECK = {"/check": {"get": {"parameters": [{"name": "command", "in": "query", "schema": STRING}],
                            "responses": {"200": {"description": "output"}}}}}


def _errors(shell: bool) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        value = unquote_plus(path.partition("command=")[2])
        if path.startswith("/check") and value.count("'") % 2:
            text = ("/bin/sh: 1: Syntax error: Unterminated quoted string\n" if shell else
                    "ERROR: unterminated quoted string at or near \"'\" LINE 1: SELECT 1 FROM t WHERE c = '")
            return 200, {}, {"error": text}
        if path.startswith("/check"):
            return 200, {}, {"output": "ok"}
        return 404, {}, {"detail": "not found"}
    return app


@pytest.mark.parametrize("shell", [True, False])
def test_a_shell_syntax_error_is_not_read_as_sql(tmp_path: Path, shell: bool) -> None:
    with loopback(_errors(shell)) as url:
        result = probe_paths(tmp_path, url, CHECK, ("crawl", "injection"))
    sql = {r for r, _m, _p in findings_at(result)} & {"PR-SQLI-001", "PR-ERR-003"}
    assert (not sql) if shell else ("PR-SQLI-001" in sql)


def _cors(credentials: bool) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        origin = {k.lower(): v for k, v in headers.items()}.get("origin")
        extra = {"Access-Control-Allow-Origin": origin} if origin else {}
        if origin and credentials:
            extra["Access-Control-Allow-Credentials"] = "true"
        return (200, extra, {"items": []}) if path.startswith("/items") else (404, {}, {"detail": "not found"})
    return app


@pytest.mark.parametrize("credentials", [True, False])
def test_an_origin_echoed_without_credentials_is_not_a_cors_flaw(tmp_path: Path, credentials: bool) -> None:
    paths = {"/items": {"get": {"responses": {"200": {"description": "list"}}}}}
    with loopback(_cors(credentials)) as url:
        result = probe_paths(tmp_path, url, paths, ("cors",))
    cors = {r for r, _m, _p in findings_at(result) if r.startswith("PR-CORS")}
    assert cors == ({"PR-CORS-001"} if credentials else set())
    assert credentials or any("without credentials" in n for n in result.notes)


def _credentialed_cors(cookie: str, wildcard: bool = False) -> Any:
    """Bearer-token API whose sign-in may also set a cookie: a session cookie the protected route accepts alone, or a
    preference cookie it ignores. ``wildcard`` answers ``*`` in place of the origin."""
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        low = {k.lower(): v for k, v in headers.items()}
        origin = low.get("origin")
        extra = {"Access-Control-Allow-Origin": "*" if wildcard else origin,
                 "Access-Control-Allow-Credentials": "true"} if origin else {}
        if cookie == "session":
            extra["Set-Cookie"] = "sid=abc; Path=/; HttpOnly"
        elif cookie == "preference":
            extra["Set-Cookie"] = "user_prefs=eyJ0aGVtZSI6ImRhcmsifQ; Path=/"  # named like a user cookie, carries none
        if not path.startswith("/items"):
            return 404, {}, {"detail": "not found"}
        session = cookie == "session" and "sid=abc" in low.get("cookie", "")
        if low.get("authorization") != "Bearer tok-alice" and not session:
            return 401, extra, {"detail": "sign in"}
        return 200, extra, {"items": []}
    return app


@pytest.mark.parametrize("cookie", ["session", "preference", "none"])
def test_an_origin_allowed_with_credentials_matters_only_when_credentials_ride_along(tmp_path: Path,
                                                                                     cookie: str) -> None:
    """A bearer token a page must set itself is no credential a browser attaches for a foreign origin; a cookie
    the target sets is, when the protected operation accepts it alone — a preference cookie beside the token is
    not. Without one the misconfiguration is still reported, low: a cookie added later would ride along."""
    paths = {"/items": {"get": {"responses": {"200": {"description": "list"}}}}}
    with loopback(_credentialed_cors(cookie)) as url:
        result = probe_paths(tmp_path, url, paths, ("cors",), auth=("alice=Authorization:Bearer tok-alice",))
    cors = {(f.rule_id, f.severity) for f in result.findings if f.rule_id.startswith("PR-CORS")}
    # must fire at the rule's severity when a cookie carries authority; only as a latent, low finding otherwise
    assert cors == {("PR-CORS-001", Severity.HIGH if cookie == "session" else Severity.LOW)}
    assert cookie == "session" or any("none rides along" in n for n in result.notes)


UPLOAD = {"/upload": {"post": {
    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "properties": {"file": {"type": "string", "format": "binary"}, "note": STRING}}}}},
    "responses": {"200": {"description": "stored"}}}}}


def _upload(crash: bool) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if not path.startswith("/upload"):
            return 404, {}, {"detail": "not found"}
        if b"filename=" not in body:
            if crash:  # an exception escaped the handler: its text is in the answer
                return 500, {}, {"error": "TypeError: Cannot read properties of undefined (reading 'buffer')"}
            return 500, {"Content-Type": "text/plain"}, "Internal Server Error"  # deliberate, says nothing
        return 200, {}, {"stored": True}
    return app


@pytest.mark.parametrize("crash", [True, False])
def test_a_bare_500_to_a_request_without_its_file_is_not_an_unhandled_error(tmp_path: Path, crash: bool) -> None:
    with loopback(_upload(crash)) as url:
        result = probe_paths(tmp_path, url, UPLOAD, ("crawl", "injection", "headers_errors"))
    errors = {r for r, _m, _p in findings_at(result)} & {"PR-ERR-004"}
    assert errors == ({"PR-ERR-004"} if crash else set())


def _typed(spliced: bool, locked: bool = False) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        value = unquote_plus(path.partition("command=")[2])
        if path.startswith("/check") and "'" in value:
            text = (f"psycopg2.errors.SyntaxError: unterminated quoted string at or near \"'{value}\"" if spliced else
                    "sqlite3.OperationalError: database is locked" if locked else
                    f"psycopg2.errors.InvalidTextRepresentation: invalid input syntax for type integer: \"{value}\"")
            return 500, {}, {"error": text}
        if path.startswith("/check"):
            return 200, {}, {"output": "ok"}
        return 404, {}, {"detail": "not found"}
    return app


@pytest.mark.parametrize(("spliced", "locked"), [(True, False), (False, False), (False, True)])
def test_a_value_refused_for_its_type_is_no_sql_injection(tmp_path: Path, spliced: bool, locked: bool) -> None:
    """``invalid input syntax for type integer: "1'"``: the database got the quote inside one bound value; ``database
    is locked``: the statement parsed and met another writer."""
    with loopback(_typed(spliced, locked)) as url:
        result = probe_paths(tmp_path, url, CHECK, ("crawl", "injection"))
    sql = {r for r, _m, _p in findings_at(result)} & {"PR-SQLI-001"}
    assert bool(sql) is spliced


FETCH = {"/fetch": {"get": {"parameters": [{"name": "imageUrl", "in": "query", "schema": STRING}],
                            "responses": {"200": {"description": "fetched"}}}}}


def _fetcher(handled: bool) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if not path.startswith("/fetch"):
            return 404, {}, {"detail": "not found"}
        url = unquote_plus(path.partition("imageUrl=")[2])
        if url.startswith(("http://", "https://")):
            return 200, {}, {"fetched": len(url)}
        if handled:  # the app caught the failed fetch and answers with its own words
            return 500, {}, {"error": "Failed to fetch image", "details": "Invalid URL"}
        return 500, {}, {"error": "TypeError: Invalid URL at new URL (node:internal/url:775:36)"}
    return app


@pytest.mark.parametrize("handled", [True, False])
def test_a_fetch_the_application_reports_failed_is_not_an_unhandled_error(tmp_path: Path, handled: bool) -> None:
    """A URL input that is no address, answered 500 with the application's own "failed to fetch": handled (a
    502 would say so better); the same input escaping as an exception is an unhandled error."""
    with loopback(_fetcher(handled)) as url:
        result = probe_paths(tmp_path, url, FETCH, ("crawl", "injection", "headers_errors"))
    errors = {r for r, _m, _p in findings_at(result)} & {"PR-ERR-004"}
    assert errors == (set() if handled else {"PR-ERR-004"})
    assert not handled or any("outbound fetch failed" in n for n in result.notes)


def _download(database_error: bool) -> Any:
    """``/download?name=`` answers 404 with an HTML page that names the missing file, escaped (``&#39;``); with
    ``database_error`` a quote in the name also makes it show its database's error."""
    import html

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if not path.startswith("/download"):
            return 404, {}, {"detail": "not found"}
        name = unquote_plus(path.partition("name=")[2])
        if database_error and "'" in name:
            return 500, {"Content-Type": "text/html"}, "<pre>SQLITE_ERROR: near \"x\": syntax error</pre>"
        page = f"<pre>Error: ENOENT: no such file or directory, stat '/srv/files/{name}'</pre>"
        return 404, {"Content-Type": "text/html"}, html.escape(page, quote=True).replace("&lt;pre&gt;", "<pre>") \
            .replace("&lt;/pre&gt;", "</pre>")
    return app


@pytest.mark.parametrize("database_error", [False, True])
def test_the_probes_own_sql_escaped_into_an_error_page_is_not_disclosure(tmp_path: Path,
                                                                        database_error: bool) -> None:
    spec = {"/download": {"get": {"parameters": [{"name": "name", "in": "query", "schema": STRING}],
                                  "responses": {"200": {"description": "file"}}}}}
    with loopback(_download(database_error)) as url:
        result = probe_paths(tmp_path, url, spec, ("crawl", "injection"))
    assert ("PR-ERR-003" in {r for r, _m, _p in findings_at(result)}) is database_error


def _busy(locked: bool) -> Any:
    """``/check`` answers 500 to every value with a quote: with ``locked`` the database's own words that another
    writer held it, else an exception the input raised."""
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if not path.startswith("/check"):
            return 404, {}, {"detail": "not found"}
        if "'" in unquote_plus(path.partition("command=")[2]) or "%27" in path:
            text = ("sqlite3.OperationalError: database is locked" if locked else
                    "ValueError: invalid literal for int() with base 10")
            return 500, {"Content-Type": "text/plain"}, text
        return 200, {}, {"output": "ok"}
    return app


@pytest.mark.parametrize("locked", [True, False])
def test_a_500_from_a_busy_database_is_not_an_unhandled_input_error(tmp_path: Path, locked: bool) -> None:
    """``database is locked`` is the state of the moment (another request held the file), not an input the handler
    failed to refuse; an exception raised by the input is."""
    with loopback(_busy(locked)) as url:
        result = probe_paths(tmp_path, url, CHECK, ("crawl", "injection", "headers_errors"))
    errors = {r for r, _m, _p in findings_at(result)} & {"PR-ERR-004"}
    assert errors == (set() if locked else {"PR-ERR-004"})
    assert not locked or any("database busy" in n for n in result.notes)


@pytest.mark.parametrize(("message", "reported"), [
    ('near "b4af804009cb": syntax error', True),  # the database's own words, their quotes escaped by JSON
    ("invalid username or password", False),  # the application's own words
])
def test_database_errors_inside_json_strings_are_read(tmp_path: Path, message: str, reported: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if not path.startswith("/check"):
            return 404, {}, {"detail": "not found"}
        if "'" in unquote_plus(path.partition("command=")[2]):
            return 500, {}, {"success": False, "error": message}
        return 200, {}, {"output": "ok"}

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, CHECK, ("crawl", "injection"))
    assert ("PR-ERR-003" in {r for r, _m, _p in findings_at(result)}) is reported


@pytest.mark.parametrize(("page", "reported"), [
    ("<p>Database error: near \"x\": syntax error</p>", True),  # the database's error, answered 200
    ("<p>No user matches that name</p>", False),  # the application's own words
])
def test_a_database_error_answered_with_200_is_read(tmp_path: Path, page: str, reported: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if not path.startswith("/check"):
            return 404, {}, {"detail": "not found"}
        if "'" in unquote_plus(path.partition("command=")[2]):
            return 200, {"Content-Type": "text/html"}, page
        return 200, {"Content-Type": "text/html"}, "<p>ok</p>"

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, CHECK, ("crawl", "injection"))
    assert ("PR-ERR-003" in {r for r, _m, _p in findings_at(result)}) is reported


FORM_SEARCH = {"/search": {"post": {"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
    "type": "object", "properties": {"title": {"type": "string"}}}}}},
    "responses": {"200": {"description": "the results page"}}}}}


@pytest.mark.parametrize(("page", "reported"), [
    ("<form><p>Database error: near \"x\": syntax error</p></form>", True),
    ("<form><p>Nothing matches that title</p></form>", False),
])
def test_a_database_error_answered_to_a_posted_form_is_read(tmp_path: Path, page: str, reported: bool) -> None:
    """The quote a form body carries is percent-encoded (``%27``): the answer to it is read as the answer to a
    value with a quote."""
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if path != "/search":
            return 404, {}, {"detail": "not found"}
        if "'" in unquote_plus(body.decode()):
            return 200, {"Content-Type": "text/html"}, page
        return 200, {"Content-Type": "text/html"}, "<form><p>No results</p></form>"

    with loopback(app) as url:
        result = probe_paths(tmp_path, url, FORM_SEARCH, ("crawl", "injection"))
    assert ("PR-ERR-003" in {r for r, _m, _p in findings_at(result)}) is reported


def _validating(database_error: bool) -> Any:
    """``POST /token`` takes a form whose ``grant_type`` must be ``password``: any other value is answered 422 with
    the value echoed in ``input`` (FastAPI's validation answer); with ``database_error`` a quote in ``username``
    also reaches the database, whose own error is answered."""
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if not path.startswith("/token"):
            return 404, {}, {"detail": "not found"}
        form = dict(p.split("=", 1) for p in body.decode().split("&") if "=" in p)
        grant = unquote_plus(form.get("grant_type", ""))
        if grant != "password":
            return 422, {}, {"detail": [{"type": "string_pattern_mismatch", "loc": ["body", "grant_type"],
                                         "msg": "String should match pattern '^password$'", "input": grant}]}
        if database_error and "'" in unquote_plus(form.get("username", "")):
            return 500, {}, {"detail": "sqlite3.OperationalError: near \"x\": syntax error in SELECT * FROM users"}
        return 401, {}, {"detail": "Incorrect username or password"}
    return app


@pytest.mark.parametrize("database_error", [False, True])
def test_a_form_value_echoed_by_a_validation_answer_is_not_disclosure(tmp_path: Path, database_error: bool) -> None:
    form = {"type": "object", "required": ["username", "password"], "properties": {
        "grant_type": {"type": "string", "pattern": "^password$"}, "username": STRING, "password": STRING}}
    spec = {"/token": {"post": {"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": form}}},
                                "responses": {"200": {"description": "token"}}}}}
    with loopback(_validating(database_error)) as url:
        result = probe_paths(tmp_path, url, spec, ("crawl", "injection"))
    assert ("PR-ERR-003" in {r for r, _m, _p in findings_at(result)}) is database_error


REPORT = {"/report": {"post": {
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": {"period": STRING, "format": STRING}}}}},
    "responses": {"200": {"description": "report"}}}}}


def _reports(constant: bool) -> Any:
    """``/report`` fails with the same 500 whatever it is sent (``constant``), or only on a quote in ``period``."""
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if not path.startswith("/report"):
            return 404, {}, {"detail": "not found"}
        if constant or b"'" in body:
            return 500, {}, {"error": "Something went wrong"}
        return 200, {}, {"rows": []}
    return app


@pytest.mark.parametrize("constant", [True, False])
def test_an_operation_failing_whatever_it_is_sent_is_not_an_unhandled_input(tmp_path: Path, constant: bool) -> None:
    """The same 500 to every request, however different, answers no input: noted, not reported (must stay quiet);
    a 500 only some inputs cause is the unhandled error (must fire)."""
    with loopback(_reports(constant)) as url:
        result = probe_paths(tmp_path, url, REPORT, ("crawl", "injection", "headers_errors"))
    errors = {r for r, _m, _p in findings_at(result)} & {"PR-ERR-004"}
    assert errors == (set() if constant else {"PR-ERR-004"})
    assert not constant or any("same 500" in n for n in result.notes)


STATUS = {"/status": {"get": {"responses": {"200": {"description": "status"}}}},
          "/items": {"get": {"parameters": [{"name": "q", "in": "query", "schema": STRING}],
                             "responses": {"200": {"description": "items"}}}}}


def _status(broken: bool) -> Any:
    """``/status`` takes no input and fails the same way every time (``broken``); ``/items`` fails on a quote."""
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if path.startswith("/status"):
            return (500, {}, {"error": "Something went wrong"}) if broken else (200, {}, {"ok": True})
        if path.startswith("/items"):
            return (500, {}, {"error": "boom"}) if "%27" in path or "'" in path else (200, {}, {"items": []})
        return 404, {}, {"detail": "not found"}
    return app


def test_an_operation_without_input_failing_every_time_answers_no_input(tmp_path: Path) -> None:
    """An operation that declares no parameter and no body cannot fail on a bad input: its constant 500 is noted
    (must stay quiet), while a 500 a quote causes elsewhere stays a finding (must fire)."""
    with loopback(_status(True)) as url:
        result = probe_paths(tmp_path, url, STATUS, ("crawl", "injection", "headers_errors"))
    at = {(r, p) for r, _m, p in findings_at(result) if r == "PR-ERR-004"}
    assert ("PR-ERR-004", "/status") not in at
    assert any(p.startswith("/items") for _r, p in at)


def test_a_wildcard_with_credentials_on_a_bearer_api_is_not_latent(tmp_path: Path) -> None:
    """``*`` with credentials on an API whose identities send bearer headers: a browser never sends credentials to
    ``*``, so nothing would ride along even with a cookie added later (must stay quiet, noted)."""
    paths = {"/items": {"get": {"responses": {"200": {"description": "list"}}}}}
    with loopback(_credentialed_cors("none", wildcard=True)) as url:
        result = probe_paths(tmp_path, url, paths, ("cors",), auth=("alice=Authorization:Bearer tok-alice",))
    assert not [f for f in result.findings if f.rule_id.startswith("PR-CORS")]
    assert any("none rides along (not reported)" in n for n in result.notes)


def test_a_wildcard_with_credentials_is_noted_even_where_cookies_carry_the_session(tmp_path: Path) -> None:
    """``*`` with credentials where a session cookie is the credential: browsers refuse a credentialed answer under
    ``*``, so a foreign page reads no more than it could fetch itself (must stay quiet, noted); the same API echoing
    the origin is reported (must fire)."""
    paths = {"/items": {"get": {"responses": {"200": {"description": "list"}}}}}
    with loopback(_credentialed_cors("session", wildcard=True)) as url:
        result = probe_paths(tmp_path, url, paths, ("cors",))
    assert not [f for f in result.findings if f.rule_id.startswith("PR-CORS")]
    assert any("browsers refuse a credentialed answer" in n for n in result.notes)
    with loopback(_credentialed_cors("session")) as url:
        (tmp_path / "echo").mkdir()
        result = probe_paths(tmp_path / "echo", url, paths, ("cors",))
    assert [f for f in result.findings if f.rule_id == "PR-CORS-001"]


def _files(message: str) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if path.startswith("/files"):
            name = unquote_plus(path.partition("f=")[2]) or "x"
            return 404, {}, {"error": message.format(name=name)}
        return 404, {}, {"detail": "not found"}
    return app


@pytest.mark.parametrize(("message", "reported"), [
    # must fire: the system's own file error, naming where the application lives on disk
    ("ENOENT: no such file or directory, open '/srv/shop/public/uploads/{name}'", True),
    ("[Errno 2] No such file or directory: '/srv/shop/uploads/{name}'", True),
    # must stay quiet: the application's own words, or the name the request sent
    ("file not found", False),
    ("no file named {name}", False),
])
def test_a_file_error_naming_a_server_path_is_disclosure(tmp_path: Path, message: str, reported: bool) -> None:
    paths = {"/files": {"get": {"parameters": [{"name": "f", "in": "query", "schema": STRING}],
                                "responses": {"200": {"description": "a file"}}}}}
    with loopback(_files(message)) as url:
        result = probe_paths(tmp_path, url, paths, ("crawl", "passive"))
    found = [(r, m, p) for r, m, p in findings_at(result) if r == "PR-ERR-001"]
    assert bool(found) is reported
