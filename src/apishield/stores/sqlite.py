"""SQLite store: one file shared safely by every process on a host.

The database runs in WAL mode (readers never block the writer) with a busy timeout, and every operation
that reads and writes is one ``BEGIN IMMEDIATE`` transaction, which takes the write lock up front: two
processes can never both read the same old state and both write. Each thread gets its own connection
(``sqlite3`` connections are not shareable), and a forked child opens fresh ones.

Bounded waits and size: a rate-limit decision (which the guard may let through when the store fails) waits
at most ``decision_timeout`` (0.1 s) for a lock held elsewhere, every other operation ``timeout`` (2 s), and
then raises :class:`~apishield.errors.StoreError`. Every 5,000 writes expired rows are deleted, and every
500 the WAL is checkpointed and restarted (``journal_size_limit`` caps what a restart leaves behind), so
neither the tables nor the ``-wal`` file grow without bound.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

from apishield.errors import ConfigError, StoreError
from apishield.ratelimit.strategies import State, decide_all
from apishield.stores.counters import Counted, CounterOp, Entry, check_ops, decide_counters
from apishield.types import Clock

if TYPE_CHECKING:
    from apishield.ratelimit.limits import Limit, LimitState

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL);
CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires REAL);
CREATE TABLE IF NOT EXISTS members (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, member TEXT NOT NULL, expires REAL,
    UNIQUE (key, member)
);
CREATE TABLE IF NOT EXISTS rl (key TEXT PRIMARY KEY, a REAL NOT NULL, b REAL NOT NULL, c REAL NOT NULL,
                               expires REAL NOT NULL);
"""
_ALIVE = "(expires IS NULL OR expires > ?)"
_JOURNAL_LIMIT = 16 * 1024 * 1024  # bytes the WAL keeps after a checkpoint
_SWEEP_EVERY = 5000  # writes (of this process) between deletions of expired rows
_CHECKPOINT_EVERY = 500  # writes (of this process) between WAL checkpoints
# Writes update a row in place (an upsert), never ``INSERT OR REPLACE``: a replace deletes the row and inserts
# it again under a new rowid, changing the primary-key index and the table's last page too. That is 2-4
# pages per commit instead of one, three times the CPU of the whole write (20 µs against 7, measured).
_PUT_KV = ("INSERT INTO kv (key, value, expires) VALUES (?, ?, ?) "
           "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires")
_PUT_COUNTER = ("INSERT INTO counters (key, value, expires) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires")
_PUT_RL = ("INSERT INTO rl (key, a, b, c, expires) VALUES (?, ?, ?, ?, ?) "
           "ON CONFLICT (key) DO UPDATE SET a = excluded.a, b = excluded.b, c = excluded.c, expires = excluded.expires")

_ARMS = 200  # keys read per SELECT (SQLite allows 500 parts in one compound SELECT)


@functools.lru_cache(maxsize=256)
def _reads_sql(ban: bool, sets: int, limits: int, start: int) -> str:
    """One ``SELECT`` for the reads of a rate-limit call, of the keys ``start`` to ``start + _ARMS`` of
    ``[ban key, *sets, *limit keys]`` (parameter 1 is the time, the keys follow): rows of (kind, index, value,
    b, c, expires, order): the ban's expiry (kind 0), the live members of each set in insertion order (kind
    1), the state of each limit (kind 2: a, b, c, expires). One statement instead of one per key (each costs
    a few µs); the text depends only on the call's shape, so each connection's statement cache keeps it."""
    arms = [*([(0, 0)] if ban else []), *[(1, i) for i in range(sets)], *[(2, i) for i in range(limits)]]
    parts = []
    for n, (kind, index) in enumerate(arms[start:start + _ARMS], 2):
        if kind == 0:
            parts.append(f"SELECT 0, 0, expires, NULL, NULL, NULL, 0 FROM kv WHERE key = ?{n}")  # noqa: S608
        elif kind == 1:
            parts.append(f"SELECT 1, {index}, member, NULL, NULL, NULL, seq FROM members WHERE key = ?{n} "  # noqa: S608
                         "AND (expires IS NULL OR expires > ?1)")
        else:
            parts.append(f"SELECT 2, {index}, a, b, c, expires, 0 FROM rl WHERE key = ?{n}")  # noqa: S608
    return " UNION ALL ".join(parts) + " ORDER BY 1, 2, 7"


def path_from_url(url: str) -> str:
    """``sqlite:///relative.db`` → ``relative.db``; ``sqlite:////abs/x.db`` → ``/abs/x.db``."""
    parts = urlsplit(url)
    if parts.scheme != "sqlite" or parts.netloc:
        raise ConfigError(f"store URL {url!r}: use sqlite:///relative/path.db or sqlite:////absolute/path.db")
    path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
    if not path:
        raise ConfigError(f"store URL {url!r}: the database path is missing (sqlite:///path.db)")
    return path


class SQLiteStore:
    """A :class:`~apishield.stores.base.Store` in one SQLite file (WAL), safe across processes."""

    def __init__(
        self,
        url: str,
        *,
        clock: Clock = time.time,
        timeout: float | None = None,
        decision_timeout: float | None = None,
    ) -> None:
        self.url = url
        self.path = path_from_url(url)
        query = parse_qs(urlsplit(url).query)
        self.timeout = self._seconds(url, "timeout", timeout, query.get("timeout", ["2"])[0])
        self.decision_timeout = self._seconds(
            url, "decision_timeout", decision_timeout, query.get("decision_timeout", ["0.1"])[0]
        )
        self._clock = clock
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self._ops = 0
        self._run(lambda conn: conn.executescript(_SCHEMA), write=False)

    @staticmethod
    def _seconds(url: str, name: str, given: float | None, default: str) -> float:
        try:
            value = float(given if given is not None else default)
        except (TypeError, ValueError):
            value = -1.0
        if not 0 <= value <= 86_400:  # also refuses NaN and inf, which PRAGMA busy_timeout cannot take
            raise ConfigError(f"store URL {url!r}: {name} must be a number of seconds from 0 to 86400")
        return value

    # --- connections and transactions ------------------------------------------------------
    def _conn(self, short: bool = False) -> sqlite3.Connection:
        """This thread's connection: ``short`` waits ``decision_timeout`` for locks, else ``timeout``."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.conns = {}  # a forked child must not use its parent's connections
            local.pid = os.getpid()
        conn: sqlite3.Connection | None = local.conns.get(short)
        if conn is not None:
            return conn
        timeout = self.decision_timeout if short else self.timeout
        conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"PRAGMA journal_size_limit = {_JOURNAL_LIMIT}")
        local.conns[short] = conn
        with self._all_lock:
            self._all.append(conn)
        return conn

    def _run(self, op: Callable[[sqlite3.Connection], T], *, write: bool = True, short: bool = False) -> T:
        """Run ``op`` in one ``BEGIN IMMEDIATE`` transaction (``write=False``: autocommit reads)."""
        try:
            conn = self._conn(short)
            if not write:
                return op(conn)
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = op(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except (sqlite3.Error, OverflowError) as exc:  # OverflowError: an integer beyond SQLite's 64 bits
            raise StoreError(f"SQLite store {self.path}: {exc}") from exc
        self._ops += 1
        if self._ops % _CHECKPOINT_EVERY == 0:
            if self._ops % _SWEEP_EVERY == 0:
                self.sweep()
            self.checkpoint()
        return result

    def sweep(self) -> None:
        """Delete expired rows (runs by itself every 5,000 writes of this process)."""
        now = self._clock()

        def op(conn: sqlite3.Connection) -> None:
            for table in ("kv", "counters", "members", "rl"):
                conn.execute(f"DELETE FROM {table} WHERE expires IS NOT NULL AND expires <= ?", (now,))  # noqa: S608

        with contextlib.suppress(StoreError):
            self._run(op, short=True)

    def checkpoint(self) -> None:
        """Copy the WAL into the database and make the next write start the WAL again from its beginning.
        Readers in other processes keep SQLite's automatic checkpoints from ever restarting the WAL, which
        then grows without end; this waits (briefly) for them. Runs by itself every 500 writes of this
        process; a busy round is skipped. ``RESTART``, not ``TRUNCATE``: the file keeps its size (at most
        ``journal_size_limit``, which SQLite applies when the WAL restarts), so the writes that follow reuse
        its blocks instead of growing a truncated file again (about 10 µs of CPU per write, measured)."""
        with contextlib.suppress(sqlite3.Error):
            self._conn(short=True).execute("PRAGMA wal_checkpoint(RESTART)").fetchall()

    def now(self) -> float:
        return self._clock()

    @staticmethod
    def _deadline(now: float, ttl: float | None) -> float | None:
        return None if ttl is None else now + ttl

    # --- key/value -------------------------------------------------------------------------------
    def get(self, key: str) -> str | None:
        now = self._clock()

        def op(conn: sqlite3.Connection) -> str | None:
            row = conn.execute(f"SELECT value FROM kv WHERE key = ? AND {_ALIVE}", (key, now)).fetchone()  # noqa: S608
            return None if row is None else str(row[0])

        return self._run(op, write=False)

    def set(self, key: str, value: str, ttl: float | None = None) -> None:
        now = self._clock()
        self._run(
            lambda conn: conn.execute(
                _PUT_KV,
                (key, value, self._deadline(now, ttl)),
            )
        )

    def set_if_absent(self, key: str, value: str, ttl: float | None = None) -> bool:
        now = self._clock()

        def op(conn: sqlite3.Connection) -> bool:
            row = conn.execute(f"SELECT 1 FROM kv WHERE key = ? AND {_ALIVE}", (key, now)).fetchone()  # noqa: S608
            if row is not None:
                return False
            conn.execute(
                _PUT_KV,
                (key, value, self._deadline(now, ttl)),
            )
            return True

        return self._run(op)

    def pop(self, key: str) -> str | None:
        now = self._clock()

        def op(conn: sqlite3.Connection) -> str | None:
            row = conn.execute("SELECT value, expires FROM kv WHERE key = ?", (key,)).fetchone()
            if row is None:
                return None
            conn.execute("DELETE FROM kv WHERE key = ?", (key,))
            return str(row[0]) if row[1] is None or row[1] > now else None

        return self._run(op)

    def delete(self, key: str) -> None:
        def op(conn: sqlite3.Connection) -> None:
            for table in ("kv", "counters", "members"):
                conn.execute(f"DELETE FROM {table} WHERE key = ?", (key,))  # noqa: S608

        self._run(op)

    def ttl(self, key: str) -> float | None:
        now = self._clock()

        def op(conn: sqlite3.Connection) -> float | None:
            for table in ("kv", "counters"):
                row = conn.execute(f"SELECT expires FROM {table} WHERE key = ?", (key,)).fetchone()  # noqa: S608
                if row is not None:
                    return None if row[0] is None or row[0] <= now else float(row[0]) - now
            return None

        return self._run(op, write=False)

    # --- counters ------------------------------------------------------------------------------
    def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        now = self._clock()

        def op(conn: sqlite3.Connection) -> int:
            row = conn.execute(f"SELECT value FROM counters WHERE key = ? AND {_ALIVE}", (key, now)).fetchone()  # noqa: S608
            if row is None:
                conn.execute(
                    _PUT_COUNTER,
                    (key, amount, self._deadline(now, ttl)),
                )
                return amount
            value = int(row[0]) + amount
            conn.execute("UPDATE counters SET value = ? WHERE key = ?", (value, key))
            return value

        return self._run(op)

    def add_counters(self, ops: Sequence[CounterOp], ban_key: str | None = None) -> Counted:
        """Every counter in one ``BEGIN IMMEDIATE`` transaction, all or nothing (:mod:`apishield.stores.counters`)."""
        check_ops(ops)

        def op(conn: sqlite3.Connection) -> Counted:
            now = self._clock()
            if ban_key is not None:
                row = conn.execute("SELECT expires FROM kv WHERE key = ?", (ban_key,)).fetchone()
                if row is not None and row[0] is not None and row[0] > now:
                    return Counted(False, banned=float(row[0]) - now)
            current: list[Entry | None] = []
            for counter in ops:
                sql = f"SELECT value, expires FROM counters WHERE key = ? AND {_ALIVE}"  # noqa: S608
                row = conn.execute(sql, (counter.key, now)).fetchone()
                current.append(None if row is None else (int(row[0]), row[1]))
            counted, writes = decide_counters(ops, current, now)
            if writes is None:
                return counted  # refused: nothing written
            for counter, entry in zip(ops, writes, strict=True):
                if entry is None:
                    conn.execute("DELETE FROM counters WHERE key = ?", (counter.key,))
                else:
                    conn.execute(_PUT_COUNTER,
                                 (counter.key, entry[0], entry[1]))
            return counted

        return self._run(op)

    # --- membership ----------------------------------------------------------------------------
    def add_member(self, key: str, member: str, ttl: float | None = None) -> None:
        deadline = self._deadline(self._clock(), ttl)
        self._run(
            lambda conn: conn.execute(
                "INSERT INTO members (key, member, expires) VALUES (?, ?, ?) "
                "ON CONFLICT (key, member) DO UPDATE SET expires = excluded.expires",
                (key, member, deadline),
            )
        )

    def is_member(self, key: str, member: str) -> bool:
        now = self._clock()

        def op(conn: sqlite3.Connection) -> bool:
            sql = f"SELECT 1 FROM members WHERE key = ? AND member = ? AND {_ALIVE}"  # noqa: S608
            return conn.execute(sql, (key, member, now)).fetchone() is not None

        return self._run(op, write=False)

    def remove_member(self, key: str, member: str) -> None:
        self._run(lambda conn: conn.execute("DELETE FROM members WHERE key = ? AND member = ?", (key, member)))

    def members(self, key: str) -> list[str]:
        now = self._clock()
        return self._run(lambda conn: self._members(conn, key, now), write=False)

    @staticmethod
    def _members(conn: sqlite3.Connection, key: str, now: float) -> list[str]:
        sql = f"SELECT member FROM members WHERE key = ? AND {_ALIVE} ORDER BY seq"  # noqa: S608
        return [str(row[0]) for row in conn.execute(sql, (key, now))]

    # --- rate limiting -------------------------------------------------------------------------
    def hit(self, key: str, limits: Sequence[Limit], cost: int = 1) -> list[LimitState]:
        """All limits in one ``BEGIN IMMEDIATE`` transaction; nothing written when any limit denies."""
        return self.hit_and_read(key, limits, cost, None, ())[1]

    def hit_unless_banned(
        self, key: str, limits: Sequence[Limit], cost: int, ban_key: str
    ) -> tuple[float | None, list[LimitState]]:
        """The ban check and every limit in one ``BEGIN IMMEDIATE`` transaction."""
        banned, states, _ = self.hit_and_read(key, limits, cost, ban_key, ())
        return banned, states

    def hit_and_read(
        self, key: str, limits: Sequence[Limit], cost: int, ban_key: str | None, sets: Sequence[str]
    ) -> tuple[float | None, list[LimitState], list[list[str]]]:
        """The ban check, every limit and the members of ``sets`` in one ``BEGIN IMMEDIATE`` transaction: one
        ``SELECT`` reads them all (:func:`_reads_sql`), then one statement writes the limits' new state."""
        names = [f"{key}\x1f{limit.id}" for limit in limits]

        def op(conn: sqlite3.Connection) -> tuple[float | None, list[LimitState], list[list[str]]]:
            now = self._clock()
            found: list[list[str]] = [[] for _ in sets]
            states: list[State | None] = [None] * len(names)
            keys = [*([] if ban_key is None else [ban_key]), *sets, *names]
            for start in range(0, len(keys), _ARMS):
                chunk = keys[start:start + _ARMS]
                sql = _reads_sql(ban_key is not None, len(sets), len(names), start)
                for kind, index, value, b, c, expires, _ in conn.execute(sql, (now, *chunk)):
                    if kind == 2:
                        if expires > now:
                            states[index] = (value, b, c)
                    elif kind == 1:
                        found[index].append(str(value))
                    elif value is not None and value > now:  # the ban (kind 0) lives: nothing decided
                        return float(value) - now, [], []
            results, writes = decide_all(limits, states, now, cost)
            if writes is not None:
                rows = [(n, s[0], s[1], s[2], now + ttl) for n, (s, ttl) in zip(names, writes, strict=True)]
                if len(rows) == 1:
                    conn.execute(_PUT_RL, rows[0])
                else:
                    conn.executemany(_PUT_RL, rows)
            return None, results, found

        return self._run(op, short=True)

    def close(self) -> None:
        with self._all_lock:
            conns, self._all = self._all, []
        for conn in conns:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._local = threading.local()


__all__ = ["SQLiteStore", "path_from_url"]
