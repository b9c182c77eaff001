"""Server-side sessions kept in the store.

* Ids are 256 random bits from :mod:`secrets`; the store only ever sees their SHA-256, so a dump of the
  store does not yield usable cookies.
* :meth:`SessionManager.login` always issues a fresh id (session fixation), :meth:`SessionManager.rotate`
  re-issues one on privilege change; both issue a new CSRF token.
* Idle and absolute timeouts are checked on every load against the injected clock (the store TTL only
  cleans up). ``last_seen`` is written at most every ``touch_interval`` seconds to save store writes.
* At most ``max_sessions`` per user: creating one more evicts the oldest.
* Optional binding to the client IP (by network prefix) and/or user agent, with a mismatch policy; with
  binding on, pass ``ip`` / ``user_agent`` to both :meth:`SessionManager.create` and ``load``.

A store that is down, hung or full fails closed: every method raises
:class:`~apishield.errors.StoreUnavailable` (503 with ``Retry-After``, one ``session.store_error`` event per
interval) rather than answering "no session".

The per-user cap is enforced with a few store operations rather than one atomic call, so two logins racing
in different processes can briefly leave one session over the cap; the next login trims it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from apishield.auth.outage import FailClosed
from apishield.errors import ConfigError
from apishield.events import emit
from apishield.stores.base import Store
from apishield.types import Clock
from apishield.web.cookies import build_set_cookie, expire_cookie

BINDINGS = ("off", "ip", "user_agent", "ip_and_user_agent")
_ID_RE = re.compile(r"[A-Za-z0-9_-]{20,128}")
_MAX_UA = 256


P = ParamSpec("P")
R = TypeVar("R")


def _fail_closed(method: Callable[Concatenate[SessionManager, P], R]) -> Callable[Concatenate[SessionManager, P], R]:
    """Sessions fail closed: a store failure inside ``method`` is a 503 (StoreUnavailable), logged once per
    interval, never "no session" (which would log users out) nor a 500."""

    @wraps(method)
    def guarded(self: SessionManager, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self.fail_closed:
            return method(self, *args, **kwargs)

    return guarded


def _well_formed(rec: Mapping[str, Any]) -> bool:
    """True when a stored record has the fields and types this module writes (corrupt ones count as gone)."""
    return (
        isinstance(rec.get("user_id"), str)
        and isinstance(rec.get("created_at"), (int, float))
        and isinstance(rec.get("last_seen"), (int, float))
        and isinstance(rec.get("csrf"), str)
        and isinstance(rec.get("data", {}), dict)
    )


@dataclass(frozen=True, slots=True)
class Session:
    """One session. ``id`` is the secret cookie value (empty in :meth:`SessionManager.list` results);
    ``handle`` is a public identifier, safe to show on a "your devices" page and to revoke by."""

    id: str
    handle: str
    user_id: str
    created_at: float
    last_seen: float
    csrf_token: str
    ip: str | None = None
    user_agent: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


class SessionManager:
    """Create, load, rotate, list and revoke sessions in a :class:`~apishield.stores.base.Store`."""

    def __init__(
        self,
        store: Store,
        *,
        idle_timeout: float = 1800,
        absolute_timeout: float = 12 * 3600,
        max_sessions: int = 5,
        binding: str = "off",
        on_binding_mismatch: str = "revoke",
        ip_prefix_v4: int = 32,
        ip_prefix_v6: int = 64,
        touch_interval: float | None = None,
        cookie_name: str = "__Host-session",
        same_site: str = "Lax",
        secure: bool = True,
        persistent: bool = False,
        key_prefix: str = "apishield:session:",
        clock: Clock | None = None,
    ) -> None:
        if not idle_timeout > 0 or not absolute_timeout > 0:
            raise ConfigError("sessions: idle_timeout and absolute_timeout must be positive seconds")
        if absolute_timeout < idle_timeout:
            raise ConfigError("sessions: absolute_timeout must be at least idle_timeout")
        if isinstance(max_sessions, bool) or not isinstance(max_sessions, int) or max_sessions < 1:
            raise ConfigError("sessions: max_sessions must be an integer of at least 1")
        if binding not in BINDINGS:
            raise ConfigError(f"sessions: binding must be one of {BINDINGS}")
        if on_binding_mismatch not in ("revoke", "reject"):
            raise ConfigError("sessions: on_binding_mismatch must be 'revoke' or 'reject'")
        if not (0 < ip_prefix_v4 <= 32 and 0 < ip_prefix_v6 <= 128):
            raise ConfigError("sessions: ip_prefix_v4 must be 1-32 and ip_prefix_v6 1-128")
        if not secure and cookie_name.startswith(("__Host-", "__Secure-")):
            raise ConfigError(
                "sessions: a __Host-/__Secure- cookie needs secure=True; for plain-HTTP development pick a "
                "cookie_name without the prefix"
            )
        # validates name and attributes once
        build_set_cookie(cookie_name, "x", secure=secure, same_site=same_site)
        self.store = store
        self.idle_timeout = float(idle_timeout)
        self.absolute_timeout = float(absolute_timeout)
        self.max_sessions = max_sessions
        self.binding = binding
        self.on_binding_mismatch = on_binding_mismatch
        self._prefix_v4, self._prefix_v6 = ip_prefix_v4, ip_prefix_v6
        self.touch_interval = (
            float(touch_interval) if touch_interval is not None else min(60.0, self.idle_timeout / 10)
        )
        self.cookie_name = cookie_name
        self._same_site, self._secure, self._persistent = same_site, secure, persistent
        self._prefix = key_prefix
        self._clock: Clock = clock or store.now
        self.fail_closed = FailClosed("session.store_error", "Sessions are unavailable; try again shortly.")

    # --- keys and records ---------------------------------------------------------------------
    def _rkey(self, digest: str) -> str:
        return f"{self._prefix}s:{digest}"

    def _ukey(self, user_id: str) -> str:
        return f"{self._prefix}u:{user_id}"

    def _read(self, digest: str) -> dict[str, Any] | None:
        raw = self.store.get(self._rkey(digest))
        if raw is None:
            return None
        try:
            rec = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(rec, dict) or not _well_formed(rec):
            return None
        return rec

    def _write(self, digest: str, rec: dict[str, Any], now: float) -> None:
        remaining_abs = rec["created_at"] + self.absolute_timeout - now
        ttl = max(1.0, min(self.idle_timeout, remaining_abs))
        self.store.set(self._rkey(digest), json.dumps(rec, separators=(",", ":")), ttl=ttl)

    @staticmethod
    def _session(session_id: str, digest: str, rec: Mapping[str, Any]) -> Session:
        return Session(
            id=session_id,
            handle=digest[:16],
            user_id=rec["user_id"],
            created_at=rec["created_at"],
            last_seen=rec["last_seen"],
            csrf_token=rec["csrf"],
            ip=rec.get("ip"),
            user_agent=rec.get("ua"),
            data=dict(rec.get("data") or {}),
        )

    def _expired(self, rec: Mapping[str, Any], now: float) -> bool:
        return bool(
            now - rec["created_at"] >= self.absolute_timeout or now - rec["last_seen"] >= self.idle_timeout
        )

    # --- lifecycle ----------------------------------------------------------------------------
    @_fail_closed
    def create(
        self,
        user_id: str,
        *,
        ip: str | None = None,
        user_agent: str | None = None,
        data: Mapping[str, Any] | None = None,
        created_at: float | None = None,
    ) -> Session:
        """A new session for ``user_id``; evicts the user's oldest sessions beyond ``max_sessions``."""
        if not isinstance(user_id, str) or not user_id:
            raise ConfigError("sessions: user_id must be a non-empty string")
        now = self._clock()
        self._enforce_cap(user_id, now, room_for=1)
        session_id = secrets.token_urlsafe(32)
        digest = _digest(session_id)
        rec: dict[str, Any] = {
            "user_id": user_id,
            "created_at": created_at if created_at is not None else now,
            "last_seen": now,
            "csrf": secrets.token_urlsafe(32),
            "ip": ip,
            "ua": user_agent[:_MAX_UA] if user_agent else None,
            "data": dict(data or {}),
        }
        self._write(digest, rec, now)
        self.store.add_member(self._ukey(user_id), digest, ttl=self.absolute_timeout)
        emit("session.created", user=user_id, handle=digest[:16])
        return self._session(session_id, digest, rec)

    @_fail_closed
    def login(
        self,
        user_id: str,
        *,
        previous_session_id: str | None = None,
        ip: str | None = None,
        user_agent: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> Session:
        """Start an authenticated session: the pre-login session (if any) is revoked and never reused."""
        if previous_session_id:
            self.revoke(previous_session_id)
        return self.create(user_id, ip=ip, user_agent=user_agent, data=data)

    @_fail_closed
    def load(self, session_id: str | None, *, ip: str | None = None, user_agent: str | None = None) -> Session | None:
        """The live session for ``session_id``, or None (unknown, expired, revoked or binding mismatch)."""
        if not session_id or not _ID_RE.fullmatch(session_id):
            return None
        digest = _digest(session_id)
        rec = self._read(digest)
        if rec is None:
            return None
        now = self._clock()
        if self._expired(rec, now):
            self._drop(digest, rec["user_id"])
            emit("session.expired", user=rec["user_id"], handle=digest[:16])
            return None
        if not self._binding_ok(rec, ip, user_agent):
            emit("session.binding_mismatch", user=rec["user_id"], handle=digest[:16], policy=self.binding)
            if self.on_binding_mismatch == "revoke":
                self._drop(digest, rec["user_id"])
            return None
        if now - rec["last_seen"] >= self.touch_interval:
            rec["last_seen"] = now
            self._write(digest, rec, now)
        return self._session(session_id, digest, rec)

    @_fail_closed
    def rotate(
        self,
        session_id: str,
        *,
        data: Mapping[str, Any] | None = None,
        ip: str | None = None,
        user_agent: str | None = None,
    ) -> Session | None:
        """Re-issue the session under a new id and CSRF token (privilege change); the old id stops working.

        The absolute timeout still counts from the original creation. ``data`` entries are merged in.
        """
        old = self.load(session_id, ip=ip, user_agent=user_agent)
        if old is None:
            return None
        self._drop(_digest(session_id), old.user_id)
        merged = {**old.data, **(data or {})}
        return self.create(
            old.user_id,
            ip=ip if ip is not None else old.ip,
            user_agent=user_agent if user_agent is not None else old.user_agent,
            data=merged,
            created_at=old.created_at,
        )

    @_fail_closed
    def update(self, session_id: str, data: Mapping[str, Any]) -> Session | None:
        """Merge ``data`` into the session's data (no id change)."""
        if not session_id or not _ID_RE.fullmatch(session_id):
            return None
        digest = _digest(session_id)
        rec = self._read(digest)
        now = self._clock()
        if rec is None or self._expired(rec, now):
            return None
        rec["data"] = {**(rec.get("data") or {}), **data}
        self._write(digest, rec, now)
        return self._session(session_id, digest, rec)

    @_fail_closed
    def csrf_token(self, session_id: str) -> str | None:
        """The session's CSRF token without touching ``last_seen`` (for :class:`~apishield.web.csrf.CSRFProtect`)."""
        if not session_id or not _ID_RE.fullmatch(session_id):
            return None
        rec = self._read(_digest(session_id))
        if rec is None or self._expired(rec, self._clock()):
            return None
        token = rec.get("csrf")
        return token if isinstance(token, str) else None

    @_fail_closed
    def revoke(self, session_id: str) -> bool:
        """End one session. True when it existed."""
        if not session_id or not _ID_RE.fullmatch(session_id):
            return False
        digest = _digest(session_id)
        rec = self._read(digest)
        if rec is None:
            return False
        self._drop(digest, rec["user_id"])
        emit("session.revoked", user=rec["user_id"], handle=digest[:16])
        return True

    @_fail_closed
    def revoke_handle(self, user_id: str, handle: str) -> bool:
        """End the session of ``user_id`` shown with ``handle`` (from :meth:`list`)."""
        if not isinstance(handle, str) or len(handle) != 16 or not handle.isascii():
            return False
        for digest in self.store.members(self._ukey(user_id)):
            if secrets.compare_digest(digest[:16], handle):
                self._drop(digest, user_id)
                return True
        return False

    @_fail_closed
    def revoke_all(self, user_id: str, *, except_session_id: str | None = None) -> int:
        """End every session of ``user_id`` (password change, "log out everywhere"). Returns the count."""
        keep = _digest(except_session_id) if except_session_id and _ID_RE.fullmatch(except_session_id) else None
        count = 0
        for digest in self.store.members(self._ukey(user_id)):
            if digest != keep:
                if self.store.get(self._rkey(digest)) is not None:
                    count += 1
                self._drop(digest, user_id)
        if count:
            emit("session.revoked_all", user=user_id, count=count)
        return count

    @_fail_closed
    def list(self, user_id: str) -> list[Session]:
        """The user's live sessions, oldest first, with ``id`` blanked (handles identify them)."""
        now = self._clock()
        out: list[Session] = []
        for digest in self.store.members(self._ukey(user_id)):
            rec = self._read(digest)
            if rec is None or self._expired(rec, now):
                self.store.remove_member(self._ukey(user_id), digest)
                continue
            out.append(replace(self._session("", digest, rec), csrf_token=""))
        return sorted(out, key=lambda s: s.created_at)

    def _drop(self, digest: str, user_id: str) -> None:
        self.store.delete(self._rkey(digest))
        self.store.remove_member(self._ukey(user_id), digest)

    def _enforce_cap(self, user_id: str, now: float, *, room_for: int) -> None:
        live: list[tuple[float, str]] = []
        for digest in self.store.members(self._ukey(user_id)):
            rec = self._read(digest)
            if rec is None or self._expired(rec, now):
                self._drop(digest, user_id)
            else:
                live.append((rec["created_at"], digest))
        live.sort()
        excess = len(live) + room_for - self.max_sessions
        for _, digest in live[: max(0, excess)]:
            self._drop(digest, user_id)
            emit("session.evicted", user=user_id, handle=digest[:16])

    # --- binding ------------------------------------------------------------------------------
    def _binding_ok(self, rec: Mapping[str, Any], ip: str | None, user_agent: str | None) -> bool:
        if self.binding in ("ip", "ip_and_user_agent") and not self._same_network(rec.get("ip"), ip):
            return False
        if self.binding in ("user_agent", "ip_and_user_agent"):
            stored = rec.get("ua")
            current = user_agent[:_MAX_UA] if user_agent else None
            if stored != current:
                return False
        return True

    def _same_network(self, stored: str | None, current: str | None) -> bool:
        if stored is None or current is None:
            return stored == current
        try:
            a, b = ipaddress.ip_address(stored), ipaddress.ip_address(current)
        except ValueError:
            return False
        if a.version != b.version:
            return False
        prefix = self._prefix_v4 if a.version == 4 else self._prefix_v6
        net = ipaddress.ip_network(f"{a}/{prefix}", strict=False)
        return b in net

    # --- cookies ------------------------------------------------------------------------------
    def cookie(self, session: Session) -> str:
        """``Set-Cookie`` value for the session: ``__Host-`` prefixed, Secure, HttpOnly, SameSite."""
        return build_set_cookie(
            self.cookie_name,
            session.id,
            max_age=int(self.absolute_timeout) if self._persistent else None,
            secure=self._secure,
            same_site=self._same_site,
        )

    def clear_cookie(self) -> str:
        """``Set-Cookie`` value that removes the session cookie (logout)."""
        return expire_cookie(self.cookie_name, secure=self._secure, same_site=self._same_site)


__all__ = ["BINDINGS", "Session", "SessionManager"]
