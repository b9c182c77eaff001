"""Abstract values of the taint analysis: which origins reach a value, what it is sanitised for, its constant.

Every expression evaluates to a :class:`Val`: which *origins* reach it (``"request"`` for request data, ``"exc"``
for exception text, ``"p0"``… for a helper's parameters), which sink kinds it has been *sanitised* for, its
constant value when it is known, and the known elements of lists/dicts/ConfigParser objects. Also the result
records (:class:`Hit`, :class:`Summary`) and the constant folding of operators.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from apishield.audit import astutil as au
from apishield.audit.taint.catalogue import HOST_ATTRS


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
KINDS = ("sql", "shell", "code", "deser", "ssrf", "path", "redirect", "ssti", "html", "regex", "exc", "ldap", "xpath",
         "xml", "xxe", "trust", "log", "header")


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

    def sanitised(self, kind: str) -> bool:
        """A guard or sanitiser has proven the value safe for ``kind`` (whatever its origin)."""
        return kind in self.clean or ALL in self.clean

    def dirty(self, kind: str) -> frozenset[str]:
        """Origins that reach a sink of ``kind`` (empty when sanitised for it)."""
        if kind in self.clean or ALL in self.clean:
            return frozenset()
        return self.taint

    @property
    def is_const(self) -> bool:
        return self.const is not UNKNOWN


def request_value(attr: str) -> Val:
    """What reading the request's ``attr`` gives: request data; the host the client named only as a place to connect
    to, clean for every other sink."""
    return Val(taint=frozenset({REQUEST}), clean=frozenset(KINDS) - {"ssrf"} if attr in HOST_ATTRS else frozenset())


CLEAN = Val()
#: the kind of a stored record a lookup answered (``Model.objects.get(...)``, ``db.get_or_404(...)``)
RECORD = "record"
#: functions that answer one stored record (or 404)
RECORD_LOOKUPS = frozenset({"get_object_or_404", "get_list_or_404", "aget_object_or_404"})
#: a record's primary key: a number or a UUID the database assigned
RECORD_KEYS = frozenset({"id", "pk", "uuid"})
#: redirects that take a model instance and send the browser to its ``get_absolute_url()`` (Django's shortcut and
#: ``resolve_url``): a stored record given there names a page of the site, whatever the request wrote into it
MODEL_REDIRECTS = frozenset({"django.shortcuts.redirect", "django.shortcuts.resolve_url"})
#: the kind of an instance of a form or serializer class whose ``save()`` answers the model instance it stored
MODEL_FORM_CLASS = re.compile(r"^class:.*(?:Form|Serializer)$")


def record_key(base: Val, attr: str) -> bool:
    """``base.attr`` is the primary key of a stored record a lookup answered: a value the database gave it, whatever
    request text selected the row — no separator, quote or markup can be in it."""
    return base.kind == RECORD and attr in RECORD_KEYS


def const(value: Any) -> Val:
    return Val(const=value)


def exception_attribute(exc: Val, attr: str) -> Val:
    """An attribute of a caught exception: its text (``e.args``, ``e.message``, the traceback), the same object
    (Bottle's ``e.exception``, an HTTP error's ``detail``), the exception it wraps with that one's own text (Flask's
    ``original_exception``, SQLAlchemy's ``orig``, ``__cause__``), or else a field that holds no text of it."""
    if attr in {"traceback", "__traceback__", "args", "message", "msg", "strerror"}:
        return Val(taint=exc.taint | {EXC}, clean=exc.clean & {EXC})
    if attr in {"exception", "detail", "description"}:
        return exc
    if attr in {"original_exception", "orig", "__cause__", "__context__"}:
        return Val(taint=exc.taint | {EXC}, kind="exception")
    return CLEAN


#: the key under which a guard on a read (not a variable) is kept in the environment: this prefix and the read's text
READ_KEY = "@"
#: what the environment keeps for a read a guard tested (``@request.args.get('next')``): only what it was proven
#: safe for counts; its origin is the read's own each time it is evaluated
GUARDED_READ = Val(taint=frozenset({READ_KEY}))


def sanitise(v: Val, kinds: Iterable[str]) -> Val:
    return replace(v, clean=v.clean | frozenset(kinds))


def spread(v: Val) -> list[Val]:
    """A container's known elements (each keeps its own sanitisation), or the value itself."""
    if v.seq is not None or v.items is not None:
        return elements(v)
    return [v]


def elements(v: Val) -> list[Val]:
    out: list[Val] = []
    if v.seq is not None:
        out.extend(v.seq)
    if v.items is not None:
        out.extend(val for _, val in v.items)
    return out


def merge_parts(parts: Sequence[Val], *, formatted: bool = False, kind: str = "") -> Val:
    """A value computed from ``parts`` (concatenation, an unknown call): union of taint, clean only if all agree.
    The agreement is among the tainted parts; with none, among the parts of unknown origin that are not literals
    (``f"{uuid4()}{ext}"`` with ``ext`` from ``splitext`` is safe as a path whatever ``ext`` came from)."""
    taint: frozenset[str] = frozenset()
    clean: frozenset[str] | None = None
    unknown: frozenset[str] | None = None  # what every untainted, non-literal part is clean for
    any_dynamic = False
    for p in parts:
        if p.taint:
            taint |= p.taint
            clean = p.clean if clean is None else clean & p.clean
        if not (p.is_const or p.lit):
            any_dynamic = True
            if not p.taint:
                unknown = p.clean if unknown is None else unknown & p.clean
    if not taint:
        clean = unknown
    return Val(taint=taint, clean=clean or frozenset(), formatted=formatted and any_dynamic, kind=kind,
               lit=not any_dynamic and not taint)


#: a printf-style conversion specifier (``%s``, ``%-5d``, ``%.2f``, ``%%``) and its conversion character
PRINTF_SPEC = re.compile(r"%[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])")
#: conversions that accept only numbers and print only digits, signs, points and exponents
NUMERIC_CONVERSIONS = frozenset("diouxXeEfFgG")


def printf_values(template: str, values: list[Val]) -> list[Val]:
    """The values ``template % values`` formats, each as it ends up in the text: one formatted by a numeric
    conversion (``'... WHERE id=%d' % uid``) is a number or a ``TypeError``, never request text."""
    kinds = [m.group(1) for m in PRINTF_SPEC.finditer(template) if m.group(1) != "%"]
    if len(kinds) != len(values) or "%(" in template:
        return values
    return [Val(lit=True) if kind in NUMERIC_CONVERSIONS else v for kind, v in zip(kinds, values, strict=True)]


def join(a: Val, b: Val) -> Val:
    """Least upper bound of two branches."""
    if a is b:
        return a
    clean = a.clean & b.clean if a.taint and b.taint else a.clean if a.taint else b.clean
    same_const = a.is_const and b.is_const and type(a.const) is type(b.const) and eq(a.const, b.const)
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
        kind=a.kind if a.kind == b.kind else _record_or_none(a, b),
        derived=a.derived | b.derived,
        formatted=a.formatted or b.formatted,
        lit=(a.lit or a.is_const) and (b.lit or b.is_const),
    )


def eq(x: Any, y: Any) -> bool:
    try:
        return bool(x == y)
    except Exception:
        return False


Env = dict[str, Val]


def fed_by_request(body: Sequence[ast.stmt], is_request: Callable[[str], bool], *envs: Env | None,
                   handled: frozenset[str] = frozenset(),
                   quotes: Callable[[ast.Call], frozenset[int] | None] | None = None) -> frozenset[str]:
    """``{REQUEST}`` when the statements hand the request object (``is_request``) or a variable that holds
    request data in one of ``envs`` (before or after them) to an operation whose exception may quote it: a call
    argument (``int(x)`` → ``invalid literal for int(): '<b>'``), a subscript key (``KeyError: '<b>'``), the
    receiver of a method call. Comparisons, formatting and assignments raise nothing that quotes a value; neither
    do the parameters of a parameterised query (``execute(sql, (x,))``: only the SQL text), serialisation
    (``pickle.dumps``/``json.dumps`` errors name a type), base64 and hex decoding and ``bytes.decode`` (their errors
    name a position or a byte), a command whose program is fixed and whose errors do not quote it (no ``check``; a
    ``timeout`` only when ``TimeoutExpired`` is in ``handled``: caught before), nor the arguments a project helper
    (``quotes``: the parameter indexes its own exceptions may quote) passes on only in such places."""
    names = quoted_names(body, handled, quotes)
    if any(is_request(n) for n in names):
        return frozenset({REQUEST})
    for env in envs:
        if env and any(REQUEST in env[n].taint for n in names if n in env):
            return frozenset({REQUEST})
    return frozenset()


_SERIALISERS = frozenset({"dumps", "dump"})
_DECODERS = frozenset({"b64decode", "urlsafe_b64decode", "standard_b64decode", "b32decode", "b16decode",
                       "a2b_base64", "unhexlify", "a2b_hex", "fromhex"})
_COMMANDS = frozenset({"run", "call", "check_call", "check_output", "Popen"})


def _exempt_args(call: ast.Call, handled: frozenset[str],
                 quotes: Callable[[ast.Call], frozenset[int] | None] | None = None) -> list[ast.AST]:
    """The argument subtrees of ``call`` whose values its exceptions never quote."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name in {"execute", "executemany"} and isinstance(func, ast.Attribute):
        return [*call.args[1:], *call.keywords]
    if name in _SERIALISERS or name in _DECODERS:
        return [*call.args, *call.keywords]
    if name == "decode" and isinstance(func, ast.Attribute):
        return [func.value, *call.args, *call.keywords]
    quoted = quotes(call) if quotes is not None else None
    if quoted is not None:
        return [a for i, a in enumerate(call.args) if i not in quoted]
    if name in _COMMANDS:
        kw = {k.arg: k.value for k in call.keywords if k.arg}
        flag = kw.get("check")
        check = name in {"check_call", "check_output"} or (
            flag is not None and not (isinstance(flag, ast.Constant) and not flag.value))
        quotes_cmd = check or ("timeout" in kw and "TimeoutExpired" not in handled)
        if quotes_cmd or not call.args:
            return []
        cmd = call.args[0]
        shell = kw.get("shell")
        if isinstance(shell, ast.Constant) and shell.value is True:
            return [cmd]  # the program is the shell: nothing raised names the command line
        if isinstance(cmd, (ast.List, ast.Tuple)) and cmd.elts and isinstance(cmd.elts[0], ast.Constant):
            return list(cmd.elts[1:])  # FileNotFoundError names only the fixed program
    return []


def quoted_names(body: Sequence[ast.stmt], handled: frozenset[str] = frozenset(),
                 quotes: Callable[[ast.Call], frozenset[int] | None] | None = None) -> set[str]:
    """Names whose value an exception raised by ``body`` may quote (see :func:`fed_by_request`)."""
    exempt: set[int] = set()
    places: list[ast.AST] = []
    for st in body:
        for node in au.walk_once(st):
            if isinstance(node, ast.Call):
                for sub in _exempt_args(node, handled, quotes):
                    exempt.update(id(n) for n in outside_calls(sub))
                places.extend([*node.args, *(k.value for k in node.keywords)])
                if isinstance(node.func, ast.Attribute):
                    places.append(node.func.value)
            elif isinstance(node, ast.Subscript):
                places.append(node.slice)
    return {n.id for p in places for n in au.walk_once(p)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and id(n) not in exempt}


def outside_calls(node: ast.AST, through_format: bool = False) -> list[ast.AST]:
    """``node`` and what it contains, except inside calls: ``execute(q, (int(x),))`` exempts the tuple, while
    ``int(x)`` is a call of its own whose error quotes ``x``; ``hash(pw)`` is a call's result, not ``pw``. With
    ``through_format`` the arguments of ``"...{}".format(x)`` count as part of the text."""
    out, stack = [], [node]
    while stack:
        cur = stack.pop()
        out.append(cur)
        if not isinstance(cur, ast.Call):
            stack.extend(ast.iter_child_nodes(cur))
        elif through_format and isinstance(cur.func, ast.Attribute) and cur.func.attr == "format":
            stack.extend([*cur.args, *(k.value for k in cur.keywords)])
    return out


def _record_or_none(a: Val, b: Val) -> str:
    """A lookup's record joined with ``None`` (``try: row = get(...) except: row = None``) is still a record where it
    is one: its key stays the number the database gave."""
    for one, other in ((a, b), (b, a)):
        if one.kind == RECORD and other.is_const and other.const is None:
            return RECORD
    return ""


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
            if key.startswith(READ_KEY):  # a read tested on one branch only is not known tested after the join
                continue
            picked = va if vb is None else vb
            if picked is not None:
                out[key] = picked
        else:
            out[key] = join(va, vb)
    return out


@dataclass(slots=True)
class Returned:
    """A value a function hands back, with the node that returns it."""

    value: Val
    node: ast.AST


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
    ret_from_args: bool = False  # ... from literals and the parameters that flow to it, nothing else
    quotes: frozenset[int] | None = None  # parameter indexes its exceptions may quote (None: any of them)
    # a tuple returned whole (``return sql, params``): per element, the parameters that reach it, whether request
    # data does, and whether it is made of literals; unpacking the call's result keeps each element's own origin
    ret_seq: tuple[tuple[frozenset[int], bool, bool], ...] | None = None
    # what the return value is clean for along each parameter's own path (``basedir / secure_filename(name)``:
    # the name's path is path-safe, the directory's not), where that says more than ``ret_clean``
    flow_clean: tuple[tuple[int, frozenset[str]], ...] = ()


def hashable(x: Any) -> bool:
    try:
        hash(x)
    except TypeError:
        return False
    return True


def safe(fn: Any) -> Any:
    try:
        return fn()
    except Exception:
        return UNKNOWN


def fmt(x: Any) -> str:
    return str(x)


def fold_unary(op: ast.unaryop, x: Any) -> Any:
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


def combine(op: ast.operator, a: Val, b: Val) -> Val:
    """The value of ``a <op> b``: folded when both are constants; ``"…%s" % x`` as the parts it formats; a path joined
    with ``/`` still a path; two known sequences added element by element; any other ``+``/``%`` formatted text."""
    if a.is_const and b.is_const:
        result = safe(lambda: fold_binop(op, a.const, b.const))
        if result is not UNKNOWN:
            return const(result)
    if isinstance(op, ast.Mod) and (a.is_const and isinstance(a.const, str)):
        return merge_parts([a, *printf_values(a.const, spread(b))], formatted=True)
    if isinstance(op, ast.Div) and (a.kind in {"path", "resolved"} or b.kind == "path" or (
            a.lit and not a.is_const and b.taint)):
        # a directory the program computed from literals (``BASE_DIR / "uploads"``, its kind lost at module level)
        # joined with a value: only a path is divided by text
        return merge_parts([a, b], kind="path")
    if isinstance(op, ast.Add) and a.seq is not None and b.seq is not None:
        return Val(taint=a.taint | b.taint, seq=a.seq + b.seq)
    formatted = isinstance(op, (ast.Add, ast.Mod))
    return merge_parts([a, b], formatted=formatted)


def fold_binop(op: ast.operator, a: Any, b: Any) -> Any:
    fn = _BINOPS.get(type(op))
    if fn is None:
        return UNKNOWN
    if isinstance(op, ast.Mult) and (isinstance(a, (str, bytes, list, tuple)) or isinstance(
            b, (str, bytes, list, tuple))):
        count = b if isinstance(b, int) else a
        if isinstance(count, int) and count > 10000:
            return UNKNOWN
    return fn(a, b)


def fold_compare(left: Any, ops: Sequence[ast.cmpop], rights: Sequence[Any]) -> Any:
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


def case_matches(pattern: ast.pattern, subject: Val, const_eval: Callable[[ast.AST], Any]) -> Any:
    """Whether a ``match`` case's pattern matches a subject: ``True``, ``False`` or ``UNKNOWN`` (``const_eval``
    evaluates a value pattern to its constant)."""
    if isinstance(pattern, ast.MatchAs) and pattern.pattern is None:
        return True
    if not subject.is_const:
        return UNKNOWN
    if isinstance(pattern, ast.MatchValue):
        v = const_eval(pattern.value)
        return UNKNOWN if v is UNKNOWN else eq(v, subject.const)
    if isinstance(pattern, ast.MatchSingleton):
        return pattern.value is subject.const
    if isinstance(pattern, ast.MatchOr):
        results = [case_matches(p, subject, const_eval) for p in pattern.patterns]
        if any(r is True for r in results):
            return True
        return False if all(r is False for r in results) else UNKNOWN
    return UNKNOWN


#: the kind of a mapping whose keys the code chose (a comprehension keyed by literals): its keys are literals
CODE_KEYS = "code-keys"


def element_of(v: Val) -> Val:
    """What iterating ``v`` gives: request data from the request itself, a literal from a literal container or from
    a mapping keyed by the code's own words, the join of a known container's elements, else a value of the same
    origin."""
    if v.kind == "request":
        return Val(taint=frozenset({REQUEST}))
    if v.kind == CODE_KEYS:
        return Val(lit=True)
    if v.is_const and isinstance(v.const, (str, bytes, list, tuple, set, frozenset, dict)):
        return Val(lit=True)  # an element of a literal container is itself computed from literals
    elems = elements(v)
    if elems:
        out = elems[0]
        for e in elems[1:]:
            out = join(out, e)
        return replace(out, const=UNKNOWN) if len(elems) > 1 else out
    return Val(taint=v.taint, clean=v.clean, lit=v.lit)
