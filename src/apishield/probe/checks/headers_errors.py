"""Headers and errors: security headers, version banners, TRACE, error detail, debug pages, user enumeration.

The active part provokes errors (malformed JSON, wrong types, integer ids beyond any database column) and compares
login answers; what the answers disclose is judged by :mod:`apishield.probe.checks.disclosure`, which also reads
every exchange at the end.
"""

from __future__ import annotations

import re

from apishield.probe import objects, rules
from apishield.probe.checks._util import live_markup, login_op, normalise, try_send, unname, who_for
from apishield.probe.checks.disclosure import banner, errors
from apishield.probe.client import Exchange
from apishield.probe.engine import Context, Identity, check
from apishield.probe.identities import login_request, shaped_like
from apishield.probe.targets import Operation

NEEDED = {"x-content-type-options": "nosniff"}
HTML_NEEDED = ("content-security-policy", "x-frame-options")


@check("headers_errors", rules=(rules.HEADERS, rules.BANNER, rules.TRACE, rules.STACK, rules.ENUM, rules.XSS), weight=4,
       phase="config", order=20)
async def headers_errors(ctx: Context) -> None:
    """Missing headers, banners, TRACE, provoked errors and user enumeration."""
    op = ctx.canary or next((o for o in ctx.operations if o.method == "GET" and not o.path_params), None)
    path = op.path if op else "/"
    who = ctx.users[0] if ctx.canary and ctx.users else None
    if op is not None:
        ctx.plan([op])
    ex = await try_send(ctx, "GET", path, op=op, identity=who)
    if ex is not None and ex.status is not None:
        missing = [h for h, v in NEEDED.items() if (ex.header(h) or "").lower() != v]
        if ex.content_type == "text/html":
            missing += [h for h in HTML_NEEDED if ex.header(h) is None]
        if ctx.client.origin[0] == "https" and ex.header("strict-transport-security") is None:
            missing.append("strict-transport-security")
        if ex.header("cache-control") is None and who is not None and ex.ok:  # only an authenticated 2xx answer
            missing.append("cache-control (authenticated answer)")
        if missing:
            ctx.report(rules.HEADERS, f"missing: {', '.join(missing)}", ex, op=op, missing=missing)
        shown = banner(ex)  # the passive check reads the other answers' banners
        if shown is not None:
            ctx.report(rules.BANNER, f"version banner: {shown}", ex, op=op)
    trace = await try_send(ctx, "TRACE", path, headers={"X-Apishield-Trace": "apishield-trace-echo"})
    if trace is not None and trace.ok and "apishield-trace-echo" in trace.text:
        ctx.report(rules.TRACE, "TRACE answered 2xx and echoed the request", trace, highlight="apishield-trace-echo")
    await _unknown_path(ctx)
    # provoke errors: malformed JSON and wrong types
    posts = [o for o in ctx.operations if o.method == "POST" and not o.looks_destructive() and not o.path_params]
    for post in posts[:6]:
        bad = await try_send(ctx, "POST", post.path, op=post, identity=who if post.secured else None,
                             content='{"apishield": [1, 2', headers={"Content-Type": "application/json",
                                                                     **(who.headers if who and post.secured else {})})
        if bad is not None:
            errors(ctx, bad)
    await _out_of_range_ids(ctx)
    await _enumeration(ctx)
    await _account_existence(ctx)


#: one past the largest signed 64-bit integer: a valid number to the router (``<int:id>``, ``{id: int}``) that no
#: database column holds; an API should answer it 404 or 400, not fail on it
OUT_OF_RANGE = 2**63


async def _out_of_range_ids(ctx: Context) -> None:
    """GET operations with an integer path parameter, asked once each (at most six) with an id no database column
    holds: the answer is read for error detail (here) and a 500 (by the passive check), as a wrong type is."""
    ops = [o for o in ctx.operations if o.method == "GET" and not o.looks_destructive()
           and any(p.schema.get("type") == "integer" for p in o.path_params)]
    for op in ops[:6]:
        who = who_for(ctx, op)
        huge = {p.name: OUT_OF_RANGE for p in op.path_params if p.schema.get("type") == "integer"}
        path = ctx.concrete_path(op, who, overrides=huge)
        if path is None:
            continue
        answer = await try_send(ctx, "GET", path, op=op, identity=who)
        if answer is not None:
            errors(ctx, answer)


async def _enumeration(ctx: Context) -> None:
    """At the recipe's login and at another login-like operation (at most two in all)."""
    login, encoding = login_op(ctx)
    known = next((i for i in ctx.identities if i.username), None)
    if known is None or not known.username:
        return
    targets = [(login, encoding)] if login is not None and encoding != "basic" else []
    seen = {login.key} if login is not None else set()
    targets += [(op, "form" if op.form_encoded else "json") for op in ctx.operations
                if op.looks_login() and op.key not in seen]
    for op, how in targets[:2]:  # two wrong passwords each: four in all stays under the usual lockouts
        await _enumeration_at(ctx, op, how, known)


#: an answer that says the account does not exist (``no_such_user``, ``User not found``, ``unknown e-mail``), unlike
#: one refusing the value's form (``invalid``, ``must be``, ``format``): the name was looked up
_MISSING_ACCOUNT = re.compile(r"(?i)no[_ -]?such|not[_ -]?found|unknown|does ?n[o']?t exist|not[_ -]?exist|"
                              r"no (?:account|user)|not registered|unregistered")
_INPUT_REFUSAL = re.compile(r"(?i)invalid|valid |must|format|required|length|characters|pattern|too (?:long|short)")


def names_a_missing_account(text: str) -> bool:
    """A refusal that tells the account is unknown rather than the value malformed: an account lookup's answer,
    even under 400."""
    return bool(_MISSING_ACCOUNT.search(text)) and not _INPUT_REFUSAL.search(text)


def _made_up_like(known: str, token: str) -> str:
    """A user name nobody has, shaped like a real one: an address on the same domain for an e-mail sign-in (an
    input check on the field lets it through to the account lookup), else the real name's characters only."""
    if "@" in known:
        return f"apishield.nobody.{token}@{known.rsplit('@', 1)[1]}"
    return shaped_like([known], f"apishield_nobody_{token}")


async def _enumeration_at(ctx: Context, login: Operation, encoding: str, known: Identity) -> None:
    if not known.username:
        return
    fields = list(login.body_fields) or ["username", "password"]
    user_key = next((f for f in fields if f.lower() in ("username", "user", "login", "email")), "username")
    pass_key = next((f for f in fields if "pass" in f.lower()), "password")

    passwords: list[str] = []  # every wrong password sent: an answer echoing its own is no difference

    async def attempt(user: str) -> Exchange | None:
        passwords.append("Wrong-" + ctx.token(10))
        body = {user_key: user, pass_key: passwords[-1]}
        return await try_send(ctx, login.method, login.path, op=login, **login_request(encoding, body))

    answers: list[tuple[Exchange, Exchange, str]] = []
    for _ in range(2):
        nobody = _made_up_like(known.username, ctx.token(8))
        wrong = await attempt(known.username)
        unknown = await attempt(nobody)
        if wrong is None or unknown is None or wrong.ok or unknown.ok:
            return
        answers.append((wrong, unknown, nobody))

    if any(u.status in (400, 422) and w.status not in (400, 422) and not names_a_missing_account(u.text)
           for w, u, _ in answers):
        return  # the made-up name was refused as input (not an address, too long …): the account was not looked up

    def differ(w: Exchange, u: Exchange, nobody: str) -> bool:
        # an echoed user name is not a difference; both names are read out of both answers, since a page may name
        # the known user in fixed text too (a demo account's hint), which only one answer's echo would replace
        names = (known.username or "", nobody, *passwords)
        return w.status != u.status or normalise(unname(w.text, *names)) != normalise(unname(u.text, *names))

    if all(differ(*a) for a in answers):
        w, u, _ = answers[0]
        ctx.report(rules.ENUM, f"wrong password for an existing user answers {w.status} {w.text[:80]!r}; an unknown "
                   f"user answers {u.status} {u.text[:80]!r}", u, op=login, parameter=user_key)


async def _account_existence(ctx: Context) -> None:
    """User-keyed records (``/user/{id}``): when another identity's record answers 403 but a record that does not
    exist answers 404, anyone can tell which accounts exist. Needs two identities with known ids or names, and
    the first identity's own record answering 2xx (the operation works)."""
    if len(ctx.users) < 2:
        return
    me, other = ctx.users[0], ctx.users[1]
    ops = [op for op in ctx.operations if op.method == "GET" and len(op.path_params) == 1
           and not op.looks_destructive()]
    for op in ops[:5]:
        param = op.path_params[0].name
        prefix = op.path.split("{")[0]
        mine = objects.identity_value(param, me.username, me.user_id, prefix, me.attributes)
        theirs = objects.identity_value(param, other.username, other.user_id, prefix)
        if mine is None or theirs is None or str(mine) == str(theirs):
            continue
        ghost = "987654321" if str(theirs).isdigit() else f"apishieldnobody{ctx.token(6)}"
        own = await try_send(ctx, "GET", op.path.replace("{" + param + "}", str(mine)), op=op, identity=me)
        if own is None or not own.ok:
            continue
        foreign = await try_send(ctx, "GET", op.path.replace("{" + param + "}", str(theirs)), op=op, identity=me)
        missing = await try_send(ctx, "GET", op.path.replace("{" + param + "}", ghost), op=op, identity=me)
        if foreign is not None and missing is not None and foreign.status == 403 and missing.status == 404:
            ctx.report(rules.ENUM, f"{op.path}: another account's record answers 403, one that does not exist 404, "
                       "so anyone can tell which accounts exist", foreign, op=op, parameter=param)
            return


async def _unknown_path(ctx: Context) -> None:
    """A path the API does not serve, carrying markup: a 404 page that renders it unescaped is reflected XSS."""
    tag = "apsh" + ctx.token(6)
    ex = await try_send(ctx, "GET", f"/{tag}%3C{tag}%20x=1%3E")
    if (ex is not None and ex.content_type in ("text/html", "application/xhtml+xml")
            and f"<{tag} x=1>" in live_markup(ex.text)):
        ctx.report(rules.XSS, f"a path the API does not serve is echoed unescaped into its {ex.status} HTML page", ex,
                   parameter="path", highlight=f"<{tag}")
