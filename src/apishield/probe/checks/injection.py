"""Injection per parameter: SQL (error, boolean, time), reflected XSS, path traversal, template injection.

Every verdict compares against a baseline request with a harmless value, and each technique needs proof:

* **SQL errors** — a database error signature that the baseline did not show;
* **boolean** — two tautology/contradiction pairs that both split the answers, with the contradiction equal to
  the baseline (so a plain echo of the input cannot trigger it);
* **time** — a growth curve: a heavy sub-query (SQLite recursive CTE, ``pg_sleep``, ``SLEEP``) at two sizes
  after a calibrated baseline; the delay must appear, grow with the size, and repeat;
* **XSS** — only when the answer is ``text/html`` and carries our tag unescaped (a JSON echo is not XSS);
* **traversal** — file-content signatures (``root:x:0:0:``, ``[fonts]``) absent from the baseline;
* **SSTI** — an arithmetic canary whose product (not the expression) comes back.
"""

from __future__ import annotations

import asyncio
import random
import re
from dataclasses import dataclass
from typing import Any

from apishield.probe import rules
from apishield.probe.checks._util import same, try_send, who_for
from apishield.probe.client import Exchange
from apishield.probe.engine import Context, Identity, check
from apishield.probe.targets import Operation, sample_body, sample_value

SQL_ERRORS = re.compile(
    r"(?i)(sqlite3?\.|OperationalError|unrecognized token|near \"[^\"]*\": syntax error|SQL syntax|"
    r"unterminated quoted string|syntax error at or near|psycopg|pg_query|PG::|SQLSTATE|ORA-\d{5}|"
    r"mysql_fetch|MySQLSyntaxErrorException|quoted string not properly terminated|SQLException|"
    r"unclosed quotation mark|Microsoft OLE DB|ODBC SQL Server)"
)
FILE_SIGNATURES = re.compile(r"root:[x*]?:0:0:|\[fonts\]|\[extensions\]|for 16-bit app support")
TRAVERSAL = ("../../../../../../../../etc/passwd", "....//....//....//....//....//etc/passwd", "/etc/passwd",
             "..\\..\\..\\..\\..\\..\\windows\\win.ini")
FILEISH = re.compile(r"(?i)(file|path|name|doc|page|template|download|attachment|dir|folder|image|report)")
BOOL_PAIRS = (("' OR 1=1-- ", "' OR 1=2-- "), ("' OR 2>1-- ", "' OR 2>3-- "),
              (" OR 1=1", " OR 1=2"), (" OR 2>1", " OR 2>3"))
TIME_PAYLOADS = (
    ("SQLite heavy query", "'||(SELECT count(*) FROM (WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM r "
     "LIMIT {n}) SELECT i FROM r))||'", (3_000_000, 6_000_000)),
    ("PostgreSQL pg_sleep", "'||(SELECT '' FROM pg_sleep({n}))||'", (1, 2)),
    ("MySQL SLEEP", "' AND SLEEP({n})-- ", (1, 2)),
)


@dataclass(frozen=True, slots=True)
class Slot:
    """One injectable place: an operation, a parameter and where it goes."""

    op: Operation
    name: str
    location: str  # query | path | body
    identity: Identity | None


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
        if op.method == "POST":
            for name, schema in op.body_fields.items():
                if isinstance(schema, dict) and schema.get("type", "string") == "string" and "pass" not in name:
                    out.append(Slot(op, name, "body", who))
    # GET query parameters first: cheapest and safest
    return sorted(out, key=lambda s: (s.location == "body", s.op.path))


class Sender:
    """Sends one slot with a chosen value, everything else filled with sample values."""

    def __init__(self, ctx: Context, slot: Slot) -> None:
        self.ctx, self.slot = ctx, slot
        op = slot.op
        # one generator per slot: slots run concurrently, yet every payload is the same under one --seed
        self.rng = random.Random(f"{ctx.options.seed}|{op.key}|{slot.location}|{slot.name}")
        self.query = {p.name: sample_value(p.schema, self.rng, p.name) for p in op.params if p.location == "query"}
        self.body = sample_body(op.body_schema, self.rng) if op.method == "POST" else None
        self.default: Any = self.query.get(slot.name) if slot.location == "query" else (
            (self.body or {}).get(slot.name) if slot.location == "body" else "apishield")

    async def __call__(self, value: Any, timeout: float | None = None) -> Exchange | None:
        s, ctx = self.slot, self.ctx
        query = dict(self.query)
        body = dict(self.body) if self.body is not None else None
        path = ctx.concrete_path(s.op, s.identity) or s.op.path
        if s.location == "query":
            query[s.name] = value
        elif s.location == "body" and body is not None:
            body[s.name] = value
        else:
            path = s.op.path.replace("{" + s.name + "}", str(value).replace("/", "%2F"))
            path = ctx.concrete_path(Operation(s.op.method, path, params=tuple(
                p for p in s.op.params if p.name != s.name)), s.identity) or path
        return await try_send(ctx, s.op.method, path, op=s.op, identity=s.identity, params=query or None,
                              json_body=body, timeout=timeout)


async def _sql_error(ctx: Context, slot: Slot, send: Sender, base: Exchange) -> bool:
    if SQL_ERRORS.search(base.text):
        return False
    for suffix in ("'", "\"", "')"):
        ex = await send(f"{send.default}{suffix}")
        if ex is None:
            return False
        match = SQL_ERRORS.search(ex.text)
        if match:
            ctx.report(rules.SQLI_ERROR, f"a {suffix!r} in {slot.name!r} produced a database error "
                       f"({match.group(0)!r})", ex, op=slot.op, parameter=slot.name, highlight=match.group(0))
            return True
    return False


async def _sql_boolean(ctx: Context, slot: Slot, send: Sender, base: Exchange) -> bool:
    confirmed: list[Exchange] = []
    for true_sfx, false_sfx in BOOL_PAIRS:
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
    return False


async def _sql_time(ctx: Context, slot: Slot, send: Sender) -> bool:
    samples = []
    for _ in range(3):
        ex = await send(send.default)
        if ex is None or ex.status is None:
            return False
        samples.append(ex.elapsed)
    base = max(samples)
    for label, template, (small, large) in TIME_PAYLOADS:
        first = await send(f"{send.default}{template.format(n=small)}", timeout=base + 8)
        if first is None or first.elapsed - base < 0.3:
            continue
        second = await send(f"{send.default}{template.format(n=large)}", timeout=base + 12)
        again = await send(f"{send.default}{template.format(n=small)}", timeout=base + 8)
        if second is None or again is None:
            return False
        d1, d2, d3 = first.elapsed - base, second.elapsed - base, again.elapsed - base
        if d2 > 1.3 * d1 and d3 > 0.3 and d2 > 0.6:
            ctx.report(rules.SQLI_TIME, f"{slot.name!r}: {label} delays the answer in proportion to its size "
                       f"(baseline {base:.2f}s, +{d1:.2f}s at {small}, +{d2:.2f}s at {large}, repeat +{d3:.2f}s)",
                       second, op=slot.op, parameter=slot.name, delays=[round(d1, 3), round(d2, 3), round(d3, 3)])
            return True
    return False


async def _xss(ctx: Context, slot: Slot, send: Sender) -> None:
    tag = "apsh" + "".join(send.rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6))
    ex = await send(f"{send.default}\"'><{tag} x=1>")
    if ex is None or ex.content_type not in ("text/html", "application/xhtml+xml"):
        return
    if f"<{tag} x=1>" in ex.text:
        ctx.report(rules.XSS, f"{slot.name!r} is reflected unescaped into a text/html page", ex, op=slot.op,
                   parameter=slot.name, highlight=f"<{tag}")


async def _traversal(ctx: Context, slot: Slot, send: Sender, base: Exchange) -> None:
    if not FILEISH.search(slot.name) or FILE_SIGNATURES.search(base.text):
        return
    for payload in TRAVERSAL:
        ex = await send(payload)
        match = FILE_SIGNATURES.search(ex.text) if ex is not None else None
        if ex is not None and match:
            ctx.report(rules.PATH, f"{slot.name}={payload!r} returned a system file", ex, op=slot.op,
                       parameter=slot.name, highlight=match.group(0))
            return


async def _ssti(ctx: Context, slot: Slot, send: Sender, base: Exchange) -> None:
    a, b = 7000 + send.rng.randrange(999), 131 + send.rng.randrange(97)
    product = str(a * b)
    payload = f"apsh{{{{{a}*{b}}}}}x${{{a}*{b}}}y<%= {a}*{b} %>"
    if product in base.text:
        return
    ex = await send(payload)
    if ex is not None and product in ex.text:
        ctx.report(rules.SSTI, f"{slot.name!r}: the template expression {a}*{b} came back evaluated ({product})",
                   ex, op=slot.op, parameter=slot.name, highlight=product)


@check("injection", rules=(rules.SQLI_ERROR, rules.SQLI_BOOL, rules.SQLI_TIME, rules.XSS, rules.PATH, rules.SSTI),
       weight=40, phase="input", order=10)
async def injection(ctx: Context) -> None:
    """SQL, XSS, traversal and template injection per parameter, each with a baseline and a proof."""
    senders = [Sender(ctx, slot) for slot in slots(ctx)]
    ctx.plan(dict.fromkeys(send.slot.op.key for send in senders))
    if not senders:
        ctx.not_applicable("no string parameter or body field to inject into")
    # fast techniques run for all parameters concurrently (the client bounds requests in flight) ...
    outcomes = await asyncio.gather(*(_fast(ctx, send) for send in senders), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome  # BudgetExhausted (the engine notes it) or a real error; all tasks have finished
    # ... time-based SQL injection runs alone, one parameter after the other, so timings are not disturbed
    candidates = [send for send, needs_time in zip(senders, outcomes, strict=True) if needs_time is True]
    for send in candidates[:12]:
        await _sql_time(ctx, send.slot, send)


async def _fast(ctx: Context, send: Sender) -> bool:
    """Error, boolean, XSS, traversal and SSTI for one parameter; True when time-based SQLi is still worth a try."""
    slot = send.slot
    base = await send(send.default)
    if base is None or base.status is None:
        return False
    found = await _sql_error(ctx, slot, send, base) or await _sql_boolean(ctx, slot, send, base)
    await _xss(ctx, slot, send)
    await _traversal(ctx, slot, send, base)
    await _ssti(ctx, slot, send, base)
    return not found and base.status < 500
