"""Helpers for writing rules: make findings with a source excerpt, pick the fix for the framework."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping

from apishield.audit import astutil as au
from apishield.audit.frameworks.table import MODELLED
from apishield.audit.model import Route
from apishield.audit.rules.registry import ModuleContext, TemplateContext
from apishield.findings import Confidence, Finding, Location, Rule, Severity


def fix_text(fixes: Mapping[str, str], framework: str | None = None) -> str:
    """The fix for ``framework`` or, without one, every framework's fix (for the rule table)."""
    if framework and framework in fixes:
        return fixes[framework]
    if "any" in fixes and (framework or len(fixes) == 1):
        return fixes["any"]
    return "\n".join(f"{fw}: {text}" for fw, text in fixes.items())


#: endings of the class names of request schemas and DTOs (``UserCreate``, ``LoginSerializer``, ``OrderIn``)
SCHEMA_SUFFIXES = ("Schema", "Serializer", "Create", "Update", "In", "Request", "Body", "Payload", "DTO", "Input")

_TEST_DIRS = frozenset({"test", "tests", "testing"})
_SAMPLE_DIRS = frozenset({"fixture", "fixtures", "example", "examples", "doc", "docs"})
# a module named for tests (test.py, tests.py, testing.py, test_x.py, x_test.py, settings_test_ci.py, conf.test.py)
_TEST_NAME = re.compile(r"(^|[_.])(tests?|testing)([_.]|$)")
_DEV_NAME = re.compile(r"(^|[_.])(dev|local|debug)([_.]|$)")
# a module named for making made-up data (``generate_fake_talks.py``, ``dummy_data.py``, ``mock_users.py``)
_FAKE_DATA_NAME = re.compile(r"(^|[_.])(fake|fakes|faker|dummy|mock|mocks)([_.]|$)")


def _dirs_and_stem(path: str) -> tuple[list[str], str]:
    parts = path.replace("\\", "/").lower().split("/")
    return parts[:-1], parts[-1].rsplit(".", 1)[0]


def is_test_code(path: str) -> bool:
    """A test module or fixture (under ``tests/``, or named for tests: ``test_*.py``, ``*_test.py``, ``tests.py``,
    ``conftest.py``): the apps, routes, settings and values it holds are fixtures, not the served application."""
    dirs, stem = _dirs_and_stem(path)
    return bool(_TEST_DIRS.intersection(dirs)) or stem == "conftest" or bool(_TEST_NAME.search(stem))


def is_sample_code(path: str) -> bool:
    """Test code, a file under a fixtures, examples or docs folder, or a module named for making made-up data
    (``generate_fake_talks.py``): values there are placeholders."""
    dirs, stem = _dirs_and_stem(path)
    return is_test_code(path) or bool(_SAMPLE_DIRS.intersection(dirs)) or bool(_FAKE_DATA_NAME.search(stem))


def is_dev_module(path: str) -> bool:
    """Test code, or a module named for development (``dev.py``, ``settings_local.py``, ``config.debug.py``): the
    settings it holds are not production's. (``development.py`` is weighed against the project: :mod:`..refine`.)"""
    return is_test_code(path) or bool(_DEV_NAME.search(_dirs_and_stem(path)[1]))


def served_routes(routes: list[Route]) -> list[Route]:
    """The routes of the served application: those declared outside test code."""
    return [r for r in routes if not is_test_code(r.file)]


def module_framework(ctx: ModuleContext) -> str | None:
    frameworks = ctx.facts.get("frameworks") or set()
    for fw in MODELLED:
        if fw in frameworks:
            return fw
    return None


def imports(ctx: ModuleContext) -> au.Imports:
    table = ctx.facts.get("imports")
    if table is None:
        table = au.import_map(ctx.tree)
        ctx.facts["imports"] = table
    return dict(table)


def related(route: Route) -> dict[str, object]:
    """``extra`` naming where a route reported at its handler is registered (a SARIF related location)."""
    if route.registration is None:
        return {}
    path, line = route.registration
    return {"related": [{"path": path, "line": line, "message": "route registered here"}]}


def at(
    rule: Rule,
    path: str,
    lines: list[str],
    line: int,
    message: str,
    *,
    end_line: int | None = None,
    fix: str | None = None,
    severity: Severity | None = None,
    confidence: Confidence | None = None,
    **extra: object,
) -> Finding:
    kwargs: dict[str, object] = {}
    if fix is not None:
        kwargs["fix"] = fix
    if severity is not None:
        kwargs["severity"] = severity
    if confidence is not None:
        kwargs["confidence"] = confidence
    if extra:
        kwargs["extra"] = dict(extra)
    location = Location(path=path, line=line, end_line=end_line or line, snippet=au.line_of(lines, line))
    return Finding.from_rule(rule, message, location=location, **kwargs)


def at_node(rule: Rule, ctx: ModuleContext, node: ast.AST, message: str, **kw: object) -> Finding:
    line = getattr(node, "lineno", 1)
    end = getattr(node, "end_lineno", None) or line
    return at(rule, ctx.path, ctx.lines, line, message, end_line=end, **kw)  # type: ignore[arg-type]


def at_template(rule: Rule, ctx: TemplateContext, line: int, message: str, **kw: object) -> Finding:
    return at(rule, ctx.path, ctx.lines, line, message, **kw)  # type: ignore[arg-type]


def request_bound_forms(ctx: ModuleContext) -> frozenset[str]:
    """Form classes this module builds without arguments (``form = RegisterForm()``) that derive from Flask-WTF's
    ``FlaskForm`` (or Quart-WTF's), directly or through other forms of the module defining them, in this module or
    one of the project's it imports: such a form fills itself from the current request, so its fields hold what the
    client posted. Read through the taint analysis' module resolver, so both readings of forms are one; read once per
    module, as both password rules ask."""
    cached = ctx.facts.get("request_bound_forms")
    if cached is None:
        cached = ctx.facts["request_bound_forms"] = _request_bound_forms(ctx) if au.mentions(ctx, ("form",)) \
            else frozenset()
    return frozenset(cached)


def _request_bound_forms(ctx: ModuleContext) -> frozenset[str]:
    from apishield.audit.taint.modules import ModuleInfo  # the taint analysis' module resolver, loaded lazily

    names = {c.func.id for c in au.nodes_of(ctx.tree, ast.Call) if isinstance(c.func, ast.Name)
             and c.func.id[:1].isupper() and not c.args and not c.keywords}
    if not names:
        return frozenset()
    facts = ctx.facts.get("framework_facts")
    info = ModuleInfo(ctx.tree, getattr(facts, "abspath", "") or "")
    found: set[str] = set()
    for name in names:
        where = info.imported(name)
        if name in info.request_forms or (where is not None and au.last(where[1] or name) in where[0].request_forms):
            found.add(name)
    return frozenset(found)


def class_def(ctx: ModuleContext, name: str) -> ast.ClassDef | None:
    """The class ``name`` of this module, or the one it imports from a project file next to it."""
    for local in au.nodes_of(ctx.tree, ast.ClassDef):
        if local.name == name:
            return local
    from apishield.audit.taint.modules import ModuleInfo  # the taint analysis' module resolver, loaded lazily

    facts = ctx.facts.get("framework_facts")
    info: ModuleInfo | None = ModuleInfo(ctx.tree, getattr(facts, "abspath", "") or "")
    for _ in range(2):  # the module that defines it, or a package ``__init__`` that re-exports it from one
        if info is None:
            return None
        found = info.imported(name)
        if found is None:
            return None
        name = au.last(found[1] or name)
        defined = next((c for c in au.nodes_of(found[0].tree, ast.ClassDef) if c.name == name), None)
        if defined is not None:
            return defined
        info = found[0]
    return None


__all__ = ["at", "at_node", "at_template", "class_def", "fix_text", "imports", "module_framework", "related"]
