"""The built-in guards of a shield, made from its configuration (each guard is the library's own class).

One function per guard; each returns the guard (or None when the configuration switches it off). The
shield calls them once, at start-up; a guard of the same class passed in ``Shield(guards=[...])`` takes
the built-in one's place, so everything a guard can do is reachable from code as well as from the file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from apishield.config import ShieldConfig, secret_from_env
from apishield.ratelimit.keys import KEY_FUNCS, KeyFunc, user
from apishield.web.cors import CORSGuard, CORSPolicy
from apishield.web.headers import SecurityHeaders

Clock = Callable[[], float]


def security_headers(config: ShieldConfig) -> SecurityHeaders | None:
    """The configured security headers, or None when switched off (HSTS only where https is enforced)."""
    cfg = config.headers
    if not cfg.enabled:
        return None
    hsts_max_age = cfg.hsts_max_age if config.https_action != "off" or config.production else 0
    return SecurityHeaders(
        content_security_policy=cfg.content_security_policy or None,
        hsts_max_age=hsts_max_age,
        hsts_include_subdomains=cfg.hsts_include_subdomains,
        hsts_preload=cfg.hsts_preload and hsts_max_age > 0,
        referrer_policy=cfg.referrer_policy or None,
        frame_options=cfg.frame_options or None,
        permissions_policy=cfg.permissions_policy or None,
        cross_origin_opener_policy=cfg.cross_origin_opener_policy or None,
        cross_origin_resource_policy=cfg.cross_origin_resource_policy or None,
        authenticated_cache_control=cfg.authenticated_cache_control or None,
        extra=dict(cfg.extra),
    )


def cors_guard(config: ShieldConfig) -> CORSGuard:
    """A CORS guard whose default policy is the configured one (none when no origins are listed: browsers
    then refuse cross-origin reads); routes may still bring their own policy."""
    cfg = config.cors
    if not cfg.origins:
        return CORSGuard({}, default=None)
    policy = CORSPolicy(
        cfg.origins,
        allow_credentials=cfg.allow_credentials,
        methods=cfg.methods,
        headers=cfg.headers,
        expose_headers=cfg.expose_headers,
        max_age=cfg.max_age,
    )
    return CORSGuard(policy)


def penalty_box(config: ShieldConfig, store: Any) -> Any:
    """The penalty box (progressive bans for repeated invalid credentials), or None when disabled."""
    cfg = config.penalties
    if not cfg.enabled or store is None:
        return None
    from apishield.ratelimit.penalties import PenaltyBox

    return PenaltyBox(
        store,
        violations=cfg.violations,
        window=cfg.window,
        ban_durations=cfg.ban_durations,
        allow=cfg.allow,
        deny=cfg.deny,
        exempt=cfg.exempt,
    )


def key_function(config: ShieldConfig) -> KeyFunc:
    """The rate-limit key: the library's one client identity unless the configuration names another."""
    name = config.rate_limit.key
    return user if name == "principal" else KEY_FUNCS[name]


def rate_limit_guard(config: ShieldConfig, store: Any, penalties: Any = None, clock: Clock | None = None) -> Any:
    """A :class:`~apishield.ratelimit.guard.RateLimitGuard` for the default limits, or None when off."""
    from apishield.ratelimit.guard import RateLimitGuard
    from apishield.ratelimit.limiter import RateLimiter

    cfg = config.rate_limit
    limiter = RateLimiter(store)
    limits = limiter.compile(tuple(cfg.default_limits))  # validates the texts even when limiting is off
    if not cfg.enabled or store is None:
        return None
    return RateLimitGuard(
        limiter,
        limits,
        key_func=key_function(config),
        scope="default",
        cost=cfg.cost,
        on_store_error=cfg.on_store_error,
        penalties=penalties,
        penalize=cfg.penalize,
        headers=cfg.headers,
        legacy_headers=cfg.legacy_headers,
        clock=clock or time.monotonic,
    )


def session_manager(config: ShieldConfig, store: Any, clock: Clock | None = None) -> Any:
    """The session manager when sessions are enabled, else None."""
    cfg = config.sessions
    if not cfg.enabled:
        return None
    from apishield.web.sessions import SessionManager

    return SessionManager(
        store,
        idle_timeout=cfg.idle_timeout,
        absolute_timeout=cfg.absolute_timeout,
        max_sessions=cfg.max_sessions,
        cookie_name=cfg.cookie_name,
        same_site=cfg.same_site,
        secure=cfg.secure,
        clock=clock,
    )


def auth_guard(
    config: ShieldConfig,
    authenticators: Sequence[Any] | None,
    *,
    store: Any = None,
    sessions: Any = None,
    penalties: Any = None,
    clock: Clock | None = None,
) -> Any:
    """Authenticators: JWT bearer (when a key is configured), API keys (when a pepper is configured), the
    ones passed in, then cookie sessions; invalid credentials from any of them feed ``penalties``."""
    from apishield.auth.authenticators import AuthGuard, BearerJWTAuthenticator, SessionAuthenticator

    found: list[Any] = []
    cfg = config.auth
    secret = secret_from_env(cfg.jwt_secret_env, cfg.jwt_secret, "JWT secret")
    key = cfg.jwt_public_key or secret
    if key:
        from apishield.auth.jwt import JWTAuth

        kwargs: dict[str, Any] = {
            "key": key,
            "algorithm": cfg.jwt_algorithm,
            # the one verified-token cache: it skips the signature check, never expiry or revocation
            "cache_size": cfg.token_cache_size if cfg.token_cache_seconds > 0 else 0,
        }
        if cfg.jwt_issuer:
            kwargs["issuer"] = cfg.jwt_issuer
        if cfg.jwt_audience:
            kwargs["audience"] = cfg.jwt_audience
        if clock is not None:
            kwargs["clock"] = clock
        if cfg.jwt_revocation:
            kwargs["store"] = store
        found.append(BearerJWTAuthenticator(JWTAuth(**kwargs)))
    pepper = secret_from_env(cfg.api_key_pepper_env, None, "API key pepper")
    if pepper:
        from apishield.auth.apikeys import APIKeyManager
        from apishield.auth.authenticators import APIKeyAuthenticator

        manager = APIKeyManager(store, pepper, clock=clock) if clock is not None else APIKeyManager(store, pepper)
        found.append(APIKeyAuthenticator(manager, header=cfg.api_key_header))
    found.extend(authenticators or ())
    if sessions is not None:
        found.append(SessionAuthenticator(sessions))
    # the guard feeds the penalty box for every authenticator, yours included (the pipeline checks bans)
    return AuthGuard(found, penalties=penalties)


def csrf_guard(config: ShieldConfig, sessions: Any) -> Any:
    """CSRF defence when sessions are on: the session token for cookie-authenticated requests, the origin
    checks for anonymous ones (login CSRF). Origins the CORS policy lists exactly are trusted too."""
    cfg = config.csrf
    if not cfg.enabled or sessions is None:
        return None
    from apishield.web.csrf import CSRFProtect

    cors_exact = tuple(o for o in config.cors.origins if "*" not in o)
    return CSRFProtect(
        mode="synchronizer",
        sessions=sessions,
        trusted_origins=tuple(dict.fromkeys((*cfg.trusted_origins, *cors_exact))),
        allow_same_site=cfg.allow_same_site,
        header_name=cfg.header,
        form_field=cfg.form_field,
    )


def request_validator(config: ShieldConfig) -> Any:
    """The body-size limit for every unsafe request; routes add their body schema (``for_route``)."""
    from apishield.web.validation import RequestValidator

    cfg = config.validation
    return RequestValidator(max_body_bytes=max(1, cfg.max_body_size), content_types=cfg.json_content_types)


__all__ = [
    "auth_guard",
    "cors_guard",
    "csrf_guard",
    "key_function",
    "penalty_box",
    "rate_limit_guard",
    "request_validator",
    "security_headers",
    "session_manager",
]
