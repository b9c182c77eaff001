"""Credentials, as two checks: the password policy where accounts are created (``passwords``, with the input
checks: it sends no failing credentials), and injection into the probe's own login (``credentials``, with the
checks that send failing credentials, after every check that needs working access).

* **Password policy** — at an operation anyone may call to create an account (:func:`creates_account`), one
  throwaway account with a strong password (the control), then one with ``aaa`` (three characters, one letter)
  and, when that is refused, one with ``1234`` (four digits: a length-only rule of four lets it through). The weak
  one counts as accepted only when it is answered like the control (same 2xx status, same answer shape: an
  ``{"error": …}`` in a 200 is a refusal) and, where the API has a login, when that login signs the new
  account in with that password and refuses it a wrong password. Both accounts are named ``apishield_pw…`` and listed
  in the report's notes (the probe never deletes).
* **Login injection** — with an identity's own user name and a *wrong* password, the login (the recipe's, or,
  for HTTP Basic identities, the operations that check their credentials) is sent a quote that ends the SQL
  string (``alice'-- ``, ``alice' OR '1'='1``, then the password ``' OR '1'='1``) and, for JSON and form logins,
  a query operator as the password (``{"$ne": …}``, ``password[$ne]=…``). A finding needs the wrong password
  refused as is and the injected one signed in: a token in the answer, or the answer of a correct login.
  Only the identity's own account is named, so no other account is signed in to by the user-name payloads.
* **Wrong passwords** — when that wrong password alone gets a token, the token is tried on the auth canary in
  place of the identity's own: opening it as the identity proves the login checks no password.
* **Logins in the URL** — a GET whose description takes a user name and a password in its query string is sent an
  identity's own credentials there; a token in the answer means the password travels in URLs (server and proxy
  logs, history, Referer). The same operation is then asked with a wrong password, as above.
"""

from __future__ import annotations

import functools
import json
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from apishield.probe import rules
from apishield.probe.account_ops import creates_account
from apishield.probe.checks._util import login_op, normalise, set_cookies, try_send, visible_lines
from apishield.probe.checks.exposure import owns
from apishield.probe.client import Exchange, denied
from apishield.probe.engine import Context, Identity, check
from apishield.probe.identities import (
    USER_KEYS,
    basic,
    extract_token,
    fill_credentials,
    header_token,
    login_request,
    password_named,
)
from apishield.probe.targets import Operation, sample_body, sample_value

WEAK = "aaa"  # three characters, one letter: no policy worth the name accepts it (NIST SP 800-63B asks for 8)
#: tried in turn while the previous one is refused: ``1234`` is the most common password of all, four characters
WEAK_LADDER = (WEAK, "1234")
# quotes that end the SQL string around the user name: a comment drops the password test, a tautology bypasses it
USER_PAYLOADS = ("{user}'-- ", "{user}' OR '1'='1", "{user}'#", '{user}"-- ')
PASSWORD_PAYLOADS = ("' OR '1'='1", "x' OR 'x'='x")
Send = Callable[[str, Any], Awaitable[Exchange | None]]
#: accounts that frameworks, appliances and demo data ship with, most common first; 'admin' three times at most, so
#: no usual lockout of a real administrator is reached
DEFAULT_PAIRS = (("admin", "admin"), ("admin", "password"), ("admin", "admin123"), ("administrator", "administrator"),
                 ("root", "root"), ("test", "test"), ("guest", "guest"), ("user", "user"), ("demo", "demo"))


@check("passwords", rules=(rules.WEAK_PASSWORD,), weight=1, phase="input", order=5)
async def passwords(ctx: Context) -> None:
    """Weak passwords accepted where accounts are created."""
    creating = [op for op in ctx.operations if creates_account(op)]
    ctx.plan(creating)
    for op in creating[:2]:
        if await _password_policy(ctx, op):
            break


@check("credentials", rules=(rules.LOGIN_SQLI, rules.LOGIN_NOSQL, rules.AUTH_WRONG_PASSWORD, rules.AUTH_IN_URL,
                              rules.DEFAULT_LOGIN), weight=1, phase="auth", order=30)
async def credentials(ctx: Context) -> None:
    """SQL or NoSQL injection into the login's credentials, wrong passwords signed in, logins in the URL, default
    accounts (wrong passwords: run late, a defended API bans)."""
    await _login_injection(ctx)
    await _url_logins(ctx)
    # default accounts on what the other checks leave: the check's own share stays with the injection it had
    ctx.deferred.append(("credentials", functools.partial(_default_logins, ctx)))


# ---------------------------------------------------------------------------------------------------------------
# password policy

def _is_credential(name: str) -> bool:
    low = name.lower()
    return low in USER_KEYS or low == "email" or password_named(low)


def _account_request(ctx: Context, op: Operation, username: str, password: str) -> dict[str, Any]:
    """Keyword arguments for :meth:`Context.send` creating the account ``username``/``password`` at ``op``: its
    credential fields filled, its other required fields sampled, wherever the description puts them."""
    query = {p.name: sample_value(p.schema, ctx.rng, p.name) for p in op.params
             if p.location == "query" and (p.required or _is_credential(p.name))}
    fill_credentials(query, username, password)
    out: dict[str, Any] = {"params": query or None}
    if op.body_schema is not None or not query:
        required = set((op.body_schema or {}).get("required") or ())
        body = {k: v for k, v in sample_body(op.body_schema, ctx.rng).items() if k in required or _is_credential(k)}
        fill_credentials(body, username, password)
        if not any(_is_credential(k) for k in body) and not query:
            body.update(username=username, password=password)
        out["json_body"] = body  # the send encodes it as the description says (form or multipart)
    return out


def _shape(ex: Exchange, username: str) -> str:
    """What an answer looks like, without the values that differ between two accounts: the top-level keys of a
    JSON object, else the text with the user name and numbers blanked."""
    data = ex.json()
    if isinstance(data, dict):
        return "keys:" + ",".join(sorted(data))
    return normalise(ex.text.replace(username, "{user}") if username else ex.text)


def _refusal(ex: Exchange) -> bool:
    """A 2xx whose JSON object says it failed (``{"error": "…"}``, ``{"success": false}``)."""
    data = ex.json()
    return isinstance(data, dict) and (bool(data.get("error") or data.get("errors")) or data.get("success") is False)


async def _password_policy(ctx: Context, op: Operation) -> bool:
    """One control account with a strong password, then one per weak password of :data:`WEAK_LADDER` until one is
    accepted; True when a finding was reported."""
    strong_name = f"apishield_pw{ctx.account_tag()}"
    strong_password = f"Apishield-{secrets.token_urlsafe(12)}-9!"
    ctx.client.add_secret(strong_password, "PASSWORD_POLICYPROBE")
    strong = await try_send(ctx, op.method, op.path, op=op, **_account_request(ctx, op, strong_name, strong_password))
    if strong is None or not strong.ok or denied(strong) or _refusal(strong):
        return False  # the control itself was not created: nothing to compare with
    ctx.notes.append(f"passwords: created the throwaway account {strong_name!r} at {op.key} "
                     "(remove it after the run)")
    for password in WEAK_LADDER:
        weak_name = f"apishield_pw{ctx.account_tag()}"
        weak = await try_send(ctx, op.method, op.path, op=op, **_account_request(ctx, op, weak_name, password))
        if weak is None or weak.status is None:
            return False
        if (weak.status != strong.status or _refusal(weak) or denied(weak)
                or _shape(weak, weak_name) != _shape(strong, strong_name)):
            continue  # refused: the next, less trivial one
        ctx.notes.append(f"passwords: created the throwaway account {weak_name!r} at {op.key} with a weak password "
                         "(remove it after the run)")
        proof = await _signs_in(ctx, weak_name, password)
        if proof is False:
            return False  # the login refuses it (an account still to be verified, a policy at the login): no claim
        how = (f"; the login then signed {weak_name!r} in with it and refused a wrong password" if proof
               else " (the API has no login the probe knows to confirm it)")
        ctx.report(rules.WEAK_PASSWORD, f"{op.key} created an account with the password {password!r} and answered it "
                   f"like one with a strong password ({weak.status}){how}", weak, op=op,
                   parameter=_password_field(op), confidence=None if proof else rules.MED)
        return True
    return False


def _password_field(op: Operation) -> str:
    names = [*op.body_fields, *(p.name for p in op.params if p.location == "query")]
    return next((n for n in names if password_named(n)), "password")


async def _signs_in(ctx: Context, username: str, password: str = WEAK) -> bool | None:
    """Whether the login signs ``username`` in with ``password`` and refuses it a wrong password; None when the
    API has no login the probe knows. HTTP Basic APIs: the login-like operations and the canary, which read the
    credentials on every request."""
    op, encoding = login_op(ctx)
    ops = _basic_ops(ctx) if encoding == "basic" else [op] if op is not None else []
    if not ops:
        return None
    fields = _login_fields(ctx, op) if op is not None else ("username", "password")
    name = f"{username}@example.com" if "email" in fields[0].lower() else username
    for target in ops:
        send = _login_sender(ctx, target, encoding, fields)
        right = await send(name, password)
        wrong = await send(name, "Wrong-" + ctx.token(10))
        if right is not None and wrong is not None and _signed_in(right) and not _signed_in(wrong):
            return True
    return False


def _basic_ops(ctx: Context) -> list[Operation]:
    """Where HTTP Basic credentials are checked: login-like operations first, then the canary (three at most)."""
    ops = [op for op in ctx.operations if op.looks_login() and not op.looks_destructive()]
    if ctx.canary is not None and ctx.canary not in ops:
        ops.append(ctx.canary)
    return ops[:3]


def _signed_in(ex: Exchange) -> bool:
    return ex.ok and not denied(ex) and not _refusal(ex)


# ---------------------------------------------------------------------------------------------------------------
# login injection

def _login_fields(ctx: Context, op: Operation, identity: Identity | None = None) -> tuple[str, str]:
    """The login's user-name and password field names: the identity's own login body's, else the operation's."""
    names = list(identity.login_body) if identity is not None and identity.login_body else (
        list(op.body_fields) or ["username", "password"])
    user = next((n for n in names if n.lower() in USER_KEYS or n.lower() == "email"), "username")
    password = next((n for n in names if password_named(n)), "password")
    return user, password


def _login_sender(ctx: Context, op: Operation, encoding: str, fields: tuple[str, str],
                  base: dict[str, Any] | None = None) -> Send:
    """Sends the login with a chosen user name and password (anything JSON can carry, for operators)."""
    user_key, pass_key = fields

    async def send(user: Any, password: Any) -> Exchange | None:
        if encoding == "basic":
            credentials = basic(str(user), str(password))
            return await try_send(ctx, op.method, op.path, op=op, headers={"Authorization": credentials})
        body = {**(base or {}), user_key: user, pass_key: password}
        return await try_send(ctx, op.method, op.path, op=op, **login_request(encoding, body))

    return send


async def _login_injection(ctx: Context) -> None:
    """At the recipe's login with the first identity that has a user name and a login body, else at the
    operations that check an HTTP Basic identity's credentials; then at the other logins the description lists
    (a second login route, an old version of it), with the same identity's user name."""
    op, encoding = login_op(ctx)
    who = next((i for i in ctx.identities if i.username and i.login_body), None)
    if op is not None and who is not None and ctx.login is not None:
        fields = _login_fields(ctx, op, who)
        if fields[0] in who.login_body:
            user = str(who.login_body[fields[0]])
            await _inject(ctx, op, encoding, _login_sender(ctx, op, encoding, fields, who.login_body), user, fields)
            await _other_logins(ctx, op, who)
            return
    basic_user = next((i for i in ctx.identities if i.username and i.password is not None
                       and i.headers.get("Authorization", "").lower().startswith("basic ")), None)
    if basic_user is not None:
        await _basic_injection(ctx, basic_user)
    elif op is not None and encoding != "basic" and not ctx.identities:
        await _operators_without_an_account(ctx, op, encoding)


#: what a page says to a caller who signed in, and to one who did not
SIGNED_IN = re.compile(r"(?i)\b(success(ful(ly)?)?|welcome|logged in|signed in|dashboard|log ?out|sign ?out)\b")
REFUSED = re.compile(r"(?i)\b(fail(ed|ure)?|invalid|incorrect|wrong|denied|unauthori[sz]ed|do not match)\b")


def _says_signed_in(ex: Exchange, wrong: Exchange) -> bool:
    """Without an account to compare with: a token or a cookie the refused login did not get, or a page that says it
    signed in (and not that it failed) where the refused login's page said it failed."""
    if _new_cookie(ex, wrong):
        return not _token(wrong)
    if not ex.ok or denied(ex) or _refusal(ex):
        return False
    if _token(ex):
        return not _token(wrong)
    said, refused = " ".join(visible_lines(ex.text)), " ".join(visible_lines(wrong.text))
    return (bool(SIGNED_IN.search(said)) and not SIGNED_IN.search(refused) and bool(REFUSED.search(refused))
            and not REFUSED.search(said))


async def _operators_without_an_account(ctx: Context, op: Operation, encoding: str) -> None:
    """A run without identities (no account to name): a login that a made-up user name and password are refused at
    is sent a query operator for both (``{"$ne": …}``); signing in that way opens the first account of the store."""
    ctx.plan([op])
    fields = _login_fields(ctx, op)
    send = _login_sender(ctx, op, encoding, fields)
    made_up = (f"apishield_{ctx.token(8)}", "Wrong-" + ctx.token(10))
    wrong = await send(*made_up)
    if wrong is None or wrong.status is None or _token(wrong) or encoding != "json":
        return  # operators travel as JSON objects; a form login gets them from the identity-named test
    for operator in ("$ne", "$gt"):
        values = ({operator: made_up[0]}, {operator: made_up[1]}) if operator == "$ne" else ({"$gt": ""}, {"$gt": ""})
        ex = await send(*values)
        if ex is not None and _says_signed_in(ex, wrong):
            ctx.report(rules.LOGIN_NOSQL, f"{op.key} signed in with the {fields[0]} {json.dumps(values[0])} and the "
                       f"{fields[1]} {json.dumps(values[1])}, naming no account (a made-up pair answered "
                       f"{wrong.status}, refused)", ex, op=op, parameter=fields[1])
            return


async def _other_logins(ctx: Context, recipe: Operation, who: Identity) -> None:
    """Logins besides the recipe's (three at most) whose description declares a user-name and a password field:
    the same injections, with the identity's user name."""
    others = [op for op in ctx.operations if op.looks_login() and op.key != recipe.key and not op.looks_destructive()
              and any(f.lower() in USER_KEYS for f in op.body_fields)
              and any(password_named(f) for f in op.body_fields)]
    for op in others[:3]:
        ctx.plan([op])
        fields = _login_fields(ctx, op)
        user = str(who.username if fields[0].lower() != "email" else who.attributes.get("email") or who.username)
        encoding = "form" if op.form_encoded else "json"
        await _inject(ctx, op, encoding, _login_sender(ctx, op, encoding, fields), user, fields)


async def _basic_injection(ctx: Context, identity: Identity) -> None:
    """HTTP Basic identities: the operations that check their credentials (login-like ones first, then the
    canary): the identity's own credentials answer 2xx and a wrong password 401/403 there."""
    for op in _basic_ops(ctx):
        own = await try_send(ctx, op.method, op.path, op=op, headers=dict(identity.headers))
        if own is None or not own.ok or denied(own):
            continue
        send = _login_sender(ctx, op, "basic", ("username", "password"))
        if await _inject(ctx, op, "basic", send, str(identity.username), ("username", "password"), own=own):
            return


async def _inject(ctx: Context, op: Operation, encoding: str, send: Send, user: str, fields: tuple[str, str],
                  own: Exchange | None = None) -> bool:
    """The injections at one login; True when one signed in."""
    wrong_password = "Wrong-" + ctx.token(10)
    wrong = await send(user, wrong_password)
    if wrong is None or wrong.status is None:
        return False
    if wrong.ok and not _refusal(wrong) and _token(wrong):
        await _wrong_password_signs_in(ctx, op, wrong, user)
        return False  # nothing to compare an injection with
    if own is None:  # a correct login's answer, to recognise an injected one without a token by its shape
        password = next((i.login_body.get(fields[1]) for i in ctx.identities
                         if i.login_body.get(fields[0]) == user), None)
        if password is not None:
            own = await send(user, password)
    attempts: list[tuple[str, str, Any]] = [("user", p.format(user=user), wrong_password) for p in USER_PAYLOADS]
    attempts += [("password", user, p) for p in PASSWORD_PAYLOADS]
    for where, name, password in attempts:
        ex = await send(name, password)
        if ex is not None and _granted(ex, wrong, own, user):
            field, value = (fields[0], name) if where == "user" else (fields[1], password)
            ctx.report(rules.LOGIN_SQLI, f"{op.key} signed in with the {field} {value!r} and a wrong password "
                       f"(the wrong password alone answered {wrong.status})", ex, op=op,
                       parameter=f"Authorization ({where} name)" if encoding == "basic" and where == "user"
                       else "Authorization (password)" if encoding == "basic" else field)
            return True
    if encoding == "basic":
        return False
    for operator in ({"$ne": wrong_password}, {"$gt": ""}):
        ex = await send(user, operator)
        if ex is not None and _granted(ex, wrong, own, user):
            ctx.report(rules.LOGIN_NOSQL, f"{op.key} signed in with the {fields[1]} {json.dumps(operator)} (the wrong "
                       f"password alone answered {wrong.status})", ex, op=op, parameter=fields[1])
            return True
    return False


async def _default_logins(ctx: Context) -> None:
    """The login the identities use, given the default accounts' pairs: one that signs in (a token, or the named
    account's record, where a made-up account was refused) and refuses the same name a wrong password is a default
    account left in place. A login that takes an e-mail address is given the default names at the identities' own
    domain (``admin@shop.test`` beside ``alice@shop.test``): demo data seeds its administrator there."""
    op, encoding = login_op(ctx)
    who = next((i for i in ctx.identities if i.login_body), None)
    if op is None or (who is None and encoding != "basic"):
        return
    fields = _login_fields(ctx, op, who)
    own = str((who.login_body if who is not None else {}).get(fields[0], ""))
    domain = own.rsplit("@", 1)[1] if "@" in own else ""
    if "mail" in fields[0].lower() and not domain:
        return
    at = f"@{domain}" if domain else ""
    base = {k: v for k, v in (who.login_body if who is not None else {}).items() if k not in fields}
    send = _login_sender(ctx, op, encoding, fields, base)
    wrong = await send(f"apishield_{ctx.token(8)}{at}", "Wrong-" + ctx.token(10))
    if wrong is None or (_signed_in(wrong) and "json" in wrong.content_type):
        return  # a login that takes anything is the wrong-password finding's, not this one's (a page answered to a
        # form login says nothing by its status: there the session cookie the wrong password did not get decides)
    ours = {i.username for i in ctx.identities} | {str(i.login_body.get(fields[0], "")) for i in ctx.identities}
    for name, password in DEFAULT_PAIRS:
        user = name + at
        ex = None if user in ours else await send(user, password)
        if ex is None or not _granted(ex, wrong, None, user):
            continue
        control = await send(user, "Wrong-" + ctx.token(10))
        if control is not None and not _granted(control, wrong, None, user):
            ctx.report(rules.DEFAULT_LOGIN, f"{op.key} signed in as {user!r} with the password {password!r}, and "
                       f"refused {user!r} a wrong one: a default account is left in place", ex, op=op,
                       parameter=fields[0])
            return


def _token(ex: Exchange) -> bool:
    return bool(extract_token(ex.json()) or header_token(ex))


def _granted(ex: Exchange, wrong: Exchange, own: Exchange | None, user: str = "") -> bool:
    """Signed in: 2xx, not a refusal, and a token the wrong password did not get, or (no token either way) the
    answer of a correct login where the wrong password was refused by its status, or the account record of the
    user named (``{"data": {"username": "alice", ...}}``) where the wrong password was refused."""
    if _new_cookie(ex, wrong):
        return not _token(wrong)  # a form login: its session cookie, set where the wrong password got none
    if not ex.ok or denied(ex) or _refusal(ex):
        return False
    if _token(ex):
        return not _token(wrong)
    if not wrong.ok and user and any(owns(r, Identity("named", username=user)) for r in _records_of(ex.json())):
        return True
    return (not wrong.ok and own is not None and own.ok and ex.status == own.status
            and _shape(ex, "") == _shape(own, ""))


def _new_cookie(ex: Exchange, wrong: Exchange) -> bool:
    """``ex`` answered (2xx, or a redirect: a form login's 302 to the signed-in page) with a cookie the refused
    login's answer did not set, and says nothing of a failure."""
    status = ex.status or 0
    if not 200 <= status < 400 or denied(ex) or _refusal(ex):
        return False
    return bool({n for n, v in set_cookies(ex).items() if v} - set(set_cookies(wrong)))


def _records_of(data: Any) -> list[dict[str, Any]]:
    """The objects of an answer, one level down too (``{"data": {...}}``, ``{"user": {...}}``)."""
    if not isinstance(data, dict):
        return []
    return [data, *(v for v in data.values() if isinstance(v, dict))]


def _owner(ctx: Context, user: str) -> Identity | None:
    """The identity whose login names ``user``."""
    return next((i for i in ctx.identities if user in (i.username, *map(str, i.login_body.values()))), None)


async def _wrong_password_signs_in(ctx: Context, op: Operation, wrong: Exchange, user: str) -> bool:
    """A wrong password got a token: reported when that token, in place of the identity's own, opens the auth
    canary (which refuses anonymous callers)."""
    who = _owner(ctx, user)
    token = extract_token(wrong.json()) or header_token(wrong)
    if who is None or not who.token or token is None or ctx.canary is None:
        ctx.notes.append(f"credentials: {op.key} answered a token to a wrong password; not proven (no identity "
                         "token or auth canary to try it on)")
        return False
    path = ctx.concrete_path(ctx.canary, who) or ctx.canary.path
    headers = {k: v.replace(who.token, token) for k, v in who.headers.items()}
    ex = await try_send(ctx, "GET", path, op=ctx.canary, headers=headers)
    if ex is None or not ex.ok or denied(ex):
        return False
    ctx.report(rules.AUTH_WRONG_PASSWORD, f"{op.key} answered a token to {who.name}'s user name with a wrong "
               f"password, and that token opened {ctx.canary.key} ({ex.status})", wrong, op=op)
    return True


def _query_login(op: Operation) -> tuple[str, str] | None:
    """A GET that takes a user name and a password in its query string: their parameter names."""
    if op.method != "GET":
        return None
    names = [p.name for p in op.params if p.location == "query"]
    user = next((n for n in names if n.lower() in USER_KEYS), None)
    password = next((n for n in names if password_named(n)), None)
    return (user, password) if user and password else None


async def _url_logins(ctx: Context) -> None:
    """GET logins that read the password from the URL (two at most): an identity's own credentials there."""
    who = next((i for i in ctx.identities if i.username and i.password), None)
    if who is None:
        return
    logins = [(o, names) for o in ctx.operations if (names := _query_login(o))]
    for op, (user_key, pass_key) in logins[:2]:
        ctx.plan([op])
        own = await try_send(ctx, "GET", op.path, op=op, params={user_key: str(who.username),
                                                                 pass_key: str(who.password)})
        if own is None or not _signed_in(own) or not _token(own):
            continue
        ctx.report(rules.AUTH_IN_URL, f"{op.key} signed {who.name} in with the password in its query string "
                   f"({pass_key}=...): it lands in server and proxy logs, history and Referer", own, op=op,
                   parameter=pass_key)
        wrong = await try_send(ctx, "GET", op.path, op=op, params={user_key: str(who.username),
                                                                   pass_key: "Wrong-" + ctx.token(10)})
        if wrong is not None and _signed_in(wrong) and _token(wrong):
            await _wrong_password_signs_in(ctx, op, wrong, str(who.username))

