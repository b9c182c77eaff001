"""Predictable session ids: credentials that successive logins number, stamp with the clock or draw from a tiny space.

A session id or opaque token is safe only if nobody can guess another user's: it must come from a strong random
source (128 bits, ``secrets.token_urlsafe``). Seen from outside, the logins of the run are the sample: each value a
login answered (its token when that is not a signed JWT, and every cookie it set) is compared with the values the
other logins of the run got under the same name. Values that keep the same text and differ only in numbers — a
counter (``sess_1001``, ``sess_1002``), a clock reading (seconds, minutes or milliseconds since 1970) or a handful of
digits — are guessable, also when the value is base64 of such text (``base64("2:1733400000")``) and when it spells
the signed-in user's name (``alice:28890000`` and ``bob:28890000`` are one recipe: the name and the minute). A cookie
is reported only when it alone (no other cookie, no token) gets the canary operation's protected answer: a cookie
such as ``last_visit=1733400000`` beside the real session is not a credential. With a single identity the first one
signs in once more to have two values; otherwise no request is sent but the canary's, one per suspect cookie.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
import time
from collections.abc import Iterable
from itertools import pairwise

from apishield.probe import rules
from apishield.probe.checks._util import request_fields, set_cookies, try_send
from apishield.probe.client import Exchange
from apishield.probe.engine import Context
from apishield.probe.identities import USER_KEYS, extract_token, header_token, pick

NUMBER = re.compile(r"\d+")
BASE64 = re.compile(r"^[A-Za-z0-9+/_-]{8,}={0,2}$")
JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
#: how far apart successive values of a counter may be (other users' logins in between)
COUNTER_STEP = 1000
#: a variable part of at most this many digits is a space an attacker walks through
SMALL_SPACE = 6
DAY = 86_400


def _readable(value: str) -> str:
    """The value, or the text it is base64 of when that is printable (tokens built as ``b64(user:time)``)."""
    if not BASE64.match(value) or NUMBER.fullmatch(value):
        return value
    padded = value + "=" * (-len(value) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))
        text = raw.decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return value
    return text if text.isprintable() and NUMBER.search(text) else value


def _clock(number: int, now: float) -> bool:
    """A reading of the clock within a year of ``now``: seconds, minutes or milliseconds since 1970."""
    return any(abs(number - now * scale) < 365 * DAY * scale for scale in (1, 1 / 60, 1000))


def predictable(values: Iterable[str], names: Iterable[str | None] = (), now: float | None = None) -> str | None:
    """Why these values, issued by successive logins under one name, are guessable; None when they look random.

    ``names`` are the user names the logins signed in (parallel to ``values``; a value that spells its user's name
    is read with the name taken out). The values must then share one shape (the same text around their numbers)
    and differ only in numbers: a counter (steps of at most ``COUNTER_STEP``), a clock reading near ``now``, or a
    variable part of at most ``SMALL_SPACE`` digits; or not differ at all beyond the user's name."""
    pairs = list(dict.fromkeys((v, n) for v, n in itertools.zip_longest(values, names) if v))
    if len({v for v, _ in pairs}) < 2 or any(JWT.match(v) for v, _ in pairs):
        return None
    texts, named = [], False
    for value, name in pairs:
        text = _readable(value)
        if name and len(name) >= 3 and name in text:
            text, named = text.replace(name, "\x00"), True
        texts.append(text)
    shapes = {NUMBER.sub("#", t) for t in texts}
    runs = [[int(n) for n in NUMBER.findall(t)] for t in texts]
    if len(shapes) != 1:
        return None
    clock = time.time() if now is None else now
    shown = texts[0].replace("\x00", "<user>")
    encoded = " (base64 of that text)" if _readable(pairs[0][0]) != pairs[0][0] else ""
    reasons = ["the user's name"] if named else []
    for i in range(len(runs[0])):
        column = [r[i] for r in runs]
        digits = max(len(NUMBER.findall(t)[i]) for t in texts)
        if all(_clock(n, clock) for n in column):
            reasons.append(f"the clock ({column[0]})")
        elif len(set(column)) == 1:
            continue  # the same number in every value: no secret in it
        elif all(0 < abs(b - a) <= COUNTER_STEP for a, b in pairwise(column)):
            reasons.append(f"a counter ({column[0]}, {column[1]})")
        elif digits <= SMALL_SPACE:
            reasons.append(f"{digits} digits ({column[0]}, {column[1]})")
        else:
            return None  # a long number that moves at random: not guessable from here
    if not reasons:
        return None
    return f"{shown!r}{encoded} is made of " + " and ".join(reasons)


def _issued(ctx: Context) -> dict[str, list[tuple[str, Exchange]]]:
    """Per name (``token`` or a cookie's name): the values the run's logins were answered, in order."""
    out: dict[str, list[tuple[str, Exchange]]] = {}
    if ctx.login is None:
        return out
    method, path, _ = ctx.login
    for ex in list(ctx.client.log):
        if ex.method != method or ex.path != path or ex.status is None or ex.status >= 400:
            continue
        token = extract_token(ex.json()) or header_token(ex)
        if token:
            out.setdefault("token", []).append((token, ex))
        for name, value in set_cookies(ex).items():
            out.setdefault(name, []).append((value, ex))
    return out


def _login_name(ex: Exchange) -> str | None:
    """The user name a login request signed in (from its JSON or form body)."""
    return pick(request_fields(ex), USER_KEYS) or None


async def _credential_cookie(ctx: Context, name: str, value: str, issued: Exchange) -> Exchange | None:
    """The canary's protected answer to this cookie alone (None when it is not a credential by itself)."""
    canary = ctx.canary
    owner = next((i for i in ctx.identities if i.username and i.username == _login_name(issued)), None)
    path = ctx.concrete_path(canary, owner) if canary is not None else None
    if canary is None or path is None:
        return None
    ex = await try_send(ctx, canary.method, path, op=canary, headers={"Cookie": f"{name}={value}"})
    return ex if ex is not None and ex.ok else None


async def predictable_sessions(ctx: Context) -> None:
    """Report credentials that successive logins issue in a guessable sequence."""
    issued = _issued(ctx)
    if ctx.login is not None and all(len({v for v, _ in pairs}) < 2 for pairs in issued.values()):
        who = next((i for i in ctx.identities if i.relogin is not None), None)
        if who is not None and who.relogin is not None and await who.relogin():
            issued = _issued(ctx)
    for name, pairs in issued.items():
        why = predictable((v for v, _ in pairs), (_login_name(ex) for _, ex in pairs))
        if why is None:
            continue
        last_value, last = pairs[-1]
        evidence: Exchange | None = last
        if name != "token":
            evidence = await _credential_cookie(ctx, name, last_value, last)
            if evidence is None:
                continue
        where = "the token" if name == "token" else f"cookie {name!r}"
        op = next((o for o in ctx.operations if o.key == last.operation), None)
        ctx.report(rules.SESSION_PREDICTABLE, f"{where} the login issues is guessable: {why}; the neighbouring "
                   f"values are other users' sessions", evidence, op=op, parameter=name, highlight=last_value[:40])


__all__ = ["predictable", "predictable_sessions"]
