"""Guards: what a condition proves about the variables it tests, when it is false (an early exit was not taken)
or true (inside the ``if``). The interpreter sanitises those variables for the rest of the path.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence

from apishield.audit import astutil as au
from apishield.audit.taint.catalogue import CONTAINMENT, METACHARS, SAFE_URL, SUBPROCESS
from apishield.audit.taint.modules import ModuleInfo, names_in
from apishield.audit.taint.values import ALL, READ_KEY, REQUEST, Env, Val


def is_allow_list(node: ast.AST, lookup: Callable[[str], Val]) -> bool:
    """Whether ``node`` is what a membership test checks against: a literal collection, a name bound to a constant
    collection, or a table named as one (``ALLOWED``, ``valid_…``, ``whitelist``)."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(isinstance(e, ast.Constant) for e in node.elts)
    if isinstance(node, ast.Name):
        v = lookup(node.id)
        if v.is_const and isinstance(v.const, (list, tuple, set, frozenset, dict)):
            return True
        if v.seq is not None and all(e.is_const for e in v.seq):
            return True
        return node.id.isupper() or node.id.lower().startswith(("allowed", "valid", "whitelist", "allowlist"))
    if isinstance(node, ast.Attribute):
        return node.attr.isupper() or node.attr.lower().startswith(("allowed", "valid", "whitelist"))
    return False


def guarded_subjects(node: ast.AST, is_allow_list: Callable[[ast.AST], bool], negated: bool = False
                     ) -> list[tuple[str, str]]:
    """(variable, how it is validated) for what a *false* ``node`` proves: ``x not in ALLOWED`` false
    means x is allowed; ``not x.startswith(p)`` false means it starts with p; ``'..' in x`` false means no
    ``..``; a value bound in the test (``m := re.match(P, x)``) is proven what its source is. ``negated`` flips the
    polarity (under ``not``); ``and`` (``or`` when negated) proves nothing."""
    out: list[tuple[str, str]] = []
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return guarded_subjects(node.operand, is_allow_list, not negated)
    if isinstance(node, ast.NamedExpr):  # ``if not (m := re.match(P, x)): raise``: x is valid, and so is the match
        out = guarded_subjects(node.value, is_allow_list, negated)
        return out + [(node.target.id, how) for how in dict.fromkeys(h for _, h in out)]
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.Or) != negated:
            for value in node.values:
                out += guarded_subjects(value, is_allow_list, negated)
            out += [(n, "quoted") for n in _quoted_literal(node.values, negated)]
        return out
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        left, op, right = node.left, node.ops[0], node.comparators[0]
        positive = isinstance(op, (ast.In, ast.Eq)) != negated  # the comparison itself is asserted false
        if isinstance(op, (ast.In, ast.NotIn)):
            if isinstance(left, ast.Constant) and isinstance(left.value, str) and ".." in left.value:
                if positive:
                    out += [(n, "dotdot") for n in subjects_in(right)]
            elif isinstance(left, ast.Constant) and left.value in METACHARS and positive:
                out += [(n, "meta:" + left.value) for n in subjects_in(right)]
            elif is_allow_list(right) and not positive:
                out += [(n, _attr_test(left)) for n in subjects_in(left)]
        elif isinstance(op, (ast.Eq, ast.NotEq)) and not positive:
            for a, b in ((left, right), (right, left)):
                fixed = isinstance(b, ast.Constant) or (isinstance(b, ast.Name) and b.id.isupper())  # ALLOWED_HOST
                if fixed and not isinstance(a, ast.Constant) and not (isinstance(a, ast.Name) and a.id.isupper()):
                    out += [(n, _attr_test(a)) for n in subjects_in(a)]
        return out
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"any", "all"}:
        # ``any(c not in string.ascii_lowercase for c in name)`` false, ``all(c in ALNUM for c in name)`` true:
        # every character of ``name`` is a letter, a digit, ``-`` or ``_``
        subject = _characters_from(node, negated)
        if subject is not None:
            return [(n, "all") for n in subjects_in(subject)]
    if isinstance(node, ast.Call) and negated and node.args and SAFE_URL.search(
            au.last(au.dotted(node.func, strict=True))):
        # ``if is_safe_url(target)``, ``validators.is_safe_url(request.args.get("next"))``: a plain function or one
        # reached through its module; the first argument is checked for where it leads
        return [(n, "host") for n in subjects_in(node.args[0])]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and negated:
        meth = node.func.attr
        if meth == "startswith":
            out += [(n, "prefix") for n in subjects_in(node.func.value)]
        elif CONTAINMENT.search(meth):  # ``p.is_relative_to(BASE)``, or a module's ``paths.is_subdir(p, BASE)``
            out += [(n, "contained") for n in names_in(node.func.value)]
            out += [(n, "contained") for a in node.args for n in subjects_in(a)]
        elif meth in {"isdigit", "isalnum", "isalpha", "isnumeric", "isdecimal", "isidentifier"}:
            out += [(n, "all") for n in subjects_in(node.func.value)]
        elif meth in {"match", "fullmatch"} and node.args:
            target = node.args[-1] if au.dotted(node.func.value, strict=True) in {"re", "regex"} else node.args[0]
            out += [(n, "all") for n in subjects_in(target)]
    elif isinstance(node, ast.Call) and negated and CONTAINMENT.search(au.last(au.dotted(node.func, strict=True))):
        out += [(n, "contained") for a in node.args for n in subjects_in(a)]  # ``if not is_subdir(p, BASE): abort``
    return out


#: the ``string`` module's sets of letters and digits
_WORD_SETS = frozenset({"ascii_letters", "ascii_lowercase", "ascii_uppercase", "digits", "hexdigits", "octdigits"})


def _word_characters(node: ast.AST) -> bool:
    """``node`` is a set of characters holding only letters, digits, ``-`` and ``_``: ``string.ascii_lowercase``, a
    literal such as ``"abc123_-"``, or a sum of them."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _word_characters(node.left) and _word_characters(node.right)
    if isinstance(node, ast.Attribute):
        return au.dotted(node, strict=True) in {f"string.{name}" for name in _WORD_SETS}
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(node.value) and all(c.isascii() and (c.isalnum() or c in "-_") for c in node.value)
    return False


def _characters_from(node: ast.Call, negated: bool) -> ast.expr | None:
    """The string a character-by-character test proves made of word characters (see :func:`_word_characters`)
    when ``node`` is false (true when ``negated``): ``any(c not in S for c in x)`` false or ``all(c in S for c in x)``
    true; None for any other test."""
    if len(node.args) != 1 or not isinstance(node.args[0], ast.GeneratorExp | ast.ListComp):
        return None
    comp = node.args[0]
    gen = comp.generators[0]
    test = comp.elt
    if (len(comp.generators) != 1 or gen.ifs or not isinstance(gen.target, ast.Name)
            or not isinstance(test, ast.Compare) or len(test.ops) != 1 or not isinstance(test.left, ast.Name)
            or test.left.id != gen.target.id or not _word_characters(test.comparators[0])):
        return None
    func = node.func.id if isinstance(node.func, ast.Name) else ""
    if (func == "any" and isinstance(test.ops[0], ast.NotIn) and not negated) or (
            func == "all" and isinstance(test.ops[0], ast.In) and negated):
        return gen.iter
    return None


#: what a check of where a URL leads reads: its host, a list of allowed hosts or domains, a prefix, another check
_LOOKS_AT_HOST = re.compile(r"host|netloc|domain|origin|startswith|endswith|safe_url|relative|url_has_allowed|"
                            r"same_site|site|white_?list|allow_?list", re.IGNORECASE)


def host_blind_checks(test: ast.AST, info: ModuleInfo) -> bool:
    """``test`` calls a function of this module named as a URL check (``is_safe_url(url)``) whose body reads
    nothing of where the URL leads (only its scheme against a block-list): the name promises a host check the
    function does not make."""
    for call in au.walk(test):
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
            continue
        fn = info.functions.get(call.func.id) if SAFE_URL.search(call.func.id) else None
        if fn is None or call.func.id in info.imports:
            continue
        read = {n.attr for n in au.walk(fn) if isinstance(n, ast.Attribute)} | {
            n.id for n in au.walk(fn) if isinstance(n, ast.Name)}
        if not any(_LOOKS_AT_HOST.search(word) for word in read - {call.func.id}):
            return True
    return False


def subjects_in(node: ast.AST) -> list[str]:
    """What a guard on ``node`` proves something about: the variables in it and, when ``node`` is itself a read that
    gives the same value each time it is evaluated (``request.args.get("next")``, ``form["url"]``, ``obj.attr``),
    that read, so that the same expression read again after the test is known to be the value tested."""
    out = names_in(node)
    if not isinstance(node, ast.Name) and repeatable_read(node):
        out.append(READ_KEY + ast.unparse(node))
    return out


def repeatable_read(node: ast.AST) -> bool:
    """An attribute, subscript or ``.get``-style lookup chain rooted in a name with literal keys only: evaluated
    twice within a request it gives the same value."""
    while True:
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Subscript):
            if not isinstance(node.slice, ast.Constant):
                return False
            node = node.value
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in {"get", "getlist", "get_argument", "get_query_argument", "get_body_argument"}
              and not node.keywords and all(isinstance(a, ast.Constant) for a in node.args)):
            node = node.func.value
        else:
            return isinstance(node, ast.Name)


def _quoted_literal(values: Sequence[ast.AST], negated: bool) -> list[str]:
    """Names a test proves to be one quoted string literal: it must start and end with a quote and hold no other
    (``not s.startswith("'") or not s.endswith("'") or "'" in s[1:-1]`` false): ``eval`` of it is that string."""
    def shape(node: ast.AST) -> tuple[str, str, str] | None:
        flip = isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)
        inner = node.operand if isinstance(node, ast.UnaryOp) and flip else node
        holds = flip != negated  # whether the test without its ``not`` holds on the path that goes on
        if (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and holds
                and inner.func.attr in {"startswith", "endswith"} and len(inner.args) == 1):
            return inner.func.attr, ast.unparse(inner.func.value), str(au.const(inner.args[0], ""))
        if (isinstance(inner, ast.Compare) and len(inner.ops) == 1 and isinstance(inner.ops[0], ast.In)
                and not holds and isinstance(inner.comparators[0], ast.Subscript)):
            return "inside", ast.unparse(inner.comparators[0].value), str(au.const(inner.left, ""))
        return None
    seen = [s for s in map(shape, values) if s is not None]
    return [name for kind, name, quote in seen if kind == "startswith" and quote in {"'", '"'}
            and ("endswith", name, quote) in seen and ("inside", name, quote) in seen and name.isidentifier()]


def guarded_kinds(how: str, resolved: bool) -> set[str]:
    """The sink kinds a guard of kind ``how`` (from :func:`guarded_subjects`) makes a value safe for; ``resolved``:
    the value is a resolved path (a prefix check then confines it)."""
    if how == "host":
        return {"redirect", "ssrf"}
    if how == "scheme":
        return set()  # ``scheme in ('http', 'https')`` says nothing about where the URL goes
    if how in {"dotdot", "contained"}:
        return {"path"}
    if how.startswith("meta:"):
        return set(METACHARS[how[5:]])
    if how == "quoted":
        return {"code"}  # ``eval`` of one quoted literal is that string
    if how == "prefix":
        # a fixed start confines a resolved path or a URL's host; of other text it fixes the start alone: what
        # follows ``order_again_`` in a form key still reaches the SQL it is formatted into
        return {"path", "redirect", "ssrf"} if resolved else {"redirect"}
    return {ALL}


def _attr_test(node: ast.AST) -> str:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and sub.attr in {"netloc", "hostname", "host"}:
            return "host"
        if isinstance(sub, ast.Attribute) and sub.attr == "scheme":
            return "scheme"  # ``scheme in ('http', 'https')`` says nothing about where the URL goes
    return "all"


# Exceptions whose text describes the caller's own input (a schema's field errors, a parse error of the body).
INPUT_ERRORS = frozenset({"ValidationError", "ValidationErrors", "RequestValidationError", "JSONDecodeError",
                          "ParseError", "XMLSyntaxError", "ExpatError", "MarshmallowError", "SchemaError"})
# ``assert`` statements' errors: their text is the message the project wrote after the assertion (empty without one),
# raised by its own checks; a library's internals do not travel in them.
OWN_MESSAGE_ERRORS = frozenset({"AssertionError"})
# HTTP errors carry a fixed reason or the message the app chose (``abort(403, "...")``), never server internals.
_HTTP_ERRORS = frozenset({"HTTPException", "Unauthorized", "Forbidden", "NotFound", "BadRequest", "Conflict",
                          "MethodNotAllowed", "UnprocessableEntity", "Gone", "TooManyRequests", "NotAcceptable",
                          "RequestEntityTooLarge", "UnsupportedMediaType", "PreconditionFailed",
                          # Django REST framework's: their ``detail`` is the message the API chose for its client
                          "APIException", "AuthenticationFailed", "NotAuthenticated", "PermissionDenied", "Throttled"})
# Narrow built-in errors: when the handler answers them with a client-error status, they describe a value the
# caller sent (a bad number, an unknown sort field); a broad ``except Exception`` may be any server failure.
_VALUE_ERRORS = frozenset({"ValueError", "TypeError", "KeyError", "IndexError", "LookupError", "AttributeError",
                           "UnicodeError", "UnicodeDecodeError", "InvalidOperation"})
#: a 4xx status by its constant's name, or the exception class a framework answers with it (aiohttp's
#: ``web.HTTPBadRequest``, Werkzeug's ``BadRequest``)
_CLIENT_STATUS_NAMES = re.compile(r"^(?:HTTP_4\d\d\w*|BAD_REQUEST|UNAUTHORIZED|FORBIDDEN|NOT_FOUND|CONFLICT|GONE|"
                                  r"UNPROCESSABLE_ENTITY|UNPROCESSABLE_CONTENT|NOT_ACCEPTABLE|PRECONDITION_FAILED|"
                                  r"(?:HTTP)?(?:BadRequest|Unauthorized|Forbidden|NotFound|Conflict|Gone|"
                                  r"UnprocessableEntity|NotAcceptable|PreconditionFailed|RequestEntityTooLarge))$")
_SERVER_STATUS_NAMES = re.compile(r"^(?:HTTP_5\d\d\w*|INTERNAL_SERVER_ERROR|SERVICE_UNAVAILABLE|BAD_GATEWAY|"
                                  r"(?:HTTP)?(?:InternalServerError|ServiceUnavailable|BadGateway))$")


def _answers_client_error(body: Sequence[ast.stmt]) -> bool:
    """The ``except`` body answers with a 4xx status (``return ..., 400``, ``status_code=422``,
    ``abort(400, ...)``, ``HTTPStatus.BAD_REQUEST``) and never with a 5xx one."""
    client = server = False
    for node in (n for stmt in body for n in ast.walk(stmt)):
        code: int | None = None
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
            code = node.value
        elif isinstance(node, (ast.Attribute, ast.Name)):
            name = node.attr if isinstance(node, ast.Attribute) else node.id
            client = client or bool(_CLIENT_STATUS_NAMES.match(name))
            server = server or bool(_SERVER_STATUS_NAMES.match(name))
        if code is not None and 400 <= code <= 599:
            client, server = client or code < 500, server or code >= 500
    return client and not server


_PARSING_LIBRARIES = ("json", "ujson", "orjson", "xml", "defusedxml", "lxml", "pydantic", "marshmallow",
                      "jsonschema", "yaml.safe_load", "email_validator", "uuid", "datetime", "decimal", "ipaddress",
                      "base64", "binascii", "codecs", "pickle.loads", "re.compile", "re.match", "re.search",
                      "re.fullmatch", "urllib.parse",
                      # a token the caller sent: PyJWT's and python-jose's errors describe that token (its signature,
                      # segments, algorithm or expiry), and decoding fetches nothing
                      "jwt.decode", "jwt.get_unverified_header", "jwt.api_jwt.decode", "jose.jwt.decode",
                      "jose.jwt.get_unverified_header")
_PURE_BUILTINS = frozenset({"int", "float", "str", "bool", "len", "dict", "list", "tuple", "set", "isinstance",
                            "min", "max", "sorted", "bytes", "jsonify", "Decimal", "UUID"})
_EFFECTS = frozenset({"save", "write", "writelines", "execute", "executemany", "commit", "send", "sendall", "connect",
                      "open", "urlopen", "request", "flush", "seek"})
#: methods of text and bytes that touch nothing but the value (their errors describe the value)
_TEXT_METHODS = frozenset({"decode", "encode", "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "lower",
                           "upper", "startswith", "endswith", "replace", "casefold"})
_ENTITY_OPTIONS = frozenset({"resolve_entities", "load_dtd", "dtd_validation", "attribute_defaults"})
#: functions named for parsing or validating what they are given (their errors describe it)
_PARSER_NAME = re.compile(r"^_?(?:parse|validate)(?:_\w+)?$")
_VALIDATING_METHODS = frozenset({"load", "loads", "validate", "model_validate", "model_validate_json", "parse_obj",
                                 "parse_raw", "from_dict", "deserialize"})


def input_error_only(handler: ast.ExceptHandler, body: Sequence[ast.stmt], info: ModuleInfo,
                     envs: Sequence[Env | None], lookup: Callable[[str], Val]) -> bool:
    """Whether the exception ``handler`` catches can only describe the caller's own input or say what the
    application chose to say, so its text is client feedback rather than server internals: it catches only exception
    classes of the project itself or ``AssertionError`` (their messages are the application's), or validation/parse
    errors only
    (``ValidationError``,
    ``JSONDecodeError``, ``ParseError``…), or the guarded ``body`` does nothing but parse and validate request data
    — schema construction from it (``Login(**request.json)``), parsers (``json.loads``, ``fromstring``), pure
    builtins, and method calls on the request or on what was parsed from it. Any other call (a query, a file, the
    network, the project's own code) may fail with text about the server."""
    qualify = info.qualify
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type] if handler.type else []
    if caught and all(info.defines_class(t) for t in caught):
        return True
    names = [au.last(au.dotted(t)) for t in caught]
    if names and all(n in INPUT_ERRORS or n in _HTTP_ERRORS or n in OWN_MESSAGE_ERRORS for n in names):
        return True
    if names and all(n in _VALUE_ERRORS for n in names) and _answers_client_error(handler.body):
        return True  # the app itself calls it the caller's mistake (a 4xx answer), not a server failure
    nodes = [n for stmt in body for n in ast.walk(stmt)]
    if any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Await)) for n in nodes):
        return False
    parsed: set[str] = set()  # ``doc = fromstring(request.data)``: what the body parsed from the request

    def from_input(node: ast.expr) -> bool:
        names = [n for n in ast.walk(node) if isinstance(n, ast.Name)]
        return bool(names) and all(n.id in parsed or from_request(n, envs, lookup) for n in names)

    assigns = sorted((n for n in nodes if isinstance(n, (ast.Assign, ast.AnnAssign))), key=lambda n: n.lineno)
    for assign in assigns:
        if assign.value is not None and (from_input(assign.value) or any(
                from_input(a) for c in ast.walk(assign.value) if isinstance(c, ast.Call)
                for a in [*c.args, *(k.value for k in c.keywords)])):
            parsed.update(t for t in au.target_names(assign) if "." not in t)
    # names whose value is built with the caller's input among other parts (``command = f"ping {flag} {host}"``)
    named: set[str] = set(parsed)

    def mentions_input(node: ast.expr) -> bool:
        return any(isinstance(n, ast.Name) and (n.id in named or from_input(n)) for n in ast.walk(node))

    for assign in assigns:
        if isinstance(assign, ast.Assign) and mentions_input(assign.value):
            named.update(t for t in au.target_names(assign) if "." not in t)
    calls = [n for n in nodes if isinstance(n, ast.Call)]
    return bool(calls) and all(_input_call(c, from_input, qualify) or _runs_callers_command(c, mentions_input, qualify)
                               for c in calls)


def _input_call(call: ast.Call, is_input: Callable[[ast.expr], bool], qualify: Callable[[ast.AST], str]) -> bool:
    qual = qualify(call.func)
    name = au.last(qual) or au.last(au.dotted(call.func))
    if any(k.arg in _ENTITY_OPTIONS and not au.is_false(k.value) for k in call.keywords):
        return False  # a parser that loads DTDs / external entities can quote a server file in its error
    if qual.startswith(_PARSING_LIBRARIES):
        return True
    values = [*call.args, *(k.value for k in call.keywords)]
    if isinstance(call.func, ast.Name):
        if name in _PURE_BUILTINS:
            return True
        if _PARSER_NAME.match(name) and values and all(is_input(v) for v in values):
            return True  # ``parse_yara(body.rule)``: a function named for parsing what the caller sent
        # a class built from request data only (a request schema / DTO): its errors name the caller's fields
        return name[:1].isupper() and bool(values) and all(is_input(v) or isinstance(v, ast.Constant) for v in values)
    if isinstance(call.func, ast.Attribute):
        if name in _EFFECTS:
            return False  # ``upload.save(path)``: the file system answers
        if name in _TEXT_METHODS:
            return True  # ``out.decode()``, ``sys.platform.startswith("win")``: text in, text out (what made the
            # receiver is a call of its own, read on its own)
        if is_input(call.func.value):
            return True  # ``doc.find('name')``, ``request.get_json()``, ``body.strip()``
        return name in _VALIDATING_METHODS and bool(values) and all(is_input(v) for v in values)
    return False


def _runs_callers_command(call: ast.Call, named: Callable[[ast.expr], bool], qualify: Callable[[ast.AST], str]) -> bool:
    """A program the caller named (``subprocess.check_output(f"ping -c 1 {host}", shell=True)``): its failures (a
    non-zero exit, a timeout, no such program) quote that command, nothing of the server's."""
    qual = qualify(call.func)
    return (qual in SUBPROCESS or qual in _COMMAND_CALLS) and bool(call.args) and named(call.args[0])


_COMMAND_CALLS = frozenset({"os.system", "os.popen"})


def from_request(node: ast.expr, envs: Sequence[Env | None], lookup: Callable[[str], Val]) -> bool:
    """Every variable in ``node`` holds request data (before or after the guarded statements), or is the request."""
    names = [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]
    if not names:
        return False
    for name in names:
        vals = [env[name] for env in envs if env and name in env] or [lookup(name)]
        if not any(REQUEST in v.taint or v.kind == "request" for v in vals):
            return False
    return True


_VALIDATOR_DECORATORS = frozenset({"validator", "field_validator", "validates", "root_validator", "model_validator"})
_CASE_ONLY = frozenset({"strip", "lstrip", "rstrip", "lower", "upper", "casefold", "title"})


def validator_guards(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A record class's field validator (pydantic ``@validator``/``@field_validator``, marshmallow ``@validates``)
    that sanitises or allow-lists what it is given: it returns something else than the value (``Path(v).name``,
    ``re.sub(...)``; trimming or case changes do not count) or refuses a value not in a set (``if v not in
    ALLOWED: raise``). One that only refuses empty values or a few keywords leaves the value as the client sent it."""
    if not any(au.last(au.dotted(d.func if isinstance(d, ast.Call) else d)) in _VALIDATOR_DECORATORS
               for d in fn.decorator_list):
        return False
    params = [a.arg for a in fn.args.args]
    value = params[1] if len(params) > 1 else params[0] if params else ""
    for node in ast.walk(fn):
        if isinstance(node, ast.Return) and node.value is not None:
            ret = node.value
            if isinstance(ret, ast.Call) and isinstance(ret.func, ast.Attribute) and ret.func.attr in _CASE_ONLY:
                ret = ret.func.value
            if not (isinstance(ret, ast.Name) and ret.id == value):
                return True
        if (isinstance(node, ast.If) and isinstance(node.test, ast.Compare) and isinstance(node.test.left, ast.Name)
                and node.test.left.id == value and any(isinstance(op, ast.NotIn) for op in node.test.ops)
                and any(isinstance(s, ast.Raise) for s in node.body)):
            return True
    return False


def never_returns(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A function whose call ends the caller's path as ``raise`` does: annotated ``-> NoReturn`` (or ``Never``), or
    whose body ends in a ``raise`` on every path it can finish by (``def raise_bad_request(msg): raise
    HTTPException(400, msg)``)."""
    returns = au.last(au.dotted(fn.returns)) if fn.returns is not None else ""
    return returns in {"NoReturn", "Never"} or (bool(fn.body) and _ends_raising(fn.body))


def _ends_raising(body: list[ast.stmt]) -> bool:
    """Every way out of ``body`` is a ``raise``: its last statement raises, or is an ``if`` both branches of which
    end raising."""
    last = body[-1]
    if isinstance(last, ast.Raise):
        return True
    if isinstance(last, ast.If):
        return bool(last.orelse) and _ends_raising(last.body) and _ends_raising(last.orelse)
    return False
