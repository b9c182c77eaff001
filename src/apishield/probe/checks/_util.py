"""Small helpers shared by the checks: choosing operations, walking JSON, comparing responses."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from apishield.probe import objects
from apishield.probe.client import Exchange
from apishield.probe.engine import Context, Identity, Throttled, Unsafe
from apishield.probe.identities import find_op
from apishield.probe.targets import Operation

SENSITIVE_KEY = re.compile(r"(?i)^(password|passwd|pwd|pw_?hash|password_?hash|pass_?hash|passwd_?hash|hash|"
                           r"hashed_?password|hashed_?pw|password_?digest|encrypted_?password|salt|secret|"
                           r"client_secret|api_?key|private_?key|secret_?key|otp_secret|totp_secret|ssn|cvv|cvc|"
                           r"(?:api_?)?key_?value|api_?secret|secret_?value)$")


#: a database busy with other work (locked, deadlocked, out of connections): a statement that parsed and met another
#: writer or a full pool — the state of the moment, not an input the application failed to handle
BUSY_DATABASE = re.compile(r"(?i)database (?:table )?is locked|database is busy|deadlock detected|lock wait timeout|"
                           r"could not serialize access|QueuePool limit|too many connections|"
                           r"remaining connection slots are reserved")


# A shell's own error line (``/bin/sh: 1: Syntax error: Unterminated quoted string``, ``bash: line 1: …``): a
# quote that breaks a command line, not a database's SQL; SQL error signatures are read with these lines removed.
SHELL_ERROR = re.compile(r"(?:/(?:usr/)?bin/)?\b(?:ba|da|z|k)?sh: (?:line )?(?:\d+: )?[^\n\"\\]{0,300}")


def without_shell_errors(text: str) -> str:
    """``text`` with a shell's error lines blanked, so SQL-error signatures cannot match a shell's words."""
    return SHELL_ERROR.sub(" ", text)


# Where markup is never parsed as markup: an HTML comment (Werkzeug's debugger page ends with the plain-text
# traceback inside one, its dashes collapsed so that it cannot be closed) and the text of elements whose content is
# raw or escapable text (``<textarea>``, ``<title>``, ``<xmp>``, ``<noembed>``, ``<plaintext>``, ``<script>``: a tag
# in a script is JavaScript text until a ``</script`` closes the element, which the first one does).
INERT_MARKUP = re.compile(r"(?is)<!--.*?(?:-->|$)|<(textarea|title|xmp|noembed|script)\b[^>]*>.*?(?:</\1\s*>|$)"
                          r"|<plaintext\b.*$")
#: the contents of a page's script elements
SCRIPTS = re.compile(r"(?is)<script\b[^>]*>(.*?)(?:</script\s*>|$)")


def live_markup(text: str) -> str:
    """``text`` with its inert places blanked: a tag reflected there is shown as text and never runs."""
    return INERT_MARKUP.sub(" ", text)


def walk_keys(data: Any, depth: int = 0) -> Iterator[tuple[str, Any]]:
    if depth > 8:
        return
    if isinstance(data, dict):
        for key, value in data.items():
            yield str(key), value
            yield from walk_keys(value, depth + 1)
    elif isinstance(data, list):
        for item in data[:50]:
            yield from walk_keys(item, depth + 1)


#: an environment variable's name for a secret (``JWT_SECRET``, ``DB_PASSWORD``, ``AWS_SECRET_ACCESS_KEY``): in an
#: answer, a dump of the server's configuration
ENV_SECRET = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_(?:SECRET|PASSWORD|PASSWD|PASS|SECRET_KEY|API_KEY|PRIVATE_KEY|"
                        r"SECRET_ACCESS_KEY|TOKEN)$|^(?:SECRET_KEY|API_KEY)$")


#: a configuration field named for a secret in camelCase or snake_case (``jwtSecret``, ``db_password``,
#: ``stripeSecretKey``): a configuration dump's key
NAMED_SECRET = re.compile(r"^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*(?:Secret|SecretKey|PrivateKey|ApiKey|Password|Passwd)$|"
                          r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*_(?:secret|secret_key|private_key|api_key|password|passwd)$")


def secret_named(key: str) -> bool:
    """A password, hash or key by its usual name, an environment variable named for a secret, or a configuration
    field whose name ends in one."""
    return bool(SENSITIVE_KEY.match(key) or ENV_SECRET.match(key) or NAMED_SECRET.match(key))


#: a data type's name (``{"password": "string"}``, ``"VARCHAR(255) NOT NULL"``): a table or schema layout describing
#: the field, not a value of it
TYPE_NAME = re.compile(r"(?i)^(?:string|str|text|varchar|char|character(?: varying)?|nvarchar|bytes|bytea|binary|blob|"
                       r"int|integer|bigint|number|bool|boolean|object|uuid|hash)(?:\(\d+\))?(?: not null)?$")


def sensitive_fields(data: Any) -> list[str]:
    """Secret-named fields (:func:`secret_named`) with a non-empty string value that is not a type's name."""
    return sorted({k for k, v in walk_keys(data) if secret_named(k) and isinstance(v, str) and v
                   and not TYPE_NAME.match(v.strip())})


#: a password inside a recorded request (a captured form body ``user=a&password=s3cret``, a logged JSON body or
#: command line): its key names a password and its value is neither blank, masked (``****``), a placeholder
#: (``{password}``, ``<password>``, ``$PASSWORD``) nor a hash (``$2b$…``, whose shape is read elsewhere)
_PASSWORD_KEY = r"(?:pass(?:word|wd|phrase)?|pwd)"  # noqa: S105 - a pattern, not a password
_UNMASKED = r"(?![*x•]{3,}(?:[&\s\\\"']|$))"
RECORDED_PASSWORD = re.compile(
    rf"(?i)(?:^|[&?\s;-]){_PASSWORD_KEY}={_UNMASKED}([^&\s\"'<>{{}}$%\\]{{4,}})|"  # a form, a command line
    rf"\\?[\"']{_PASSWORD_KEY}\\?[\"']\s*:\s*\\?[\"']{_UNMASKED}([^\"'<>{{}}$%\\]{{4,}})\\?[\"']")  # JSON in a string


def string_leaves(data: Any, depth: int = 0) -> Iterator[str]:
    """Every string value in a JSON document, in objects and in arrays alike."""
    if depth > 8:
        return
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from string_leaves(value, depth + 1)
    elif isinstance(data, list):
        for item in data[:200]:
            yield from string_leaves(item, depth + 1)


def recorded_passwords(data: Any) -> list[str]:
    """Passwords that string values of an answer carry inside a recorded request or log line (a HAR entry's
    ``postData``, an access log): values, not fields named ``password`` (:func:`sensitive_fields` reads those)."""
    return list(dict.fromkeys(p for value in string_leaves(data) if len(value) <= 100_000
                              for m in RECORDED_PASSWORD.finditer(value) if (p := m.group(1) or m.group(2))))


def readable_ops(ctx: Context) -> list[Operation]:
    """Non-destructive GET operations, the safest things to send attacks to."""
    return [op for op in ctx.operations if op.method == "GET" and not op.looks_destructive()]


def who_for(ctx: Context, op: Operation) -> Identity | None:
    """The identity to call ``op`` with, or anonymous when there is none: the first user, unless the operation
    refused it (401/403) and took another, or it is administrative and another identity is an administrator
    (an injection behind an administrators' check is still an injection)."""
    users = ctx.users or ctx.identities
    if not users or op.secured is False:
        return None
    if len(users) > 1:
        admin = next((u for u in users if objects.privileged(u.attributes)), None)
        if op.looks_admin() and admin is not None:
            return admin
        refused = ctx.client.refused.get(op.key, set())
        if users[0].name in refused:
            return next((u for u in users if u.name not in refused), users[0])
    return users[0]


def body_slots(schema: dict[str, Any] | None, depth: int = 0) -> list[tuple[str, dict[str, Any]]]:
    """The scalar fields of a JSON body schema as (name, schema), those of nested objects named by their dotted path
    (``target.url``, ``filter.owner.name``; three levels at most): a value the server reads from inside an object
    is input as much as a top-level one."""
    out: list[tuple[str, dict[str, Any]]] = []
    props = (schema or {}).get("properties")
    for name, sub in (props.items() if isinstance(props, dict) else ()):
        if not isinstance(sub, dict) or sub.get("readOnly"):
            continue
        if (sub.get("type") == "object" or "properties" in sub) and depth < 2:
            out += [(f"{name}.{inner}", s) for inner, s in body_slots(sub, depth + 1)]
        elif sub.get("type") != "object":
            out.append((str(name), sub))
    return out


def field_value(body: dict[str, Any] | None, name: str) -> Any:
    """The value of a body field named as :func:`body_slots` names it (a top-level key first, then a dotted path)."""
    if body is None or name in body:
        return None if body is None else body[name]
    value: Any = body
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def with_field(body: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    """A copy of ``body`` with the field ``name`` (top-level key or dotted path) set to ``value``; the objects on the
    way are copied, never changed, and made when missing."""
    head, dot, rest = name.partition(".")
    if not dot or name in body:
        return {**body, name: value}
    inner = body.get(head)
    return {**body, head: with_field(inner if isinstance(inner, dict) else {}, rest, value)}


def unname(text: str, *names: str) -> str:
    """``text`` with the user names replaced where they stand as words of their own (``al`` is not in
    ``invalid``)."""
    for name in (n for n in names if n):
        text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])", "{user}", text)
    return text


async def try_send(ctx: Context, method: str, path: str, **kwargs: Any) -> Exchange | None:
    """Send; None when refused as unsafe or answered 429/503 (unknown: no check may read it as a verdict)."""
    try:
        return await ctx.send(method, path, **kwargs)
    except (Unsafe, Throttled):
        return None


def number(value: Any) -> float | None:
    """A JSON value read as an amount: a number, or a string of one (``"1,299.99"``); ``None`` for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", ""))
        except ValueError:
            return None
    return None


def normalise(text: str) -> str:
    """Response text without volatile parts (numbers, hex ids, timestamps) for differential comparison."""
    text = re.sub(r"[0-9a-f]{8,}", "H", text)
    return re.sub(r"\d+(\.\d+)?", "N", text)


def shows_number(text: str, number: str) -> bool:
    """``number`` stands in ``text`` as a number of its own, not inside a longer run of digits (an element id or a
    memory address of a debug page holds many short numbers by chance): how an evaluated canary's result is read."""
    return re.search(rf"(?<!\d){re.escape(number)}(?!\d)", text) is not None


def same(a: Exchange, b: Exchange) -> bool:
    return a.status == b.status and normalise(a.text) == normalise(b.text)


def login_op(ctx: Context) -> tuple[Operation | None, str]:
    """The operation the identities logged in with (the recipe's) and its encoding (``json``, ``form`` or
    ``basic``), else the one that looks like a login."""
    if ctx.login is not None:
        method, path, encoding = ctx.login
        op = next((o for o in ctx.operations if o.method == method and o.path.rstrip("/") == path.rstrip("/")), None)
        return op or Operation(method, path), encoding
    op = find_op(ctx.operations, "login")
    if any(i.headers.get("Authorization", "").lower().startswith("basic ") for i in ctx.identities):
        return op, "basic"  # identities that are HTTP Basic credentials: the login reads them the same way
    return op, "form" if op is not None and op.form_encoded else "json"


def visible_lines(html: str) -> list[str]:
    """Lines of visible text (tags, scripts and styles removed)."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", "\n", html)
    lines = (re.sub(r"<[^>]*>", " ", line) for line in html.splitlines())
    return [" ".join(t.split()) for t in lines if t.strip()]


def set_cookies(ex: Exchange) -> dict[str, str]:
    """The cookies an answer sets (name -> value)."""
    jar: dict[str, str] = {}
    for key, value in ex.response_headers:
        if key.lower() != "set-cookie":
            continue
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(value)
        except CookieError:
            continue
        jar.update({name: morsel.value for name, morsel in cookie.items()})
    return jar


def with_cookie(headers: dict[str, str], name: str, value: str) -> dict[str, str]:
    """``headers`` with the cookie ``name`` set to ``value`` in its ``Cookie`` header, the other cookies kept (the
    header is made when there is none): one cookie of a session tampered with, the rest of it sent as it was."""
    jar = [c.strip() for k, v in headers.items() if k.lower() == "cookie" for c in v.split(";") if c.strip()]
    jar = [c for c in jar if c.partition("=")[0] != name]
    kept = {k: v for k, v in headers.items() if k.lower() != "cookie"}
    return {**kept, "Cookie": "; ".join([*jar, f"{name}={value}"])}


def request_fields(ex: Exchange) -> dict[str, Any]:
    """The fields a request's body carried: its JSON object, else its form-encoded pairs (first value of each)."""
    text = ex.request_body.decode("utf-8", "replace")
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else None
    except ValueError:
        data = None
    return data if isinstance(data, dict) else {k: v[0] for k, v in parse_qs(text).items() if v}
