"""What a handler's parameters can hold before its body runs: path variables the router converts or holds to one
segment, arguments a router fills from code, and scalars, enumerations and word-character patterns a validating
framework enforces (FastAPI, django-ninja, Litestar). The taint analysis starts such parameters clean or confined."""

from __future__ import annotations

import ast
import re

from apishield.audit import astutil as au
from apishield.audit.taint.catalogue import ROUTE_DECORATORS

# a path parameter the router converts: Flask ``<int:id>``, Bottle ``<id:int>``, Starlette and Litestar ``{id:uuid}``
TYPED_PARAM = re.compile(r"<(?:int|float|uuid):(\w+)>|[<{](\w+):(?:int|float|uuid|decimal)[>}]")
# one path segment: Flask/Werkzeug ``<name>``, ``<string:name>``, Bottle ``<name>``, FastAPI/Starlette/aiohttp
# ``{name}`` (``<path:x>``, ``<x:path>``, ``<x:re:...>``, ``{x:path}`` and ``{x:regex}`` can hold a ``/``)
SEGMENT_PARAM = re.compile(r"<(?:string:|string\([^)]*\):)?(\w+)>|\{(\w+)\}")


def _path_params(fn: ast.FunctionDef | ast.AsyncFunctionDef, pattern: re.Pattern[str]) -> set[str]:
    """Names of the path parameters of ``fn``'s route decorators that ``pattern`` matches (group 1 or 2)."""
    out: set[str] = set()
    for dec in fn.decorator_list:
        if isinstance(dec, ast.Call) and dec.args and isinstance(dec.args[0], ast.Constant):
            path = dec.args[0].value
            if isinstance(path, str) and ("<" in path or "{" in path):
                out.update(a or b for a, b in pattern.findall(path))
    return out


#: frameworks whose router calls a handler with its URL's path variables only (and a route's ``defaults``)
PATH_ARGUMENT_FRAMEWORKS = ("flask", "quart", "bottle")


def code_supplied_params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Parameters of a handler that no literal path of its route decorators names: the router passes only path
    variables, so the route's ``defaults`` or the project's own decorator (``kwargs['info'] = user``) fills them."""
    routes = [d for d in fn.decorator_list if isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
              and d.func.attr in ROUTE_DECORATORS]
    paths = [d.args[0].value if d.args and isinstance(d.args[0], ast.Constant) else None for d in routes]
    if not routes or not all(isinstance(p, str) for p in paths):
        return set()
    named = {w for p in paths for inside in re.findall(r"<([^>]*)>", str(p)) for w in re.findall(r"\w+", inside)}
    return {a.arg for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]} - named - {"self", "cls"}


def typed_path_params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Path parameters the router converts to numbers or UUIDs: Flask ``<int:id>``, Bottle ``<id:int>``,
    Starlette ``{id:uuid}``."""
    return _path_params(fn, TYPED_PARAM)


#: scalar types a validating framework (FastAPI, django-ninja, Litestar) converts a parameter to before the handler
#: runs: the handler gets a number, a truth value, a UUID or a date, never the client's text
VALIDATED_SCALARS = frozenset({"int", "float", "bool", "UUID", "Decimal", "datetime", "date", "time", "PositiveInt",
                               "NonNegativeInt", "NegativeInt", "PositiveFloat", "NonNegativeFloat", "StrictInt",
                               "StrictBool", "StrictFloat", "UUID4", "UUID1"})
#: frameworks that validate a handler's annotated parameters against their types
VALIDATING_FRAMEWORKS = ("fastapi", "ninja", "litestar")


def _scalar(node: ast.AST | None) -> bool:
    """An annotation that is a validated scalar: ``int``, ``Optional[int]``, ``int | None``, ``Annotated[int, ...]``."""
    if node is None:
        return False
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return all(_scalar(side) or (isinstance(side, ast.Constant) and side.value is None)
                   for side in (node.left, node.right))
    if isinstance(node, ast.Subscript):
        outer = au.last(au.dotted(node.value))
        inner = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if outer == "Optional":
            return _scalar(inner[0])
        if outer == "Annotated":
            return bool(inner) and (_scalar(inner[0]) or any(_enumerated(i) for i in inner[1:]))
        return outer == "Literal"  # ``Literal["asc", "desc"]``: one of the listed constants or refused
    return au.last(au.dotted(node)) in VALIDATED_SCALARS


#: a declared pattern that admits only a list of fixed words (``^(GRCh38|GRCh37)$``)
_WORD_CHOICES = re.compile(r"\^\(?\w+(?:\|\w+)*\)?\$")


#: a declared pattern that admits only letters, digits, ``_`` and ``-`` from start to end (``^[a-z][a-z0-9_]{1,63}$``,
#: ``^\d{1,32}$``): no quote, space, separator or markup character can pass it
_WORD_CHARACTERS = re.compile(r"\^(?:\[\^?(?:[A-Za-z0-9_]|[A-Za-z0-9]-[A-Za-z0-9]|\\[dw]|\\?-)+\]|\\[dw]|[A-Za-z0-9_]|"
                              r"\{\d+(?:,\d*)?\}|[+*?])+\$")


def _enumerated(node: ast.AST | None) -> bool:
    """``Query(pattern="^(asc|desc)$")`` (FastAPI's ``Query``/``Path``/``Field``, ``regex=`` in older versions): the
    framework refuses any value but the listed words, or any but word characters (``^[a-z][a-z0-9_]{1,63}$``)."""
    if not (isinstance(node, ast.Call) and au.last(au.dotted(node.func)) in {"Query", "Path", "Field", "Form"}):
        return False
    pattern = au.str_const(au.kwarg(node, "pattern") or au.kwarg(node, "regex"))
    return pattern is not None and (_WORD_CHOICES.fullmatch(pattern) is not None or (
        _WORD_CHARACTERS.fullmatch(pattern) is not None and "[^" not in pattern))


def typed_scalar_params(fn: ast.FunctionDef | ast.AsyncFunctionDef,
                        aliases: dict[str, ast.expr] | None = None) -> set[str]:
    """Parameters annotated with a scalar type (``limit: int = Query(100)``, ``id: UUID``, ``Literal[...]``) or
    declared with a pattern of fixed words or word characters, which a validating framework converts or refuses
    before the handler runs; ``aliases`` are the module's named annotations (``IdType = Annotated[str,
    Path(pattern=...)]``)."""
    aliases = aliases or {}
    positional = [*fn.args.posonlyargs, *fn.args.args]
    defaults = dict(zip([a.arg for a in positional][len(positional) - len(fn.args.defaults):], fn.args.defaults,
                        strict=True))
    defaults.update((a.arg, d) for a, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=True) if d is not None)
    def annotation(a: ast.arg) -> ast.expr | None:
        named = aliases.get(a.annotation.id) if isinstance(a.annotation, ast.Name) else None
        return named if named is not None else a.annotation

    return {a.arg for a in [*positional, *fn.args.kwonlyargs]
            if _scalar(annotation(a)) or _enumerated(defaults.get(a.arg))}


def annotation_aliases(tree: ast.Module) -> dict[str, ast.expr]:
    """The module's named annotations: ``IdType = Annotated[str, Path(pattern=...)]`` (or ``IdType: TypeAlias =``)."""
    out: dict[str, ast.expr] = {}
    for stmt in tree.body:
        target, value = (stmt.targets[0], stmt.value) if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
            else (stmt.target, stmt.value) if isinstance(stmt, ast.AnnAssign) else (None, None)
        if isinstance(target, ast.Name) and isinstance(value, ast.Subscript) and au.last(
                au.dotted(value.value)) == "Annotated":
            out[target.id] = value
    return out


def scalar_fields(cls: ast.ClassDef) -> frozenset[str]:
    """Fields a request-body model declares with a validated scalar type (``amount: float``, ``id: int | None``):
    a validating framework parses the body into the model, so each holds a number, a truth value, a UUID or a
    date, never the client's text."""
    return frozenset(s.target.id for s in cls.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
                     and _scalar(s.annotation))


#: the kind of a request-body model's value: the names of its scalar fields follow the prefix, comma-separated
MODEL_KIND = "model:"


def segment_path_params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Path parameters the router matches within one segment (Flask ``<name>``, FastAPI ``{name}``): the
    router never passes a ``/`` in them, so they cannot name a file in another directory."""
    return _path_params(fn, SEGMENT_PARAM)


__all__ = ["MODEL_KIND", "PATH_ARGUMENT_FRAMEWORKS", "SEGMENT_PARAM", "TYPED_PARAM", "VALIDATED_SCALARS",
           "VALIDATING_FRAMEWORKS", "annotation_aliases", "code_supplied_params", "scalar_fields",
           "segment_path_params", "typed_path_params", "typed_scalar_params"]
