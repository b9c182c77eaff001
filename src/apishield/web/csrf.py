"""Cross-site request forgery defence for requests that authenticate by cookie.

Layers, cheapest first, for state-changing methods:

1. Requests authenticated by a header credential (bearer token, API key) are exempt: browsers never attach
   those on their own, so a forged request cannot carry them.
2. Fetch metadata: ``Sec-Fetch-Site: cross-site`` is refused (``same-site`` too unless allowed), except
   from ``trusted_origins``.
3. Unless the browser vouches ``Sec-Fetch-Site: same-origin``, ``Origin`` (or, without it, ``Referer``)
   must be this site's origin or a trusted one; ``Origin: null`` is always refused.
4. A cookie-authenticated request must carry a token in ``X-CSRF-Token`` or a form field:

   * ``synchronizer`` mode compares it with the token stored in the server-side session (the
     :class:`~apishield.web.sessions.SessionManager` issues a new one at login and rotation);
   * ``double_submit`` mode (stateless apps) compares it with the ``__Host-csrf`` cookie *and* verifies its
     HMAC, which binds it to the session id, so a cookie planted by a sibling domain is useless. The cookie
     name must carry the ``__Host-`` prefix (host-only, Secure, Path=/: a sibling cannot set it) unless
     ``allow_unprefixed_cookie=True`` says otherwise, and a cookie-authenticated request without a session id
     is refused: there would be nothing to bind the token to.

Requests with no cookie credential (anonymous ones, e.g. to a public login route) get the origin checks
(layers 2–3) only: that is what stops login CSRF, where a foreign page signs the victim into the attacker's
account. Clients that send neither ``Origin``, ``Referer`` nor ``Sec-Fetch-Site`` (curl, servers, mobile
apps: no browser, no ambient cookies) pass them.

:meth:`CSRFProtect.check` raises :class:`~apishield.errors.Reject` (403) to refuse, like every guard.
All comparisons use :func:`hmac.compare_digest`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from typing import Any, Protocol
from urllib.parse import parse_qs

from itsdangerous import Signer

from apishield.errors import ConfigError, Reject
from apishield.events import emit
from apishield.guard import Allow
from apishield.request import SAFE_METHODS, RequestView
from apishield.web.cookies import build_set_cookie, validate_keys
from apishield.web.origins import origin_of_url, parse_origin

MODES = ("synchronizer", "double_submit")
_MAX_TOKEN = 256

_DETAILS = {
    "cross_site": "Cross-site requests may not change state here.",
    "origin": "The request's origin is not allowed to change state here.",
    "missing_token": "A CSRF token is required: send it in the X-CSRF-Token header or the form field.",
    "bad_token": "The CSRF token is invalid or belongs to another session.",
    "no_session_token": "The session has no CSRF token; reload the page and try again.",
    "no_session": "The request has no session to bind a CSRF token to; sign in again.",
}


class CSRFTokenSource(Protocol):
    """Where synchronizer tokens live: :class:`~apishield.web.sessions.SessionManager` implements this."""

    def csrf_token(self, session_id: str) -> str | None: ...


class CSRFProtect:
    """CSRF guard; call :meth:`check` with what authentication found out about the request."""

    name = "csrf"

    def __init__(
        self,
        *,
        mode: str = "synchronizer",
        sessions: CSRFTokenSource | None = None,
        keys: Sequence[str | bytes] | None = None,
        trusted_origins: Iterable[str] = (),
        allow_same_site: bool = False,
        header_name: str = "X-CSRF-Token",
        form_field: str = "csrf_token",
        cookie_name: str = "__Host-csrf",
        exempt_auth_methods: Iterable[str] = ("bearer", "jwt", "api_key", "oauth2"),
        cookie_auth_methods: Iterable[str] = ("session", "cookie"),
        secure: bool = True,
        allow_unprefixed_cookie: bool = False,
    ) -> None:
        if mode not in MODES:
            raise ConfigError(f"CSRF mode must be one of {MODES}")
        if mode == "synchronizer" and sessions is None:
            raise ConfigError("CSRF synchronizer mode needs sessions=SessionManager(...) (or use double_submit)")
        self._signer: Signer | None = None
        if mode == "double_submit":
            if keys is None:
                raise ConfigError("CSRF double_submit mode needs keys=[...] (32+ random bytes each)")
            self._signer = Signer(
                validate_keys(keys, "CSRF"),
                salt="apishield.csrf",
                key_derivation="hmac",
                digest_method=hashlib.sha256,
            )
            if not cookie_name.startswith("__Host-") and not allow_unprefixed_cookie:
                raise ConfigError(
                    "CSRF double_submit mode needs a cookie name starting with '__Host-' (a sibling subdomain "
                    f"could plant {cookie_name!r}: cookie tossing); keep the default '__Host-csrf', or pass "
                    "allow_unprefixed_cookie=True if no other host shares this domain"
                )
            build_set_cookie(cookie_name, "x", secure=secure, http_only=False, same_site="Strict")
        self.mode = mode
        self._sessions = sessions
        self._trusted = frozenset(parse_origin(o).serialized for o in trusted_origins)
        if any("*" in o for o in self._trusted):
            raise ConfigError("CSRF trusted_origins must be exact origins, not wildcards")
        self.allow_same_site = allow_same_site
        self.header_name = header_name
        self.form_field = form_field
        self.cookie_name = cookie_name
        self._exempt = frozenset(m.lower() for m in exempt_auth_methods)
        self._cookie_auth = frozenset(m.lower() for m in cookie_auth_methods)
        if self._exempt & self._cookie_auth:
            raise ConfigError("CSRF: an auth method cannot be both exempt and cookie-based")
        self._secure = secure

    # --- tokens ---------------------------------------------------------------------------------
    @staticmethod
    def _binding(session_id: str) -> str:
        return hashlib.sha256(session_id.encode()).hexdigest()

    def token_for(self, session_id: str | None) -> str:
        """The token to embed in pages or send to JavaScript for this session.

        Synchronizer mode returns the session's stored token; double-submit mode mints a fresh signed token
        bound to ``session_id`` (pair it with :meth:`cookie_for`). Call again after login: tokens rotate.
        Without a session id there is nothing to bind to, so both modes raise :class:`ConfigError` (a
        ``ValueError``), as does synchronizer mode for an id with no live session.
        """
        if not session_id:
            raise ConfigError("CSRF: a token needs the session id it is bound to; create the session first")
        if self._signer is None:
            assert self._sessions is not None
            token = self._sessions.csrf_token(session_id) if session_id else None
            if token is None:
                raise ConfigError("CSRF: no live session for this id; issue the token after login")
            return token
        nonce = secrets.token_urlsafe(24)
        sig = self._signer.get_signature(f"{self._binding(session_id)}|{nonce}").decode("ascii")
        return f"{nonce}.{sig}"

    def cookie_for(self, token: str) -> str:
        """``Set-Cookie`` value carrying a double-submit token (readable by the page's JavaScript)."""
        return build_set_cookie(self.cookie_name, token, secure=self._secure, http_only=False, same_site="Strict")

    def _double_submit_ok(self, token: str, cookie: str | None, session_id: str) -> bool:
        assert self._signer is not None
        if cookie is None or not hmac.compare_digest(token.encode(), cookie.encode()):
            return False
        nonce, sep, sig = token.partition(".")
        if not sep or not nonce or not sig:
            return False
        return bool(self._signer.verify_signature(f"{self._binding(session_id)}|{nonce}", sig))

    # --- the check ------------------------------------------------------------------------------
    def _own_origin(self, view: RequestView) -> str | None:
        host = view.headers.get("host")
        if not isinstance(host, str) or not host:
            return None
        return origin_of_url(f"{view.scheme}://{host}")

    def _origin_ok(self, origin: str | None, view: RequestView) -> bool:
        if origin is None:
            return False
        return origin in self._trusted or origin == self._own_origin(view)

    def _submitted(self, view: RequestView, form_token: str | None) -> str | None:
        token = view.headers.get(self.header_name)
        if isinstance(token, str) and token:
            return token.strip()
        if form_token:
            return form_token
        ctype = str(view.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
        if view.body and ctype == "application/x-www-form-urlencoded":
            try:
                values = parse_qs(view.body.decode("utf-8"), max_num_fields=1000).get(self.form_field)
            except (UnicodeDecodeError, ValueError):
                return None
            return values[0] if values else None
        return None

    def _reject(self, reason: str, view: RequestView) -> Reject:
        emit("csrf.refused", reason=reason, method=view.method, route=view.route_or_path)
        return Reject(403, _DETAILS[reason], title="CSRF check failed", extra={"reason": reason})

    def for_route(self, settings: Any) -> CSRFProtect | None:
        """This guard for a route, or None when the route is ``csrf_exempt`` (e.g. a signed webhook)."""
        return None if getattr(settings, "csrf_exempt", None) else self

    def exempts(self, auth_method: str | None) -> bool:
        """True when requests authenticated by ``auth_method`` (a header credential) need no CSRF check."""
        return auth_method is not None and auth_method.lower() in self._exempt

    def check(
        self,
        view: RequestView,
        *,
        session_id: str | None = None,
        auth_method: str | None = None,
        form_token: str | None = None,
        expected_token: str | None = None,
    ) -> Allow:
        """Allow ``view`` or raise :class:`Reject` (403). ``auth_method`` is what authenticated it
        (``"bearer"``, ``"api_key"``, ``"session"``…; None for an anonymous request); ``session_id`` the cookie
        session if any. ``expected_token`` saves a store read when the caller already loaded the session."""
        if view.method in SAFE_METHODS:
            return Allow()
        method = auth_method.lower() if auth_method else None
        if method in self._exempt:
            return Allow()

        origin = view.origin
        if origin is not None and origin.strip() == "null":
            raise self._reject("origin", view)
        fetch_site = str(view.headers.get("sec-fetch-site") or "").strip().lower()
        trusted = origin is not None and origin in self._trusted
        if fetch_site == "cross-site" and not trusted:
            raise self._reject("cross_site", view)
        if fetch_site == "same-site" and not (self.allow_same_site or trusted):
            raise self._reject("cross_site", view)
        if fetch_site == "same-origin":
            pass  # the browser vouches for it; no Host comparison (proxies may rewrite Host)
        elif origin is not None:
            if not self._origin_ok(origin, view):
                raise self._reject("origin", view)
        else:
            referer = view.headers.get("referer")
            if isinstance(referer, str) and referer and not self._origin_ok(origin_of_url(referer), view):
                raise self._reject("origin", view)

        cookie_authenticated = session_id is not None or (method is not None and method in self._cookie_auth)
        if not cookie_authenticated:
            return Allow()
        token = self._submitted(view, form_token)
        if not token or len(token) > _MAX_TOKEN or not token.isascii():
            raise self._reject("missing_token", view)
        if self._signer is not None:
            if not session_id:  # cookie-authenticated, but no session id: an empty binding would be forgeable
                raise self._reject("no_session", view)
            if not self._double_submit_ok(token, view.cookies.get(self.cookie_name), session_id):
                raise self._reject("bad_token", view)
            return Allow()
        expected = expected_token
        if expected is None and session_id is not None:
            assert self._sessions is not None
            expected = self._sessions.csrf_token(session_id)
        if not expected:
            raise self._reject("no_session_token", view)
        if not hmac.compare_digest(token.encode(), expected.encode()):
            raise self._reject("bad_token", view)
        return Allow()


__all__ = ["MODES", "SAFE_METHODS", "CSRFProtect", "CSRFTokenSource"]
