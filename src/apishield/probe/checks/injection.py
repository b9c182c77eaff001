"""Injection per parameter: SQL (error, boolean, time), reflected XSS, path traversal, template injection.

Every verdict compares against a baseline request with a harmless value, and each technique needs proof:

* **SQL errors** — a database error signature that the baseline did not show; or, where a quote breaks the answer
  silently (a bare 500), two quotes answered with the plain value's status and a quote followed by a SQL comment
  answered;
* **boolean** — two tautology/contradiction pairs that both split the answers, with the contradiction equal to
  the baseline (so a plain echo of the input cannot trigger it);
* **time** — a growth curve: a heavy sub-query at two sizes after a calibrated baseline; the delay must appear, grow
  with the size, and repeat (see :mod:`apishield.probe.checks.sql_time`);
* **XSS** — only when the answer is ``text/html`` and carries our tag unescaped (a JSON echo is not XSS);
* **traversal** — file-content signatures (``root:x:0:0:``, ``[fonts]``) absent from the baseline;
* **SSTI** — an arithmetic canary whose product (not the expression) comes back; per template engine (Jinja2,
  FreeMarker/EL, ERB, Ruby/Pug, Thymeleaf, Smarty, Razor, Velocity) and with a quoted operand when the value is
  reflected or the combined canary broke the template;
* **command injection** — harmless canaries only: ``echo`` of an arithmetic expansion whose *result* must come
  back, and a calibrated ``sleep`` (three shell syntaxes) for parameters named like a command context or whose
  answer a quote alone changes (see :mod:`apishield.probe.checks.shell`);
* **query operators** — ``{"$ne": …}`` in place of a search or filter value, honoured where ``$eq`` answers as
  the value and an object without an operator does not widen the answer (see :mod:`apishield.probe.checks.operators`);
* **SSRF** — for parameters that name a URL: a one-shot loopback listener's address, which the server must ask
  for (see :mod:`apishield.probe.checks.ssrf`);
* **deserialization** — a Python pickle whose only effect is ``time.sleep(N)`` (raw and base64), for parameters
  named like serialized data or whose answer shows a decoding error; the delay must follow N (also in
  :mod:`apishield.probe.checks.shell`);
* **XXE** — for operations that take XML, and (one request each) for those that take a JSON object, since many
  servers parse whatever Content-Type they are sent: a local file entity and an internal entity (no external URL).
"""

from __future__ import annotations

import asyncio
import base64
import copy
import functools
import html
import random
import re
from dataclasses import dataclass
from typing import Any, TypeGuard
from urllib.parse import quote, quote_plus

from apishield.probe import rules
from apishield.probe.checks import operators, shell, sql_order, sql_time, ssrf, traversal, xxe
from apishield.probe.checks._util import (
    BUSY_DATABASE,
    SCRIPTS,
    body_slots,
    field_value,
    live_markup,
    normalise,
    same,
    shows_number,
    try_send,
    who_for,
    with_cookie,
    with_field,
    without_shell_errors,
)
from apishield.probe.client import Exchange
from apishield.probe.engine import Context, Identity, check
from apishield.probe.targets import Operation, sample_body, sample_value, urlencoded

SQL_ERRORS = re.compile(
    r"(?i)(sqlite3?\.|OperationalError|unrecognized token|near \"[^\"]*\": syntax error|SQL syntax|"
    r"unterminated quoted string|syntax error at or near|psycopg|pg_query|PG::|SQLSTATE|ORA-\d{5}|"
    r"mysql_fetch|MySQLSyntaxErrorException|quoted string not properly terminated|SQLException|"
    r"unclosed quotation mark|Microsoft OLE DB|ODBC SQL Server)"
)
#: errors a well-formed statement gets: a whole value of the wrong type (``invalid input syntax for type integer:
#: "1'"``, bound or quoted as one literal) or the database's state (locked, deadlocked, a constraint): not a quote
#: that broke the statement's text
WELL_FORMED_ERRORS = re.compile(r"(?i)invalid input syntax for (?:type )?\w+|InvalidTextRepresentation|invalid literal "
                                r"for int\(\)|Incorrect (?:integer|decimal|double) value|conversion failed when "
                                r"converting|value too long for type|constraint failed|duplicate key value|"
                                + BUSY_DATABASE.pattern.removeprefix("(?i)"))
SYNTAX_ERRORS = re.compile(r"(?i)syntax error|unterminated quoted string|unrecognized token|not properly terminated|"
                           r"unclosed quotation mark|SQL syntax")
BOOL_PAIRS = (("' OR 1=1-- ", "' OR 1=2-- "), ("' OR 2>1-- ", "' OR 2>3-- "),
              (" OR 1=1", " OR 1=2"), (" OR 2>1", " OR 2>3"))
#: conjunctions: the tautology must answer as the baseline, the contradiction otherwise (a value that matches a
#: row, as an existing id does, hides every OR pair); a parser that drops the suffix answers both as the baseline
AND_PAIRS = ((" AND 1=1", " AND 1=2"), (" AND 2>1", " AND 2>3"), ("' AND '1'='1", "' AND '1'='2"),
             ("' AND '2'>'1", "' AND '2'>'3"))



# declared header parameters that only negotiate the exchange: not worth injecting into
PLAIN_HEADERS = frozenset({"accept", "accept-language", "accept-encoding", "content-type", "user-agent", "host",
                           "content-length", "connection", "cache-control"})
DB_HINT = re.compile(r"(?i)(^id$|_id$|^q$|query|search|filter|name|user|email|sort|order|category|key|title|term)")


@dataclass(frozen=True, slots=True)
class Slot:
    """One injectable place: an operation, a parameter and where it goes."""

    op: Operation
    name: str
    location: str  # query | path | body | header | cookie | raw (the whole body is one string: text/plain)
    identity: Identity | None
    numeric: bool = False  # an id-like or number path parameter or number body field: SQL only, after the rest


def slots(ctx: Context) -> list[Slot]:
    out: list[Slot] = []
    for op in ctx.operations:
        if op.looks_destructive() or op.method not in ("GET", "POST"):
            continue
        who = who_for(ctx, op)
        for p in op.params:
            if p.location == "query" or (p.location == "path" and p.schema.get("type", "string") == "string"
                                         and not p.name.lower().endswith("id")):
                out.append(Slot(op, p.name, p.location, who))
            elif p.location == "path" and (op.method == "GET" or not op.looks_credential_reset()):
                # ids pasted into SQL as numbers: `AND id=` + id (an action on a record, ``POST /x/{id}/approve``, too)
                out.append(Slot(op, p.name, "path", who, numeric=True))
            elif (p.location == "header" and p.schema.get("type", "string") == "string"
                  and p.name.lower() not in PLAIN_HEADERS):
                out.append(Slot(op, p.name, "header", who))  # a declared header (an API key or token header too)
            elif p.location == "cookie" and p.schema.get("type", "string") == "string":
                out.append(Slot(op, p.name, "cookie", who))  # a declared cookie (a preference, a theme, an id)
        if op.method == "POST" and isinstance(op.body_schema, dict) and op.body_schema.get("type") == "string":
            out.append(Slot(op, "body", "raw", who))  # a text/plain or octet-stream body: the string is the input
        if op.method == "POST":
            for name, schema in body_slots(op.body_schema):  # nested fields by their dotted path too
                if isinstance(schema, dict) and schema.get("type", "string") == "string" and "pass" not in name:
                    out.append(Slot(op, name, "body", who))
                elif isinstance(schema, dict) and schema.get("type") in ("integer", "number"):
                    # a number pasted into SQL text: the quote goes in as a string (SQL techniques only, last)
                    out.append(Slot(op, name, "body", who, numeric=True))
    # GET query parameters first: cheapest and safest; id-like path parameters last (the least likely)
    return sorted(out, key=lambda s: (s.numeric, s.location == "body", s.op.path))


def cookie_value(value: Any) -> str:
    """A payload as a cookie value: only what would end the cookie (``;``, ``,``, white space) and ``%`` itself are
    percent-encoded, so quotes and operators arrive as sent (servers decode ``%XX`` in cookies, or read them raw)."""
    return quote(str(value), safe="!#$&'()*+-./:<=>?@[]^_`{|}~\"")


class Sender:
    """Sends one slot with a chosen value, everything else filled with sample values."""

    def __init__(self, ctx: Context, slot: Slot) -> None:
        self.ctx, self.slot = ctx, slot
        op = slot.op
        # one generator per slot: slots run concurrently, yet every payload is the same under one --seed
        self.rng = random.Random(f"{ctx.options.seed}|{op.key}|{slot.location}|{slot.name}")
        # the required query parameters and the one under test only: an optional parameter filled in can select
        # another branch of the handler (``?id=`` answered before ``?q=`` is ever read) and hide the one tested
        query = {p.name: (p.required or (slot.location == "query" and p.name == slot.name),
                          sample_value(p.schema, self.rng, p.name)) for p in op.params if p.location == "query"}
        self.query = {name: value for name, (sent, value) in query.items() if sent}
        #: the other optional query parameters, left out (a handler may need them together: see with_others)
        self.others = {name: value for name, (sent, value) in query.items() if not sent}
        self.body = sample_body(op.body_schema, self.rng) if op.method == "POST" else None
        self.default: Any = self.query.get(slot.name) if slot.location == "query" else (
            field_value(self.body, slot.name) if slot.location == "body" else
            self._header_default(op) if slot.location in ("header", "cookie") else
            str((op.body_schema or {}).get("example") or "apishield") if slot.location == "raw" else
            self._path_default(op) if slot.numeric else "apishield")
        #: the value travels base64-encoded (OpenAPI's ``format: byte``): payloads are encoded as the server decodes,
        #: appended to the decoded sample (``Mw==`` is ``3``: ``3 AND 1=1`` goes as ``MyBBTkQgMT0x``)
        self.plain_default = _decoded(self.default) if _byte_format(slot) else None
        self.signal = 0  # cheap signals gathered on the way; time-based tests go where they point first
        self.code_base: Exchange | None = None  # baseline of a code-injection test still to run
        self.quote_sensitive = False  # a quote alone changed the answer: the value reaches some interpreter

    def redraw(self) -> None:
        """Every string of the body made unique (``a@x.org`` → ``a.apsh1f2e3d@x.org``): a value the server keeps
        unique (a user name, an e-mail, the description's example) may already be stored."""
        mark = "apsh" + "".join(self.rng.choice("0123456789abcdef") for _ in range(6))
        self.body = {k: (v.replace("@", f".{mark}@", 1) if "@" in v else v + mark) if isinstance(v, str) else v
                     for k, v in (self.body or {}).items()}
        self.default = field_value(self.body, self.slot.name)

    @property
    def seen(self) -> Any:
        """The sample as the server reads it: decoded when the slot travels base64-encoded."""
        return self.plain_default if self.plain_default is not None else self.default

    def with_others(self) -> Sender:
        """The same slot with every optional query parameter filled in as well (a login reading ``user`` and
        ``password`` together answers nothing telling to one of them alone)."""
        twin = copy.copy(self)
        twin.query = {**self.others, **self.query}
        twin.others = {}
        return twin

    def setting(self, values: dict[str, Any]) -> Sender:
        """The same slot with other body fields set as well (an address given in parts: host, port, path)."""
        twin = copy.copy(self)
        for name, value in values.items():
            twin.body = with_field(twin.body or {}, name, value)
        return twin

    def _path_default(self, op: Operation) -> Any:
        """An id the identity owns when it created one, else the description's example or a sample number."""
        if self.slot.identity is not None:
            owned = self.ctx.owned_value(op, self.slot.name, self.slot.identity)
            if owned is not None:
                return owned
        param = next(p for p in op.params if p.name == self.slot.name)
        return sample_value(param.schema, self.rng, param.name)

    def _header_default(self, op: Operation) -> str:
        """The identity's own value when it sends this header (its token, so the baseline is authenticated),
        else a sample value."""
        who = self.slot.identity
        own = next((v for k, v in (who.headers if who else {}).items() if k.lower() == self.slot.name.lower()), None)
        if own is not None:
            return own
        param = next(p for p in op.params if p.name == self.slot.name)
        return str(sample_value(param.schema, self.rng, param.name))

    async def __call__(self, value: Any, timeout: float | None = None, key: str | None = None,
                       form: bool = False, encoded: bool = False) -> Exchange | None:
        """Send ``value`` in the slot; ``key`` names a query parameter to carry it instead of the slot's own
        (``name[$ne]``, the bracket form servers read back as an object); ``form`` sends a JSON body's fields
        form-encoded instead, as a page of another site could; ``encoded``: the value is already in the slot's
        transfer encoding (a base64 pickle), not a text to encode."""
        s, ctx = self.slot, self.ctx
        if self.plain_default is not None and isinstance(value, str) and not encoded:
            text = self.plain_default + value[len(str(self.default)):] if value.startswith(str(self.default)) \
                else value
            value = base64.b64encode(text.encode()).decode()
        query = dict(self.query)
        body = dict(self.body) if self.body is not None else None
        path = ctx.concrete_path(s.op, s.identity) or s.op.path
        headers: dict[str, str] | None = None
        if s.location == "query":
            query.pop(s.name, None)
            query[key or s.name] = value
        elif s.location == "body" and body is not None:
            body = with_field(body, s.name, value)
        elif s.location == "header":
            own = {k: v for k, v in (s.identity.headers if s.identity else {}).items()
                   if k.lower() != s.name.lower()}
            headers = {**own, s.name: str(value)}
        elif s.location == "cookie":
            headers = with_cookie(dict(s.identity.headers) if s.identity else {}, s.name, cookie_value(value))
        else:
            path = s.op.path.replace("{" + s.name + "}", str(value).replace("/", "%2F"))
            path = ctx.concrete_path(Operation(s.op.method, path, params=tuple(
                p for p in s.op.params if p.name != s.name)), s.identity) or path
        if s.location == "raw":
            media = next((m for m in s.op.media if "json" not in m and "form" not in m), "text/plain")
            return await try_send(ctx, s.op.method, path, op=s.op, identity=s.identity, params=query or None,
                                  timeout=timeout, content=str(value).encode(), content_type=media)
        if form and body is not None:
            content, media = urlencoded(body)
            return await try_send(ctx, s.op.method, path, op=s.op, identity=s.identity, params=query or None,
                                  headers=headers, timeout=timeout, content=content, content_type=media)
        # form-encoded or multipart when the description says so: the send encodes the payload that way
        return await try_send(ctx, s.op.method, path, op=s.op, identity=s.identity, params=query or None,
                              headers=headers, timeout=timeout, json_body=body)


def _byte_format(slot: Slot) -> bool:
    """The slot's schema says ``format: byte`` (base64-encoded data)."""
    if slot.location in ("query", "path", "header", "cookie"):
        param = next((p for p in slot.op.params if p.name == slot.name and p.location == slot.location), None)
        schema: Any = param.schema if param is not None else None
    else:
        schema = slot.op.body_fields.get(slot.name) if slot.location == "body" else None
    return isinstance(schema, dict) and schema.get("format") == "byte"


def _decoded(value: Any) -> str | None:
    """A base64 sample's text, or None when it is not base64 of UTF-8 text (payloads then go encoded whole)."""
    try:
        return base64.b64decode(str(value), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None


async def _sql_error(ctx: Context, slot: Slot, send: Sender, base: Exchange) -> bool:
    if SQL_ERRORS.search(without_shell_errors(base.text)):
        return False
    for suffix in ("'", "\"", "')"):
        ex = await send(f"{send.default}{suffix}")
        if ex is None:
            return False
        text = without_shell_errors(ex.text)
        match = SQL_ERRORS.search(text)
        if match and WELL_FORMED_ERRORS.search(text) and not SYNTAX_ERRORS.search(text):
            break  # the statement parsed: a value of the wrong type, a lock or a constraint, not a broken quote
        if match:
            ctx.report(rules.SQLI_ERROR, f"a {suffix!r} in {slot.name!r} produced a database error "
                       f"({match.group(0)!r})", ex, op=slot.op, parameter=slot.name, highlight=match.group(0))
            return True
        if ex.status != base.status or not same(ex, base):
            send.signal += 3  # a quote changes the answer, silently: the strongest cheap signal
            send.quote_sensitive = True
            if suffix == "'" and (ex.status or 0) >= 500 > (base.status or 0) and not (
                    slot.numeric or re.fullmatch(r"-?\d+", str(send.seen))):
                # (a number's quote breaks a conversion, or SQL where two quotes break it too: nothing to learn)
                return await _quote_parity(ctx, slot, send, base, ex)
            break
    return False


async def _quote_parity(ctx: Context, slot: Slot, send: Sender, base: Exchange, broken: Exchange) -> bool:
    """A quote that breaks the answer silently (a bare 500): SQL when two quotes (an escaped quote inside a SQL
    string) answer with the plain value's status and a quote followed by a SQL comment answers too. A shell or another
    parser that a lone quote breaks is broken by the comment as well; nothing is reported without both."""
    doubled = await send(f"{send.default}''")
    if doubled is None or doubled.status != base.status:
        return False  # (its content may differ: the escaped quote is part of the value the statement now reads)
    commented = await send(f"{send.default}'-- ")
    if commented is None or commented.status is None or commented.status >= 500:
        return False
    ctx.report(rules.SQLI_ERROR, f"a \"'\" in {slot.name!r} broke the answer ({broken.status}) while two quotes "
               f"answered {doubled.status} as the plain value did and a quote followed by a SQL comment answered "
               f"{commented.status}: the value ends a SQL string", broken, op=slot.op, parameter=slot.name)
    return True


async def _sql_boolean(ctx: Context, slot: Slot, send: Sender, base: Exchange) -> bool:
    confirmed: list[Exchange] = []
    # no OR on an action's path id: ``UPDATE … WHERE id = 1 OR 1=1`` would act on every record
    for true_sfx, false_sfx in BOOL_PAIRS if slot.location != "path" or slot.op.method == "GET" else ():
        t = await send(f"{send.default}{true_sfx}")
        f = await send(f"{send.default}{false_sfx}")
        if t is None or f is None:
            return False
        if not t.ok or same(t, f) or not same(f, base):
            if confirmed:
                return False
            continue
        confirmed.append(t)
        if len(confirmed) == 2:
            ctx.report(rules.SQLI_BOOL, f"{slot.name!r}: tautologies and contradictions answer differently "
                       f"(twice; the contradiction matches the baseline)", t, op=slot.op, parameter=slot.name)
            return True
    return await _sql_conjunction(ctx, slot, send, base)


def _echoes(value: Any) -> list[str]:
    """The forms a page may show a value back in: as sent, HTML-escaped (both apostrophe styles), URL-encoded."""
    sent = str(value)
    return [sent, html.escape(sent), html.escape(sent).replace("&#x27;", "&#39;"), quote_plus(sent)]


def alike(send: Sender, a: Exchange, a_value: Any, b: Exchange, b_value: Any) -> bool:
    """``a`` and ``b`` (answers to ``a_value`` and ``b_value``) say the same once each one's echo of its value
    is read as the plain value: a page that shows the query back (its search box) differs by nothing else."""
    def text(ex: Exchange, value: Any) -> str:
        out = ex.text
        if str(value) != str(send.default):
            for echo, plain in zip(_echoes(value), _echoes(send.default), strict=True):
                out = out.replace(echo, plain)
        return normalise(out)
    return a.status == b.status and text(a, a_value) == text(b, b_value)


async def _sql_conjunction(ctx: Context, slot: Slot, send: Sender, base: Exchange) -> bool:
    """``AND 1=1`` answered as the baseline and ``AND 1=2`` otherwise, twice in the same quoting, after a 2xx
    baseline; a control value (the suffix's words without SQL meaning) must answer as the contradiction does not.
    A string that is a whole number (``?id=1``) is tried unquoted first (``WHERE id = `` + id), then quoted; the
    value's echo in the page (a search box showing it back) is not a difference."""
    if not base.ok:
        return False
    default = send.default
    numeric = slot.numeric or isinstance(default, (int, float))
    quotings = [AND_PAIRS[:2]] if numeric else [AND_PAIRS[:2], AND_PAIRS[2:]] if isinstance(
        send.seen, str) and re.fullmatch(r"-?\d{1,12}", send.seen) else [AND_PAIRS[2:]]
    for pairs in quotings:
        confirmed: list[Exchange] = []
        for true_sfx, false_sfx in pairs:
            t = await send(f"{default}{true_sfx}")
            f = await send(f"{default}{false_sfx}")
            if t is None or f is None:
                return False
            if not alike(send, t, f"{default}{true_sfx}", base, default) or alike(
                    send, f, f"{default}{false_sfx}", base, default):
                break
            confirmed.append(f)
        if len(confirmed) < len(pairs):
            continue
        value = f"{default}{pairs[0][0].replace('AND', 'apishield')}"
        control = await send(value)
        if control is None or alike(send, control, value, base, default):
            return False  # the suffix is dropped or ignored whatever it says: the pair proves nothing
        ctx.report(rules.SQLI_BOOL, f"{slot.name!r}: {pairs[0][0].strip()!r} answers as the plain value and "
                   f"{pairs[0][1].strip()!r} does not (twice; a suffix without SQL meaning differs as well)",
                   confirmed[0], op=slot.op, parameter=slot.name)
        return True
    return False


async def _xss(ctx: Context, slot: Slot, send: Sender) -> None:
    tag = "apsh" + "".join(send.rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6))
    payload = f"{send.default}\"'><{tag} x=1>"

    def runs(answer: Exchange | None) -> TypeGuard[Exchange]:
        """Our tag came back as markup (not inside a comment or a ``<textarea>``, where it never runs), or inside a
        script with both quotes as sent, so that whichever quote delimits the script's string, it ends there."""
        if answer is None or answer.content_type not in ("text/html", "application/xhtml+xml"):
            return False
        broken = re.compile(rf"(?<!\\)\"'><{tag} x=1>")
        return f"<{tag} x=1>" in live_markup(answer.text) or any(broken.search(m) for m in SCRIPTS.findall(answer.text))

    ex = await send(payload)
    if not runs(ex) and ex is not None and any(f"<{tag} x=1>" in m for m in SCRIPTS.findall(ex.text)):
        # inside a script with its quotes escaped: an unescaped ``</script`` still ends the element
        payload = f"{send.default}</script><{tag} x=1>"
        ex = await send(payload)
    if not runs(ex):
        return
    if slot.location == "body" and not slot.op.form_encoded:
        # a JSON body needs a script of the page's own origin to send it (another site's form cannot set its
        # type, and a cross-site fetch renders nothing): the reflection counts when the same field, sent as a
        # form would send it, comes back too; a field inside an object has no form of its own
        ex = None if "." in slot.name else await send(payload, form=True)
        if not runs(ex):
            return
    ctx.report(rules.XSS, f"{slot.name!r} is reflected unescaped into a text/html page", ex, op=slot.op,
               parameter=slot.name, highlight=f"<{tag}")


# one expression per template syntax; {a}/{b} are filled with numbers, {q} with a quoted number
SSTI_ENGINES = (
    ("Jinja2/Twig/Nunjucks", "{{{{{a}*{b}}}}}"),
    ("FreeMarker/Mako/EL/JSP", "${{{a}*{b}}}"),
    ("ERB/EJS", "<%= {a}*{b} %>"),
    ("Ruby/Pug/Thymeleaf", "#{{{a}*{b}}}"),
    ("Spring/Thymeleaf selection", "*{{{a}*{b}}}"),
    ("Smarty/Tornado", "{{{a}*{b}}}"),
    ("Razor", "@({a}*{b})"),
    ("Velocity", "#set($x={a}*{b})${{x}}"),
)


def reflects(send: Sender, base: Exchange) -> bool:
    """Cheap signal: the baseline answer shows the value sent (so payload output would be visible too)."""
    return isinstance(send.default, str) and len(send.default) >= 6 and send.default in base.text


async def _ssti(ctx: Context, slot: Slot, send: Sender, base: Exchange) -> None:
    """A combined canary first (one request); each engine's syntax alone, and a quoted operand
    (``{{7*'7'}}``-style: Jinja2 repeats the string, Twig multiplies), only when the cheap signals point there:
    the value is reflected, or the combined canary broke the template (5xx)."""
    a, b, product = shell.operands(send)
    if shows_number(base.text, product):
        return
    ex = await send(f"apsh{{{{{a}*{b}}}}}x${{{a}*{b}}}y<%= {a}*{b} %>")
    if ex is not None and shows_number(ex.text, product):
        ctx.report(rules.SSTI, f"{slot.name!r}: the template expression {a}*{b} came back evaluated ({product})",
                   ex, op=slot.op, parameter=slot.name, highlight=product)
        return
    if ex is None or not (reflects(send, base) or (ex.status or 0) >= 500):
        return
    for engine, template in SSTI_ENGINES:
        ex = await send("apsh" + template.format(a=a, b=b))
        if ex is not None and shows_number(ex.text, product):
            ctx.report(rules.SSTI, f"{slot.name!r}: the {engine} expression {a}*{b} came back evaluated ({product})",
                       ex, op=slot.op, parameter=slot.name, highlight=product, engine=engine)
            return
    n, q = 7 + send.rng.randrange(3), 1000 + send.rng.randrange(8999)
    ex = await send(f"apsh{{{{{n}*'{q}'}}}}")
    repeated, multiplied = str(q) * n, str(n * q)
    hit = repeated if ex is not None and shows_number(ex.text, repeated) else (
        multiplied if ex is not None and shows_number(ex.text, multiplied)
        and not shows_number(base.text, multiplied) else None)
    if ex is not None and hit is not None:
        ctx.report(rules.SSTI, f"{slot.name!r}: the quoted template expression {n}*'{q}' came back evaluated "
                   f"({hit[:24]})", ex, op=slot.op, parameter=slot.name, highlight=hit[:24])


@check("injection", rules=(rules.SQLI_ERROR, rules.SQLI_BOOL, rules.SQLI_TIME, rules.XSS, rules.PATH, rules.SSTI,
                          rules.CMDI, rules.CODE_INJECTION, rules.XXE, rules.DESERIALIZATION, rules.SSRF,
                          rules.QUERY_OPERATOR),
       weight=40, phase="input", order=10)
async def injection(ctx: Context) -> None:
    """SQL, XSS, traversal and template injection per parameter, each with a baseline and a proof."""
    senders = [Sender(ctx, slot) for slot in slots(ctx)]
    # operations that take XML, and those that take a JSON object: many servers parse whatever Content-Type
    # they are sent, so one XML document per JSON operation finds a parser the description does not mention
    xml_ops = [op for op in ctx.operations if op.method in ("POST", "PUT") and not op.looks_destructive()
               and (any("xml" in m for m in op.media) or (op.body_fields and not op.form_encoded))]
    ctx.plan([*dict.fromkeys(send.slot.op.key for send in senders), *(op.key for op in xml_ops)])
    if not senders and not xml_ops:
        ctx.not_applicable("no string parameter or body field to inject into")
    # parameters named for code or a formula (``expression``, ``formula``) get their likeliest test first, a few
    # requests each, before every parameter's longer techniques spend the share ...
    for send in senders:
        if shell.CODE_HINT.search(send.slot.name) and not send.slot.numeric:
            base = await send(send.default)
            if base is not None and base.status is not None:
                await shell.code_eval(ctx, send.slot, send, base)
    # ... then the fast techniques run for all parameters concurrently (the client bounds requests in flight) ...
    outcomes = await asyncio.gather(*(_fast(ctx, send) for send in senders), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome  # BudgetExhausted (the engine notes it) or a real error; all tasks have finished
    # ... time-based SQL injection runs alone, one parameter after the other, so timings are not disturbed,
    # strongest signals first, for as long as the check's share of the budget lasts (not a fixed count); before the
    # one-request XML tests, so that running out on those cannot lose the time-based tests of parameters tested
    candidates = [send for send, needs_time in zip(senders, outcomes, strict=True) if needs_time is True]
    ordered = sorted(candidates, key=lambda s: -s.signal)
    for index, send in enumerate(ordered):
        if ctx.client.check_remaining() < sql_time.TIME_COST:
            ctx.deferred.append(("injection", functools.partial(sql_time.sql_time_later, ctx, ordered[index:])))
            break
        await sql_time.sql_time(ctx, send.slot, send)
    for op in xml_ops:
        await xxe.local_entity(ctx, op)
    for op in (o for o in ctx.operations if o.method == "POST" and operators.document_fields(o)):
        await operators.filter_documents(ctx, op, functools.partial(_document_sender, ctx, op))
    await _code_tests(ctx, [send for send in senders if send.code_base is not None], deferred=False)


def _document_sender(ctx: Context, op: Operation, name: str) -> Sender:
    """A sender for a field inside a query document of ``op`` (``query.username``)."""
    return Sender(ctx, Slot(op, name, "body", who_for(ctx, op)))


async def _code_tests(ctx: Context, senders: list[Sender], deferred: bool) -> None:
    """Code-injection tests of parameters not named like code, after the likelier techniques: within the check's
    share while it lasts (and while nothing of the check waits deferred before them), then on what the run has
    left after every check, then a note of what the budget left untested."""
    for index, send in enumerate(senders):
        if ctx.client.check_remaining() < 3 or (not deferred and ctx.deferred):
            if not deferred:
                ctx.deferred.append(("injection", functools.partial(_code_tests, ctx, senders[index:], True)))
            else:
                ctx.notes.append(f"injection: the budget left no room for code-injection tests on "
                                 f"{len(senders) - index} parameter(s) not named like code; raise --budget to cover "
                                 "them")
            return
        if send.code_base is not None:
            await shell.code_eval(ctx, send.slot, send, send.code_base)


async def _fast(ctx: Context, send: Sender) -> bool:
    """Error-based SQL, then the one-request XSS, SSTI and traversal probes, then the boolean SQL pairs, operators,
    command and deserialization tests for one parameter; True when time-based SQLi is still worth a try."""
    slot = send.slot
    base = await send(send.default)
    if base is not None and base.status is None and not slot.numeric:
        # no answer to the plain value (a handler that waits on a command that fails with it): the output
        # canaries, which make such a command line succeed, are worth their few requests; timings say nothing
        await shell.cmdi(ctx, slot, send, base, reflected=reflects(send, base), timed=False)
        return False
    if base is not None and base.status is not None and base.status >= 500 and slot.location == "body":
        send.redraw()  # a value the server keeps unique (a user name, an e-mail) may already be taken
        base = await send(send.default)
    if base is None or base.status is None:
        return False
    # a parameter that names a URL is asked to fetch one first (one request): should the check's share run out
    # on the longer techniques below, the weakness such a parameter most likely has was still tested
    if slot.location in ("query", "body") and not slot.numeric:
        await ssrf.in_band(ctx, slot.op, slot.name, send.default, base, send, slot.identity)
        parts = ssrf.address_parts(slot.name, [n for n, _ in body_slots(slot.op.body_schema)]) \
            if slot.location == "body" else {}
        if parts:
            await ssrf.in_parts(ctx, slot.op, slot.name, parts, base, lambda values: send.setting(
                {k: v for k, v in values.items() if k != slot.name})(values[slot.name]))
    if DB_HINT.search(slot.name):
        send.signal += 2
    if reflects(send, base):
        send.signal += 1
    found = await _sql_error(ctx, slot, send, base)
    if not slot.numeric:
        # the one-request probes of each kind before the longer SQL pairs: all parameters run at once, so what
        # comes first in each is what every parameter gets before the check's share runs out (breadth first)
        await _xss(ctx, slot, send)
        await _ssti(ctx, slot, send, base)
        await traversal.traversal(ctx, slot, send, base)
    # no tautology where a statement would change credentials: ``' OR 1=1`` in a password reset's WHERE resets
    # every account's password (the probe's own identities' too); the quote alone changes nothing
    found = found or (
        not slot.op.looks_credential_reset() and await _sql_boolean(ctx, slot, send, base)) or (
        slot.location == "query" and bool(sql_order.ORDER_HINT.match(slot.name))
        and await sql_order.after_order_by(ctx, slot.op, slot.name, send, send.default, base))
    if not found and send.others:  # the quote again with the other optional parameters present
        filled = send.with_others()
        filled_base = await filled(filled.default)
        if filled_base is not None and filled_base.status is not None:
            found = await _sql_error(ctx, slot, filled, filled_base)
    if slot.numeric:
        return not found and base.status < 500
    await operators.query_operator(ctx, slot, send, base)
    await shell.cmdi(ctx, slot, send, base, reflected=reflects(send, base))
    await shell.deserialization(ctx, slot, send, base)
    if not shell.CODE_HINT.search(slot.name):
        send.code_base = base  # tried after the time-based tests, on what the budget has left (hinted: tried first)
    return not found and base.status < 500
