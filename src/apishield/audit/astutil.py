"""Small, pure helpers over :mod:`ast` shared by the framework models and the rules.

Names are resolved through the module's imports, so ``from flask import Flask as F; F(__name__)`` and
``import flask; flask.Flask(__name__)`` both read as ``flask.Flask``.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import OrderedDict
from collections.abc import Collection, Iterator
from typing import Any, TypeVar

Imports = dict[str, str]

_UNSET: Any = object()
FOLDED_SOURCE = "_folded_source"  # ctx.facts key of the module's case-folded source (see :func:`mentions`)


_WALK_CACHE: OrderedDict[int, tuple[ast.AST, list[ast.AST]]] = OrderedDict()
_PARENT_CACHE: OrderedDict[int, tuple[ast.AST, dict[int, ast.AST]]] = OrderedDict()
_CACHE_SIZE = 256
_INDEX_CACHE: OrderedDict[int, tuple[ast.AST, dict[type, list[int]]]] = OrderedDict()
_INDEX_SIZE = 32
_N = TypeVar("_N", bound=ast.AST)


# fields the parser only ever fills with identifiers, numbers or constants: never a child node
_SCALAR_FIELDS = frozenset(
    {"id", "attr", "name", "arg", "kind", "module", "level", "asname", "type_comment", "conversion", "is_async"}
    | {"simple", "tag"}
)
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(cls: type) -> tuple[str, ...]:
    found = _CHILD_FIELDS.get(cls)
    if found is None:
        fields: tuple[str, ...] = getattr(cls, "_fields", ())
        found = tuple(
            f
            for f in fields
            if not (f in _SCALAR_FIELDS or (cls is ast.Constant and f == "value"))
            or (f == "name" and cls.__name__ == "TypeAlias")  # 3.12+: ``type X = ...`` names X with a Name node
        )
        _CHILD_FIELDS[cls] = found
    return found


def _bfs(node: ast.AST) -> list[ast.AST]:
    """Every node under ``node`` in exactly :func:`ast.walk`'s order (breadth first, fields in order), ~2x faster.

    ``ast.walk`` pays for two generators per node (``iter_child_nodes`` over ``iter_fields``) and reads every
    field; a list used as its own queue, reading only the fields that can hold nodes, does the same visit.
    """
    out: list[ast.AST] = [node]
    append = out.append
    node_type = ast.AST
    known = _CHILD_FIELDS
    i = 0
    while i < len(out):
        current = out[i]
        i += 1
        cls = current.__class__
        names = known.get(cls)
        if names is None:
            names = _child_fields(cls)
        for name in names:
            value = getattr(current, name, None)
            if isinstance(value, node_type):
                append(value)
            elif value.__class__ is list:
                for item in value:
                    if isinstance(item, node_type):
                        append(item)
    return out


def children(node: ast.AST) -> list[ast.AST]:
    """``list(ast.iter_child_nodes(node))``, reading only the fields that can hold nodes (as :func:`_bfs` does)."""
    out: list[ast.AST] = []
    node_type = ast.AST
    for name in _CHILD_FIELDS.get(node.__class__) or _child_fields(node.__class__):
        value = getattr(node, name, None)
        if isinstance(value, node_type):
            out.append(value)
        elif value.__class__ is list:
            out.extend(item for item in value if isinstance(item, node_type))
    return out


def walk_once(node: ast.AST) -> list[ast.AST]:
    """``list(ast.walk(node))`` for a subtree walked once (a statement, an argument): :func:`walk`'s faster visit
    without its memo, whose bounded cache the module-level walks need."""
    return _bfs(node)


def walk(node: ast.AST) -> list[ast.AST]:
    """``list(ast.walk(node))``, memoised: every rule walks the same module, so walk it once.

    The cache holds the node itself, so an id is never confused with a newer object's.
    """
    key = id(node)
    hit = _WALK_CACHE.get(key)
    if hit is not None and hit[0] is node:
        _WALK_CACHE.move_to_end(key)
        return hit[1]
    nodes = _bfs(node)
    _WALK_CACHE[key] = (node, nodes)
    if len(_WALK_CACHE) > _CACHE_SIZE:
        _WALK_CACHE.popitem(last=False)
    return nodes


def _type_index(tree: ast.AST) -> dict[type, list[int]]:
    """Node type -> positions in :func:`walk` order, built once per tree (memoised like :func:`walk`)."""
    key = id(tree)
    hit = _INDEX_CACHE.get(key)
    if hit is not None and hit[0] is tree:
        _INDEX_CACHE.move_to_end(key)
        return hit[1]
    index: dict[type, list[int]] = {}
    for position, node in enumerate(walk(tree)):
        bucket = index.get(type(node))
        if bucket is None:
            index[type(node)] = [position]
        else:
            bucket.append(position)
    _INDEX_CACHE[key] = (tree, index)
    if len(_INDEX_CACHE) > _INDEX_SIZE:
        _INDEX_CACHE.popitem(last=False)
    return index


def nodes_of_any(tree: ast.AST, *kinds: type) -> list[ast.AST]:
    """The nodes under ``tree`` that are instances of any of ``kinds``, in :func:`walk` order.

    Same result as ``[n for n in walk(tree) if isinstance(n, kinds)]``, but a module is bucketed by node type
    once, so each further rule asking for its few node types does not scan every node again.
    """
    nodes = walk(tree)
    if not isinstance(tree, ast.Module):  # a function or an expression: one filtered pass beats building an index
        return [node for node in nodes if isinstance(node, kinds)]
    index = _type_index(tree)
    buckets = [positions for cls, positions in index.items() if issubclass(cls, kinds)]
    if not buckets:
        return []
    if len(buckets) == 1:
        return [nodes[i] for i in buckets[0]]
    return [nodes[i] for i in sorted(i for positions in buckets for i in positions)]


def nodes_of(tree: ast.AST, kind: type[_N]) -> list[_N]:
    """:func:`nodes_of_any` for one node type, typed: ``for call in nodes_of(tree, ast.Call)``."""
    return nodes_of_any(tree, kind)  # type: ignore[return-value]  # every element is a ``kind``


def folded(text: str) -> str:
    """``text`` lower-cased (ASCII) or case-folded (anything else).

    A lowercase ASCII word occurs in ``folded(text)`` whenever ``re.search(word, text, re.IGNORECASE)`` finds it
    (``casefold`` also maps the long s and the Kelvin sign that ``re.IGNORECASE`` equates with ``s`` and ``k``), so a
    substring test on this text is a safe, ~10x cheaper stand-in for a case-insensitive regex pre-filter.
    """
    return text.lower() if text.isascii() else text.casefold()


def mentions(ctx: Any, words: tuple[str, ...]) -> bool:
    """Does the module's source mention any of ``words`` (lowercase literals), ignoring case?

    The cheap pre-filter in front of most rules: the folded source is computed once per module and kept in
    ``ctx.facts`` (the engine drops it before results travel back from worker processes).
    """
    text: str | None = ctx.facts.get(FOLDED_SOURCE)
    if text is None:
        text = folded(ctx.source)
        ctx.facts[FOLDED_SOURCE] = text
    return any(word in text for word in words)


def decode_source(data: bytes) -> str:
    """Python source bytes as text, decoded the way the interpreter reads a file.

    A UTF-8 byte-order mark is dropped and a PEP 263 coding declaration (``# -*- coding: latin-1 -*-``) is
    honoured; an unknown or wrong declaration falls back to UTF-8. Undecodable bytes become U+FFFD, so a
    stray byte in a comment or string never costs the whole module.
    """
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except (SyntaxError, LookupError):
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        return data.decode(encoding, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def read_source(path: str) -> str:
    """:func:`decode_source` of the file at ``path`` (raises :class:`OSError`)."""
    with open(path, "rb") as fh:
        return decode_source(fh.read())


#: library submodules whose public names the package itself re-exports: ``from flask.templating import
#: render_template_string`` is ``flask.render_template_string`` for every rule and sink that names the latter
PUBLIC_HOME = {"flask.templating": "flask", "flask.helpers": "flask", "flask.globals": "flask",
               "flask.wrappers": "flask", "jinja2.environment": "jinja2", "django.template.base": "django.template"}
#: libraries that re-implement another's API under their own names (Quart is Flask's on asyncio, its extensions
#: mirror Flask's): read as the original's, so every model, sink and rule that knows Flask knows Quart
SAME_API: dict[str, tuple[str, dict[str, str]]] = {
    "quart": ("flask", {"Quart": "Flask"}), "quart_jwt_extended": ("flask_jwt_extended", {}),
    "quart_auth": ("flask_login", {}), "quart_rate_limiter": ("flask_limiter", {}), "quart_cors": ("flask_cors", {})}


def _same_api(dotted: str, name: str = "") -> tuple[str, str]:
    top, dot, rest = dotted.partition(".")
    home, renamed = SAME_API.get(top, (top, {}))
    return home + dot + rest, renamed.get(name, name)


def import_map(tree: ast.AST) -> Imports:
    """Local name -> fully qualified dotted name for every import in ``tree`` (any nesting level); names from a
    library's internal submodule are given under the package that re-exports them (:data:`PUBLIC_HOME`), and those
    of a library that re-implements another's API as the original's (:data:`SAME_API`)."""
    table: Imports = {}
    for node in nodes_of_any(tree, ast.Import, ast.ImportFrom):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    table[alias.asname] = PUBLIC_HOME.get(alias.name, _same_api(alias.name)[0])
                else:
                    top = alias.name.split(".")[0]
                    table.setdefault(top, _same_api(top)[0])
        elif isinstance(node, ast.ImportFrom):
            base = ("." * node.level) + (node.module or "")
            base = PUBLIC_HOME.get(base, base)
            for alias in node.names:
                if alias.name == "*":
                    continue
                module, name = _same_api(base, alias.name) if node.level == 0 else (base, alias.name)
                table[alias.asname or alias.name] = f"{module}.{name}" if module else name
    return table


def dotted(node: ast.AST | None, *, strict: bool = False) -> str:
    """``a.b.c`` for a Name/Attribute chain (calls in the chain are skipped: ``a().b`` -> ``a.b``).

    ``strict``: only a pure Name/Attribute chain has a name (``a().b`` -> ``""``), for the taint analysis, where
    ``a().b`` is a value computed at run time, not the attribute ``b`` of ``a``.
    """
    parts: list[str] = []
    while node is not None:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            break
        elif isinstance(node, ast.Call) and not strict:
            node = node.func
        elif isinstance(node, ast.Subscript) and not strict:
            node = node.value
        else:
            return ""
    return ".".join(reversed(parts))


def qualname(node: ast.AST | None, imports: Imports, *, strict: bool = False) -> str:
    """:func:`dotted` with the first component resolved through ``imports``."""
    name = dotted(node, strict=strict)
    if not name:
        return ""
    head, _, rest = name.partition(".")
    full = imports.get(head, head)
    return f"{full}.{rest}" if rest else full


def call_name(call: ast.Call, imports: Imports) -> str:
    return qualname(call.func, imports)


def last_call_name(call: ast.Call, imports: Imports, wanted: frozenset[str]) -> str:
    """``last(call_name(call, imports))`` when that can be one of ``wanted``, else ``""``: the last part is read from
    the call first (an attribute, or a name through the imports), so most calls skip resolving the whole name."""
    func = call.func
    if isinstance(func, ast.Attribute):
        tail = func.attr
    elif isinstance(func, ast.Name):
        tail = last(imports.get(func.id, func.id))
    else:
        return last(call_name(call, imports))
    return last(call_name(call, imports)) if tail in wanted else ""


def callee(call: ast.Call) -> str:
    """The name a call is made by, read from the call alone: its attribute (``"".join(...)`` → ``join``,
    ``hashlib.md5(...)`` → ``md5``) or its name; ``""`` for anything else."""
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def kwarg(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def has_kwargs_splat(call: ast.Call) -> bool:
    return any(kw.arg is None for kw in call.keywords)


def arg(call: ast.Call, index: int, name: str | None = None) -> ast.expr | None:
    """Positional argument ``index`` or keyword ``name``."""
    if name is not None:
        found = kwarg(call, name)
        if found is not None:
            return found
    if len(call.args) > index and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
        return call.args[index]
    return None


def const(node: ast.AST | None, default: Any = None) -> Any:
    """The Python value of a literal expression (constants, lists, tuples, dicts, sets), else ``default``."""
    if node is None:
        return default
    # fast paths with literal_eval's exact results: a constant, or a list/tuple of constants (``methods=[...]``)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)) and all(isinstance(e, ast.Constant) for e in node.elts):
        values = [e.value for e in node.elts]  # type: ignore[attr-defined]  # all Constant, checked above
        return values if isinstance(node, ast.List) else tuple(values)
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return default


def is_const(node: ast.AST | None) -> bool:
    return const(node, _UNSET) is not _UNSET


def str_const(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def is_false(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def is_env_read(node: ast.AST | None, imports: Imports) -> bool:
    """True when ``node`` reads the environment or a config file (``os.environ``, ``getenv``, ``config(...)``).

    Values decided by the deployment are treated as *unknown*, never as vulnerable.
    """
    if node is None:
        return False
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            name = call_name(sub, imports)
            tail = last(name)
            if name.startswith(("os.environ", "os.getenv")) or tail in {
                "getenv",
                "get_env",
                "env",
                "config",
                "getboolean",
                "getbool",
                "get_bool",
                "bool_env",
                "str2bool",
                "strtobool",
                "int_env",
            }:
                return True
        if isinstance(sub, (ast.Attribute, ast.Name, ast.Subscript)):
            name = qualname(sub, imports)
            if name.startswith("os.environ") or ".environ" in name or name.startswith(("settings.", "config.")):
                return True
    return False


_CONFIG_WORDS = frozenset({"config", "settings", "conf", "configuration", "environ"})
_FIXED_URL_HEAD = re.compile(r"^[a-zA-Z][\w+.-]*://[^/{}]+/")


def configuration(node: ast.AST | None) -> bool:
    """``node`` is application configuration or a constant table, looked up by any key: ``app.config['X']``,
    ``current_app.config['PROVIDERS'].get(name)``, ``settings.X``, ``PROVIDERS[name]``. Whatever key the caller
    chooses, the value is one the deployment or the code fixed."""
    while True:
        if isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            node = node.func.value
        else:
            break
    name = dotted(node, strict=True)
    if not name:
        return False
    parts = name.split(".")
    return any(p.lower() in _CONFIG_WORDS for p in parts) or (parts[-1].isupper() and len(parts[-1]) > 1)


def fixed_value(node: ast.AST | None, tree: ast.AST, depth: int = 0) -> bool:
    """The value (a URL, typically) is fixed by the code or the deployment: a literal, an UPPER_CASE constant, a
    configuration value or an entry of a constant table (the key only selects), text that starts with a fixed
    ``scheme://host/``, or a local name every assignment of which in ``tree`` is one of those."""
    if node is None or depth > 3:
        return False
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (str, bytes))
    if isinstance(node, ast.JoinedStr) and node.values:
        head = node.values[0]
        if isinstance(head, ast.Constant):
            return isinstance(head.value, str) and _FIXED_URL_HEAD.match(head.value) is not None
        return isinstance(head, ast.FormattedValue) and fixed_value(head.value, tree, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        left = node.left
        if isinstance(left, ast.Constant):
            return isinstance(left.value, str) and _FIXED_URL_HEAD.match(left.value) is not None
        return isinstance(node.op, ast.Add) and fixed_value(left, tree, depth + 1)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return fixed_value(node.func.value, tree, depth + 1)
    if configuration(node):
        return True
    if isinstance(node, ast.Name):
        values = assigned_values(node.id, tree)
        return bool(values) and all(fixed_value(v, tree, depth + 1) for v in values)
    if isinstance(node, ast.Subscript):
        return fixed_value(node.value, tree, depth + 1)
    return False


def assigned_values(name: str, tree: ast.AST) -> list[ast.expr]:
    """The values ``name`` is assigned in ``tree`` (plain ``name = value`` statements); none when ``name`` is a
    parameter anywhere in ``tree``, whose callers choose it."""
    nodes = walk(tree)
    if any(isinstance(a, ast.arg) and a.arg == name for a in nodes):
        return []
    return [a.value for a in nodes if isinstance(a, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in a.targets)]


def functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    found: list[Any] = nodes_of_any(tree, ast.FunctionDef, ast.AsyncFunctionDef)  # only these two types
    yield from found


def functions_by_name(body: list[ast.stmt]) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """The functions a module or class body defines at its own level, by name (a later one wins, as in Python)."""
    return {f.name: f for f in body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}


def calls(tree: ast.AST) -> Iterator[ast.Call]:
    yield from nodes_of(tree, ast.Call)


def strings_in(node: ast.AST, docstrings: bool = True) -> Iterator[str]:
    """The string literals inside ``node``; without ``docstrings``, a function's, class's or module's own
    docstring is left out (what the code says of itself, not what it does)."""
    body = getattr(node, "body", None)
    first = body[0] if isinstance(body, list) and body else None
    doc = first.value if not docstrings and isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
        else None
    for sub in walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and sub is not doc:
            yield sub.value


def uses_any(node: ast.AST, names: Collection[str]) -> bool:
    """``node`` reads one of the local ``names`` anywhere inside it."""
    return any(isinstance(sub, ast.Name) and sub.id in names for sub in walk(node))


def target_names(node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> list[str]:
    """Dotted names assigned by ``node`` (``a = b = x`` -> ``['a', 'b']``; ``self.x = ...`` -> ``['self.x']``)."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    out: list[str] = []
    for t in targets:
        if isinstance(t, (ast.Tuple, ast.List)):
            out.extend(dotted(e) for e in t.elts if dotted(e))
        elif dotted(t):
            out.append(dotted(t))
    return out


def subscript_key(node: ast.Subscript) -> Any:
    return const(node.slice)


def field_read(node: ast.AST) -> str:
    """The field an expression finally reads: ``a.b.username`` → ``username`` (a WTForms field's ``.data`` → the
    field), ``d["email"]`` and ``d.get("email")`` → ``email``; ``""`` for anything else."""
    if isinstance(node, ast.Attribute) and node.attr == "data" and isinstance(node.value, ast.Attribute):
        node = node.value
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        return str_const(node.slice) or ""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
        return str_const(node.args[0]) or ""
    return ""


def line_of(lines: list[str], lineno: int) -> str:
    if 1 <= lineno <= len(lines):
        return lines[lineno - 1].strip()
    return ""


def param_defaults(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, ast.expr]:
    """Parameter name -> default value expression, for the parameters that have one (positional and keyword-only)."""
    positional = [*fn.args.posonlyargs, *fn.args.args]
    out = {a.arg: d for a, d in zip(positional[len(positional) - len(fn.args.defaults):], fn.args.defaults,
                                    strict=False)}
    out.update({a.arg: d for a, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=False) if d is not None})
    return out


def in_main_guard(tree: ast.Module) -> set[int]:
    """Line numbers inside ``if __name__ == '__main__':`` blocks."""
    found: set[int] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Compare):
            names = {dotted(node.test.left)} | {dotted(c) for c in node.test.comparators}
            values = [const(c) for c in node.test.comparators] + [const(node.test.left)]  # lists are constants too
            if "__name__" in names and "__main__" in values:
                for sub in node.body:
                    for inner in ast.walk(sub):
                        if hasattr(inner, "lineno"):
                            found.add(inner.lineno)
    return found


def enclosing_function(parents: dict[int, ast.AST], node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The innermost function whose body holds ``node`` (``parents`` from :func:`parent_map`), if any."""
    cur = parents.get(id(node))
    while cur is not None and not isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef)):
        cur = parents.get(id(cur))
    return cur


def parent_map(tree: ast.AST) -> dict[int, ast.AST]:
    """id(child) -> parent, for walking outwards (memoised like :func:`walk`)."""
    hit = _PARENT_CACHE.get(id(tree))
    if hit is not None and hit[0] is tree:
        return hit[1]
    parents: dict[int, ast.AST] = {}
    node_type = ast.AST
    for node in walk(tree):  # the children ast.iter_child_nodes yields, in its order, read as in _bfs
        for name in _CHILD_FIELDS.get(node.__class__) or _child_fields(node.__class__):
            value = getattr(node, name, None)
            if isinstance(value, node_type):
                parents[id(value)] = node
            elif value.__class__ is list:
                for item in value:
                    if isinstance(item, node_type):
                        parents[id(item)] = node
    _PARENT_CACHE[id(tree)] = (tree, parents)
    if len(_PARENT_CACHE) > 16:
        _PARENT_CACHE.popitem(last=False)
    return parents


#: the methods of a logger (``log.info``, ``logger.exception``, ``logging.warning``): calls that only record a value
LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"})


__all__ = [
    "FOLDED_SOURCE", "LOG_METHODS", "Imports", "arg", "assigned_values", "call_name", "calls", "children",
    "configuration", "const", "decode_source", "dotted", "enclosing_function", "field_read", "fixed_value", "folded",
    "functions", "functions_by_name", "has_kwargs_splat", "import_map", "in_main_guard", "is_const", "is_env_read",
    "is_false", "is_true", "kwarg", "last", "last_call_name", "line_of", "mentions", "nodes_of", "nodes_of_any",
    "param_defaults", "parent_map", "qualname", "read_source", "str_const", "strings_in", "subscript_key",
    "target_names", "uses_any", "walk",
]
