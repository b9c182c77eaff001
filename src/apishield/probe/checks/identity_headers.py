"""Identity chosen by a header the client sets (``X-User-Id: 3``, ``Remote-User: alice``): a debugging hook or a
trust in an authenticating proxy that is not there makes whoever names a user in the header that user.

Asked on protected pages only: a GET whose anonymous request is refused (401/403, or sent to the login page) while
an identity's own request is served. The anonymous request is then repeated with one identity header at a time —
the description's own header parameters named like one, else a short list of the usual names — holding a user's
id (the identities' own ids when known, else ``1`` and ``2``) or, for a name-like header, an identity's user name.
A finding needs that request served with content (not refused, not sent to the login page, not an empty answer)
and the same header naming a user nobody has refused: the value picks the user, not the header's presence. Reads
only; at most two pages; asked on the budget the other checks leave (deferred work), so it takes no share of theirs.

A role claimed by a header (``X-Admin: true``, ``X-Role: admin``) is asked the same way on administrative reads the
ordinary identity is refused: served with content, while the header claiming no role is refused, the function is
open to anyone who sends it (``PR-BFLA-001``); the header that opened one is then asked on the other administrative
reads the identity is refused.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from apishield.probe import rules
from apishield.probe.checks._util import try_send
from apishield.probe.checks.authn import invites_login, serves_nothing
from apishield.probe.checks.sessions import login_target
from apishield.probe.client import Exchange, denied
from apishield.probe.engine import Context, Identity, check
from apishield.probe.targets import Operation

#: header names that say whose request it is
IDENTITY_HEADER = re.compile(r"(?i)^(?:x-)?(?:(?:auth(?:enticated)?|remote|forwarded|acting|current|as|impersonate)"
                             r"[-_]?)?(?:user|uid|account|member)(?:[-_]?(?:id|name|login))?$")
#: the usual names, asked when the description declares none
COMMON = ("X-User-Id", "X-User", "X-Remote-User", "Remote-User", "X-Forwarded-User", "X-Auth-User")
NOBODY = "987654321"


def _refused(ctx: Context, ex: Exchange | None) -> bool:
    return ex is not None and (denied(ex) or login_target(ctx, ex) is not None or invites_login(ex)
                               or (ex.status is not None and ex.status >= 400))


def _served(ctx: Context, ex: Exchange | None) -> bool:
    return ex is not None and ex.ok and not _refused(ctx, ex) and not serves_nothing(ex)


def _values(ctx: Context, header: str) -> list[str]:
    """Whom to name: user names for a name-like header, ids otherwise (the identities' own, else the first two)."""
    if re.search(r"(?i)(name|login)$", header) or re.fullmatch(r"(?i)(x-)?(remote|forwarded|auth)-user", header):
        names = [u.username for u in ctx.users if u.username]
        if names:
            return list(dict.fromkeys(names))[:2]
    ids = [str(u.user_id) for u in ctx.users if u.user_id not in (None, "")]
    return list(dict.fromkeys(ids))[:2] or ["1", "2"]


def _headers(ctx: Context) -> list[str]:
    declared = [p.name for op in ctx.operations for p in op.params
                if p.location == "header" and IDENTITY_HEADER.match(p.name)]
    return list(dict.fromkeys(declared)) or list(COMMON)


def _pages(ctx: Context) -> list[Operation]:
    return [op for op in ctx.operations if op.method == "GET" and op.secured is not False
            and not op.looks_destructive() and not op.looks_login()]


MAX_PAGES = 2  # protected pages asked with identity headers
MAX_LOOKED_AT = 12  # GET pages asked anonymously to find them
MAX_REUSED = 12  # further administrative reads asked with a role header that opened one


@check("identity_headers", rules=(rules.HEADER_IDENTITY, rules.BFLA), weight=0, phase="auth", order=15)
async def identity_headers(ctx: Context) -> None:
    """A header the client sets (X-User-Id, Remote-User …) must not choose who the caller is."""
    user = ctx.users[0] if ctx.users else None
    pages = _pages(ctx)
    if not pages:
        ctx.not_applicable("no GET operation that may need credentials")
        return
    if user is None:
        ctx.needs_identity("identity headers are asked only on pages an identity is served and anonymous callers "
                           "are refused")
        return
    # asked on what the other checks leave (deferred work): a rarer flaw than theirs, it takes no share from them
    ctx.deferred.append(("identity_headers", functools.partial(_ask, ctx, user, pages)))
    ctx.deferred.append(("identity_headers", functools.partial(_roles, ctx, user, pages)))


#: headers that claim a privilege for the request, with the value that claims it and one that does not
ROLE_HEADERS = (("X-Admin", "true", "false"), ("X-Is-Admin", "1", "0"), ("X-Role", "admin", "user"),
                ("X-User-Role", "admin", "user"))


async def _roles(ctx: Context, user: Identity, pages: list[Operation]) -> None:
    """An administrative read the ordinary identity is refused, asked again by it with a header claiming the
    administrator's role (``X-Admin: true``, ``X-Role: admin``): served with content, while the same header
    claiming no role is refused, the role comes from the client. At most two reads are asked with every header;
    once one header opens a read, it is the attacker's key to the others, so each further administrative read the
    identity is refused (at most :data:`MAX_REUSED`) is asked with that header alone."""
    asked = reused = 0
    declared = {p.name.lower() for op in pages for p in op.params if p.location == "header"}
    headers = [*_declared_role_headers(pages, user),
               *sorted(ROLE_HEADERS, key=lambda h: h[0].lower() not in declared)]  # the description's own first
    proven: tuple[str, str, str] | None = None
    admin = [o for o in pages if o.looks_admin()]
    for looked, op in enumerate(admin):
        if (proven is None and (asked >= MAX_PAGES or looked >= MAX_LOOKED_AT)) or reused >= MAX_REUSED:
            return
        path = ctx.concrete_path(op, user)
        mine = await try_send(ctx, "GET", path, op=op, identity=user) if path is not None else None
        if path is None or mine is None or not _refused(ctx, mine):
            continue
        if proven is None:
            asked += 1
        else:
            reused += 1
        for header, claim, plain in [proven] if proven is not None else headers:
            ex = await _opened(ctx, op, path, user, {}, header, claim, plain)
            if ex is None:
                continue
            ctx.report(rules.BFLA, f"GET {op.path} refused {user.name} ({mine.status}) but served {ex.status} when it "
                       f"sent '{header}: {claim}' ('{header}: {plain}' refused): the role comes from the client",
                       ex, op=op, parameter=header)
            proven = (header, claim, plain)
            break


#: a declared header named for a role or privilege (``X-Gateway-Context-Role``, ``X-Privilege``)
_ROLE_HEADER = re.compile(r"(?i)role|privilege|permission")


def _declared_role_headers(pages: list[Operation], user: Identity) -> list[tuple[str, str, str]]:
    """The description's own headers named for a role, not among the usual ones: claimed as ``admin``, with the
    identity's own role (as its login or ``/me`` answer shows it) as the value that claims nothing, else ``user``."""
    known = {h[0].lower() for h in ROLE_HEADERS}
    own = next((str(v) for k, v in user.attributes.items() if re.search(r"(?i)role", str(k)) and isinstance(v, str)
                and v), "user")
    names = dict.fromkeys(p.name for op in pages for p in op.params
                          if p.location == "header" and _ROLE_HEADER.search(p.name) and p.name.lower() not in known)
    return [(name, "admin", own) for name in names if own.lower() != "admin"]


async def _opened(ctx: Context, op: Operation, path: str, who: Identity | None, query: dict[str, Any], header: str,
                  value: str, control: str) -> Exchange | None:
    """The answer to ``header: value`` when it is served with content while ``header: control`` is refused (the
    value, not the header's presence, opens the page); None otherwise."""
    ex = await try_send(ctx, "GET", path, op=op, identity=who, params=query or None, headers={header: value})
    if ex is None or not _served(ctx, ex):
        return None
    refused = await try_send(ctx, "GET", path, op=op, identity=who, params=query or None, headers={header: control})
    return ex if refused is not None and _refused(ctx, refused) else None


async def _ask(ctx: Context, user: Identity, pages: list[Operation]) -> None:
    headers, asked = _headers(ctx), 0
    for op in pages[:MAX_LOOKED_AT]:
        if asked >= MAX_PAGES:
            return
        path = ctx.concrete_path(op, user)
        if path is None:
            continue
        query = ctx.query_for(op)
        anon = await try_send(ctx, "GET", path, op=op, params=query)
        if anon is None or not _refused(ctx, anon):
            continue
        if not _served(ctx, await try_send(ctx, "GET", path, op=op, identity=user, params=query)):
            continue
        asked += 1
        ctx.plan([op])
        for header in headers:
            for value in _values(ctx, header):
                ex = await _opened(ctx, op, path, None, query, header, value, NOBODY)
                if ex is None:
                    continue
                ctx.report(rules.HEADER_IDENTITY, f"GET {op.path} refused an anonymous caller ({anon.status}) but "
                           f"served {ex.status} to one sending only '{header}: {value}' (the same header naming "
                           f"nobody was refused)", ex, op=op, parameter=header)
                return
    if not asked:
        ctx.not_applicable(f"none of the first {MAX_LOOKED_AT} GET pages refused anonymous callers while serving "
                           f"{user.name}")


__all__ = ["IDENTITY_HEADER", "MAX_PAGES", "identity_headers"]
