"""Redis (or Valkey) store: one server, a Redis Cluster, or a Sentinel-managed master; shared by every process.

Operations that read and write run as Lua scripts shipped in ``stores/lua/`` and called with EVALSHA (the
script is loaded again when a server answers NOSCRIPT: after a restart, on a newly promoted replica, on a node
that never saw it). Scripts read the time with ``TIME`` on the node that runs them, so app servers with skewed
clocks agree. Plain reads and writes with a TTL use single native commands (``GET``, ``SET ... PX``,
``PTTL``), which are atomic on their own. Every Redis or socket failure becomes
:class:`~apishield.errors.StoreError`; connections reconnect on the next call, so a restarted Redis, a
promoted replica or a moved slot works again without restarting the app.

Every operation touches one key, so in a cluster it runs on the master that owns the key's slot; callers put
what must be decided together under one key (all limits of a request share one hash) or one hash tag
(``{client}``), see ``docs/how-to/scaling.md``. URLs are described in :mod:`apishield.stores.redis_topology`.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import threading
from collections.abc import Callable, Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

from apishield.errors import ConfigError, StoreError
from apishield.ratelimit.limits import LimitState
from apishield.stores.base import redact_url
from apishield.stores.breaker import CircuitBreaker
from apishield.stores.counters import Counted, CounterOp, check_ops, refused_by
from apishield.stores.redis_topology import build_client, kind_of, parse_multi_host, report_durability
from apishield.stores.redis_wire import DecisionWire, bulk, kernel_timed, pack

if TYPE_CHECKING:
    from apishield.ratelimit.limits import Limit

_MAX_IDLE = 64
_SCRIPTS = ("pop", "incr", "counters", "add_member", "is_member", "members", "ratelimit")


def load_script(name: str) -> str:
    """The source of ``stores/lua/<name>.lua``."""
    return resources.files("apishield.stores").joinpath("lua", f"{name}.lua").read_text(encoding="utf-8")


def _credentials(url: str) -> list[str]:
    """The user name and password in ``url`` (to keep them out of error messages)."""
    userinfo = url.partition("://")[2].rpartition("@")[0]
    return [part for part in (userinfo, *userinfo.split(":", 1)) if part]


def _ms(ttl: float | None) -> int | None:
    """Milliseconds for PX (at least 1); an infinite TTL means no expiry, as in the other stores."""
    if ttl is None or ttl == math.inf:
        return None
    if ttl != ttl:  # NaN
        raise StoreError("Redis store: a TTL must be a number of seconds, not NaN")
    return max(1, math.ceil(min(ttl, 1e13) * 1000))  # Redis refuses PX beyond 2**63 ms


class RedisStore:
    """A :class:`~apishield.stores.base.Store` in Redis: ``redis://``, ``redis+cluster://``, ``redis+sentinel://``.

    ``socket_timeout`` / ``socket_connect_timeout`` bound every write; a rate-limit decision and the reads
    every request makes (``get``, ``ttl``, ``is_member``, ``members``: revocation, ban, key and session
    lookups) wait at most ``decision_timeout`` for their answer (the hot path: raw connections, a timed-out read
    is not sent again; a lookup that must fail closed fails closed fast). After ``breaker_failures``
    consecutive outages the store stops calling Redis for ``breaker_cooldown`` seconds and fails at once (see
    :mod:`apishield.stores.breaker`). On the first successful call the store asks Redis whether it persists
    its data (``CONFIG GET appendonly`` / ``save``) and logs ``store.not_durable`` once when it does not.
    Other keyword arguments go to the redis-py client. A cluster client is created on first use, so an app
    starts while its cluster is down.

    ``wait_replicas=N`` sends ``WAIT N <wait_timeout ms>`` in the same packet as every rate-limit decision, so
    the answer comes back once N replicas hold the write (or after ``wait_timeout`` seconds): a failover then
    cannot lose an acknowledged decision unless it timed out. Costs one replica round trip per decision. (A
    cluster decision redirected by MOVED/ASK during a slot migration or failover is not waited for.)
    """

    def __init__(
        self,
        url: str,
        *,
        clock: Any = None,
        socket_timeout: float = 2.0,
        socket_connect_timeout: float = 2.0,
        client: Any = None,
        wait_replicas: int = 0,
        wait_timeout: float = 0.05,
        decision_timeout: float = 0.1,
        breaker_failures: int = 5,
        breaker_cooldown: float = 1.0,
        check_durability: bool = True,
        **options: Any,
    ) -> None:
        # ``clock`` is accepted for a uniform from_url signature and ignored: Redis's TIME is the clock here
        del clock
        try:
            import redis
            import redis.exceptions as rexc
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise ConfigError("the Redis store needs redis-py: pip install 'apishield[redis]'") from exc
        self.url = url
        self.kind = kind_of(url) if client is None else "single"
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, rexc.RedisClusterException, OSError)
        self._send_errors: tuple[type[BaseException], ...] = (redis.ConnectionError, OSError)
        self._noscript: type[BaseException] = rexc.NoScriptError
        self._cluster = self.kind == "cluster"
        self._sentinel = self.kind == "sentinel"
        # answers that mean "this node did not run the command; ask the cluster client to route it"
        self._redirects: tuple[type[BaseException], ...] = (
            rexc.MovedError,
            rexc.AskError,
            rexc.TryAgainError,
            rexc.ClusterDownError,
        )
        if isinstance(wait_replicas, bool) or not isinstance(wait_replicas, int) or wait_replicas < 0:
            raise ConfigError(f"Redis store: wait_replicas must be a whole number >= 0, not {wait_replicas!r}")
        if not 0 < wait_timeout <= 10:
            raise ConfigError(f"Redis store: wait_timeout must be from 0 to 10 seconds, not {wait_timeout!r}")
        self._wait = b""
        if wait_replicas:
            n, ms = b"%d" % wait_replicas, b"%d" % max(1, round(wait_timeout * 1000))
            self._wait = b"*3\r\n$4\r\nWAIT\r\n" + bulk(n) + bulk(ms)
        if not 0 < decision_timeout <= 60:
            raise ConfigError(f"Redis store: decision_timeout must be from 0 to 60 seconds, not {decision_timeout!r}")
        # a decision that waits for replicas needs at least that long for its answer
        self._decision_timeout = max(float(decision_timeout), wait_timeout + 0.05 if wait_replicas else 0.0)
        self.breaker = CircuitBreaker(
            f"Redis store {redact_url(url)}", failures=breaker_failures, cooldown=breaker_cooldown
        )
        self._breakers: dict[str, CircuitBreaker] = {}
        self._durability_checked = not check_durability
        # errors that are answers (a wrong type, an overflow), not signs of an outage
        self._answers: tuple[type[BaseException], ...] = (rexc.ResponseError,)
        self._outage_answers: tuple[type[BaseException], ...] = (
            rexc.ClusterDownError,
            rexc.MasterDownError,
            rexc.ReadOnlyError,
            rexc.TryAgainError,
        )
        self._timeouts = {"socket_timeout": socket_timeout, "socket_connect_timeout": socket_connect_timeout}
        self._options = options
        self._client: Any = client
        self._client_lock = threading.Lock()
        from redis.crc import key_slot

        #: the cluster hash slot of a key (CRC16 of the key, or of its ``{hash tag}``, modulo 16384)
        self._key_slot: Callable[[bytes], int] = key_slot
        if client is None and self.kind == "cluster":
            parse_multi_host(url)  # a malformed URL is refused now; the client connects on first use
        elif client is None:
            self._client = self._build()
        #: tests only: pass this clock's time to the rate-limit script instead of Redis's TIME
        self.test_clock: Callable[[], float] | None = None
        self._sources = {name: load_script(name) for name in _SCRIPTS}
        self._shas = {
            name: hashlib.sha1(src.encode(), usedforsecurity=False).hexdigest() for name, src in self._sources.items()
        }
        self._wire = DecisionWire(self._shas["ratelimit"])
        # raw connections for the rate-limit hot path, per node ("" when there is one master); list.pop and
        # list.append are atomic, so threads share them safely
        self._idle: dict[str, list[Any]] = {}
        self._pid = os.getpid()

    def _build(self) -> Any:
        try:
            return build_client(self.url, self._timeouts, dict(self._options))
        except ValueError as exc:
            detail = str(exc)
            for secret in _credentials(self.url):
                detail = detail.replace(secret, "***")
            raise ConfigError(f"store URL {redact_url(self.url)!r}: {detail}") from None
        except self._errors as exc:  # a cluster client asks a node for the topology when it is created
            raise StoreError(f"Redis store connect: {type(exc).__name__}: {exc}") from exc

    @property
    def client(self) -> Any:
        """The redis-py client (``Redis``, ``RedisCluster``, or the sentinel-managed master's ``Redis``)."""
        client = self._client
        if client is None:
            with self._client_lock:
                if self._client is None:
                    self._client = self._build()
                client = self._client
        return client

    def _call(self, what: str, key: str | bytes | None, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` behind the circuit breaker of the master that owns ``key`` (in a cluster; elsewhere
        the store's one breaker); Redis and socket errors become :class:`StoreError`."""
        breaker = self.breaker if self.kind != "cluster" or key is None else self._node_breaker(key)
        if breaker.opened_at is not None:
            breaker.before()  # raises while open
            self._probe(key, breaker)  # this call is the half-open probe
        try:
            result = fn(*args)
        except StoreError as exc:
            self._failed(breaker, exc.__cause__ or exc)
            raise
        except self._errors as exc:
            self._failed(breaker, exc)
            raise StoreError(f"Redis store {what}: {type(exc).__name__}: {exc}") from exc
        if breaker.failures or breaker.opened_at is not None:
            breaker.success()
        if not self._durability_checked:
            self._check_durability()
        return result

    def _probe(self, key: str | bytes | None, breaker: CircuitBreaker) -> None:
        """A PING that waits at most ``decision_timeout`` before the half-open probe's own operation: a store
        that still hangs costs the probe that long, not ``socket_timeout`` (tried twice) of whatever operation
        happened to come first after the cooldown. Rate-limit decisions need none (they are that short)."""
        raw = key if isinstance(key, bytes) else (key or "").encode()
        try:
            _, pool = self._route(raw)
        except (KeyError, IndexError, AttributeError):  # slot not known yet: the operation itself probes
            return
        limit = self._decision_timeout
        conn = pool.connection_class(**{**pool.connection_kwargs, "socket_timeout": limit,
                                        "socket_connect_timeout": limit})
        try:
            conn.connect()
            conn.send_command("PING", check_health=False)
            conn.read_response()
        except self._errors as exc:
            self._failed(breaker, exc)
            raise StoreError(f"Redis store probe: {type(exc).__name__}: {exc}") from exc
        finally:
            conn.disconnect()

    def _failed(self, breaker: CircuitBreaker, exc: BaseException) -> None:
        """Count an outage (no answer, or an answer that says the data is unreachable) with the breaker."""
        if not isinstance(exc, self._answers) or isinstance(exc, self._outage_answers):
            breaker.failure()

    def _node_breaker(self, key: str | bytes) -> CircuitBreaker:
        """One breaker per cluster master: a dead master must not stop the keys of the healthy ones."""
        try:
            raw = key if isinstance(key, bytes) else key.encode()
            name = self._client.nodes_manager.slots_cache[self._key_slot(raw)][0].name
        except (AttributeError, IndexError, KeyError):  # no client or slot table yet
            return self.breaker
        breaker = self._breakers.get(name)
        if breaker is None:
            template = self.breaker
            breaker = self._breakers.setdefault(
                name,
                CircuitBreaker(f"{template.name} node {name}", failures=template.threshold, cooldown=template.cooldown),
            )
        return breaker

    def _check_durability(self) -> None:
        """Log ``store.not_durable`` once when Redis would lose data on a restart (:func:`report_durability`)."""
        self._durability_checked = True
        client = self.client
        try:
            nodes = [client.get_redis_connection(n) for n in client.get_primaries()] if self._cluster else [client]
            report_durability(redact_url(self.url), nodes)
        except self._errors:
            return

    def _script(self, name: str, keys: list[str], args: list[Any]) -> Any:
        return self._call(name, keys[0], self._run_script, name, keys, args)

    def _run_script(self, name: str, keys: list[str], args: list[Any]) -> Any:
        """EVALSHA ``lua/<name>.lua``, loading it first where the node does not have it (NOSCRIPT)."""
        import redis

        client = self.client
        try:
            return client.evalsha(self._shas[name], len(keys), *keys, *args)
        except redis.exceptions.NoScriptError:
            client.script_load(self._sources[name])  # a cluster client loads it on every master
            return client.evalsha(self._shas[name], len(keys), *keys, *args)

    def now(self) -> float:
        sec, usec = self._call("time", None, lambda: self.client.time())
        return float(sec) + float(usec) / 1e6

    # --- key/value -----------------------------------------------------------------------------
    def get(self, key: str) -> str | None:
        raw = key.encode()
        value = self._fast("get", raw, pack(b"GET", raw), ("GET", key))
        return None if value is None else str(value)

    def set(self, key: str, value: str, ttl: float | None = None) -> None:
        ms = _ms(ttl)
        self._call("set", key, lambda: self.client.set(key, value, px=ms))

    def set_if_absent(self, key: str, value: str, ttl: float | None = None) -> bool:
        ms = _ms(ttl)
        return bool(self._call("set", key, lambda: self.client.set(key, value, px=ms, nx=True)))

    def pop(self, key: str) -> str | None:
        value = self._script("pop", [key], [])
        return None if value is None else str(value)

    def delete(self, key: str) -> None:
        self._call("delete", key, lambda: self.client.delete(key))

    def ttl(self, key: str) -> float | None:
        raw = key.encode()
        ms = int(self._fast("ttl", raw, pack(b"PTTL", raw), ("PTTL", key)))
        return ms / 1000 if ms > 0 else None

    # --- counters --------------------------------------------------------------------------------
    def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        ms = _ms(ttl)
        return int(self._script("incr", [key], [amount, "" if ms is None else ms]))

    def add_counters(self, ops: Sequence[CounterOp], ban_key: str | None = None) -> Counted:
        """One EVALSHA of ``lua/counters.lua``. In a cluster the counters must share a hash slot (else
        :class:`ConfigError`); a ban key in another slot is read first, in its own round trip."""
        check_ops(ops)
        keys = [op.key for op in ops]
        if self._cluster:
            slots = {self._key_slot(key.encode()) for key in keys}
            if len(slots) > 1:
                raise ConfigError(
                    f"add_counters on a Redis Cluster: the counters {keys!r:.200} lie in {len(slots)} hash slots; "
                    "give them one hash tag ({tag}:...) so that one script can decide them together"
                )
            if ban_key is not None and self._key_slot(ban_key.encode()) not in slots:
                left = self.ttl(ban_key)
                if left is not None:
                    return Counted(False, banned=left)
                ban_key = None
        args: list[Any] = [len(ops)]
        for op in ops:
            ms = _ms(op.ttl)
            args += [op.amount, "" if op.limit is None else op.limit, "" if ms is None else ms, int(op.reset)]
        raw = self._script("counters", keys if ban_key is None else [*keys, ban_key], args)
        try:
            if int(raw[0]) == -1:
                return Counted(False, banned=int(raw[1]) / 1000)
            values = tuple(int(v) for v in raw[1::2])
            ttls = tuple(int(ms) / 1000 if int(ms) > 0 else None for ms in raw[2::2])
        except (IndexError, TypeError, ValueError) as exc:
            raise StoreError(f"Redis store add_counters: unexpected reply {raw!r:.80}") from exc
        if len(values) != len(ops):
            raise StoreError(f"Redis store add_counters: unexpected reply {raw!r:.80}")
        allowed = int(raw[0]) == 1
        return Counted(allowed, values, ttls, () if allowed else refused_by(ops, values))

    # --- membership ------------------------------------------------------------------------------
    def add_member(self, key: str, member: str, ttl: float | None = None) -> None:
        ms = _ms(ttl)
        self._script("add_member", [key], [member, "" if ms is None else ms])

    def is_member(self, key: str, member: str) -> bool:
        return bool(self._read_script("is_member", key, member))

    def remove_member(self, key: str, member: str) -> None:
        self._call("remove_member", key, lambda: self.client.zrem(key, member))

    def members(self, key: str) -> list[str]:
        return [str(m) for m in self._read_script("members", key)]

    def _read_script(self, name: str, key: str, *args: str) -> Any:
        """EVALSHA of a script that reads ``key`` (expired members removed on the way), on the decision path."""
        raw, sha = key.encode(), self._shas[name]
        payload = pack(b"EVALSHA", sha.encode(), b"1", raw, *(arg.encode() for arg in args))
        return self._fast(name, raw, payload, ("EVALSHA", sha, 1, key, *args), name)

    def _route(self, key: bytes) -> tuple[str, Any]:
        """(node name, connection pool) of the master that owns ``key`` (the first node listed for its slot)."""
        client = self._client or self.client
        if self.kind != "cluster":
            return "", client.connection_pool
        node = client.nodes_manager.slots_cache[self._key_slot(key)][0]
        return node.name, node.redis_connection.connection_pool

    def _fast(self, what: str, key: bytes, payload: bytes, command: tuple[Any, ...], script: str | None = None,
              wait: bytes = b"") -> Any:
        """The hot path: a rate-limit decision or a read on a raw connection that waits at most
        ``decision_timeout``, behind the breaker (:meth:`_call` inlined). ``payload`` is ``command`` in RESP;
        ``script`` names the script an EVALSHA runs; ``wait`` (``WAIT`` in RESP) follows a decision."""
        breaker = self._node_breaker(key) if self._cluster else self.breaker
        if breaker.opened_at is not None:
            breaker.before()  # raises while open
        try:
            raw = self._send(what, key, payload, command, script, wait)
        except StoreError as exc:
            self._failed(breaker, exc.__cause__ or exc)
            raise
        except self._errors as exc:
            self._failed(breaker, exc)
            raise StoreError(f"Redis store {what}: {type(exc).__name__}: {exc}") from exc
        if breaker.failures or breaker.opened_at is not None:
            breaker.success()
        if not self._durability_checked:
            self._check_durability()
        return raw

    def _send(self, what: str, key: bytes, payload: bytes, command: tuple[Any, ...], script: str | None,
              wait: bytes) -> Any:
        """Send a pre-encoded command on a raw connection: one round trip, no per-call command encoding.

        A stale connection (Redis restarted) is reconnected and the command sent once more; NOSCRIPT loads
        the script and sends again. Only a failed *send* or an answer that says the command did not run
        (NOSCRIPT, MOVED, ASK, TRYAGAIN, CLUSTERDOWN) leads to a retry, so a request is never counted twice.
        In a cluster, redirections go through redis-py's ``RedisCluster``, which follows them and refreshes its
        slot table, so the next call takes the fast path to the right node again.
        """
        if self._pid != os.getpid():
            self._idle = {}  # sockets inherited from a parent process are not ours to use
            self._pid = os.getpid()
        try:
            name, pool = self._route(key)
        except (KeyError, IndexError, AttributeError):  # slot not (yet) known: let the cluster client route it
            return self._slow(what, command, script)
        sentinel = self._sentinel
        idle = self._idle.get(name)
        if idle is None:
            idle = self._idle.setdefault(name, [])
        try:
            conn = idle.pop()
        except IndexError:
            limit = self._decision_timeout
            conn = pool.connection_class(
                **{**pool.connection_kwargs, "socket_timeout": limit, "socket_connect_timeout": limit}
            )
        try:
            for attempt in range(3):
                try:
                    try:
                        if sentinel and getattr(conn, "_sock", True) is None:
                            conn.connect()  # asks the sentinels for the master (a plain send would not)
                        conn.send_packed_command([payload, wait] if wait else [payload], check_health=False)
                        kernel_timed(conn._sock, self._decision_timeout)
                    except self._send_errors:
                        conn.disconnect()
                        if attempt == 0:
                            continue
                        if self._cluster:  # node gone: the cluster client refreshes its slot table
                            return self._slow(what, command, script)
                        raise
                    return self._read(conn, wait)
                except self._noscript:
                    if attempt == 2 or script is None:
                        raise StoreError(f"Redis store {what}: the script could not be loaded") from None
                    self.client.script_load(self._sources[script])
                except self._redirects:
                    if not self._cluster:
                        raise
                    return self._slow(what, command, script)
                except self._errors as exc:
                    conn.disconnect()
                    raise StoreError(f"Redis store {what}: {type(exc).__name__}: {exc}") from exc
            raise StoreError(f"Redis store {what}: could not reach Redis")  # pragma: no cover
        except self._redirects as exc:
            raise StoreError(f"Redis store {what}: {type(exc).__name__}: {exc}") from exc
        finally:
            if len(idle) < _MAX_IDLE:
                idle.append(conn)
            else:
                conn.disconnect()

    @staticmethod
    def _read(conn: Any, wait: bytes) -> Any:
        """The command's reply; after a ``WAIT`` (``wait_replicas``), its reply is read (and dropped) too."""
        if not wait:
            return conn.read_response()
        import redis

        try:
            reply = conn.read_response()
        except redis.ResponseError:
            conn.read_response()  # keep the connection in step before the error goes up
            raise
        conn.read_response()
        return reply

    def _slow(self, what: str, command: tuple[Any, ...], script: str | None) -> Any:
        """``command`` through the redis-py client (in a cluster it follows MOVED/ASK and waits out TRYAGAIN)."""
        client = self.client
        try:
            try:
                return client.execute_command(*command)
            except self._noscript:
                if script is None:
                    raise
                client.script_load(self._sources[script])
                return client.execute_command(*command)
        except self._errors as exc:
            raise StoreError(f"Redis store {what}: {type(exc).__name__}: {exc}") from exc

    # --- rate limiting ---------------------------------------------------------------------------
    def _now_arg(self) -> str | None:
        """The test clock's time for the script, or None: the script reads Redis's ``TIME``."""
        return None if self.test_clock is None else repr(float(self.test_clock()))

    def hit(self, key: str, limits: Sequence[Limit], cost: int = 1) -> list[LimitState]:
        """All limits in one EVALSHA of ``lua/ratelimit.lua``; nothing written when any limit denies."""
        payload, command = self._wire.command((key,), limits, cost, self._now_arg())
        raw = self._fast("ratelimit", key.encode(), payload, command, "ratelimit", self._wait)
        return self._wire.states(raw, limits)

    def hit_unless_banned(
        self, key: str, limits: Sequence[Limit], cost: int, ban_key: str
    ) -> tuple[float | None, list[LimitState]]:
        """The ban's TTL and every limit in one EVALSHA (in a cluster: when both keys share a hash slot)."""
        banned, states, _ = self.hit_and_read(key, limits, cost, ban_key, ())
        return banned, states

    def hit_and_read(
        self, key: str, limits: Sequence[Limit], cost: int, ban_key: str | None, sets: Sequence[str]
    ) -> tuple[float | None, list[LimitState], list[list[str]]]:
        """The ban's TTL, every limit and the members of ``sets`` in one EVALSHA. In a cluster, a ban key or a
        set in another hash slot than ``key`` is read in a call of its own."""
        raw_key = key.encode()
        together = sets
        if self._cluster:
            slot = self._key_slot(raw_key)
            if ban_key is not None and self._key_slot(ban_key.encode()) != slot:
                left = self.ttl(ban_key)
                if left is not None:
                    return left, [], []
                ban_key = None
            together = [name for name in sets if self._key_slot(name.encode()) == slot]
        if ban_key is None and not together:
            return None, self.hit(key, limits, cost), [self.members(name) for name in sets]
        # KEYS: the state, the ban (the state key again when there is none), then the sets
        keys = (key, key if ban_key is None else ban_key, *together)
        payload, command = self._wire.command(keys, limits, cost, self._now_arg())
        raw = self._fast("ratelimit", raw_key, payload, command, "ratelimit", self._wait)
        if isinstance(raw, str) and raw.startswith("B "):
            return float(raw[2:]), [], []
        if not together:
            return None, self._wire.states(raw, limits), [self.members(name) for name in sets]
        if isinstance(raw, str):  # every set empty: the script answered with the states alone
            raw = [raw, *([] for _ in together)]
        try:
            read = {name: [str(m) for m in found] for name, found in zip(together, raw[1:], strict=True)}
        except (TypeError, ValueError) as exc:
            raise StoreError(f"Redis store ratelimit: unexpected reply {raw!r:.80}") from exc
        states = self._wire.states(raw[0], limits)
        return None, states, [read[name] if name in read else self.members(name) for name in sets]

    def close(self) -> None:
        idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                with contextlib.suppress(*self._errors):
                    conn.disconnect()
        if self._client is not None:
            with contextlib.suppress(*self._errors):
                self._client.close()


__all__ = ["RedisStore", "load_script"]
