"""Path words that make a route public by nature or an authentication endpoint, read by ``common.public_by_design``:
health checks, documentation and static files anywhere in a path; the last segment of a sign-in, sign-up, token,
refresh or recovery route; the steps of a sign-in flow, every page under which is part of it."""

from __future__ import annotations

import re

PUBLIC_ANYWHERE = {
    "static", "health", "healthz", "healthcheck", "health-check", "ping", "ready", "readyz", "readiness", "live",
    "livez", "liveness", "docs", "redoc", "swagger", "swagger-ui", "openapi", "openapi.json", "openapi.yaml",
    "swagger.json", "openapi_json", "swagger_json", "favicon.ico", "robots.txt", ".well-known", "assets", "public",
}
PUBLIC_LAST = {
    "login", "logout", "signin", "sign-in", "sign_in", "signup", "sign-up", "sign_up", "register", "registration",
    "token", "refresh", "authorize", "callback", "forgot", "forgot-password", "forgot_password", "reset",
    "reset-password", "reset_password", "password-reset", "verify", "confirm", "status", "version", "oauth", "auth",
    "index", "home", "about", "activate", "jwks", "jwks.json", "access-token", "access_token", "refresh-token",
    "refresh_token", "password-recovery", "recover", "recovery",
}
AUTH_ENDPOINT = {
    "login", "signin", "sign-in", "sign_in", "token", "otp", "mfa", "2fa", "totp", "verify", "reset",
    "reset-password", "reset_password", "password-reset", "password_reset", "forgot", "forgot-password",
    "forgot_password", "authenticate", "auth", "session", "sessions", "password", "access-token", "access_token",
    "password-recovery", "recover", "recovery",
}

#: last segments that name a sign-in only near the top of an API (``/api/v1/sessions``, ``/auth/session``): under
#: another resource they are that resource's own (``/chat/sessions``, ``/workouts/{id}/sessions``)
AMBIGUOUS_AUTH_LAST = {"session", "sessions"}
#: what may stand before such a word in a sign-in's path: API prefixes, versions, the account's own words
_SESSION_OWNER = re.compile(
    r"^(?:api|rest|web|auth\w*|users?|accounts?|me|my|oauth2?|sso|identity|admin|v\d+(?:\.\d+)*)$", re.IGNORECASE)


def sign_in_last(segments: list[str]) -> bool:
    """The last of a path's static ``segments`` (lower-cased) names an authentication endpoint: a sign-in, token,
    one-time code or recovery word, a session word only where nothing but API prefixes and account words precede it."""
    if not segments or segments[-1] not in AUTH_ENDPOINT:
        return False
    return segments[-1] not in AMBIGUOUS_AUTH_LAST or all(_SESSION_OWNER.match(s) for s in segments[:-1])


#: a sign-up form's availability check (``GET /user/check/{username}``, ``/email/exists``): public by nature when
#: the route reads and names nothing but a user name or e-mail
AVAILABILITY = {
    "check", "exists", "exist", "available", "availability", "taken", "is-available", "is_available", "unique",
}

#: steps of signing in or up: every page under them is part of the flow (``/login/done``, ``/oauth/github/callback``)
AUTH_FLOW = {
    "login", "logout", "signin", "sign-in", "sign_in", "signup", "sign-up", "sign_up", "register", "oauth",
    "oauth2", "sso", "callback", "authorize", "forgot", "forgot-password", "forgot_password", "reset-password",
    "reset_password", "password-reset", "activate", "password-recovery",
}

__all__ = ["AMBIGUOUS_AUTH_LAST", "AUTH_ENDPOINT", "AUTH_FLOW", "AVAILABILITY", "PUBLIC_ANYWHERE", "PUBLIC_LAST",
           "sign_in_last"]
