"""Calls of the project's own functions and methods in the taint analysis: a summary of what each does with its
parameters applied to the caller's values (module functions, another module's, a class's static and class methods,
another method of the same class, a record class built from its fields)."""

from __future__ import annotations

import ast
from collections.abc import Collection

from apishield.audit.taint.guards import validator_guards
from apishield.audit.taint.interpreter import Evaluator
from apishield.audit.taint.modules import FunctionNode, ModuleInfo, is_classmethod, module_at, param_names
from apishield.audit.taint.values import CLEAN, REQUEST, UNKNOWN, Val, const


class ProjectCalls(Evaluator):
    """The part of the interpreter that follows calls into the project's own code."""

    def record_taint(self, node: ast.Call, methods: dict[str, FunctionNode], args: list[Val],
                     kwargs: dict[str, Val]) -> frozenset[str]:
        """A record class without its own ``__init__`` (a pydantic model, a dataclass, a ``NamedTuple``) keeps what
        it is built from as its fields: ``FetchRequest(**data).url`` is request data when ``data`` is, unless one
        of its validators sanitises or allow-lists (:func:`validator_guards`)."""
        if "__init__" in methods or any(validator_guards(m) for m in methods.values()):
            return frozenset()  # its own constructor, or a validator that sanitises or allow-lists a field
        splat = [self.expr(k.value) for k in node.keywords if k.arg is None]
        return frozenset().union(*(v.taint for v in [*args, *kwargs.values(), *splat])) & {REQUEST}

    def own_methods(self) -> Collection[str] | None:
        """The names of the methods of the class the analysed function belongs to (None outside a class)."""
        found = self.info.siblings.get(id(self.fn))
        return None if found is None else found[1].keys()

    def call_project(self, node: ast.Call, func: ast.expr, qual: str, receiver: Val | None, args: list[Val],
                     kwargs: dict[str, Val]) -> Val | None:
        target: FunctionNode | None = None
        owner: ModuleInfo = self.info
        skip_self = False
        via = ""
        ctor_kind = ""
        fields: frozenset[str] = frozenset()
        if isinstance(func, ast.Name):
            name = func.id
            if name in self.local_defs:
                target = self.local_defs[name]
            elif name in self.info.functions and name not in self.info.imports:
                target = self.info.functions[name]
            elif name in self.info.classes and name not in self.info.imports:
                built = self.record_taint(node, self.info.classes[name], args, kwargs)
                if name in self.info.request_forms and not node.args and not node.keywords:
                    built = frozenset({REQUEST})  # ``PostForm()``: Flask-WTF fills it from the request's form
                return Val(kind=f"class:{name}", taint=built)
            via = name
        elif isinstance(func, ast.Attribute) and receiver is not None and receiver.kind.startswith("class:"):
            cls = receiver.kind[6:]
            mod_path, _, cname = cls.rpartition("|")
            holder = self.info if not mod_path else (module_at(mod_path, self.info.depth + 1) or self.info)
            methods = holder.classes.get(cname, {})
            if func.attr in methods:
                target, owner, skip_self, via = methods[func.attr], holder, True, f"{cname}.{func.attr}"
        elif (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
              and func.value.id in self.info.classes and func.value.id not in self.info.imports):
            # ``Repo.find(x)`` on a class of this module: a static or class method (or an explicit ``self``)
            method = self.info.classes[func.value.id].get(func.attr)
            if method is not None:
                target, skip_self, via = method, is_classmethod(method), f"{func.value.id}.{func.attr}"
        elif (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self"
              and id(self.fn) in self.info.siblings):
            # ``self._answer(x)`` inside a method: another method of the same class, followed like a helper
            cname, siblings = self.info.siblings[id(self.fn)]
            if func.attr in siblings and siblings[func.attr] is not self.fn:
                target, skip_self, via = siblings[func.attr], True, f"{cname}.{func.attr}"
        if target is None and qual and ("." in qual or qual in self.info.relative) and qual.split(".")[0] not in {
                "self", "cls"}:
            found = self.info.locate(qual)
            if found is not None:
                mod, rest = found
                if rest in mod.functions and "." not in rest:
                    target, owner, via = mod.functions[rest], mod, qual
                elif rest in mod.classes:
                    ctor_kind = f"class:{mod.abspath}|{rest}"
                    fields = self.record_taint(node, mod.classes[rest], args, kwargs)
                    if rest in mod.request_forms and not node.args and not node.keywords:
                        fields = frozenset({REQUEST})  # a Flask-WTF form of another module, filled from the request
                elif rest.count(".") == 1 and rest.split(".")[0] in mod.classes:
                    cname, meth = rest.split(".")
                    method = mod.classes[cname].get(meth)
                    if method is not None:  # ``models.Repo.find(x)``: a static or class method of another module
                        target, owner, skip_self, via = method, mod, is_classmethod(method), qual
        if ctor_kind:
            return Val(kind=ctor_kind, taint=fields)
        if target is None:
            return None
        summary = owner.summary(target, skip_self)
        if summary is None:
            return None
        positional = list(args)
        params = param_names(target, skip_self)
        for k, v in kwargs.items():
            if k in params:
                idx = params.index(k)
                while len(positional) <= idx:
                    positional.append(CLEAN)
                positional[idx] = v
        taint: frozenset[str] = frozenset({REQUEST}) if summary.returns_source else frozenset()
        cleans: list[frozenset[str]] = []
        along = dict(summary.flow_clean)
        for i in summary.flows:
            if i < len(positional) and positional[i].taint:
                taint |= positional[i].taint
                cleans.append(positional[i].clean | along.get(i, frozenset()))
        if not taint and summary.ret_from_args:
            # built only from literals and the arguments: clean for what every argument of unknown origin is
            cleans = [positional[i].clean for i in summary.flows
                      if i < len(positional) and not (positional[i].lit or positional[i].is_const)]
        clean = summary.ret_clean | (frozenset.intersection(*cleans) if cleans else frozenset())
        for kind, idxs, sink, line in summary.sinks:
            for i in idxs:
                if i < len(positional) and positional[i].taint:  # only proven flows through helpers
                    self.hit(kind, node, positional[i], sink, via=f"{via} (line {line})")
        if not taint and summary.ret_const is not UNKNOWN:
            return const(summary.ret_const)
        # literal when the helper returns literals, or composes its return from literals, configuration and its
        # arguments (``f"{settings.root}{path}"``) and every argument that reaches it is literal
        lit = (summary.ret_lit or summary.ret_from_args) and not taint and all(
            positional[i].lit or positional[i].is_const for i in summary.flows if i < len(positional))
        seq = None if summary.ret_seq is None else tuple(
            _element(flows, source, literal, positional, clean) for flows, source, literal in summary.ret_seq)
        return Val(taint=taint, clean=clean, kind=summary.ret_kind, lit=lit, seq=seq)


def _element(flows: frozenset[int], source: bool, literal: bool, positional: list[Val], clean: frozenset[str]) -> Val:
    """One element of a tuple a helper returns, given the call's arguments: tainted by the arguments that reach it."""
    taint = frozenset({REQUEST}) if source else frozenset()
    for i in flows:
        if i < len(positional):
            taint |= positional[i].taint
    lit = literal and all(positional[i].lit or positional[i].is_const for i in flows if i < len(positional))
    return Val(taint=taint, clean=clean if taint else frozenset(), lit=lit and not taint)


__all__ = ["ProjectCalls"]
