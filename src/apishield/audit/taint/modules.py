"""Module resolution for the taint analysis: one module's functions, classes, imports and constants, and the
project files that ``import pkg.mod`` names, found next to the scanned module and parsed once.
"""

from __future__ import annotations

import ast
import functools
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from apishield.audit import astutil as au
from apishield.audit.taint.catalogue import (
    ERROR_HANDLER_DECORATORS,
    HTTP_CLIENTS,
    LXML_UNSAFE,
    RAW_VARS,
    YAML_OBJECTS,
    operator_setting,
    switches_flask_autoescape_off,
    yaml_object,
)
from apishield.audit.taint.values import Env, Summary, Val, const

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


_CLI_PARSERS = frozenset({"docopt", "argparse", "click", "typer", "fire", "optparse", "getopt"})


#: base classes of a form that fills itself from the current request (``PostForm()`` reads ``request.form``)
#: pathlib's concrete and pure path classes
PATH_CLASSES = frozenset({"Path", "PurePath", "PosixPath", "PurePosixPath", "WindowsPath", "PureWindowsPath"})
REQUEST_FORM_BASES = frozenset({"FlaskForm", "QuartForm"})


def derives_from_request_form(cls: ast.ClassDef, lookup: Callable[[str], ast.ClassDef | None],
                              depth: int = 3) -> bool:
    """``cls`` derives from Flask-WTF's ``FlaskForm`` (or Quart-WTF's), directly or through form classes ``lookup``
    finds by name: built without arguments in a view, such a form holds what the client posted."""
    for base in cls.bases:
        name = au.last(au.dotted(base))
        if name in REQUEST_FORM_BASES:
            return True
        parent = lookup(name) if depth else None
        if parent is not None and parent is not cls and derives_from_request_form(parent, lookup, depth - 1):
            return True
    return False


def _request_bound_forms(tree: ast.Module) -> frozenset[str]:
    """The module's classes that are Flask-WTF forms, through bases defined in the module itself."""
    classes = {c.name: c for c in tree.body if isinstance(c, ast.ClassDef)}
    return frozenset(n for n, c in classes.items() if derives_from_request_form(c, classes.get))


class ModuleInfo:
    """Functions, classes and imports of one module, with lazily computed helper summaries."""

    def __init__(self, tree: ast.Module, abspath: str = "", frameworks: Iterable[str] = (),
                 handlers: Iterable[str] = (), depth: int = 0) -> None:
        self.tree = tree
        self.abspath = abspath
        self.frameworks = set(frameworks)
        self.handler_names = set(handlers)
        self.depth = depth
        self.imports = {k: v for k, v in au.import_map(tree).items() if not v.startswith(".")}
        self.relative: dict[str, str] = {}  # ``from .db import q``: q -> ".db.q"; ``from . import q``: q -> ".q"
        for imp in au.nodes_of(tree, ast.ImportFrom):
            if imp.level:
                for alias in imp.names:
                    if alias.name != "*":
                        self.relative[alias.asname or alias.name] = "." * imp.level + ".".join(
                            part for part in (imp.module, alias.name) if part)
        self.functions: dict[str, FunctionNode] = {}
        self.classes: dict[str, dict[str, FunctionNode]] = {}
        #: a method (by identity) -> the methods of the class that defines it: what ``self.other()`` calls
        self.siblings: dict[int, tuple[str, dict[str, FunctionNode]]] = {}
        self.module_consts: Env = {}
        #: a nested function (by identity) -> the enclosing function's values, where the ``def`` ran, of the names
        #: it binds once: what the nested function reads of them when it runs later (``serialised`` in a closure)
        self.closure_values: dict[int, Env] = {}
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
                methods = au.functions_by_name(node.body)
                self.classes.setdefault(node.name, methods)
                self.siblings.update((id(m), (node.name, methods)) for m in methods.values())
                if class_exposed(node):
                    self.exposed.update(id(m) for name, m in methods.items() if not name.startswith("_"))
        #: form classes Flask-WTF (or Quart-WTF) fills from the current request when built without data
        self.request_forms = _request_bound_forms(tree)
        self.module_instances: dict[str, ast.expr] = {}  # ``repo = Repo(...)`` at module level: name -> ``Repo``
        for stmt in tree.body:
            if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                    and isinstance(stmt.value, ast.Constant)):
                self.module_consts[stmt.targets[0].id] = const(stmt.value.value)
            elif (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                  and stmt.targets[0].id.isupper() and isinstance(stmt.value, (ast.List, ast.Tuple))
                  and stmt.value.elts and all(isinstance(e, ast.Constant) for e in stmt.value.elts)):
                # ``USER_COLUMNS = ['id', 'email']``: a table of the code's own words, joined into SQL by name
                self.module_consts[stmt.targets[0].id] = const(au.const(stmt.value))
            elif (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                  and isinstance(stmt.value, ast.Call) and au.last(self.qualify(stmt.value.func)) in PATH_CLASSES
                  and stmt.value.args and all(isinstance(a, ast.Constant) for a in stmt.value.args)):
                # ``DATA_DIR = Path("/srv/data")``: a directory the code names, still a path when joined with ``/``
                self.module_consts[stmt.targets[0].id] = Val(lit=True, kind="path")
            elif (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                  and self._beside_module(stmt.value)):
                self.module_consts[stmt.targets[0].id] = Val(lit=True)  # ``Path(__file__).parent / 'data.json'``
            elif (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                  and isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, (ast.Name, ast.Attribute))):
                self.module_instances[stmt.targets[0].id] = stmt.value.func
                if self._entity_parser(stmt.value):  # ``PARSER = etree.XMLParser(resolve_entities=True)``
                    self.module_consts[stmt.targets[0].id] = Val(kind="xxe-parser")
                elif self.qualify(stmt.value.func) in HTTP_CLIENTS:  # ``http = requests.Session()``
                    self.module_consts[stmt.targets[0].id] = Val(kind="http-client")
                elif self.qualify(stmt.value.func) in YAML_OBJECTS:  # ``yaml = YAML()`` (ruamel.yaml)
                    typ = next((k.value for k in stmt.value.keywords if k.arg == "typ"), None)
                    self.module_consts[stmt.targets[0].id] = Val(kind=yaml_object(
                        typ is not None, au.const(typ, object())))
        self.operator_attrs = _operator_attributes(tree)
        self._summaries: dict[int, Summary | None] = {}
        # interpreter runs of functions without parameters, shared by their summary and their handler analysis
        self.bare_runs: dict[int, Any] = {}

    @property
    def command_line(self) -> bool:
        """A command-line tool: it parses its command line (``docopt``/``argparse``/``click``/``typer``/
        ``sys.argv``) and serves no route. The paths, URLs and files it uses are its operator's."""
        if self.handler_names or self.exposed:
            return False
        return any(v.split(".")[0] in _CLI_PARSERS or v == "sys.argv" for v in self.imports.values()) \
            or any(au.dotted(n) == "sys.argv" for n in au.nodes_of_any(self.tree, ast.Attribute))

    @functools.cached_property
    def flask_autoescape_off(self) -> bool:
        """The module switches off autoescaping of the Flask app's templates (``app.jinja_env.autoescape = False``):
        every variable ``render_template``/``render_template_string`` prints is raw HTML then, as with ``|safe``."""
        return any(switches_flask_autoescape_off(a) for a in au.nodes_of(self.tree, ast.Assign))

    @property
    def serves_requests(self) -> bool:
        """A module of a web application: it uses a web framework and is not a command-line tool."""
        return bool(self.frameworks) and not self.command_line

    def _beside_module(self, value: ast.expr) -> bool:
        """A path built only from the module's own location and literals (``Path(__file__).parent / "docs"``,
        ``os.path.join(BASE_DIR, "x.json")`` with ``BASE_DIR`` such a path): the program's own file."""
        names = [n.id for n in ast.walk(value) if isinstance(n, ast.Name)]
        anchored = [n for n in names if n == "__file__" or (n in self.module_consts and self.module_consts[n].lit)]
        configured = any(isinstance(n, ast.Subscript) or au.last(au.dotted(n)) in {"environ", "getenv", "get"}
                         for n in ast.walk(value))
        return bool(anchored) and not configured and all(n in anchored or n in self.imports for n in names)

    def _entity_parser(self, call: ast.Call) -> bool:
        """An lxml parser built once for the module with entity resolution or network access switched on: every
        parse call handed it is an XXE sink, wherever in the module the call sits."""
        qual = self.qualify(call.func)
        return qual.startswith("lxml.") and au.last(qual) == "XMLParser" and any(
            k.arg in LXML_UNSAFE and isinstance(k.value, ast.Constant) and k.value.value is LXML_UNSAFE[k.arg]
            for k in call.keywords)

    def defines_class(self, node: ast.AST) -> bool:
        """``node`` names a class of the project itself: defined in this module, imported relatively, or imported
        from a module of the project (an exception class of the application, whose messages it wrote)."""
        if isinstance(node, ast.Name) and (node.id in self.classes or node.id in self.relative):
            return True
        name = au.dotted(node, strict=True) if isinstance(node, (ast.Name, ast.Attribute)) else ""
        head, _, tail = name.partition(".")
        full = self.imports.get(head, "")
        found = self.resolve_module(f"{full}.{tail}" if tail else full) if full and "." in full + tail else None
        # ``db.IntegrityError`` is no class of the module ``db`` comes from; a package may re-export its own classes
        return found is not None and (found[1] in found[0].classes or found[1] in found[0].relative)

    def class_node(self, name: str) -> ast.ClassDef | None:
        """The definition of the class ``name`` names here: a class of this module, or one of a project module it
        imports (absolutely or relatively)."""
        local = next((c for c in self.tree.body if isinstance(c, ast.ClassDef) and c.name == name), None)
        if local is not None:
            return local
        found = self.imported(name)
        if found is None:
            return None
        wanted = au.last(found[1] or name)
        return next((c for c in found[0].tree.body if isinstance(c, ast.ClassDef) and c.name == wanted), None)

    def imported(self, name: str) -> tuple[ModuleInfo, str] | None:
        """The project module a name bound here by an import comes from, and the name inside it (``from .forms import
        RegisterForm``: the module of ``forms.py`` and ``RegisterForm``); None when no import binds it or the module
        is not the project's."""
        dotted = self.imports.get(name) or self.relative.get(name, "")
        if not dotted:
            return None
        return self.resolve_relative(dotted) if dotted.startswith(".") else self.resolve_module(dotted)

    def qualify(self, node: ast.AST) -> str:
        return au.qualname(node, self.imports, strict=True)

    def imports_any(self, libraries: Iterable[str]) -> bool:
        """Does the module import one of ``libraries`` (or a submodule of one)?"""
        return any(v == lib or v.startswith(lib + ".") for v in self.imports.values() for lib in libraries)

    def summary(self, fn: FunctionNode, skip_self: bool = False) -> Summary | None:
        global GUARD_EVENTS
        key = id(fn)
        if key in self._summaries:
            found = self._summaries[key]
            if found is None:
                GUARD_EVENTS += 1  # a summary still being computed (recursion): the caller sees less than later
            return found
        if self.depth > 2:
            return None
        self._summaries[key] = None  # recursion guard
        from apishield.audit.taint.analysis import summarise  # the analysis builds on this module

        result = summarise(self, fn, skip_self)
        self._summaries[key] = result
        return result

    def quoting(self, call: ast.Call) -> frozenset[int] | None:
        """The positional parameters of this module's function ``call`` calls whose values its exceptions may
        quote; None when the callee is not one of this module's functions (anything may be quoted)."""
        fn = self.functions.get(call.func.id) if isinstance(call.func, ast.Name) else None
        summary = self.summary(fn) if fn is not None else None
        return summary.quotes if summary is not None else None

    def project_function(self, name: str) -> FunctionNode | None:
        """The project function ``name`` stands for in this module: its own, or one imported from a module next to
        it (:meth:`imported_function`)."""
        if name not in self.imports and name not in self.relative:
            return self.functions.get(name)
        return self.imported_function(name)

    def imported_function(self, name: str) -> FunctionNode | None:
        """The project function a name imported into this module stands for (``from app.errors import refuse``,
        ``from .errors import refuse``), found in its module next to this one; None when it is not one."""
        if name not in self.relative and name not in self.imports:
            return None
        found = self.locate(name if name in self.relative else self.imports[name])
        if found is None:
            return None
        mod, rest = found
        return mod.functions.get(rest) if "." not in rest else None

    def locate(self, qual: str) -> tuple[ModuleInfo, str] | None:
        """The project module a dotted name used here lives in, and the rest of the name inside it: through a
        relative import when its first part was bound by one (``from . import models`` then ``models.find``),
        otherwise as an absolute module path found next to this module."""
        head, _, tail = qual.partition(".")
        relative = self.relative.get(head)
        if relative is None:
            return self.resolve_module(qual)
        return self.resolve_relative(f"{relative}.{tail}" if tail else relative)

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
        mod = module_at(found[0], self.depth + 1)
        return None if mod is None else (mod, found[1])


    def resolve_relative(self, dotted_name: str) -> tuple[ModuleInfo, str] | None:
        """Find ``.mod.attr`` / ``..pkg.attr`` relative to this module's package (a module, or a package's
        ``__init__``): (module, remaining attr path)."""
        if not self.abspath or self.depth > 1:
            return None
        level = len(dotted_name) - len(dotted_name.lstrip("."))
        directory = os.path.dirname(os.path.abspath(self.abspath))
        for _ in range(level - 1):
            directory = os.path.dirname(directory)
        key = (directory, dotted_name[level - 1:])
        if key not in _RESOLVED:
            _RESOLVED[key] = _find_relative_file(directory, [p for p in dotted_name[level:].split(".") if p])
        found = _RESOLVED[key]
        if found is None:
            return None
        mod = module_at(found[0], self.depth + 1)
        return None if mod is None else (mod, found[1])


def _find_relative_file(directory: str, parts: list[str]) -> tuple[str, str] | None:
    for cut in range(len(parts) - 1, -1, -1):
        base = os.path.join(directory, *parts[:cut])
        for candidate in (base + ".py", os.path.join(base, "__init__.py")) if cut else (
                os.path.join(directory, "__init__.py"),):
            if os.path.isfile(candidate):
                return candidate, ".".join(parts[cut:])
    return None


def _registered_error_handlers(stmt: ast.Expr | ast.Assign) -> Iterator[str]:
    """Functions registered as error handlers without a decorator: Flask ``app.register_error_handler(500, f)``,
    Bottle ``app.error_handler[500] = f``, CherryPy ``{'error_page.500': f}`` / ``{'error_page.default': f}``."""
    value = stmt.value
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            if (isinstance(target, ast.Subscript) and au.dotted(target.value, strict=True).endswith("error_handler")
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


MODULE_CACHE: dict[tuple[str, int], ModuleInfo | None] = {}
GUARD_EVENTS = 0  # times a summary was asked for while it was being computed (the result depended on call order)
_RESOLVED: dict[tuple[str, str], tuple[str, str] | None] = {}


_HEADS: dict[tuple[str, str], bool] = {}
_TEMPLATES: dict[tuple[str, str], frozenset[str]] = {}


def raw_template_vars(module_path: str, name: str) -> frozenset[str]:
    """Variables a template prints without escaping; empty when the template is not found."""
    if not module_path:
        return frozenset()
    base = os.path.dirname(os.path.abspath(module_path))
    key = (base, name)
    if key in _TEMPLATES:
        return _TEMPLATES[key]
    found: frozenset[str] = frozenset()
    # beside the module, or the ``templates`` folder of its package's parent (a Django app's views in a sub-package)
    for folder in ("views", "templates", ".", os.path.join("..", "templates")):
        for suffix in ("", ".tpl", ".html", ".jinja", ".j2"):
            path = os.path.join(base, folder, name + suffix)
            if os.path.isfile(path):
                try:
                    with open(path, encoding="utf-8", errors="replace") as fh:
                        text = fh.read(200_000)
                except OSError:
                    continue
                found = frozenset(a or b for a, b in RAW_VARS.findall(text))
                break
        if found:
            break
    if len(_TEMPLATES) > 2000:
        _TEMPLATES.clear()
    _TEMPLATES[key] = found
    return found


def _find_module_file(directory: str, parts: list[str]) -> tuple[str, str] | None:
    """``pkg/mod.py`` (or ``pkg/mod/__init__.py``) for ``pkg.mod.attr`` in ``directory`` or up to seven parents (a
    module four packages deep imports its package by its absolute name: ``src/auslib/web/admin/views/x.py`` names
    ``auslib.web.admin.views.problem``); (file, remaining path)."""
    for _ in range(8):
        head_key = (directory, parts[0])
        if head_key not in _HEADS:  # one stat per package name and directory, not one per call
            _HEADS[head_key] = os.path.exists(os.path.join(directory, parts[0])) or os.path.isfile(
                os.path.join(directory, parts[0] + ".py"))
        if _HEADS[head_key]:
            for cut in range(len(parts) - 1, 0, -1):
                candidate = os.path.join(directory, *parts[:cut]) + ".py"
                if os.path.isfile(candidate):
                    return candidate, ".".join(parts[cut:])
                package = os.path.join(directory, *parts[:cut], "__init__.py")  # ``from pkg import X`` re-exported
                if os.path.isfile(package):
                    return package, ".".join(parts[cut:])
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return None


def module_at(path: str, depth: int) -> ModuleInfo | None:
    """The module at ``path`` read at ``depth`` (how many project calls away from the audited module): cached per
    depth, since what a module resolves in turn depends on it — one cache entry per path would make the findings
    depend on which module an audit happened to read first."""
    key = (path, depth)
    if key in MODULE_CACHE:
        return MODULE_CACHE[key]
    info: ModuleInfo | None = None
    try:
        tree = ast.parse(au.read_source(path))
        info = ModuleInfo(tree, path, depth=depth)
    except (OSError, SyntaxError, ValueError, RecursionError):
        info = None
    if len(MODULE_CACHE) > 512:
        MODULE_CACHE.clear()
    MODULE_CACHE[key] = info
    return info


def class_exposed(node: ast.ClassDef) -> bool:
    """A CherryPy class whose public methods are handlers (``exposed = True`` or ``@cherrypy.expose``)."""
    if any(au.dotted(d, strict=True).endswith("expose") for d in node.decorator_list):
        return True
    for stmt in node.body:
        if (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant) and stmt.value.value is True
                and any(isinstance(t, ast.Name) and t.id == "exposed" for t in stmt.targets)):
            return True
    return False


def is_classmethod(fn: FunctionNode) -> bool:
    """``@classmethod``: called on the class, its first parameter (``cls``) is not an argument."""
    return any(au.dotted(d) == "classmethod" for d in fn.decorator_list)


#: decorators of a function that answers requests the router did not match to a fixed path (``@app.errorhandler(404)``,
#: Bottle's ``@app.error(404)``, a request hook)
_ANY_PATH_HOOKS = ERROR_HANDLER_DECORATORS | {"app_errorhandler", "before_request", "before_app_request"}


def path_carries_request(fn: FunctionNode) -> bool:
    """Whether ``request.path`` is the client's text in ``fn``: in an error handler or a request hook (any path the
    client asked for, decoded: ``/<script>`` for ``/%3Cscript%3E``) or a route whose pattern has parameters; in a
    route of a fixed pattern it is that pattern."""
    for dec in fn.decorator_list:
        call = dec if isinstance(dec, ast.Call) else None
        name = au.last(au.dotted(call.func if call is not None else dec))
        if name in _ANY_PATH_HOOKS:
            return True
        pattern = au.str_const(call.args[0]) if call is not None and call.args else None
        if pattern is not None and ("<" in pattern or "{" in pattern):
            return True
    return False


def bound_once(fn: FunctionNode) -> frozenset[str]:
    """Names ``fn`` binds exactly once in its own scope (by assignment, import, ``def``, ``except … as`` or a pattern;
    not parameters, not augmented, not ``global``): the value a nested function reads of such a name is the one it was
    bound to."""
    counts: dict[str, int] = {}

    def bind(name: str | None) -> None:
        if name:
            counts[name] = counts.get(name, 0) + 1

    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bind(node.name)  # binds its name here; its body is a scope of its own
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            bind(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):  # ``try: import x`` / ``except: x = None``: two bindings
            for alias in node.names:
                bind(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar):
            bind(node.name)
        elif isinstance(node, ast.MatchMapping):
            bind(node.rest)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            counts.update(dict.fromkeys(node.names, 2))
        stack.extend(ast.iter_child_nodes(node))
    params = {a.arg for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]}
    return frozenset(n for n, c in counts.items() if c == 1 and n not in params)


def param_names(fn: FunctionNode, skip_self: bool) -> list[str]:
    names = [a.arg for a in [*fn.args.posonlyargs, *fn.args.args]]
    if skip_self and names:
        names = names[1:]
    return names + [a.arg for a in fn.args.kwonlyargs]


def names_in(node: ast.AST) -> list[str]:
    """Variable names a condition is about: ``x``, ``x.attr``, ``str(x)``, ``x.lower()``."""
    out: list[str] = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            out.append(sub.id)
    return out


def names_of_args(call: ast.Call) -> list[str]:
    out: list[str] = []
    for a in call.args:
        out.extend(names_in(a))
    return out


def _operator_attributes(tree: ast.Module) -> frozenset[str]:
    """``self.X`` names that every class of the module sets in ``__init__`` only from operator inputs: literals,
    imported modules' functions, configuration settings (``self._config['app.data_dir']``) and other such
    attributes (``self.session_dir = os.path.join(self.data_dir, 'sessions')``). Read in any other method, they are
    the operator's, not a client's."""
    found: set[str] = set()
    refused: set[str] = set()
    for cls in au.nodes_of_any(tree, ast.ClassDef):
        body = cls.body if isinstance(cls, ast.ClassDef) else []
        init = next((m for m in body if isinstance(m, ast.FunctionDef) and m.name == "__init__"), None)
        for stmt in init.body if init is not None else []:
            if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
                continue
            target = au.dotted(stmt.targets[0], strict=True)
            if not target.startswith("self.") or target.count(".") != 1:
                continue
            (found if _from_operator(stmt.value, found) else refused).add(target)
    return frozenset(found - refused)


def _from_operator(value: ast.expr, known: set[str]) -> bool:
    """Every name ``value`` reads (callees aside) lies in a configuration setting or a ``known`` attribute."""
    covered: set[int] = set()
    for n in ast.walk(value):
        if isinstance(n, ast.Call):
            covered.update(id(m) for m in ast.walk(n.func))
        elif _operator_read(n, known):
            covered.update(id(m) for m in ast.walk(n))
    names = [n for n in ast.walk(value) if isinstance(n, ast.Name)]
    return bool(names) and all(id(n) in covered for n in names)


def _operator_read(n: ast.AST, known: set[str]) -> bool:
    if isinstance(n, ast.Subscript):
        return operator_setting(au.last(au.dotted(n.value)), au.const(n.slice))
    return isinstance(n, ast.Attribute) and au.dotted(n, strict=True) in known
