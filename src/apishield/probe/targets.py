"""What to probe: operations read from OpenAPI 3.0/3.1, Swagger 2.0, or the auditor's route inventory.

Everything is normalised to :class:`Operation` (method, path template, parameters, JSON body schema, whether
the spec says it needs credentials). Local ``$ref``s are resolved with a depth limit, so cyclic or hostile
documents end in a :class:`SpecError` rather than a recursion crash. Sample values are drawn from a seeded
``random.Random`` so runs are reproducible with ``--seed``.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml

from apishield.probe.client import ProbeError
from apishield.probe.samples import CONSTRAINTS, first_alternative, from_pattern, sample_body, sample_value

METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
DESTRUCTIVE = re.compile(
    r"(?i)(^|[/_\-.{}])(drop|reset|purge|truncate|wipe|destroy|shutdown|restart|reboot|createdb|dropdb|initdb|"
    r"flush|erase|nuke|format|kill|terminate|migrate|rollback|seed|clear|populate|reinit|reinitiali[sz]e|"
    r"factory[_\-]?reset|start[_\-]?over|startover|delete[_\-]?all|remove[_\-]?all|clean[_\-]?up|cleanup|"
    r"empty|restore|uninstall|deactivate[_\-]?all)([/_\-.{}]|$)"
)
# words in a summary/description that announce a destructive operation (a smaller list: prose is noisy)
DESTRUCTIVE_PROSE = re.compile(
    r"(?i)\b(reset|wipe[sd]?|purge[sd]?|truncate[sd]?|drop(s|ped)? (the |all )?(database|db|tables?)|"
    r"destroy(s|ed)?|flush(es|ed)?|start(s)? over|delete[sd]? all|remove[sd]? all|erase[sd]?|"
    r"re-?initiali[sz]e[sd]?|factory reset|restore[sd]? (the )?(database|db|defaults))\b"
)


# a reset of a password, PIN or passcode (``POST /password/reset``, "Request password reset"): it changes one
# account's credential, named by the input it takes, not the application's state — "reset" alone does not make
# it destructive (other destructive words still do)
CREDENTIAL_WORDS = re.compile(r"(?i)pass(word|wd|code|phrase)|pwd|forgot|(^|[^a-z])pin([^a-z]|$)")
RESET_WORD = re.compile(r"(?i)reset(s|ting)?")


def destructive_words(text: str) -> bool:
    """The destructive vocabulary in a path or operation id (``reset``, ``start_over``, ``wipe``, ``purge``…)."""
    return bool(DESTRUCTIVE.search(text))
# a path segment that is, or starts with, an administrative word (``/admin``, ``/admin_token_sensitive``,
# ``/staff-reports``): words are separated by ``/ _ - .`` as well as by case-less boundaries
#: path words that name administrators themselves; ``internal``, ``manage``, ``ops`` also name tools of ordinary users
#: (an "internal" calculator, a "manage my projects" page)
_ADMIN_WORDS = "admin|administrator|staff|superuser"
ADMIN = re.compile(rf"(?i)(^|/)({_ADMIN_WORDS}|internal|manage|management|ops)s?(?=[/_.-]|$|\b)")
STRICT_ADMIN = re.compile(rf"(?i)(^|/)({_ADMIN_WORDS})s?(?=[/_.-]|$|\b)")
#: an operation's description saying who may call it: administrators only ("allows authenticated admins to
#: delete users", "Admin only", "requires an administrator")
FOR_ADMINS = re.compile(rf"(?i)\b(?:only|for|by|allows)\s+(?:the\s+)?"
                        rf"(?:authenticated\s+|logged[- ]in\s+|signed[- ]in\s+)?(?:{_ADMIN_WORDS})s?\b|"
                        rf"\b(?:{_ADMIN_WORDS})s?[- ]only\b|\brequires?\s+(?:an?\s+)?(?:{_ADMIN_WORDS})\b")
LOGIN = re.compile(r"(?i)(^|/)(login|signin|sign-in|tokens?|auth/token|session|sessions|authenticate)$")
# ending the probe's own session: probing these logs the probe's identities out mid-run
LOGOUT = re.compile(r"(?i)log-?out|sign-?out|revoke")
#: an action deleting the one object its path names (``POST /photos/{id}/delete``, ``GET /notes/{id}/remove``)
ITEM_DELETE = re.compile(r"(?i)/\{[^}/]+\}/(delete|remove|destroy|trash|erase)/?$")
#: the caller's own record, named by no id: ``/me``, ``/auth/me``, ``/profile``, ``/account``
SELF_PATH = re.compile(r"(?i)/(me|self|profile|account|current[_-]?user|whoami|my[_-]?account)/?$")
#: the caller's own account, updated without naming it (``PUT /user``, ``PATCH /users/me``, ``PUT /profile``,
#: ``PUT /user/update``, ``PUT /users/update``: an action on the accounts that names no account is the caller's)
OWN_ACCOUNT = re.compile(r"(?i)/(?:(?:me|self|profile|account|user)(?:/(?:update|edit|save|modify|change))?|"
                         r"(?:users|accounts)/(?:update|edit|save|modify|change))/?$")
SESSIONS = re.compile(r"(?i)(^|/)sessions?(/|$)")
REGISTER = re.compile(r"(?i)(^|/)(register|signup|sign-up|users/register|accounts)$")


class SpecError(ProbeError):
    """The API description is missing, malformed or hostile."""


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    location: str  # path | query | header | cookie
    required: bool = False
    schema: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    operation_id: str = ""
    summary: str = ""
    tags: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    description: str = field(default="", compare=False, hash=False)
    body_schema: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    secured: bool | None = None  # None: the source does not say
    scopes: tuple[str, ...] = ()
    response_fields: frozenset[str] = frozenset()
    source: str = "openapi"
    media: tuple[str, ...] = ()  # request body media types the description lists

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def path_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.location == "path")

    @property
    def body_fields(self) -> dict[str, dict[str, Any]]:
        props = (self.body_schema or {}).get("properties")
        return dict(props) if isinstance(props, dict) else {}

    def looks_destructive(self) -> bool:
        """Destructive-looking (vocabulary in the path, operation id or summary; an unsafe method that takes
        no parameter at all), or logout-like (see :meth:`looks_logout`): off-limits unless allowed."""
        oid = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", self.operation_id).replace("_", "-")  # purgeAll -> purge-All
        path, summary = self.path, self.summary
        if self.looks_credential_reset():
            path, oid, summary = (RESET_WORD.sub("renew", t) for t in (path, oid, summary))
        return bool(destructive_words(path) or destructive_words(oid)
                    or DESTRUCTIVE_PROSE.search(summary) or self.looks_logout()
                    or self.parameterless_unsafe())

    def looks_item_delete(self) -> bool:
        """A POST or GET that deletes the object its path names (``/photos/{id}/delete``): a delete however it is
        sent, so it is asked only of an object the probe made for the purpose — never by a read or a crawl."""
        return self.method != "DELETE" and bool(ITEM_DELETE.search(self.path))

    def looks_credential_reset(self) -> bool:
        """A password/PIN reset that takes input (the user name, e-mail or reset token it acts on)."""
        named = " ".join((self.path, self.operation_id, self.summary))
        words = {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", named)}
        return bool(RESET_WORD.search(named) or "forgot" in words) and bool(CREDENTIAL_WORDS.search(named)) and (
            not words & {"all", "every", "everyone"}) and bool(self.params or self.body_fields)

    def parameterless_unsafe(self) -> bool:
        """DELETE/PUT/PATCH on no object (no path parameter, in an API description): ``DELETE /items`` acts on
        everything at once. An update of the caller's own record (``PUT /auth/me``) acts on the caller alone."""
        if self.source != "openapi" or self.looks_login() or self.looks_register():
            return False
        if self.method in ("PUT", "PATCH") and SELF_PATH.search(self.path):
            return False
        return self.method in ("DELETE", "PUT", "PATCH") and not self.path_params and "{" not in self.path

    def looks_bare_action(self, others: list[Operation]) -> bool:
        """A POST with no parameter and no body on a path that is no collection (nothing else is served under
        it): ``POST /api/restart``, ``POST /game/start_over`` — an action on global state."""
        if (self.method != "POST" or self.source != "openapi" or self.params or self.body_schema is not None
                or self.looks_login() or self.looks_register()):
            return False
        base = self.path.rstrip("/")
        return not any(o is not self and (o.path.rstrip("/") == base or o.path.startswith(base + "/")) for o in others)

    def looks_logout(self) -> bool:
        """Logout, sign-out, token revocation or a session DELETE: probing it ends the probe's own session."""
        oid = self.operation_id.replace("_", "-")
        return bool(LOGOUT.search(self.path) or LOGOUT.search(oid)
                    or (self.method.upper() == "DELETE" and SESSIONS.search(self.path.rstrip("/") or "/")))

    def looks_admin(self, strictly: bool = False) -> bool:
        """Named as administrative by its path, tags or scopes, or described as for administrators only ("allows
        authenticated admins to ...", "admin only"); ``strictly``: for administrators themselves (``/admin``, an
        admin tag or scope, such a description), not only ``internal``/``manage``/``ops``."""
        text = " ".join((self.path, *self.tags))
        named = (STRICT_ADMIN if strictly else ADMIN).search(text)
        return bool(named) or any("admin" in s.lower() for s in self.scopes) or bool(
            FOR_ADMINS.search(f"{self.summary} {self.description}"))

    def looks_login(self) -> bool:
        return self.method == "POST" and bool(LOGIN.search(self.path.rstrip("/")))

    def looks_register(self) -> bool:
        return self.method == "POST" and bool(REGISTER.search(self.path.rstrip("/")))

    @property
    def form_encoded(self) -> bool:
        """The description lists a form body and no JSON body."""
        return any("form" in m for m in self.media) and not any("json" in m for m in self.media)

    def encode_body(self, body: dict[str, Any],
                    upload: tuple[str, str, str] | None = None) -> tuple[bytes, str] | None:
        """``body`` in the encoding the description names — ``application/x-www-form-urlencoded`` or
        ``multipart/form-data`` — as (content, Content-Type); None when the operation takes JSON. ``upload`` (file
        name, type, content) is what every file part carries (default: a small text file)."""
        if not self.form_encoded:
            return None
        if not any("multipart" in m for m in self.media):
            return urlencoded(body)
        fields = form_fields(body)
        boundary = "apishield" + "".join(random.Random(len(fields)).choice("0123456789abcdef") for _ in range(16))
        files = set(self.file_fields())
        name, kind, data = upload or ("apishield.txt", "application/octet-stream", None)
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"'
                 + (f'; filename="{name}"\r\nContent-Type: {kind}' if k in files else "")
                 + f"\r\n\r\n{data if k in files and data is not None else v}\r\n" for k, v in fields.items()]
        return ("".join(parts) + f"--{boundary}--\r\n").encode(), f"multipart/form-data; boundary={boundary}"

    def file_fields(self) -> list[str]:
        """The body fields the description declares as uploaded files (sent as file parts of a multipart body)."""
        if not any("multipart" in m for m in self.media):
            return []
        return [str(k) for k, v in self.body_fields.items() if is_file(v)]


def form_fields(body: dict[str, Any]) -> dict[str, str]:
    """A body's fields as a form carries them: strings as they are, anything else as its JSON text."""
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}


def urlencoded(body: dict[str, Any]) -> tuple[bytes, str]:
    """``body`` as an HTML form posts it: (content, Content-Type)."""
    return urlencode(form_fields(body)).encode(), "application/x-www-form-urlencoded"


def is_file(schema: Any) -> bool:
    """A body field the description declares as an uploaded file (``format: binary``; Swagger 2.0 ``type: file``):
    a multipart body sends it as a file part, with a file name."""
    return isinstance(schema, dict) and (schema.get("format") == "binary" or schema.get("type") == "file")


# -- loading ---------------------------------------------------------------------------------------------
def parse_document(text: str) -> dict[str, Any]:
    """JSON or YAML text to a dict; anything else is a :class:`SpecError`."""
    try:
        doc = json.loads(text)
    except ValueError:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SpecError(f"the API description is neither JSON nor YAML: {exc}".splitlines()[0]) from None
    if not isinstance(doc, dict):
        raise SpecError("the API description must be a JSON/YAML object")
    return doc


def load_file(path: str) -> dict[str, Any]:
    try:
        return parse_document(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SpecError(f"{path} is not UTF-8 text") from None


class _Resolver:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def deref(self, node: Any, depth: int = 0) -> Any:
        if depth > 40:
            raise SpecError("the API description has $ref chains that are too deep or cyclic")
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if not ref.startswith("#/"):
                return {}  # remote refs are never fetched
            target: Any = self.doc
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or part not in target:
                    raise SpecError(f"unresolvable $ref {ref!r}")
                target = target[part]
            return self.deref(target, depth + 1)
        return node

    def schema(self, node: Any, depth: int = 0) -> dict[str, Any]:
        """A schema with refs resolved a few levels deep (enough for property names and types)."""
        node = self.deref(node)
        if not isinstance(node, dict) or depth > 6:
            return {}
        out = dict(node)
        for combo in ("allOf", "oneOf", "anyOf"):
            parts = out.pop(combo, None)
            if isinstance(parts, list) and parts:
                chosen = parts if combo == "allOf" else [first_alternative([self.deref(p) for p in parts])]
                props: dict[str, Any] = dict(out.get("properties") or {})
                for part in chosen:
                    sub = self.schema(part, depth + 1)
                    props.update(sub.get("properties") or {})
                    out.setdefault("type", sub.get("type"))
                    out.setdefault("required", sub.get("required", []))
                    for key in CONSTRAINTS:  # what a value must satisfy: a pattern, an enum, a format, bounds
                        if key in sub:
                            out.setdefault(key, sub[key])
                if props:
                    out["properties"] = props
        if isinstance(out.get("properties"), dict):
            out["properties"] = {str(k): self.schema(v, depth + 1) for k, v in out["properties"].items()}
        if "items" in out:
            out["items"] = self.schema(out["items"], depth + 1)
        return out


_JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (list, "array"),
               (dict, "object"))


def _example_fields(body: Any) -> Any:
    """A body schema that declares no properties but gives an example object (``type: object`` with ``example:
    {username: ..., password: ...}``, as Postman exports write them) gets one property per example field, typed from
    its value and keeping it as the field's example: the fields the API documents, read as a client would."""
    if not isinstance(body, dict) or body.get("properties") or not isinstance(body.get("example"), dict):
        return body
    props = {str(k): {"type": next((t for py, t in _JSON_TYPES if isinstance(v, py)), "string"), "example": v}
             for k, v in body["example"].items()}
    return {**body, "type": body.get("type", "object"), "properties": props}


def _fields(schema: dict[str, Any]) -> set[str]:
    if schema.get("type") == "array" or "items" in schema:
        schema = schema.get("items") or {}
    props = schema.get("properties")
    return set(props) if isinstance(props, dict) else set()


def from_openapi(doc: dict[str, Any]) -> list[Operation]:
    """Operations of an OpenAPI 3.0/3.1 or Swagger 2.0 document."""
    swagger = str(doc.get("swagger", "")).startswith("2")
    if not swagger and not str(doc.get("openapi", "")).startswith("3"):
        raise SpecError("not an OpenAPI 3.x or Swagger 2.0 document (no 'openapi: 3.x' / 'swagger: \"2.0\"')")
    paths = doc.get("paths")
    if not isinstance(paths, dict):
        raise SpecError("the API description has no 'paths' object")
    res = _Resolver(doc)
    prefix = ""
    if swagger and isinstance(doc.get("basePath"), str):
        prefix = doc["basePath"].rstrip("/")
    elif not swagger:
        servers = doc.get("servers")
        if isinstance(servers, list) and servers and isinstance(servers[0], dict):
            url = str(servers[0].get("url", ""))
            if url.startswith("/"):
                prefix = url.rstrip("/")
    global_security = doc.get("security")
    ops: list[Operation] = []
    for raw_path, item in paths.items():
        item = res.deref(item)
        if not isinstance(item, dict) or not isinstance(raw_path, str):
            continue
        shared = item.get("parameters") or []
        for method in METHODS:
            op = res.deref(item.get(method))
            if not isinstance(op, dict):
                continue
            params: dict[tuple[str, str], Param] = {}
            body: dict[str, Any] | None = None
            media_types: tuple[str, ...] = tuple(str(m) for m in op.get("consumes") or doc.get("consumes") or ()
                                                 ) if swagger else ()
            for p in [*shared, *(op.get("parameters") or [])]:
                p = res.deref(p)
                if not isinstance(p, dict) or not isinstance(p.get("name"), str):
                    continue
                loc = str(p.get("in", "query"))
                if loc == "body":
                    body = res.schema(p.get("schema") or {})
                    continue
                if loc == "formData":  # Swagger 2.0 form fields: a form-encoded body
                    form: dict[str, Any] = body if body is not None else {"type": "object", "properties": {}}
                    props: dict[str, Any] = form.setdefault("properties", {})
                    props[p["name"]] = {k: v for k, v in p.items() if k in ("type", "format", "enum")}
                    body = form
                    if not any("form" in m for m in media_types):
                        media_types = (*media_types, "application/x-www-form-urlencoded")
                    continue
                schema = res.schema(p.get("schema") or {k: v for k, v in p.items() if k in ("type", "format",
                                                                                         "enum", "pattern")})
                if "example" in p and isinstance(schema, dict) and "example" not in schema:
                    schema = {**schema, "example": p["example"]}  # a parameter's own example (OpenAPI 3)
                named = prose_choices(str(p.get("description") or ""))
                if named and isinstance(schema, dict) and schema.get("type", "string") == "string" and not (
                        {"example", "default", "enum"} & set(schema)):
                    schema = {**schema, "example": named[0]}  # "Type of discount: percentage or fixed"
                params[(p["name"], loc)] = Param(p["name"], loc, bool(p.get("required")) or loc == "path", schema)
            if not swagger:
                rb = res.deref(op.get("requestBody"))
                if isinstance(rb, dict):
                    content = rb.get("content") or {}
                    media_types = tuple(str(m) for m in content) if isinstance(content, dict) else ()
                    media = content.get("application/json") or next(iter(content.values()), None) if content else None
                    if isinstance(media, dict):
                        body = res.schema(media.get("schema") or {})
                        if isinstance(body, dict) and "example" not in body and isinstance(media.get("example"), dict):
                            body = {**body, "example": media["example"]}
            security = op.get("security", global_security)
            secured: bool | None = None
            if isinstance(security, list):
                secured = any(isinstance(s, dict) and s for s in security) and {} not in security
            scopes = tuple(sorted({sc for req in (security or []) if isinstance(req, dict)
                                   for v in req.values() if isinstance(v, list) for sc in v}))
            resp_fields: set[str] = set()
            for code, resp in (op.get("responses") or {}).items():
                if not str(code).startswith("2"):
                    continue
                resp = res.deref(resp)
                if not isinstance(resp, dict):
                    continue
                if swagger:
                    resp_fields |= _fields(res.schema(resp.get("schema") or {}))
                else:
                    for media in (resp.get("content") or {}).values():
                        if isinstance(media, dict):
                            resp_fields |= _fields(res.schema(media.get("schema") or {}))
            for name in re.findall(r"{([^}/]+)}", raw_path):
                params.setdefault((name, "path"), Param(name, "path", True, {"type": "string"}))
            ops.append(Operation(
                method=method.upper(), path=prefix + raw_path, operation_id=str(op.get("operationId", "")),
                summary=str(op.get("summary", "")), tags=tuple(str(t) for t in op.get("tags") or ()),
                description=str(op.get("description", "") or ""),
                params=tuple(params.values()), body_schema=_example_fields(body), secured=secured, scopes=scopes,
                media=media_types,
                response_fields=frozenset(resp_fields),
            ))
    if not ops:
        raise SpecError("the API description lists no operations")
    return ops


_CONVERTER = re.compile(r"<(?:[a-zA-Z_]+:)?([a-zA-Z_][a-zA-Z0-9_]*)>|:([a-zA-Z_][a-zA-Z0-9_]*)")


def from_routes(doc: dict[str, Any] | list[Any]) -> list[Operation]:
    """Operations from ``apishield audit --routes --format json`` (``{"routes": [...]}`` or a bare list)."""
    routes = doc.get("routes") if isinstance(doc, dict) else doc
    if not isinstance(routes, list):
        raise SpecError("the route inventory has no 'routes' list")
    ops: list[Operation] = []
    seen: set[tuple[str, str]] = set()
    for r in routes:
        if not isinstance(r, dict) or not isinstance(r.get("path"), str):
            continue
        path = _CONVERTER.sub(lambda m: "{" + (m.group(1) or m.group(2)) + "}", r["path"])
        methods = r.get("methods") or [r.get("method") or "GET"]
        if isinstance(methods, str):
            methods = [methods]
        protections = r.get("protections") or []
        secured: bool | None = None
        if r.get("auth") or any("auth" in str(p).lower() or "login" in str(p).lower() for p in protections):
            secured = True
        elif r.get("public"):  # the auditor names why a route is public (a string), or says True
            secured = False
        in_path = re.findall(r"{([^}/]+)}", path)
        fields = [(n, where) for n, where in _inventory_list(r.get("fields")) if n not in in_path]
        params = tuple(Param(n, "path", True, {"type": "string"}) for n in in_path)
        params += tuple(Param(n, "query", False, {"type": "string"}) for n, where in fields if where == "query")
        for method in methods:
            m = str(method).upper()
            if m in ("HEAD", "OPTIONS") or (m, path) in seen or m == "ANY":
                continue
            seen.add((m, path))
            body, media = _request_body(fields, m)
            ops.append(Operation(method=m, path=path, operation_id=str(r.get("handler", "")), params=params,
                                 body_schema=body, secured=secured, source="routes", media=media))
    if not ops:
        raise SpecError("the route inventory lists no routes")
    return ops


def _inventory_list(raw: Any) -> list[tuple[str, str]]:
    """The inventory's ``fields`` (``[{"name": ..., "in": "query" | "body" | "form"}]``), malformed entries left out."""
    if not isinstance(raw, list):
        return []
    return [(str(f["name"]), str(f.get("in", "query"))) for f in raw
            if isinstance(f, dict) and isinstance(f.get("name"), str) and f["name"]]


def _request_body(fields: list[tuple[str, str]], method: str) -> tuple[dict[str, Any] | None, tuple[str, ...]]:
    """A request body schema (every field a string) and its media type, from the body and form fields the
    handler reads; none for methods without a body."""
    sent = [(n, w) for n, w in fields if w in ("body", "form")]
    if method in ("GET", "DELETE") or not sent:
        return None, ()
    schema = {"type": "object", "properties": {n: {"type": "string"} for n, _ in sent}}
    json_body = any(w == "body" for _, w in sent)
    return schema, ("application/json",) if json_body else ("application/x-www-form-urlencoded",)


def load_routes(path: str) -> list[Operation]:
    """A JSON inventory file, or a source directory run through the auditor's engine when it is installed."""
    p = Path(path)
    if p.is_dir():
        try:
            from apishield.audit import engine
        except ImportError:  # pragma: no cover - the auditor ships with apishield
            raise SpecError(f"{path} is a directory and the auditor is not available; pass its JSON") from None
        result = engine.run([str(p)])
        routes = [r.to_dict() if hasattr(r, "to_dict") else vars(r) for r in result.routes]
        return from_routes({"routes": routes})
    data = load_file(path)
    return from_routes(data)


# -- sample values ---------------------------------------------------------------------------------------
_Q = "[`'\"]?"
_W = r"[A-Za-z][\w-]{0,30}"
# a description that ends with a list of values after a colon: ": a or b", ": 'a', 'b' or 'c'", ": a, b, or c"
CHOICES = re.compile(rf":\s*{_Q}({_W}){_Q}(?:\s*,\s*{_Q}{_W}{_Q})*\s*,?\s+or\s+{_Q}{_W}{_Q}\s*\.?\s*$")


def prose_choices(description: str) -> list[str]:
    """Values a parameter's description lists after a colon, as its whole remainder ("Type of discount: percentage
    or fixed", "Order: 'asc', 'desc' or 'none'"): the first is a value the API accepts where a sample would not."""
    match = CHOICES.search(description.strip())
    return [match.group(1)] if match else []


__all__ = [
    "OWN_ACCOUNT", "SELF_PATH", "Operation", "Param", "SpecError", "destructive_words", "form_fields", "from_openapi",
    "from_pattern", "from_routes", "is_file", "load_file", "load_routes", "parse_document", "sample_body",
    "sample_value", "urlencoded",
]
