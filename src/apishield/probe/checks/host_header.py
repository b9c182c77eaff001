"""Host header injection: the request is sent once as usual (the control) and once with a made-up host on a
reserved domain in ``Host``, then in ``X-Forwarded-Host``; the operation trusts the header when the forged host
comes back as the host of an address in the answer — the ``Location`` of a redirect, or a link in the body
(``https://…``, ``//…``, an ``href``/``src``/``action`` attribute or a JSON ``url``/``link`` value starting with
it), the way password-reset links are built — and the control answer carries no such address with it. A forged
host that is only echoed as text (a page listing the request's headers), or named in an error answer (a 4xx/5xx:
the host refused), is not a link and does not count.

Operations whose earlier answers already show the target's own host in an address, or whose description speaks of
links, e-mails, resets or redirects, are tried first; at most twelve operations, two or three requests each.
Operations that earlier gave no answer, a cut-off or a slow one are left out. Harmless: the connection still goes
to the target, and the reserved host (``.example``) cannot exist.
"""

from __future__ import annotations

import re

from apishield.probe import rules
from apishield.probe.checks._util import try_send, who_for
from apishield.probe.client import Exchange
from apishield.probe.engine import Context, check
from apishield.probe.targets import Operation

FORGED = "apishield-host.example"
HEADERS = ("Host", "X-Forwarded-Host")
MAX_OPS = 12
HINT = re.compile(r"(?i)reset|forgot|email|mail|link|url|redirect|callback|invite|confirm|verify|host|share")


def link_pattern(host: str) -> re.Pattern[str]:
    """``host`` as the host of an address: after ``://`` or ``//``, or at the start of an attribute or JSON value
    that names a place (``href='host…'``, ``"url": "host/…"``)."""
    h = re.escape(host)
    return re.compile(rf"(?i)(?:[a-z][a-z0-9+.-]*:)?//{h}(?![\w.-])|"
                      rf"""\b(?:href|src|action|formaction|url|link|location)\\?['"]?\s*[=:]\s*\\?['"]?{h}(?![\w.-])""")


def reflected(ex: Exchange, host: str) -> str | None:
    """Where the answer uses ``host`` as an address: the Location header or a link in the body."""
    pattern = link_pattern(host)
    location = ex.header("location") or ""
    if pattern.search(location) or location.lower().startswith(host.lower()):
        return f"Location: {location[:120]}"
    found = pattern.search(ex.text[:65536])
    return found.group(0) if found else None


def _priority(ctx: Context, op: Operation) -> int:
    """0: an earlier answer of ``op`` showed the target's own host in an address; 1: its description speaks of
    links, e-mails, resets or redirects; 2: anything else."""
    _scheme, host, port = ctx.client.origin
    if any(ex.operation == op.key and ex.status is not None and any(reflected(ex, h) for h in (f"{host}:{port}", host))
           for ex in ctx.client.log):
        return 0
    return 1 if HINT.search(" ".join((op.path, op.operation_id, op.summary, *op.tags))) else 2


def _troubling(ctx: Context, ex: Exchange) -> bool:
    """No answer, a cut-off one or a slow one: more requests to that operation would only wait."""
    return ex.status is None or ex.truncated or ex.elapsed > ctx.client.timeout


def _troubled(ctx: Context) -> set[str]:
    """Operations that earlier answered troublingly (see :func:`_troubling`)."""
    return {ex.operation or f"{ex.method} {ex.path}" for ex in ctx.client.log if _troubling(ctx, ex)}


def _candidates(ctx: Context) -> list[Operation]:
    troubled = _troubled(ctx)
    ops = [op for op in ctx.operations if op.method in ("GET", "POST") and not op.looks_destructive()
           and not op.looks_logout() and op.key not in troubled]
    return sorted(ops, key=lambda op: _priority(ctx, op))[:MAX_OPS]


@check("host_header", rules=(rules.HOST_HEADER,), weight=5, phase="config", order=30)
async def host_header(ctx: Context) -> None:
    """A made-up Host or X-Forwarded-Host must not become the host of a link or redirect in the answer."""
    ops = _candidates(ctx)
    if not ops:
        ctx.not_applicable("no GET or POST operation to send a forged Host header to")
        return
    ctx.plan(ops)
    for op in ops:
        who = who_for(ctx, op)
        path = ctx.concrete_path(op, who)
        if path is None:
            continue
        body = ctx.body_for(op)
        send = {"op": op, "identity": who, "params": ctx.query_for(op), "json_body": body or None}
        control = await try_send(ctx, op.method, path, **send)
        if control is None or _troubling(ctx, control) or reflected(control, FORGED):
            continue
        for name in HEADERS:
            ex = await try_send(ctx, op.method, path, headers={name: FORGED}, **send)
            if ex is None or ex.status is None:
                break
            if ex.status >= 400:
                continue  # the host was refused (Django's DisallowedHost page names it): no link was built
            where = reflected(ex, FORGED)
            if where is not None:
                ctx.report(rules.HOST_HEADER, f"{name}: {FORGED} came back as an address in the {ex.status} answer "
                           f"({where!r}); the same request without it did not", ex, op=op, parameter=name,
                           highlight=FORGED)
                break


__all__ = ["host_header", "link_pattern", "reflected"]
