"""Intraprocedural taint analysis with one-level (and cross-module) helper summaries and constant folding.

* :mod:`.values` — the abstract value (:class:`Val`: origins, sanitised kinds, constant, known elements), joins,
  and the result records;
* :mod:`.catalogue` — request sources, sinks, sanitisers (framework names come from
  :mod:`apishield.audit.frameworks.table`);
* :mod:`.parameters` — what a handler's parameters can hold before its body runs (router-converted path variables,
  validated scalars and patterns);
* :mod:`.modules` — one module's functions, classes and imports, and the project files its imports name;
* :mod:`.interpreter`, :mod:`.calls` and :mod:`.project_calls` — the abstract interpreter of a function body (the
  last follows calls into the project's own functions and methods through their summaries; :mod:`.comprehensions`
  reads comprehensions for it);
* :mod:`.analysis` — route handlers and their parameters, helper summaries, and the per-module result that
  :mod:`apishield.audit.rules.injection` turns into findings.

A new source or sink is one entry in the catalogue; a new framework is one entry in the framework table.
"""

from __future__ import annotations

from apishield.audit.taint.analysis import Analysis, HandlerReturn, analyse, analyse_context
from apishield.audit.taint.calls import Interpreter
from apishield.audit.taint.modules import ModuleInfo
from apishield.audit.taint.values import ALL, CLEAN, EXC, KINDS, REQUEST, UNKNOWN, Hit, Summary, Val, join, merge_parts

__all__ = [
    "ALL", "CLEAN", "EXC", "KINDS", "REQUEST", "UNKNOWN", "Analysis", "HandlerReturn", "Hit", "Interpreter",
    "ModuleInfo", "Summary", "Val", "analyse", "analyse_context", "join", "merge_parts",
]
