"""Password resets, asked for the probe's own account and a made-up one, anonymously: the answer must neither carry
the reset secret (whoever names an address could then set that account's password) nor tell which accounts exist.

Only the first step of a reset is asked (an operation that takes the account's e-mail or user name and no token or
new password), once for an identity's own account and twice for an address nobody has. A secret counts when a
field named like one (``reset_token``, ``token``, ``code``, ``reset_url``…) carries a value of six characters or
more that the request did not send and the made-up address's answer does not carry. Enumeration needs both
made-up addresses answered alike and the own account otherwise (status, or the text once the addresses sent and
the secret are taken out). Runs last but the passive checks: a reset that changes the password at once cannot
disturb the checks that need the identity's login.

The address is read from the identity's own record just before asking (``GET /me``), not from its login: the checks
that ran before may have changed it (an injection test on a contact form writes its payloads into that very field).
When the registered address's answer carries a link on the target's own host, the request is asked once more with a
made-up host in ``Host`` and then ``X-Forwarded-Host``: a link that follows it is reset-link poisoning (the mail
would send the account's secret to whoever owns that host).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from typing import Any

from apishield.probe import rules
from apishield.probe.checks._util import normalise, try_send, unname, walk_keys
from apishield.probe.checks.host_header import FORGED, HEADERS, reflected
from apishield.probe.client import Exchange
from apishield.probe.engine import Context, check
from apishield.probe.objects import account_record, learn_attributes
from apishield.probe.targets import SELF_PATH, Operation

ACCOUNT_FIELD = re.compile(r"(?i)^(e-?mail(_?address)?|user(_?name)?|login|account|identifier)$")
NOT_FIRST_STEP = re.compile(r"(?i)(token|code|otp|new_?pass|password|confirm|secret)")
SECRET_KEY = re.compile(r"(?i)(reset|recovery|verification|otp|token|code|link|url)")


def asking(op: Operation) -> str | None:
    """The account field of a reset's first step (``POST /forgot-password {email}``); None for anything else."""
    if not op.looks_credential_reset() or op.method not in ("POST", "GET"):
        return None
    names = [*op.body_fields, *(p.name for p in op.params if p.location == "query")]
    if any(NOT_FIRST_STEP.search(n) for n in names):
        return None
    return next((n for n in names if ACCOUNT_FIELD.match(n)), None)


def _value(field: str, attributes: dict[str, Any], username: str | None) -> str | None:
    email = next((v for k, v in attributes.items() if "email" in k and isinstance(v, str) and "@" in v), None)
    if "mail" in field.lower():
        return email or (username if username and "@" in username else None)
    return username


def secret_in(ex: Exchange, sent: str, elsewhere: str) -> tuple[str, str] | None:
    """(field, value) of a reset secret in a JSON answer: named like one, six characters or more, not the value
    sent and not in the made-up address's answer."""
    if "json" not in ex.content_type:
        return None
    for key, value in walk_keys(ex.json()):
        text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
        if (SECRET_KEY.search(key) and len(text) >= 6 and sent not in text and text not in elsewhere
                and not re.fullmatch(r"(?i)[a-z_ ]+", text)):
            return key, text
    return None


@check("resets", rules=(rules.RESET_TOKEN_SHOWN, rules.ENUM, rules.HOST_HEADER), weight=0, phase="load", order=20)
async def resets(ctx: Context) -> None:
    """The first step of a password reset: no secret in its answer, the same answer for every address. It takes no
    share of the budget split: its few requests come from what the other checks leave (deferred work)."""
    ops = [(op, field) for op in ctx.operations if (field := asking(op)) is not None]
    ctx.plan([op.key for op, _ in ops])
    if not ops:
        ctx.not_applicable("no password reset that takes an e-mail or user name")
        return
    ctx.deferred.append(("resets", functools.partial(_resets, ctx, ops)))


async def _resets(ctx: Context, ops: list[tuple[Operation, str]]) -> None:
    for op, field in ops[:2]:
        own = await _address(ctx, field)
        if own is None:  # nothing registered to compare a made-up address with: the precondition is not met
            ctx.not_applicable(f"no identity's {field} is known (from its own record or its login)", op)
            continue
        await _ask(ctx, op, field, own)


async def _address(ctx: Context, field: str) -> str | None:
    """The first identity's ``field`` (e-mail or user name) as its own record (``GET /me``, ``/profile``) shows it
    now; from its login when there is no such record or it cannot be read. An identity whose record no longer
    names an address is passed over: an address learnt earlier may no longer be registered."""
    mine = next((o for o in ctx.operations if o.method == "GET" and not o.path_params and SELF_PATH.search(o.path)),
                None)
    for who in ctx.identities:
        ex = await try_send(ctx, "GET", mine.path, op=mine, identity=who) if mine is not None else None
        if ex is not None and ex.ok and "json" in ex.content_type:
            now: dict[str, Any] = {}
            learn_attributes(now, account_record(ex.json()))
            learn_attributes(who.attributes, ex.json())
            named = any("email" in k for k in now) and "mail" in field.lower()
            value = _value(field, now, None if named else who.username)  # the record's address, not an older one
        else:
            value = _value(field, who.attributes, who.username)
        if value:
            return value
    return None


async def _ask(ctx: Context, op: Operation, field: str, own: str) -> None:
    def made_up() -> str:
        tag = ctx.token(10)
        return f"apishield.{tag}@example.com" if "@" in own else f"apishield_{tag}"

    async def send(value: str, headers: dict[str, str] | None = None) -> Exchange | None:
        body: dict[str, Any] | None = {field: value} if field in op.body_fields else None
        params = None if body is not None else {field: value}
        ex = await try_send(ctx, op.method, op.path, op=op, params=params, headers=headers, json_body=body)
        return ex if ex is not None and ex.status is not None and ex.status < 500 else None

    first, second = made_up(), made_up()
    nobody, known, again = await send(first), await send(own), await send(second)
    if nobody is None or known is None or again is None:
        return
    found = secret_in(known, own, nobody.text)
    if found is not None and known.ok:
        key, value = found
        ctx.report(rules.RESET_TOKEN_SHOWN, f"{op.key} answered the reset secret for {own!r} in {key!r} to an "
                   "anonymous caller: whoever names an address can set that account's password", known, op=op,
                   parameter=field, highlight=value[:40])
    if known.ok:
        await _poisoned(ctx, op, known, functools.partial(send, own))

    def text(ex: Exchange, value: str) -> str:
        """The answer without the address it names and without the secret: the value of the secret's field in
        every answer (a server that hands each address a fresh random token differs only there)."""
        out = unname(ex.text, value, own)
        if found is not None:
            secrets = {str(v) for k, v in walk_keys(ex.json()) if k == found[0] and isinstance(v, (str, int))
                       and not isinstance(v, bool) and str(v)} if "json" in ex.content_type else set()
            for secret in sorted(secrets | {found[1]}, key=len, reverse=True):
                out = out.replace(secret, "{secret}")
        return normalise(out)

    same_nobody = nobody.status == again.status and text(nobody, first) == text(again, second)
    if same_nobody and (known.status != nobody.status or text(known, own) != text(nobody, first)):
        ctx.report(rules.ENUM, f"{op.key}: a registered account answers {known.status} {known.text[:80]!r}; an "
                   f"unknown one answers {nobody.status} {nobody.text[:80]!r}", nobody, op=op, parameter=field)


async def _poisoned(ctx: Context, op: Operation, known: Exchange,
                    again: Callable[..., Awaitable[Exchange | None]]) -> None:
    """The registered address's reset asked again with a made-up host: when the answer's link was on the target's
    own host and now follows the forged one, the link the mail carries is built from the request's headers."""
    _scheme, host, port = ctx.client.origin
    if not any(reflected(known, h) for h in (f"{host}:{port}", host)):
        return
    for name in HEADERS:
        ex = await again(headers={name: FORGED})
        if ex is None or not ex.ok:
            continue
        where = reflected(ex, FORGED)
        if where is not None:
            ctx.report(rules.HOST_HEADER, f"{op.key}: with {name}: {FORGED} the reset answer's link is on that host "
                       f"({where!r}); the reset mail would carry the account's secret to it", ex, op=op,
                       parameter=name, highlight=FORGED)
            return
