"""apishield: protect, audit and probe Python web APIs.

The public API is re-exported here. Names load lazily, so ``import apishield`` (and the CLI) stays fast and
never imports a web framework, Authlib or redis-py until a name that needs them is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from apishield._version import __version__
from apishield.errors import (
    ApishieldError,
    ConfigError,
    Problem,
    Reject,
    StoreError,
    TokenError,
    TokenExpired,
    TokenRevoked,
)
from apishield.findings import Confidence, Evidence, Finding, Location, Rule, Severity
from apishield.guard import Allow, Guard
from apishield.request import RequestView, TrustedProxies

if TYPE_CHECKING:
    from apishield.audit import AuditConfig, AuditResult, Route, run_audit
    from apishield.auth import (
        TOTP,
        APIKeyAuthenticator,
        APIKeyManager,
        BearerJWTAuthenticator,
        JWTAuth,
        LoginService,
        LoginThrottle,
        OAuth2Server,
        OAuth2TokenAuthenticator,
        PasswordPolicy,
        Passwords,
        Principal,
        RefreshTokens,
        SignedTokens,
        require,
    )
    from apishield.config import ShieldConfig
    from apishield.probe import ProbeConfig, ProbeOptions, ProbeResult, probe
    from apishield.ratelimit import (
        AdaptiveLimits,
        Decision,
        InFlightSignal,
        LatencySignal,
        Limit,
        PenaltyBox,
        RateLimiter,
        RateLimitGuard,
        parse_limits,
    )
    from apishield.reports import Report, render
    from apishield.shield import PUBLIC, Outcome, RouteSettings, Shield
    from apishield.stores import MemoryStore, Store, from_url
    from apishield.web import (
        CORSGuard,
        CORSPolicy,
        CSRFProtect,
        RequestValidator,
        SecurityHeaders,
        SessionManager,
        SignedCookies,
        UploadPolicy,
    )

_LAZY: dict[str, str] = {
    # stores and rate limiting
    "Store": "apishield.stores",
    "MemoryStore": "apishield.stores",
    "from_url": "apishield.stores",
    "RateLimiter": "apishield.ratelimit",
    "RateLimitGuard": "apishield.ratelimit",
    "Decision": "apishield.ratelimit",
    "Limit": "apishield.ratelimit",
    "parse_limits": "apishield.ratelimit",
    "PenaltyBox": "apishield.ratelimit",
    "AdaptiveLimits": "apishield.ratelimit",
    "InFlightSignal": "apishield.ratelimit",
    "LatencySignal": "apishield.ratelimit",
    # authentication and authorization
    "JWTAuth": "apishield.auth",
    "RefreshTokens": "apishield.auth",
    "APIKeyManager": "apishield.auth",
    "APIKeyAuthenticator": "apishield.auth",
    "BearerJWTAuthenticator": "apishield.auth",
    "OAuth2Server": "apishield.auth",
    "OAuth2TokenAuthenticator": "apishield.auth",
    "Principal": "apishield.auth",
    "require": "apishield.auth",
    "Passwords": "apishield.auth",
    "PasswordPolicy": "apishield.auth",
    "LoginThrottle": "apishield.auth",
    "LoginService": "apishield.auth",
    "SignedTokens": "apishield.auth",
    "TOTP": "apishield.auth",
    # browser-facing protections
    "CORSPolicy": "apishield.web",
    "CORSGuard": "apishield.web",
    "SecurityHeaders": "apishield.web",
    "CSRFProtect": "apishield.web",
    "SessionManager": "apishield.web",
    "SignedCookies": "apishield.web",
    "RequestValidator": "apishield.web",
    "UploadPolicy": "apishield.web",
    # the shield and its configuration
    "Shield": "apishield.shield",
    "RouteSettings": "apishield.shield",
    "Outcome": "apishield.shield",
    "PUBLIC": "apishield.shield",
    "ShieldConfig": "apishield.config",
    # audit and probe
    "run_audit": "apishield.audit",
    "AuditConfig": "apishield.audit",
    "AuditResult": "apishield.audit",
    "Route": "apishield.audit",
    "probe": "apishield.probe",
    "ProbeConfig": "apishield.probe",
    "ProbeOptions": "apishield.probe",
    "ProbeResult": "apishield.probe",
    # reports
    "Report": "apishield.reports",
    "render": "apishield.reports",
}

__all__ = [
    "PUBLIC",
    "TOTP",
    "APIKeyAuthenticator",
    "APIKeyManager",
    "AdaptiveLimits",
    "Allow",
    "ApishieldError",
    "AuditConfig",
    "AuditResult",
    "BearerJWTAuthenticator",
    "CORSGuard",
    "CORSPolicy",
    "CSRFProtect",
    "Confidence",
    "ConfigError",
    "Decision",
    "Evidence",
    "Finding",
    "Guard",
    "InFlightSignal",
    "JWTAuth",
    "LatencySignal",
    "Limit",
    "Location",
    "LoginService",
    "LoginThrottle",
    "MemoryStore",
    "OAuth2Server",
    "OAuth2TokenAuthenticator",
    "Outcome",
    "PasswordPolicy",
    "Passwords",
    "PenaltyBox",
    "Principal",
    "ProbeConfig",
    "ProbeOptions",
    "ProbeResult",
    "Problem",
    "RateLimitGuard",
    "RateLimiter",
    "RefreshTokens",
    "Reject",
    "Report",
    "RequestValidator",
    "RequestView",
    "Route",
    "RouteSettings",
    "Rule",
    "SecurityHeaders",
    "SessionManager",
    "Severity",
    "Shield",
    "ShieldConfig",
    "SignedCookies",
    "SignedTokens",
    "Store",
    "StoreError",
    "TokenError",
    "TokenExpired",
    "TokenRevoked",
    "TrustedProxies",
    "UploadPolicy",
    "__version__",
    "from_url",
    "parse_limits",
    "probe",
    "render",
    "require",
    "run_audit",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'apishield' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
