"""Handlers that answer everyone the same fixed page or answer: public by design.

A fixed template, file, text or (with a fixed error status) JSON document, or a page read from disk
(``with open('templates/drop.html') as fh: page = fh.read()`` then ``return page.format(title='Drop')``): nothing of
the request, the session or the caller is read, so reporting such a route as lacking authentication is noise.
"""

from __future__ import annotations

import ast

from apishield.audit import astutil as au

#: the calls such a handler may make: open a file, read it, fill it with constants, close it
_FILE_CALLS = frozenset({"open", "read", "format", "close", "replace", "strip", "encode", "decode"})
_STATEMENTS = (ast.With, ast.Assign, ast.Return, ast.Expr)


def serves_fixed_file(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """True when ``fn`` takes no parameters, opens files by literal paths only, fills them with constants and
    returns the result; every name it uses is one it assigned, ``open`` or an UPPER_CASE constant."""
    if any(a.arg != "self" for a in [*fn.args.args, *fn.args.kwonlyargs]) or fn.args.vararg or fn.args.kwarg:
        return False
    if not all(isinstance(s, _STATEMENTS) for s in fn.body):  # cheap: most functions branch or loop
        return False
    opened = False
    local: set[str] = set()
    nodes = [node for statement in fn.body for node in ast.walk(statement)]  # the body: not the decorators
    for node in nodes:
        if isinstance(node, ast.stmt) and not isinstance(node, _STATEMENTS):
            return False
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            local.add(node.id)
    for node in nodes:
        if isinstance(node, ast.Call):
            name = au.callee(node)
            if name not in _FILE_CALLS:
                return False
            if name == "open":
                if not node.args or not isinstance(node.args[0], ast.Constant):
                    return False
                opened = True
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id not in local and node.id != "open" and not node.id.isupper():
                return False
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            return False  # the handler's object state may hold anything
    return opened


_PAGE_CALLS = frozenset({"render_template", "template", "send_file", "static_file", "send_from_directory", "view",
                         "TemplateResponse", "FileResponse", "redirect", "url_for"})
#: a JSON answer built from literals counts as a fixed answer only with a fixed error status (a switched-off
#: endpoint); with 200 it is more often a stub in a test or an example than the route's real behaviour
_JSON_CALLS = frozenset({"jsonify", "JSONResponse", "json_response"})


_FIXED_TEXT = (ast.BinOp, ast.Add, ast.JoinedStr, ast.FormattedValue, ast.Constant, ast.Subscript, ast.Load)


def renders_fixed_page(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """The handler only returns a fixed template, file, text or JSON document (a form shell, a landing page, a
    disabled endpoint's constant error): one ``return`` of a string literal or of page calls (``render_template``,
    ``static_file``…) whose arguments are literals, or a literal JSON answer with a fixed error status; no
    parameters."""
    body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
        return serves_fixed_file(fn)
    if any(a.arg not in {"self", "request"} for a in [*fn.args.args, *fn.args.kwonlyargs]):
        return False
    value = body[0].value
    refused = False  # a fixed error status: the endpoint is switched off or not there (``return {...}, 503``)
    if isinstance(value, ast.Tuple) and value.elts and all(au.is_const(e) for e in value.elts[1:]):
        refused = len(value.elts) > 1 and isinstance(au.const(value.elts[1]), int) and au.const(value.elts[1]) >= 400
        value = value.elts[0]
    if isinstance(value, ast.Constant) and isinstance(value.value, (str, bytes)):
        return True  # ``return 'hello'``: a fixed text exposes nothing
    if isinstance(value, (ast.BinOp, ast.JoinedStr)):  # ``"<h1>" + CONFIG['name']``: text and constants
        return all(isinstance(n, _FIXED_TEXT) or (isinstance(n, ast.Name) and n.id.isupper())
                   for n in ast.walk(value))
    if not isinstance(value, ast.Call):
        return False
    nodes = list(ast.walk(value))  # a small subtree: not worth a slot in astutil's walk cache
    calls = [n for n in nodes if isinstance(n, ast.Call)]
    if any(isinstance(au.const(kw.value), int) and au.const(kw.value) >= 400
           for kw in value.keywords if kw.arg in ("status", "status_code")):
        refused = True
    allowed = _PAGE_CALLS | _JSON_CALLS if refused else _PAGE_CALLS
    if any(au.last(au.dotted(c.func)) not in allowed for c in calls):
        return False
    callee_names = {id(n) for c in calls for n in ast.walk(c.func) if isinstance(n, ast.Name)}
    return all(id(n) in callee_names for n in nodes if isinstance(n, ast.Name))


#: calls that only build the answer (they compute nothing)
_ANSWER_CALLS = frozenset({"jsonify", "JSONResponse", "PlainTextResponse", "make_response", "json_response", "dict",
                           "HTTPException", "abort"})
#: calls that only compute: hashing, encoding, randomness, text and number conversions, building the answer
_COMPUTING_CALLS = frozenset({
    "md5", "sha1", "sha224", "sha256", "sha384", "sha512", "blake2b", "blake2s", "new", "hexdigest", "digest",
    "encode", "decode", "b64encode", "b64decode", "urlsafe_b64encode", "urlsafe_b64decode", "hexlify", "join",
    "choice", "choices", "randint", "random", "randrange", "sample", "shuffle", "token_hex", "token_urlsafe",
    "token_bytes", "uuid4", "uuid1", "str", "int", "float", "bool", "len", "dict", "list", "tuple", "set", "range",
    "min", "max", "sum", "sorted", "round", "abs", "format", "upper", "lower", "strip", "split", "replace",
    "startswith", "endswith", "title", "capitalize", "dumps", "loads", "time", "now", "utcnow", "isoformat",
    "strftime", "isinstance",
}) | _ANSWER_CALLS
#: modules whose functions only compute (names a computing handler may use besides its own)
_COMPUTING_MODULES = frozenset({"hashlib", "random", "secrets", "base64", "binascii", "json", "time", "datetime",
                                "uuid", "string", "math", "request", "True", "False", "None"})
#: what a handler reads or does besides its own input: server state, stored data, the environment, the network
_SERVER_STATE = frozenset({"environ", "getenv", "config", "settings", "session", "db", "query", "cursor", "execute",
                           "open", "globals", "locals", "sys", "os", "platform", "socket", "requests", "httpx",
                           "urllib", "subprocess", "eval", "exec", "pickle", "yaml", "app", "current_app", "g",
                           "self", "cache", "redis", "engine", "connection", "conn", "file", "path", "Path"})


def computes_only(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """The handler only computes its answer from its own input (a hash, an encoding, a random token, a
    conversion): every call is a computing one and nothing names server state, stored data, the environment or
    the network. Such a route has nothing behind it to protect, whatever its path is called (``/debug/hash``).
    (The node-by-node test runs first: most handlers fail it at their first call.)"""
    nodes = [node for statement in fn.body for node in au.walk_once(statement)]
    known = {a.arg for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]} | _COMPUTING_MODULES | {
        n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for node in nodes:
        if isinstance(node, (ast.Global, ast.Nonlocal, ast.For, ast.While, ast.With, ast.AsyncWith, ast.Try)):
            return False
        if isinstance(node, ast.Call):
            name = au.callee(node)
            if name not in _COMPUTING_CALLS and not (name == "get" and au.dotted(node.func).startswith("request.")):
                return False
            if isinstance(node.func, ast.Name):
                known.add(node.func.id)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in known:
            return False  # module data (a dict of records, a constant key): not the handler's own input
        if isinstance(node, ast.Attribute) and node.attr in _SERVER_STATE:
            return False
    if not any(isinstance(n, ast.Return) for n in nodes):
        return False
    # a text written into the handler as a whole value (an assigned, returned or dict value), not a key or an
    # argument: the answer carries the author's data (a key, a password hash, a backup), not a computation
    authored = [v for n in nodes for v in (
        [n.value] if isinstance(n, (ast.Assign, ast.Return, ast.AnnAssign)) else n.values if isinstance(n, ast.Dict)
        else n.args if isinstance(n, ast.Call) and au.callee(n) in _ANSWER_CALLS else [])]
    if any(isinstance(v, ast.Constant) and isinstance(v.value, (str, bytes)) for v in authored):
        return False
    # nothing computed: an echo of the input or a literal answer is judged by what it names
    return any(isinstance(n, ast.Call) and au.callee(n) not in _ANSWER_CALLS | {"get"} for n in nodes)


__all__ = ["computes_only", "renders_fixed_page", "serves_fixed_file"]
