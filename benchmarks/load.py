"""Load, growth and chaos for the stores and the whole app: is state bounded, does a sick store cost bounded time?

    python benchmarks/load.py state [--keys 200000] [--writes 50000]
    python benchmarks/load.py chaos [--phase 4] [--threads 8]
    python benchmarks/load.py app [--short]          # bare Flask vs the Task API: req/s, p50/p99, CPU/request
    python benchmarks/load.py app-chaos [--short]    # the Task API under load while faults are injected
    python benchmarks/load.py                        # all four (``make bench``)

memory: ``--keys`` distinct clients each leave rate-limit state, a violation counter, a failed-login counter
and a short-lived value, all expiring (the store's clock is moved past their TTLs instead of waiting). Then
ordinary traffic runs on a few keys. Printed: entries and RSS at the start, at the peak, and at the end.
Target: entries back to a handful and RSS growth at the end < 30 MB.

sqlite: 4 processes write ``--writes`` rate-limit decisions in total on distinct keys while reading, as app
workers do (readers keep the WAL from being reset). Printed: the largest ``-wal`` file seen and the final one.
Target: < 64 MB.

chaos: 8 threads drive the rate-limit guard (``on_store_error="allow"``) against a Redis server this script
starts (AOF on, as in production) and against a SQLite file, while faults are injected for ``--phase`` seconds
each: Redis stopped then started, Redis hung (SIGSTOP) then resumed, the SQLite write lock held by another
connection. Printed per phase: requests, decided / failed open / errors escaping the guard (what would be 500s),
the worst latency, the worst latency once the breaker is open (after the first second of the fault), how long
after the fault ended decisions resumed, and whether a ban written before the fault survived it. Targets: no
error escapes; no request slower than 1.5 s once the breaker is open; decisions back within 5 s.

app: bare Flask (``benchmarks/_bare_flask.py``: the Task API's routes and database code, no apishield), the
Task API on SQLite state and on Redis state, each under gunicorn with the shipped config and 4 workers on a
loopback port, driven by 12 client threads for 15 s (``--short``: 8 threads, 5 s): 10 % ``GET /health``,
85 % ``GET /api/v1/tasks``, 5 % ``POST /api/v1/tasks``, with the bearer token of one of 4 users logged in
once. Printed: req/s, p50/p99, the server processes' CPU time per request (``/proc``), statuses, and the
Task API's CPU per request over bare Flask's (target 1.3x).

app-chaos: the same load against the Task API while, one after another, a worker is killed (SIGKILL), Redis
is stopped then started, Redis hangs (SIGSTOP) then resumes, a client sprays distinct addresses (Redis
state), the SQLite state file's write lock is held by another process, and the spray again (SQLite state).
Each fault after 2 s of load, held 8 s, then 8 s of load (``--short``: 1 s, 3 s, 5 s; the hang 6 s).
Printed per fault: statuses, 5xx other than 503, 503s, the worst latency (and once every worker's breaker
was open), the time from the fault's end until every request succeeds again, and whether a revoked token,
an account lockout, a refresh family and every acknowledged task survived. Targets: no 5xx other than 503;
back within 5 s; nothing lost; no request over 1.5 s while Redis hangs once the breakers are open. The
implementation is in ``benchmarks/_app_load.py``; ``tests/examples/test_taskapi_load_chaos.py`` runs the
short version.

``--strict`` exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import multiprocessing
import os
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from _app_load import SHORT, RedisProcess, Timing, bench, missed_targets, stop_servers_on_sigterm
from _app_load import chaos as app_chaos

from apishield.errors import StoreError
from apishield.ratelimit import PenaltyBox, RateLimiter, RateLimitGuard
from apishield.request import RequestView
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


class Load:
    """Threads calling ``guard.check`` in a loop, recording (time, latency, outcome) per call."""

    def __init__(self, guard: RateLimitGuard, threads: int) -> None:
        self.guard, self.threads = guard, threads
        self.samples: list[tuple[float, float, str]] = []
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []

    def _run(self, n: int) -> None:
        view = RequestView(method="GET", path="/items", client_ip=f"203.0.113.{n}")
        out = []
        while not self._stop.is_set():
            start = time.monotonic()
            try:
                answer = self.guard.check(view)
                outcome = "decided" if getattr(answer, "headers", None) else "failed open"
            except Exception:  # exactly what is being counted: errors escaping the guard
                outcome = "error"
            end = time.monotonic()
            out.append((end, end - start, outcome))
        self.samples.extend(out)

    def __enter__(self) -> Load:
        self._workers = [threading.Thread(target=self._run, args=(n,)) for n in range(self.threads)]
        for worker in self._workers:
            worker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join()


def _report(name: str, load: Load, fault: tuple[float, float], ban_survived: bool | None) -> list[str]:
    """Print one phase's figures; return the targets it missed."""
    start, end = fault
    samples = sorted(load.samples)
    during = [s for s in samples if start <= s[0] - s[1] <= end]
    counts = {k: sum(1 for s in samples if s[2] == k) for k in ("decided", "failed open", "error")}
    worst = max((s[1] for s in samples), default=0.0)
    open_worst = max((s[1] for s in during if s[0] - s[1] >= start + 1.0), default=0.0)
    resumed = next((s[0] - end for s in samples if s[0] - s[1] >= end and s[2] == "decided"), None)
    missed = []
    if counts["error"]:
        missed.append(f"{name}: errors escaped")
    if open_worst > 1.5:
        missed.append(f"{name}: slow while the breaker is open")
    if resumed is None or resumed > 5:
        missed.append(f"{name}: decisions did not resume within 5 s")
    back = "never" if resumed is None else f"{resumed:.2f} s"
    survived = "" if ban_survived is None else f", ban survived: {'yes' if ban_survived else 'NO'}"
    print(
        f"  {name:<24} {len(samples):>7} requests: {counts['decided']} decided, {counts['failed open']} failed open, "
        f"{counts['error']} errors; worst {worst * 1000:.0f} ms, worst once open {open_worst * 1000:.0f} ms; "
        f"decisions back after {back}{survived}"
    )
    return missed


def chaos(phase: float, threads: int) -> list[str]:
    missed: list[str] = []
    print(f"chaos: {threads} threads through the rate-limit guard (fail open), faults held {phase:.0f} s each")
    with tempfile.TemporaryDirectory() as tmp:
        server = RedisProcess(tmp)
        server.start()
        try:
            store = from_url(f"redis://127.0.0.1:{server.port}/0", check_durability=False)
            guard = RateLimitGuard(RateLimiter(store), "1000000/minute", on_store_error="allow")
            for name, inject, heal in (
                ("redis stopped", server.stop, server.start),
                ("redis hung (SIGSTOP)", lambda: server.signal(signal.SIGSTOP), lambda: server.signal(signal.SIGCONT)),
            ):
                store.set("chaos:ban", "1", ttl=600)
                time.sleep(1.1)  # AOF fsync is every second: the ban is on disk before the fault
                with Load(guard, threads) as load:
                    time.sleep(1.0)  # normal traffic first
                    start = time.monotonic()
                    inject()
                    time.sleep(phase)
                    heal()
                    end = time.monotonic()
                    time.sleep(6.0)  # long enough to see the recovery (target: 5 s)
                try:
                    survived: bool | None = store.get("chaos:ban") == "1"
                except StoreError:
                    survived = False
                missed += _report(name, load, (start, end), survived)
            store.close()
        finally:
            server.stop()
        db = Path(tmp) / "state.db"
        store = from_url(f"sqlite:///{db}")
        guard = RateLimitGuard(RateLimiter(store), "1000000/minute", on_store_error="allow")
        with Load(guard, threads) as load:
            time.sleep(1.0)
            holder = sqlite3.connect(db, isolation_level=None)
            start = time.monotonic()
            holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            time.sleep(phase)
            holder.execute("ROLLBACK")
            end = time.monotonic()
            holder.close()
            time.sleep(2.0)
        missed += _report("sqlite lock held", load, (start, end), None)
        store.close()
    return missed


def app_suite(timing: Timing, faults: bool) -> list[str]:
    """``app`` (throughput and CPU per request) or ``app-chaos`` (fault phases); the targets missed."""
    with tempfile.TemporaryDirectory() as tmp:
        if not faults:
            print(f"app: gunicorn -w 4 (examples/taskapi/gunicorn.conf.py), {timing.threads} client threads, "
                  f"{timing.rounds} rounds of {timing.seconds:.0f} s each; 10 % GET /health, 85 % GET /api/v1/tasks, "
                  "5 % POST /api/v1/tasks")
            rounds = bench(Path(tmp), timing)
            results = [min((r[i] for r in rounds), key=lambda t: t.cpu_us) for i in range(len(rounds[0]))]
            print("  best round of each (least server CPU per request, as overhead.py keeps):")
            for r in results:
                print(r.line())
            bare = results[0]
            for i, r in enumerate(results[1:], 1):
                per_round = ", ".join(f"{rnd[i].cpu_us / rnd[0].cpu_us:.2f}" for rnd in rounds)
                print(f"  CPU per request, {r.name} / bare Flask: {r.cpu_us / bare.cpu_us:.2f}x best rounds "
                      f"(target 1.3x); round by round: {per_round}")
            errors = [f"{r.name}: {n} answers {k or 'conn error'}" for rnd in rounds for r in rnd
                      for k, n in r.statuses.items() if k not in (200, 201)]
            return errors + [f"{r.name}: CPU per request {r.cpu_us / bare.cpu_us:.2f}x bare Flask"
                             for r in results[1:] if r.cpu_us > 1.3 * bare.cpu_us]
        print(f"app-chaos: the Task API under gunicorn -w 4, {timing.threads} client threads; each fault after "
              f"{timing.before:.0f} s of normal load, held {timing.hold:.0f} s, then {timing.after:.0f} s of load")
        return missed_targets(app_chaos(Path(tmp), timing))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", nargs="?", default="all", choices=["all", "state", "chaos", "app", "app-chaos"])
    parser.add_argument("--short", action="store_true", help="app suites: the short version (phases of a few s)")
    parser.add_argument("--keys", type=int, default=200_000)
    parser.add_argument("--writes", type=int, default=50_000)
    parser.add_argument("--phase", type=float, default=4.0, help="seconds each fault is held (chaos)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args()
    stop_servers_on_sigterm()
    missed: list[str] = []
    timing = SHORT if args.short else Timing()
    if args.suite in ("all", "state"):
        missed += [name for ok, name in (memory_growth(args.keys), sqlite_wal(args.writes)) if not ok]
    if args.suite in ("all", "chaos"):
        missed += chaos(args.phase, args.threads)
    if args.suite in ("all", "app"):
        missed += app_suite(timing, faults=False)
    if args.suite in ("all", "app-chaos"):
        missed += app_suite(timing, faults=True)
    print("targets: " + ("all met" if not missed else "MISSED: " + "; ".join(missed)))
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
