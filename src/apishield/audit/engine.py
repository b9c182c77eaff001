"""The audit engine: discover → parse → framework facts → module/template rules (in parallel) → inventory →
project rules → suppressions, severity overrides, filters and baseline.

Every rule module under :mod:`apishield.audit.rules` is imported, so a rule registers itself just by existing.
A file that cannot be read or parsed, and a rule that fails on one file, each produce one warning; the scan
goes on.
"""

from __future__ import annotations

import ast
import gc
import importlib
import os
import pkgutil
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from apishield.audit import astutil as au
from apishield.audit import baseline as baseline_mod
from apishield.audit import star_imports
from apishield.audit.config import AuditConfig
from apishield.audit.discover import SourceFile, discover, projects
from apishield.audit.frameworks import aiohttp, bottle, cherrypy, connexion, django, fastapi, flask
from apishield.audit.frameworks.scan import Scan
from apishield.audit.frameworks.table import DECORATOR_ROUTES, IMPORTED, MODELLED
from apishield.audit.inventory import Inventory
from apishield.audit.model import App, ModuleFacts, Route
from apishield.audit.model_owners import model_owners
from apishield.audit.modernise import modernise
from apishield.audit.ownership import (
    caller_scoped,
    client_chosen_ids,
    id_callees,
    id_models,
    owner_scoping_functions,
    parent_dependency_names,
    unchecked_id_params,
)
from apishield.audit.refine import refine
from apishield.audit.rules._config_classes import dev_branch_lines
from apishield.audit.rules.registry import (
    ModuleContext,
    ProjectContext,
    RegisteredRule,
    TemplateContext,
    all_checks,
    all_rules,
)
from apishield.audit.scoping import scoping_functions
from apishield.audit.suppress import is_suppressed, suppressions
from apishield.errors import ConfigError
from apishield.findings import Finding, Rule

PARALLEL_THRESHOLD = 96  # files: from this many on, a process pool is used whatever their size
PARALLEL_MIN_FILES = 8  # fewer files than this never pay for a process pool
# bytes of source below which a process pool costs about what it saves. Measured on 2 cores (wall, best of 5,
# BenchmarkPython slices, serial vs 2 workers): 48 files / 100 KB 0.24 vs 0.21 s; 96 / 190 KB 0.33 vs 0.31 s;
# 192 / 370 KB 0.47 vs 0.34 s; 768 / 1.5 MB 1.50 vs 0.87 s. So a few dozen large modules go to the pool too.
PARALLEL_MIN_BYTES = 192 * 1024
PROGRESS_THRESHOLD = 300
GC_EVERY = 256  # files analysed between explicit garbage collections while the automatic collector is paused
_MODELS: dict[str, Callable[[Scan], None]] = {
    "flask": flask.analyse,
    "bottle": bottle.analyse,
    "cherrypy": cherrypy.analyse,
    "fastapi": fastapi.analyse,
    "connexion": connexion.analyse,
}
_rules_loaded = False


def load_rules() -> list[RegisteredRule]:
    """Import every module in :mod:`apishield.audit.rules` (each registers its checks) and list the rules."""
    global _rules_loaded
    if not _rules_loaded:
        import apishield.audit.rules as package

        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            if info.name not in {"registry", "base"} and not info.name.startswith("_"):
                importlib.import_module(f"{package.__name__}.{info.name}")
        _rules_loaded = True
    return all_checks()


@dataclass(slots=True)
class FileResult:
    path: str
    module: ModuleContext | None = None
    template: TemplateContext | None = None
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    suppressions: dict[int, set[str]] = field(default_factory=dict)


@dataclass(slots=True)
class AuditResult:
    findings: list[Finding]
    routes: list[Route]
    apps: list[App]
    rules: list[Rule]
    stats: dict[str, Any]
    warnings: list[str]


def _parse(source: str, relpath: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning for odd escapes in scanned code is not ours to raise
        return ast.parse(source, filename=relpath)


def parse_module(relpath: str, source: str, abspath: str = "") -> ModuleContext:
    """Parse ``source`` and attach the framework facts. Raises :class:`SyntaxError` (or ValueError) if unparsable."""
    try:
        tree = _parse(source, relpath)
    except SyntaxError:
        modern = modernise(source)
        if modern == source:
            raise
        tree = _parse(modern, relpath)
    star_imports.expand(tree, abspath)
    ctx = ModuleContext(path=relpath, source=source, tree=tree, lines=source.splitlines())
    scan = Scan.build(relpath, tree, abspath, source)
    frameworks = set(scan.facts.frameworks)
    if not frameworks & DECORATOR_ROUTES and _has_route_decorators(tree):
        frameworks.add("flask")  # a routes module that only imports its app: Flask is by far the most common
        scan.facts.frameworks.add("flask")
    if aiohttp.imported(scan):
        frameworks.add("aiohttp")  # its decorator routes are read as Flask's; its handlers return response objects
    frameworks |= {IMPORTED[root] for value in scan.imports.values() if (root := value.split(".", 1)[0]) in IMPORTED}
    for name in MODELLED:
        if name in frameworks:
            _MODELS[name](scan)
    if scan.facts.links:
        development = dev_branch_lines(tree)
        for link in scan.facts.links:
            link.development = link.line in development
    scan.facts.abspath = abspath
    scan.facts.flags["views"] = django.views(tree, scan.imports, abspath)  # taint handlers, not routes
    # connexion's operations are named in a specification, not beside the function
    scan.facts.flags["spec_handlers"] = connexion.operations(abspath)
    aiohttp.middlewares(tree, scan)
    ctx.facts.update(
        {
            "imports": scan.imports,
            "frameworks": frameworks,
            "framework_facts": scan.facts,
            "routes": scan.facts.routes,  # RawRoute list: handler names/lines (taint sources for CherryPy/FastAPI)
            "handlers": scan.facts.handler_names(),
            "main_guard_lines": au.in_main_guard(tree),
            "max_content_length": "MAX_CONTENT_LENGTH" in source,
            "abspath": abspath,
        }
    )
    ctx.facts["unchecked_ids"] = unchecked_id_params(tree, ctx.facts["handlers"])
    ctx.facts["id_callees"] = id_callees(tree, ctx.facts["unchecked_ids"], scan.imports)
    ctx.facts["scoping_functions"] = scoping_functions(tree, ctx.lines)
    ctx.facts["parent_dependencies"] = parent_dependency_names(tree, ctx.facts["unchecked_ids"], scan.imports)
    ctx.facts["owner_scoping_functions"] = owner_scoping_functions(tree)
    ctx.facts["id_models"] = id_models(tree, ctx.facts["unchecked_ids"])
    ctx.facts["models"] = model_owners(tree)
    ctx.facts["caller_scoped"] = caller_scoped(tree, ctx.facts["handlers"])
    ctx.facts["client_ids"] = client_chosen_ids(tree, ctx.facts["handlers"])
    return ctx


def _has_route_decorators(tree: ast.Module) -> bool:
    for fn in au.functions(tree):
        for dec in fn.decorator_list:
            if (
                isinstance(dec, ast.Call)
                and isinstance(dec.func, ast.Attribute)
                and dec.func.attr in {"route", "get", "post", "put", "delete", "patch"}
            ):
                return True
    return False


def _run_checks(rules: list[RegisteredRule], ctx: Any, out: FileResult) -> None:
    for registered in rules:
        try:
            out.findings.extend(registered.check(ctx))
        except Exception as exc:
            out.warnings.append(f"{ctx.path}: rule {registered.rule.id} failed: {type(exc).__name__}: {exc}")


_EMPTY_MODULE = ast.Module(body=[], type_ignores=[])


def analyse_file(file: SourceFile, disabled: frozenset[str] = frozenset(), strip: bool = False) -> FileResult:
    """Parse one file and run its module or template rules (runs in worker processes)."""
    rules = [r for r in load_rules() if r.rule.id not in disabled]
    out = FileResult(file.relpath)
    try:
        source = au.read_source(file.abspath)
    except OSError as exc:
        out.warnings.append(f"{file.relpath}: cannot read ({exc.strerror or exc})")
        return out
    lines = source.splitlines()
    out.suppressions = suppressions(lines)
    if file.kind == "template":
        out.template = TemplateContext(path=file.relpath, source=source, lines=lines)
        _run_checks([r for r in rules if r.scope == "template"], out.template, out)
        return out
    try:
        out.module = parse_module(file.relpath, source, file.abspath)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, SyntaxError) and exc.lineno else ""
        out.warnings.append(f"{file.relpath}: skipped, cannot parse as Python{where}")
        return out
    except Exception as exc:  # a construct the fact extraction does not expect: one file lost, not the whole audit
        out.warnings.append(f"{file.relpath}: skipped, internal error while reading it ({type(exc).__name__}: {exc})")
        return out
    _run_checks([r for r in rules if r.scope == "module"], out.module, out)
    if strip:
        # project rules read facts and lines only; not shipping the tree back saves the parent most of its work
        out.module.tree = _EMPTY_MODULE
        out.module.source = ""
        out.module.facts.pop(au.FOLDED_SOURCE, None)
    return out


def _restore_sources(modules: list[ModuleContext]) -> None:
    """Give back its source, from the lines kept, to each module a worker process stripped: the refinements read
    project sources (a name mentioned anywhere, a class loaded), and a large project, read in worker processes,
    must be refined as a small one is. The tree is not given back: project checks read facts and lines."""
    for module in modules:
        if not module.source and not module.tree.body and module.lines:
            module.source = "\n".join(module.lines) + "\n"


def _total_bytes(files: list[SourceFile], enough: int) -> int:
    """Size of the sources (stops counting at ``enough``); unreadable files count as empty."""
    total = 0
    for file in files:
        try:
            total += os.path.getsize(file.abspath)
        except OSError:
            continue
        if total >= enough:
            break
    return total


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause automatic cyclic garbage collection for the analysis (the caller collects every :data:`GC_EVERY`).

    Parsing allocates thousands of AST nodes per file, so the collector would otherwise run every few hundred
    nodes and, every so often, traverse every live tree and cache: that was ~40% of the audit's CPU time, for
    almost no garbage (ASTs and findings hold no reference cycles).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_worker_files = 0


def _worker_init() -> None:
    """Worker start: everything inherited from the parent is long-lived, so freeze it out of collections."""
    gc.disable()
    gc.freeze()


def _analyse_in_worker(file: SourceFile, disabled: frozenset[str]) -> FileResult:
    global _worker_files
    _worker_files += 1
    if _worker_files % GC_EVERY == 0:
        gc.collect(1)  # the young generations only: what the last files allocated
    return analyse_file(file, disabled, strip=True)


def _analyse_all(
    files: list[SourceFile], disabled: frozenset[str], jobs: int | None, progress: bool
) -> list[FileResult]:
    with _gc_paused():
        return _analyse_files(files, disabled, jobs, progress)


def _analyse_files(
    files: list[SourceFile], disabled: frozenset[str], jobs: int | None, progress: bool
) -> list[FileResult]:
    workers = jobs or min(os.cpu_count() or 1, 8)
    parallel = (
        workers > 1
        and len(files) >= PARALLEL_MIN_FILES
        and (len(files) >= PARALLEL_THRESHOLD or _total_bytes(files, PARALLEL_MIN_BYTES) >= PARALLEL_MIN_BYTES)
    )
    bar = None
    if progress and len(files) >= PROGRESS_THRESHOLD:
        from rich.progress import Progress

        bar = Progress(transient=True)
        bar.start()
        task = bar.add_task("auditing", total=len(files))
    results: list[FileResult] = []
    try:
        if parallel:
            with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init) as pool:
                chunk = max(1, len(files) // (workers * 8))
                for result in pool.map(_analyse_in_worker, files, [disabled] * len(files), chunksize=chunk):
                    results.append(result)
                    if bar is not None:
                        bar.advance(task)
        else:
            for count, file in enumerate(files, 1):
                if count % GC_EVERY == 0:
                    gc.collect(1)
                results.append(analyse_file(file, disabled))
                if bar is not None:
                    bar.advance(task)
    finally:
        if bar is not None:
            bar.stop()
    return results


def _filter(findings: list[Finding], config: AuditConfig) -> list[Finding]:
    out: list[Finding] = []
    for f in findings:
        if f.rule_id in config.severity:
            f = replace(f, severity=config.severity[f.rule_id])
        if f.severity < config.min_severity or f.confidence < config.min_confidence:
            continue
        out.append(f)
    return out


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, int, str]] = set()
    out: list[Finding] = []
    for f in findings:
        key = (f.rule_id, f.location.path if f.location else "", f.location.line if f.location else 0, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def audit_root(
    root: str, config: AuditConfig, *, jobs: int | None = None, progress: bool = False,
    files: list[SourceFile] | None = None,
) -> tuple[list[Finding], list[Route], list[App], dict[str, Any], list[str]]:
    """Audit one project (a PATH, or ``files`` under ``root``): findings (suppressions applied), routes, apps,
    stats, warnings."""
    started = time.perf_counter()
    rules = [r for r in load_rules() if r.rule.id not in config.disable]
    files = discover(root, config.exclude) if files is None else files
    results = _analyse_all(files, config.disable, jobs, progress)
    modules = [r.module for r in results if r.module is not None]
    templates = [r.template for r in results if r.template is not None]
    facts: list[ModuleFacts] = [m.facts["framework_facts"] for m in modules]
    inventory = Inventory(facts)
    base = os.path.abspath(root) if os.path.isdir(root) else os.path.dirname(os.path.abspath(root))
    project = ProjectContext(
        root=base,
        modules=modules,
        templates=templates,
        facts={
            "inventory": inventory,
            "routes": inventory.routes,
            "apps": list(inventory.apps.values()),
            "config": config,
        },
    )
    findings = [f for r in results for f in r.findings]
    warnings_out = [w for r in results for w in r.warnings]
    _restore_sources(modules)
    holder = FileResult("<project>")
    _run_checks([r for r in rules if r.scope == "project"], project, holder)
    findings = refine([*findings, *holder.findings], project)
    warnings_out += holder.warnings
    tables = {r.path: r.suppressions for r in results}
    kept: list[Finding] = []
    suppressed = 0
    for f in _dedupe(findings):
        if f.location is not None and is_suppressed(f, tables.get(f.location.path, {})):
            suppressed += 1
        else:
            kept.append(f)
    frameworks = sorted({r.framework for r in inventory.routes})
    stats = {
        "files": len(files),
        "python_files": sum(1 for f in files if f.kind == "python"),
        "templates": sum(1 for f in files if f.kind == "template"),
        "unparsable": sum(1 for r in results if r.module is None and r.template is None),
        "routes": len(inventory.routes),
        "apps": len(inventory.apps),
        "frameworks": frameworks,
        "suppressed": suppressed,
        "seconds": round(time.perf_counter() - started, 3),
    }
    return kept, inventory.routes, list(inventory.apps.values()), stats, warnings_out


def run(
    paths: Sequence[str],
    config: AuditConfig | None = None,
    *,
    jobs: int | None = None,
    progress: bool = False,
    baseline: str | None = None,
) -> AuditResult:
    """Audit every path in ``paths``. Paths in one import tree are one project (:func:`discover.projects`);
    findings' paths are relative to their project's root."""
    config = config or AuditConfig()
    if not paths:
        raise ConfigError("no path to audit; give a directory or a file")
    for path in paths:
        if not os.path.exists(path):
            raise FileNotFoundError(f"no such file or directory: {path}")
    django.forget()  # URL configurations may have changed since an earlier audit in this process
    started = time.perf_counter()
    all_findings: list[Finding] = []
    routes: list[Route] = []
    apps: list[App] = []
    warnings_out: list[str] = []
    totals: dict[str, Any] = {}
    for project in projects(paths, config.exclude):
        with _gc_paused():  # the project phase walks every module's facts too; the caller's objects are small
            found, r, a, stats, w = audit_root(project.root, config, jobs=jobs or config.jobs, progress=progress,
                                               files=project.files)
        all_findings += found
        routes += r
        apps += a
        warnings_out += w
        for key, value in stats.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                totals[key] = totals.get(key, 0) + value
            elif isinstance(value, list):
                totals[key] = sorted(set(totals.get(key, [])) | set(value))
    filtered = _filter(all_findings, config)
    baseline_path = baseline or config.baseline
    if baseline_path:
        known = baseline_mod.load(baseline_path)
        before = len(filtered)
        filtered = baseline_mod.new_only(filtered, known)
        totals["baselined"] = before - len(filtered)
    totals["findings"] = len(filtered)
    totals["seconds"] = round(time.perf_counter() - started, 3)
    totals["warnings"] = len(warnings_out)
    load_rules()
    rules = [r.rule for r in all_rules() if r.rule.id not in config.disable]
    return AuditResult(filtered, routes, apps, rules, totals, warnings_out)


__all__ = ["AuditResult", "FileResult", "analyse_file", "audit_root", "load_rules", "parse_module", "run"]
