"""Intraprocedural taint analysis with one-level (and cross-module) helper summaries and constant folding.

The analysis walks each function body once, in order, as a small abstract interpreter. Every expression
evaluates to a :class:`Val`: which *origins* reach it (``"request"`` for request data, ``"exc"`` for exception
text, ``"p0"``… for a helper's parameters), which sink kinds it has been *sanitised* for, its constant value
when it is known (so ``if 7 * 18 + num > 200:`` picks one branch and ``bar = 'safe'`` overwrites taint), and
the known elements of lists/dicts/ConfigParser objects (so ``lst[1]`` and ``map['keyB']`` are precise).

Branches whose test folds to a constant are skipped; other branches are analysed separately and joined.
An early-exit guard (``if x not in ALLOWED: return``, ``if '..' in x: abort(400)``, ``if urlparse(x).netloc
!= HOST: return``, ``if not str(p.resolve()).startswith(base): raise``) sanitises the guarded value for the
rest of the function. Calls to the project's own functions use a summary (which parameters reach the return
value, which reach a sink inside, what the return is sanitised for), computed once per function with the
same interpreter; ``import helpers.x`` is resolved to a file next to the scanned module when one exists.

The result (:class:`Analysis`) lists :class:`Hit` s — a sink kind reached by a value, with whether request
data was *proven* to reach it — and the rules in :mod:`apishield.audit.rules.injection` turn hits into findings.
Limits: no heap model beyond local containers, no field sensitivity on ``self``, loops run to a two-pass
fixpoint, helpers more than two calls deep are treated as pass-through.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from apishield.audit.astutil import read_source

# ----------------------------------------------------------------------------------------------- values

class _Unknown:
    """The "not a known constant" marker (pickles as the module singleton)."""

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
REQUEST = "request"
EXC = "exc"
ALL = "all"
KINDS = ("sql", "shell", "code", "deser", "ssrf", "path", "redirect", "ssti", "html", "regex", "exc")


@dataclass(frozen=True, slots=True)
class Val:
    """Abstract value: taint origins, sanitised kinds, constant, known container elements, object kind."""

    taint: frozenset[str] = frozenset()
    clean: frozenset[str] = frozenset()
    const: Any = UNKNOWN
    items: tuple[tuple[Any, Val], ...] | None = None  # dict / ConfigParser with constant keys
    seq: tuple[Val, ...] | None = None  # list / tuple with known elements
    kind: str = ""  # "request", "resolved", "urlparse", "class:<qualname>", "path"
    derived: frozenset[str] = frozenset()  # variable names this value is a view of (urlparse(x), Path(x))
    formatted: bool = False  # built by formatting/concatenation with a non-constant part
    lit: bool = False  # computed only from literals (``b64decode('...')``): never a sink-only finding

    def tainted_for(self, kind: str, origin: str = REQUEST) -> bool:
        return origin in self.taint and kind not in self.clean and ALL not in self.clean

    def dirty(self, kind: str) -> frozenset[str]:
        """Origins that reach a sink of ``kind`` (empty when sanitised for it)."""
        if kind in self.clean or ALL in self.clean:
            return frozenset()
        return self.taint

    @property
    def is_const(self) -> bool:
        return self.const is not UNKNOWN


CLEAN = Val()


def const(value: Any) -> Val:
    return Val(const=value)


def sanitise(v: Val, kinds: Iterable[str]) -> Val:
    return replace(v, clean=v.clean | frozenset(kinds))


def _spread(v: Val) -> list[Val]:
    """A container's known elements (each keeps its own sanitisation), or the value itself."""
    if v.seq is not None or v.items is not None:
        return _elements(v)
    return [v]


def _elements(v: Val) -> list[Val]:
    out: list[Val] = []
    if v.seq is not None:
        out.extend(v.seq)
    if v.items is not None:
        out.extend(val for _, val in v.items)
    return out


def merge_parts(parts: Sequence[Val], *, formatted: bool = False, kind: str = "") -> Val:
    """A value computed from ``parts`` (concatenation, an unknown call): union of taint, clean only if all agree."""
    taint: frozenset[str] = frozenset()
    clean: frozenset[str] | None = None
    any_dynamic = False
    for p in parts:
        if p.taint:
            taint |= p.taint
            clean = p.clean if clean is None else clean & p.clean
        if not (p.is_const or p.lit):
            any_dynamic = True
    return Val(taint=taint, clean=clean or frozenset(), formatted=formatted and any_dynamic, kind=kind,
               lit=not any_dynamic and not taint)


def join(a: Val, b: Val) -> Val:
    """Least upper bound of two branches."""
    if a is b:
        return a
    clean = a.clean & b.clean if a.taint and b.taint else a.clean if a.taint else b.clean
    same_const = a.is_const and b.is_const and type(a.const) is type(b.const) and _eq(a.const, b.const)
    items: tuple[tuple[Any, Val], ...] | None = None
    if a.items is not None and b.items is not None:
        da, db = dict(a.items), dict(b.items)
        items = tuple((k, join(da.get(k, CLEAN), db.get(k, CLEAN))) for k in {**da, **db})
    seq: tuple[Val, ...] | None = None
    if a.seq is not None and b.seq is not None and len(a.seq) == len(b.seq):
        seq = tuple(join(x, y) for x, y in zip(a.seq, b.seq, strict=True))
    return Val(
        taint=a.taint | b.taint,
        clean=clean,
        const=a.const if same_const else UNKNOWN,
        items=items,
        seq=seq,
        kind=a.kind if a.kind == b.kind else "",
        derived=a.derived | b.derived,
        formatted=a.formatted or b.formatted,
        lit=(a.lit or a.is_const) and (b.lit or b.is_const),
    )


def _eq(x: Any, y: Any) -> bool:
    try:
        return bool(x == y)
    except Exception:
        return False


Env = dict[str, Val]


def join_env(a: Env | None, b: Env | None) -> Env | None:
    """Join two environments; ``None`` means "this path does not continue" (returned or raised)."""
    if a is None:
        return None if b is None else dict(b)
    if b is None:
        return dict(a)
    out: Env = {}
    for key in a.keys() | b.keys():
        va, vb = a.get(key), b.get(key)
        if va is None or vb is None:
            picked = va if vb is None else vb
            if picked is not None:
                out[key] = picked
        else:
            out[key] = join(va, vb)
    return out


# ----------------------------------------------------------------------------------------------- catalogue

SOURCE_ATTRS = frozenset({
    "args", "form", "values", "json", "cookies", "headers", "data", "files", "get_json", "get_data", "stream",
    "query_string", "query", "params", "forms", "GET", "POST", "body", "get_cookie", "get_header", "cookie",
    "query_params", "path_params", "environ", "url", "full_path", "input_stream", "authorization", "remote_user",
})
REQUEST_OBJECTS = frozenset({"flask.request", "bottle.request", "cherrypy.request", "werkzeug.request"})
REQUEST_TYPES = frozenset({"Request", "HTTPConnection", "WebSocket"})
ROUTE_DECORATORS = frozenset({
    "route", "get", "post", "put", "delete", "patch", "api_route", "head", "options", "websocket", "expose",
})
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "cmd", "cmd.exe", "powershell", "pwsh", "/bin/sh",
                    "/bin/bash", "/usr/bin/sh", "/usr/bin/bash"})

# Functions whose result carries no request data (type conversions, hashes, counters).
KILL = frozenset({
    "int", "float", "bool", "len", "abs", "ord", "hash", "id", "isinstance", "issubclass", "type", "callable",
    "uuid.UUID", "decimal.Decimal", "datetime.date.fromisoformat", "flask.url_for", "bottle.url",
    "hashlib.md5", "hashlib.sha1", "hashlib.sha256", "hashlib.sha512", "hashlib.new", "hmac.new",
    "secrets.token_hex", "secrets.token_urlsafe", "random.random", "random.randint", "time.time", "range",
    "hmac.compare_digest", "secrets.compare_digest",
})
SANITISERS: dict[str, frozenset[str]] = {
    "shlex.quote": frozenset({"shell"}),
    "pipes.quote": frozenset({"shell"}),
    "html.escape": frozenset({"html"}),
    "markupsafe.escape": frozenset({"html"}),
    "flask.escape": frozenset({"html"}),
    "jinja2.escape": frozenset({"html"}),
    "cgi.escape": frozenset({"html"}),
    "bleach.clean": frozenset({"html"}),
    "xml.sax.saxutils.escape": frozenset({"html"}),
    "werkzeug.utils.escape": frozenset({"html"}),
    "urllib.parse.quote": frozenset({"html", "shell", "sql", "ssti", "code"}),
    "urllib.parse.quote_plus": frozenset({"html", "shell", "sql", "ssti", "code", "path"}),
    "os.path.basename": frozenset({"path"}),
    "werkzeug.utils.secure_filename": frozenset({"path", "shell"}),
    "werkzeug.secure_filename": frozenset({"path", "shell"}),
    "werkzeug.utils.safe_join": frozenset({"path"}),
    "werkzeug.security.safe_join": frozenset({"path"}),
    "flask.safe_join": frozenset({"path"}),
    "re.escape": frozenset({"regex"}),
    "json.dumps": frozenset({"shell", "code", "sql"}),
}
_FIXED_HOST = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#{}%]+[/?#]")
_SERIALISER = re.compile(r"(^|_)(to_dict|dict|to_json|json|asdict|model_dump|serialize|serialise|schema_dump)$|"
                         r"^(to_dict|to_json|asdict|model_dump|dump|dumps)$|_dict$|_json$")
_ESCAPE_NAME = re.compile(r"(escape|sanitiz|sanitis|secure_filename|quote)", re.I)

# Sinks: qualified name -> (kind, argument index, keyword name). Method sinks match on the last component.
CALL_SINKS: dict[str, tuple[str, int, str]] = {
    "os.system": ("shell", 0, "command"),
    "os.popen": ("shell", 0, "cmd"),
    "os.popen2": ("shell", 0, "cmd"),
    "os.popen3": ("shell", 0, "cmd"),
    "commands.getoutput": ("shell", 0, "cmd"),
    "commands.getstatusoutput": ("shell", 0, "cmd"),
    "subprocess.getoutput": ("shell", 0, "cmd"),
    "subprocess.getstatusoutput": ("shell", 0, "cmd"),
    "eval": ("code", 0, "source"),
    "exec": ("code", 0, "source"),
    "compile": ("code", 0, "source"),
    "pickle.loads": ("deser", 0, "data"),
    "pickle.load": ("deser", 0, "file"),
    "_pickle.loads": ("deser", 0, "data"),
    "cPickle.loads": ("deser", 0, "data"),
    "cPickle.load": ("deser", 0, "file"),
    "dill.loads": ("deser", 0, "str"),
    "marshal.loads": ("deser", 0, "bytes"),
    "marshal.load": ("deser", 0, "file"),
    "shelve.open": ("deser", 0, "filename"),
    "jsonpickle.decode": ("deser", 0, "string"),
    "jsonpickle.loads": ("deser", 0, "string"),
    "yaml.unsafe_load": ("deser", 0, "stream"),
    "yaml.full_load": ("deser", 0, "stream"),
    "pandas.read_pickle": ("deser", 0, "filepath_or_buffer"),
    "requests.get": ("ssrf", 0, "url"),
    "requests.post": ("ssrf", 0, "url"),
    "requests.put": ("ssrf", 0, "url"),
    "requests.patch": ("ssrf", 0, "url"),
    "requests.delete": ("ssrf", 0, "url"),
    "requests.head": ("ssrf", 0, "url"),
    "requests.options": ("ssrf", 0, "url"),
    "requests.request": ("ssrf", 1, "url"),
    "httpx.get": ("ssrf", 0, "url"),
    "httpx.post": ("ssrf", 0, "url"),
    "httpx.put": ("ssrf", 0, "url"),
    "httpx.delete": ("ssrf", 0, "url"),
    "httpx.request": ("ssrf", 1, "url"),
    "httpx.stream": ("ssrf", 1, "url"),
    "urllib.request.urlopen": ("ssrf", 0, "url"),
    "urllib.request.Request": ("ssrf", 0, "url"),
    "urllib.urlopen": ("ssrf", 0, "url"),
    "urllib2.urlopen": ("ssrf", 0, "url"),
    "open": ("path", 0, "file"),
    "io.open": ("path", 0, "file"),
    "codecs.open": ("path", 0, "filename"),
    "os.open": ("path", 0, "path"),
    "os.remove": ("path", 0, "path"),
    "os.unlink": ("path", 0, "path"),
    "os.rmdir": ("path", 0, "path"),
    "os.mkdir": ("path", 0, "path"),
    "os.makedirs": ("path", 0, "name"),
    "os.listdir": ("path", 0, "path"),
    "os.rename": ("path", 0, "src"),
    "os.path.exists": ("path", 0, "path"),
    "os.path.isfile": ("path", 0, "path"),
    "os.path.isdir": ("path", 0, "path"),
    "os.path.getsize": ("path", 0, "filename"),
    "shutil.rmtree": ("path", 0, "path"),
    "shutil.copy": ("path", 0, "src"),
    "shutil.copyfile": ("path", 0, "src"),
    "shutil.move": ("path", 0, "src"),
    "flask.send_file": ("path", 0, "path_or_file"),
    "flask.send_from_directory": ("path", 0, "directory"),
    "bottle.static_file": ("path", 1, "root"),
    "starlette.responses.FileResponse": ("path", 0, "path"),
    "fastapi.responses.FileResponse": ("path", 0, "path"),
    "flask.redirect": ("redirect", 0, "location"),
    "werkzeug.utils.redirect": ("redirect", 0, "location"),
    "bottle.redirect": ("redirect", 0, "url"),
    "cherrypy.HTTPRedirect": ("redirect", 0, "urls"),
    "starlette.responses.RedirectResponse": ("redirect", 0, "url"),
    "fastapi.responses.RedirectResponse": ("redirect", 0, "url"),
    "django.shortcuts.redirect": ("redirect", 0, "to"),
    "django.http.HttpResponseRedirect": ("redirect", 0, "redirect_to"),
    "flask.render_template_string": ("ssti", 0, "source"),
    "jinja2.Template": ("ssti", 0, "source"),
    "bottle.template": ("ssti", 0, "tpl"),
    "bottle.SimpleTemplate": ("ssti", 0, "source"),
    "mako.template.Template": ("ssti", 0, "text"),
    "django.template.Template": ("ssti", 0, "template_string"),
    "re.compile": ("regex", 0, "pattern"),
    "re.match": ("regex", 0, "pattern"),
    "re.search": ("regex", 0, "pattern"),
    "re.fullmatch": ("regex", 0, "pattern"),
    "re.findall": ("regex", 0, "pattern"),
    "re.finditer": ("regex", 0, "pattern"),
    "re.sub": ("regex", 0, "pattern"),
    "re.split": ("regex", 0, "pattern"),
    "sqlalchemy.text": ("sql", 0, "text"),
    "sqlalchemy.sql.text": ("sql", 0, "text"),
}
METHOD_SINKS: dict[str, tuple[str, int, str]] = {
    "execute": ("sql", 0, "sql"),
    "executemany": ("sql", 0, "sql"),
    "executescript": ("sql", 0, "sql_script"),
    "raw": ("sql", 0, "raw_query"),
    "extra": ("sql", 0, "where"),
    "from_string": ("ssti", 0, "source"),
}
PATH_METHODS = frozenset({
    "open", "read_text", "read_bytes", "write_text", "write_bytes", "exists", "unlink", "mkdir", "rmdir",
    "iterdir", "is_file", "is_dir", "stat", "touch", "rename", "glob",
})
SUBPROCESS = frozenset({
    "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output", "subprocess.Popen",
    "asyncio.create_subprocess_shell", "asyncio.create_subprocess_exec", "os.execv", "os.execvp", "os.execl",
    "os.execlp", "os.spawnl", "os.spawnv", "os.spawnlp", "os.spawnvp", "os.posix_spawn", "os.posix_spawnp",
})
HTML_RESPONSES = frozenset({
    "flask.make_response", "flask.Response", "werkzeug.Response", "werkzeug.wrappers.Response", "bottle.HTTPResponse",
    "bottle.Response", "starlette.responses.HTMLResponse", "fastapi.responses.HTMLResponse",
    "django.http.HttpResponse",
})
JSON_RESPONSES = frozenset({
    "flask.jsonify", "json.dumps", "starlette.responses.JSONResponse", "fastapi.responses.JSONResponse",
    "django.http.JsonResponse", "starlette.responses.PlainTextResponse", "fastapi.responses.PlainTextResponse",
})


@dataclass(frozen=True, slots=True)
class Hit:
    """A value reached a sink. ``proven`` when request data reaches it; ``via`` names a helper when indirect."""

    kind: str
    line: int
    end_line: int
    col: int
    sink: str
    proven: bool
    origins: frozenset[str] = frozenset()
    via: str = ""
    in_handler: bool = False


@dataclass(frozen=True, slots=True)
class Summary:
    """What a helper does with its parameters."""

    flows: frozenset[int]  # parameter indexes that reach the return value
    returns_source: bool
    ret_clean: frozenset[str]
    ret_const: Any
    sinks: tuple[tuple[str, frozenset[int], str, int], ...]  # (kind, params, sink name, line)
    ret_kind: str = ""
    ret_lit: bool = False  # the return value is computed from literals only


# ----------------------------------------------------------------------------------------------- modules


def dotted(node: ast.AST) -> str:
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return ".".join(reversed(parts))
        else:
            return ""


FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


class ModuleInfo:
    """Functions, classes and imports of one module, with lazily computed helper summaries."""

    def __init__(self, tree: ast.Module, abspath: str = "", frameworks: Iterable[str] = (),
                 handlers: Iterable[str] = (), depth: int = 0) -> None:
        self.tree = tree
        self.abspath = abspath
        self.frameworks = set(frameworks)
        self.handler_names = set(handlers)
        self.depth = depth
        self.imports: dict[str, str] = {}
        self.functions: dict[str, FunctionNode] = {}
        self.classes: dict[str, dict[str, FunctionNode]] = {}
        self.module_consts: Env = {}
        self.all_functions: list[FunctionNode] = []
        self.exposed: set[int] = set()
        self.error_handler_names: set[str] = set()
        for node in _statements(tree):  # one walk: imports, functions, classes, CherryPy-exposed methods
            if isinstance(node, (ast.Expr, ast.Assign)):
                self.error_handler_names.update(_registered_error_handlers(node))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions.setdefault(node.name, node)
                self.all_functions.append(node)
            elif isinstance(node, ast.ClassDef):
                methods = {m.name: m for m in node.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))}
                self.classes.setdefault(node.name, methods)
                if _class_exposed(node):
                    self.exposed.update(id(m) for name, m in methods.items() if not name.startswith("_"))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.imports[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        self.imports.setdefault(top, top)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for alias in node.names:
                    if alias.name != "*":
                        self.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        for stmt in tree.body:
            if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                    and isinstance(stmt.value, ast.Constant)):
                self.module_consts[stmt.targets[0].id] = const(stmt.value.value)
        self._summaries: dict[int, Summary | None] = {}

    def qualify(self, node: ast.AST) -> str:
        name = dotted(node)
        if not name:
            return ""
        head, _, rest = name.partition(".")
        if head in self.imports:
            base = self.imports[head]
            return f"{base}.{rest}" if rest else base
        return name

    def summary(self, fn: FunctionNode, skip_self: bool = False) -> Summary | None:
        key = id(fn)
        if key in self._summaries:
            return self._summaries[key]
        if self.depth > 2:
            return None
        self._summaries[key] = None  # recursion guard
        result = summarise(self, fn, skip_self)
        self._summaries[key] = result
        return result

    def resolve_module(self, dotted_name: str) -> tuple[ModuleInfo, str] | None:
        """Find ``pkg.mod.attr`` as a file next to this module (walking up): (module, remaining attr path)."""
        if not self.abspath or self.depth > 1:
            return None
        start = os.path.dirname(os.path.abspath(self.abspath))
        key = (start, dotted_name)
        if key not in _RESOLVED:
            if len(_RESOLVED) > 20000:
                _RESOLVED.clear()
            _RESOLVED[key] = _find_module_file(start, dotted_name.split("."))
        found = _RESOLVED[key]
        if found is None:
            return None
        mod = _load_module(found[0], self.depth + 1)
        return None if mod is None else (mod, found[1])


def _registered_error_handlers(stmt: ast.Expr | ast.Assign) -> Iterator[str]:
    """Functions registered as error handlers without a decorator: Flask ``app.register_error_handler(500, f)``,
    Bottle ``app.error_handler[500] = f``, CherryPy ``{'error_page.500': f}`` / ``{'error_page.default': f}``."""
    value = stmt.value
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            if (isinstance(target, ast.Subscript) and dotted(target.value).endswith("error_handler")
                    and isinstance(value, ast.Name)):
                yield value.id
    calls = [value] if isinstance(value, ast.Call) else []
    for call in calls:
        if isinstance(call.func, ast.Attribute) and call.func.attr == "register_error_handler" and len(call.args) > 1:
            handler = call.args[1]
            if isinstance(handler, ast.Name):
                yield handler.id
        dicts = [a for a in call.args if isinstance(a, ast.Dict)]
        dicts.extend(d.value for d in call.keywords if isinstance(d.value, ast.Dict))
        for d in dicts:
            for k, v in zip(d.keys, d.values, strict=False):
                if isinstance(k, ast.Constant) and str(k.value).startswith("error_page.") and isinstance(v, ast.Name):
                    yield v.id
    if isinstance(value, ast.Dict):
        for k, v in zip(value.keys, value.values, strict=False):
            if isinstance(k, ast.Constant) and str(k.value).startswith("error_page.") and isinstance(v, ast.Name):
                yield v.id


def _statements(tree: ast.AST) -> Iterator[ast.stmt]:
    """Every statement at any depth (bodies of functions, classes, if/for/while/with/try/match), skipping
    expressions: cheaper than :func:`ast.walk` and enough to find imports, functions and classes."""
    stack: list[ast.stmt] = list(reversed(getattr(tree, "body", [])))
    while stack:
        node = stack.pop()
        yield node
        children: list[ast.stmt] = []
        for name in ("body", "orelse", "finalbody"):
            children.extend(getattr(node, name, ()) or ())
        for handler in getattr(node, "handlers", ()) or ():
            children.extend(handler.body)
        for case in getattr(node, "cases", ()) or ():
            children.extend(case.body)
        stack.extend(reversed(children))


_MODULE_CACHE: dict[str, ModuleInfo | None] = {}
_RESOLVED: dict[tuple[str, str], tuple[str, str] | None] = {}


_HEADS: dict[tuple[str, str], bool] = {}
_RAW_VARS = re.compile(r"{{\s*!\s*(\w+)|{{\s*(\w+)[^}]*\|\s*safe\b")
_TEMPLATES: dict[tuple[str, str], frozenset[str]] = {}


def _raw_template_vars(module_path: str, name: str) -> frozenset[str]:
    """Variables a template prints without escaping; empty when the template is not found."""
    if not module_path:
        return frozenset()
    base = os.path.dirname(os.path.abspath(module_path))
    key = (base, name)
    if key in _TEMPLATES:
        return _TEMPLATES[key]
    found: frozenset[str] = frozenset()
    for folder in ("views", "templates", "."):
        for suffix in ("", ".tpl", ".html", ".jinja", ".j2"):
            path = os.path.join(base, folder, name + suffix)
            if os.path.isfile(path):
                try:
                    with open(path, encoding="utf-8", errors="replace") as fh:
                        text = fh.read(200_000)
                except OSError:
                    continue
                found = frozenset(a or b for a, b in _RAW_VARS.findall(text))
                break
        if found:
            break
    if len(_TEMPLATES) > 2000:
        _TEMPLATES.clear()
    _TEMPLATES[key] = found
    return found


def _find_module_file(directory: str, parts: list[str]) -> tuple[str, str] | None:
    """``pkg/mod.py`` for ``pkg.mod.attr`` in ``directory`` or up to three parents; (file, remaining path)."""
    for _ in range(4):
        head_key = (directory, parts[0])
        if head_key not in _HEADS:  # one stat per package name and directory, not one per call
            _HEADS[head_key] = os.path.exists(os.path.join(directory, parts[0])) or os.path.isfile(
                os.path.join(directory, parts[0] + ".py"))
        if _HEADS[head_key]:
            for cut in range(len(parts) - 1, 0, -1):
                candidate = os.path.join(directory, *parts[:cut]) + ".py"
                if os.path.isfile(candidate):
                    return candidate, ".".join(parts[cut:])
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return None


def _load_module(path: str, depth: int) -> ModuleInfo | None:
    if path in _MODULE_CACHE:
        return _MODULE_CACHE[path]
    info: ModuleInfo | None = None
    try:
        tree = ast.parse(read_source(path))
        info = ModuleInfo(tree, path, depth=depth)
    except (OSError, SyntaxError, ValueError, RecursionError):
        info = None
    if len(_MODULE_CACHE) > 512:
        _MODULE_CACHE.clear()
    _MODULE_CACHE[path] = info
    return info


# ----------------------------------------------------------------------------------------------- handlers


def is_handler(fn: FunctionNode, info: ModuleInfo, exposed_class: bool = False) -> bool:
    if fn.name in info.handler_names or exposed_class:
        return True
    for dec in fn.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        name = dotted(target)
        if name.rsplit(".", 1)[-1] in ROUTE_DECORATORS and (isinstance(dec, ast.Call) or name.endswith("expose")):
            return True
    return False


def handler_params(fn: FunctionNode) -> tuple[set[str], set[str]]:
    """(tainted parameter names, request-object parameter names) of a route handler."""
    tainted: set[str] = set()
    requests: set[str] = set()
    args = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
    defaults: dict[str, ast.expr] = {}
    positional = [*fn.args.posonlyargs, *fn.args.args]
    for a, d in zip(positional[len(positional) - len(fn.args.defaults):], fn.args.defaults, strict=False):
        defaults[a.arg] = d
    for a, kd in zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=False):
        if kd is not None:
            defaults[a.arg] = kd
    for a in args:
        if a.arg in {"self", "cls"}:
            continue
        ann = dotted(a.annotation) if a.annotation is not None else ""
        if ann.rsplit(".", 1)[-1] in REQUEST_TYPES or a.arg in {"request", "req"}:
            requests.add(a.arg)
            continue
        default = defaults.get(a.arg)
        if isinstance(default, ast.Call) and dotted(default.func).rsplit(".", 1)[-1] in {"Depends", "Security"}:
            continue
        if ann.rsplit(".", 1)[-1] in {"Session", "AsyncSession", "BackgroundTasks", "Response", "SecurityScopes"}:
            continue
        tainted.add(a.arg)
    for extra in (fn.args.vararg, fn.args.kwarg):
        if extra is not None:
            tainted.add(extra.arg)
    return tainted, requests


# ----------------------------------------------------------------------------------------------- interpreter


@dataclass(slots=True)
class Returned:
    value: Val
    node: ast.AST


class Interpreter:
    """Abstract interpretation of one function body."""

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

    # ---- helpers
    def lookup(self, name: str) -> Val:
        if self.env is not None and name in self.env:
            return self.env[name]
        if name in self.request_names or self.info.imports.get(name) in REQUEST_OBJECTS:
            return Val(kind="request")
        if name in self.info.imports or name in self.info.functions or name in self.info.classes:
            return Val(lit=True)
        return self.info.module_consts.get(name, CLEAN)

    def set(self, name: str, value: Val) -> None:
        if self.env is not None:
            self.env[name] = value

    def hit(self, kind: str, node: ast.AST, v: Val, sink: str, via: str = "") -> None:
        origins = v.dirty(kind)
        proven = REQUEST in origins or (kind == "exc" and EXC in origins)
        sink_only = not v.taint and not (v.is_const or v.lit) and (v.formatted or kind in {"deser", "code", "shell"})
        params = {o for o in origins if o.startswith("p")}
        if kind == "sql" and params and not v.formatted:
            params = set()  # a helper passing its argument as a bound parameter / ORM value is fine
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
            new = self.binop(s.op, cur, self.expr(s.value))
            self.assign(s.target, new, None)
        elif isinstance(s, ast.Expr):
            self.expr(s.value)
            if isinstance(s.value, ast.Call) and dotted(s.value.func).rsplit(".", 1)[-1] == "abort":
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
            elem = self.element_of(it)
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
        for h in s.handlers:
            base = join_env(start, after_body)
            self.env = base
            if h.name and self.env is not None:
                self.env[h.name] = Val(taint=frozenset({EXC}), kind="exception")
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
            decided = self.case_matches(case.pattern, subject) if case.guard is None else UNKNOWN
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

    def case_matches(self, pattern: ast.pattern, subject: Val) -> Any:
        if isinstance(pattern, ast.MatchAs) and pattern.pattern is None:
            return True
        if not subject.is_const:
            return UNKNOWN
        if isinstance(pattern, ast.MatchValue):
            v = self.const_eval(pattern.value)
            return UNKNOWN if v is UNKNOWN else _eq(v, subject.const)
        if isinstance(pattern, ast.MatchSingleton):
            return pattern.value is subject.const
        if isinstance(pattern, ast.MatchOr):
            results = [self.case_matches(p, subject) for p in pattern.patterns]
            if any(r is True for r in results):
                return True
            return False if all(r is False for r in results) else UNKNOWN
        return UNKNOWN

    # ---- guards
    def _subjects(self, node: ast.AST, negated: bool = False) -> list[tuple[str, str]]:
        """(variable, how it is validated) for what a *false* ``node`` proves: ``x not in ALLOWED`` false
        means x is allowed; ``not x.startswith(p)`` false means it starts with p; ``'..' in x`` false means no
        ``..``. ``negated`` flips the polarity (under ``not``); ``and`` (``or`` when negated) proves nothing."""
        out: list[tuple[str, str]] = []
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return self._subjects(node.operand, not negated)
        if isinstance(node, ast.BoolOp):
            if isinstance(node.op, ast.Or) != negated:
                for value in node.values:
                    out += self._subjects(value, negated)
            return out
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            left, op, right = node.left, node.ops[0], node.comparators[0]
            positive = isinstance(op, (ast.In, ast.Eq)) != negated  # the comparison itself is asserted false
            if isinstance(op, (ast.In, ast.NotIn)):
                if isinstance(left, ast.Constant) and isinstance(left.value, str) and ".." in left.value:
                    if positive:
                        out += [(n, "dotdot") for n in _names(right)]
                elif self._is_allow_list(right) and not positive:
                    out += [(n, self._attr_test(left)) for n in _names(left)]
            elif isinstance(op, (ast.Eq, ast.NotEq)) and not positive:
                for a, b in ((left, right), (right, left)):
                    if isinstance(b, ast.Constant) and not isinstance(a, ast.Constant):
                        out += [(n, self._attr_test(a)) for n in _names(a)]
            return out
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and negated:
            meth = node.func.attr
            if meth in {"startswith", "endswith"}:
                out += [(n, "prefix") for n in _names(node.func.value)]
            elif meth in {"isdigit", "isalnum", "isalpha", "isnumeric", "isdecimal", "isidentifier"}:
                out += [(n, "all") for n in _names(node.func.value)]
            elif meth in {"match", "fullmatch"} and node.args:
                target = node.args[-1] if dotted(node.func.value) in {"re", "regex"} else node.args[0]
                out += [(n, "all") for n in _names(target)]
        return out

    def _attr_test(self, node: ast.AST) -> str:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Attribute) and sub.attr in {"netloc", "hostname", "scheme", "host"}:
                return "host"
        return "all"

    def _is_allow_list(self, node: ast.AST) -> bool:
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return all(isinstance(e, ast.Constant) for e in node.elts)
        if isinstance(node, ast.Name):
            v = self.lookup(node.id)
            if v.is_const and isinstance(v.const, (list, tuple, set, frozenset, dict)):
                return True
            if v.seq is not None and all(e.is_const for e in v.seq):
                return True
            return node.id.isupper() or node.id.lower().startswith(("allowed", "valid", "whitelist", "allowlist"))
        if isinstance(node, ast.Attribute):
            return node.attr.isupper() or node.attr.lower().startswith(("allowed", "valid", "whitelist"))
        return False

    def apply_exit_guard(self, test: ast.AST, negated: bool = False) -> None:
        """Sanitise what ``test`` being false proves (``negated``: what it being true proves)."""
        for name, how in self._subjects(test, negated):
            v = self.lookup(name)
            if how == "host":
                kinds = {"redirect", "ssrf"}
            elif how == "dotdot":
                kinds = {"path"}
            elif how == "prefix":
                kinds = {"path", "redirect", "ssrf"} if v.kind == "resolved" else set(KINDS) - {"path", "ssrf"}
            else:
                kinds = {ALL}
            self.set(name, sanitise(v, kinds))
            for base in v.derived:
                self.set(base, sanitise(self.lookup(base), kinds))

    def apply_positive_guard(self, test: ast.AST) -> None:
        self.apply_exit_guard(test, negated=True)

    # ---- assignment
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
                    self.assign(elt, self.element_of(v), None)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            base = self.lookup(target.value.id)
            key = self.const_eval(target.slice)
            if key is not UNKNOWN and _hashable(key):
                items = dict(base.items or ())
                items[key] = v
                self.set(target.value.id, replace(base, items=tuple(items.items()), taint=base.taint | v.taint,
                                                  const=UNKNOWN))
            else:
                self.set(target.value.id, replace(base, taint=base.taint | v.taint, const=UNKNOWN))
        elif isinstance(target, ast.Attribute):
            name = dotted(target)
            if name:
                self.set(name, v)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, v, value_node)

    def element_of(self, v: Val) -> Val:
        if v.kind == "request":
            return Val(taint=frozenset({REQUEST}))
        if v.is_const and isinstance(v.const, (str, bytes, list, tuple, set, frozenset, dict)):
            return CLEAN
        elems = _elements(v)
        if elems:
            out = elems[0]
            for e in elems[1:]:
                out = join(out, e)
            return replace(out, const=UNKNOWN) if len(elems) > 1 else out
        return Val(taint=v.taint, clean=v.clean, lit=v.lit)

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
                return const(_fmt(v.const))
            return replace(v, const=UNKNOWN, items=None, seq=None) if not v.is_const else Val()
        if isinstance(node, ast.BinOp):
            return self.binop(node.op, self.expr(node.left), self.expr(node.right))
        if isinstance(node, ast.UnaryOp):
            v = self.expr(node.operand)
            if v.is_const:
                return const(_safe(lambda: _unary(node.op, v.const)))
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
                return const(_safe(lambda: _compare(left.const, node.ops, [r.const for r in rights])))
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
                    values if isinstance(node, ast.List) else _safe(lambda: set(values)))
                return Val(const=c, seq=tuple(elts))
            return Val(taint=taint, seq=tuple(elts), clean=merge_parts(elts).clean)
        if isinstance(node, ast.Dict):
            items: list[tuple[Any, Val]] = []
            taint = frozenset()
            precise = True
            for k, value_node in zip(node.keys, node.values, strict=True):
                vv = self.expr(value_node)
                taint |= vv.taint
                if k is None:
                    precise = False
                    continue
                kv = self.expr(k)
                taint |= kv.taint
                if kv.is_const and _hashable(kv.const):
                    items.append((kv.const, vv))
                else:
                    precise = False
            return Val(taint=taint, items=tuple(items) if precise else None)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return self.comprehension(node)
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Call):
            return self.call(node)
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
                return const(_safe(lambda: slice(*(p.const for p in parts))))
            return CLEAN
        return CLEAN

    def comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> Val:
        saved = dict(self.env) if self.env is not None else None
        try:
            for gen in node.generators:
                it = self.expr(gen.iter)
                self.assign(gen.target, self.element_of(it), None)
                for cond in gen.ifs:
                    self.expr(cond)
                    self.apply_positive_guard(cond)
            if isinstance(node, ast.DictComp):
                v = merge_parts([self.expr(node.key), self.expr(node.value)])
            else:
                v = self.expr(node.elt)
            return Val(taint=v.taint, clean=v.clean)
        finally:
            self.env = saved

    def binop(self, op: ast.operator, a: Val, b: Val) -> Val:
        if a.is_const and b.is_const:
            result = _safe(lambda: _binop(op, a.const, b.const))
            if result is not UNKNOWN:
                return const(result)
        if isinstance(op, ast.Mod) and (a.is_const and isinstance(a.const, str)):
            parts = [a, *_spread(b)]
            return merge_parts(parts, formatted=True)
        if isinstance(op, ast.Div) and (a.kind in {"path", "resolved"} or b.kind == "path"):
            return merge_parts([a, b], kind="path")
        if isinstance(op, ast.Add) and a.seq is not None and b.seq is not None:
            return Val(taint=a.taint | b.taint, seq=a.seq + b.seq)
        formatted = isinstance(op, (ast.Add, ast.Mod))
        return merge_parts([a, b], formatted=formatted)

    def subscript(self, node: ast.Subscript) -> Val:
        base = self.expr(node.value)
        key_node = node.slice
        key = self.const_eval(key_node)
        if base.kind == "request":
            return Val(taint=frozenset({REQUEST}))
        if key is not UNKNOWN:
            if base.is_const:
                got = _safe(lambda: base.const[key])
                if got is not UNKNOWN:
                    return const(got)
            if base.items is not None and _hashable(key):
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
        return Val(taint=base.taint, clean=base.clean, formatted=base.formatted, lit=base.lit, kind=base.kind
                   if base.kind in {"path"} else "")

    def attribute(self, node: ast.Attribute) -> Val:
        qual = self.info.qualify(node)
        if qual:
            head = qual.rsplit(".", 1)[0]
            if head in REQUEST_OBJECTS and node.attr in SOURCE_ATTRS:
                return Val(taint=frozenset({REQUEST}))
            if qual in REQUEST_OBJECTS:
                return Val(kind="request")
            if qual in self.info.module_consts:
                return self.info.module_consts[qual]
            name = dotted(node)
            if self.env is not None and name in self.env:
                return self.env[name]
        base = self.expr(node.value)
        if node.attr.isupper() and not base.taint:
            return Val(lit=True)  # SOME_MODULE.CONSTANT by convention
        if base.kind == "request":
            if node.attr in SOURCE_ATTRS:
                return Val(taint=frozenset({REQUEST}))
            return Val(lit=True)  # path/method/endpoint: fixed by the matched route
        inner = node.value
        if node.attr in SOURCE_ATTRS and isinstance(inner, ast.Attribute) and inner.attr in {"request", "req"}:
            return Val(taint=frozenset({REQUEST}))  # self.request.args in request wrappers
        if node.attr in {"netloc", "hostname", "scheme", "path", "query", "host"} and base.kind == "urlparse":
            return Val(taint=base.taint, clean=base.clean, derived=base.derived)
        if base.kind == "exception":
            if node.attr in {"traceback", "__traceback__", "args", "message", "msg", "strerror"}:
                return Val(taint=frozenset({EXC}))  # Bottle ``err.traceback``, ``e.args``: internals, as data
            if node.attr in {"exception", "detail", "description"}:
                return base
            return CLEAN
        if node.attr in {"name"} and base.kind == "file":
            return Val(taint=base.taint, clean=base.clean)
        return Val(taint=base.taint, clean=base.clean, derived=base.derived, lit=base.lit,
                   kind=base.kind if base.kind in {"path", "resolved"} else "")

    # ---- calls
    def call(self, node: ast.Call) -> Val:
        func = node.func
        qual = self.info.qualify(func)
        short = qual.rsplit(".", 1)[-1] if qual else (func.attr if isinstance(func, ast.Attribute) else "")
        receiver: Val | None = None
        if isinstance(func, ast.Attribute):
            receiver = self.expr(func.value)
        args = [self.expr(a) for a in node.args]
        kwargs = {k.arg: self.expr(k.value) for k in node.keywords if k.arg is not None}
        splat = [self.expr(k.value) for k in node.keywords if k.arg is None]
        if qual not in _EXC_TEXT_CALLS and short not in _EXC_TEXT_CALLS and any(
                v.kind == "exception" for v in [*args, *kwargs.values()]):
            # an exception *object* handed to a function (``problem_response(exc)``) is rendered by it; only
            # text made from it (``str(e)``, ``e.args``, ``traceback.format_exc()``, formatting) reveals internals
            args = [_opaque_exception(v) for v in args]
            kwargs = {k: _opaque_exception(v) for k, v in kwargs.items()}
        all_args = [*args, *kwargs.values(), *splat]

        def arg(i: int, name: str) -> Val | None:
            if name in kwargs:
                return kwargs[name]
            return args[i] if i < len(args) else None

        # request sources via method calls: request.args.get(...), request.get_json(), await request.json()
        if receiver is not None and isinstance(func, ast.Attribute):
            if receiver.kind == "request" and func.attr in SOURCE_ATTRS | {"json", "form", "body"}:
                return Val(taint=frozenset({REQUEST}))
            if receiver.kind == "request" and func.attr in {"get_json", "get_data", "get_cookie", "get_header"}:
                return Val(taint=frozenset({REQUEST}))
            if receiver.items is not None and func.attr in {"get", "pop", "setdefault"} and args:
                return self.container_get(receiver, args, func.attr)
            if receiver.items is not None and func.attr == "set" and len(args) >= 3 and isinstance(
                    func.value, ast.Name):
                k0, k1 = args[0], args[1]
                if k0.is_const and k1.is_const and _hashable((k0.const, k1.const)):
                    table = dict(receiver.items)
                    table[(k0.const, k1.const)] = args[2]
                    self.set(func.value.id, replace(receiver, items=tuple(table.items()),
                                                    taint=receiver.taint | args[2].taint))
                    return CLEAN
            if func.attr in {"append", "add", "insert", "extend", "update", "appendleft", "set", "put",
                             "setdefault", "write"} and isinstance(func.value, (ast.Name, ast.Attribute)):
                return self.mutate(func.value, receiver, func.attr, args, kwargs)
            if func.attr == "pop" and receiver.seq is not None and isinstance(func.value, ast.Name):
                idx = args[0].const if args else -1
                if isinstance(idx, int) and -len(receiver.seq) <= idx < len(receiver.seq):
                    seq = list(receiver.seq)
                    got = seq.pop(idx)
                    self.set(func.value.id, Val(taint=frozenset().union(*(s.taint for s in seq)) if seq
                                                else frozenset(), seq=tuple(seq)))
                    return got
            if func.attr in {"resolve", "absolute", "realpath"} and receiver.kind in {"path", "resolved"}:
                return replace(receiver, kind="resolved")
            if receiver.kind in {"path", "resolved"} and func.attr in PATH_METHODS:
                self.hit("path", node, receiver, f"Path.{func.attr}")
                return Val(taint=receiver.taint, clean=receiver.clean)
            if receiver.kind == "file" and func.attr in {"read", "readline", "readlines", "read_text", "read_bytes"}:
                return Val()  # file contents: stored data, not the request
            if receiver.kind == "urlparse" and func.attr == "geturl":
                return replace(receiver, kind="")
            if func.attr == "format" and receiver.is_const and isinstance(receiver.const, str):
                if all(a.is_const for a in all_args):
                    got = _safe(lambda: receiver.const.format(*[a.const for a in args],
                                                              **{k: v.const for k, v in kwargs.items()}))
                    if got is not UNKNOWN:
                        return const(got)
                parts = [receiver, *(e for a in all_args for e in _spread(a))]
                return merge_parts(parts, formatted=True)
            if func.attr == "join" and receiver.is_const and args:
                joined = args[0]
                if joined.is_const:
                    got = _safe(lambda: receiver.const.join(joined.const))
                    if got is not UNKNOWN:
                        return const(got)
                return merge_parts([joined, *_elements(joined)], formatted=True)

        if qual in KILL or (short in {"int", "float", "bool", "len"} and not isinstance(func, ast.Attribute)):
            return Val(lit=True)  # a number, a hash, a boolean: cannot carry an injection
        if qual in SANITISERS:
            base = merge_parts(all_args)
            return sanitise(base, SANITISERS[qual])
        if short and _ESCAPE_NAME.search(short) and short not in {"unquote", "unquote_plus", "unescape"}:
            return sanitise(merge_parts([*all_args, *([receiver] if receiver else [])]), {"html"})
        # the project's own functions (and their methods): a summary of what they do with their arguments
        summary_val = self.call_project(node, func, qual, receiver, args, kwargs)
        if summary_val is not None:
            return summary_val
        if qual in {"os.path.realpath", "os.path.abspath", "os.path.normpath"}:
            v = merge_parts(all_args)
            return replace(v, kind="resolved", derived=frozenset(_names_of_args(node)))
        if qual in {"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "Path"} or short == "Path":
            v = merge_parts(all_args)
            return replace(v, kind="path")
        if qual in {"urllib.parse.urlparse", "urllib.parse.urlsplit", "urlparse.urlparse", "urlparse"} or short in {
                "urlparse", "urlsplit"}:
            v = merge_parts(all_args)
            return replace(v, kind="urlparse", derived=frozenset(_names_of_args(node)))
        if qual in {"str", "repr"} and args and args[0].kind == "exception":
            return Val(taint=frozenset({EXC}))
        if qual in {"traceback.format_exc", "traceback.format_exception", "traceback.format_stack"}:
            return Val(taint=frozenset({EXC}))
        if qual in {"str", "repr", "bytes", "list", "tuple", "set", "sorted", "reversed"} and args:
            v = args[0]
            if v.is_const:
                convert: dict[str, Any] = {"str": str, "repr": repr, "bytes": bytes, "list": list, "tuple": tuple,
                                           "set": set, "sorted": sorted, "reversed": lambda x: list(reversed(x))}
                got = _safe(lambda: convert[qual](v.const))
                if got is not UNKNOWN:
                    return const(got)
            return Val(taint=v.taint, clean=v.clean, seq=v.seq if qual in {"list", "tuple"} else None,
                       kind="resolved" if v.kind == "resolved" else "", derived=v.derived)
        if qual == "dict" and not args:
            return Val(items=tuple((k, v) for k, v in kwargs.items()))
        if qual in {"configparser.ConfigParser", "configparser.RawConfigParser", "dict", "collections.OrderedDict"}:
            return Val(items=())
        if qual in {"yaml.load", "yaml.load_all"}:
            loader = kwargs.get("Loader")
            loader_node = next((k.value for k in node.keywords if k.arg == "Loader"), None)
            if loader_node is None and len(node.args) > 1:
                loader_node = node.args[1]
            loader_name = self.info.qualify(loader_node) if loader_node is not None else ""
            if loader is None and len(args) > 1:
                loader = args[1]
            if not loader_name.rsplit(".", 1)[-1].startswith(("Safe", "CSafe", "Base")) and args:
                self.hit("deser", node, args[0], qual)
            return merge_parts(args[:1])
        if qual in SUBPROCESS:
            self.subprocess_sink(node, qual, args, kwargs)
            return merge_parts(all_args)
        sink = CALL_SINKS.get(qual)
        if sink is None and qual in {"eval", "exec", "compile", "open"} and not isinstance(func, ast.Attribute):
            sink = CALL_SINKS[qual]
        if sink is None and isinstance(func, ast.Attribute) and func.attr in METHOD_SINKS:
            kind, idx, kw = METHOD_SINKS[func.attr]
            if kind == "sql" and func.attr in {"raw", "extra"} and "objects" not in dotted(func.value):
                sink = None
            else:
                sink = (kind, idx, kw)
        if sink is not None:
            kind, idx, kw = sink
            target = arg(idx, kw)
            if target is not None:
                if kind == "sql" and func.attr == "extra" if isinstance(func, ast.Attribute) else False:
                    target = merge_parts(all_args, formatted=True)
                url_node = node.args[idx] if idx < len(node.args) else next(
                    (k.value for k in node.keywords if k.arg == kw), None)
                if not (kind == "ssrf" and url_node is not None and self.fixed_host(url_node)):
                    self.hit(kind, node, target, qual or short)
            if kind == "path":
                return Val(taint=merge_parts(all_args).taint, kind="file")
            if kind == "redirect":
                return Val(kind="nonhtml")
            if kind == "ssti":  # a rendered template: its variables are autoescaped unless it prints them raw
                return self.rendered(args, kwargs)
            return merge_parts(all_args)
        mimetype = kwargs.get("mimetype") or kwargs.get("content_type") or kwargs.get("media_type")
        if mimetype is not None and mimetype.is_const and "html" not in str(mimetype.const).lower():
            return Val(kind="nonhtml")
        if qual in HTML_RESPONSES or short in {"make_response", "HTMLResponse"}:
            if args:
                body = args[0]
                if body.seq is not None and body.seq:
                    body = body.seq[0]
                if body.kind == "nonhtml":  # make_response(json.dumps(...)), Response(jsonify(...))
                    return body
                return replace(body, kind="response", items=None, seq=None)
            return CLEAN
        if qual in JSON_RESPONSES or short in {"jsonify", "JSONResponse"} or _SERIALISER.search(short or ""):
            return Val(kind="nonhtml")
        if qual == "flask.render_template":
            return self.rendered(args, kwargs)
        if qual in {"flask.abort", "bottle.abort", "flask.url_for"}:
            return Val(lit=True)
        parts = list(all_args)
        if receiver is not None:
            parts.append(receiver)
        out = merge_parts(parts, formatted=isinstance(func, ast.Attribute) and func.attr in {
            "replace", "strip", "lower", "upper", "encode", "decode", "format_map"})
        if receiver is not None and receiver.kind == "path":
            return replace(out, kind="path")
        return out

    def fixed_host(self, node: ast.AST, depth: int = 0) -> bool:
        """The URL starts with a literal ``scheme://host/``: request data only in path or query is not SSRF."""
        while isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
            node = node.left
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            node = node.func.value
        if isinstance(node, ast.JoinedStr) and node.values:
            node = node.values[0]
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return _FIXED_HOST.match(node.value) is not None
        if isinstance(node, ast.Name) and depth < 3:
            assigned = [a.value for a in ast.walk(self.fn) if isinstance(a, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == node.id for t in a.targets)]
            return len(assigned) == 1 and self.fixed_host(assigned[0], depth + 1)
        return False

    def rendered(self, args: list[Val], kwargs: dict[str, Val]) -> Val:
        """The output of ``template(name, **vars)``: escaped, except variables the template prints raw
        (Bottle ``{{!x}}``, Jinja ``{{ x|safe }}``), found by reading the template next to the module."""
        name = args[0].const if args and args[0].is_const and isinstance(args[0].const, str) else None
        if name is not None and any(c in name for c in "\n{%$"):  # Bottle: template *source*, not a file name
            raw = frozenset(a or b for a, b in _RAW_VARS.findall(name))
        else:
            raw = _raw_template_vars(self.info.abspath, name) if name else frozenset()
        dirty = [v for k, v in kwargs.items() if k in raw and v.taint]
        if dirty:
            return merge_parts(dirty)
        return sanitise(merge_parts([*args, *kwargs.values()]), {"html"})

    def container_get(self, receiver: Val, args: list[Val], meth: str) -> Val:
        table: dict[Any, Val] = dict(receiver.items or ())
        if len(args) >= 2 and meth == "get" and args[0].is_const and args[1].is_const and _hashable(
                (args[0].const, args[1].const)) and (args[0].const, args[1].const) in table:
            pair: Val = table[(args[0].const, args[1].const)]
            return pair
        key = args[0]
        if key.is_const and _hashable(key.const):
            hit: Val | None = table.get(key.const)
            if hit is not None:
                return hit
            return args[1] if len(args) > 1 and meth == "get" else CLEAN
        return Val(taint=receiver.taint, clean=receiver.clean)

    def mutate(self, target: ast.expr, receiver: Val, meth: str, args: list[Val], kwargs: dict[str, Val]) -> Val:
        name = dotted(target)
        if not name:
            return CLEAN
        values = [*args, *kwargs.values()]
        taint = receiver.taint.union(*(v.taint for v in values)) if values else receiver.taint
        new = replace(receiver, taint=taint, const=UNKNOWN)
        if meth == "append" and receiver.seq is not None and args:
            new = replace(new, seq=(*receiver.seq, args[0]))
        elif meth == "update" and receiver.items is not None and args and args[0].items is not None:
            new = replace(new, items=tuple({**dict(receiver.items), **dict(args[0].items)}.items()))
        elif meth == "update" and receiver.items is not None and kwargs and not args:
            new = replace(new, items=tuple({**dict(receiver.items), **kwargs}.items()))
        elif meth in {"append", "insert", "extend", "add", "appendleft"}:
            new = replace(new, seq=None)
        elif meth == "update":
            new = replace(new, items=None)
        if receiver.is_const and isinstance(receiver.const, list) and meth == "append" and args:
            new = replace(new, seq=(*tuple(const(x) for x in receiver.const), args[0]))
        self.set(name, new)
        return CLEAN

    def subprocess_sink(self, node: ast.Call, qual: str, args: list[Val], kwargs: dict[str, Val]) -> None:
        cmd = args[0] if args else kwargs.get("args")
        if cmd is None:
            return
        shell = kwargs.get("shell")
        shell_on = qual == "asyncio.create_subprocess_shell" or (shell is not None and (
            (shell.is_const and bool(shell.const)) or not shell.is_const))
        if shell_on:
            self.hit("shell", node, cmd, f"{qual}(shell=True)")
            return
        if qual.startswith("os.exec") or qual.startswith("os.spawn") or qual == "asyncio.create_subprocess_exec":
            argv = args[1:] if qual.startswith("os.") else args
            seq: tuple[Val, ...] | None = tuple(argv)
        else:
            seq = cmd.seq
        if seq is not None and seq:
            first = seq[0]
            if first.taint:
                self.hit("shell", node, replace(first, formatted=False), qual)
                return
            prog = str(first.const).rsplit("/", 1)[-1].lower() if first.is_const else ""
            shell_like = prog in SHELLS or first.const in SHELLS or not first.is_const
            if shell_like and any(isinstance(s.const, str) and s.const.lower() in {"-c", "/c", "-command"}
                                  for s in seq[1:]):
                rest = merge_parts(seq[1:])
                self.hit("shell", node, replace(rest, formatted=False), f"{qual}({prog or 'shell'} -c)")
            return
        if cmd.is_const:
            return
        if cmd.seq is None and (cmd.taint or cmd.formatted) and not (isinstance(cmd.const, str)):
            # an argv list built elsewhere: tainted program name is possible but unproven
            self.hit("shell", node, replace(cmd, formatted=False), qual) if cmd.taint and not cmd.items else None

    def call_project(self, node: ast.Call, func: ast.expr, qual: str, receiver: Val | None, args: list[Val],
                     kwargs: dict[str, Val]) -> Val | None:
        target: FunctionNode | None = None
        owner: ModuleInfo = self.info
        skip_self = False
        via = ""
        ctor_kind = ""
        if isinstance(func, ast.Name):
            name = func.id
            if name in self.local_defs:
                target = self.local_defs[name]
            elif name in self.info.functions and name not in self.info.imports:
                target = self.info.functions[name]
            elif name in self.info.classes and name not in self.info.imports:
                return Val(kind=f"class:{name}", taint=frozenset())
            via = name
        elif isinstance(func, ast.Attribute) and receiver is not None and receiver.kind.startswith("class:"):
            cls = receiver.kind[6:]
            mod_path, _, cname = cls.rpartition("|")
            holder = self.info if not mod_path else (_MODULE_CACHE.get(mod_path) or self.info)
            methods = holder.classes.get(cname, {})
            if func.attr in methods:
                target, owner, skip_self, via = methods[func.attr], holder, True, f"{cname}.{func.attr}"
        if target is None and qual and "." in qual and qual.split(".")[0] not in {"self", "cls"}:
            found = self.info.resolve_module(qual)
            if found is not None:
                mod, rest = found
                if rest in mod.functions and "." not in rest:
                    target, owner, via = mod.functions[rest], mod, qual
                elif rest in mod.classes:
                    ctor_kind = f"class:{mod.abspath}|{rest}"
        if ctor_kind:
            return Val(kind=ctor_kind)
        if target is None:
            return None
        summary = owner.summary(target, skip_self)
        if summary is None:
            return None
        positional = list(args)
        params = _param_names(target, skip_self)
        for k, v in kwargs.items():
            if k in params:
                idx = params.index(k)
                while len(positional) <= idx:
                    positional.append(CLEAN)
                positional[idx] = v
        taint: frozenset[str] = frozenset({REQUEST}) if summary.returns_source else frozenset()
        cleans: list[frozenset[str]] = []
        for i in summary.flows:
            if i < len(positional) and positional[i].taint:
                taint |= positional[i].taint
                cleans.append(positional[i].clean)
        clean = summary.ret_clean | (frozenset.intersection(*cleans) if cleans else frozenset())
        for kind, idxs, sink, line in summary.sinks:
            for i in idxs:
                if i < len(positional) and positional[i].taint:  # only proven flows through helpers
                    self.hit(kind, node, positional[i], sink, via=f"{via} (line {line})")
        if not taint and summary.ret_const is not UNKNOWN:
            return const(summary.ret_const)
        lit = summary.ret_lit and not taint and all(positional[i].lit or positional[i].is_const
                                                    for i in summary.flows if i < len(positional))
        return Val(taint=taint, clean=clean, kind=summary.ret_kind, lit=lit)


def _param_names(fn: FunctionNode, skip_self: bool) -> list[str]:
    names = [a.arg for a in [*fn.args.posonlyargs, *fn.args.args]]
    if skip_self and names:
        names = names[1:]
    return names + [a.arg for a in fn.args.kwonlyargs]


def _names(node: ast.AST) -> list[str]:
    """Variable names a condition is about: ``x``, ``x.attr``, ``str(x)``, ``x.lower()``."""
    out: list[str] = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            out.append(sub.id)
    return out


def _names_of_args(call: ast.Call) -> list[str]:
    out: list[str] = []
    for a in call.args:
        out.extend(_names(a))
    return out


def _hashable(x: Any) -> bool:
    try:
        hash(x)
    except TypeError:
        return False
    return True


def _safe(fn: Any) -> Any:
    try:
        return fn()
    except Exception:
        return UNKNOWN


def _fmt(x: Any) -> str:
    return str(x)


def _unary(op: ast.unaryop, x: Any) -> Any:
    if isinstance(op, ast.Not):
        return not x
    if isinstance(op, ast.USub):
        return -x
    if isinstance(op, ast.UAdd):
        return +x
    return ~x


_BINOPS: dict[type, Any] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b, ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b,
    ast.BitAnd: lambda a, b: a & b, ast.BitOr: lambda a, b: a | b, ast.BitXor: lambda a, b: a ^ b,
}


def _binop(op: ast.operator, a: Any, b: Any) -> Any:
    fn = _BINOPS.get(type(op))
    if fn is None:
        return UNKNOWN
    if isinstance(op, ast.Mult) and (isinstance(a, (str, bytes, list, tuple)) or isinstance(
            b, (str, bytes, list, tuple))):
        count = b if isinstance(b, int) else a
        if isinstance(count, int) and count > 10000:
            return UNKNOWN
    return fn(a, b)


def _compare(left: Any, ops: Sequence[ast.cmpop], rights: Sequence[Any]) -> Any:
    cur = left
    for op, right in zip(ops, rights, strict=True):
        if isinstance(op, ast.Eq):
            ok = cur == right
        elif isinstance(op, ast.NotEq):
            ok = cur != right
        elif isinstance(op, ast.Lt):
            ok = cur < right
        elif isinstance(op, ast.LtE):
            ok = cur <= right
        elif isinstance(op, ast.Gt):
            ok = cur > right
        elif isinstance(op, ast.GtE):
            ok = cur >= right
        elif isinstance(op, ast.In):
            ok = cur in right
        elif isinstance(op, ast.NotIn):
            ok = cur not in right
        elif isinstance(op, ast.Is):
            ok = cur is right
        else:
            ok = cur is not right
        if not ok:
            return False
        cur = right
    return True


# ----------------------------------------------------------------------------------------------- drivers


def summarise(info: ModuleInfo, fn: FunctionNode, skip_self: bool) -> Summary:
    names = _param_names(fn, skip_self)
    env: Env = {n: Val(taint=frozenset({f"p{i}"})) for i, n in enumerate(names)}
    if skip_self:
        first = [a.arg for a in [*fn.args.posonlyargs, *fn.args.args]][:1]
        for n in first:
            env[n] = CLEAN
    interp = Interpreter(info, fn, env, handler=False, request_names=set())
    interp.run(fn.body)
    ret = CLEAN
    for i, r in enumerate(interp.returns):
        ret = r.value if i == 0 else join(ret, r.value)
    flows = frozenset(int(o[1:]) for o in ret.taint if o.startswith("p") and o[1:].isdigit())
    sinks = []
    for h in interp.hits:
        idxs = frozenset(int(o[1:]) for o in h.origins if o.startswith("p") and o[1:].isdigit())
        if idxs:
            sinks.append((h.kind, idxs, h.sink, h.line))
    return Summary(flows=flows, returns_source=REQUEST in ret.taint, ret_clean=ret.clean,
                   ret_const=ret.const if not ret.taint and _hashable(ret.const) else UNKNOWN,
                   sinks=tuple(sinks), ret_kind=ret.kind if ret.kind.startswith("class:") or ret.kind == "nonhtml"
                   else "nonhtml" if ret.items is not None else "", ret_lit=ret.lit or ret.is_const)


def _is_error_handler(fn: FunctionNode) -> bool:
    """``@app.errorhandler(500)``, Bottle ``@app.error(500)``, FastAPI ``@app.exception_handler(E)``."""
    for dec in fn.decorator_list:
        if isinstance(dec, ast.Call) and dotted(dec.func).rsplit(".", 1)[-1] in {
                "errorhandler", "error", "exception_handler", "register_error_handler"}:
            return True
    return False


_TYPED_PARAM = re.compile(r"<(?:(?:int|float|uuid):(\w+)|(\w+):(?:int|float))>")


_EXC_TEXT_CALLS = frozenset({
    "str", "repr", "format", "escape", "format_exception", "format_exception_only", "print_exception",
    "format_tb", "traceback.format_exception", "traceback.format_exception_only", "traceback.format_tb",
})


def _opaque_exception(v: Val) -> Val:
    return replace(v, taint=v.taint - {EXC}) if v.kind == "exception" else v


def _typed_path_params(fn: FunctionNode) -> set[str]:
    """Path parameters the router converts to numbers: Flask ``<int:id>``, Bottle ``<id:int>``."""
    out: set[str] = set()
    for dec in fn.decorator_list:
        if isinstance(dec, ast.Call) and dec.args and isinstance(dec.args[0], ast.Constant):
            path = dec.args[0].value
            if isinstance(path, str) and "<" in path:
                out.update(a or b for a, b in _TYPED_PARAM.findall(path))
    return out


def _html_response_class(fn: FunctionNode) -> bool:
    """``@app.get(..., response_class=HTMLResponse)``: FastAPI sends the returned string as HTML."""
    for dec in fn.decorator_list:
        if isinstance(dec, ast.Call):
            for kw in dec.keywords:
                if kw.arg == "response_class" and dotted(kw.value).rsplit(".", 1)[-1] == "HTMLResponse":
                    return True
    return False


def _class_exposed(node: ast.ClassDef) -> bool:
    """A CherryPy class whose public methods are handlers (``exposed = True`` or ``@cherrypy.expose``)."""
    if any(dotted(d).endswith("expose") for d in node.decorator_list):
        return True
    for stmt in node.body:
        if (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant) and stmt.value.value is True
                and any(isinstance(t, ast.Name) and t.id == "exposed" for t in stmt.targets)):
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


def analyse(tree: ast.Module, abspath: str = "", frameworks: Iterable[str] = (),
            handlers: Iterable[str] = ()) -> Analysis:
    """Analyse every function of a module; each runs with its own environment."""
    info = ModuleInfo(tree, abspath, frameworks, handlers)
    out = Analysis()
    seen: set[tuple[str, int, int]] = set()
    for fn in info.all_functions:
        error_handler = _is_error_handler(fn) or fn.name in info.error_handler_names
        handler = error_handler or is_handler(fn, info, id(fn) in info.exposed)
        tainted, requests = handler_params(fn) if handler else (set(), set())
        origin = Val(taint=frozenset({EXC}), kind="exception") if error_handler else Val(taint=frozenset({REQUEST}))
        env: Env = {name: origin for name in tainted}
        for name in _typed_path_params(fn) & tainted:
            env[name] = Val(lit=True)  # ``<int:id>`` / ``<id:int>``: the router only passes a number
        if error_handler:  # CherryPy error pages get the formatted traceback as a string parameter
            env.update({name: Val(taint=frozenset({EXC})) for name in tainted if name in {"traceback", "tb"}})
        for name in requests:
            env[name] = Val(kind="request")
        for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]:
            if a.arg not in env:
                if a.annotation is not None and dotted(a.annotation).rsplit(".", 1)[-1] in REQUEST_TYPES:
                    env[a.arg] = Val(kind="request")
                else:
                    env[a.arg] = Val()  # unknown caller data: not proven
        interp = Interpreter(info, fn, env, handler=handler, request_names=requests)
        try:
            interp.run(fn.body)
        except RecursionError:
            continue
        for h in interp.hits:
            key = (h.kind, h.line, h.col)
            if key not in seen:
                seen.add(key)
                out.hits.append(h)
        if handler:
            json_out = any("json_out" in dotted(d.func if isinstance(d, ast.Call) else d) for d in fn.decorator_list)
            html = _html_response_class(fn)
            out.handler_returns.extend(HandlerReturn(r.value, r.node, fn.name, json_out, html) for r in interp.returns)
    return out


def analyse_context(ctx: Any) -> Analysis:
    """Shared, cached analysis for a :class:`~apishield.audit.rules.registry.ModuleContext`."""
    key = id(ctx.tree)
    cached = _ANALYSES.get(key)
    if cached is not None and cached[0] is ctx.tree:
        return cached[1]
    handlers = ctx.facts.get("handlers") or set()
    frameworks = ctx.facts.get("frameworks") or set()
    abspath = ctx.facts.get("abspath") or ""
    result = analyse(ctx.tree, abspath, frameworks, handlers)
    if len(_ANALYSES) > 8:
        _ANALYSES.clear()
    _ANALYSES[key] = (ctx.tree, result)
    return result


_ANALYSES: dict[int, tuple[ast.Module, Analysis]] = {}


__all__ = [
    "ALL", "CLEAN", "EXC", "REQUEST", "UNKNOWN", "Analysis", "HandlerReturn", "Hit", "Interpreter", "ModuleInfo",
    "Summary", "Val", "analyse", "analyse_context", "join", "merge_parts",
]
