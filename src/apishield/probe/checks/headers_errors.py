"""Headers and errors: security headers, version banners, TRACE, error detail, debug pages, user enumeration.

The active part provokes errors (malformed JSON, wrong types) and compares login answers; the passive part
(:func:`passive`, run last, no requests) reads every exchange the probe recorded for stack traces, debugger
pages and sensitive fields in responses.
"""

from __future__ import annotations

import re

from apishield.findings import Severity
from apishield.probe import rules
from apishield.probe.checks._util import normalise, sensitive_fields, try_send
from apishield.probe.client import Exchange
from apishield.probe.engine import Context, check
from apishield.probe.identities import find_op

STACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+|"
                   r"at [a-zA-Z0-9_.$]+\([A-Za-z0-9_]+\.java:\d+\)|System\.[A-Za-z.]+Exception:|"
                   r"Fatal error: .* on line \d+|<b>Warning</b>:.*on line")
DEBUG = re.compile(r"Werkzeug Debugger|__debugger__|You're seeing this error because you have <code>DEBUG = True|"
                   r"Django Version:|Whoops! There was an error|cherrypy\._cperror|Bottle v[\d.]+ server error")
VERSION_BANNER = re.compile(r"\d+\.\d+")
NEEDED = {"x-content-type-options": "nosniff"}
HTML_NEEDED = ("content-security-policy", "x-frame-options")


@check("headers_errors", rules=(rules.HEADERS, rules.BANNER, rules.TRACE, rules.STACK, rules.ENUM), weight=4,
       phase="config", order=20)
async def headers_errors(ctx: Context) -> None:
    """Missing headers, banners, TRACE, provoked errors and user enumeration."""
    op = ctx.canary or next((o for o in ctx.operations if o.method == "GET" and not o.path_params), None)
    path = op.path if op else "/"
    who = ctx.users[0] if ctx.canary and ctx.users else None
    if op is not None:
        ctx.plan([op])
    ex = await try_send(ctx, "GET", path, op=op, identity=who)
    if ex is not None and ex.status is not None:
        missing = [h for h, v in NEEDED.items() if (ex.header(h) or "").lower() != v]
        if ex.content_type == "text/html":
            missing += [h for h in HTML_NEEDED if ex.header(h) is None]
        if ctx.client.origin[0] == "https" and ex.header("strict-transport-security") is None:
            missing.append("strict-transport-security")
        if ex.header("cache-control") is None and who is not None and ex.ok:  # only an authenticated 2xx answer
            missing.append("cache-control (authenticated answer)")
        if missing:
            ctx.report(rules.HEADERS, f"missing: {', '.join(missing)}", ex, op=op, missing=missing)
        banner = " ".join(v for k, v in ex.response_headers if k.lower() in ("server", "x-powered-by"))
        if VERSION_BANNER.search(banner):
            ctx.report(rules.BANNER, f"version banner: {banner!r}", ex, op=op)
    trace = await try_send(ctx, "TRACE", path, headers={"X-Apishield-Trace": "apishield-trace-echo"})
    if trace is not None and trace.ok and "apishield-trace-echo" in trace.text:
        ctx.report(rules.TRACE, "TRACE answered 2xx and echoed the request", trace, highlight="apishield-trace-echo")
    # provoke errors: malformed JSON and wrong types
    posts = [o for o in ctx.operations if o.method == "POST" and not o.looks_destructive() and not o.path_params]
    for post in posts[:6]:
        bad = await try_send(ctx, "POST", post.path, op=post, identity=who if post.secured else None,
                             content='{"apishield": [1, 2', headers={"Content-Type": "application/json",
                                                                     **(who.headers if who and post.secured else {})})
        if bad is not None:
            _errors(ctx, bad, active=True)
    await _enumeration(ctx)


async def _enumeration(ctx: Context) -> None:
    login = find_op(ctx.operations, "login")
    known = next((i for i in ctx.identities if i.username), None)
    if login is None or known is None or not known.username:
        return
    fields = list(login.body_fields) or ["username", "password"]
    user_key = next((f for f in fields if f.lower() in ("username", "user", "login", "email")), "username")
    pass_key = next((f for f in fields if "pass" in f.lower()), "password")
    answers: list[tuple[Exchange, Exchange]] = []
    for _ in range(2):
        wrong = await try_send(ctx, login.method, login.path, op=login,
                               json_body={user_key: known.username, pass_key: "Wrong-" + ctx.token(10)})
        unknown = await try_send(ctx, login.method, login.path, op=login,
                                 json_body={user_key: f"apishield_nobody_{ctx.token(8)}",
                                            pass_key: "Wrong-" + ctx.token(10)})
        if wrong is None or unknown is None or wrong.ok or unknown.ok:
            return
        answers.append((wrong, unknown))
    if all(w.status != u.status or normalise(w.text) != normalise(u.text) for w, u in answers):
        w, u = answers[0]
        ctx.report(rules.ENUM, f"wrong password for an existing user answers {w.status} {w.text[:80]!r}; an unknown "
                   f"user answers {u.status} {u.text[:80]!r}", u, op=login, parameter=user_key)


def _errors(ctx: Context, ex: Exchange, active: bool = False) -> None:
    text = ex.text
    debug = DEBUG.search(text)
    if debug:
        ctx.report(rules.DEBUG, f"debug page in the answer ({debug.group(0)!r})", ex, highlight=debug.group(0))
        return
    stack = STACK.search(text)
    if stack:
        ctx.report(rules.STACK, f"stack trace in the answer ({stack.group(0)[:60]!r})", ex, highlight=stack.group(0))


@check("passive", rules=(rules.STACK, rules.DEBUG, rules.AUTH_SENSITIVE), weight=1, phase="passive", order=10)
async def passive(ctx: Context) -> None:
    """Reads every recorded exchange (no requests): stack traces, debug pages, sensitive fields."""
    seen: set[tuple[str, str]] = set()
    for ex in list(ctx.client.log):
        if ex.status is None:
            continue
        if (ex.method, ex.path) not in seen:
            _errors(ctx, ex)
        seen.add((ex.method, ex.path))
        if ex.ok and "json" in ex.content_type:
            leaked = sensitive_fields(ex.json())
            if leaked:
                anon = ex.identity == "anonymous"
                op = next((o for o in ctx.operations if o.method == ex.method and _matches(o.path, ex.path)), None)
                ctx.report(rules.AUTH_SENSITIVE, f"response carries {', '.join(leaked)}"
                           f"{' to an anonymous caller' if anon else ''}", ex, op=op, parameter=leaked[0],
                           severity=Severity.HIGH if anon else Severity.MEDIUM, highlight=f'"{leaked[0]}"')


def _matches(template: str, path: str) -> bool:
    return re.fullmatch(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)), path) is not None
