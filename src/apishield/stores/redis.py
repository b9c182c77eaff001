"""Redis (or Valkey) store: shared by every process and host, one round trip per operation.

Operations that read and write run as Lua scripts shipped in ``stores/lua/`` and called with EVALSHA
(redis-py loads a script again when the server answers NOSCRIPT, e.g. after a restart). Scripts read the
time with ``TIME``, so app servers with skewed clocks agree. Plain reads and writes with a TTL use single
native commands (``GET``, ``SET ... PX``, ``PTTL``), which are atomic on their own. Every Redis or socket
failure becomes :class:`~apishield.errors.StoreError`; the connection pool reconnects on the next call, so a
restarted Redis works again without restarting the app.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
from collections.abc import Callable, Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

from apishield.errors import ConfigError, StoreError
from apishield.ratelimit.limits import LimitState
from apishield.stores.base import redact_url

if TYPE_CHECKING:
    from apishield.ratelimit.limits import Limit

_MAX_IDLE = 64
_STRATEGY_CODE = {"fixed_window": "1", "sliding_window": "2", "token_bucket": "3", "gcra": "4"}


def load_script(name: str) -> str:
    """The source of ``stores/lua/<name>.lua``."""
    return resources.files("apishield.stores").joinpath("lua", f"{name}.lua").read_text(encoding="utf-8")


def _credentials(url: str) -> list[str]:
    """The user name and password in ``url`` (to keep them out of error messages)."""
    userinfo = url.partition("://")[2].rpartition("@")[0]
    return [part for part in (userinfo, *userinfo.split(":", 1)) if part]


def _bulk(data: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(data), data)


def _ms(ttl: float | None) -> int | None:
    """Milliseconds for PX (at least 1); an infinite TTL means no expiry, as in the other stores."""
    if ttl is None or ttl == math.inf:
        return None
    if ttl != ttl:  # NaN
        raise StoreError("Redis store: a TTL must be a number of seconds, not NaN")
    return max(1, math.ceil(min(ttl, 1e13) * 1000))  # Redis refuses PX beyond 2**63 ms


class RedisStore:
    """A :class:`~apishield.stores.base.Store` in Redis. ``url``: ``redis://host:port/db`` or ``rediss://``."""

    def __init__(
        self,
        url: str,
        *,
        clock: Any = None,
        socket_timeout: float = 2.0,
        socket_connect_timeout: float = 2.0,
        client: Any = None,
        **options: Any,
    ) -> None:
        # ``clock`` is accepted for a uniform from_url signature and ignored: Redis's TIME is the clock here
        del clock
        try:
            import redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise ConfigError("the Redis store needs redis-py: pip install 'apishield[redis]'") from exc
        self.url = url
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        if client is None:
            try:
                client = redis.Redis.from_url(
                    url,
                    decode_responses=True,
                    socket_timeout=socket_timeout,
                    socket_connect_timeout=socket_connect_timeout,
                    retry=Retry(NoBackoff(), 1),  # one quick retry: a pooled connection may predate a restart
                    **options,
                )
            except ValueError as exc:
                detail = str(exc)
                for secret in _credentials(url):
                    detail = detail.replace(secret, "***")
                raise ConfigError(f"store URL {redact_url(url)!r}: {detail}") from None
        self.client = client
        #: tests only: pass this clock's time to the rate-limit script instead of Redis's TIME
        self.test_clock: Callable[[], float] | None = None
        self._scripts = {
            name: client.register_script(load_script(name))
            for name in ("pop", "incr", "add_member", "is_member", "members")
        }
        self._rl_source = load_script("ratelimit")
        self._rl_sha = hashlib.sha1(self._rl_source.encode(), usedforsecurity=False).hexdigest()
        self._packed: dict[tuple[Limit, ...], tuple[bytes, bytes]] = {}
        # raw connections for the rate-limit hot path; list.pop/append are atomic, so threads share it safely
        self._idle: list[Any] = []
        self._pid = os.getpid()

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except self._errors as exc:
            raise StoreError(f"Redis store {what}: {type(exc).__name__}: {exc}") from exc

    def _script(self, name: str, keys: list[str], args: list[Any]) -> Any:
        return self._call(name, self._scripts[name], keys=keys, args=args)

    def now(self) -> float:
        sec, usec = self._call("time", self.client.time)
        return float(sec) + float(usec) / 1e6

    # --- key/value -----------------------------------------------------------------------------
    def get(self, key: str) -> str | None:
        value = self._call("get", self.client.get, key)
        return None if value is None else str(value)

    def set(self, key: str, value: str, ttl: float | None = None) -> None:
        self._call("set", self.client.set, key, value, px=_ms(ttl))

    def set_if_absent(self, key: str, value: str, ttl: float | None = None) -> bool:
        return bool(self._call("set", self.client.set, key, value, px=_ms(ttl), nx=True))

    def pop(self, key: str) -> str | None:
        value = self._script("pop", [key], [])
        return None if value is None else str(value)

    def delete(self, key: str) -> None:
        self._call("delete", self.client.delete, key)

    def ttl(self, key: str) -> float | None:
        ms = int(self._call("ttl", self.client.pttl, key))
        return ms / 1000 if ms > 0 else None

    # --- counters --------------------------------------------------------------------------------
    def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        ms = _ms(ttl)
        return int(self._script("incr", [key], [amount, "" if ms is None else ms]))

    # --- membership ------------------------------------------------------------------------------
    def add_member(self, key: str, member: str, ttl: float | None = None) -> None:
        ms = _ms(ttl)
        self._script("add_member", [key], [member, "" if ms is None else ms])

    def is_member(self, key: str, member: str) -> bool:
        return bool(self._script("is_member", [key], [member]))

    def remove_member(self, key: str, member: str) -> None:
        self._call("remove_member", self.client.zrem, key, member)

    def members(self, key: str) -> list[str]:
        return [str(m) for m in self._script("members", [key], [])]

    # --- rate limiting ---------------------------------------------------------------------------
    def _compiled(self, limits: Sequence[Limit]) -> tuple[bytes, bytes]:
        """(command head, limit arguments) as RESP bytes, built once per limit tuple."""
        key = tuple(limits)
        hit = self._packed.get(key)
        if hit is None:
            args: list[str] = []
            for limit in limits:
                args += [limit.id, _STRATEGY_CODE[limit.strategy], str(limit.amount), repr(float(limit.window))]
                args.append(str(limit.capacity))
            count = 2 + 1 + 1 + 2 + len(args)  # EVALSHA sha numkeys key cost now args...
            head = b"*%d\r\n$7\r\nEVALSHA\r\n$40\r\n%s\r\n$1\r\n1\r\n" % (count, self._rl_sha.encode())
            hit = (head, b"".join(_bulk(a.encode()) for a in args))
            if len(self._packed) < 1024:
                self._packed[key] = hit
        return hit

    def _acquire(self) -> Any:
        """An idle raw connection of this process, or a new one (connects lazily on first send)."""
        if self._pid != os.getpid():
            self._idle = []  # sockets inherited from a parent process are not ours to use
            self._pid = os.getpid()
        try:
            return self._idle.pop()
        except IndexError:
            pool = self.client.connection_pool
            return pool.connection_class(**pool.connection_kwargs)

    def _release(self, conn: Any) -> None:
        if len(self._idle) < _MAX_IDLE:
            self._idle.append(conn)
        else:
            conn.disconnect()

    def _evalsha(self, payload: bytes) -> Any:
        """Send a pre-encoded EVALSHA on a raw connection: one round trip, no per-call command encoding.

        A stale connection (Redis restarted) is reconnected and the command sent once more; NOSCRIPT loads
        the script and sends again. Only a failed *send* is retried, so a request is never counted twice.
        """
        import redis

        conn = self._acquire()
        try:
            for attempt in range(3):
                try:
                    try:
                        conn.send_packed_command([payload], check_health=False)
                    except (redis.ConnectionError, OSError):
                        conn.disconnect()
                        if attempt == 0:
                            continue
                        raise
                    return conn.read_response()
                except redis.exceptions.NoScriptError:
                    if attempt == 2:
                        raise StoreError("Redis store ratelimit: the script could not be loaded") from None
                    self._call("script load", self.client.script_load, self._rl_source)
                except self._errors as exc:
                    conn.disconnect()
                    raise StoreError(f"Redis store ratelimit: {type(exc).__name__}: {exc}") from exc
            raise StoreError("Redis store ratelimit: could not reach Redis")  # pragma: no cover
        finally:
            self._release(conn)

    def hit(self, key: str, limits: Sequence[Limit], cost: int = 1) -> list[LimitState]:
        """All limits in one EVALSHA of ``lua/ratelimit.lua``; nothing written when any limit denies."""
        head, tail = self._compiled(limits)
        now = b"" if self.test_clock is None else repr(float(self.test_clock())).encode()
        payload = b"".join((head, _bulk(key.encode()), _bulk(b"%d" % cost), _bulk(now), tail))
        raw = self._evalsha(payload)
        try:
            parts = raw.split(" ")
            return [
                LimitState(limit, parts[i] == "1", int(parts[i + 1]), float(parts[i + 2]), float(parts[i + 3]))
                for i, limit in zip(range(0, 4 * len(limits), 4), limits, strict=True)
            ]
        except (AttributeError, IndexError, TypeError, ValueError) as exc:
            raise StoreError(f"Redis store ratelimit: unexpected reply {raw!r:.80}") from exc

    def close(self) -> None:
        conns, self._idle = self._idle, []
        for conn in conns:
            with contextlib.suppress(*self._errors):
                conn.disconnect()
        with contextlib.suppress(*self._errors):
            self.client.close()


__all__ = ["RedisStore", "load_script"]
