"""Browser-facing protections, framework-free: CORS, security headers, CSRF, sessions, signed cookies,
request validation and uploads. Framework adapters in :mod:`apishield.integrations` wire them in."""

from apishield.web.cookies import SignedCookies, build_set_cookie, expire_cookie
from apishield.web.cors import PREFLIGHT_STATE_KEY, CORSGuard, CORSPolicy, publish_policies
from apishield.web.csrf import CSRFProtect
from apishield.web.headers import LEAK_HEADERS, SecurityHeaders
from apishield.web.sessions import Session, SessionManager
from apishield.web.uploads import StoredUpload, UploadedFile, UploadPolicy, sniff
from apishield.web.validation import RequestValidator, Validated

__all__ = [
    "LEAK_HEADERS",
    "PREFLIGHT_STATE_KEY",
    "CORSGuard",
    "CORSPolicy",
    "CSRFProtect",
    "RequestValidator",
    "SecurityHeaders",
    "Session",
    "SessionManager",
    "SignedCookies",
    "StoredUpload",
    "UploadPolicy",
    "UploadedFile",
    "Validated",
    "build_set_cookie",
    "expire_cookie",
    "publish_policies",
    "sniff",
]
