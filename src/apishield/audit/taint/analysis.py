"""The taint analysis of one module: which functions are route handlers, what their parameters carry, the
summary of a helper, and the result (sink hits and handler returns) the injection rules turn into findings.

Calls to the project's own functions use a summary (which parameters reach the return value, which reach a
sink inside, what the return is sanitised for), computed once per function with the same interpreter;
``import helpers.x`` is resolved to a file next to the scanned module when one exists. Limits: no heap model
beyond local containers, no field sensitivity on ``self``, helpers more than two calls deep are pass-through.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from apishield.audit import astutil as au
from apishield.audit.client_data import REQUEST_NAMES
from apishield.audit.model import ModuleFacts
from apishield.audit.taint import modules
from apishield.audit.taint.calls import Interpreter
from apishield.audit.taint.catalogue import (
    ERROR_HANDLER_DECORATORS,
    REQUEST_HANDLER_BASES,
    REQUEST_PARAM_NAMES,
    REQUEST_TYPES,
    ROUTE_DECORATORS,
    SERIALISING_BASES,
    SERIALISING_DECORATORS,
    TORNADO_HANDLER_BASES,
    TORNADO_VERBS,
    sanitising_call,
)
from apishield.audit.taint.guards import OWN_MESSAGE_ERRORS, guarded_subjects
from apishield.audit.taint.modules import FunctionNode, ModuleInfo, param_names
from apishield.audit.taint.parameters import (
    MODEL_KIND,
    PATH_ARGUMENT_FRAMEWORKS,
    VALIDATING_FRAMEWORKS,
    annotation_aliases,
    code_supplied_params,
    scalar_fields,
    segment_path_params,
    typed_path_params,
    typed_scalar_params,
)
from apishield.audit.taint.values import (
    CLEAN,
    EXC,
    REQUEST,
    UNKNOWN,
    Env,
    Hit,
    Returned,
    Summary,
    Val,
    hashable,
    join,
    quoted_names,
)


def is_handler(fn: FunctionNode, info: ModuleInfo, exposed_class: bool = False) -> bool:
    if fn.name in info.handler_names or exposed_class:
        return True
    for dec in fn.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        name = au.dotted(target, strict=True)
        if name.rsplit(".", 1)[-1] in ROUTE_DECORATORS and (isinstance(dec, ast.Call) or name.endswith("expose")):
            return True
    return graphql_resolver(fn)


_RESOLVER_CONTEXT = frozenset({"info", "root", "parent", "obj", "_obj", "_root", "_parent"})


def graphql_resolver(fn: FunctionNode) -> bool:
    """A GraphQL resolver: graphene ``resolve_<field>(self, info, ...)`` and ``mutate(root, info, ...)``, ariadne
    ``@query.field('x') def f(obj, info, ...)``, strawberry ``@strawberry.field``/``mutation``. Its arguments
    besides the parent object and ``info`` are the client's."""
    if not (fn.decorator_list or fn.name.startswith("resolve_") or fn.name == "mutate"):
        return False  # the common case
    names = {a.arg for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]}
    if "info" in names and (fn.name.startswith("resolve_") or fn.name == "mutate"):
        return True
    for dec in fn.decorator_list:
        name = au.dotted(dec.func if isinstance(dec, ast.Call) else dec, strict=True)
        tail = name.rsplit(".", 1)[-1]
        if (name.startswith("strawberry.") and tail in {"field", "mutation", "subscription"}) or (
                tail == "field" and "info" in names and isinstance(dec, ast.Call) and dec.args):
            return True
    return False


#: annotations under which a parameter named ``request`` is still the framework's request object
_UNTYPED_REQUEST = frozenset({"", "Any", "object", "HttpRequest", "WSGIRequest", "ASGIRequest", "BaseRequest"})


def _fills_by_dependency(node: ast.AST | None) -> bool:
    """An ``Annotated[T, Depends(f)]`` hint (or ``Security``): FastAPI fills the parameter by calling ``f``."""
    return isinstance(node, ast.Subscript) and au.last(au.dotted(node.value)) == "Annotated" and any(
        isinstance(n, ast.Call) and au.last(au.dotted(n.func, strict=True)) in {"Depends", "Security"}
        for n in ast.walk(node.slice))


def dependency_aliases(tree: ast.Module) -> frozenset[str]:
    """Module names bound to an ``Annotated[..., Depends(...)]`` hint (``ActionsDep = Annotated[Actions,
    Depends(get_actions)]``), so that a parameter annotated with the name is filled by the dependency too."""
    return frozenset(t.id for stmt in tree.body if isinstance(stmt, ast.Assign) and _fills_by_dependency(stmt.value)
                     for t in stmt.targets if isinstance(t, ast.Name))


def handler_params(fn: FunctionNode, aliases: frozenset[str] = frozenset()) -> tuple[set[str], set[str]]:
    """(tainted parameter names, request-object parameter names) of a route handler. A parameter FastAPI fills by
    calling a dependency (``= Depends(f)``, ``Annotated[T, Depends(f)]``, or a module alias of such a hint) holds
    what the dependency returns, not a value the client sent."""
    tainted: set[str] = set()
    requests: set[str] = set()
    args = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
    defaults = au.param_defaults(fn)
    resolver = graphql_resolver(fn)
    for a in args:
        if a.arg in {"self", "cls"} or (resolver and a.arg in _RESOLVER_CONTEXT):
            continue
        ann = au.dotted(a.annotation, strict=True) if a.annotation is not None else ""
        if ann.rsplit(".", 1)[-1] in REQUEST_TYPES or (a.arg in REQUEST_NAMES and ann.rsplit(".", 1)[-1] in
                                                        _UNTYPED_REQUEST):
            requests.add(a.arg)  # ``request: RegisterRequest``, a body model named "request", is data, not the request
            continue
        default = defaults.get(a.arg)
        if isinstance(default, ast.Call) and au.last(au.dotted(default.func, strict=True)) in {"Depends", "Security"}:
            continue
        if _fills_by_dependency(a.annotation) or (isinstance(a.annotation, ast.Name) and a.annotation.id in aliases):
            continue
        if ann.rsplit(".", 1)[-1] in {"Session", "AsyncSession", "BackgroundTasks", "Response", "SecurityScopes"}:
            continue
        tainted.add(a.arg)
    for extra in (fn.args.vararg, fn.args.kwarg):
        if extra is not None:
            tainted.add(extra.arg)
    return tainted, requests

def _no_params(fn: FunctionNode) -> bool:
    a = fn.args
    return not (a.posonlyargs or a.args or a.kwonlyargs or a.vararg or a.kwarg)


@dataclass(slots=True)
class _Run:
    """What interpreting one function body found."""

    fn: FunctionNode
    handler: bool
    hits: list[Hit]
    returns: list[Returned]
    non_html_output: bool


def _interpret(info: ModuleInfo, fn: FunctionNode, env: Env, *, handler: bool, request_names: set[str]) -> _Run:
    """Run ``fn``'s body from ``env``. A function without parameters runs from the same empty environment whether
    it is summarised as a helper or analysed as a handler (the flag only marks its hits), so its run is kept and
    serves both, unless a summary still being computed (recursion) was asked for during it: then what the run
    saw depended on the order of calls."""
    bare = not env and not request_names and _no_params(fn)
    if bare:
        kept: _Run | None = info.bare_runs.get(id(fn))
        if kept is not None and kept.fn is fn:
            return kept
    guards = modules.GUARD_EVENTS
    interp = Interpreter(info, fn, env, handler=handler, request_names=request_names)
    interp.run(fn.body)
    run = _Run(fn, handler, interp.hits, interp.returns, interp.non_html_output)
    if bare and guards == modules.GUARD_EVENTS:
        info.bare_runs[id(fn)] = run  # the record, not the interpreter: it refers to ``info`` (no cycle)
    return run


def summarise(info: ModuleInfo, fn: FunctionNode, skip_self: bool) -> Summary:
    names = param_names(fn, skip_self)
    env: Env = {n: Val(taint=frozenset({f"p{i}"}), kind="param") for i, n in enumerate(names)}
    if skip_self:
        first = [a.arg for a in [*fn.args.posonlyargs, *fn.args.args]][:1]
        for n in first:
            env[n] = CLEAN
    interp = _interpret(info, fn, env, handler=False, request_names=set())
    ret = CLEAN
    for i, r in enumerate(interp.returns):
        ret = r.value if i == 0 else join(ret, r.value)
    flows = frozenset(int(o[1:]) for o in ret.taint if o.startswith("p") and o[1:].isdigit())
    sinks = []
    for h in interp.hits:
        idxs = frozenset(int(o[1:]) for o in h.origins if o.startswith("p") and o[1:].isdigit())
        if idxs:
            sinks.append((h.kind, idxs, h.sink, h.line))
    from_args = False
    if flows and not (ret.lit or ret.is_const) and REQUEST not in ret.taint:
        # the same body with literal arguments: is the return then made of literals only (a path or a name the
        # helper composes from what it is given), so that the callers' own sanitising carries through it?
        literal = {n: Val(lit=True) for n in names}
        literal.update({n: v for n, v in env.items() if v is CLEAN})
        again = _interpret(info, fn, literal, handler=False, request_names=set())
        values = [r.value for r in again.returns]
        from_args = bool(values) and all(v.lit or v.is_const for v in values)
    flow_clean = _flow_cleans(info, fn, names, env, flows, ret) if len(flows) > 1 else ()
    quoted = quoted_names(fn.body)  # the helper's own calls: a parameter passed on to another helper counts
    quotes = frozenset(i for i, n in enumerate(names) if n in quoted)
    ret_seq = None if ret.seq is None or not interp.returns else tuple(
        (frozenset(int(o[1:]) for o in e.taint if o.startswith("p") and o[1:].isdigit()), REQUEST in e.taint,
         e.lit or e.is_const) for e in ret.seq)
    return Summary(flows=flows, returns_source=REQUEST in ret.taint, ret_clean=ret.clean, ret_from_args=from_args,
                   quotes=quotes, ret_seq=ret_seq, flow_clean=flow_clean,
                   ret_const=ret.const if not ret.taint and hashable(ret.const) else UNKNOWN,
                   sinks=tuple(sinks), ret_kind=ret.kind if ret.kind.startswith("class:") or ret.kind == "nonhtml"
                   else "nonhtml" if ret.items is not None or _json_with_status(ret) else "",
                   ret_lit=ret.lit or ret.is_const)


#: at most this many parameters are followed one at a time (each is one more reading of the helper's body)
_MAX_SEPARATE_FLOWS = 4


def _flow_cleans(info: ModuleInfo, fn: FunctionNode, names: list[str], env: Env, flows: frozenset[int],
                 ret: Val) -> tuple[tuple[int, frozenset[str]], ...]:
    """For a helper that sanitises one of several parameters reaching its return value (``return basedir /
    secure_filename(name)``), what the return is clean for when only that parameter carries request data: the
    body read again with it as the one unknown and the others literals. Only for helpers that call a sanitiser or
    leave early unless a parameter passes a test, and only where it says more than the whole return's clean set."""
    if len(flows) > _MAX_SEPARATE_FLOWS or REQUEST in ret.taint or not (
            any(sanitising_call(c) for c in au.calls(fn)) or _guards_a_parameter(fn, names)):
        return ()
    out: list[tuple[int, frozenset[str]]] = []
    for i in sorted(flows):
        alone: Env = {n: env[n] if j == i else Val(lit=True) for j, n in enumerate(names)}
        alone.update({n: v for n, v in env.items() if v is CLEAN})
        again = _interpret(info, fn, alone, handler=False, request_names=set())
        values = [r.value for r in again.returns if r.value.taint]
        clean = frozenset.intersection(*(v.clean for v in values)) if values else frozenset()
        if clean - ret.clean:
            out.append((i, clean))
    return tuple(out)


def _guards_a_parameter(fn: FunctionNode, names: list[str]) -> bool:
    """``fn`` leaves early unless a parameter passes a test (``if not re.match(P, range_): raise``): a guard that
    sanitises that parameter for the rest of the body, as a sanitising call would."""
    params = set(names)
    return any(isinstance(node, ast.If) and node.body and isinstance(node.body[-1], (ast.Raise, ast.Return))
               and any(name in params for name, _ in guarded_subjects(node.test, lambda n: False))
               for node in ast.walk(fn))


def _json_with_status(ret: Val) -> bool:
    """``return {"message": ...}, 201``: a body of a dict (or of a value known not to be HTML) with a status, which
    the frameworks answer as JSON."""
    first = ret.seq[0] if ret.seq else None
    return first is not None and (first.items is not None or first.kind == "nonhtml")


def _is_error_handler(fn: FunctionNode) -> bool:
    """``@app.errorhandler(500)``, Bottle ``@app.error(500)``, FastAPI ``@app.exception_handler(E)``."""
    for dec in fn.decorator_list:
        name = au.dotted(dec.func, strict=True).rsplit(".", 1)[-1] if isinstance(dec, ast.Call) else ""
        if name in ERROR_HANDLER_DECORATORS:
            return True
    return False

#: Werkzeug's client-error exceptions: a handler of one gets the status's fixed text or its raiser's description
CLIENT_ERROR_CLASSES = frozenset({
    "BadRequest", "Unauthorized", "Forbidden", "NotFound", "MethodNotAllowed", "NotAcceptable", "RequestTimeout",
    "Conflict", "Gone", "LengthRequired", "PreconditionFailed", "RequestEntityTooLarge", "RequestURITooLarge",
    "UnsupportedMediaType", "UnprocessableEntity", "TooManyRequests"})


def _handles_own_exception(fn: FunctionNode, info: ModuleInfo) -> bool:
    """``@app.exception_handler(AppError)`` for an exception class of the project itself (defined in the module or
    imported from a project file), or of ``AssertionError`` (the project's own ``assert`` messages): its attributes
    carry messages the application chose when it raised it, not the internals of a library or the interpreter. So do
    the handlers of a client error status (``errorhandler(404)``) (by number, or by Werkzeug's class or its
    ``code``: ``errorhandler(NotFound.code)``) and of ``HTTPException``
    (Ninja's ``HttpError``): the framework's text for that status, or its raiser's detail;
    and Flask's handler of 500 / ``InternalServerError``, which receives Werkzeug's generic error with the unhandled
    exception kept in ``original_exception`` (whose own text :func:`values.exception_attribute` still reads)."""
    for dec in fn.decorator_list:
        first = dec.args[0] if isinstance(dec, ast.Call) and dec.args else None
        if isinstance(first, ast.Constant) and isinstance(first.value, int) and 400 <= first.value < 500:
            return True
        status = au.dotted(first.value) if isinstance(first, ast.Attribute) and first.attr == "code" else ""
        if au.last(status) in CLIENT_ERROR_CLASSES or (first is not None
                                                       and au.last(au.dotted(first)) in CLIENT_ERROR_CLASSES):
            return True  # ``errorhandler(NotFound.code)`` / ``errorhandler(NotFound)``: a client error's own text
        if (isinstance(dec, ast.Call) and au.last(au.dotted(dec.func)) == "errorhandler" and first is not None
                and (au.const(first) == 500 or au.last(au.dotted(first)) == "InternalServerError"
                     or au.last(status) == "InternalServerError")):
            return True  # Flask hands it an InternalServerError: Werkzeug's fixed text, the cause kept aside
        if first is not None and au.last(au.dotted(first)) in {"HTTPException", "HttpError"}:  # Ninja's own
            return True
        if isinstance(dec, ast.Call) and dec.args and (info.defines_class(dec.args[0])
                                                       or au.last(au.dotted(dec.args[0])) in OWN_MESSAGE_ERRORS):
            return True  # the project's exception class, or its ``assert`` statements' messages
    return False


def _serialised_output(fn: FunctionNode) -> bool:
    """The handler's output is marshalled by a decorator (CherryPy ``tools.json_out``, APIFairy / flask-smorest
    ``@response(schema)``, flask-restx ``@marshal_with``). A non-HTML content type set in its body
    (``response.content_type = 'application/json'``, ``headers['Content-Type'] = ...``) is noted by the
    interpreter (``non_html_output``)."""
    for d in fn.decorator_list:
        name = au.dotted(d.func if isinstance(d, ast.Call) else d, strict=True)
        if "json_out" in name or (isinstance(d, ast.Call) and au.last(name) in SERIALISING_DECORATORS):
            return True
    return False


def _html_response_class(fn: FunctionNode) -> bool:
    """``@app.get(..., response_class=HTMLResponse)``: FastAPI sends the returned string as HTML."""
    for dec in fn.decorator_list:
        if isinstance(dec, ast.Call):
            for kw in dec.keywords:
                if kw.arg == "response_class" and au.dotted(kw.value, strict=True).rsplit(".", 1)[-1] == "HTMLResponse":
                    return True
    return False

@dataclass(slots=True)
class HandlerReturn:
    """What a route handler returns, for the reflected-HTML and exception-text rules."""

    value: Val
    node: ast.AST
    function: str
    json: bool = False  # the handler's output is serialised as JSON (CherryPy ``tools.json_out``)
    html: bool = False  # the route declares an HTML response class (FastAPI ``response_class=HTMLResponse``)


@dataclass(slots=True)
class Analysis:
    hits: list[Hit] = field(default_factory=list)
    handler_returns: list[HandlerReturn] = field(default_factory=list)
    command_line: bool = False  # a command-line tool (:attr:`ModuleInfo.command_line`): it serves no client


def analyse(tree: ast.Module, abspath: str = "", frameworks: Iterable[str] = (),
            handlers: Iterable[str] = (), views: Mapping[str, frozenset[str]] | None = None) -> Analysis:
    """Analyse every function of a module; each runs with its own environment. ``views``: Django views
    (``fn`` or ``Class.method`` -> URL arguments that are numbers), handlers outside the route model."""
    views = views or {}
    info = ModuleInfo(tree, abspath, frameworks, [*handlers, *(v for v in views if "." not in v)])
    view_of: dict[int, str] = {}  # top-level functions and methods of top-level classes -> their view name
    for node in tree.body if views else ():
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            view_of[id(node)] = node.name
        elif isinstance(node, ast.ClassDef):
            view_of.update((id(m), f"{node.name}.{m.name}") for m in node.body
                           if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)))
    out = Analysis(command_line=info.command_line)
    seen: set[tuple[str, int, int]] = set()
    serialised = {id(m) for cls in au.nodes_of(tree, ast.ClassDef)
                  if any(au.last(au.dotted(b)) in SERIALISING_BASES for b in cls.bases)
                  for m in cls.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))}
    handler_methods, serving = _request_handler_methods(tree, info)
    aliases = dependency_aliases(tree)
    aliases_of_types = annotation_aliases(tree)
    for fn in info.all_functions:
        error_handler = _is_error_handler(fn) or fn.name in info.error_handler_names
        view = views.get(view_of[id(fn)]) if id(fn) in view_of else None
        handler = error_handler or is_handler(fn, info, id(fn) in info.exposed) or id(fn) in serving \
            or view is not None
        tainted, requests = handler_params(fn, aliases) if handler else (set(), set())
        origin = Val(taint=frozenset({EXC}), kind="exception") if error_handler else Val(taint=frozenset({REQUEST}))
        if error_handler and _handles_own_exception(fn, info):
            origin = Val(kind="exception", clean=frozenset({EXC}))  # the app's own error: the message it chose
        env: Env = {name: origin for name in tainted}
        for name in segment_path_params(fn) & tainted:
            env[name] = Val(taint=origin.taint, clean=origin.clean | {"path"})
        for name in typed_path_params(fn) & tainted:
            env[name] = Val(lit=True)  # ``<int:id>`` / ``<id:int>``: the router only passes a number
        if info.imports_any(PATH_ARGUMENT_FRAMEWORKS) and not info.imports_any(VALIDATING_FRAMEWORKS):
            for name in code_supplied_params(fn) & tainted:
                env[name] = Val()  # filled by a decorator or the route's defaults: the code's value
        if info.imports_any(VALIDATING_FRAMEWORKS):
            for name in typed_scalar_params(fn, aliases_of_types) & tainted:
                env[name] = Val(lit=True)  # ``limit: int = Query(100)``: the framework passes a number or refuses
            for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]:
                model = info.class_node(a.annotation.id) if isinstance(a.annotation, ast.Name) else None
                fields = scalar_fields(model) if model is not None and a.arg in tainted else frozenset()
                if fields:  # ``transfer: Transfer``: its ``amount: float`` is a number the framework parsed
                    env[a.arg] = replace(env[a.arg], kind=MODEL_KIND + ",".join(sorted(fields)))
        for name in (view or frozenset()) & tainted:
            env[name] = Val(lit=True)  # Django ``<int:id>``, ``(?P<id>\d+)``
        if error_handler:  # CherryPy error pages get the formatted traceback as a string parameter
            env.update({name: Val(taint=frozenset({EXC})) for name in tainted if name in {"traceback", "tb"}})
        for name in requests:
            env[name] = Val(kind="request")
        if id(fn) in handler_methods and fn.args.args:
            env[fn.args.args[0].arg] = Val(kind="handler")  # ``self``: the request being handled
        for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]:
            if a.arg not in env:
                if a.annotation is not None and au.last(au.dotted(a.annotation, strict=True)) in REQUEST_TYPES:
                    env[a.arg] = Val(kind="request")
                elif a.annotation is None and a.arg in REQUEST_PARAM_NAMES:
                    # the request object passed into a helper: ``def load(request): request.args['q']``
                    env[a.arg] = Val(kind=REQUEST_PARAM_NAMES[a.arg])
                else:
                    env[a.arg] = Val()  # unknown caller data: not proven
        try:
            interp = _interpret(info, fn, env, handler=handler, request_names=requests)
        except RecursionError:
            continue
        hits = interp.hits if interp.handler == handler else [replace(h, in_handler=handler) for h in interp.hits]
        for h in hits:
            key = (h.kind, h.line, h.col)
            if key not in seen:
                seen.add(key)
                out.hits.append(h)
        if handler:
            json_out = (id(fn) in serialised or interp.non_html_output or _serialised_output(fn)
                        or graphql_resolver(fn))  # a resolver's value goes out in the GraphQL JSON response
            html = _html_response_class(fn)
            out.handler_returns.extend(HandlerReturn(r.value, r.node, fn.name, json_out, html) for r in interp.returns)
    return out


def _request_handler_methods(tree: ast.Module, info: ModuleInfo) -> tuple[set[int], set[int]]:
    """Methods of classes derived from a request handler — the standard library's (``http.server``'s
    ``BaseHTTPRequestHandler``...) or Tornado's — directly or through another such class of this module, and those
    of them that serve a request (``do_GET``...; Tornado's ``get``, ``post``...). In every one ``self`` is the
    request being handled."""
    handler_classes: dict[str, bool] = {}  # class -> derived from Tornado's
    methods: set[int] = set()
    serving: set[int] = set()
    for cls in au.nodes_of(tree, ast.ClassDef):
        bases = [(info.qualify(b), au.dotted(b, strict=True)) for b in cls.bases]
        if not any(q in REQUEST_HANDLER_BASES or d in handler_classes for q, d in bases):
            continue
        tornado = any(q in TORNADO_HANDLER_BASES or handler_classes.get(d, False) for q, d in bases)
        handler_classes[cls.name] = tornado
        for m in cls.body:
            if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)):
                methods.add(id(m))
                if m.name in TORNADO_VERBS if tornado else m.name.startswith("do_"):
                    serving.add(id(m))
    return methods, serving


def analyse_context(ctx: Any) -> Analysis:
    """Shared, cached analysis for a :class:`~apishield.audit.rules.registry.ModuleContext` (read from its typed
    :class:`~apishield.audit.model.ModuleFacts`)."""
    key = id(ctx.tree)
    cached = _ANALYSES.get(key)
    if cached is not None and cached[0] is ctx.tree:
        return cached[1]
    facts: ModuleFacts = ctx.facts["framework_facts"]
    result = analyse(ctx.tree, facts.abspath, facts.frameworks, facts.handler_names(), facts.flags.get("views"))
    if len(_ANALYSES) > 8:
        _ANALYSES.clear()
    _ANALYSES[key] = (ctx.tree, result)
    return result


_ANALYSES: dict[int, tuple[ast.Module, Analysis]] = {}
