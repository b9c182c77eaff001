"""The abstract interpreter of the taint analysis: statements, branch joins, loops, guards and expressions.

Each function body is walked once, in order. Branches whose test folds to a constant are skipped; others are analysed
separately and joined. An early-exit guard (``if x not in ALLOWED: return``, ``if '..' in x: abort(400)``, ``if not
p.resolve().is_relative_to(BASE): raise``; see :mod:`.guards`) sanitises the guarded value for the rest of the
function. Loops run to a two-pass fixpoint."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from apishield.audit import astutil as au
from apishield.audit.client_data import REQUEST_NAMES
from apishield.audit.taint.catalogue import (
    APP_DIRS,
    CODE_NAMES,
    REQUEST_OBJECTS,
    SESSIONS,
    SOURCE_ATTRS,
    configuration_attribute,
    operator_setting,
    server_set,
    worth_reading,
)
from apishield.audit.taint.comprehensions import comprehension_value
from apishield.audit.taint.guards import (
    guarded_kinds,
    guarded_subjects,
    host_blind_checks,
    input_error_only,
    is_allow_list,
    never_returns,
)
from apishield.audit.taint.modules import FunctionNode, ModuleInfo, bound_once, path_carries_request
from apishield.audit.taint.parameters import MODEL_KIND
from apishield.audit.taint.url_targets import public_fetch_only
from apishield.audit.taint.values import (
    CLEAN,
    EXC,
    GUARDED_READ,
    READ_KEY,
    REQUEST,
    UNKNOWN,
    Env,
    Hit,
    Returned,
    Val,
    case_matches,
    combine,
    const,
    element_of,
    exception_attribute,
    fed_by_request,
    fmt,
    fold_compare,
    fold_unary,
    hashable,
    join,
    join_env,
    merge_parts,
    record_key,
    request_value,
    safe,
    sanitise,
)


class Evaluator:
    """Abstract interpretation of one function body: statements, guards and expressions (calls are
    evaluated by the subclass :class:`apishield.audit.taint.calls.Interpreter`)."""

    MAX_STMTS = 4000

    def __init__(self, info: ModuleInfo, fn: FunctionNode, env: Env, *, handler: bool,
                 request_names: set[str]) -> None:
        self.info = info
        self.fn = fn
        self.handler = handler
        self.request_names = set(request_names)
        self.env: Env | None = env
        self.hits: list[Hit] = []
        self.returns: list[Returned] = []
        self.budget = self.MAX_STMTS
        self.local_defs: dict[str, FunctionNode] = {}
        self.loop_exits: list[Env | None] = []
        self.loop_heads: list[Env | None] = []
        self.non_html_output = False  # the body sets a non-HTML content type
        self.arguments = {id(v) for v in env.values()}  # the values the function was given, as given
        self.guarded_reads = False  # a guard has tested a read (``is_safe_url(request.args.get("next"))``)

    # ---- helpers
    def lookup(self, name: str) -> Val:
        if self.env is not None and name in self.env:
            return self.env[name]
        if (enclosed := self.info.closure_values.get(id(self.fn), {}).get(name)) is not None:
            return enclosed
        if name in self.request_names or self.info.imports.get(name) in REQUEST_OBJECTS:
            return Val(kind="request")
        if name == "__file__":
            return Val(lit=True)  # the module's own location: paths built from it are the program's own
        if name in self.info.imports or name in self.info.functions or name in self.info.classes:
            return Val(lit=True)
        return self.info.module_consts.get(name, CLEAN)

    def set(self, name: str, value: Val) -> None:
        if self.env is not None:
            self.env[name] = value

    def hit(self, kind: str, node: ast.AST, v: Val, sink: str, via: str = "", bare: bool = True) -> None:
        """Record a sink reached by ``v``: proven request data, or (``bare``) a helper's parameter, which its callers
        decide, and a value of unknown origin worth reading."""
        origins = v.dirty(kind)
        proven = REQUEST in origins or (kind == "exc" and EXC in origins)
        sink_only = bare and not v.taint and not (v.is_const or v.lit or v.sanitised(kind)) and worth_reading(
            kind, v.formatted, id(v) in self.arguments, self.info.serves_requests, self.info.command_line)
        params = {o for o in origins if o.startswith("p")} if bare else set()  # a helper's argument: callers decide
        if kind == "sql" and params and not v.formatted and v.kind != "param":
            params = set()  # a helper's argument inside an ORM construct; the argument itself as SQL text counts
        if not (proven or sink_only or params):
            return
        line = getattr(node, "lineno", 1)
        self.hits.append(Hit(kind, line, getattr(node, "end_lineno", None) or line, getattr(node, "col_offset", 0),
                             sink, proven, origins, via, self.handler))

    # ---- statements
    def run(self, body: Sequence[ast.stmt]) -> None:
        for stmt in body:
            if self.env is None:
                return
            self.budget -= 1
            if self.budget < 0:
                return
            self.stmt(stmt)

    def stmt(self, s: ast.stmt) -> None:
        if isinstance(s, ast.Assign):
            v = self.expr(s.value)
            for t in s.targets:
                self.assign(t, v, s.value)
        elif isinstance(s, ast.AnnAssign):
            if s.value is not None:
                self.assign(s.target, self.expr(s.value), s.value)
        elif isinstance(s, ast.AugAssign):
            cur = self.expr(s.target) if isinstance(s.target, (ast.Name, ast.Attribute, ast.Subscript)) else CLEAN
            new = combine(s.op, cur, self.expr(s.value))
            self.assign(s.target, new, None)
        elif isinstance(s, ast.Expr):
            self.expr(s.value)
            if isinstance(s.value, ast.Call) and (au.dotted(s.value.func, strict=True).rsplit(".", 1)[-1] == "abort"
                                                  or self.always_raises(s.value.func)):
                self.env = None
        elif isinstance(s, ast.Return):
            v = self.expr(s.value) if s.value is not None else const(None)
            self.returns.append(Returned(v, s))
            self.env = None
        elif isinstance(s, ast.Raise):
            if s.exc is not None:
                self.expr(s.exc)
            self.env = None
        elif isinstance(s, ast.If):
            self.if_stmt(s)
        elif isinstance(s, (ast.For, ast.AsyncFor)):
            it = self.expr(s.iter)
            elem = element_of(it)
            self.loop(lambda: self.assign(s.target, elem, None), s.body, s.orelse)
        elif isinstance(s, ast.While):
            test = self.const_eval(s.test)
            if test is not UNKNOWN and not test:
                self.run(s.orelse)
                return
            self.expr(s.test)
            self.loop(lambda: None, s.body, s.orelse)
        elif isinstance(s, (ast.With, ast.AsyncWith)):
            for item in s.items:
                v = self.expr(item.context_expr)
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, v, None)
            self.run(s.body)
        elif isinstance(s, ast.Try) or (hasattr(ast, "TryStar") and isinstance(s, ast.TryStar)):
            self.try_stmt(s)  # type: ignore[arg-type]
        elif isinstance(s, ast.Match):
            self.match_stmt(s)
        elif isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.local_defs[s.name] = s
            if self.env is not None:  # what a nested function will read of the names bound once here
                self.info.closure_values[id(s)] = {n: self.env[n] for n in bound_once(self.fn) if n in self.env}
        elif isinstance(s, ast.Delete):
            for t in s.targets:
                if isinstance(t, ast.Name) and self.env is not None:
                    self.env.pop(t.id, None)
        elif isinstance(s, ast.Break):
            if self.loop_exits:
                self.loop_exits[-1] = join_env(self.loop_exits[-1], self.env)
            self.env = None
        elif isinstance(s, ast.Continue):
            if self.loop_heads:
                self.loop_heads[-1] = join_env(self.loop_heads[-1], self.env)
            self.env = None

    def always_raises(self, func: ast.expr) -> bool:
        """``func`` names a project function that never returns (:func:`never_returns`): its call ends the path."""
        name = func.id if isinstance(func, ast.Name) else ""
        fn = self.local_defs.get(name) or (self.info.project_function(name) if name else None)
        return fn is not None and never_returns(fn)

    def loop(self, bind: Any, body: Sequence[ast.stmt], orelse: Sequence[ast.stmt]) -> None:
        before = dict(self.env) if self.env is not None else None
        acc = before
        self.loop_exits.append(None)
        try:
            for _ in range(2):
                if acc is None:
                    break
                self.env = dict(acc)
                self.loop_heads.append(None)
                bind()
                self.run(body)
                heads = self.loop_heads.pop()
                acc = join_env(join_env(acc, self.env), heads)
        finally:
            exits = self.loop_exits.pop()
        self.env = acc
        if self.env is not None:
            self.run(orelse)
        self.env = join_env(self.env, exits)

    def if_stmt(self, s: ast.If) -> None:
        test = self.const_eval(s.test)
        if test is not UNKNOWN:
            self.run(s.body if test else s.orelse)
            return
        self.expr(s.test)
        start = dict(self.env) if self.env is not None else None
        self.env = dict(start) if start is not None else None
        self.apply_positive_guard(s.test)
        self.run(s.body)
        after_body = self.env
        self.env = dict(start) if start is not None else None
        self.run(s.orelse)
        after_else = self.env
        if not s.orelse and after_else is not None:
            self.env = after_else
            self.apply_exit_guard(s.test)  # falling through means the test was false
            after_else = self.env
        self.env = join_env(after_body, after_else)

    def try_stmt(self, s: ast.Try) -> None:
        start = dict(self.env) if self.env is not None else None
        self.run(s.body)
        after_body = self.env
        self.run(s.orelse) if self.env is not None else None
        after_ok = self.env
        merged = join_env(after_ok, None)
        handled: set[str] = set()
        for h in s.handlers:
            self.env = join_env(start, after_body)
            if h.name and self.env is not None:  # its text quotes what the body was given (``int('<b>')``)
                fed = fed_by_request(s.body, lambda n: self.lookup(n).kind == "request", start, after_body,
                                     handled=frozenset(handled), quotes=self.info.quoting)
                feedback = input_error_only(h, s.body, self.info, (start, after_body), self.lookup) or (
                    public_fetch_only(s.body, self.fn))
                self.env[h.name] = Val(taint=frozenset({EXC}) | fed, kind="exception",
                                       clean=frozenset({EXC}) if feedback else frozenset())
            caught = h.type.elts if isinstance(h.type, ast.Tuple) else [h.type] if h.type else []
            handled.update(au.last(au.dotted(t)) for t in caught)  # it never reaches the handlers after this one
            self.run(h.body)
            merged = join_env(merged, self.env) if merged is not None else self.env
        self.env = merged
        if s.finalbody:
            if self.env is None:
                self.env = join_env(start, after_body)
                self.run(s.finalbody)
                self.env = None
            else:
                self.run(s.finalbody)

    def match_stmt(self, s: ast.Match) -> None:
        subject = self.expr(s.subject)
        start = dict(self.env) if self.env is not None else None
        merged: Env | None = None
        reached_any = False
        for case in s.cases:
            decided = case_matches(case.pattern, subject, self.const_eval) if case.guard is None else UNKNOWN
            if decided is False:
                continue
            self.env = dict(start) if start is not None else None
            if isinstance(case.pattern, ast.MatchAs) and case.pattern.name:
                self.set(case.pattern.name, subject)
            self.run(case.body)
            merged = self.env if not reached_any else join_env(merged, self.env)
            reached_any = True
            if decided is True:
                self.env = merged
                return
        self.env = join_env(merged, start) if reached_any else start

    # ---- guards and assignment
    def apply_exit_guard(self, test: ast.AST, negated: bool = False) -> None:
        """Sanitise what ``test`` being false proves (``negated``: what it being true proves)."""
        blind = host_blind_checks(test, self.info)
        for name, how in guarded_subjects(test, lambda n: is_allow_list(n, self.lookup), negated):
            if how == "host" and blind:
                continue  # ``is_safe_url`` of this module that never looks at the host: a name, not a check
            if name.startswith(READ_KEY):  # a read tested as such: the same read later is the value tested
                self.guarded_reads = True
                self.set(name, sanitise(self.env.get(name, GUARDED_READ) if self.env else GUARDED_READ,
                                        guarded_kinds(how, resolved=False)))
                continue
            v = self.lookup(name)
            kinds = guarded_kinds(how, resolved=v.kind == "resolved")
            self.set(name, sanitise(v, kinds))
            for base in v.derived:
                self.set(base, sanitise(self.lookup(base), kinds))

    def apply_positive_guard(self, test: ast.AST) -> None:
        self.apply_exit_guard(test, negated=True)

    def assign(self, target: ast.AST, v: Val, value_node: ast.AST | None) -> None:
        if isinstance(target, ast.Name):
            self.set(target.id, v)
        elif isinstance(target, (ast.Tuple, ast.List)):
            n = len(target.elts)
            for i, elt in enumerate(target.elts):
                if isinstance(elt, ast.Starred):
                    self.assign(elt.value, replace(v, seq=None, items=None, const=UNKNOWN), None)
                elif v.seq is not None and len(v.seq) == n:
                    self.assign(elt, v.seq[i], None)
                elif v.is_const and isinstance(v.const, (tuple, list)) and len(v.const) == n:
                    self.assign(elt, const(v.const[i]), None)
                else:
                    self.assign(elt, element_of(v), None)
        elif isinstance(target, ast.Subscript) and self.stored_for_later(target, v):
            pass
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            base = self.lookup(target.value.id)
            key = self.const_eval(target.slice)
            if key is not UNKNOWN and hashable(key):
                items = dict(base.items or ())
                items[key] = v
                self.set(target.value.id, replace(base, items=tuple(items.items()), taint=base.taint | v.taint,
                                                  const=UNKNOWN))
            else:
                self.set(target.value.id, replace(base, taint=base.taint | v.taint, const=UNKNOWN))
        elif isinstance(target, ast.Attribute):
            name = au.dotted(target, strict=True)
            if name:
                self.set(name, v)
            if target.attr in {"content_type", "mimetype", "media_type"}:
                self.note_content_type(v)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, v, value_node)

    def stored_for_later(self, target: ast.Subscript, v: Val) -> bool:
        """``session[k] = v`` (a trust boundary: what is stored is trusted on later requests) and
        ``response.headers[k] = v`` or Django's ``response[k] = v`` (header injection): a sink, not a container."""
        base = target.value
        if self.is_session(base):
            self.hit("trust", target, merge_parts([self.expr(target.slice), v]), f"{au.dotted(base)}[...]")
            return True
        name = self.const_eval(target.slice)
        if str(name).lower() == "content-type":
            self.note_content_type(v)
        headers = isinstance(base, ast.Attribute) and base.attr == "headers" and self.expr(base.value).kind != "request"
        if (headers or (isinstance(base, ast.Name) and self.lookup(base.id).kind == "response")) and not str(
                name).lower().startswith("access-control-"):  # CORS headers: AS305/AS306
            self.hit("header", target, v, f"{au.dotted(base)}[...]")
            return True
        return False

    def note_content_type(self, v: Val) -> None:
        """``response.content_type = 'application/json'``: the handler's output is not an HTML page."""
        if isinstance(v.const, str) and "html" not in v.const.lower():
            self.non_html_output = True

    def is_session(self, node: ast.expr) -> bool:
        """The framework's session mapping (``flask.session``, ``cherrypy.session``, ``request.session``); a local
        ``session`` holding an HTTP client (``session = requests.Session()``) is not."""
        if isinstance(node, ast.Name) and self.lookup(node.id).kind == "http-client":
            return False
        return self.info.qualify(node) in SESSIONS or au.last(au.dotted(node)) == "session"

    # ---- expressions
    def const_eval(self, node: ast.AST) -> Any:
        try:
            v = self.expr(node, record=False)
        except RecursionError:
            return UNKNOWN
        return v.const

    def expr(self, node: ast.AST | None, record: bool = True) -> Val:
        if node is None:
            return CLEAN
        if not record:
            saved_hits, saved_env = len(self.hits), self.env
            self.env = dict(saved_env) if saved_env is not None else None
            try:
                return self.expr(node, True)
            finally:
                del self.hits[saved_hits:]
                self.env = saved_env
        if isinstance(node, ast.Constant):
            return const(node.value)
        if isinstance(node, ast.Name):
            return self.lookup(node.id)
        if isinstance(node, ast.JoinedStr):
            parts = [self.expr(v) for v in node.values]
            if all(p.is_const for p in parts):
                return const("".join(str(p.const) for p in parts))
            return merge_parts(parts, formatted=True)
        if isinstance(node, ast.FormattedValue):
            v = self.expr(node.value)
            if v.is_const and node.conversion == -1 and node.format_spec is None:
                return const(fmt(v.const))
            return replace(v, const=UNKNOWN, items=None, seq=None) if not v.is_const else Val()
        if isinstance(node, ast.BinOp):
            return combine(node.op, self.expr(node.left), self.expr(node.right))
        if isinstance(node, ast.UnaryOp):
            v = self.expr(node.operand)
            if v.is_const:
                return const(safe(lambda: fold_unary(node.op, v.const)))
            return Val(taint=v.taint if not isinstance(node.op, ast.Not) else frozenset(), clean=v.clean)
        if isinstance(node, ast.BoolOp):
            vals = [self.expr(v) for v in node.values]
            if all(v.is_const for v in vals):
                result: Any = vals[0].const
                for v in vals[1:]:
                    result = result and v.const if isinstance(node.op, ast.And) else result or v.const
                return const(result)
            out = vals[0]
            for v in vals[1:]:
                out = join(out, v)
            return replace(out, const=UNKNOWN)
        if isinstance(node, ast.Compare):
            left = self.expr(node.left)
            rights = [self.expr(c) for c in node.comparators]
            if left.is_const and all(r.is_const for r in rights):
                return const(safe(lambda: fold_compare(left.const, node.ops, [r.const for r in rights])))
            return CLEAN
        if isinstance(node, ast.IfExp):
            test = self.const_eval(node.test)
            if test is not UNKNOWN:
                return self.expr(node.body if test else node.orelse)
            return join(self.expr(node.body), self.expr(node.orelse))
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            elts = [self.expr(e) for e in node.elts if not isinstance(e, ast.Starred)]
            starred = [self.expr(e.value) for e in node.elts if isinstance(e, ast.Starred)]
            taint = frozenset().union(*(e.taint for e in [*elts, *starred])) if elts or starred else frozenset()
            if starred:
                return Val(taint=taint)
            if all(e.is_const for e in elts):
                values = [e.const for e in elts]
                c: Any = tuple(values) if isinstance(node, ast.Tuple) else (
                    values if isinstance(node, ast.List) else safe(lambda: set(values)))
                return Val(const=c, seq=tuple(elts))
            return Val(taint=taint, seq=tuple(elts), clean=merge_parts(elts).clean)
        if isinstance(node, ast.Dict):
            items: list[tuple[Any, Val]] = []
            taint, precise = frozenset[str](), True
            parts = [self.expr(value_node) for value_node in node.values]
            for k, vv in zip(node.keys, parts, strict=True):
                taint |= vv.taint
                precise = precise and k is not None
                if k is None:
                    continue
                kv = self.expr(k)
                taint |= kv.taint
                if kv.const == "$regex" and any(o == REQUEST or o.startswith("p") for o in vv.taint):
                    self.hit("regex", k, vv, "MongoDB $regex")  # the client's text run as a pattern on the server
                if kv.is_const and hashable(kv.const):
                    items.append((kv.const, vv))
                else:
                    precise = False
            return Val(taint=taint, items=tuple(items) if precise else None, clean=merge_parts(parts).clean)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return comprehension_value(self, node)
        if isinstance(node, (ast.Subscript, ast.Attribute, ast.Call)):
            if isinstance(node, ast.Subscript):
                v = self.subscript(node)
            elif isinstance(node, ast.Attribute):
                v = self.attribute(node)
            else:
                v = self.call(node)
            if self.guarded_reads and self.env:
                tested = self.env.get(READ_KEY + ast.unparse(node))
                if tested is not None:
                    v = sanitise(v, tested.clean)
            return v
        if isinstance(node, (ast.Await, ast.YieldFrom)):
            return self.expr(node.value)
        if isinstance(node, ast.Yield):
            v = self.expr(node.value)
            self.returns.append(Returned(v, node))
            return CLEAN
        if isinstance(node, ast.NamedExpr):
            v = self.expr(node.value)
            self.assign(node.target, v, node.value)
            return v
        if isinstance(node, ast.Starred):
            return self.expr(node.value)
        if isinstance(node, ast.Lambda):
            return CLEAN
        if isinstance(node, ast.Slice):
            parts = [const(None) if p is None else self.expr(p) for p in (node.lower, node.upper, node.step)]
            if all(p.is_const for p in parts):
                return const(safe(lambda: slice(*(p.const for p in parts))))
            return CLEAN
        return CLEAN

    def subscript(self, node: ast.Subscript) -> Val:
        base = self.expr(node.value)
        key_node = node.slice
        key = self.const_eval(key_node)
        if server_set(node.value, key):
            return Val(lit=True)  # set by the server's authentication, not by the client
        if base.kind == "request":
            return Val(taint=frozenset({REQUEST}))
        if not base.taint and operator_setting(au.last(au.dotted(node.value)), key):
            return Val(lit=True)  # a configuration setting or command-line option: the operator's, not a client's
        if key is not UNKNOWN:
            if base.is_const:
                got = safe(lambda: base.const[key])
                if got is not UNKNOWN:
                    return const(got)
            if base.items is not None and hashable(key):
                table = dict(base.items)
                found: Val | None = table.get(key)
                return found if found is not None else CLEAN
            if base.seq is not None and isinstance(key, int):
                if -len(base.seq) <= key < len(base.seq):
                    return base.seq[key]
                return CLEAN
            if base.seq is not None and isinstance(key, slice):
                return Val(taint=base.taint, seq=tuple(base.seq[key]))
        else:
            self.expr(key_node)
            if base.items and not base.taint and all(v.lit or v.is_const for _, v in base.items):
                return Val(lit=True)  # whatever the key, an entry of a table of literals
        return Val(taint=base.taint, clean=base.clean, formatted=base.formatted, lit=base.lit or base.is_const,
                   kind=base.kind if base.kind in {"path"} else "")  # an entry of a literal table is a literal

    def attribute(self, node: ast.Attribute) -> Val:
        qual = self.info.qualify(node)
        if qual:
            head = qual.rsplit(".", 1)[0]
            if head in REQUEST_OBJECTS and node.attr in SOURCE_ATTRS:
                return request_value(node.attr)
            if qual in REQUEST_OBJECTS:
                return Val(kind="request")
            if qual in self.info.module_consts:
                return self.info.module_consts[qual]
            name = au.dotted(node, strict=True)
            if self.env is not None and name in self.env:
                return self.env[name]
        base = self.expr(node.value)
        if base.kind == "request":  # before the constant convention: Django's ``request.GET``
            if node.attr in SOURCE_ATTRS or (node.attr == "path" and path_carries_request(self.fn)):
                return request_value(node.attr)
            return Val(lit=True)  # path/method/endpoint: fixed by the matched route
        inner = node.value
        if node.attr in SOURCE_ATTRS and isinstance(inner, ast.Attribute) and inner.attr in REQUEST_NAMES:
            return request_value(node.attr)  # self.request.args in request wrappers
        dotted = au.dotted(node, strict=True)
        if (node.attr.isupper() or node.attr in APP_DIRS or node.attr in CODE_NAMES
                or dotted in self.info.operator_attrs or configuration_attribute(dotted)) and not base.taint:
            # SOME_MODULE.CONSTANT; the app's own directories; a table or class name; ``config.oidc.login_url``
            return Val(lit=True)
        if node.attr in {"netloc", "hostname", "scheme", "path", "query", "host"} and base.kind == "urlparse":
            return Val(taint=base.taint, clean=base.clean, derived=base.derived)
        if base.kind == "exception":
            return exception_attribute(base, node.attr)
        if node.attr in {"suffix", "suffixes", "name", "stem"} and base.kind == "path":  # no separator: no traversal
            return Val(taint=base.taint, clean=base.clean | {"path"})
        if record_key(base, node.attr):  # a selected record's key: a number the database gave
            return Val(lit=True)
        if base.kind.startswith(MODEL_KIND) and node.attr in base.kind[len(MODEL_KIND):].split(","):
            return Val(lit=True)  # a scalar field of a parsed request-body model: a number, a date, a UUID
        if node.attr in {"name"} and base.kind == "file":
            return Val(taint=base.taint, clean=base.clean)
        return Val(taint=base.taint, clean=base.clean, derived=base.derived, lit=base.lit,
                   kind=base.kind if base.kind in {"path", "resolved"} else "")

    def call(self, node: ast.Call) -> Val:
        raise NotImplementedError  # :class:`apishield.audit.taint.calls.Interpreter`

