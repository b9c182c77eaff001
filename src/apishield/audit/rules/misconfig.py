"""Security misconfiguration: debug mode, development servers, binding to all interfaces, CORS, outbound
timeouts and plain-HTTP credentials (AS301–AS306, AS309–AS310; AS304 is in ``rules.missing``, AS308 in
``rules.tls_verification``)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import replace

from apishield.audit import astutil as au
from apishield.audit import taint as tm
from apishield.audit.deadcode import bound_names, dead_lines, unbound_receiver
from apishield.audit.rules._config_classes import dev_branch_lines, is_dev_class, overridden_off, replaced_in_branch
from apishield.audit.rules._cors_headers import ACAO, header_pairs, manual_cors
from apishield.audit.rules._django_cors import django_cors_settings
from apishield.audit.rules.base import at_node, fix_text, imports, is_dev_module, module_framework
from apishield.audit.rules.registry import ModuleContext, rule
from apishield.findings import Confidence, Finding, Rule, Severity

DEBUG_FIXES = {
    "flask": "Never hard-code debug: `app.run()` only under `if __name__ == '__main__'` and read "
    "`app.config['DEBUG'] = os.environ.get('FLASK_DEBUG') == '1'`; serve with `gunicorn app:app`. "
    "apishield: `Shield(app)` answers every error as problem+json, never a traceback.",
    "bottle": "Remove `bottle.debug(True)` / `run(debug=True, reloader=True)`; serve with "
    "`gunicorn app:app`. apishield: `app.install(Shield(...))` hides tracebacks behind problem+json.",
    "cherrypy": "Set `'environment': 'production'` (turns off `request.show_tracebacks` and autoreload). "
    "apishield: `shield.install()` + `tools.apishield.on` answers errors as problem+json.",
    "fastapi": "Drop `FastAPI(debug=True)` and `uvicorn.run(reload=True)` outside development; run "
    "`uvicorn app:app --workers 4`. apishield's ASGI middleware returns problem+json for errors.",
}
DEBUG = Rule(
    id="AS301",
    title="Debug mode enabled",
    cwe=(489, 215, 94),
    owasp="API8:2023",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    description="Debug mode shows tracebacks and, in Flask/Werkzeug, an interactive debugger that runs code.",
    fix=fix_text(DEBUG_FIXES),
)
DEV_SERVER = Rule(
    id="AS302",
    title="Development server used to serve the app",
    cwe=(489, 668, 1188),
    owasp="API8:2023",
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    description="The built-in servers (Werkzeug, wsgiref) are single-process and not hardened.",
    fix=fix_text(
        {
            "flask": "Serve with a production WSGI server: `gunicorn -w 4 'app:create_app()'` (or waitress); keep "
            "`app.run()` for local development under `if __name__ == '__main__'`.",
            "bottle": "`run(app, server='gunicorn', workers=4)` or `gunicorn app:app`; the default wsgiref server is "
            "for development only.",
            "cherrypy": "Set `'environment': 'production'` and run behind a process manager; or mount with "
            "`cherrypy.tree.mount` under gunicorn/waitress.",
            "fastapi": "Run `uvicorn app:app --workers 4` (or gunicorn with uvicorn workers) without `--reload`.",
        }
    ),
)
BIND_ALL = Rule(
    id="AS303",
    title="Server binds to all network interfaces",
    cwe=(1327, 605, 668),
    owasp="API8:2023",
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    description="Listening on 0.0.0.0 exposes the service (and any debugger) to every network the host is on.",
    fix="Bind to 127.0.0.1 behind a reverse proxy, or read the host from configuration "
    "(`host=os.environ.get('HOST', '127.0.0.1')`).",
)
CORS_CREDENTIALS = Rule(
    id="AS305",
    title="CORS allows any origin with credentials",
    cwe=(942, 346, 352),
    owasp="API8:2023",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    description="Any web site can make credentialed requests and read the responses.",
    fix=fix_text(
        {
            "flask": "List trusted origins: "
            "`CORS(app, origins=['https://app.example.com'], supports_credentials=True)`. "
            "apishield: `Shield(app, cors_origins=['https://app.example.com'])` refuses '*' with credentials.",
            "fastapi": "`CORSMiddleware(allow_origins=['https://app.example.com'], allow_credentials=True)`; never "
            "'*' or a catch-all regex with credentials. apishield refuses that combination at start-up.",
            "bottle": "Set Access-Control-Allow-Origin only for origins in an allow-list; never reflect Origin with "
            "credentials. apishield: `Shield(cors_origins=[...])`.",
            "cherrypy": "Emit Access-Control-Allow-Origin only for allow-listed origins. apishield: "
            "`Shield(cors_origins=[...])` with `tools.apishield.on`.",
        }
    ),
)
CORS_ANY = Rule(
    id="AS306",
    title="CORS allows any origin",
    cwe=(942,),
    owasp="API8:2023",
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    description="'*' lets every site read responses; acceptable only for truly public, non-personalised data.",
    fix="Restrict origins to the front-ends you own (flask-cors `origins=[...]`, Starlette "
    "`allow_origins=[...]`), or apishield `cors_origins=[...]`.",
)
NO_TIMEOUT = Rule(
    id="AS309",
    title="Outbound call without timeout",
    cwe=(400, 1088),
    owasp="API10:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    description="A slow upstream ties up a worker forever (requests and urllib wait indefinitely by default).",
    fix="Pass `timeout=(3.05, 10)` to requests calls (or use httpx, whose default is 5 s).",
)
PLAIN_HTTP = Rule(
    id="AS310",
    title="Credentials sent over plain HTTP",
    cwe=(319, 523),
    owasp="API10:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    description="Tokens, keys or passwords in an http:// request travel in clear text.",
    fix="Use an https:// URL for any request that carries credentials.",
)
WEAK_CSP = Rule(
    id="AS311",
    title="Content-Security-Policy allows inline or evaluated script",
    cwe=(693, 1021, 79),
    owasp="API8:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    description="A policy whose script-src (or default-src) allows 'unsafe-inline' or 'unsafe-eval' lets injected "
    "script run: the header is sent but stops no cross-site scripting.",
    fix="Drop 'unsafe-inline'/'unsafe-eval' from script-src; move inline scripts to files or allow them by nonce or "
    "hash (`script-src 'self' 'nonce-…'`). apishield's security headers send a strict policy.",
)

_HTTP_CLIENT_VERBS = {"get", "post", "put", "patch", "delete", "head", "options", "request"}


_HINT_CHECK_DEBUG = ("debug", "reload", "show_tracebacks")
_HINT_CHECK_DEV_SERVER = ("run(", "quickstart")
_HINT_CHECK_BIND_ALL = ("0.0.0.0", "'::'", '"::"', "'::\"", "\"::'")  # noqa: S104  # words to look for
_HINT_CORS = ("cors", "access-control-allow-origin")
_HINT_CHECK_TIMEOUT = ("requests", "urlopen", "httpx")
_HINT_CHECK_PLAIN_HTTP = ("http://",)


@rule(DEBUG)
def check_debug(ctx: ModuleContext) -> Iterator[Finding]:
    """AS301 — debug mode on.

    Flags ``app.run(debug=True)``, ``app.debug = True``, ``app.config['DEBUG'] = True``, ``config.update(DEBUG=True)``,
    a module/config-class ``DEBUG = True``, ``bottle.debug(True)``, ``run(debug=True|reloader=True)`` (low for Bottle
    bound to loopback: tracebacks, no debugger), CherryPy ``'request.show_tracebacks': True``, ``FastAPI(debug=True)``
    / ``Starlette(debug=True)`` and ``uvicorn.run(reload=True)`` (low: auto-reload is a development mode, not a
    debugger). Values read from the environment are unknown, not vulnerable; a base class's ``DEBUG = True`` that a
    production subclass switches off is low; ``Test*``/``Dev*`` config classes, test files and branches the module's
    literal constants never take (``ENVIRONMENT = "PRODUCTION"``; ``match ENVIRONMENT: case _: run(debug=True)``) are
    skipped.
    """
    if not au.mentions(ctx, _HINT_CHECK_DEBUG) or is_dev_module(ctx.path):  # cheap pre-filter: most files cannot match
        return
    imp = imports(ctx)
    fw = module_framework(ctx)
    fix = fix_text(DEBUG_FIXES, fw)
    parents = au.parent_map(ctx.tree)
    dead = dead_lines(ctx.tree) if isinstance(ctx.tree, ast.Module) else set()
    bound = bound_names(ctx.tree) if isinstance(ctx.tree, ast.Module) else set()
    development = dev_branch_lines(ctx.tree)
    for node in au.nodes_of_any(ctx.tree, ast.Call, ast.Assign, ast.Dict):
        if getattr(node, "lineno", 0) in dead:  # after a return, or a branch the module's own constants never take
            continue
        if bound and unbound_receiver(node, bound):
            continue  # ``app.run(debug=True)`` where no ``app`` exists in the module: the line ends in a NameError
        if getattr(node, "lineno", 0) in development:
            # ``if config["dev_mode"]["testing"]: config["DEBUG"] = True``: on only where the operator asks for a
            # development or test environment; said, but low
            yield from (replace(f, severity=Severity.LOW, message=f.message + " (in the branch taken for development)")
                        for f in _debug_switches(ctx, node, imp, fw, fix, parents))
            continue
        yield from _debug_switches(ctx, node, imp, fw, fix, parents)


def _debug_switches(ctx: ModuleContext, node: ast.AST, imp: au.Imports, fw: str | None, fix: str,
                    parents: dict[int, ast.AST]) -> Iterator[Finding]:
    """AS301's findings at one call, assignment or dict of the module."""
    if isinstance(node, ast.Call):
        name = au.call_name(node, imp)
        tail = au.last(name)
        if tail == "debug" and name.startswith("bottle") and (not node.args or au.is_true(node.args[0])):
            yield at_node(DEBUG, ctx, node, "bottle.debug(True) shows tracebacks to clients", fix=fix)
        elif tail in {"run", "run_simple"} or name.endswith("uvicorn.run"):
            host, keys = au.str_const(au.kwarg(node, "host")) or "", ("debug", "use_debugger", "reloader", "reload")
            local = fw == "bottle" and (host.startswith("127.") or host in {"localhost", "::1"})  # tracebacks only
            if key := next((k for k in (*keys, "use_reloader") if au.is_true(au.kwarg(node, k))), ""):
                reload = "reload" in key  # restarts on file changes: a development mode, but no debugger
                yield at_node(DEBUG, ctx, node, f"server started with {key}=True" + " (Bottle, loopback)" * local
                              + " (auto-reload: development mode, no debugger or tracebacks)" * reload,
                              fix=fix, **({"severity": Severity.LOW} if local or reload else {}))
        elif tail in {"FastAPI", "Starlette", "Flask", "Bottle"} and au.is_true(au.kwarg(node, "debug")):
            yield at_node(DEBUG, ctx, node, f"{tail}(debug=True) returns tracebacks to clients", fix=fix)
        elif tail == "update" and au.is_true(au.kwarg(node, "DEBUG")) and not is_dev_class(node, parents):
            yield at_node(DEBUG, ctx, node, "DEBUG=True in the app configuration", fix=fix)
    elif isinstance(node, ast.Assign) and au.is_true(node.value) and not is_dev_class(node, parents):
        for target in node.targets:
            text = au.dotted(target)
            item = au.subscript_key(target) if isinstance(target, ast.Subscript) else None
            if text.endswith(".debug") or text == "DEBUG" or item == "DEBUG":
                sub = overridden_off(ctx.tree, node, parents) if text == "DEBUG" else ""
                branch = replaced_in_branch(ctx.tree, node, "DEBUG") if text == "DEBUG" and not sub else ""
                yield at_node(DEBUG, ctx, node, "debug mode switched on in code" + (
                    f" (a base class: {sub} switches it off)" if sub else "") + (
                    f" (replaced when {branch})" if branch else ""), fix=fix,
                    **({"severity": Severity.LOW} if sub or branch else {}))
    elif isinstance(node, ast.Dict):
        for dict_key, value in zip(node.keys, node.values, strict=False):
            if au.str_const(dict_key) == "request.show_tracebacks" and au.is_true(value):
                yield at_node(DEBUG, ctx, dict_key or node, "CherryPy request.show_tracebacks is on", fix=fix)


def _production_env(ctx: ModuleContext) -> bool:
    return any(s == "production" for s in au.strings_in(ctx.tree))


@rule(DEV_SERVER)
def check_dev_server(ctx: ModuleContext) -> Iterator[Finding]:
    """AS302 — the development server serves the app.

    Flask ``app.run()`` (also inside ``if __name__ == '__main__'``: it is how such apps end up in
    containers), Bottle ``run()`` with the default wsgiref server, and ``cherrypy.quickstart()`` without
    ``'environment': 'production'``. Reported as low severity (medium when the call runs on import).
    """
    if not au.mentions(ctx, _HINT_CHECK_DEV_SERVER):  # cheap pre-filter: most files cannot match
        return
    imp = imports(ctx)
    fw = module_framework(ctx)
    guarded: set[int] = ctx.facts.get("main_guard_lines") or set()
    top_level = {id(n.value) for n in ctx.tree.body if isinstance(n, ast.Expr)}
    for call in au.calls(ctx.tree):
        name = au.call_name(call, imp)
        tail = au.last(name)
        message = ""
        if fw == "flask" and tail == "run" and isinstance(call.func, ast.Attribute) and name != "uvicorn.run":
            base = au.dotted(call.func.value)
            if base and "socketio" not in base and "uvicorn" not in name and "asyncio" not in name:
                message = f"{base}.run() starts the Werkzeug development server"
        elif fw == "bottle" and tail == "run" and (name.startswith("bottle") or isinstance(call.func, ast.Attribute)):
            server = au.const(au.kwarg(call, "server"), None)
            if (server in (None, "wsgiref", "auto") and au.kwarg(call, "server") is None) or server == "wsgiref":
                message = "bottle run() uses the single-threaded wsgiref development server"
        elif name.endswith("cherrypy.quickstart") and not _production_env(ctx):
            message = "cherrypy.quickstart() without 'environment': 'production' (tracebacks, autoreload)"
        if message:
            sev = Severity.MEDIUM if id(call) in top_level and call.lineno not in guarded else Severity.LOW
            yield at_node(
                DEV_SERVER, ctx, call, message, severity=sev, fix=fix_text({k: v for k, v in _dev_fixes().items()}, fw)
            )


def _dev_fixes() -> dict[str, str]:
    return {line.split(": ", 1)[0]: line.split(": ", 1)[1] for line in DEV_SERVER.fix.splitlines() if ": " in line}


_ALL_IFACES = frozenset({"0.0.0.0", "::"})  # noqa: S104 - what the rule looks for


@rule(BIND_ALL)
def check_bind_all(ctx: ModuleContext) -> Iterator[Finding]:
    """AS303 — binding to all interfaces: ``host='0.0.0.0'`` in ``run``/``uvicorn.run``, CherryPy
    ``'server.socket_host': '0.0.0.0'``, ``sock.bind(('0.0.0.0', port))``. Low: where a service listens is a
    deployment choice (a container must listen on all interfaces); the danger it multiplies, a debugger, is
    AS301."""
    if not au.mentions(ctx, _HINT_CHECK_BIND_ALL):  # cheap pre-filter: most files cannot match
        return
    if is_dev_module(ctx.path):
        return
    imp = imports(ctx)
    for node in au.nodes_of_any(ctx.tree, ast.Call, ast.Dict):
        if isinstance(node, ast.Call):
            tail = au.last(au.call_name(node, imp))
            host = au.kwarg(node, "host")
            if tail in {"run", "run_simple", "serve", "make_server", "quickstart"} and host is not None:
                if au.str_const(host) in _ALL_IFACES:
                    yield at_node(BIND_ALL, ctx, node, f"server listens on {au.str_const(host)} (all interfaces)")
            elif (tail == "bind" and node.args and isinstance(node.args[0], ast.Tuple) and node.args[0].elts) and (
                au.str_const(node.args[0].elts[0]) in _ALL_IFACES
            ):
                yield at_node(BIND_ALL, ctx, node, "socket bound to all interfaces")
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=False):
                if au.str_const(key) == "server.socket_host" and au.str_const(value) in _ALL_IFACES:
                    yield at_node(BIND_ALL, ctx, key or node, "CherryPy server.socket_host is 0.0.0.0")


def _wildcard(value: ast.AST | None) -> bool:
    """Origins that match everything: missing (flask-cors default), '*', '.*', ['*'], regex catch-alls."""
    if value is None:
        return True
    data = au.const(value, None)
    items = data if isinstance(data, (list, tuple, set)) else [data]
    return any(isinstance(v, str) and v.strip() in {"*", ".*", "^.*$", "https?://.*", "(.*)"} for v in items)


@rule(CORS_CREDENTIALS)
def check_cors_credentials(ctx: ModuleContext) -> Iterator[Finding]:
    """AS305 — any origin together with credentials.

    flask-cors ``CORS(app, supports_credentials=True)`` (its default origin is ``*``) or ``cross_origin``,
    Starlette/FastAPI ``CORSMiddleware(allow_origins=['*'] | allow_origin_regex='.*', allow_credentials=True)``,
    and hand-written headers that send ``Access-Control-Allow-Origin: *`` or reflect ``Origin`` together
    with ``Access-Control-Allow-Credentials: true``.
    """
    yield from _cors(ctx, credentials=True)


@rule(CORS_ANY)
def check_cors_any(ctx: ModuleContext) -> Iterator[Finding]:
    """AS306 — any origin, no credentials: the same patterns as AS305 without ``credentials``."""
    yield from _cors(ctx, credentials=False)


def _cors(ctx: ModuleContext, credentials: bool) -> Iterator[Finding]:
    if not au.mentions(ctx, _HINT_CORS):  # cheap pre-filter: most files cannot match
        return
    imp = imports(ctx)
    fw = module_framework(ctx)
    target = CORS_CREDENTIALS if credentials else CORS_ANY
    fix = fix_text({k: v for k, v in _cors_fixes().items()}, fw) if credentials else None
    for call in au.calls(ctx.tree):
        tail = au.last(au.call_name(call, imp))
        origins: ast.AST | None
        if tail in {"CORS", "cross_origin"}:
            origins = au.kwarg(call, "origins")
            resources = au.kwarg(call, "resources")
            if origins is None and isinstance(resources, ast.Dict):
                # ``resources={r"/api/*": {"origins": [...]}}``: each resource's own origins, literal or configured
                values = [next((v for k, v in zip(r.keys, r.values, strict=True) if au.str_const(k) == "origins"),
                               None) if isinstance(r, ast.Dict) else None for r in resources.values]
                if values and all(v is not None and not _wildcard(v) for v in values):
                    continue
            creds = au.is_true(au.kwarg(call, "supports_credentials")) or (
                # ``resources={"/register": {"origins": "*", "supports_credentials": True}}``: a resource's own switch
                isinstance(resources, ast.Dict) and any(
                    isinstance(r, ast.Dict) and any(au.str_const(k) == "supports_credentials" and au.is_true(v)
                                                    for k, v in zip(r.keys, r.values, strict=True))
                    for r in resources.values))
        elif tail in {"CORSMiddleware"} or (
            tail == "add_middleware" and call.args and au.last(au.dotted(call.args[0])) == "CORSMiddleware"
        ):
            regex = au.kwarg(call, "allow_origin_regex")
            origins = au.kwarg(call, "allow_origins")
            if origins is None and regex is None:
                continue
            if origins is None or (regex is not None and _wildcard(regex)):
                origins = regex
            creds = au.is_true(au.kwarg(call, "allow_credentials"))
        else:
            continue
        if au.is_env_read(origins, imp):
            continue
        if _wildcard(origins) and creds == credentials:
            what = "any origin with credentials" if credentials else "any origin"
            yield at_node(target, ctx, call, f"{tail} allows {what}", **({"fix": fix} if fix else {}))
    yield from django_cors_settings(ctx, target, credentials, fix)
    top_level = ast.Module(
        body=[n for n in ctx.tree.body if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))],
        type_ignores=[],
    )
    reported: set[int] = set()
    for fn in [*reversed(list(au.functions(ctx.tree))), top_level]:  # a nested hook before the function holding it
        star, reflected, creds = manual_cors(fn)
        refused = star and creds and not reflected
        if refused:
            creds = False  # browsers refuse credentials next to a literal '*': the page gets any origin's answer only
        if (star or reflected) and creds == credentials:  # a reflected Origin without credentials is '*' again
            what = "reflects the Origin header" if reflected else "sends Access-Control-Allow-Origin: *"
            if credentials:
                what += " with Access-Control-Allow-Credentials: true"
            elif refused:
                what += " (its Access-Control-Allow-Credentials: true is refused by browsers next to '*')"
            where = next(
                (n for n in au.walk(fn) if isinstance(n, ast.Constant) and str(n.value).lower() == ACAO),
                fn,
            )
            if id(where) in reported:
                continue  # the headers of a nested function (an ``after_request`` hook inside ``create_app``)
            reported.add(id(where))
            label = "configuration" if isinstance(fn, ast.Module) else f"{fn.name}()"
            yield at_node(target, ctx, where, f"{label} {what}", **({"fix": fix} if fix else {}))


def _cors_fixes() -> dict[str, str]:
    return {
        line.split(": ", 1)[0]: line.split(": ", 1)[1] for line in CORS_CREDENTIALS.fix.splitlines() if ": " in line
    }


def _unsafe_script_sources(policy: str) -> list[str]:
    """The unsafe keywords a CSP's script sources allow (script-src, else default-src); 'unsafe-inline' next to a
    nonce or hash is ignored by browsers, so it does not count then."""
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.strip().lower().split()
        if words:
            directives.setdefault(words[0], words[1:])
    sources = directives.get("script-src", directives.get("default-src"))
    if sources is None:
        return []
    nonce = any(w.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-")) for w in sources)
    return [w.strip("'") for w in sources if w == "'unsafe-eval'" or (w == "'unsafe-inline'" and not nonce)]


@rule(WEAK_CSP)
def check_weak_csp(ctx: ModuleContext) -> Iterator[Finding]:
    """AS311 — a Content-Security-Policy header (set by hand, in a header dict or tuple, or Talisman's
    ``content_security_policy=`` as text or a dict) whose script-src, or default-src without one, allows
    'unsafe-inline' (without a nonce or hash) or 'unsafe-eval'."""
    if not au.mentions(ctx, ("unsafe-",)):  # cheap pre-filter: most files cannot match
        return
    for node in au.nodes_of_any(ctx.tree, ast.Assign, ast.Call, ast.Tuple, ast.Dict):
        policies: list[tuple[ast.AST, str]] = []
        for key, value in header_pairs(node):
            if (au.str_const(key) or "").lower() == "content-security-policy" and au.str_const(value):
                policies.append((value or node, au.str_const(value) or ""))
        if isinstance(node, ast.Call):
            csp = au.kwarg(node, "content_security_policy")
            text = au.str_const(csp)
            if text:
                policies.append((node, text))
            elif isinstance(csp, ast.Dict):
                parts = [f"{au.str_const(k)} {' '.join(au.strings_in(v))}" for k, v in zip(csp.keys, csp.values,
                                                                                       strict=False) if k is not None]
                policies.append((node, "; ".join(parts)))
        for where, policy in policies:
            unsafe = _unsafe_script_sources(policy)
            if unsafe:
                yield at_node(WEAK_CSP, ctx, where, f"Content-Security-Policy allows {' and '.join(unsafe)} script")


@rule(NO_TIMEOUT)
def check_timeout(ctx: ModuleContext) -> Iterator[Finding]:
    """AS309 — outbound call without timeout (requests, urlopen; httpx with ``timeout=None``). Medium only in an
    ``async def``, where the blocking call stalls the event loop; low elsewhere (a hung upstream holds one worker; a
    URL the caller picks is the SSRF finding's). Command-line scripts (no routes, a ``__main__`` block) are skipped."""
    if not au.mentions(ctx, _HINT_CHECK_TIMEOUT):  # cheap pre-filter: most files cannot match
        return
    imp = imports(ctx)
    if _command_line_script(ctx, imp):  # a hung upstream stalls one user's command, not a server's workers
        return
    in_async = {c.lineno for fn in au.nodes_of(ctx.tree, ast.AsyncFunctionDef) for c in au.calls(fn)}
    ssrf_lines = {h.line for h in tm.analyse_context(ctx).hits if h.kind == "ssrf" and h.proven}
    for call in au.calls(ctx.tree):
        name, ssrf = au.call_name(call, imp), call.lineno in ssrf_lines  # the caller picks the URL: SSRF's finding
        if au.has_kwargs_splat(call):
            continue
        url = au.arg(call, 1, "url") if (tail := au.last(name)) == "request" else au.arg(call, 0, "url")
        fixed = au.fixed_value(url, ctx.tree)
        low = {"severity": Severity.LOW} if fixed or call.lineno not in in_async else {}  # robustness, not attack
        note = " (the URL is the caller's: see the SSRF finding)" if ssrf else " (fixed upstream)" if fixed else ""
        if name.startswith("requests.") and tail in _HTTP_CLIENT_VERBS and au.kwarg(call, "timeout") is None:
            yield at_node(NO_TIMEOUT, ctx, call, f"{name}() has no timeout and can hang forever{note}", **low)
        elif name in {"urllib.request.urlopen", "urllib2.urlopen"} and au.arg(call, 2, "timeout") is None:
            yield at_node(NO_TIMEOUT, ctx, call, f"urlopen() has no timeout{note}", **low)
        elif name.startswith("httpx.") and isinstance(au.kwarg(call, "timeout"), ast.Constant) and au.const(
                au.kwarg(call, "timeout"), 0) is None:
            yield at_node(NO_TIMEOUT, ctx, call, f"{name}(timeout=None) can hang forever", **low)


_CLI_MODULES = frozenset({"click", "typer", "argparse", "fire", "docopt"})


def _command_line_script(ctx: ModuleContext, imp: au.Imports) -> bool:
    """A command-line program, not part of a web app: it defines no routes and no app, runs as a script
    (``if __name__ == '__main__'``) and reads its arguments with click, typer, argparse, fire or docopt."""
    facts = ctx.facts.get("framework_facts")
    if facts is not None and (facts.routes or facts.owners):
        return False
    if not any(v.split(".", 1)[0] in _CLI_MODULES for v in imp.values()):
        return False
    return any(isinstance(s, ast.If) and "__main__" in ast.dump(s.test) for s in ctx.tree.body)


_CRED_WORDS = re.compile(r"(token|api[_-]?key|apikey|password|passwd|secret|access[_-]?key|auth)", re.IGNORECASE)
_LOCAL = re.compile(
    r"^http://(localhost|127\.|0\.0\.0\.0|\[::1\]|[\w.-]*\.local\b|[\w.-]*example\.(com|org))", re.IGNORECASE
)


@rule(PLAIN_HTTP)
def check_plain_http(ctx: ModuleContext) -> Iterator[Finding]:
    """AS310 — an ``http://`` URL (not localhost) in an outbound call that carries credentials: ``auth=``,
    an ``Authorization``/``X-API-Key`` header, or token/key/password in the query string or parameters."""
    if not au.mentions(ctx, _HINT_CHECK_PLAIN_HTTP):  # cheap pre-filter: most files cannot match
        return
    imp = imports(ctx)
    for call in au.calls(ctx.tree):
        name = au.call_name(call, imp)
        if not (
            name.startswith(("requests.", "httpx.", "urllib.request.", "aiohttp.")) or au.last(name) in {"urlopen"}
        ):
            continue
        url = au.arg(call, 0, "url")
        if au.last(name) == "request":
            url = au.arg(call, 1, "url")
        text = ""
        if isinstance(url, ast.Constant) and isinstance(url.value, str):
            text = url.value
        elif isinstance(url, ast.JoinedStr) and url.values and isinstance(url.values[0], ast.Constant):
            text = str(url.values[0].value)
        if not text.lower().startswith("http://") or _LOCAL.match(text):
            continue
        carries = au.kwarg(call, "auth") is not None or bool(
            _CRED_WORDS.search(text.split("?", 1)[-1] if "?" in text else "")
        )
        for key in ("headers", "params", "data", "json"):
            value = au.kwarg(call, key)
            if value is not None and any(_CRED_WORDS.search(s) for s in au.strings_in(value)):
                carries = True
        if carries:
            yield at_node(PLAIN_HTTP, ctx, call, f"credentials sent to {text.split('?')[0]} over plain HTTP")


__all__ = [
    "BIND_ALL",
    "CORS_ANY",
    "CORS_CREDENTIALS",
    "DEBUG",
    "DEV_SERVER",
    "NO_TIMEOUT",
    "PLAIN_HTTP",
    "WEAK_CSP",
]
