"""The one table of audit rules.

NOTE for rule authors (audit-core, 2026-11-23): backwards-compatible additions —
* a rule may register further checks under the same :class:`Rule` object, each its own function, in any
  scope (AS402 has a module check for ``Markup(x)`` and a template check for ``{{!x}}``; AS202 has a project
  check over the route inventory and one over Django's sign-in views in a module of their own); ``all_rules()``
  still lists each rule once, ``all_checks()`` lists every check (the engine runs those).
* ``ModuleContext.facts`` filled by the engine before module rules run: ``imports`` (local name -> dotted
  name), ``frameworks`` (set of "flask"/"bottle"/"cherrypy"/"fastapi"/"connexion"), ``routes``
  (list of :class:`apishield.audit.model.RawRoute`: handler name, ``handler_line``, methods, path),
  ``handlers`` (set of handler function names), ``main_guard_lines``, ``framework_facts``.
* ``ProjectContext.facts``: ``routes`` (resolved :class:`apishield.audit.model.Route`), ``apps``,
  ``inventory``, ``config``.
* Project rules must not rely on ``ModuleContext.tree``: on large trees modules are analysed in worker processes
  and come back with ``facts`` and ``lines`` only (the tree is an empty ``ast.Module``; the engine puts the source
  back from the lines before the project phase). Compute what a project rule needs in module scope and leave it in
  ``facts`` (AS608 and AS610 do); ``tests/audit/test_parallel_audits_find_what_serial_ones_do.py`` holds the two
  ways to the same findings.

A rule is a :class:`~apishield.findings.Rule` (id, title, CWE ids, OWASP category, severity, confidence, fix)
plus a check function. Per-module checks take a :class:`ModuleContext` and yield findings; project checks
(the "missing X" rules that need every route of the app) are registered with ``scope="project"`` and take
the whole :class:`ProjectContext`. The check's docstring is its documentation page: the README rule
reference and the SARIF rule list are generated from this table.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from apishield.findings import Finding, Rule
from apishield.registry import Registry, RegistryError

Scope = Literal["module", "template", "project"]


@dataclass(slots=True)
class ModuleContext:
    """One parsed Python file. ``path`` is relative to the scanned root (POSIX separators)."""

    path: str
    source: str
    tree: ast.Module
    lines: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # framework models attach what they learn here


@dataclass(slots=True)
class TemplateContext:
    """One template file (.tpl, .html, .jinja, .j2)."""

    path: str
    source: str
    lines: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ProjectContext:
    """Everything the engine learnt about the scanned tree: modules, templates, routes, apps."""

    root: str
    modules: list[ModuleContext] = field(default_factory=list)
    templates: list[TemplateContext] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


CheckFn = Callable[[Any], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class RegisteredRule:
    rule: Rule
    scope: Scope
    check: CheckFn

    @property
    def doc(self) -> str:
        return (self.check.__doc__ or self.rule.description).strip()


def _check_order(r: RegisteredRule) -> tuple[str, str, str, str]:
    return (r.rule.id, r.scope, r.check.__module__, r.check.__qualname__)


#: one check per rule id (the rule's first), iterated by id; further checks of a rule apart, one per function
RULES: Registry[RegisteredRule] = Registry("audit rule", name=lambda r: r.rule.id, sort_key=lambda r: r.rule.id)
_EXTRA: Registry[RegisteredRule] = Registry(
    "audit rule check", name=lambda r: ":".join(_check_order(r)), sort_key=_check_order
)


def rule(definition: Rule, scope: Scope = "module") -> Callable[[CheckFn], CheckFn]:
    """Register ``definition`` with the decorated check function. Ids are unique; a rule may add further checks,
    each its own function, under the same :class:`Rule` (a module check and a template check of AS402)."""

    def decorate(fn: CheckFn) -> CheckFn:
        entry = RegisteredRule(definition, scope, fn)
        if definition.id in RULES:
            known = RULES.get(definition.id)
            if known.check is fn:
                return fn
            if known.rule != definition:
                raise RegistryError(f"audit rule {definition.id} registered twice")
            _EXTRA.register(entry)
            return fn
        RULES.register(entry)
        return fn

    return decorate


def all_rules() -> list[RegisteredRule]:
    """Every registered rule, sorted by id."""
    return list(RULES)


def all_checks() -> list[RegisteredRule]:
    """Every check function (a rule may have several), sorted by rule id and scope."""
    return sorted([*RULES, *_EXTRA], key=_check_order)


def get_rule(rule_id: str) -> Rule:
    """The rule registered under ``rule_id``; :class:`RegistryError` naming the known ids otherwise."""
    return RULES.get(rule_id).rule


__all__ = [
    "RULES",
    "CheckFn",
    "ModuleContext",
    "ProjectContext",
    "RegisteredRule",
    "Scope",
    "TemplateContext",
    "all_checks",
    "all_rules",
    "get_rule",
    "rule",
]
