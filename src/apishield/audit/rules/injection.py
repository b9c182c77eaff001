"""Injection and dangerous sinks on request data (AS801–AS807, AS403, AS404, AS307, AS204).

Every rule reads the shared taint analysis of the module (:func:`apishield.audit.taint.analyse_context`):
a *proven* flow (request data reaches the sink, through assignments, formatting, containers and the project's
own helpers, past no sanitiser) is reported at the rule's severity with high confidence; a *sink-only* hit
(a non-literal value of unknown origin reaches ``pickle.loads``, ``eval``, a shell, or a formatted SQL string, or
is the whole path opened, URL fetched or redirect target)
is reported at medium severity with low confidence, as Bandit does, ranked below the proven flows; a value whose
origin is proven safe (literals, elements of a literal container, numbers) is never reported.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import replace

from apishield.audit import astutil as au
from apishield.audit import taint as tm
from apishield.audit.frameworks.table import HTML_BY_DEFAULT
from apishield.audit.redos import catastrophic
from apishield.audit.rules._django_settings import pickle_sessions
from apishield.audit.rules._stored_rows import built_from_rows, last_assignment
from apishield.audit.rules.base import at_node, fix_text, imports, module_framework
from apishield.audit.rules.registry import ModuleContext, rule
from apishield.audit.taint.catalogue import SQL_RUNNERS
from apishield.findings import Confidence, Finding, Location, Rule, Severity

INJ = "API8:2019"


def _rule(rid: str, title: str, cwe: tuple[int, ...], severity: Severity, description: str,
          fixes: dict[str, str], owasp: str = INJ) -> Rule:
    return Rule(id=rid, title=title, cwe=cwe, owasp=owasp, severity=severity, confidence=Confidence.HIGH,
                description=description, fix=fix_text(fixes))


SQL = _rule("AS801", "SQL built from request data", (89,), Severity.CRITICAL,
            "Request data is formatted or concatenated into an SQL string that is executed.", {
                "any": "Pass values as parameters: `cur.execute('SELECT … WHERE id = ?', (user_id,))` or "
                       "SQLAlchemy `text('… WHERE id = :id').bindparams(id=user_id)`. apishield: validate the "
                       "input first with `apishield.web.validation` (type/length/pattern) and keep the query "
                       "parameterised."})
SHELL = _rule("AS802", "OS command built from request data", (78, 77), Severity.CRITICAL,
              "Request data reaches a shell (`os.system`, `os.popen`, `subprocess(..., shell=True)`, `sh -c`) or "
              "chooses the program to run.", {
                  "any": "Run a fixed program with an argument list and no shell: `subprocess.run(['convert', "
                         "name], shell=False, check=True)`; quote with `shlex.quote()` only when a shell is "
                         "unavoidable; check the value against an allow-list (apishield validation schema)."})
CODE = _rule("AS803", "eval/exec/compile on request data", (95, 94), Severity.CRITICAL,
             "Request data is evaluated as Python code.", {
                 "any": "Never evaluate request data. Parse literals with `ast.literal_eval`, or map names to "
                        "functions in a dict; reject anything else with a 400 (apishield `Reject(400)`)."})
DESER = _rule("AS804", "Unsafe deserialisation", (502,), Severity.CRITICAL,
              "`pickle`/`marshal`/`shelve`/`jsonpickle`/`yaml.load` without a safe loader runs code chosen by "
              "whoever controls the bytes.", {
                  "any": "Use JSON (`json.loads`) or `yaml.safe_load`; if objects must travel, sign them "
                         "(itsdangerous `URLSafeSerializer`) and validate with a schema (apishield validation)."})
SSRF = _rule("AS805", "Server-side request forgery", (918,), Severity.HIGH,
             "Request data decides the URL of an outbound request.", {
                 "any": "Build outbound URLs from a fixed base and check the host: `urlparse(url).hostname in "
                        "ALLOWED_HOSTS` and scheme `https`; block private ranges; apishield's probe client "
                        "shows the pattern (scoped httpx client)."}, owasp="API7:2023")
PATH = _rule("AS806", "Path traversal", (22, 73), Severity.HIGH,
             "Request data is used in a file path (open, Path, send_file, os.path) without confinement.", {
                 "flask": "Use `send_from_directory(BASE, name)` or `werkzeug.utils.secure_filename(name)`; "
                          "otherwise `p = (BASE / name).resolve()` and reject unless `p.is_relative_to(BASE)`.",
                 "bottle": "Use `static_file(name, root=BASE)` (it confines the path) or `os.path.basename`.",
                 "any": "Resolve and confine: `p = (BASE / name).resolve(); if not p.is_relative_to(BASE): "
                        "raise Reject(400)`; or keep only `os.path.basename(name)`."})
REDIRECT = _rule("AS807", "Open redirect", (601,), Severity.MEDIUM,
                 "Request data decides the target of a redirect.", {
                     "any": "Redirect only to relative paths or allow-listed hosts: `u = urlparse(target); if "
                            "u.netloc and u.netloc not in ALLOWED_HOSTS: abort(400)`; prefer `url_for(...)`."},
                 owasp="API8:2023")
SSTI = _rule("AS403", "Server-side template injection", (1336, 94, 74, 79), Severity.CRITICAL,
             "Request data becomes template *source* (`render_template_string`, `Template(...)`).", {
                 "flask": "Keep template source constant and pass data as context: "
                          "`render_template('page.html', name=name)`.",
                 "any": "Keep template source constant and pass data as variables; never build templates from "
                        "request data."}, owasp=INJ)
XSS = _rule("AS404", "Reflected HTML (XSS)", (79,), Severity.HIGH,
            "Request data is returned in an HTML response without escaping.", {
                "flask": "Render with an autoescaping template (`render_template`), or `markupsafe.escape(x)`; "
                         "return JSON with `jsonify` for APIs. apishield's security headers add a strict CSP.",
                "bottle": "Use `template()` with `{{x}}` (escaped) or `html.escape(x)`; return dicts for JSON.",
                "cherrypy": "Escape with `html.escape(x)` or render through Jinja2 with autoescape on.",
                "any": "Escape with `html.escape(x)` or return JSON; add a CSP (apishield security headers)."},
            owasp=INJ)
EXC_TEXT = _rule("AS307", "Exception text returned to the client", (209, 200), Severity.LOW,
                 "`str(e)`/`traceback.format_exc()` goes into the response and reveals internals.", {
                     "any": "Log the exception server-side and return a generic problem document: apishield "
                            "`Problem(status=500, title='Internal error')` (RFC 9457)."}, owasp="API8:2023")
REGEX = _rule("AS204", "Regular expression built from request data", (1333, 400), Severity.MEDIUM,
              "Request data is compiled as a regular expression: catastrophic backtracking (ReDoS).", {
                  "any": "Escape user text with `re.escape(x)` or match it literally (`x in text`); cap the input "
                         "length with apishield validation."}, owasp="API4:2023")

_BY_KIND: dict[str, Rule] = {
    "sql": SQL, "shell": SHELL, "code": CODE, "deser": DESER, "ssrf": SSRF, "path": PATH, "redirect": REDIRECT,
    "ssti": SSTI, "regex": REGEX,
}
_SINK_ONLY = frozenset({"sql", "shell", "code", "deser", "path", "ssrf", "redirect", "ssti"})
# A file path of unknown origin is everyday code (a configured directory, a name the server drew, a row it stored):
# on third-party projects nine in ten such hits were not request data, so they are listed at low and only a proven
# flow of request data into a path is medium.
_SINK_ONLY_MEDIUM = _SINK_ONLY - {"path"}


#: path calls that read nothing and change nothing: a traversing name learns only whether a file is there (an oracle
#: worth listing); the call that opens, lists, deletes or sends the file is the traversal, and is reported itself
_EXISTENCE_PROBES = frozenset({"exists", "isfile", "isdir", "lexists", "is_file", "is_dir"})


def _findings(ctx: ModuleContext, kind: str) -> Iterator[Finding]:
    return taint_findings(ctx, kind, _BY_KIND[kind])


def taint_findings(ctx: ModuleContext, kind: str, definition: Rule, severity: Severity | None = None,
                   sink_only: bool | None = None) -> Iterator[Finding]:
    """Findings of ``definition`` for the module's taint hits of ``kind``: proven flows at the rule's severity (or
    ``severity``); with ``sink_only`` (default: the kinds in ``_SINK_ONLY``) also non-literal values of unknown
    origin, with low confidence: at medium for the kinds in ``_SINK_ONLY_MEDIUM`` (SQL text, shell, code,
    deserialisation, a template's source formatted from such a value, and a whole URL or redirect target: a
    dangerous sink fed a value whose origin is not proven safe is worth reading, ranked below proven flows by its
    confidence), at low otherwise (a whole file path too, and the text of a query given its parameters apart)."""
    analysis = tm.analyse_context(ctx)
    framework = module_framework(ctx)
    fix = fix_text(_FIXES.get(kind, {"any": definition.fix}), framework) if kind in _FIXES else definition.fix
    for h in analysis.hits:
        if h.kind != kind:
            continue
        via = f" via {h.via}" if h.via else ""
        if h.proven and kind == "path" and h.sink.rsplit(".", 1)[-1] in _EXISTENCE_PROBES:
            yield _at(definition, ctx, h, f"request data reaches {h.sink}{via}, which tells only whether the path "
                      "exists (reported where the path is opened, listed or sent)", fix, severity=Severity.LOW)
        elif h.proven:
            message = f"request data reaches {h.sink}{via}"
            yield _at(definition, ctx, h, message, fix, **({"severity": severity} if severity else {}))
        elif (kind in _SINK_ONLY if sink_only is None else sink_only) and not any(o.startswith("p") for o in h.origins):
            message = f"{h.sink} on a value that is not a literal; make sure it never comes from a client"
            level = Severity.MEDIUM if kind in _SINK_ONLY_MEDIUM and not (
                kind == "sql" and _parameterised(ctx, h.line)) else Severity.LOW
            if level > Severity.LOW and kind == "sql" and _from_stored_rows(ctx, h.line):
                level, message = Severity.LOW, (f"{h.sink} on values the database returned (a row just read); "
                                                "injectable only if a client could store SQL in those columns")
            yield _at(definition, ctx, h, message, fix, severity=level, confidence=Confidence.LOW, taint="sink-only")


#: keyword names under which database drivers take a query's parameters
_PARAMETER_KEYWORDS = frozenset({"params", "parameters", "args", "vars", "values", "bind", "binds"})


#: a value named for an SQL identifier (``self._users_table``, ``TABLE_NAME``, ``column``): no driver binds those
_IDENTIFIER = re.compile(r"(?i)(^|_)(table|tables|tbl|column|columns|schema|collection|view)(_?name|_?names)?$")


#: calls given a query's text: the runners, and SQLAlchemy's ``text()`` (``db.text()``), whose result they run
_QUERY_CALLS = SQL_RUNNERS | {"text"}


def _runners_at(ctx: ModuleContext, line: int) -> Iterator[ast.Call]:
    """The SQL runner calls (``execute``, SQLAlchemy's ``text``…) that span ``line`` and are given a query."""
    for node in au.calls(ctx.tree):
        if (node.lineno <= line <= (node.end_lineno or node.lineno) and node.args
                and au.last(au.dotted(node.func)) in _QUERY_CALLS):
            yield node


def _from_stored_rows(ctx: ModuleContext, line: int) -> bool:
    """The query run on ``line`` is built only from columns of rows the function just read from the database."""
    parents = au.parent_map(ctx.tree)
    for node in _runners_at(ctx, line):
        fn = au.enclosing_function(parents, node)
        if built_from_rows(node.args[0], fn if fn is not None else ctx.tree, node.lineno):
            return True
    return False


def _parameterised(ctx: ModuleContext, line: int) -> bool:
    """The query run on ``line`` is given its parameters apart (``execute(query, (a, b))``), or every value formatted
    into its text is named for an identifier (``f"SELECT … FROM {self._users_table}"``): its author binds the values,
    so text of unknown origin in it is a table name or a fixed fragment, which no driver can bind; a proven flow of
    request data is reported all the same."""
    for node in _runners_at(ctx, line):
        if len(node.args) >= 2 or any(k.arg in _PARAMETER_KEYWORDS for k in node.keywords):
            return True
        text = _query_text(ctx, node.args[0], node)
        values = [v.value for v in (text.values if text is not None else []) if isinstance(v, ast.FormattedValue)]
        if values and all(_IDENTIFIER.search(au.last(au.dotted(v)) or "") for v in values):
            return True
    return False


def _query_text(ctx: ModuleContext, arg: ast.expr, call: ast.Call) -> ast.JoinedStr | None:
    """The f-string a query argument is: inline, or the one a local of the same function was last set to."""
    if isinstance(arg, ast.JoinedStr):
        return arg
    if not isinstance(arg, ast.Name):
        return None
    fn = au.enclosing_function(au.parent_map(ctx.tree), call)
    last = last_assignment(arg.id, fn if fn is not None else ctx.tree, call.lineno)
    return last if isinstance(last, ast.JoinedStr) else None


def _at(definition: Rule, ctx: ModuleContext, h: tm.Hit, message: str, fix: str, **kw: object) -> Finding:
    line = h.line
    snippet = ctx.lines[line - 1].strip() if 0 < line <= len(ctx.lines) else ""
    extra: dict[str, object] = {"taint": kw.pop("taint", "proven")}
    severity = kw.get("severity", definition.severity)
    confidence = kw.get("confidence", definition.confidence)
    return Finding.from_rule(
        definition, message, fix=fix, severity=severity, confidence=confidence,
        location=Location(path=ctx.path, line=line, end_line=h.end_line, column=h.col, snippet=snippet),
        extra=extra,
    )


_FIXES: dict[str, dict[str, str]] = {"path": {
    "flask": "Use `send_from_directory(BASE, name)` or `secure_filename(name)`; or resolve and check "
             "`is_relative_to(BASE)`.",
    "bottle": "Use `static_file(name, root=BASE)` or `os.path.basename(name)`.",
    "any": "Resolve and confine: `p = (BASE / name).resolve(); if not p.is_relative_to(BASE): raise Reject(400)`.",
}}


@rule(SQL)
def check_sql(ctx: ModuleContext) -> Iterator[Finding]:
    """AS801 — SQL injection (CWE-89).

    Flags ``execute``/``executemany``/``executescript``, SQLAlchemy ``text()``, Django ``.raw()``/``.extra()``
    when the query string is built by f-string, ``%``, ``.format`` or ``+`` from request data. A constant
    query with a parameter tuple (``execute(sql, (x,))``) is never flagged.
    """
    return _findings(ctx, "sql")


@rule(SHELL)
def check_shell(ctx: ModuleContext) -> Iterator[Finding]:
    """AS802 — OS command injection (CWE-78, CWE-77).

    ``os.system``/``os.popen``, ``subprocess.*(..., shell=True)`` with a tainted string, an argv list whose
    program is tainted, or ``['sh', '-c', tainted]``. ``shlex.quote`` and allow-list checks sanitise.
    """
    return _findings(ctx, "shell")


@rule(CODE)
def check_code(ctx: ModuleContext) -> Iterator[Finding]:
    """AS803 — code injection (CWE-95, CWE-94): ``eval``/``exec``/``compile`` of request data."""
    return _findings(ctx, "code")


@rule(DESER)
def check_deser(ctx: ModuleContext) -> Iterator[Finding]:
    """AS804 — unsafe deserialisation (CWE-502): pickle, cPickle, dill, marshal, shelve, jsonpickle,
    ``yaml.load`` without ``SafeLoader``/``CSafeLoader``, ``yaml.unsafe_load``/``full_load``.
    ``yaml.safe_load`` is safe. Also a Django settings module with ``SESSION_SERIALIZER = '...PickleSerializer'``:
    high when the sessions live in signed cookies (the client sends the pickle; a leaked secret key is code
    execution), medium otherwise."""
    if au.mentions(ctx, ("pickleserializer",)) and (pickled := pickle_sessions(ctx.tree, ctx.path)):
        node, in_cookies = pickled
        where = "signed cookies the client sends back" if in_cookies else "the session store"
        yield at_node(DESER, ctx, node, f"Django sessions are unpickled from {where}",
                      severity=Severity.HIGH if in_cookies else Severity.MEDIUM, confidence=Confidence.MEDIUM)
    yield from _findings(ctx, "deser")


@rule(SSRF)
def check_ssrf(ctx: ModuleContext) -> Iterator[Finding]:
    """AS805 — SSRF (CWE-918): request data in the URL of requests/httpx/urllib calls. A guard on
    ``urlparse(url).netloc``/``hostname`` against an allow-list sanitises."""
    return _findings(ctx, "ssrf")


@rule(PATH)
def check_path(ctx: ModuleContext) -> Iterator[Finding]:
    """AS806 — path traversal (CWE-22, CWE-73): ``open``/``codecs.open``/``os.*``/``pathlib.Path`` methods,
    ``send_file``, the *directory* of ``send_from_directory``, the ``root`` of Bottle ``static_file``.
    ``os.path.basename``, ``secure_filename``, ``safe_join``, a ``'..' in x`` rejection and a
    ``resolve()``-then-``startswith(base)`` check sanitise, and so does keeping only the extension of a client's
    file name (``os.path.splitext(name)[1]``, ``Path(name).suffix``, ``mimetypes.guess_extension``): it follows
    the last separator, so ``f"{uuid4()}{ext}"`` stays in its directory while a name keeping the client's base
    name does not. A path built from the module's own location and
    literals (``Path(__file__).parent / "docs" / "x.json"``) is the program's own file; so is one built from
    operator inputs (configuration settings, docopt options, attributes ``__init__`` sets from them), and a
    command-line module gets no finding of unknown origin. Request data reaching only an existence test
    (``os.path.exists``, ``Path.is_file``) is listed at low: it reveals whether a file is there, no more."""
    return _findings(ctx, "path")


@rule(REDIRECT)
def check_redirect(ctx: ModuleContext) -> Iterator[Finding]:
    """AS807 — open redirect (CWE-601): request data as the target of ``redirect``/``HTTPRedirect``/
    ``RedirectResponse``. A host check on ``urlparse(x).netloc`` sanitises. A redirect back to the ``Referer``
    (``redirect(request.referrer or url_for("index"))``) is low: the only address another site can put there is
    its own page, the one the user just came from."""
    for finding in _findings(ctx, "redirect"):
        line = finding.location.line if finding.location else 0
        if _back_to_referer(ctx, line):
            finding = replace(finding, severity=Severity.LOW,
                              message=finding.message + " (the Referer: back to the page the user came from)")
        yield finding


#: the request's Referer, however it is read
_REFERER_READ = re.compile(r"""\brequest\.(?:referrer|headers\.get\(\s*['"]referer['"]\s*\)|"""
                           r"""headers\[\s*['"]referer['"]\s*\]|"""
                           r"""(?:environ|META)\.get\(\s*['"]HTTP_REFERER['"]\s*\))""", re.IGNORECASE)


def _back_to_referer(ctx: ModuleContext, line: int) -> bool:
    """The redirect on ``line`` takes its target from the request's Referer alone (a fixed fallback allowed)."""
    for call in au.nodes_of(ctx.tree, ast.Call):
        if call.lineno == line and call.args:
            text = ast.unparse(call.args[0])
            if _REFERER_READ.search(text) and "request" not in _REFERER_READ.sub("", text):
                return True
    return False


@rule(SSTI)
def check_ssti(ctx: ModuleContext) -> Iterator[Finding]:
    """AS403 — server-side template injection (CWE-1336): request data as template source in
    ``render_template_string``, ``jinja2.Template``, ``Environment.from_string``, Bottle ``template``/
    ``SimpleTemplate``, Mako and Django ``Template``."""
    return _findings(ctx, "ssti")


@rule(REGEX)
def check_regex(ctx: ModuleContext) -> Iterator[Finding]:
    """AS204 — regex injection / ReDoS (CWE-1333): request data as the pattern of ``re.*``; ``re.escape``
    sanitises. Also a constant pattern with nested unbounded quantifiers (``(a+)+``, ``(\\w+\\s?)*``) passed
    to ``re``/``regex`` (medium confidence: harmless if it only ever sees trusted text)."""
    yield from _findings(ctx, "regex")
    if not au.mentions(ctx, ("re.", "regex", "import re")):
        return
    imp = imports(ctx)
    for call in au.calls(ctx.tree):
        name = au.call_name(call, imp)
        if name.split(".")[0] not in {"re", "regex"} or au.last(name) not in _REGEX_FUNCS:
            continue
        pattern = au.const(au.arg(call, 0, "pattern"))
        why = catastrophic(pattern) if isinstance(pattern, (str, bytes)) else ""
        if why:
            yield at_node(REGEX, ctx, call, f"pattern {pattern!r} backtracks exponentially ({why})",
                          confidence=Confidence.MEDIUM, fix=_REDOS_FIX)


_REGEX_FUNCS = frozenset({"compile", "match", "search", "fullmatch", "findall", "finditer", "sub", "subn", "split"})
_REDOS_FIX = ("Remove the nested quantifier (`(a+)+` -> `a+`), make the repetition unambiguous with a separator the "
              "inner part cannot match, or bound the input length first (apishield validation `max_length`).")


def _body(ret: tm.HandlerReturn) -> tm.Val | None:
    node = ret.node
    value_node = node.value if isinstance(node, ast.Return) else None
    value = ret.value
    if isinstance(value_node, ast.Tuple):
        if value_node.elts and _non_html_headers(value_node.elts[-1]):
            return None  # ``return body, 200, {"Content-Type": "application/json"}``
        return value.seq[0] if value.seq else None
    if isinstance(value_node, (ast.Dict, ast.List, ast.ListComp, ast.DictComp)):
        return None
    return value


def _non_html_headers(node: ast.expr) -> bool:
    """A literal headers dict whose Content-Type is a constant without ``html`` (JSON, plain text)."""
    if not isinstance(node, ast.Dict):
        return False
    for key, value in zip(node.keys, node.values, strict=False):
        if (isinstance(key, ast.Constant) and str(key.value).lower() == "content-type"
                and isinstance(value, ast.Constant) and isinstance(value.value, str)):
            return "html" not in value.value.lower()
    return False


def _is_html_framework(ctx: ModuleContext) -> bool:
    """A handler's returned string is sent as HTML (Flask, Bottle, CherryPy; not FastAPI, nor aiohttp, whose
    handlers return response objects, text/plain unless they say otherwise)."""
    frameworks = ctx.facts.get("frameworks") or set()
    return (bool(frameworks & HTML_BY_DEFAULT) and "aiohttp" not in frameworks) or not frameworks


@rule(XSS)
def check_xss(ctx: ModuleContext) -> Iterator[Finding]:
    """AS404 — reflected XSS (CWE-79): a route handler returns request data in an HTML body (a string
    returned by a Flask/Bottle/CherryPy view, ``make_response``, ``Response(...)``, ``HTMLResponse``) without
    ``html.escape``/``markupsafe.escape``. JSON responses (``jsonify``, dicts) and headers are not HTML.
    For FastAPI only explicit HTML responses count (a returned string is JSON-encoded)."""
    analysis = tm.analyse_context(ctx)
    html_default = _is_html_framework(ctx)
    framework = module_framework(ctx)
    # connexion serialises an operation's return by its media type: JSON unless the specification says HTML
    spec_ops: dict[str, bool] = ctx.facts["framework_facts"].flags.get("spec_handlers", {}) \
        if "framework_facts" in ctx.facts else {}
    for ret in analysis.handler_returns:
        body = _body(ret)
        if body is None or ret.json or body.kind == "nonhtml" or body.items is not None:
            continue
        serialised = ret.function.rsplit(".", 1)[-1] in spec_ops and not spec_ops[ret.function.rsplit(".", 1)[-1]]
        if (not html_default or serialised) and body.kind != "response" and not ret.html:
            continue
        if body.tainted_for("html"):
            yield at_node(XSS, ctx, ret.node, f"handler {ret.function}() returns request data in an HTML body",
                          fix=fix_text(_XSS_FIXES, framework), taint="proven")


_XSS_FIXES = {
    "flask": "Render with `render_template` (autoescaped) or `markupsafe.escape(x)`; APIs should `jsonify`.",
    "bottle": "Use `template()` with `{{x}}` or `html.escape(x)`; return a dict for JSON.",
    "cherrypy": "Escape with `html.escape(x)` or render through Jinja2 with autoescape on.",
    "fastapi": "Return a model (JSON) or escape with `html.escape(x)` before `HTMLResponse`.",
}


@rule(EXC_TEXT)
def check_exception_text(ctx: ModuleContext) -> Iterator[Finding]:
    """AS307 — stack trace / exception text in a response (CWE-209): a route handler returns ``str(e)``,
    ``repr(e)``, ``e.args`` or ``traceback.format_exc()``; medium when the text is the response body (low when
    it only goes into a redirect's URL). Text that can only describe the caller's own input is feedback, not
    internals: a handler catching only validation or parse errors (``ValidationError``, ``JSONDecodeError``,
    ``ParseError``…), or a ``try`` that only parses and validates request data (a schema built from it,
    ``json.loads``, ``fromstring`` without DTD or entity loading, builtins, methods of the parsed value)."""
    analysis = tm.analyse_context(ctx)
    for ret in analysis.handler_returns:
        body = ret.value
        if body.kind == "exception":
            continue  # the exception object itself: the framework renders its own safe page
        if tm.EXC in body.dirty("exc"):
            in_body = not _redirects(ret.node)  # the text is the page, not a query of a redirect's URL
            yield at_node(EXC_TEXT, ctx, ret.node, f"handler {ret.function}() returns exception text to the client"
                          + (" in the response body" if in_body else ""), taint="proven",
                          **({"severity": Severity.MEDIUM} if in_body else {}))


def _redirects(node: ast.AST) -> bool:
    value = node.value if isinstance(node, ast.Return) else None
    return isinstance(value, ast.Call) and au.last(au.dotted(value.func)) in {
        "redirect", "RedirectResponse", "HTTPFound", "HTTPRedirect", "url_for"}


__all__ = [
    "CODE", "DESER", "EXC_TEXT", "PATH", "REDIRECT", "REGEX", "SHELL", "SQL", "SSRF", "SSTI", "XSS", "taint_findings",
]
