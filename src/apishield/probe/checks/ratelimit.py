"""Rate limiting: a bounded burst at each login-like operation (wrong passwords for a throwaway account of the
probe's own, registered for it where the API lets anyone create one, else for a made-up user, so no real account is
locked; the name and the password are shaped like the identities' real ones, so that an input check does not refuse
them before any account is looked up) — a POST to a login path, or any GET/POST the description names like a
login (``login``, ``signin``, ``logon``, ``auth`` in its path or operation id) that takes a user name or e-mail and a
password, in the query, a form or a JSON body — or, failing that, the canary operation or another parameterless
GET. Reported when the whole burst is answered — by the operation itself, not a 404/405 for a path the server
does not serve — without 429/503 and without any ``Retry-After`` / ``RateLimit-*`` / ``X-RateLimit-*`` header,
and, at the probe's own account, without the answers turning otherwise after a few alike ones (an account lockout).

Then every operation that answered 429 during the run (at most three) is asked again with a made-up client
address in ``X-Forwarded-For`` or ``X-Real-IP``: a limit keyed on a header the client sets is no limit."""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from apishield.probe import rules
from apishield.probe.account_ops import creates_account
from apishield.probe.checks._util import same, try_send
from apishield.probe.checks.disclosure import SQL_ERROR
from apishield.probe.client import ANONYMOUS, Exchange
from apishield.probe.engine import Context, Identity, check
from apishield.probe.identities import (
    USER_KEYS,
    credential_samples,
    fill_credentials,
    password_named,
    shaped_like,
)
from apishield.probe.targets import Operation, sample_body

BURST = 30
NOT_SERVED = frozenset({404, 405, 501})


def limited(ex: Exchange) -> bool:
    if ex.status in (429, 503):
        return True
    return any(k.lower() in ("retry-after", "ratelimit", "ratelimit-limit", "ratelimit-policy", "x-ratelimit-limit",
                             "x-ratelimit-remaining", "x-rate-limit-limit") for k, _ in ex.response_headers)


MAX_LOGINS = 3
LOGIN_WORD = re.compile(r"(?i)log[-_]?in|sign[-_]?in|log[-_]?on|auth")


def _credential_fields(op: Operation) -> tuple[list[str], list[str]]:
    """The user-name/e-mail and password inputs of ``op`` (query parameters and body fields), by name."""
    names = [p.name for p in op.params if p.location == "query"] + list(op.body_fields)
    users = [n for n in names if n.lower() in USER_KEYS or "email" in n.lower() or n.lower() in ("user_name", "uname")]
    passwords = [n for n in names if password_named(n)]
    return users, passwords


def described_login(op: Operation) -> bool:
    """A GET or POST the description names like a login (path or operation id) that takes a user name or e-mail
    and a password (query, form or JSON): ``GET /login?username=&password=``, ``POST /api/auth`` (form)."""
    if op.method not in ("GET", "POST") or op.path_params or op.looks_destructive() or op.looks_register():
        return False
    if not LOGIN_WORD.search(f"{op.path} {op.operation_id}"):
        return False
    users, passwords = _credential_fields(op)
    return bool(users and passwords)


def _wrong_password(ctx: Context) -> str:
    """A wrong password shaped like the identities' real ones."""
    return shaped_like(credential_samples(ctx)[1], "wrong-" + ctx.token(10))


def _wrong_credentials(ctx: Context, account: str | None) -> dict[str, str]:
    """A user name (the probe's own account, else a made-up one), an e-mail and a wrong password, the name and the
    password shaped like the identities' real ones."""
    names = credential_samples(ctx)[0]
    password = _wrong_password(ctx)
    user = account or shaped_like(names, f"nobody_{ctx.token(6)}")
    return {"username": user, "email": f"{user}@example.com" if account else f"nobody.{ctx.token(6)}@example.com",
            "password": password}


async def _own_account(ctx: Context) -> str | None:
    """The user name of a throwaway account of the probe's own, registered (one request) through the operation
    that creates accounts, with a name and a password shaped like the identities' real ones; None when there is
    no such operation or it refused. A burst of wrong passwords at it shows an account lockout; no one else's
    account is locked."""
    register = next((op for op in ctx.operations if creates_account(op)), None)
    if register is None:
        return None
    names, passwords = credential_samples(ctx)
    name = shaped_like(names, f"apishield_{ctx.account_tag()}")
    password = shaped_like(passwords, f"Apishield-{secrets.token_urlsafe(12)}-9!")
    ctx.client.add_secret(password, "PASSWORD_RATEPROBE")
    body = sample_body(register.body_schema, ctx.rng) if register.body_schema else {}
    fill_credentials(body, name, password)
    body.setdefault("username", name)
    body.setdefault("password", password)
    ex = await try_send(ctx, register.method, register.path, op=register, json_body=body)
    return name if ex is not None and ex.ok else None


def _wrong_login(ctx: Context, op: Operation, wrong: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(query, body) of one wrong login at a described login: ``wrong``'s account (the probe's own or a made-up
    user) and wrong password, in the fields the description names, its other required inputs sampled."""
    users, passwords = _credential_fields(op)
    values: dict[str, Any] = {}
    for name in users:
        values[name] = wrong["email"] if "email" in name.lower() else wrong["username"]
    for name in passwords:
        values[name] = wrong["password"]
    query = ctx.query_for(op)
    body = ctx.body_for(op) or {}
    query.update({k: v for k, v in values.items() if any(p.name == k and p.location == "query" for p in op.params)})
    body.update({k: v for k, v in values.items() if k in op.body_fields})
    return query, body


def _targets(ctx: Context) -> list[tuple[Operation, Identity | None]]:
    """Every login-like operation (at most three: an API may have several ways in, each needing its own limit),
    else the canary operation, else a parameterless GET."""
    logins = [op for op in ctx.operations if op.looks_login() or described_login(op)][:MAX_LOGINS]
    if logins:
        return [(op, None) for op in logins]
    if ctx.canary is not None and ctx.users:
        return [(ctx.canary, ctx.users[0])]
    op = next((o for o in ctx.operations if o.method == "GET" and not o.path_params and not o.looks_destructive()
               and o.secured is not True), None)
    return [(op, None)] if op is not None else []


def _served(ctx: Context, ex: Exchange) -> bool:
    """Whether the server ever answered this method and path with something else than 404/405/501 (a login
    that says 404 for an unknown user is served; a path the server does not know is not)."""
    return any(other.method == ex.method and other.path == ex.path and other.status is not None
               and other.status not in NOT_SERVED for other in ctx.client.log)


#: an answer saying a CSRF check refused the request (Django's "CSRF verification failed", Flask-WTF's "The CSRF token
#: is missing", Laravel's "CSRF token mismatch", csurf's "invalid csrf token"): the handler behind it never ran
CSRF_REFUSED = re.compile(r"(?i)\bcsrf\b[^<>\n]{0,40}?\b(?:missing|mismatch|failed|invalid|expired|required|not set|"
                          r"incorrect)\b|\b(?:missing|invalid|bad|no)\b[^<>\n]{0,20}?\bcsrf\b")


def _refused_by_csrf(answers: list[Exchange]) -> bool:
    """Every answer of the burst is a 400/403/419 saying a CSRF check refused it: no attempt reached the login, so
    the burst says nothing about a limit there."""
    return bool(answers) and all(ex.status in (400, 403, 419) and CSRF_REFUSED.search(ex.text[:20000])
                                 for ex in answers)


def _locked_out(answers: list[Exchange]) -> bool:
    """The burst's first two answers alike and its last one otherwise (a lockout after a few wrong passwords);
    answers that differ from the start (a page with a fresh token each time) say nothing."""
    return len(answers) >= 3 and same(answers[0], answers[1]) and not same(answers[0], answers[-1])


SPOOF_HEADERS = ("X-Forwarded-For", "X-Real-IP")


async def _spoofed_address(ctx: Context) -> None:
    """An operation that answered 429 during the run is asked once more with the same request (control: still
    429), then with a made-up client address in ``X-Forwarded-For`` (then ``X-Real-IP``), then without it again
    (the window is still closed). A limit that lets the made-up address through is keyed on a header the client
    sets. At most three operations, three or four requests each."""
    throttled: dict[str, Exchange] = {}
    for ex in list(ctx.client.log):
        if ex.status == 429 and ex.operation and ex.operation not in throttled:
            throttled[ex.operation] = ex
    by_key = {op.key: op for op in ctx.operations}
    ordered = sorted(throttled.items(), key=lambda item: item[1].identity != ANONYMOUS)  # a user's limit is
    for key, ex in ordered[:3]:                                                   # keyed on the user, not the address
        op = by_key.get(key)
        who = next((i for i in ctx.identities if i.name == ex.identity), None)
        headers = {k: v for k, v in ex.request_headers if k.lower() in ("content-type", "authorization", "cookie")
                   or (who is not None and k in who.headers)}

        async def again(extra: dict[str, str], *, op: Operation | None = op, ex: Exchange = ex,
                        headers: dict[str, str] = headers) -> Exchange | None:
            return await try_send(ctx, ex.method, ex.url, op=op, content=ex.request_body or None,
                                  headers={**headers, **extra}, expect_throttle=True)

        control = await again({})
        if control is None or control.status != 429:
            continue  # the window has passed: nothing to compare
        for name in SPOOF_HEADERS:
            spoofed = await again({name: f"203.0.113.{ctx.rng.randint(2, 254)}"})
            if spoofed is None or spoofed.status is None or spoofed.status in (429, 503):
                continue
            after = await again({})
            if after is not None and after.status == 429:
                elsewhere = await _from_another_loopback_address(ctx, again, name) if ctx.client.on_loopback else True
                if elsewhere is False:
                    ctx.notes.append(f"ratelimit: {key} let a made-up {name} through from 127.0.0.1 only, the address "
                                     "servers trust as a local proxy's by default (uvicorn, gunicorn); from "
                                     "127.0.0.2 the header changed nothing: no bypass a remote client has")
                    return
                ctx.report(rules.RATE_SPOOF, f"{key} answered 429, and {spoofed.status} to the same request with "
                           f"{name}: a made-up client address; without it, 429 again" + (
                               "" if elsewhere else " (from 127.0.0.1; not confirmed from another address)"),
                           spoofed, op=op, parameter=name, highlight=name)
                return
            break


async def _from_another_loopback_address(ctx: Context, again: Callable[[dict[str, str]], Awaitable[Exchange | None]],
                                         name: str) -> bool | None:
    """Whether the bypass holds from 127.0.0.2 too: its own window is filled (at most 60 requests), then a made-up
    address is sent. ``None`` when that cannot be compared (the window never closes from there, or the address
    cannot be used)."""
    closed: Exchange | None = None
    with ctx.client.from_address("127.0.0.2"):
        for _ in range(60):
            closed = await again({})
            if closed is None or closed.status is None or closed.status == 429:
                break
        if closed is None or closed.status != 429:
            return None
        spoofed = await again({name: f"198.51.100.{ctx.rng.randint(2, 254)}"})
    if spoofed is None or spoofed.status is None:
        return None
    return spoofed.status not in (429, 503)


@check("ratelimit", rules=(rules.RATE, rules.RATE_SPOOF), weight=4, phase="load", order=10)
async def ratelimit(ctx: Context) -> None:
    """A bounded burst must meet 429 or at least rate-limit headers; a 429 must not give way to a made-up
    client address."""
    await _burst(ctx)
    await _spoofed_address(ctx)


async def _burst(ctx: Context) -> None:
    chosen = _targets(ctx)
    if not chosen:
        ctx.not_applicable("no login operation and no parameterless GET to send a burst to")
        return
    ctx.plan([op for op, _who in chosen])
    account = await _own_account(ctx) if any(described_login(op) or (who is None and op.method == "POST")
                                             for op, who in chosen) else None
    for op, who in chosen:
        if not await _burst_at(ctx, op, who, account):
            return


async def _burst_at(ctx: Context, op: Operation, who: Identity | None, account: str | None = None) -> bool:
    """One burst at ``op``; False when the run should send no further burst (refused, throttled, no budget).
    Wrong passwords go to ``account`` (the probe's own) when there is one: a login that answers them alike at
    first and then otherwise (``User locked out!``) locks the account, which is a limit."""
    burst = min(BURST, ctx.client.check_remaining())
    if burst < 10:
        ctx.skip(f"only {burst} request(s) of budget left for a burst of {BURST}", op)
        return False
    last: Exchange | None = None
    answers: list[Exchange] = []
    # one account guessed at throughout the burst, as brute force does (a limit kept per account counts every
    # attempt), with a new wrong password each time
    guessed = _wrong_credentials(ctx, account) if described_login(op) or op.method == "POST" else {}
    for _ in range(burst):
        if described_login(op):
            query, fields = _wrong_login(ctx, op, {**guessed, "password": _wrong_password(ctx)})
            ex = await try_send(ctx, op.method, op.path, op=op, params=query, expect_throttle=True,
                                json_body=fields or None)
        elif op.method == "POST":
            ex = await try_send(ctx, op.method, op.path, op=op, json_body={**guessed, "password": _wrong_password(ctx)},
                                expect_throttle=True)
        else:
            ex = await try_send(ctx, "GET", op.path, op=op, identity=who, expect_throttle=True)
        if ex is None:
            return False
        if ex.status is None:
            ctx.skip(f"the burst got no answer ({ex.error})", op, "inconclusive")
            return True
        if ex.status in NOT_SERVED and not _served(ctx, ex):
            # a path the server does not serve says nothing about rate limiting on the ones it does
            ctx.skip(f"{op.key} answered {ex.status}: not served, so a burst there proves nothing", op,
                     "inconclusive")
            return True
        if limited(ex):
            return True
        last = ex
        answers.append(ex)
    if answers and all(SQL_ERROR.search(ex.text) for ex in answers):
        # every attempt met the database's error (``no such table: users``): no password could pass, so there is
        # nothing to guess and the burst proves nothing about limits
        ctx.notes.append(f"ratelimit: {op.key} answered every attempt of the burst with a database error: the login "
                         "cannot succeed, so a missing limit there is not reported")
        ctx.skip(f"{op.key} fails every login with a database error", op, "inconclusive")
        return True
    if _refused_by_csrf(answers):
        ctx.notes.append(f"ratelimit: a CSRF check refused every attempt of the burst at {op.key} before the login "
                         "ran: whether a limit stands behind it was not tested")
        ctx.skip(f"{op.key} refused every attempt with a CSRF check", op, "inconclusive")
        return True
    if account is not None and who is None and _locked_out(answers):
        at = next(i for i, ex in enumerate(answers) if not same(answers[0], ex))
        ctx.notes.append(f"ratelimit: {op.key} answered {at} wrong passwords for an account of the probe's own "
                         f"alike, then {answers[at].status} otherwise: an account lockout, counted as a limit")
        return True
    if last is not None:
        ctx.report(rules.RATE, f"{burst} requests to {op.key} in a burst: no 429, no Retry-After or RateLimit "
                   "headers", last, op=op, burst=burst)
    return True
