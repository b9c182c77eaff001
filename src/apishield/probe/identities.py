"""Who the probe is: identities from ``--auth``, a login recipe, or self-provisioned throwaway accounts.

Then the **auth canary**: before any check runs, one protected operation must answer 2xx for every identity
and 401/403 without credentials. If an identity fails, the probe stops with a message saying what happened
instead of reporting nonsense (every authorization finding would be wrong with broken credentials).
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from apishield.errors import ConfigError
from apishield.probe.client import Exchange, denied
from apishield.probe.engine import Context, Identity, ProbeAbort, Throttled, Unsafe
from apishield.probe.objects import identity_value, jwt_claims, learn_attributes, learn_identity
from apishield.probe.targets import LOGIN, Operation, sample_body

TOKEN_KEYS = ("access_token", "auth_token", "token", "jwt", "id_token", "accessToken", "authToken", "session_token",
              "sessionToken")
USER_KEYS = ("username", "user", "login", "email", "name")
PASSWORD_KEYS = ("password", "pass", "passwd", "pwd")


def password_named(name: str) -> bool:
    """A field or parameter named for a password (``password``, ``pwd``, ``new_password``, ``passcode``)."""
    low = name.lower()
    return low in PASSWORD_KEYS or "pass" in low


def parse_auth(spec: str) -> Identity:
    """``NAME=HEADER:VALUE`` (e.g. ``alice=Authorization:Bearer abc``)."""
    name, sep, rest = spec.partition("=")
    header, sep2, value = rest.partition(":")
    if not sep or not sep2 or not name.strip() or not header.strip() or not value.strip():
        raise ConfigError(f"an identity is NAME=HEADER:VALUE, got {spec.split('=')[0]!r}=…")
    token = value.strip().split(" ", 1)[-1] if header.strip().lower() == "authorization" else value.strip()
    identity = Identity(name=name.strip(), headers={header.strip(): value.strip()}, token=token)
    scheme, _, encoded = value.strip().partition(" ")
    if header.strip().lower() == "authorization" and scheme.lower() == "basic":  # HTTP Basic: the account itself
        user, colon, password = _unbasic(encoded.strip())
        if colon and user:
            identity.username, identity.password = user, password
    return identity


def _unbasic(encoded: str) -> tuple[str, str, str]:
    """``user``, ``:``, ``password`` from a Basic credential's base64 text (empty strings when it is not one)."""
    try:
        return base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return "", "", ""


@dataclass(frozen=True, slots=True)
class LoginRecipe:
    """How to turn a body into a token: ``--login POST /login --body JSON --token-path auth_token``."""

    method: str
    path: str
    token_path: str = ""
    header: str = "Authorization: Bearer {token}"
    bodies: tuple[dict[str, Any], ...] = field(default=())
    encoding: str = "json"  # json | form | basic (credentials in an Authorization: Basic header)

    def request(self, body: dict[str, Any]) -> dict[str, Any]:
        """Keyword arguments for :meth:`Context.send` that carry ``body`` the way this recipe says."""
        return login_request(self.encoding, body)


def login_request(encoding: str, body: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for :meth:`Context.send` that carry a login ``body`` in ``encoding``: JSON; a form (an object
    value flattened the way Express and PHP read one back, ``password[$ne]=x``); or an ``Authorization: Basic``
    header."""
    if encoding == "form":
        flat: dict[str, str] = {}
        for key, value in body.items():
            if isinstance(value, dict):
                flat.update({f"{key}[{k}]": str(v) for k, v in value.items()})
            else:
                flat[key] = str(value)
        return {"content": urlencode(flat), "content_type": "application/x-www-form-urlencoded"}
    if encoding == "basic":
        user = pick(body, (*USER_KEYS, "email")) or ""
        password = pick(body, PASSWORD_KEYS) or ""
        return {"headers": {"Authorization": basic(user, password)}}
    return {"json_body": body}


ENCODINGS = ("json", "form", "basic")
TOKEN_HEADERS = ("authorization", "x-auth-token", "x-access-token", "access-token", "x-token", "token", "x-api-key")


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def header_token(ex: Exchange, token_path: str = "") -> str | None:
    """A token the login answer returns in a header (``--token-path header:NAME`` names it)."""
    if token_path.startswith("header:"):
        value = ex.header(token_path.split(":", 1)[1].strip())
        return value.split(" ", 1)[-1].strip() if value else None
    for name in TOKEN_HEADERS:
        value = ex.header(name)
        if value and not value.lower().startswith("basic "):
            return value.split(" ", 1)[-1].strip() if value.lower().startswith("bearer ") else value.strip()
    return None


def parse_login(method_path: list[str], bodies: list[str], token_path: str, header: str,
                encoding: str = "json") -> LoginRecipe:
    if len(method_path) != 2:
        raise ConfigError("a login is METHOD PATH, e.g. POST /api/login")
    parsed: list[dict[str, Any]] = []
    for raw in bodies:
        try:
            body = json.loads(raw)
        except ValueError:
            raise ConfigError("each login body must be a JSON object") from None
        if not isinstance(body, dict):
            raise ConfigError("each login body must be a JSON object")
        parsed.append(body)
    if not parsed:
        raise ConfigError("a login needs at least one body (one per identity)")
    if "{token}" not in header or ":" not in header:
        raise ConfigError("the token header must look like 'Authorization: Bearer {token}'")
    if encoding not in ENCODINGS:
        raise ConfigError(f"the login encoding must be one of {', '.join(ENCODINGS)}")
    return LoginRecipe(method_path[0].upper(), method_path[1], token_path, header, tuple(parsed), encoding)


def extract_token(data: Any, token_path: str = "") -> str | None:
    if token_path:
        node = data
        for part in token_path.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return None
        return node if isinstance(node, str) and node else None
    if isinstance(data, dict):
        for key in TOKEN_KEYS:
            if isinstance(data.get(key), str) and data[key]:
                return str(data[key])
        for value in data.values():
            found = extract_token(value)
            if found:
                return found
    return None


def pick(body: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    """The first of ``keys`` whose value in ``body`` is text."""
    for key in keys:
        if isinstance(body.get(key), str):
            return str(body[key])
    return None


async def login(ctx: Context, recipe: LoginRecipe, identity: Identity, body: dict[str, Any]) -> bool:
    """Log ``identity`` in with ``body``; fill its headers from the token (or session cookie)."""
    try:
        ex = await ctx.send(recipe.method, recipe.path, **recipe.request(body))
    except Throttled as exc:
        identity.failure = str(exc)
        return False
    if not ex.ok and not session_redirect(ex, recipe.path):
        identity.failure = f"{recipe.method} {recipe.path} answered {ex.status if ex.status is not None else ex.error}"
        return False
    token = header_token(ex, recipe.token_path) if recipe.token_path.startswith("header:") else (
        extract_token(ex.json(), recipe.token_path) or header_token(ex))
    cookies = [v.split(";", 1)[0] for k, v in ex.response_headers if k.lower() == "set-cookie"]
    if token:
        name, _, template = recipe.header.partition(":")
        identity.headers = {name.strip(): template.strip().replace("{token}", token)}
        identity.token = token
        ctx.client.add_secret(token, f"TOKEN_{identity.name.upper()}")
        identity.session_cookie = "; ".join(c for c in cookies if c.partition("=")[2])  # a session beside it
        for cookie in cookies:
            ctx.client.add_secret(cookie.partition("=")[2], f"COOKIE_{identity.name.upper()}")
    else:
        if not cookies and recipe.encoding == "basic":  # HTTP Basic APIs: the credentials are the identity
            identity.headers = recipe.request(body)["headers"]
            ctx.client.add_secret(identity.headers["Authorization"].split(" ", 1)[1], f"BASIC_{identity.name.upper()}")
            _learn(identity, ex.json())
            return True
        if not cookies:
            identity.failure = f"{recipe.method} {recipe.path} answered {ex.status} without a token or session cookie"
            return False
        identity.headers = {"Cookie": "; ".join(cookies)}
        for cookie in cookies:
            ctx.client.add_secret(cookie.partition("=")[2], f"COOKIE_{identity.name.upper()}")
    _learn(identity, ex.json())
    learn_from_token(identity)
    return True


def session_redirect(ex: Exchange, login_path: str) -> bool:
    """A form login's success: a redirect into the application that sets a cookie (``302`` to ``/``, ``Set-Cookie:
    session=…``). A redirect back to the login page is the form refusing the credentials (its flash message may set
    a cookie too); the auth canary still checks that the cookie is a session."""
    if ex.status is None or not 300 <= ex.status < 400:
        return False
    if not any(k.lower() == "set-cookie" for k, _ in ex.response_headers):
        return False
    target = urlsplit(ex.header("location") or "").path.rstrip("/")
    return target != login_path.rstrip("/") and not LOGIN.search(target)


def _learn(identity: Identity, data: Any) -> None:
    identity.username, identity.user_id = learn_identity(identity.username, identity.user_id, data)
    learn_attributes(identity.attributes, data)


def learn_from_token(identity: Identity) -> None:
    """The identity's own name, id and attributes (``is_admin``, ``role``) from its token's claims, when its token
    is a JWT: every identity, those given on the command line and those a login makes (the throwaway accounts of
    the checks included)."""
    _learn(identity, jwt_claims(identity.token))


def _bind_relogin(ctx: Context, recipe: LoginRecipe, identity: Identity, body: dict[str, Any]) -> None:
    async def again() -> bool:
        return await login(ctx, recipe, identity, body)

    identity.relogin = again
    identity.login_body = dict(body)


async def from_recipe(ctx: Context, recipe: LoginRecipe) -> list[Identity]:
    out: list[Identity] = []
    for index, body in enumerate(recipe.bodies, start=1):
        identity = Identity(name=f"user{index}", username=pick(body, USER_KEYS), password=pick(body, PASSWORD_KEYS))
        if identity.password:
            ctx.client.add_secret(identity.password, f"PASSWORD_{identity.name.upper()}")
        if not await login(ctx, recipe, identity, body):
            why = identity.failure or "it answered 2xx without a token or session cookie"
            raise ProbeAbort(f"login failed for identity #{index}: {why}; "
                             "check the login operation, its bodies and the token path")
        _bind_relogin(ctx, recipe, identity, body)
        await alternate_logins(ctx, recipe, identity, body)
        out.append(identity)
    return out


TOKEN_FIELDS = frozenset({"access_token", "token", "accessToken", "id_token", "jwt", "auth_token"})


async def alternate_logins(ctx: Context, recipe: LoginRecipe, identity: Identity, body: dict[str, Any]) -> None:
    """Other operations of the description that issue a token for the same credentials (a ``POST`` taking the
    login's fields and answering a token field, or one whose path says it is a login): the identity logs in there
    too, and keeps each token it gets as alternate credentials for operations that refuse its main ones. The
    answers are recorded like any other, so what a login answers (the account's stored password) is judged."""
    for op in ctx.operations:
        if (op.method != "POST" or op.path == recipe.path or op.looks_register() or op.looks_destructive()
                or not body or not set(body) <= set(op.body_fields)
                or not (op.response_fields & TOKEN_FIELDS or op.looks_login())):
            continue
        try:
            ex = await ctx.send(op.method, op.path, op=op, **recipe.request(body))
        except (Throttled, Unsafe):
            continue
        token = extract_token(ex.json(), recipe.token_path) if ex.ok else None
        if token and token != identity.token:
            name, _, template = recipe.header.partition(":")
            identity.alternates.append({name.strip(): template.strip().replace("{token}", token)})
            ctx.client.add_secret(token, f"TOKEN_{identity.name.upper()}_{len(identity.alternates)}")


def find_op(ops: list[Operation], kind: str) -> Operation | None:
    test = Operation.looks_register if kind == "register" else Operation.looks_login
    return next((op for op in ops if test(op)), None)


def shaped_like(samples: list[str], value: str) -> str:
    """``value`` written with the characters the samples use: punctuation none of them carries is dropped
    (``nobody_x1`` beside ``user001`` becomes ``nobodyx1``), so that an input check that takes only what the real
    values look like lets a made-up one through to the account lookup."""
    if not samples:
        return value
    used = set("".join(samples))
    return "".join(c for c in value if c.isalnum() or c in used)


def credential_samples(ctx: Context) -> tuple[list[str], list[str]]:
    """The identities' real user names and passwords (from their logins), to shape made-up ones like them."""
    names: list[str] = []
    passwords: list[str] = []
    for who in ctx.identities:
        body = {k.lower(): v for k, v in who.login_body.items() if isinstance(v, str) and v}
        name = who.username or next((v for k, v in body.items() if k in USER_KEYS and "@" not in v), None)
        password = who.password or next((v for k, v in body.items() if k in PASSWORD_KEYS or "pass" in k), None)
        names += [name] if name and "@" not in name else []
        passwords += [password] if password else []
    return names, passwords


def fill_credentials(values: dict[str, Any], username: str, password: str) -> None:
    """Put ``username`` (or an address made from it) and ``password`` into the account fields of ``values``
    (``username``/``name``/``email``…, ``password``/``pwd``…); other fields keep their values."""
    for key in list(values):
        low = key.lower()
        if low in USER_KEYS or low == "email":
            values[key] = f"{username}@example.com" if "email" in low else username
        elif password_named(low):
            values[key] = password


def credentials_for(login_op: Operation | None, registered: dict[str, Any]) -> dict[str, Any]:
    """A registered account's credentials shaped as the login takes them: the login's declared user-name, e-mail
    and password fields, filled from what the registration sent (``passwordHash`` at sign-up may be ``password``
    at login, ``username`` there ``email`` here); the registration's own credential fields when the login
    declares none."""
    creds = {k: v for k, v in registered.items()
             if k.lower() in (*USER_KEYS, "email") or password_named(k)}
    fields = [*(login_op.body_fields if login_op else {}),
              *(p.name for p in (login_op.params if login_op else ()) if p.location == "query")]
    password = next((v for k, v in creds.items() if password_named(k)), None)
    email = next((v for k, v in creds.items() if "email" in k.lower()), None)
    user = next((v for k, v in creds.items() if k.lower() in USER_KEYS), None)
    shaped: dict[str, Any] = {}
    named = False  # the login's user-name or e-mail field is filled
    for name in fields:
        low = name.lower()
        if password_named(low):
            shaped[name] = password
        elif "email" in low or low in USER_KEYS:
            shaped[name] = (email or user) if "email" in low else (user or email)
            named = named or shaped[name] is not None
    if password is None or not named:
        return creds
    return {k: v for k, v in shaped.items() if v is not None}


async def provision(ctx: Context, count: int = 2, token_path: str = "",
                    header: str = "Authorization: Bearer {token}") -> list[Identity]:
    """Register ``count`` throwaway accounts through the spec's registration operation and log them in."""
    register = find_op(ctx.operations, "register")
    login_op = find_op(ctx.operations, "login")
    if register is None:
        return []
    out: list[Identity] = []
    for index in range(1, count + 1):
        body = sample_body(register.body_schema, ctx.rng) if register.body_schema else {}
        tag = ctx.account_tag()
        username = f"apishield_{tag}"
        password = f"Apishield-{secrets.token_urlsafe(12)}-9!"
        ctx.client.add_secret(password, f"PASSWORD_PROBE{index}")
        fill_credentials(body, username, password)
        body.setdefault("username", username)
        body.setdefault("password", password)
        try:
            ex = await ctx.send(register.method, register.path, **LoginRecipe(
                register.method, register.path, encoding="form" if register.form_encoded else "json").request(body))
        except Throttled as exc:
            ctx.notes.append(f"self-provisioning: {exc}; no throwaway account")
            return out
        if not ex.ok:
            ctx.notes.append(f"self-provisioning: {register.key} answered {ex.status}; no throwaway account")
            return out
        identity = Identity(name=f"probe{index}", username=username, password=password)
        data = ex.json()
        if isinstance(data, dict):
            user = data.get("user") if isinstance(data.get("user"), dict) else data
            if isinstance(user, dict):
                identity.user_id = user.get("id", user.get("user_id"))
        creds = credentials_for(login_op, body)
        recipe = LoginRecipe(login_op.method, login_op.path, token_path, header,
                             encoding="form" if login_op.form_encoded else "json") if login_op else None
        token = extract_token(data, token_path)
        if token:
            name, _, template = header.partition(":")
            identity.headers = {name.strip(): template.strip().replace("{token}", token)}
            identity.token = token
            ctx.client.add_secret(token, f"TOKEN_{identity.name.upper()}")
        elif recipe is None or not await login(ctx, recipe, identity, creds):
            # nobody asked for these accounts: an API whose login issues no credential (or that registers without
            # letting the account in) is tested without identities, as one with no registration operation is;
            # checks that need an identity are counted as skipped, so the run cannot pass as complete on their part
            why = identity.failure or "no login operation and no token in the registration answer"
            ctx.notes.append(f"self-provisioning: registered a throwaway account at {register.key} but could not log "
                             f"in ({why}); no identity: give a login recipe or ready credentials to test as a user")
            return out
        if recipe is not None:
            _bind_relogin(ctx, recipe, identity, creds)
            ctx.login = (recipe.method.upper(), recipe.path, recipe.encoding)
        out.append(identity)
    return out


def _own_path(op: Operation, identity: Identity) -> str | None:
    """``op``'s path with every path parameter filled by ``identity``'s own value (``/users/{user_id}`` with its
    id), or None when a parameter is not about users or the identity's value is unknown."""
    path = op.path
    for param in op.path_params:
        value = identity_value(param.name, identity.username, identity.user_id, op.path.split("{")[0],
                               identity.attributes)
        if value is None:
            return None
        path = path.replace("{" + param.name + "}", str(value))
    return path


async def _refuses_made_up(ctx: Context, op: Operation, path: str, like: Identity) -> bool:
    """Whether ``op`` refuses the identity's credential headers with made-up values (same scheme, random token)."""
    fake = {k: (v.split(" ", 1)[0] + " " if " " in v else "") + "apishield" + secrets.token_hex(12)
            for k, v in like.headers.items()}
    try:
        ex = await ctx.send("GET", path, op=op, headers=fake)
    except Throttled:
        return False
    return denied(ex)


def _past_authentication(ex: Exchange) -> bool:
    """An answer that refuses the request's input, not its caller (400, 404, 409, 422): a server reaches input
    validation only after the credential was accepted — proof of the credential when a made-up one is refused."""
    return ex.status in (400, 404, 409, 422)


def _takes_password(op: Operation) -> bool:
    """A GET that takes a password among its query parameters (``GET /login?username=&password=``): a login or a
    credential check, which refuses whoever sends none, whatever token rides along."""
    return any(p.location == "query" and password_named(p.name) for p in op.params)


def canary_candidates(ctx: Context) -> list[Operation]:
    """Operations an ordinary identity should pass, best first: protected GETs without path parameters (a
    ``/me``-like one first), then GETs of the identity's own record (every path parameter user-keyed and known
    for every identity), then administrative-looking GETs as a last resort (an ordinary user may be refused)."""
    gets = [op for op in ctx.operations if op.method == "GET" and op.secured is not False
            and not op.looks_destructive() and not _takes_password(op)]  # a login refuses the credential-less
    plain = sorted((op for op in gets if not op.path_params and not op.looks_admin()),
                   key=lambda op: (op.secured is not True, "me" not in op.path.rsplit("/", 1)[-1], len(op.path)))
    own = sorted((op for op in gets if op.path_params and not op.looks_admin()
                  and all(_own_path(op, i) is not None for i in ctx.identities)),
                 key=lambda op: (op.secured is not True, len(op.path_params), len(op.path)))
    admin = sorted((op for op in gets if not op.path_params and op.looks_admin()), key=lambda op: len(op.path))
    return plain[:4] + own[:4] + admin[:2]


async def run_canary(ctx: Context) -> Operation | None:
    """Prove every identity works on a protected operation; raise :class:`ProbeAbort` when one does not.

    Candidates are tried in turn (see :func:`canary_candidates`): one that anonymous callers pass proves nothing,
    one that refuses an identity may simply be beyond that identity's role, so the next one is tried (a fallback
    must also refuse made-up credentials). The run stops only when some identity is refused by every candidate
    that refuses anonymous callers."""
    if not ctx.identities:
        return None
    throttled: list[str] = []
    refusals: list[str] = []
    partial: list[str] = []
    validated: list[str] = []
    chosen: Operation | None = None
    for op in canary_candidates(ctx):
        pending = [i for i in ctx.identities if not i.verified]
        if not pending:
            break
        paths = {i.name: _own_path(op, i) or op.path for i in ctx.identities}
        try:
            anon = await ctx.send("GET", paths[pending[0].name], op=op)
        except Throttled as exc:
            throttled.append(str(exc))
            continue
        if not denied(anon):
            continue
        if refusals and not await _refuses_made_up(ctx, op, paths[pending[0].name], pending[0]):
            continue  # a fallback must also refuse a made-up credential, or it proves nothing about real ones
        failures = []
        made_up_refused: bool | None = None
        for identity in pending:
            path = paths[identity.name]
            try:
                ex = await ctx.send("GET", path, identity=identity, op=op)
                if ex.status == 401 and identity.relogin is not None and await identity.relogin():
                    ex = await ctx.send("GET", path, identity=identity, op=op)
            except Throttled as exc:
                raise ProbeAbort(f"auth canary could not run: {exc}; "
                                 "lower the request rate or wait longer for throttled answers") from None
            if ex.ok and not denied(ex):
                identity.verified = True
                _learn(identity, ex.json())
                chosen = chosen or op
            elif _past_authentication(ex) and (made_up_refused if made_up_refused is not None else (
                    made_up_refused := await _refuses_made_up(ctx, op, path, identity))):
                identity.verified = True  # refused for its input, where a made-up credential is refused outright
                validated.append(f"{identity.name} got {ex.status} on GET {op.path}")
            else:
                failures.append(f"{identity.name} got {ex.status if ex.status is not None else ex.error}")
        if failures and op.looks_admin() and all(f.endswith((" got 403", " got 401")) for f in failures):
            # forbidden to an ordinary role, as it should be (many apps answer 401 for a role they refuse)
            partial.append(f"GET {op.path}: " + ", ".join(failures))
        elif failures and op.path_params and len(failures) < len(pending):
            # an own record that some identities pass and others not: the value filled in for those (a learned id)
            # is in doubt rather than their credentials (colliding tokens make two identities one user, too)
            partial.append(f"GET {op.path}: " + ", ".join(failures))
        elif failures:
            refusals.append(f"GET {op.path} (401/403 without credentials, but " + ", ".join(failures) + ")")
    if refusals and any(not i.verified for i in ctx.identities):
        beyond = [f"{p.split(': ', 1)[0]} ({p.split(': ', 1)[1]})" for p in partial]  # refused for a role, too
        raise ProbeAbort("auth canary failed on " + "; on ".join([*refusals, *beyond][:3])
                         + "; fix the credentials before probing")
    if chosen is not None:
        unproven = [i for i in ctx.identities if not i.verified]
        if unproven:
            ctx.notes.append(f"auth canary: {', '.join(i.name for i in unproven)} not proven on their own record "
                             f"({'; '.join(partial)}); wrong user id learned, or identities the server cannot tell "
                             "apart")
        for identity in unproven:
            identity.verified = True
        return chosen
    if validated and all(i.verified for i in ctx.identities):
        ctx.notes.append("auth canary: identities proven past authentication only (" + "; ".join(validated)
                         + ", where a made-up credential was refused); no protected operation answered them 2xx")
        return None
    if throttled:
        raise ProbeAbort(f"auth canary could not run: {throttled[0]}; lower the request rate or wait longer for "
                         "throttled answers")
    why = f"no candidate proved the identities ({'; '.join(partial)})" if partial else (
        "no operation answered 401/403 without credentials")
    ctx.notes.append(f"auth canary: {why}; identities unverified")
    for identity in ctx.identities:
        identity.verified = True
    return None


NAME_FIELDS = ("username", "user_name", "login", "name", "email")
SCAN = 10  # ids 1..SCAN: seeded and freshly registered accounts of a test deployment sit there


def _record_names(data: Any, username: str) -> bool:
    """Whether an answer is the record of ``username`` (a name field equal to it, top level or under ``user``)."""
    data = data.get("user") if isinstance(data, dict) and isinstance(data.get("user"), dict) else data
    return isinstance(data, dict) and any(data.get(key) == username for key in NAME_FIELDS)


def _numbered_user_records(ctx: Context) -> list[Operation]:
    """``GET /users/{id}``-like operations: one integer path parameter that is about users, at the path's end."""
    out = []
    for op in ctx.operations:
        if (op.method != "GET" or len(op.path_params) != 1 or op.looks_destructive() or op.looks_admin()
                or not op.path.rstrip("/").endswith("}")):
            continue
        param = op.path_params[0]
        if param.schema.get("type") == "integer" and identity_value(
                param.name, None, 0, op.path.split("{")[0]) == 0:
            out.append(op)
    return sorted(out, key=lambda op: len(op.path))


async def learn_ids_by_scan(ctx: Context) -> None:
    """Identities whose user name is known but not their numeric id (HTTP Basic credentials, a login answer
    without an id): each reads a numbered user record (``GET /users/{id}``) with its own credentials for ids
    1..:data:`SCAN`; the one record that names it gives its id. An operation that answers a made-up id with the
    caller's record (it ignores the id) teaches nothing and is left at once."""
    pending = [i for i in ctx.users if i.username and i.user_id is None]
    ops = _numbered_user_records(ctx)
    if not pending or not ops:
        return
    op, name = ops[0], ops[0].path_params[0].name
    for identity in pending:
        username = identity.username or ""
        try:
            ghost = await ctx.send("GET", op.path.replace("{" + name + "}", "987654321"), op=op, identity=identity)
            if ghost.ok and _record_names(ghost.json(), username):
                return
            for number in range(1, SCAN + 1):
                ex = await ctx.send("GET", op.path.replace("{" + name + "}", str(number)), op=op, identity=identity)
                if ex.ok and not denied(ex) and _record_names(ex.json(), username):
                    identity.user_id = number
                    break
        except (Throttled, Unsafe):
            return


__all__ = [
    "ENCODINGS",
    "LoginRecipe",
    "basic",
    "credentials_for",
    "extract_token",
    "find_op",
    "header_token",
    "learn_ids_by_scan",
    "login",
    "login_request",
    "parse_auth",
    "parse_login",
    "provision",
    "run_canary",
]
