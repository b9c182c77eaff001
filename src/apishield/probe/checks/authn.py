"""Authentication: protected operations without credentials, with garbage/empty/wrong-scheme credentials, and with an
identity's credential moved from its header into the query string (``?token=...``).

An operation counts as protected when the spec says so (``security``) or when an identity's request answers 2xx
while the anonymous one answers 401/403, or (the description silent) when the identity is shown more than the
anonymous caller — and a second anonymous request (the control) answers exactly like the first, since an answer that
changes by itself (a clock, a process list) proves nothing. A finding needs the anonymous/garbage request to answer
2xx; for spec-protected operations that is proof enough, since the spec promised otherwise. A 2xx whose short body
refuses the caller for want of credentials (``{"success": false, "error": "Invalid API token."}``) is a refusal, not
access, and so is a GET answered 2xx with nothing in it (an empty body, ``null``, ``{}``, ``[]``, ``""``, or an
object of such values such as a session check's ``{"user": null}``): no data was served, whatever the status says.
When the description is silent, an anonymous HTML page that invites the caller to log in (a link or form to a login
route, a password field) is the page's anonymous view: the identity being shown more there (its name, a logout link)
is personalisation of a public page, not protection.

Two more signs say an unmarked GET should have refused an anonymous caller even when an identity is shown the
same answer: its path names an administrative function (``/admin/users``) and it answers a JSON listing; or it
answers the account record (named by a user name or an e-mail address) of one of the probe's own identities with
the account's role, administrator flag or credentials (``[{"username": "alice", "role": "user", "password": ...}]``)
— whoever asks learns who the users are and which of them to attack. A public profile (a name, a bio) is not an
account record. An administrative path that answers settings with secret-named values (``password``, ``api_key``)
says the same. Those signs overrule even a description that declares the read public (``security: []``): an
attacker does not read the declaration, and an administrator's listing served to anyone is the flaw, declared or
not; other reads declared public are not asked.
"""

from __future__ import annotations

import re
from typing import Any

from apishield.probe import objects, rules
from apishield.probe.checks._util import normalise, sensitive_fields, try_send
from apishield.probe.checks.disclosure import ISSUED_CREDENTIAL as ISSUED
from apishield.probe.checks.exposure import EMAIL_KEY, PERSON_KEY, owns
from apishield.probe.checks.sessions import login_target
from apishield.probe.client import Exchange, denied
from apishield.probe.engine import Context, check
from apishield.probe.targets import Operation

GARBAGE = (
    ("garbage bearer token", {"Authorization": "Bearer apishield.garbage.token"}),
    ("empty bearer token", {"Authorization": "Bearer "}),
    ("wrong scheme", {"Authorization": "Basic YXBpc2hpZWxkOmFwaXNoaWVsZA=="}),
    ("empty Authorization", {"Authorization": ""}),
)


EMPTY = ("", "null", "{}", "[]", '""', "none")


def _empty(value: Any) -> bool:
    """A JSON value that carries nothing: ``null``, ``false``, an empty string or list, or an object of such values
    (``{"user": null}``, ``{"authenticated": false, "roles": []}``)."""
    if isinstance(value, dict):
        return all(_empty(v) for v in value.values())
    return value is None or value is False or value in ("", [])


def serves_nothing(ex: Exchange) -> bool:
    """A GET answer with nothing in it: an empty body, an empty JSON value (``null``, ``{}``, ``[]``), or an object
    whose every member is empty — a session check's ``{"user": null}`` tells an anonymous caller only that it is
    anonymous."""
    if ex.method != "GET":
        return False
    if "".join(ex.text.split()).lower() in EMPTY:
        return True
    return "json" in (ex.content_type or "") and isinstance(data := ex.json(), dict) and _empty(data)


#: headers an HTTP client adds to every request by itself (so a header echo holds them though no check set them)
_TRANSPORT_HEADERS = frozenset({"host", "accept", "accept-encoding", "connection", "user-agent", "content-length",
                                "content-type", "accept-language", "cache-control", "pragma"})


def echoes_own_headers(ex: Exchange) -> bool:
    """A JSON answer that is the request's own headers shown back (``{"Host": ..., "User-Agent": ...}``, or under a
    ``headers`` key): every name a header the request carried or its client adds by itself, every value of a
    header the request carried the value it was sent with. It shows the caller only what the caller sent."""
    data = ex.json() if "json" in (ex.content_type or "") else None
    if isinstance(data, dict) and set(data) == {"headers"} and isinstance(data["headers"], dict):
        data = data["headers"]
    if not isinstance(data, dict) or not data:
        return False
    sent = {name.lower(): value for name, value in ex.request_headers}
    return all(isinstance(key, str) and (key.lower() in sent or key.lower() in _TRANSPORT_HEADERS)
               and (key.lower() not in sent or str(value) == sent[key.lower()]) for key, value in data.items())


# a link or form to a login route (``/login``, a relative ``login.php``), a password field, or a link whose text
# (around an icon's markup) says to log in: the page treats its caller as not logged in
LOGIN_INVITE = re.compile(r"""(?i)<input\b[^>]*\btype\s*=\s*["']?password|<(a|form)\b[^>]*\b(href|action)\s*=\s*["']?"""
                          r"""(?:[^"'\s>]*/)?(log-?in|sign-?in|auth/login)\b|"""
                          r"""<a\b[^>]*>(?:\s|<[^>]*>)*(log ?in|sign ?in)\s*</a>""")


def invites_login(ex: Exchange) -> bool:
    """An HTML answer that offers the caller a way to log in: the anonymous view of a page, not protected data."""
    return "html" in (ex.content_type or "") and LOGIN_INVITE.search(ex.text) is not None


#: fields that make a person's record an account record: what the account may do, or how to sign in as it
ACCOUNT_FIELDS = frozenset({"role", "roles", "userrole", "usertype", "accounttype", "isadmin", "admin", "superuser",
                            "issuperuser", "isstaff", "staff", "permissions", "password", "passwordhash", "pwhash",
                            "hashedpassword", "apikey", "secret", "otpsecret", "totpsecret"})


def _records(data: Any) -> list[dict[str, Any]]:
    """The JSON objects an answer is made of: a listing's items, or the answer itself."""
    return objects.listed_records(data) or ([data] if isinstance(data, dict) else [])


def _accounts_shown(ctx: Context, data: Any) -> tuple[str, list[str]] | None:
    """(an identity's name, the account fields shown) when the answer holds that identity's account record."""
    for record in _records(data):
        fields = sorted({str(k) for k in record if objects.attribute_key(str(k)) in ACCOUNT_FIELDS})
        if not fields or not any(PERSON_KEY.match(str(k)) or EMAIL_KEY.search(str(k)) for k in record):
            continue
        who = next((i for i in ctx.identities if owns(record, i)), None)
        if who is not None:
            return who.name, fields
    return None


#: fields that make a record someone's account
ACCOUNT_KEYS = frozenset({"username", "user_name", "email", "login", "user_id", "userId"})


def _must_refuse(ctx: Context, op: Operation, anon: Exchange) -> str:
    """Why ``op``, which the description leaves unmarked, should have refused the anonymous answer ``anon``: its
    path names administration and it answered a listing, it answered account records with their passwords or keys,
    or it showed one of the probe's identities' accounts."""
    if "json" not in (anon.content_type or ""):
        return ""
    data = anon.json()
    if op.looks_admin() and (any(len(r) >= 2 for r in objects.listed_records(data)) or _row_lists(data)):
        return "its path names an administrative function"
    if op.looks_admin() and (found := [k for k in sensitive_fields(data) if not ISSUED.match(k)]):
        return f"its path names an administrative function and it answers {', '.join(found[:3])}"
    records = objects.listed_records(data) or [r for r in (objects.account_record(data),) if r]
    secrets = [k for k in sensitive_fields(records) if not ISSUED.match(k)]
    if secrets and any(set(map(str, r)) & ACCOUNT_KEYS for r in records):
        return f"it answers account records with {', '.join(secrets[:3])} to anyone"
    shown = _accounts_shown(ctx, data)
    if shown is not None:
        return f"it shows the account of identity {shown[0]!r} with {', '.join(shown[1][:4])}"
    return ""


def _row_lists(data: Any) -> bool:
    """Database rows answered as arrays (``{"users": [[1, "admin", "$2b$…"], [2, "alice", …]]}``, a cursor's
    ``fetchall()``): at least two rows of at least two values, at the top or under one key."""
    lists = [data] + ([v for v in data.values() if isinstance(v, list)] if isinstance(data, dict) else [])
    return any(isinstance(rows, list) and sum(isinstance(r, list) and len(r) >= 2 for r in rows) >= 2
               for rows in lists)


def _candidates(ctx: Context) -> list[Operation]:
    """Operations to ask without credentials: those declared or possibly protected (unmarked ones are reported only
    when their answer says they must refuse), and administrative reads declared public — a declaration does not
    make an administrator's listing or settings public, so their answer is read the same way."""
    return [op for op in ctx.operations if op.method in ("GET", "POST") and not op.looks_destructive()
            and not op.looks_login() and not op.looks_register()
            and (op.secured is not False or (op.method == "GET" and op.looks_admin()))]


#: query parameters that frameworks and hand-written token checks read a credential from
URL_CREDENTIALS = ("token", "access_token", "api_key", "apikey", "jwt", "auth")


def _without_credentials(query: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in query.items() if k.lower() not in URL_CREDENTIALS}


def _reads_url_credential(op: Operation) -> bool:
    """A page whose description declares a credential-named query parameter (``/home?token=``)."""
    return op.method == "GET" and any(p.location == "query" and p.name.lower() in URL_CREDENTIALS for p in op.params)


def _credential(headers: dict[str, str]) -> str | None:
    """The secret an identity sends in a header: a bearer token, or an API key header's value."""
    for name, value in headers.items():
        if name.lower() == "authorization" and value.lower().startswith("bearer "):
            return value.split(" ", 1)[1].strip() or None
        if name.lower() != "authorization" and ("key" in name.lower() or "token" in name.lower()) and value:
            return value
    return None


async def _in_url(ctx: Context, op: Operation, path: str, query: dict[str, str], anon: Exchange) -> bool:
    """An identity's credential sent as a query parameter instead of a header (``?token=...``): a finding needs the
    anonymous request to be refused (or sent to the login page) and this one to get exactly the identity's own
    answer."""
    user = ctx.users[0] if ctx.users else None
    secret = _credential(user.headers) if user is not None else None
    if user is None or secret is None or op.method != "GET" or not (denied(anon) or login_target(ctx, anon)):
        return False
    authed = await try_send(ctx, "GET", path, op=op, identity=user, params=query)
    if authed is None or not authed.ok or denied(authed) or serves_nothing(authed):
        return False
    for name in URL_CREDENTIALS:
        ex = await try_send(ctx, "GET", path, op=op, params={**query, name: secret})
        if ex is not None and ex.ok and not denied(ex) and normalise(ex.text) == normalise(authed.text):
            ctx.report(rules.AUTH_IN_URL, f"GET {op.path} accepted {user.name}'s credential as the query parameter "
                       f"{name!r} (no Authorization header): answered {ex.status} as to {user.name}", ex, op=op,
                       parameter=name)
            return True
    return False


@check("authn", rules=(rules.AUTH_MISSING, rules.AUTH_GARBAGE, rules.AUTH_IN_URL), weight=8, phase="auth",
       order=10)
async def authn(ctx: Context) -> None:
    """Protected operations must refuse anonymous, garbage, empty and wrong-scheme credentials."""
    user = ctx.users[0] if ctx.users else None
    candidates = _candidates(ctx)
    ctx.plan(candidates)
    if not candidates:
        ctx.not_applicable("no operation is declared or known to need credentials")
    in_url_found, tried = False, 0  # one operation proves it: the check that reads credentials is usually shared
    for op in candidates:
        path = ctx.concrete_path(op, user)
        if path is None:
            continue
        body = ctx.body_for(op)
        query = ctx.query_for(op)
        anon = await try_send(ctx, op.method, path, op=op, json_body=body, params=query)
        if anon is None:
            continue
        why = ""
        if op.secured is not True:
            if not anon.ok or denied(anon) or op.method != "GET":
                continue
            why = _must_refuse(ctx, op, anon)
            if op.secured is False and not why:
                continue  # declared public: only what the answer itself shows can overrule the declaration
            # unknown protection: report when the answer itself says it must refuse, or the identity sees more (with
            # no identity at all, only the answer can say so)
            if not why:
                if user is None:
                    continue
                authed = await try_send(ctx, op.method, path, op=op, identity=user, params=query)
                if authed is None or not authed.ok or normalise(authed.text) == normalise(anon.text):
                    continue
            # control: the anonymous request once more; an answer that changes by itself proves nothing
            again = await try_send(ctx, op.method, path, op=op, params=query)
            if again is None or again.status != anon.status or normalise(again.text) != normalise(anon.text):
                continue
            if invites_login(anon):
                ctx.notes.append(f"authn: {op.method} {op.path} showed an identity more than an anonymous caller, "
                                 "but its anonymous page invites the caller to log in: a public page, not counted")
                continue
        if anon.ok and not denied(anon):
            if serves_nothing(anon):
                ctx.notes.append(f"authn: {op.method} {op.path} answered {anon.status} without credentials but "
                                 f"served nothing ({anon.text.strip()[:20]!r}): not counted as access")
                continue
            if echoes_own_headers(anon):
                ctx.notes.append(f"authn: {op.method} {op.path} answered {anon.status} without credentials with "
                                 "only the request's own headers: nothing behind a login, not counted as access")
                continue
            declared = "; the description declares it public" if op.secured is False else ""
            ctx.report(rules.AUTH_MISSING, f"{op.method} {op.path} answered {anon.status} without credentials"
                       + (f" ({why}{declared})" if why else ""), anon, op=op)
            continue
        if not denied(anon):
            continue
        if not in_url_found and tried < 3:  # a shared credential reader: three operations are enough to ask
            tried += op.method == "GET"
            in_url_found = await _in_url(ctx, op, path, query, anon)
        authed_status: int | None = None
        for label, headers in GARBAGE:
            ex = await try_send(ctx, op.method, path, op=op, headers=headers, json_body=body,
                                params=query)
            if ex is None or ex.status is None or denied(ex) or ex.status >= 500:
                continue
            if not ex.ok and authed_status is None and user is not None:
                # past the gate but e.g. 404 for a sample id: accepted if a real identity gets the same answer
                authed = await try_send(ctx, op.method, path, op=op, identity=user, json_body=body, params=query)
                authed_status = authed.status if authed is not None else None
            if ex.ok or ex.status == authed_status:
                ctx.report(rules.AUTH_GARBAGE, f"{op.method} {op.path} accepted a {label}: answered {ex.status} "
                           f"like a real identity (anonymous got {anon.status})", ex, op=op, parameter="Authorization")
                break
    if not in_url_found:
        await _pages_reading_url_credentials(ctx)


async def _pages_reading_url_credentials(ctx: Context) -> None:
    """Pages the description says take a credential in their query (``GET /home?token=``), whose anonymous caller
    may be sent to the login page rather than refused: asked once each (at most three), without the parameter
    first, then with the identity's own credential."""
    user = ctx.users[0] if ctx.users else None
    for op in [o for o in ctx.operations if _reads_url_credential(o)][:3]:
        path = ctx.concrete_path(op, user)
        if path is None:
            continue
        query = _without_credentials(ctx.query_for(op))
        anon = await try_send(ctx, "GET", path, op=op, params=query)
        if anon is not None and await _in_url(ctx, op, path, query, anon):
            return
