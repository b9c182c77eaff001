"""What a ``==`` between two values compares, for the timing rule (AS606) of
:mod:`apishield.audit.rules.secrets`: whether a side names a secret as a whole word, is a person (an ownership
check), a query expression evaluated by the database, or a constant naming a token's format."""

from __future__ import annotations

import ast
import itertools
import re

from apishield.audit import astutil as au
from apishield.audit.client_data import REQUEST_NAMES

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_SECRET_WORDS = frozenset({
    "token", "tokens", "secret", "secrets", "signature", "signatures", "sig", "hmac", "digest", "hexdigest",
    "password", "passwd", "passwords", "apikey", "apikeys", "pwd",
})
_PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "pw"})


def _words(text: str) -> list[str]:
    """Identifier words of an expression: ``X-API-Key`` → x, api, key; ``oauthClient`` → oauth, client."""
    return [w.lower() for w in _WORD.findall(text)]


def secretish(node: ast.AST) -> bool:
    """The expression names a secret as a whole word (``api_key``, ``csrf_token``, ``password_hash``), not as a
    fragment (``oauth_client``, ``tokenizer``); hashes of secrets other than passwords leak nothing by timing."""
    if isinstance(node, ast.Constant):
        return False
    text = ast.unparse(node)
    if "len(" in text:
        return False
    words = _words(text)
    leaf = au.field_read(node) or (node.id if isinstance(node, ast.Name) else "")  # a plain name is its own field
    leaf_words = _words(leaf) if leaf else []
    if leaf_words and (set(leaf_words) <= _PUBLIC_WORDS or leaf_words[-1] in _DESCRIPTOR_WORDS
                       or leaf_words[0] in _RESPONSE_WORDS):
        # ``user_password.username``, ``token.get("email")``, ``token.calendar_name``, ``payload["token_type"]``:
        # the compared field is no secret, whatever the object that holds it is called
        return False
    if leaf and not isinstance(node, ast.Name) and not _names_secret(leaf_words) \
            and not _HOLDER_WORDS.intersection(leaf_words):
        # ``sig.freshman_username``, ``id_token["iss"]``, ``signatures().total``: a field that names no secret, read
        # from an object whose name does; the field is what is compared, not the secret
        return False
    if not _names_secret(words):
        return False
    return "hash" not in words or bool(_PASSWORD_WORDS.intersection(words))


def _names_secret(words: list[str]) -> bool:
    """The words name a secret: one of :data:`_SECRET_WORDS`, or ``api`` followed by ``key``."""
    return bool(_SECRET_WORDS.intersection(words)) or "apikey" in {a + b for a, b in itertools.pairwise(words)}


#: the last field of a secret's holder that is the secret's own text (``token.value``, ``key.hex``,
#: ``credentials.credentials``), whatever it is called
_HOLDER_WORDS = frozenset({"value", "data", "key", "raw", "text", "hex", "bytes", "content", "str", "plain",
                           "plaintext", "encoded", "decoded", "credential", "credentials", "auth", "authorization",
                           "code", "otp", "pin", "nonce", "b64", "base64", "string", "bearer"})


_PUBLIC_WORDS = frozenset({"username", "user", "name", "email", "mail", "login", "id", "uid", "nickname", "handle",
                           "sub", "subject"})


#: the last word of a field that describes a secret rather than holding it (its name, type, scope, dates)
_DESCRIPTOR_WORDS = frozenset({"name", "title", "label", "description", "type", "kind", "status", "state", "path",
                               "url", "count", "date", "at", "time", "expiry", "expires", "created", "updated",
                               "scope", "scopes", "version", "format", "algorithm", "alg", "purpose", "labels",
                               "annotations", "names", "types", "tags", "tag", "metadata"})


#: the first word of a field of an HTTP exchange, not of a credential (``token_request.status_code``)
_RESPONSE_WORDS = frozenset({"status", "http", "response", "headers", "metadata"})


_IDENTITY_WORDS = frozenset({"user", "author", "owner", "creator", "account", "member", "principal", "identity",
                             "me", "poster", "seller", "customer"})


def identity(node: ast.AST) -> bool:
    """The value is a person (``token_auth.current_user()``, ``g.user``, ``post.author``): an ownership check
    compares identities, which are no secret, whatever the object that supplies them is called."""
    if isinstance(node, ast.Call):
        node = node.func
    name = au.last(au.dotted(node)) if isinstance(node, (ast.Name, ast.Attribute)) else ""
    words = _words(name)
    return bool(words) and words[-1] in _IDENTITY_WORDS


_QUERY_CALLS = frozenset({
    "where", "filter", "filter_by", "having", "join", "outerjoin", "and_", "or_", "not_", "case", "exists",
    "select", "delete", "update", "values", "exclude", "query", "on", "where_clause", "onclause",
})


def in_query(parents: dict[int, ast.AST], node: ast.AST) -> bool:
    """The comparison is an argument of a query builder (``select(t).where(t.c.token_hash == v)``,
    ``query.filter(User.api_key == x)``): SQL evaluated by the database, not a Python comparison."""
    child, parent = node, parents.get(id(node))
    while parent is not None and not isinstance(parent, (ast.stmt, ast.Lambda, ast.comprehension)):
        if (isinstance(parent, ast.Call) and child is not parent.func
                and au.last(au.dotted(parent.func)) in _QUERY_CALLS):
            return True
        child, parent = parent, parents.get(id(parent))
    return False


def not_a_secret_comparison(left: ast.AST, right: ast.AST) -> bool:
    """Query expressions (``User.token == token``), literals, containers and two user inputs compared."""
    for side in (left, right):
        if isinstance(side, (ast.Dict, ast.List, ast.Tuple, ast.Set, ast.JoinedStr)):
            return True
        if isinstance(side, ast.Attribute) and isinstance(side.value, ast.Name) and side.value.id[:1].isupper():
            return True  # SQLAlchemy / ORM column expression, evaluated by the database
        if (isinstance(side, ast.Attribute) and isinstance(side.value, ast.Attribute)
                and side.value.attr in {"c", "columns"}):
            return True  # SQLAlchemy Core ``table.c.token_hash``
        if isinstance(side, ast.Call) and au.last(au.dotted(side.func)) in {"json", "len", "type", "get_json"}:
            return True
        if _format_constant(side) or _sentinel(side):
            return True
    if _fields_of_one_object(left, right) or (_configuration(left) and _configuration(right)):
        return True
    texts = [ast.unparse(s).lower() for s in (left, right)]
    return all("passw" in t for t in texts) or any(t.endswith(("_id", ".id", "['id']", "_type")) for t in texts)


def _field(side: ast.AST) -> tuple[str, str] | None:
    """(object, field) of ``x.field``, ``x["field"]`` or a form's ``x.field.data``; ``None`` for anything else."""
    if isinstance(side, ast.Attribute) and side.attr == "data" and isinstance(side.value, ast.Attribute):
        side = side.value
    if isinstance(side, ast.Attribute) and isinstance(side.value, ast.Name):
        return side.value.id, side.attr
    if isinstance(side, ast.Subscript) and isinstance(side.value, ast.Name):
        key = au.const(side.slice)
        return (side.value.id, key) if isinstance(key, str) else None
    return None


def _fields_of_one_object(left: ast.AST, right: ast.AST) -> bool:
    """Two fields of one object (``self.password != self.repeat`` in a schema, ``data["password"] ==
    data["password2"]``, ``form.password.data == form.confirm.data``): whoever filled one filled the other, so
    timing the comparison tells nobody anything they did not already have."""
    one, other = _field(left), _field(right)
    return one is not None and other is not None and one[0] == other[0] and one[1] != other[1] and \
        one[0] not in REQUEST_NAMES


def _configuration(side: ast.AST) -> bool:
    """A setting (``app.config["SECRET_KEY"]``, ``settings.API_KEY``, ``DEFAULT_TOKEN``): the operator's value."""
    if isinstance(side, ast.Subscript) and au.last(au.dotted(side.value)) == "config":
        return isinstance(au.const(side.slice), str)
    name = au.last(au.dotted(side, strict=True)) if isinstance(side, (ast.Name, ast.Attribute)) else ""
    return bool(name) and name.isupper()


#: decorators of request-schema validators (pydantic v1/v2, marshmallow): their values are one request's fields
_SCHEMA_VALIDATORS = frozenset({"validator", "field_validator", "model_validator", "root_validator", "validates",
                                "validates_schema", "pre_load", "post_load"})


def in_schema_validator(parents: dict[int, ast.AST], node: ast.AST) -> bool:
    """``node`` sits in a request schema's validator: what it compares are fields of one input (a new password and
    its confirmation), which the caller typed both of and could not learn anything by timing."""
    cur = au.enclosing_function(parents, node)
    return cur is not None and any(
        au.last(au.dotted(d.func if isinstance(d, ast.Call) else d)) in _SCHEMA_VALIDATORS for d in cur.decorator_list)


_FORMAT_WORDS = frozenset({"prefix", "suffix", "scheme", "type", "header", "name", "kind", "format", "length", "url",
                           "endpoint", "param", "field", "key_name", "cookie_name", "label"})


def _format_constant(side: ast.AST) -> bool:
    """An upper-case constant that names a token's *format* (``TOKEN_PREFIX``, ``AUTH_SCHEME``, ``TOKEN_TYPE``):
    public protocol text, not a secret, so its comparison leaks nothing."""
    name = au.last(au.dotted(side)) if isinstance(side, (ast.Name, ast.Attribute)) else ""
    return bool(name) and name.isupper() and bool(_FORMAT_WORDS.intersection(_words(name)))


#: how a handler names the current request (a parameter, a handler attribute, a framework's global)
REQUEST_ROOTS = REQUEST_NAMES | frozenset({"self.request", "flask.request", "bottle.request", "cherrypy.request",
                           "quart.request"})
#: what a request object carries from the client (not ``request.app``, its server-side configuration)
_CLIENT_PARTS = frozenset({"POST", "GET", "form", "args", "json", "data", "query", "query_params", "values", "body",
                           "files", "FILES", "match_info", "path_params", "get_json", "headers", "cookies", "COOKIES",
                           "META", "get_cookie", "get_header"})


def _request_read(node: ast.AST) -> bool:
    """``request.POST['x']``, ``request.form.get('x')``, ``flask.request.headers.get('x')``: a value the caller
    sent (its body, query, headers or cookies)."""
    part, root = None, node
    while isinstance(root, (ast.Subscript, ast.Attribute, ast.Call, ast.Name)):
        if isinstance(root, (ast.Name, ast.Attribute)) and au.dotted(root) in REQUEST_ROOTS:
            return part in _CLIENT_PARTS
        if isinstance(root, ast.Name):
            return False
        if isinstance(root, ast.Attribute):
            part = root.attr
        root = root.value if isinstance(root, (ast.Subscript, ast.Attribute)) else root.func
    return False


def both_from_the_request(parents: dict[int, ast.AST], node: ast.Compare) -> bool:
    """Both sides are what this request carried (``pswd != request.POST['password_confirm']`` after ``pswd =
    request.POST['password']``): the caller typed both, and timing their comparison tells it nothing it lacks."""
    fn = au.enclosing_function(parents, node)
    sent = {t for a in (au.nodes_of(fn, ast.Assign) if fn is not None else ()) if _request_read(a.value)
            for t in au.target_names(a) if "." not in t}
    return all(_request_read(side) or (isinstance(side, ast.Name) and side.id in sent)
               for side in (node.left, node.comparators[0]))


#: calls that give back a payload only after checking its signature (PyJWT's and python-jose's ``jwt.decode``,
#: itsdangerous' ``loads``/``unsign`` on a serializer or signer, a project's ``unserialize``/``verify_token``)
_VERIFYING = re.compile(r"^(?:unserialize|unsign|verify_?\w*(?:token|jwt|signature)\w*|decode_?signed\w*)$")


def _verified_payload(call: ast.AST) -> bool:
    if not isinstance(call, ast.Call):
        return False
    name = au.dotted(call.func)
    last, root = au.last(name), name.split(".")[0].lower()
    unverified = any(k.arg == "verify" and au.const(k.value, True) is False for k in call.keywords) or any(
        k.arg == "options" and "verify_signature" in ast.unparse(k.value) for k in call.keywords)
    if unverified:
        return False
    if last == "decode" and "jwt" in root:  # ``jwt.decode(token, key, algorithms=[...])``, ``jwt_lib.decode``
        return True
    if last == "loads" and (re.search(r"serial|signer", root) or au.kwarg(call, "max_age") is not None):
        return True  # itsdangerous: ``serializer.loads(token, max_age=3600)``
    return _VERIFYING.match(last) is not None


def from_signed_payload(parents: dict[int, ast.AST], side: ast.AST) -> bool:
    """``side`` is a field of a payload whose signature was checked when it was read (``payload["v"]`` after
    ``payload = serializer.loads(code, max_age=...)``, or a name assigned from such a field): the caller cannot choose
    those bytes without the signing key, so timing their comparison reveals nothing."""
    fn = au.enclosing_function(parents, side)
    if fn is None:
        return False
    assigned: dict[str, list[ast.expr]] = {}
    for a in au.nodes_of(fn, ast.Assign):
        for t in au.target_names(a):
            assigned.setdefault(t, []).append(a.value)
    node, hops = side, 0
    while hops < 4:
        hops += 1
        while True:
            if isinstance(node, (ast.Subscript, ast.Attribute)):
                node = node.value
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
                node = node.func.value
            else:
                break
        if not isinstance(node, ast.Name) or len(assigned.get(node.id, [])) != 1:
            return False
        value = assigned[node.id][0]
        if _verified_payload(value):
            return True
        node = value
    return False


#: names of "no value given" sentinels (``EMPTY = object()``, pydantic's ``Unset``): comparing a field with one
#: asks whether the client sent it, not what it is
_SENTINELS = frozenset({"empty", "unset", "missing", "notset", "sentinel", "undefined", "nothing", "notgiven",
                        "notprovided"})


def _sentinel(side: ast.AST) -> bool:
    name = au.last(au.dotted(side)) if isinstance(side, (ast.Name, ast.Attribute)) else ""
    return name.replace("_", "").lower() in _SENTINELS and (name.isupper() or name[:1].isupper())


__all__ = ["REQUEST_ROOTS", "both_from_the_request", "from_signed_payload", "identity", "in_query",
           "in_schema_validator", "not_a_secret_comparison", "secretish"]
