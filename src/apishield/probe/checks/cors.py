"""CORS: send foreign origins and look at what the server allows back.

* an arbitrary origin reflected in ``Access-Control-Allow-Origin`` together with
  ``Access-Control-Allow-Credentials: true``;
* the ``null`` origin allowed, or prefix/suffix tricks on the target's own host (``target.evil.example``,
  ``eviltarget``) allowed, with credentials.

``*`` together with ``Allow-Credentials: true`` is noted, not reported: browsers refuse to show a credentialed answer
under ``*`` (the Fetch standard's CORS check), so it exposes no more than ``*`` alone.

An origin allowed *without* credentials is what ``*`` allows (flask-cors' and many frameworks' default): a browser
then neither sends cookies nor shows an authenticated answer to the foreign page, which could only read what it can
fetch itself. That is noted, not reported. An API whose every identity authenticates with a header a page must set
itself (``Authorization: Bearer``, ``X-API-Key``) and that sets no credential cookie is reported low, as a latent
misconfiguration, when it reflects the foreign origin: "with credentials" carries nothing today, and would carry a
cookie added tomorrow (``*`` with credentials would not: browsers never send credentials to it). A cookie counts
as a credential when it is set at sign-in or named for a session, token or user, and the operation the identities
were proven on (the canary, which refuses anonymous callers) still accepts it alone, without the ``Authorization``
header: a preference or tracking cookie set beside a bearer token carries no authority. Only when the target's
authority can be ambient (such a cookie, HTTP Basic that the browser repeats, or no identity to tell by) is a
foreign origin reported at the rule's severity.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from apishield.findings import Severity
from apishield.probe import rules
from apishield.probe.checks._util import set_cookies, try_send, who_for
from apishield.probe.client import ANONYMOUS, Exchange, denied
from apishield.probe.engine import Context, Identity, check
from apishield.probe.targets import Operation


@check("cors", rules=(rules.CORS_REFLECT, rules.CORS_NULL, rules.CORS_TRICK), weight=2,
       phase="config", order=10)
async def cors(ctx: Context) -> None:
    """Foreign, null and look-alike origins must not be allowed."""
    op = ctx.canary or next((o for o in ctx.operations if o.method == "GET" and not o.path_params), None)
    if op is None:
        return
    who = who_for(ctx, op) if ctx.canary else None
    ctx.plan([op])
    scheme, host, port = ctx.client.origin
    trials = (
        (rules.CORS_REFLECT, "https://apishield-evil.example"),
        (rules.CORS_NULL, "null"),
        (rules.CORS_TRICK, f"{scheme}://{host}.apishield-evil.example"),
        (rules.CORS_TRICK, f"{scheme}://apishieldevil{host}:{port}"),
    )
    for rule, origin in trials:
        ex = await try_send(ctx, "GET", op.path, op=op, identity=who, headers={**(who.headers if who else {}),
                                                                               "Origin": origin})
        if ex is None or ex.status is None:
            return
        allowed = ex.header("access-control-allow-origin")
        creds = (ex.header("access-control-allow-credentials") or "").lower() == "true"
        if (allowed == origin or allowed == "*") and creds and not await ambient(ctx, ex):
            latent = allowed == origin  # a browser never sends credentials to '*': that one stays harmless
            ctx.notes.append(f"cors: Origin {origin!r} is allowed with credentials on {op.key}, but every identity "
                             "authenticates with a header the page must set itself and no cookie the target sets "
                             "acts as a credential: none rides along"
                             + (" (reported low, as latent)" if latent else " (not reported)"))
            if latent:
                ctx.report(rule, f"Origin {origin!r} is allowed with credentials — latent: every identity "
                           "authenticates with a header a page must set itself, so no credential rides along today; "
                           "a session cookie or HTTP Basic added later would be read by any site", ex, op=op,
                           parameter="Origin", highlight="access-control-allow-origin", severity=Severity.LOW)
            return
        if allowed == "*" and creds:
            ctx.notes.append(f"cors: '*' is sent with Allow-Credentials: true on {op.key}; browsers refuse a "
                             "credentialed answer under '*', so a foreign page reads only what it could fetch itself "
                             "(not reported)")
            return
        if allowed == origin and not creds:
            ctx.notes.append(f"cors: Origin {origin!r} is allowed without credentials on {op.key} (what '*' "
                             "allows: no cookie is sent and no authenticated answer is shown; not reported)")
            return
        if allowed == origin:
            ctx.report(rule, f"Origin {origin!r} is allowed with credentials", ex, op=op,
                       parameter="Origin", highlight="access-control-allow-origin")
            if rule is rules.CORS_REFLECT:
                return  # reflects everything: the other trials add nothing


#: cookie names that carry who the caller is (a session, a token, a remembered or plain user id)
CREDENTIAL_COOKIE = re.compile(r"(?i)sess|sid|auth|token|jwt|login|user|remember|ident|account")


async def ambient(ctx: Context, ex: Exchange) -> bool:
    """Whether a browser would attach the target's credentials to a foreign page's request by itself: an identity
    signs in with a cookie or HTTP Basic, a cookie the target sets (at sign-in, or named for a session, token or
    user) acts as a credential, or there is no identity to tell by."""
    signed_in = [i for i in ctx.identities if i.headers]
    if not signed_in:
        return True
    for identity in signed_in:
        for name, value in identity.headers.items():
            if name.lower() == "cookie" or (name.lower() == "authorization" and value.lower().startswith("basic ")):
                return True
    login_path = ctx.login[1] if ctx.login else None
    jar: dict[str, str] = {}
    for seen in [*ctx.client.log, ex]:
        names = set_cookies(seen)
        if names and (seen.path == login_path or any(CREDENTIAL_COOKIE.search(n) for n in names)):
            jar.update(names)
    return bool(jar) and await _cookies_authorise(ctx, jar)


async def _cookies_authorise(ctx: Context, jar: dict[str, str]) -> bool:
    """An operation that refuses anonymous callers and accepted an identity, asked again with these cookies alone:
    a refusal means they carry no authority. With no such operation nothing tells, so they count."""
    protected = _protected_read(ctx)
    if protected is None:
        return True
    op, path = protected
    cookies = Identity("cookies set by the target", headers={"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())})
    replay = await try_send(ctx, "GET", path, op=op, identity=cookies)
    return replay is None or replay.status is None or not denied(replay)


def _protected_read(ctx: Context) -> tuple[Operation, str] | None:
    """The canary, else a GET the log shows refused to anonymous callers and answered 2xx to an identity (at the
    path that identity was answered on)."""
    if ctx.canary is not None:
        return ctx.canary, ctx.canary.path
    prefix = urlsplit(ctx.client.base_url).path.rstrip("/")
    for key, refused in ctx.client.refused.items():
        if "anonymous" not in refused:
            continue
        op = next((o for o in ctx.operations if o.key == key and o.method == "GET"), None)
        seen = next((e for e in ctx.client.log if e.operation == key and e.ok and e.identity != ANONYMOUS), None)
        if op is not None and seen is not None:
            path = seen.path[len(prefix):] if prefix and seen.path.startswith(prefix) else seen.path
            return op, path + (f"?{urlsplit(seen.url).query}" if urlsplit(seen.url).query else "")
    return None
