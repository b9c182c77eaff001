"""Object-level access, IP-header trust, mass assignment, data exposure and unbounded input: AS102, AS106–AS108,
AS203, AS205."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Any

from apishield.audit import astutil as au
from apishield.audit.client_data import request_data
from apishield.audit.model import AUTH, Route
from apishield.audit.rules.base import at, at_node, imports, related, served_routes
from apishield.audit.rules.django_access import django_view_keys
from apishield.audit.rules.pages import rendered_templates
from apishield.audit.rules.registry import ModuleContext, ProjectContext, rule
from apishield.audit.rules.route_nature import OWNED_RECORD_SEGMENT, PARAM_LAST, collection_of, handler_body
from apishield.findings import Confidence, Finding, Rule, Severity

BOLA = Rule(
    id="AS102",
    title="Object id from the request used without an ownership check",
    cwe=(639, 862, 284),
    owasp="API1:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.LOW,
    description="The handler loads an object by an id the client chose and never compares it with the caller.",
    fix="Scope the lookup to the caller: `Task.query.filter_by(id=task_id, owner_id=principal.subject)` (apishield: "
    "`g.principal` / `request.state.principal`), and answer 404 when it is not theirs.",
)
MASS_ASSIGN = Rule(
    id="AS106",
    title="Mass assignment from request data",
    cwe=(915,),
    owasp="API3:2023",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    description="Every field the client sends (role, is_admin, owner_id…) is written to the model.",
    fix="Copy an allow-list of fields (`for k in ('title', 'done'): ...`) or validate with a schema that only "
    "declares writable fields (pydantic model / apishield `@shield.validate(schema)` with "
    "`additionalProperties: false`).",
)
EXPOSURE = Rule(
    id="AS107",
    title="Excessive data exposure in a response",
    cwe=(213, 200),
    owasp="API3:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    description="A whole object (``__dict__``/``vars()``) or a password/secret field is serialised to the client.",
    fix="Return an explicit projection (`{'id': u.id, 'name': u.name}`) or a response schema "
    "(FastAPI `response_model=UserOut`) that omits secrets.",
)
UNBOUNDED = Rule(
    id="AS203",
    title="Unbounded input size or page size",
    cwe=(400, 770),
    owasp="API4:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.LOW,
    description="A page size taken from the request without a cap, or a Flask app with no MAX_CONTENT_LENGTH.",
    fix="Cap it: `limit = min(request.args.get('limit', 20, type=int), 100)` / FastAPI `Query(20, le=100)`; set "
    "`app.config['MAX_CONTENT_LENGTH'] = 1 * 1024 * 1024` (apishield validates body size and schema).",
)
GRAPHQL = Rule(
    id="AS205",
    title="GraphQL endpoint without depth/cost limits or with introspection tools on",
    cwe=(770, 200),
    owasp="API4:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    description="Deeply nested or batched GraphQL queries exhaust the server; GraphiQL/introspection map the API.",
    fix="Add depth/cost validation rules (graphene `depth_limit_validator(10)`, strawberry `QueryDepthLimiter`), "
    "turn off batching and GraphiQL in production.",
)

IP_HEADER = Rule(
    id="AS108",
    title="Access decided by a client-set IP header",
    cwe=(290, 348, 807),
    owasp="API8:2023",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    description="X-Forwarded-For, X-Real-IP and their kind are written by the client unless a proxy you control "
    "overwrites them: an 'internal network only' or IP allow-list check on them lets anyone in.",
    fix="Decide on the connection's address (`request.client.host`, `request.remote_addr`) and let a trusted "
    "proxy set it (Werkzeug `ProxyFix(x_for=1)`, uvicorn `--proxy-headers --forwarded-allow-ips`); better, "
    "require authentication and a role for internal endpoints.",
)

_IP_HEADERS = frozenset({"x-forwarded-for", "x-real-ip", "x-client-ip", "true-client-ip", "forwarded",
                         "cf-connecting-ip", "x-originating-ip", "x-remote-ip", "x-remote-addr"})


_HINT_IP_HEADER = ("forwarded", "real-ip", "real_ip", "client-ip", "client_ip", "connecting-ip", "connecting_ip",
                   "access_route", "originating-ip", "originating_ip", "x-remote", "x_remote")


def _reads_ip_header(node: ast.AST) -> bool:
    """``headers.get('X-Forwarded-For')``, ``environ['HTTP_X_REAL_IP']``, Flask ``request.access_route``."""
    for sub in au.walk(node):
        if isinstance(sub, ast.Attribute) and sub.attr == "access_route":
            return True
        text = au.str_const(sub)
        if text and text.lower().removeprefix("http_").replace("_", "-") in _IP_HEADERS:
            return True
    return False


def _ip_header_checks(fn: ast.FunctionDef | ast.AsyncFunctionDef, imp: au.Imports) -> Iterator[ast.If]:
    """``if ip not in ALLOWED: raise HTTPException(403)`` where ``ip`` came from a client-set IP header."""
    from apishield.audit.frameworks.common import rejects_unauthenticated  # the one rejection test

    tainted: set[str] = set()
    assigns = sorted((n for n in au.nodes_of_any(fn, ast.Assign) if isinstance(n, ast.Assign)),
                     key=lambda n: (n.lineno, n.col_offset))
    for node in assigns:
        if _from_the_end(node.value):
            continue  # ``forwarded[-2]``: the entry the deployment's own proxy appended, not one the client wrote
        if (_reads_ip_header(node.value) or any(
                isinstance(n, ast.Name) and n.id in tainted for n in au.walk(node.value))):
            tainted.update(t.id for t in node.targets if isinstance(t, ast.Name))
    for branch in au.nodes_of_any(fn, ast.If):
        if not isinstance(branch, ast.If):
            continue
        test = _value_test(branch.test)
        uses = test is not None and (_reads_ip_header(test) or any(isinstance(n, ast.Name) and n.id in tainted
                                                                   for n in au.walk(test)))
        if uses and rejects_unauthenticated(ast.Module(body=branch.body, type_ignores=[]), imp):
            yield branch


def _from_the_end(value: ast.AST) -> bool:
    """``header.split(',')[-2].strip()``: an entry counted from the end of the list, which the proxies in front of the
    app append after whatever the client sent."""
    return any(isinstance(n, ast.Subscript) and isinstance(n.slice, ast.UnaryOp) and isinstance(n.slice.op, ast.USub)
               for n in au.walk(value))


def _value_test(test: ast.expr) -> ast.expr | None:
    """The test, unless it only asks whether the header is there or how many entries it has (``'X-Forwarded-For'
    not in request.headers``, ``len(forwarded) < 2``): refusing a request that lacks it trusts no value of it."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _value_test(test.operand)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        if isinstance(test.ops[0], (ast.In, ast.NotIn)) and au.str_const(test.left):
            return None  # presence of a header name
        if isinstance(test.left, ast.Call) and au.dotted(test.left.func) == "len":
            return None  # the number of entries
    return test


@rule(IP_HEADER)
def check_ip_header_access(ctx: ModuleContext) -> Iterator[Finding]:
    """AS108 — trusting a client-set IP header for access (CWE-290, CWE-348): a condition on a value read from
    ``X-Forwarded-For``/``X-Real-IP``/``Forwarded``/… (directly or through assignments, or Flask's
    ``request.access_route``) whose branch refuses the request with 401/403."""
    if not au.mentions(ctx, _HINT_IP_HEADER):  # cheap pre-filter: most files cannot match
        return
    imp = imports(ctx)
    for fn in au.functions(ctx.tree):
        for node in _ip_header_checks(fn, imp):
            yield at_node(IP_HEADER, ctx, node, f"{fn.name}() lets a client-set IP header decide who may pass")


_CONVERTERS = {"int", "float", "path", "string", "str", "uuid", "any", "re", "default"}


def _path_params(path: str) -> list[str]:
    """Parameter names of Flask ``<int:id>``, Bottle ``<id:int>``, FastAPI/OpenAPI ``{id}`` and ``:id`` paths."""
    out: list[str] = []
    for flask_or_bottle, braces, colon in re.findall(r"<([^>]+)>|\{([^}:]+)(?::[^}]*)?\}|:(\w+)", path):
        if flask_or_bottle:
            parts = [p for p in flask_or_bottle.split(":") if p and p not in _CONVERTERS and "(" not in p]
            out.extend(parts[:1])
        else:
            out.append(braces or colon)
    return out


_HINT_CHECK_EXPOSURE = ("__dict__", "vars(", "passw", "secret", "salt", "select *", "pwd", "private_key")
_HINT_CHECK_GRAPHQL = ("graphql",)


@rule(BOLA, scope="project")
def check_bola(project: ProjectContext) -> Iterator[Finding]:
    """AS102 — a route with an id path parameter (``<task_id>``, ``{item_id}``, CherryPy ``user_id`` argument)
    that the handler passes to a lookup (query, get, filter, execute, subscript) while neither the handler nor
    a helper it calls compares anything with the caller (``current_user``, ``principal``, ``owner``,
    ``g.user``, 403/404 on mismatch; a parameter that only makes the caller known, such as a ``current_user``
    dependency, or a 404 for a missing object compares nothing). Medium for writes, for reads of records that
    belong to one customer (``/orders/<id>``, invoices, messages) and for reads of a collection whose listing shows
    each caller only their own (``GET /tasks`` filtered by the caller next to an unchecked ``GET /tasks/<id>``);
    low for other reads, where access by id is often the design (profiles, articles), unless the handler answers a
    secret of what it loaded (``secret=user.secret``, ``"api_key": a.api_key``). Public-by-design routes are
    skipped; on a route without authentication the finding is low (there is no caller to own anything: AS101
    reports the route itself)."""
    routes = served_routes(project.facts.get("routes", []))
    modules = {m.path: m for m in project.modules}
    scoping = {(_stem(m.path), name) for m in project.modules for name in m.facts.get("scoping_functions") or ()}
    owner_scoping = {(_stem(m.path), name) for m in project.modules
                     for name in m.facts.get("owner_scoping_functions") or ()}
    owned_models: dict[str, bool] = {}
    for m in project.modules:
        for name, owned in (m.facts.get("models") or {}).items():
            owned_models[name] = owned_models.get(name, False) or owned
    # collections whose listing the author scopes to the caller: each caller is shown only their own records
    own_listings = {collection_of(r.path) for r in routes if r.methods == ("GET",) and not PARAM_LAST.search(r.path)
                    and (listing := modules.get(r.file)) is not None
                    and r.handler.rsplit(".", 1)[-1] in (listing.facts.get("caller_scoped") or ())}
    for route in routes:
        module = modules.get(route.file)
        if route.public or route.roles or module is None:
            continue
        table: dict[str, list[str]] = module.facts.get("unchecked_ids") or {}
        unchecked = table.get(route.handler) or table.get(route.handler.rsplit(".", 1)[-1]) or []
        callees: dict[str, list[str]] = module.facts.get("id_callees") or {}
        called = callees.get(route.handler) or callees.get(route.handler.rsplit(".", 1)[-1]) or []
        if any((parts[-2], parts[-1]) in scoping for parts in (c.lstrip(".").split(".") for c in called)
               if len(parts) >= 2):
            continue  # the helper it hands the id to scopes the lookup to the caller
        if any((parts[-2], parts[-1]) in owner_scoping for parts in (
                c.lstrip(".").split(".") for c in _handler_fact(module, "parent_dependencies", route.handler))
               if len(parts) >= 2):
            continue  # the lookup is scoped by a parent that a dependency checks belongs to the caller
        if _SOCIAL.search(route.path):
            continue  # reporting, liking or following another's object is what every member may do to it
        looked_up = [n for n in _handler_fact(module, "id_models", route.handler) if n in owned_models]
        if looked_up and not any(owned_models[n] for n in looked_up):
            continue  # every model it loads by the id names no owner: its records belong to nobody
        params = set(_path_params(route.path))
        if route.framework == "cherrypy":
            params |= set(unchecked)  # CherryPy passes path segments and query values as arguments
        chosen = _client_chosen(module, route)
        for param in [p for p in unchecked if p in params or p in chosen]:
            how = "an authenticated" if route.has(AUTH) else "an unauthenticated"
            where = "" if param in params else " in the request"
            yield at(
                BOLA,
                route.file,
                module.lines,
                route.line,
                f"{'/'.join(route.methods)} {route.path}: {how} caller picks '{param}'{where} and the object is "
                "loaded without checking that it belongs to them",
                # reading by id behind authentication is often by design (profiles), not for records owned by one
                # customer (orders, invoices, messages); writes are not. Without
                # authentication there is no caller to own anything: the weakness is the missing authentication,
                # which AS101 reports on the same route, so this one stays low
                severity=Severity.MEDIUM if route.has(AUTH) and (
                    route.state_changing or _owned_records(project, route) or collection_of(route.path) in own_listings
                    or _answers_secrets(project, route))
                else Severity.LOW,
                **related(route),  # type: ignore[arg-type]  # only the ``related`` key: goes to ``extra``
            )
            break


#: frameworks whose handler parameters not named in the path are the query string's or the body's
_PARAMETERS_FROM_REQUEST = frozenset({"fastapi", "litestar"})


def _client_chosen(module: Any, route: Route) -> set[str]:
    """Id-like names the client picks outside the path: read from the request in the handler, and on FastAPI and
    Litestar the parameters no dependency fills (an id in the query string or body is as much the client's choice
    as one in the path)."""
    table: dict[str, dict[str, list[str]]] = module.facts.get("client_ids") or {}
    entry = table.get(route.handler.rsplit(".", 1)[-1]) or {}
    return set(entry.get("read", ())) | (
        set(entry.get("arguments", ())) if route.framework in _PARAMETERS_FROM_REQUEST else set())


def _handler_fact(module: Any, fact: str, handler: str) -> list[str]:
    table: dict[str, list[str]] = module.facts.get(fact) or {}
    return table.get(handler) or table.get(handler.rsplit(".", 1)[-1]) or []


#: actions every member takes on other people's objects (a report, a like, a follow, a vote)
_SOCIAL = re.compile(r"(?i)/(?:un)?(?:report|flag|like|vote|follow|collect|bookmark|favou?rite|star|upvote|downvote|"
                     r"react|subscribe)s?(?:/|$)")


def _owned_records(project: ProjectContext, route: Route) -> bool:
    """The route reads records one customer owns (orders, transactions, messages...): its path names them, or its
    handler selects them from a table or model so named (``SELECT * FROM transactions``, ``Order.query``)."""
    if any(OWNED_RECORD_SEGMENT.match(s) for s in route.path.strip("/").split("/")):
        return True
    body = handler_body(project, route) or ""
    return any(OWNED_RECORD_SEGMENT.match(_snake(a or b)) for a, b in _READ_RECORDS.findall(body))


#: a table a handler selects from, or a model it queries (``FROM transactions``, ``Order.query``, ``Order.objects``)
_READ_RECORDS = re.compile(r"(?i:\bFROM)\s+[`\"\[]?(\w+)|\b([A-Z]\w*)\.(?:query|objects)\b")


def _snake(name: str) -> str:
    """``Transaction`` -> ``transaction``, ``PayrollRun`` -> ``payroll_run`` (matched whole, so only one-word names
    count)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


#: a secret of the loaded object handed to the answer: a template value or a JSON key named for one, taken from an
#: attribute (``render_template(..., secret=user.secret)``, ``{"api_key": account.api_key}``)
_SECRET_ANSWERED = re.compile(
    r"""[,({]\s*['"]?(?:secret|password|passwd|password_hash|api_?key|token|otp|pin|ssn|card_number|iban)['"]?\s*"""
    r"""[=:]\s*\w+\.\w+""", re.IGNORECASE)  # an argument or a dict entry, not ``api_key = request.headers...``


def _answers_secrets(project: ProjectContext, route: Route) -> bool:
    """The handler answers secret-named values of what it loaded, itself or through a template it renders that
    prints one (``{{ user.password }}``): reading someone's secret by id is never the public profile that reading a
    record by id often is."""
    body = handler_body(project, route)
    return bool(body and (_SECRET_ANSWERED.search(body) or any(
        _SECRET_SHOWN.search(t.source) for t in rendered_templates(project, body))))


#: a template printing a secret-named member of a value it is given (``{{ user.password }}``, ``{{ acct['pin'] }}``)
_SECRET_SHOWN = re.compile(r"""\{\{-?\s*\w+(?:\.|\[['"])(?:password|passwd|password_hash|secret|api_?key|token|otp|"""
                           r"""pin|ssn|card_number|iban)\b""", re.IGNORECASE)


def _stem(path: str) -> str:
    """``app/store.py`` -> ``store``; a package's ``__init__.py`` -> the package name."""
    parts = path.rsplit("/", 2)
    name = parts[-1].removesuffix(".py")
    return parts[-2] if name == "__init__" and len(parts) > 1 else name


_IDENTITY_HEADER = re.compile(r"^x[-_](?:user|user[-_]?id|user[-_]?name|username|user[-_]?email)$", re.IGNORECASE)


@rule(BOLA)
def check_bola_in_module(ctx: ModuleContext) -> Iterator[Finding]:
    """AS102 (per module): the caller's identity read from a client-set header, and Django function views that load
    an object by a key from their URL without checking the caller (:mod:`.django_access`; Django views are not in
    the route inventory)."""
    yield from _identity_header(ctx)
    yield from django_view_keys(ctx, BOLA)


def _identity_header(ctx: ModuleContext) -> Iterator[Finding]:
    """The caller's identity read from a header the client sets (``X-User-ID``, ``X-User``, ``X-Username``, read
    with ``request.headers.get(...)`` or ``request.headers[...]``): whoever sends the header is whoever they claim,
    so every ownership check made with it checks nothing."""
    if not au.mentions(ctx, ("x-user", "x_user", "X-User")):
        return
    for node in au.nodes_of_any(ctx.tree, ast.Call, ast.Subscript):
        name = ""
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            if au.last(au.dotted(node.func.value)) == "headers" and node.args:
                name = str(au.const(node.args[0], ""))
        elif isinstance(node, ast.Subscript) and au.last(au.dotted(node.value)) == "headers":
            name = str(au.subscript_key(node) or "")
        if name and _IDENTITY_HEADER.match(name) and _decides(ctx, node):
            yield at_node(BOLA, ctx, node, f"the caller's identity is read from the client-set header '{name}': any "
                          "client can claim to be any user")


def _decides(ctx: ModuleContext, read: ast.AST) -> bool:
    """The header value is compared or looked up (``me != owner``, ``me in roles``, ``roles[me]``), directly or
    through the variable it is assigned to; a value read and never used decides nothing."""
    parent = au.parent_map(ctx.tree).get(id(read))
    if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name)):
        return True
    var = parent.targets[0].id
    return any(isinstance(n, ast.Name) and n.id == var and isinstance(n.ctx, ast.Load)
               for c in au.nodes_of_any(ctx.tree, ast.Compare, ast.Subscript, ast.Call) for n in ast.walk(c))


SECRET_KEYS = re.compile(
    r"^(password|passwd|pwd|password_hash|hashed_password|pw_hash|secret|secret_key|"
    r"api_secret|private_key|otp_secret|totp_secret|salt)$",
    re.IGNORECASE,
)
_RESPONDERS = {"jsonify", "json.dumps", "dumps", "JSONResponse", "make_response", "Response", "json_response"}


def _projected(node: ast.AST) -> set[int]:
    """The ``x.__dict__``/``vars(x)`` unpacked into a class's constructor (``schemas.LinkResult(**r.__dict__)``): a
    schema or record class keeps the fields it declares, so the object is projected onto them, not sent whole."""
    out: set[int] = set()
    for call in au.nodes_of(node, ast.Call):
        name = au.last(au.dotted(call.func))
        if name[:1].isupper() and name not in _RESPONDERS:
            out.update(id(k.value) for k in call.keywords if k.arg is None)
    return out


def _exposes(node: ast.AST) -> str:
    projected = _projected(node)
    for sub in au.walk(node):
        if id(sub) in projected:
            continue
        if isinstance(sub, ast.Attribute) and sub.attr == "__dict__":
            return f"{au.dotted(sub)}"
        if isinstance(sub, ast.Call) and au.dotted(sub.func) == "vars" and sub.args:
            return f"vars({au.dotted(sub.args[0])})"
        if isinstance(sub, ast.Dict):
            for key in sub.keys:
                text = au.str_const(key)
                if text and SECRET_KEYS.match(text):
                    return f"the '{text}' field"
    return ""


_WHOLE_USER_ROW = re.compile(r"select\s+\*\s+from\s+\W?(users?|accounts?|members?|customers?)\b", re.IGNORECASE)


def _whole_user_rows(fn: ast.AST) -> set[str]:
    """Variables holding rows of ``SELECT * FROM users`` (password hashes included)."""
    names: set[str] = set()
    for node in au.nodes_of_any(fn, ast.Assign):
        if isinstance(node, ast.Assign) and any(_WHOLE_USER_ROW.search(s) for s in au.strings_in(node.value)):
            names.update(au.last(t) for t in au.target_names(node))
    return names


def _serialises(node: ast.AST, names: set[str]) -> str:
    for sub in au.walk(node):
        if isinstance(sub, ast.Call) and au.dotted(sub.func) == "dict" and sub.args:
            arg = au.dotted(sub.args[0])
            if arg in names:
                return f"the whole '{arg}' row (all columns of a users query)"
        if isinstance(sub, ast.comprehension) and au.dotted(sub.iter) in names:
            return f"whole rows of '{au.dotted(sub.iter)}' (all columns of a users query)"
    return ""


@rule(EXPOSURE)
def check_exposure(ctx: ModuleContext) -> Iterator[Finding]:
    """AS107 — a route handler returns ``obj.__dict__``/``vars(obj)``, a dict with a password/secret field, or
    ``dict(row)`` of a ``SELECT * FROM users`` row (directly or through ``jsonify``/``json.dumps``/
    ``JSONResponse``)."""
    if not au.mentions(ctx, _HINT_CHECK_EXPOSURE):  # cheap pre-filter: most files cannot match
        return
    handlers: set[str] = ctx.facts.get("handlers") or set()
    for fn in au.functions(ctx.tree):
        if fn.name not in handlers:
            continue
        rows = _whole_user_rows(fn)
        for node in au.walk(fn):
            value: ast.AST | None = None
            if isinstance(node, ast.Return):
                value = node.value
            elif isinstance(node, ast.Call) and au.last(au.dotted(node.func)) in _RESPONDERS:
                value = node
            if value is None:
                continue
            what = _exposes(value) or (_serialises(value, rows) if rows else "")
            if what:
                yield at_node(EXPOSURE, ctx, node, f"{fn.name}() sends {what} to the client")
                break


_PAGE = re.compile(
    r"^(limit|per_page|perpage|page_size|pagesize|size|count|max|max_results|top|take|first|n|"
    r"num|rows)$",
    re.IGNORECASE,
)


def _capped(fn: ast.AST, var: str) -> bool:
    for node in au.walk(fn):
        if (isinstance(node, ast.Call) and au.dotted(node.func) in {"min", "clamp", "max"}) and (
            any(isinstance(n, ast.Name) and n.id == var for a in node.args for n in au.walk(a))
        ):
            return True
        if isinstance(node, ast.Compare) and any(isinstance(n, ast.Name) and n.id == var for n in au.walk(node)):
            return True
    return False


_PAGE_LITERAL = re.compile(
    r"""['"](limit|per_page|perpage|page_size|pagesize|size|count|max|max_results|top|take|"""
    r"""first|n|num|rows)['"]""",
    re.IGNORECASE,
)


def _page_size_findings(module: ModuleContext) -> Iterator[Finding]:
    handlers: set[str] = module.facts.get("handlers") or set()
    literal = _PAGE_LITERAL.search(module.source) is not None
    if not literal and not handlers and "Query" not in module.source:
        return
    for fn in au.functions(module.tree):
        for node in au.walk(fn) if literal else ():
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
                continue
            var = node.targets[0].id
            keys = [s for s in au.strings_in(node.value) if _PAGE.match(s)]
            if not keys or not request_data(node.value):
                continue
            if not (isinstance(node.value, ast.Call) and au.dotted(node.value.func) == "min") and not _capped(fn, var):
                yield at_node(
                    UNBOUNDED, module, node, f"page size '{keys[0]}' comes from the request with no upper bound"
                )
        for a, default in zip(reversed(fn.args.args), reversed(fn.args.defaults), strict=False):
            if not _PAGE.match(a.arg):
                continue
            if isinstance(default, ast.Call) and au.last(au.dotted(default.func)) == "Query":
                if au.kwarg(default, "le") is None and au.kwarg(default, "lt") is None:
                    yield at_node(
                        UNBOUNDED,
                        module,
                        default,
                        f"Query parameter '{a.arg}' has no upper bound (le=)",
                        severity=Severity.LOW,
                    )
            elif fn.name in handlers and isinstance(default, ast.Constant) and not _capped(fn, a.arg):
                cherry = "cherrypy" in (module.facts.get("frameworks") or set())
                yield at_node(
                    UNBOUNDED,
                    module,
                    fn,
                    f"page size parameter '{a.arg}' of {fn.name}() has no upper bound",
                    severity=Severity.MEDIUM if cherry else Severity.LOW,
                )


@rule(UNBOUNDED, scope="project")
def check_unbounded(project: ProjectContext) -> Iterator[Finding]:
    """AS203 — a page size/limit read from the request without ``min()``/comparison cap, a FastAPI ``Query``
    limit without ``le=``, a CherryPy/Bottle handler ``limit`` argument used uncapped, and (low severity, once
    per Flask app) request bodies read with no ``MAX_CONTENT_LENGTH`` configured anywhere."""
    if any(m.facts.get("max_content_length") for m in project.modules):
        return
    lines = {m.path: m.lines for m in project.modules}
    for app in project.facts.get("apps", []):
        if app.framework == "flask" and any(r.reads_form or r.state_changing for r in app.routes):
            yield at(
                UNBOUNDED,
                app.path,
                lines.get(app.path, []),
                app.line,
                "request bodies are read but MAX_CONTENT_LENGTH is not set",
                severity=Severity.LOW,
            )


@rule(UNBOUNDED)
def check_unbounded_page_size(ctx: ModuleContext) -> Iterator[Finding]:
    """AS203 (per module) — page sizes taken from the request without an upper bound."""
    yield from _page_size_findings(ctx)


@rule(GRAPHQL)
def check_graphql(ctx: ModuleContext) -> Iterator[Finding]:
    """AS205 — GraphQL views/apps (graphene ``GraphQLView``, strawberry ``GraphQLRouter``/``GraphQL``,
    starlette-graphene ``GraphQLApp``, ariadne ``GraphQL``) with ``graphiql=True``, ``batch=True``, or no
    depth/cost validation rules anywhere in the module."""
    if not au.mentions(ctx, _HINT_CHECK_GRAPHQL):  # cheap pre-filter: most files cannot match
        return
    imp = imports(ctx)
    source_has_limits = (
        re.search(r"depth_limit|QueryDepthLimiter|max_depth|cost|validation_rules|MaxAliases", ctx.source) is not None
    )
    for call in au.calls(ctx.tree):
        name = au.call_name(call, imp)
        tail = au.last(name)
        if tail not in {"as_view", "GraphQLView", "GraphQLRouter", "GraphQLApp", "GraphQL", "GraphQLHTTPHandler"}:
            continue
        if tail == "as_view" and "GraphQL" not in au.dotted(call.func):
            continue
        problems = []
        if au.is_true(au.kwarg(call, "graphiql")) or au.is_true(au.kwarg(call, "debug")):
            problems.append("GraphiQL/debug on")
        if au.is_true(au.kwarg(call, "batch")):
            problems.append("batching on")
        if not source_has_limits:
            problems.append("no query depth/cost limit")
        if problems:
            yield at_node(GRAPHQL, ctx, call, f"GraphQL endpoint: {', '.join(problems)}")


__all__ = ["BOLA", "EXPOSURE", "GRAPHQL", "IP_HEADER", "MASS_ASSIGN", "UNBOUNDED"]
