"""Mass assignment, verified by reading back: did a privileged field sent in a create request stick?

Two places: the registration operation (or else an account creation open to anyone that takes no password,
whose accounts sign in by name) (register a throwaway account with ``admin``/``role``/``is_admin``
set — all at once, then one field at a time if the server refuses the batch — log in, and read the account
back through the new account's own login answer or token claims, or the canary operation) and every collection
the probe can create in (fields the item's response shows but the request schema does not declare; all at once, then
one at a time when the batch is refused). A finding
needs the injected value in a *separate* read, and a normal object/account whose value differs — echoes don't
count.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from apishield.probe import objects, rules
from apishield.probe.account_ops import creates_account, opens_account
from apishield.probe.checks._util import try_send
from apishield.probe.checks.account_views import account_listing, listed_record
from apishield.probe.checks.records import read_path
from apishield.probe.checks.throwaway import recipe_like, throwaway_account
from apishield.probe.client import Exchange
from apishield.probe.engine import Context, Identity, check
from apishield.probe.identities import (
    credentials_for,
    extract_token,
    fill_credentials,
    find_op,
    login,
)
from apishield.probe.objects import attribute_key
from apishield.probe.targets import OWN_ACCOUNT, Operation, sample_body

PRIVILEGED: dict[str, Any] = {"admin": True, "is_admin": True, "isAdmin": True, "role": "admin",
                              "is_staff": True, "is_superuser": True}


#: an account's money or credit: the caller's own balance is the API's to change, never the caller's
MONEY = re.compile(r"(?i)^(account_?|wallet_?|store_?)?(balance|credits?|funds|wallet|loyalty_?points|points|coins)$")


def _stuck(data: Any, injected: dict[str, Any]) -> dict[str, Any]:
    if isinstance(data, dict) and isinstance(data.get("user"), dict):
        data = data["user"]
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in injected.items() if k in data and data[k] == v}


async def _registration(ctx: Context) -> None:
    """Register with every privileged field at once; when the server refuses that batch (an unknown column fails
    the whole insert), once more with each field alone, a fresh account each time."""
    register = find_op(ctx.operations, "register") or next(
        (op for op in ctx.operations if opens_account(op)), None)
    login_op, canary = find_op(ctx.operations, "login"), ctx.canary
    if register is None or login_op is None:  # without a canary, the new account's login answer still shows
        return
    outcome = await _register_with(ctx, register, login_op, canary, dict(PRIVILEGED))
    if outcome != "refused":
        return
    for key, value in PRIVILEGED.items():
        if await _register_with(ctx, register, login_op, canary, {key: value}) == "reported":
            return


async def _register_with(ctx: Context, register: Operation, login_op: Operation, canary: Operation | None,
                         privileged: dict[str, Any]) -> str:
    """One throwaway registration carrying ``privileged``: "reported", "refused" (not 2xx) or "quiet"."""
    body = sample_body(register.body_schema, ctx.rng) if register.body_schema else {}
    username, password = f"apishield_{ctx.account_tag()}", f"Apishield-{secrets.token_urlsafe(12)}-9!"
    ctx.client.add_secret(password, "PASSWORD_MASSPROBE")
    fill_credentials(body, username, password)
    body.setdefault("username", username)
    body.setdefault("password", password)
    # a privilege field the description itself declares for sign-up (``role: user``) is set to the privileged
    # value too: a self-registration that lets its caller choose ``admin`` escalates all the same
    injected = {k: v for k, v in privileged.items() if body.get(k) != v}
    if not injected:
        return "quiet"
    sent = await try_send(ctx, register.method, register.path, op=register, json_body={**body, **injected})
    if sent is None:
        return "quiet"
    if not sent.ok:
        return "refused"
    creds = credentials_for(login_op, {k: v for k, v in body.items() if k not in injected})
    probe_user = Identity(name="massprobe", username=username)
    token = extract_token(sent.json())
    if token:
        probe_user.headers = {"Authorization": f"Bearer {token}"}
        ctx.client.add_secret(token, "TOKEN_MASSPROBE")
    elif not await login(ctx, recipe_like(ctx, login_op), probe_user, creds):
        return "quiet"
    elif await _login_shows(ctx, register, login_op, probe_user, injected, sent.seq):
        return "reported"
    if canary is None or canary.path_params:
        return "quiet"  # no read of one's own account to compare
    back = await try_send(ctx, "GET", canary.path, op=canary, identity=probe_user)
    if back is None or not back.ok:
        return "quiet"
    stuck = _stuck(back.json(), injected)
    if not stuck or not ctx.users:
        return "quiet"
    normal = await try_send(ctx, "GET", canary.path, op=canary, identity=ctx.users[0])
    normal_values = _stuck(normal.json() if normal else None, stuck)
    if normal_values == stuck:
        return "quiet"  # ordinary accounts look the same: nothing was gained
    field = sorted(stuck)[0]
    ctx.report(rules.MASS, f"{register.key} accepted {sorted(stuck)} from the request body; the new account reads "
               f"back {stuck} at GET {canary.path}", back, op=register, parameter=field, highlight=f'"{field}"',
               registration=sent.seq)
    return "reported"


async def _login_shows(ctx: Context, register: Operation, login_op: Operation, probe_user: Identity,
                       injected: dict[str, Any], registration: int) -> bool:
    """The new account's own login answer (a separate request) shows an injected value that an ordinary
    identity's login answer shows differently."""
    normal = ctx.users[0].attributes if ctx.users else {}
    stuck = {k: v for k, v in injected.items() if probe_user.attributes.get(attribute_key(k)) == v
             and attribute_key(k) in normal and normal[attribute_key(k)] != v}
    answer = next((ex for ex in reversed(ctx.client.log) if ex.method == login_op.method
                   and ex.path.rstrip("/") == login_op.path.rstrip("/") and ex.ok
                   and (probe_user.username or "\0").encode() in ex.request_body), None)
    if not stuck or answer is None:
        return False
    field = sorted(stuck)[0]
    ctx.report(rules.MASS, f"{register.key} accepted {sorted(stuck)} from the request body; the new account's own "
               f"login answer shows {stuck} (in its body or its token's claims; an ordinary identity's "
               f"shows otherwise)", answer, op=register,
               parameter=field, highlight=f'"{field}"', registration=registration)
    return True


async def _collections(ctx: Context) -> None:
    if not ctx.users:
        return
    user = ctx.users[0]
    for created in list(ctx.owned_by(user)):
        item = ctx.item_op(created.collection, "GET")
        create = next((op for op in ctx.operations if op.method == "POST" and op.path == created.collection), None)
        if item is None or create is None:
            continue
        declared = set(create.body_fields)
        normal = await try_send(ctx, "GET", created.item_path, identity=user, op=item)
        if normal is None or not normal.ok or not isinstance(normal.json(), dict):
            continue
        seen = set(normal.json()) | set(item.response_fields)
        extra = {k: v for k, v in PRIVILEGED.items() if k not in declared}
        for key in seen - declared - {"id", "created_at", "updated_at"}:
            current = normal.json().get(key)
            if isinstance(current, bool):
                extra[key] = not current
            elif isinstance(current, int) and key not in ("owner_id", "user_id"):
                extra[key] = current + 7331
        # all at once; refused as a batch (one unknown column fails a column-per-key INSERT), one at a time, the
        # fields the object itself shows first
        singles = [{k: extra[k]} for k in sorted(extra, key=lambda k: k not in seen)[:6]] if len(extra) > 1 else []
        for batch in [extra, *singles]:
            _ex, object_id = await ctx.create(create, user, {**created.body, **batch})
            if object_id is None:
                continue
            back = await try_send(ctx, "GET", ctx.created[-1].item_path, identity=user, op=item)
            stuck = _stuck(back.json() if back else None, batch)
            stuck = {k: v for k, v in stuck.items() if normal.json().get(k) != v}
            if back is not None and stuck:
                field = sorted(stuck)[0]
                ctx.report(rules.MASS, f"POST {create.path} stored undeclared fields {stuck}; read back at "
                           f"{ctx.created[-1].item_path}", back, op=create, parameter=field, highlight=f'"{field}"')
            break  # created: what stuck is known


#: an action word ending the path: a POST there updates rather than creates
_ACTION = re.compile(r"(?i)/(?:update|edit|save|modify|change)/?$")
#: an account named by its key (``PUT /users/{id}``, ``PATCH /api/accounts/{username}``)
#: (or a part of it that a path of its own updates: ``PUT /users/{id}/profile``)
_ACCOUNT_BY_KEY = re.compile(r"(?i)/(?:users?|accounts?|profiles?|members?|customers?)/\{[^}/]+\}"
                             r"(?:/(?:profile|settings|details|info|account|preferences))?/?$")


async def _own_account(ctx: Context) -> None:
    """An account updates itself through the operation that changes the caller's own account (or the account named
    by its key, at its own key), with privileged fields and every undeclared flag or number its account shows
    changed; a finding needs a separate read (a GET of the account, a listing of accounts that shows it, else the
    answer to a second update that sends none of those fields) to show a value the account did not have before.

    The account is a throwaway one of the probe's own, registered for the purpose. Where the API registers no one,
    the run's last identity updates itself, only with fields its record shows, read through a GET or a listing
    (never an empty update), and its old values are written back at once; if they do not come back, the identity
    counts as an administrator for the rest of the run, so that no later check takes what it is shown for a
    leak."""
    updates = [op for op in ctx.operations if op.method in ("PUT", "PATCH") and not op.path_params
               and OWN_ACCOUNT.search(op.path) and not op.looks_admin()]
    # a POST that updates the caller's account: at an action path, or where a GET of the same path reads it
    updates += [op for op in ctx.operations if op.method == "POST" and not op.path_params and not op.looks_admin()
                 and OWN_ACCOUNT.search(op.path) and not op.looks_register() and not op.looks_login()
                 and not creates_account(op)
                 and (_ACTION.search(op.path) or ctx.op_at(op.path) is not None)
                 and not any(u.path == op.path for u in updates)]
    updates = updates or [op for op in ctx.operations if op.method in ("PUT", "PATCH") and len(op.path_params) == 1
                          and _ACCOUNT_BY_KEY.search(op.path) and not op.looks_admin()][:1]
    if not updates:
        ctx.not_applicable("no operation updates the caller's own account")
    for update in updates[:2]:
        await _own_account_at(ctx, update)


async def _own_account_at(ctx: Context, update: Operation) -> None:
    register = next((op for op in ctx.operations if creates_account(op)), None)
    login_op = find_op(ctx.operations, "login")
    probe_user = (await throwaway_account(ctx, register, login_op)
                  if register is not None and login_op is not None else None)
    borrowed = probe_user is None and len(ctx.users) >= 2
    probe_user = probe_user or (ctx.users[-1] if borrowed else None)
    if probe_user is None:
        return
    # a keyed account (``PUT /users/{id}``) is written at the account's own key only
    path = (objects.identity_path(update.path, (update.path_params[0].name,), probe_user.username,
                                  probe_user.user_id, probe_user.attributes) if update.path_params else update.path)
    if path is None:
        ctx.notes.append(f"mass_assignment: {update.key} is keyed by user, but {probe_user.name}'s own key was not "
                         "learnt: not tested")
        return
    # a GET of the same path reads the account, else one of the record a keyed part sits under (``GET
    # /users/{id}`` for ``PUT /users/{id}/profile``), else one of the caller's own account (``GET /profile``)
    head = update.path.rstrip("/").rpartition("/")[0]
    reader = ctx.op_at(update.path) or next(
        (op for op in ctx.operations if op.method == "GET" and update.path_params and head.endswith("}")
         and op.path.rstrip("/") == head), None) or next(
        (op for op in ctx.operations if op.method == "GET" and not op.path_params and not update.path_params
         and OWN_ACCOUNT.search(op.path) and not op.looks_admin()), None)
    # the run's own identity is read through a listing, never through an update of its own; a throwaway account
    # may be read by an update that sends nothing privileged
    listing = await account_listing(ctx, probe_user) if reader is None and borrowed else None
    # else a fresh login of the same account: its answer and its token's claims show its role and flags
    signer = login_op or (Operation(ctx.login[0], ctx.login[1]) if ctx.login else None)
    signs_in = borrowed and reader is None and listing is None and bool(probe_user.login_body) and signer is not None
    if borrowed and reader is None and listing is None and not signs_in:
        ctx.notes.append(f"mass_assignment: {update.key} not tested on {probe_user.name}: no read shows its account "
                         "and no throwaway account could be registered")
        return
    # an update read back through a login sends the privileged fields alone: the account's other values are unknown
    plain = sample_body(update.body_schema, ctx.rng) if update.body_schema and not signs_in else {}

    async def read() -> tuple[Exchange | None, dict[str, Any]]:
        if signs_in and signer is not None:
            return await _signed_in_record(ctx, signer, probe_user)
        if listing is not None:
            ex, shown = await listed_record(ctx, listing[0], probe_user)
            return ex, shown or {}
        if reader is not None:
            ex = await try_send(ctx, "GET", read_path(reader, path), op=reader, identity=probe_user)
        else:
            with ctx.own_write(update), ctx.own_record(path):  # the account's record as a plain update answers it
                ex = await try_send(ctx, update.method, path, op=update, identity=probe_user, json_body=plain)
        return ex, objects.account_record(ex.json() if ex is not None and ex.ok else None)

    _before, record = await read()
    if not record:
        ctx.skip(f"no read showed {probe_user.name}'s account before the update", update)
        return
    declared = set(update.body_fields)
    # fields the account shows, changed (an unknown column would fail the whole update, as at registration); the
    # privileged names only when the account shows none of its own. A privileged field the account shows is sent
    # even when the description declares it: an account that makes itself an administrator is the finding either way;
    # so is a balance or credit the account shows (:data:`MONEY`)
    extra: dict[str, Any] = {k: v for k, v in PRIVILEGED.items() if k in record and record.get(k) != v}
    for key, current in record.items():
        if key not in declared and isinstance(current, bool):
            extra[key] = not current
        elif key not in declared and isinstance(current, int) and not key.endswith("id") and key != "id":
            extra[key] = current + 7331
        elif MONEY.match(key) and isinstance(current, (int, float)) and not isinstance(current, bool):
            extra[key] = current + 7331  # declared or not: an account that credits itself is the finding
    if not extra and not borrowed:
        extra = {k: v for k, v in PRIVILEGED.items() if k not in declared}
    if not extra:
        return
    # the declared fields keep the account's own values where it shows them: a sample (an example e-mail that
    # another account holds) can fail a unique column, and the update with it
    plain = {**plain, **{k: record[k] for k in declared if k in record and k not in extra}}
    with ctx.own_write(update), ctx.own_record(path):
        changed = await try_send(ctx, update.method, path, op=update, identity=probe_user,
                                 json_body={**plain, **extra})
        if changed is not None and not changed.ok and plain and changed.status not in (401, 403, 429):
            # refused for what else it sent: the privileged fields alone, as a partial update would carry them
            changed = await try_send(ctx, update.method, path, op=update, identity=probe_user, json_body=extra)
    if changed is None or not changed.ok:
        return
    back, after = await read()
    stuck = {k: v for k, v in extra.items() if k in after and after[k] == v and record.get(k) != v}
    if back is not None and stuck:
        field = sorted(stuck)[0]
        was = {k: record.get(k) for k in sorted(stuck)}
        how = (listing[0].key if listing is not None else f"GET {reader.path}" if reader is not None
               else "a fresh login's answer (its body or its token's claims)" if signs_in
               else f"a second {update.key} that did not send them")
        ctx.report(rules.MASS, f"{update.key} let the caller set {sorted(stuck)} on its own account; {how} shows "
                   f"{stuck} (it showed {was} before)", back, op=update, parameter=field, highlight=f'"{field}"')
    if borrowed and stuck:
        await _write_back(ctx, update, path, probe_user, {k: record[k] for k in stuck}, read)


async def _signed_in_record(ctx: Context, login_op: Operation, who: Identity) -> tuple[Exchange | None,
                                                                                     dict[str, Any]]:
    """``who``'s account as a fresh login of it shows it (a separate request; the run's identity keeps its own
    session): its privileged fields, by their usual names, from the login answer and the token's claims."""
    again, recipe = Identity(name=who.name, username=who.username), recipe_like(ctx, login_op)
    if not await login(ctx, recipe, again, dict(who.login_body)):
        return None, {}
    answer = next((ex for ex in reversed(ctx.client.log) if ex.method == recipe.method and ex.ok
                   and ex.path.rstrip("/") == recipe.path.rstrip("/")), None)
    return answer, {k: again.attributes[attribute_key(k)] for k in PRIVILEGED if attribute_key(k) in again.attributes}


async def _write_back(ctx: Context, update: Operation, path: str, who: Identity, old: dict[str, Any],
                      read: Callable[[], Awaitable[tuple[Exchange | None, dict[str, Any]]]]) -> None:
    """The run's own identity gets its old values back; if they do not come back, it counts as an administrator
    from now on (its answers are no longer an ordinary user's)."""
    with ctx.own_write(update), ctx.own_record(path):
        await try_send(ctx, update.method, path, op=update, identity=who, json_body=old)
    _ex, now = await read()
    if any(now.get(k) != v for k, v in old.items()):
        who.attributes["isadmin"] = True
        ctx.notes.append(f"mass_assignment: {who.name}'s old values {old} did not come back; it counts as an "
                         "administrator for the rest of the run")


@check("mass_assignment", rules=(rules.MASS,), weight=3, phase="access", order=30)
async def mass_assignment(ctx: Context) -> None:
    """Privileged or undeclared fields in create requests and in the caller's own account update, verified by a
    separate read-back."""
    if not ctx.users:
        ctx.needs_identity("mass assignment is verified by reading back as an identity")
    await _registration(ctx)
    await _collections(ctx)
    await _own_account(ctx)
