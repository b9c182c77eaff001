"""Path words that make a route public by nature or an authentication endpoint, read by ``common.public_by_design``:
health checks, documentation and static files anywhere in a path; the last segment of a sign-in, sign-up, token,
refresh or recovery route; the steps of a sign-in flow, every page under which is part of it."""

from __future__ import annotations

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

__all__ = ["AUTH_ENDPOINT", "AUTH_FLOW", "AVAILABILITY", "PUBLIC_ANYWHERE", "PUBLIC_LAST"]
