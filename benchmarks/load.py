"""Store load and growth: is state bounded when many distinct clients come and go?

    python benchmarks/load.py state [--keys 200000] [--writes 50000]

memory: ``--keys`` distinct clients each leave rate-limit state, a violation counter, a failed-login counter
and a short-lived value, all expiring (the store's clock is moved past their TTLs instead of waiting). Then
ordinary traffic runs on a few keys. Printed: entries and RSS at the start, at the peak, and at the end.
Target: entries back to a handful and RSS growth at the end < 30 MB.

sqlite: 4 processes write ``--writes`` rate-limit decisions in total on distinct keys while reading, as app
workers do (readers keep the WAL from being reset). Printed: the largest ``-wal`` file seen and the final one.
Target: < 64 MB.

``--strict`` exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from apishield.ratelimit import PenaltyBox, RateLimiter
from apishield.stores import MemoryStore, from_url


def rss_mb() -> float:
    """Resident set size of this process (Linux /proc)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def memory_growth(keys: int) -> tuple[bool, str]:
    clock = Clock()
    store = MemoryStore(clock=clock)
    limiter = RateLimiter(store)
    box = PenaltyBox(store, violations=1000)
    gc.collect()
    base_rss, base_entries = rss_mb(), len(store)
    start = time.perf_counter()
    for i in range(keys):
        ip = f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"
        limiter.hit(ip, "5/second; 100/hour")
        box.record_violation(ip)  # a violation counter (60 s)
        store.incr(f"lockout:fail:{ip}", 1, ttl=900)  # a failed-login counter (15 min)
        store.set(f"mfa:step:{ip}", "1", ttl=30)
        clock.now += 0.0005
    spray = time.perf_counter() - start
    peak_rss, peak_entries = rss_mb(), len(store)
    clock.now += 2 * 3600 + 1  # every TTL above has passed (sliding windows keep two windows)
    for i in range(keys):  # ordinary traffic: the same number of requests, from a few clients
        limiter.hit(f"steady-{i % 50}", "1000/second")
        clock.now += 0.0005
    gc.collect()
    end_rss, end_entries = rss_mb(), len(store)
    growth = end_rss - base_rss
    ok = growth < 30 and end_entries < 1000
    print(f"memory store, {keys:,} distinct clients ({spray:.1f} s), then {keys:,} requests from 50 clients")
    print(f"  entries: start {base_entries:,}, peak {peak_entries:,}, end {end_entries:,}")
    print(
        f"  RSS MB:  start {base_rss:.1f}, peak {peak_rss:.1f}, end {end_rss:.1f} "
        f"(growth {growth:+.1f} MB, target < 30: {'met' if ok else 'MISSED'})"
    )
    return ok, "memory growth"


def _sqlite_writer(url: str, worker: int, writes: int, wal: str, sizes: multiprocessing.Queue[int]) -> None:
    store = from_url(url, timeout=30, decision_timeout=30)
    limiter = RateLimiter(store)
    largest = 0
    for i in range(writes):
        limiter.hit(f"w{worker}-{i}", "10/minute")
        store.get(f"w{worker}-{i % 100}")  # readers, as app workers read on every request
        if i % 500 == 0:
            with contextlib.suppress(OSError):
                largest = max(largest, os.path.getsize(wal))
    store.close()
    sizes.put(largest)


def sqlite_wal(writes: int) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "state.db"
        url = f"sqlite:///{db}"
        from_url(url).close()
        wal = str(db) + "-wal"
        ctx = multiprocessing.get_context("spawn")
        sizes: multiprocessing.Queue[int] = ctx.Queue()
        start = time.perf_counter()
        procs = [ctx.Process(target=_sqlite_writer, args=(url, w, writes // 4, wal, sizes)) for w in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        elapsed = time.perf_counter() - start
        largest = max(sizes.get() for _ in procs) / 2**20
        final = os.path.getsize(wal) / 2**20 if os.path.exists(wal) else 0.0
    ok = largest < 64 and final < 64
    print(f"sqlite store, 4 processes, {writes:,} rate-limit writes + reads ({elapsed:.1f} s)")
    print(f"  WAL MB: largest seen {largest:.1f}, final {final:.1f} (target < 64: {'met' if ok else 'MISSED'})")
    return ok, "sqlite WAL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", choices=["state"])
    parser.add_argument("--keys", type=int, default=200_000)
    parser.add_argument("--writes", type=int, default=50_000)
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args()
    results = [memory_growth(args.keys), sqlite_wal(args.writes)]
    missed = [name for ok, name in results if not ok]
    print("targets: " + ("all met" if not missed else "MISSED: " + ", ".join(missed)))
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
