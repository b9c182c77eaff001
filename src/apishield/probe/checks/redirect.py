"""Open redirect: a query parameter that names where to go next (``next``, ``url``, ``redirect_uri`` …, a
parameter the description types as a URI, or one whose example is a path or URL), or a field so named that a POST
takes in its form or JSON body (a login form's ``next``), is given an outside address on a reserved domain; the
operation redirects openly when its 3xx answer's ``Location`` points at that host, or when
its 2xx HTML page sends the browser there by itself: a script assigning the address to ``location``
(``window.location = '…'``, ``location.href``, ``location.replace('…')``, ``location.assign``) or a
``<meta http-equiv="refresh" content="0;url=…">``. Harmless: redirects are never followed, and the host
(``.example``) cannot exist.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from apishield.probe import rules
from apishield.probe.checks._util import try_send, who_for
from apishield.probe.engine import Context, check
from apishield.probe.targets import Operation, Param, sample_value

HOST = "apishield-redirect.example"
PAYLOADS = (f"https://{HOST}/landing", f"//{HOST}/landing", f"https:/\\{HOST}/landing")
REDIRECT_NAME = re.compile(r"(?i)^(.*[_-])?(redirect|redir|return|returnto|return_?url|next|url|uri|goto|dest|"
                           r"destination|continue|forward|target|callback|back|success|failure|location|link)"
                           r"([_-]?(url|uri|to|path|page|link))?$")


SCRIPT_TARGET = re.compile(r"""(?i)\blocation(?:\.href)?\s*=\s*(['"`])(.*?)\1|"""
                           r"""\blocation\.(?:replace|assign)\(\s*(['"`])(.*?)\3""")
META_TARGET = re.compile(r"""(?is)<meta[^>]+http-equiv\s*=\s*['"]?refresh['"]?[^>]*?content\s*=\s*['"]?"""
                         r"""\s*\d*\s*;?\s*url\s*=\s*['"]?([^'">\s]+)""")


def redirect_param(p: Param) -> bool:
    example = next((p.schema.get(k) for k in ("example", "default") if isinstance(p.schema.get(k), str)), "")
    return p.location == "query" and (bool(REDIRECT_NAME.match(p.name))
                                      or p.schema.get("format") in ("uri", "url", "uri-reference")
                                      or str(example).startswith(("/", "http://", "https://")))


def client_side_targets(html: str) -> list[str]:
    """Where a page sends the browser by itself: script assignments to ``location`` and meta refreshes."""
    found = [m.group(2) if m.group(2) is not None else m.group(4) for m in SCRIPT_TARGET.finditer(html)]
    return [*found, *(m.group(1) for m in META_TARGET.finditer(html))]


def redirect_fields(op: Operation) -> list[str]:
    """Body fields of a form or JSON POST that name where to go next (``next`` of a login form)."""
    return [str(n) for n in op.body_fields if REDIRECT_NAME.match(str(n))] if op.method == "POST" else []


@check("redirect", rules=(rules.REDIRECT,), weight=1, phase="input", order=40)
async def redirect(ctx: Context) -> None:
    """Parameters and posted fields that name a destination must not send the client to an outside host."""
    ops = [op for op in ctx.operations if not op.looks_destructive() and (
        (op.method == "GET" and any(redirect_param(p) for p in op.params)) or redirect_fields(op))]
    if not ops:
        ctx.not_applicable("no query parameter or posted field names a destination")
        return
    ctx.plan(ops)
    for op in ops:
        who = who_for(ctx, op)
        path = ctx.concrete_path(op, who) or op.path
        query = {p.name: sample_value(p.schema, ctx.rng, p.name) for p in op.params if p.location == "query"}
        body = ctx.body_for(op) or {}
        names = [p.name for p in op.params if redirect_param(p)] if op.method == "GET" else redirect_fields(op)
        for name in names:
            for payload in PAYLOADS:
                sent = {"params": {**query, name: payload}} if op.method == "GET" else {
                    "params": query or None, "json_body": {**body, name: payload}}
                ex = await try_send(ctx, op.method, path, op=op, identity=who, **sent)
                if ex is None or ex.status is None:
                    break
                location = ex.header("location") or ""
                if 300 <= ex.status < 400 and _outside(ctx, location):
                    ctx.report(rules.REDIRECT, f"{name}={payload!r} answered {ex.status} with Location "
                               f"{location!r}: the client is sent to an outside host", ex, op=op,
                               parameter=name, highlight=HOST)
                    break
                if ex.ok and ex.content_type in ("text/html", "application/xhtml+xml"):
                    scripted = next((t for t in client_side_targets(ex.text) if _outside(ctx, t)), None)
                    if scripted is not None:
                        ctx.report(rules.REDIRECT, f"{name}={payload!r}: the {ex.status} HTML page sends the "
                                   f"browser to {scripted!r} by itself (script or meta refresh)", ex, op=op,
                                   parameter=name, highlight=HOST)
                        break
                    if payload in ex.text:
                        continue  # written into the page elsewhere: another spelling may land in a redirect
                if not 300 <= ex.status < 400:
                    break  # no redirect at all for this value: the other spellings would not change that


def _outside(ctx: Context, location: str) -> bool:
    scheme, host, port = ctx.client.origin
    return urlsplit(urljoin(f"{scheme}://{host}:{port}/", location.replace("\\", "/"))).hostname == HOST
