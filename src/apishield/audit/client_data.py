"""What a handler takes from the client's request other than through its path: the request's field containers per
framework, whether an expression reads them, and the names a handler fills with an object's key the client sent.
Shared by the object-level access readings (routes and Django views) and the mass-assignment rule, so that a new
framework's request fields or a new way of reading them is one entry."""

from __future__ import annotations

import ast
import re

from apishield.audit import astutil as au

FnDef = ast.FunctionDef | ast.AsyncFunctionDef

#: the parts of a request holding the fields a client sent, in its body or query string, per framework (Flask
#: ``args``/``form``/``json``, Bottle ``forms``/``query``, Django ``GET``/``POST``, DRF ``data``/``query_params``,
#: CherryPy ``params``/``body_params``)
REQUEST_FIELDS = frozenset({"args", "form", "forms", "json", "values", "get_json", "data", "query_params", "GET",
                            "POST", "params", "query", "body_params"})
_REQUEST_OBJECTS = frozenset({"request", "bottle.request", "cherrypy.request"})
#: the names handlers give the current request (a framework's global, a handler's parameter)
REQUEST_NAMES = frozenset({"request", "req"})
#: calls that convert a value without looking anything up
CONVERSIONS = frozenset({"int", "str", "float", "bool", "UUID", "uuid.UUID", "ObjectId", "bson.ObjectId"})
#: an object's key by its name (``id``, ``task_id``, ``pk``, ``taskId``, ``*_uuid``)
ID_PARAM = re.compile(r"^(id|pk|uuid|.*_id|.*Id|.*_uuid|.*_pk)$")
#: a key that is itself a secret the application handed out (an invitation, share, confirmation or reset token, a
#: signed link's signature, a one-time code): whoever holds it may act, so it is the request's authorization
_CAPABILITY = re.compile(r"(?i)token|secret|hash(?!tag)|signature|session_?key|^sessionid$|hmac|nonce|"
                         r"^(?:sig|code|otp)$")
#: an identifier of a record (``secret_id``, ``token_pk``): it numbers a secret-named model, it is not the secret
_RECORD_ID = re.compile(r"(?i)(?:^|_)(?:id|pk)$|[a-z]Id$")


def capability_key(name: str) -> bool:
    """A URL argument or posted field that carries its own secret (``token``, ``public_token``, ``share_hash``,
    ``code``), not the id of a record whose model is named for one (``secret_id`` of a ``Secret``)."""
    return bool(_CAPABILITY.search(name)) and not _RECORD_ID.search(name)


#: keys of things every visitor may read or refer to (a product to buy, a post to comment on): a lookup by such a key
#: proves nothing about whose object it is
SHARED_KEY = re.compile(r"(?i)^(?:question|poll|choice|post|article|product|book|video|movie|category|tag|item|"
                        r"event|course|lesson|page|blog|entry|topic|thread)_?(?:id|pk|slug)?$")


def request_data(node: ast.AST | None) -> bool:
    """``node`` reads the fields a client sent (``request.form``, ``request.POST.get('id')``, ``request.json``)."""
    if node is None:
        return False
    for sub in au.walk(node):
        if isinstance(sub, ast.Attribute) and sub.attr in REQUEST_FIELDS and (
                au.last(au.dotted(sub.value)) in _REQUEST_OBJECTS):
            return True
        if isinstance(sub, ast.Attribute) and au.dotted(sub).endswith("request.json"):
            return True
    return False


def reads_request(node: ast.AST) -> bool:
    """``node`` reads anything of the current request (``request.args.get("next")``, ``req.path``): broader than
    :func:`request_data`, which asks for the fields the client sent."""
    return any(isinstance(n, ast.Name) and n.id in REQUEST_NAMES for n in ast.walk(node))


def client_keys(fn: FnDef) -> list[tuple[str, str]]:
    """``(name, field)`` for each name the handler fills with an id-like value the client sent in the body or query
    string, read directly (``task_id = request.args.get("task_id")``), through a container of the client's fields
    (``data = request.get_json()`` then ``pk = data["id"]``) or converted (``int(...)``); ``field`` is the first
    string the read names, or ``""``. A value computed by another call from what the client sent (a record looked
    up by it, a token verified) is the server's, not the client's choice."""
    told: set[str] = set()
    keys: list[tuple[str, str]] = []

    def sent(value: ast.expr) -> bool:
        if isinstance(value, ast.Call) and not (request_data(value.func) or _names(value.func) & told):
            return au.dotted(value.func) in CONVERSIONS and any(sent(a) for a in value.args)
        if isinstance(value, ast.BoolOp):
            return any(sent(v) for v in value.values)
        return request_data(value) or bool(_names(value) & told)

    for node in au.walk(fn):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and sent(node.value)):
            continue
        name = node.targets[0].id
        if ID_PARAM.match(name):
            keys.append((name, next(iter(au.strings_in(node.value)), "")))
        else:
            told.add(name)
    return keys


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in au.walk(node) if isinstance(n, ast.Name)}


__all__ = ["CONVERSIONS", "ID_PARAM", "REQUEST_FIELDS", "SHARED_KEY", "capability_key", "client_keys", "request_data"]
