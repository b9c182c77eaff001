""" "Missing protection" rules over the route inventory (project scope): AS101, AS104, AS105, AS201, AS202,
AS304, AS502 (AS103, the role check, is in :mod:`apishield.audit.rules.roles`).

They run once every module is known, so protections attached anywhere (a blueprint hook in one file, a
``Limiter`` bound with ``init_app`` in another) count. Findings sit at the route's decorator line, or, for
app-wide absence, at the line that creates the app.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from dataclasses import replace

from apishield.audit.frameworks.common import is_auth_endpoint, static_segments
from apishield.audit.model import AUTH, CSRF, HEADERS, RATE, SAMESITE_SESSION, App, Route
from apishield.audit.rules.auth_evidence import BY_ID, INCONSISTENT, AuthEvidence
from apishield.audit.rules.base import at, fix_text, is_test_code, related, served_routes
from apishield.audit.rules.browser_cookies import same_site_cookies, sets_cookies
from apishield.audit.rules.config_switch import switched_off
from apishield.audit.rules.pages import JSON_TYPE, builds_page, inert_page, serves_html
from apishield.audit.rules.registry import ProjectContext, rule
from apishield.audit.rules.route_nature import (
    PARAM_LAST,
    bound_to_loopback,
    collection_of,
    handler_body,
    identifies_caller,
    line_text,
    public_by_nature,
    shape,
)
from apishield.audit.rules.sign_in_nature import (
    acts_as_caller,
    completes_oauth,
    counts_failures,
    delegated_sign_in,
    issues_tokens_for_password,
    keeps_browser_signed_in,
    password_unused,
    recovery_exposure,
    sets_password_without_secret,
    signs_in,
    signs_in_with_a_password,
    takes_guessable_secret,
)
from apishield.findings import Confidence, Finding, Rule, Severity

AUTH_FIXES = {
    "flask": "apishield: `Shield(app)` makes every route require a valid API key/JWT unless marked "
    "`@shield.public`; or `@shield.require('scope')` per route. Plain Flask: a decorator such as "
    "flask-login `@login_required` / flask-jwt-extended `@jwt_required()`, or a `before_request` that "
    "aborts with 401.",
    "fastapi": "apishield: `shield.init_app(app)` (deny-by-default middleware), `Depends(shield.require('scope'))` "
    "per route and `@shield.public` for public ones. Plain FastAPI: "
    "`APIRouter(dependencies=[Depends(get_current_user)])` with an `OAuth2PasswordBearer`/`HTTPBearer` "
    "dependency that raises 401.",
    "cherrypy": "apishield: `shield.install()` and `'tools.apishield.on': True` for '/' (public handlers take "
    "`@cherrypy.tools.apishield(public=True)`). Plain CherryPy: register a "
    "`cherrypy.Tool('before_handler', check_auth)` that raises `HTTPError(401)` and switch it on in config.",
    "bottle": "apishield: `app.install(Shield(...))` (public routes: `apishield={'public': True}`). Plain Bottle: "
    "`@auth_basic(check)` or a plugin that returns 401 before the callback runs.",
    "connexion": "Declare `security` (globally or per operation) in the OpenAPI document with an "
    "`x-bearerInfoFunc`/`x-apikeyInfoFunc`; use `security: []` only for public operations.",
}
RATE_FIXES = {
    "flask": "apishield: `Shield(app)` applies default limits (`@shield.limit('5/minute')` per route). Plain: "
    "`Limiter(get_remote_address, app=app, default_limits=['100/minute'])` and `@limiter.limit(...)`.",
    "fastapi": "apishield's ASGI middleware rate-limits every route. Plain: slowapi `Limiter(key_func=..., "
    "default_limits=[...])` + `SlowAPIMiddleware`, or fastapi-limiter `Depends(RateLimiter(...))`.",
    "cherrypy": "apishield: `tools.apishield.on` (limits in its config). Plain: a `before_handler` tool that "
    "counts requests per client in Redis and raises `HTTPError(429)`.",
    "bottle": "apishield: `app.install(Shield(default_limits=['100/minute']))`. Plain: a plugin that counts "
    "requests per client and returns 429.",
    "connexion": "Put a rate limiter in front (flask-limiter on `app.app`, or the gateway).",
}
HEADER_FIXES = {
    "flask": "apishield: `Shield(app)` adds HSTS, CSP, X-Content-Type-Options, X-Frame-Options. Plain: "
    "`Talisman(app)` or an `after_request` that sets them.",
    "fastapi": "apishield's ASGI middleware sets the headers; plain: a middleware that adds HSTS, CSP, "
    "X-Content-Type-Options and X-Frame-Options to every response.",
    "cherrypy": "apishield: `tools.apishield.on`. Plain: `'tools.response_headers.on': True` with "
    "`'tools.response_headers.headers': [('Strict-Transport-Security', ...), "
    "('Content-Security-Policy', \"default-src 'none'\"), ('X-Content-Type-Options', 'nosniff')]`.",
    "bottle": "apishield: `app.install(Shield(...))`. Plain: an `after_request` hook that sets "
    "`response.set_header('X-Content-Type-Options', 'nosniff')` and the others.",
    "connexion": "`Talisman(app.app)` on the underlying Flask app, or headers at the proxy.",
}
CSRF_FIXES = {
    "flask": "apishield: `Shield(app)` checks a CSRF token on cookie-authenticated unsafe requests. Plain: "
    "`CSRFProtect(app)` (Flask-WTF) and `{{ csrf_token() }}` in forms.",
    "bottle": "apishield: `app.install(Shield(...))` (CSRF on for cookie sessions). Plain: a synchronizer token "
    "stored in the session and compared with `hmac.compare_digest` on every POST.",
    "cherrypy": "apishield: `tools.apishield.on`. Plain: a `before_handler` tool comparing a form token with "
    "the session's using `hmac.compare_digest`.",
    "fastapi": "Use bearer tokens instead of cookies for APIs, or a CSRF middleware (double-submit token) and "
    "`SameSite=Strict` cookies.",
}

MISSING_AUTH = Rule(
    id="AS101",
    title="Route reachable without authentication",
    cwe=(306, 862, 287),
    owasp="API2:2023",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    description="No decorator, dependency, hook, tool, plugin or in-handler check rejects anonymous callers.",
    fix=fix_text(AUTH_FIXES),
)
DEBUG_ROUTE = Rule(
    id="AS104",
    title="Debug or internal endpoint exposed",
    cwe=(489, 215, 200),
    owasp="API9:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    description="Endpoints such as /debug, /internal, /test or /createdb leak internals or change state.",
    fix="Remove the endpoint from production builds, or register it only when an explicit development flag is "
    "set and keep it behind authentication with an admin role.",
)
UNVERSIONED = Rule(
    id="AS105",
    title="Unversioned API paths",
    cwe=(1059,),
    owasp="API9:2023",
    severity=Severity.LOW,
    confidence=Confidence.LOW,
    description="Without a version prefix old and new behaviour cannot live side by side, so forgotten "
    "endpoints linger (shadow APIs).",
    fix="Mount the API under a version prefix: Flask `app.register_blueprint(api, url_prefix='/api/v1')`, FastAPI "
    "`app.include_router(router, prefix='/v1')`, Bottle `root.mount('/v1', api)`, CherryPy "
    "`cherrypy.tree.mount(API(), '/api/v1')`.",
)
NO_RATE = Rule(
    id="AS201",
    title="No rate limiting",
    cwe=(770, 799, 400),
    owasp="API4:2023",
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    description="Nothing limits how often a client may call the API (scraping, brute force, cost).",
    fix=fix_text(RATE_FIXES),
)
AUTH_NO_RATE = Rule(
    id="AS202",
    title="Authentication endpoint without attempt limiting",
    cwe=(307, 770),
    owasp="API2:2023",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    description="Login, token, OTP and password-reset endpoints can be brute-forced.",
    fix="apishield: `@shield.limit('5/minute')` on the route plus `LoginThrottle` lockout. Plain: flask-limiter "
    "`@limiter.limit('5/minute')`, slowapi `@limiter.limit('5/minute')`, or a per-account failure counter.",
)
NO_HEADERS = Rule(
    id="AS304",
    title="Security headers not set",
    cwe=(693, 1021, 319),
    owasp="API8:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    description="Responses lack HSTS, CSP, X-Content-Type-Options and X-Frame-Options.",
    fix=fix_text(HEADER_FIXES),
)
NO_CSRF = Rule(
    id="AS502",
    title="CSRF protection absent",
    cwe=(352,),
    owasp="API8:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    description="A cookie/session-authenticated app accepts state-changing form posts without a CSRF token.",
    fix=fix_text(CSRF_FIXES),
)


def _routes(project: ProjectContext) -> list[Route]:
    return served_routes(project.facts.get("routes", []))


def _apps(project: ProjectContext) -> list[App]:
    """The served apps: built outside test code, with their routes declared outside test code."""
    apps: list[App] = project.facts.get("apps", [])
    out = []
    for a in apps:
        routes = served_routes(a.routes)
        if routes and not is_test_code(a.path):
            out.append(a if len(routes) == len(a.routes) else replace(a, routes=routes))
    return out


def _configured_public(project: ProjectContext, route: Route) -> bool:
    config = project.facts.get("config")
    patterns = getattr(config, "public_paths", ()) or ()
    return any(fnmatch.fnmatch(route.path, p) for p in patterns)


def _at(project: ProjectContext, rule_: Rule, path: str, line: int, message: str, **kw: object) -> Finding:
    return at(rule_, path, line_text(project, path), line, message, **kw)  # type: ignore[arg-type]


def describe_route(route: Route) -> str:
    """``GET /path (handler)``: how a route-level finding names its route."""
    return f"{'/'.join(route.methods)} {route.path} ({route.handler})"


@rule(MISSING_AUTH, scope="project")
def check_missing_auth(project: ProjectContext) -> Iterator[Finding]:
    """AS101 — a route no authentication applies to.

    Authentication counts when it is attached anywhere on the way to the handler: a decorator (library or
    project-defined and rejecting with 401/403), FastAPI dependencies on the route/router/app or in the handler
    signature (functions, and callable class instances), ``before_request`` hooks on the app or blueprint, CherryPy
    tools (decorator, ``_cp_config`` or config section), Bottle plugins/``auth_basic``, connexion ``security``,
    apishield's ``Shield``, and a login decorator on a business function the handler calls (``@token_required`` on
    the service layer); a handler refusing (login page, 401/403, ``raise``, or failing on ``session['uid']``) before
    acting when the session or a helper (``get_current_user(request, db)``) has no user. A redirect to the login
    page sent after the work is done is no refusal. Routes public by design (health, login, register, docs, static,
    the index page), marked public (``@shield.public``) or listed in ``public-paths`` are not reported.

    Every other route is listed. It is **medium or higher only with positive evidence that it should have been
    guarded**, because most unauthenticated routes (catalogues, blogs, public profiles) are public on purpose
    and no list of public idioms is ever complete:

    - it is privileged: its path or handler names administration or the system (``/admin``, ``/internal``,
      ``/config``, ``shutdown``), or the handler stops the server or, in an app that knows its users, runs
      programs or code;
    - it handles private data: its path names the caller's own, personal or privileged data (``/me``,
      ``/users``, ``/orders``, ``/reset``), or, in an app that knows its users, it queries people's records
      (``FROM users``, ``User.query``) or reads by id rows with an owner column;
    - it updates or deletes stored records (PUT, PATCH, DELETE), writes as the signed-in caller (reads the
      session or ``current_user``) without requiring a sign-in, or, in an app that knows its users, saves an
      uploaded file on the server;
    - it is inconsistent: a route of the same module works on the same stored records (the same collection in
      the path, or the same model or table in the handler) with an operation no more dangerous (read < create <
      update < delete), requires authentication and does not use who the caller is (so it guards the records,
      not a personal view such as ``/feed``).

    A write whose body acts only after testing the caller (``if current_user.can(...)``) counts as a read. Even with
    evidence a route is low when it is public by nature: a sign-up (a POST to the account collection, or any route
    storing a posted password as a new account), a password-recovery step, a declared public projection, a
    refresh-token exchange, a public read of a path whose writes require authentication, a read by id of records
    whose listing is served to anyone with nothing saying it should not be and no write of which needs a login (a
    catalogue's ``GET /books/{id}`` next to an open ``GET /books``), an app without users bound to loopback (an
    inconsistency outweighs all but recovery). Everything else is **low**: still listed, so an app that
    authenticates nothing is not hidden, but not presented as a weakness. With evidence: high for writes and routes
    taking a path parameter, medium for other reads. Apps and routes declared in test code are fixtures and are not
    reported.
    """
    for app in _apps(project):
        app_has_auth = any(r.has(AUTH) for r in app.routes)
        identifies_callers = app_has_auth or any(identifies_caller(r) for r in app.routes)
        loopback = not identifies_callers and bound_to_loopback(project, app.path)
        evidence = AuthEvidence(project, app.routes, identifies_callers)
        guarded_writes = {shape(r.path) for r in app.routes if r.has(AUTH) and r.state_changing}
        # a "reset" named public by its words that stores a password without reading any token: an open change
        not_public = {id(r) for r in app.routes
                      if r.public and _recovery(r) and sets_password_without_secret(project, r)}
        open_reasons = {id(r): evidence.of(r) for r in app.routes if not r.has(AUTH)
                        and (not r.public or id(r) in not_public)}
        # items served one by one to anonymous callers on purpose: nothing says they should not be beyond being read
        # by id, or their writes need a login while the read does not (an item read reported for the people's or
        # private records it shows makes no listing of them public)
        open_items = {static_segments(r.path)[-1].lower() for r in app.routes if not r.has(AUTH)
                      and not r.state_changing and PARAM_LAST.search(r.path) and static_segments(r.path)
                      and (open_reasons.get(id(r), "") in ("", BY_ID) or shape(r.path) in guarded_writes)}
        # listings anyone is served with nothing saying otherwise, of records no write of which needs a login
        guarded = {collection_of(r.path) for r in app.routes if r.has(AUTH) and r.state_changing}
        open_listings = {collection_of(r.path) for r in app.routes if id(r) in open_reasons
                         and not open_reasons[id(r)] and r.methods == ("GET",) and not PARAM_LAST.search(r.path)
                         and collection_of(r.path) not in guarded}
        for route in app.routes:
            if route.has(AUTH) or (route.public and id(route) not in not_public) or _configured_public(project, route):
                continue
            why = open_reasons[id(route)]
            if not why:
                public_note = route.development or switched_off(project, route) or "nothing marks it as needing a login"
            elif why.startswith(INCONSISTENT):
                public_note = route.development or _recovery_step(project, route)
            else:
                public_note = route.development or switched_off(project, route) or _recovery_step(
                    project, route) or public_by_nature(
                    project, route, app_has_auth, identifies_callers, open_items, loopback) or (
                    "writes to the same path require authentication: a public read on purpose"
                    if not route.state_changing and shape(route.path) in guarded_writes else "") or (
                    "the listing of the same records is served to anyone: a public read of one of them"
                    if route.methods == ("GET",) and why == BY_ID and PARAM_LAST.search(route.path)
                    and collection_of(route.path) in open_listings else "")
            if public_note:
                yield _at(project, MISSING_AUTH, route.file, route.line,
                          f"{describe_route(route)} is reachable without authentication ({public_note})",
                          severity=Severity.LOW, confidence=Confidence.LOW,
                          fix=fix_text(AUTH_FIXES, route.framework), **related(route))
                continue
            params = "<" in route.path or "{" in route.path
            yield _at(
                project,
                MISSING_AUTH,
                route.file,
                route.line,
                f"{describe_route(route)} is reachable without authentication ({why})",
                severity=Severity.HIGH if route.state_changing or params else Severity.MEDIUM,
                confidence=Confidence.HIGH if app_has_auth else Confidence.MEDIUM,
                fix=fix_text(AUTH_FIXES, route.framework),
                **related(route),
            )


def _recovery_step(project: ProjectContext, route: Route) -> str:
    """A password-recovery step (forgot/reset/recover): its caller cannot sign in, by definition; the mailed token is
    its credential (AS202 reports one that can be guessed). A "reset" that stores a password without reading any
    token or code is no recovery step: anyone sets anyone's password."""
    if not _recovery(route) or sets_password_without_secret(project, route):
        return ""
    return "a password-recovery step: its caller cannot sign in"


_DEBUG_SEGMENTS = {
    "debug",
    "_debug",
    "__debug__",
    "internal",
    "_internal",
    "test",
    "tests",
    "testing",
    "createdb",
    "create_db",
    "create-db",
    "dropdb",
    "drop_db",
    "resetdb",
    "reset_db",
    "reset-db",
    "initdb",
    "init_db",
    "seed",
    "phpinfo",
    "console",
    "env",
    "environ",
    "actuator",
    "heapdump",
    "dump",
    "backdoor",
    "_debug_toolbar",
    "sql",
}


@rule(DEBUG_ROUTE, scope="project")
def check_debug_routes(project: ProjectContext) -> Iterator[Finding]:
    """AS104 — a route whose path names a debug or internal function (``/debug``, ``/internal``, ``/test``,
    ``/createdb``, ``/env``…); high severity when it is also unauthenticated, low when its handler only returns a
    fixed answer or only computes one from its own input, when it answers only once a configuration flag that is off
    by default is set (:mod:`~apishield.audit.rules.config_switch`), or when only callers passing a role check reach
    it (an administrator's tool)."""
    inventory = project.facts.get("inventory")
    for route in _routes(project):
        hit = next((s for s in static_segments(route.path) if s.lower() in _DEBUG_SEGMENTS), None)
        if hit is None:
            continue
        summary = inventory.functions.get(route.handler.rsplit(".", 1)[-1]) if inventory is not None else None
        fixed = summary is not None and summary.static_page  # ``return {"error": "disabled"}, 503``: exposes nothing
        computed = summary is not None and summary.computes_only  # ``return {"md5": md5(value)}``: nor does this
        switch = switched_off(project, route)  # ``if config.get("DEBUG_API"): ...`` else 404: off unless turned on
        # behind a role check (``@require_admin_session``), the endpoint is an administrator's tool, not a leftover
        role_guarded = bool(route.roles) and route.has(AUTH)
        quiet = fixed or computed or bool(switch) or role_guarded
        severity = Severity.LOW if quiet else Severity.MEDIUM if route.has(AUTH) else Severity.HIGH
        yield _at(
            project,
            DEBUG_ROUTE,
            route.file,
            route.line,
            f"{describe_route(route)} exposes a '{hit}' endpoint"
            + (" (its handler only returns a fixed answer)" if fixed else
               " (its handler only computes an answer from its own input)" if computed else
               f" ({switch})" if switch else ""),
            severity=severity,
            **related(route),
        )


_VERSION = re.compile(r"^(v\d+(\.\d+)*|\d+(\.\d+)+|version\d*|api-v\d+|api_v\d+)$", re.IGNORECASE)


@rule(UNVERSIONED, scope="project")
def check_unversioned(project: ProjectContext) -> Iterator[Finding]:
    """AS105 — an API (routes under ``/api`` or a FastAPI/connexion app) whose routes carry no version prefix
    (``/v1``, ``/api/v2``); reported once per app at the line that creates it."""
    for app in _apps(project):
        api_routes = [r for r in app.routes if not r.public and r.path != "?"]
        if not api_routes:
            continue
        looks_api = app.framework in {"fastapi", "connexion"} or any(
            "api" in [s.lower() for s in static_segments(r.path)] for r in api_routes
        )
        if not looks_api:
            continue
        if any(any(_VERSION.match(s) for s in static_segments(r.path)) for r in app.routes):
            continue
        example = api_routes[0]
        yield _at(
            project,
            UNVERSIONED,
            app.path,
            app.line,
            f"API routes such as {example.path} have no version prefix (e.g. /v1)",
        )


@rule(NO_RATE, scope="project")
def check_no_rate_limit(project: ProjectContext) -> Iterator[Finding]:
    """AS201 — an app none of whose routes is rate limited (flask-limiter, slowapi, fastapi-limiter, a
    throttling plugin/tool/middleware, apishield). Once per app, at the line that creates it. Low: an app-wide
    limit is hardening; the endpoints where its absence is a weakness (login, token, OTP, password reset) get
    AS202 at high."""
    for app in _apps(project):
        if any(r.has(RATE) for r in app.routes):
            continue
        yield _at(
            project,
            NO_RATE,
            app.path,
            app.line,
            f"no rate limiting on any of the {len(app.routes)} route(s) of this {app.framework} app",
            fix=fix_text(RATE_FIXES, app.framework),
        )


@rule(AUTH_NO_RATE, scope="project")
def check_auth_endpoint_rate(project: ProjectContext) -> Iterator[Finding]:
    """AS202 — a login / token / OTP / password-reset endpoint accepting POST without a rate limit (route,
    blueprint or app-wide); a handler that checks a password and signs the caller in is a login whatever its path
    and name. Public-by-design routes are still reported. A POST that issues tokens to HTTP Basic
    credentials (``@authenticate(basic_auth)`` on ``POST /tokens``) is a login. A password-recovery step is
    reported only when there is something to guess or enumerate: a request step that answers differently when
    the account does not exist, or a confirmation step whose token is not verified as a signed token. A sign-in
    (login, token, OTP) is always reported; another step (``/verify``, ``/confirm``) only when its handler takes
    a guessable secret (a password, PIN, one-time code, HTTP Basic or OAuth2 password-form credentials), not when
    it verifies a token it is given. Changing
    one's password behind a signed-in session is not reported: whoever can call it is already that user. A step
    that hands the password or code to a hosted identity provider (Cognito, Firebase, Supabase, MSAL), which limits
    failed attempts per account itself, is low, as is one that counts failures and locks the account."""
    inventory = project.facts.get("inventory")
    functions = inventory.functions if inventory is not None else {}
    for route in _routes(project):
        summary = functions.get(route.handler.rsplit(".", 1)[-1])
        takes = summary is None or summary.reads_credentials
        # a role the route requires first puts it behind a sign-in; a sign-in's own test of the account it found
        # (``if user.is_admin: set_cookie('is_admin', ...)``) decides what it grants, not who may try
        granted_after = route.roles.startswith("checked in") and signs_in(route)
        if route.has(RATE) or (route.roles and not granted_after):
            continue
        if not (is_auth_endpoint(route.path, route.handler, takes) or issues_tokens_for_password(project, route)
                or signs_in_with_a_password(project, route)):
            continue
        if not set(route.methods) & {"POST", "PUT", "PATCH"} and route.methods != ("GET", "POST"):
            continue
        if "logout" in route.path.lower():
            continue
        if route.has(AUTH) and _PASSWORD_CHANGE.search(f"{route.path} {route.handler}"):
            continue  # behind a signed-in session: a guessed current password gives the caller nothing new
        note = ""
        if _recovery(route):
            note = recovery_exposure(project, route)
            if not note:
                continue
        elif not signs_in(route) and not takes_guessable_secret(project, route):
            continue  # a verification step given a signed token: there is nothing to guess
        unused = password_unused(project, route)
        delegated = not unused and delegated_sign_in(project, route)
        oauth = not unused and not delegated and completes_oauth(project, route)
        locks = not unused and not delegated and not oauth and counts_failures(project, route)
        yield _at(
            project,
            AUTH_NO_RATE,
            route.file,
            route.line,
            f"{describe_route(route)} accepts credentials with no attempt limit{note}"
            + (" (it never checks the password it reads: nothing to guess)" if unused else "")
            + (" (it counts failed attempts and locks the account: a limit per account, none per client)"
               if locks else "")
            + (" (a hosted identity provider checks it and limits failed attempts per account itself)"
               if delegated else "")
            + (" (it takes an OAuth authorization code, which the identity provider issued and checks once: nothing "
               "to guess)" if oauth else ""),
            **related(route),
            **({"severity": Severity.LOW} if unused or locks or delegated or oauth else {}),
        )


@rule(NO_HEADERS, scope="project")
def check_no_headers(project: ProjectContext) -> Iterator[Finding]:
    """AS304 — an app whose responses get none of the security headers (Talisman, an ``after_request`` hook or
    middleware setting HSTS/CSP/nosniff/frame options, CherryPy ``tools.response_headers`` with them, apishield).
    Once per app: medium when the project serves HTML (templates, HTML responses) and a handler of this app builds
    a page (renders a template, returns markup or an ``HTMLResponse`` it fills), where the headers stop framing,
    sniffing and script injection; low for a JSON-only API, where they only harden, for an app whose only HTML is a
    generated page (the API docs), pages behind a bearer token or pages with no form, control or script on them in
    an app that sets no cookie, and for an app each of whose handlers sets a JSON content type on its response
    (another app of the project may serve the HTML)."""
    project_html = serves_html(project)
    cookies = sets_cookies(project)
    apps = _apps(project)
    linked = {a.framework for a in apps if not a.flags.get("unlinked")}
    for app in apps:
        if any(r.has(HEADERS) for r in app.routes) or (app.flags.get("unlinked") and app.framework in linked):
            continue  # a router no app includes, beside apps of its own: not an app whose answers get headers
        # a page behind a bearer token cannot be framed or scripted with the victim's credentials: the browser
        # sends none by itself, so only public pages, or pages of an app that gives the browser cookies, count;
        # without a cookie, a page with no form, control or script on it gives a framing page nothing to use either
        html = project_html and not all(JSON_TYPE.search(handler_body(project, r) or "") for r in app.routes) and any(
            builds_page(project, r) and (cookies or not (r.has(AUTH) or inert_page(project, r)))
            for r in app.routes)
        yield _at(
            project,
            NO_HEADERS,
            app.path,
            app.line,
            f"no security headers are set by this {app.framework} app"
            + ("" if html else " (it serves no HTML: hardening only)"),
            fix=fix_text(HEADER_FIXES, app.framework),
            **({} if html else {"severity": Severity.LOW}),
        )


#: a password-recovery step, the mailed token's check among them (``/verify-token``, ``confirm_reset``)
_RECOVERY = re.compile(r"forgot|reset|recover|(?:verify|check|confirm|validate)[-_]?(?:reset_?)?token", re.IGNORECASE)
#: the signed-in caller's own password step: a change (``change_password``, ``update_my_password``, ``PUT
#: /users/{id}/password``) or a re-authentication
_PASSWORD_CHANGE = re.compile(r"(?<![a-z])(?:change|update|edit|new|set|put|patch)\w*?(?:password|passwd|pwd)|"
                              r"(?:password|passwd|pwd)[-_/]?(?:change|update|edit)|/(?:password|passwd|pwd)/?(?:\s|$)|"
                              r"re-?_?auth", re.IGNORECASE)


def _recovery(route: Route) -> bool:
    """A password-recovery step: its path or handler says forgot/reset/recover."""
    return any(_RECOVERY.search(s) for s in static_segments(route.path)) or bool(_RECOVERY.search(route.handler))


@rule(NO_CSRF, scope="project")
def check_no_csrf(project: ProjectContext) -> Iterator[Finding]:
    """AS502 — an app that identifies users by cookie/session and accepts state-changing form posts, with no
    CSRF protection (Flask-WTF ``CSRFProtect``, a token check in a hook/decorator, apishield). Only routes that act
    as the caller (they read the session or cookies, or require authentication) or set who the caller is (a login
    form: login CSRF) are reported: a forged request to any other gains nothing a direct request does not. Recovery
    (``/forgot-password``, ``/reset-password/<token>``) counts only when it reads the session. A SameSite session
    cookie stops forged posts acting as the victim, but not a forged login. A project that never gives the browser
    a cookie (no ``set_cookie``, no framework session, no login session) takes credentials in headers only; one whose
    every cookie is set ``SameSite=Lax`` or ``Strict`` (each ``set_cookie`` says so, the session is configured so)
    is protected from forged posts but not from a forged login."""
    if not sets_cookies(project):
        return  # credentials travel in headers only (a token the client keeps): a forged post carries none
    same_site = same_site_cookies(project)
    for app in _apps(project):
        if not any(r.uses_session for r in app.routes):
            continue
        for route in app.routes:
            login = is_auth_endpoint(route.path, route.handler) and not _recovery(route) and keeps_browser_signed_in(
                project, route)
            if not (route.state_changing and route.reads_form and (
                    (route.uses_session and acts_as_caller(project, route)) or route.has(AUTH) or login)):
                continue
            protected = (route.has(CSRF) and not (login and SAMESITE_SESSION in route.protections[CSRF])) or (
                same_site and not login)
            if not protected and not route.csrf_exempt:
                yield _at(
                    project,
                    NO_CSRF,
                    route.file,
                    route.line,
                    f"{describe_route(route)} changes state from a form with session cookies and no CSRF token",
                    fix=fix_text(CSRF_FIXES, route.framework),
                    **related(route),
                )


__all__ = [
    "AUTH_NO_RATE",
    "DEBUG_ROUTE",
    "MISSING_AUTH",
    "NO_CSRF",
    "NO_HEADERS",
    "NO_RATE",
    "UNVERSIONED",
    "describe_route",
]
