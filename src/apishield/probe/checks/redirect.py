"""Open redirect: a query parameter that names where to go next (``next``, ``url``, ``redirect_uri`` …, or a
parameter the description types as a URI) is given an outside address on a reserved domain; the operation
redirects openly when its 3xx answer's ``Location`` points at that host. Harmless: redirects are never
followed, and the host (``.example``) cannot exist.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from apishield.probe import rules
from apishield.probe.checks._util import try_send, who_for
from apishield.probe.engine import Context, check
from apishield.probe.targets import Param, sample_value

HOST = "apishield-redirect.example"
PAYLOADS = (f"https://{HOST}/landing", f"//{HOST}/landing", f"https:/\\{HOST}/landing")
REDIRECT_NAME = re.compile(r"(?i)^(.*[_-])?(redirect|redir|return|returnto|return_?url|next|url|uri|goto|dest|"
                           r"destination|continue|forward|target|callback|back|success|failure|location|link)"
                           r"([_-]?(url|uri|to|path|page|link))?$")


def redirect_param(p: Param) -> bool:
    return p.location == "query" and (bool(REDIRECT_NAME.match(p.name))
                                      or p.schema.get("format") in ("uri", "url", "uri-reference"))


@check("redirect", rules=(rules.REDIRECT,), weight=1, phase="input", order=40)
async def redirect(ctx: Context) -> None:
    """Parameters that name a destination must not send the client to an outside host."""
    ops = [op for op in ctx.operations if op.method == "GET" and not op.looks_destructive()
           and any(redirect_param(p) for p in op.params)]
    if not ops:
        ctx.not_applicable("no query parameter names a destination")
        return
    ctx.plan(ops)
    for op in ops:
        who = who_for(ctx, op)
        path = ctx.concrete_path(op, who) or op.path
        query = {p.name: sample_value(p.schema, ctx.rng, p.name) for p in op.params if p.location == "query"}
        for param in (p for p in op.params if redirect_param(p)):
            for payload in PAYLOADS:
                ex = await try_send(ctx, "GET", path, op=op, identity=who, params={**query, param.name: payload})
                if ex is None or ex.status is None:
                    break
                location = ex.header("location") or ""
                scheme, host, port = ctx.client.origin
                target = urlsplit(urljoin(f"{scheme}://{host}:{port}/",
                                          location.replace("\\", "/")))
                if 300 <= ex.status < 400 and target.hostname == HOST:
                    ctx.report(rules.REDIRECT, f"{param.name}={payload!r} answered {ex.status} with Location "
                               f"{location!r}: the client is sent to an outside host", ex, op=op,
                               parameter=param.name, highlight=HOST)
                    break
                if not 300 <= ex.status < 400:
                    break  # no redirect at all for this value: the other spellings would not change that
