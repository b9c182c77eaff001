"""Rate-limit decision cost: apishield vs the ``limits`` library, in memory and on Redis, in one run.

    python benchmarks/ratelimit.py [--n 5000] [--rounds 15] [--strict]

Memory: the same strategy family side by side (fixed window; sliding-window counter; ``limits``' moving
window shown for reference). Redis: one limit and three limits per request; ``limits`` needs one call per
limit, apishield decides all of them in one EVALSHA. The floor is a bare redis-py EVALSHA of a trivial script
(``return 1``) - one round trip and nothing else. Uses APISHIELD_TEST_REDIS_URL, or starts a throwaway
redis-server on a free port. Figures are medians of ``rounds`` runs, in microseconds per decision (allowed
path, one hot key). ``--strict`` exits 1 when a target is missed.

Redis Cluster (APISHIELD_TEST_REDIS_CLUSTER_URL, set by scripts/with-services.sh; skipped when absent): the
same decisions against ``limits``' ``redis+cluster://`` storage on the same cluster; the floor is one bare
EVALSHA sent straight to the master that owns the key's slot.

Targets: memory no slower than ``limits``; on Redis a request with three limits <= 1.15 x one bare EVALSHA; on
the cluster <= 1.2 x one bare EVALSHA on the owning node.

    scripts/with-services.sh .venv/bin/python benchmarks/ratelimit.py
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import limits as lim
import redis
from _app_load import stop_servers_on_sigterm
from limits.storage import MemoryStorage, RedisClusterStorage, RedisStorage
from limits.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    SlidingWindowCounterRateLimiter,
)

from apishield.ratelimit import RateLimiter
from apishield.stores import from_url

BIG = 10**9  # a quota no run exhausts: every decision takes the common "allowed" path


def measure(fns: dict[str, Callable[[], object]], n: int, rounds: int) -> dict[str, float]:
    """Median microseconds per call of each function; rounds interleave the functions, so load noise on a
    shared machine hits them alike."""
    for fn in fns.values():
        for _ in range(min(n, 1000)):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.perf_counter_ns()
            for _ in range(n):
                fn()
            samples[name].append((time.perf_counter_ns() - start) / n / 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


@contextmanager
def redis_url() -> Iterator[str]:
    url = os.environ.get("APISHIELD_TEST_REDIS_URL")
    if url:
        yield url
        return
    binary = os.environ.get("APISHIELD_REDIS_SERVER_BIN") or shutil.which("redis-server")
    if not binary:
        raise SystemExit("no Redis: set APISHIELD_TEST_REDIS_URL or install redis-server")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as workdir:
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            client = redis.Redis(port=port)
            for _ in range(100):
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.05)
            client.close()
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            proc.wait(10)


def row(label: str, ours: float, theirs: float | None, note: str = "") -> None:
    ratio = f"{ours / theirs:5.2f}x" if theirs else "     "
    peer = f"{theirs:9.2f}" if theirs is not None else " " * 9
    print(f"  {label:<44} {ours:9.2f} {peer}  {ratio}  {note}")


def bench_cluster(url: str, rn: int, rounds: int) -> list[str]:
    """Cluster figures; returns the targets missed."""
    from redis.cluster import RedisCluster
    from redis.crc import key_slot

    misses: list[str] = []
    print(f"redis cluster ({url}; {rounds} interleaved rounds of {rn} round trips)")
    key = "bench-" + uuid.uuid4().hex[:8]
    ours = RateLimiter(from_url(url))
    cluster = RedisCluster.from_url(url.replace("redis+cluster://", "redis://").split(",")[0])
    node = cluster.nodes_manager.get_node_from_slot(key_slot(f"rl:{key}".encode()))
    owner = redis.Redis(host=node.host, port=node.port)  # the master that owns the decision's slot
    floor_script = owner.register_script("return 1")
    floor_script(keys=[f"rl:{key}"], args=[])
    # the least any decision does on a master with a replica: one replicated write
    write_script = owner.register_script("redis.call('HSET', KEYS[1], 'f', '1') return 1")
    write_script(keys=[f"rl:{key}"], args=[])
    raw_conn = owner.connection_pool.connection_class(**owner.connection_pool.connection_kwargs)
    encoded = f"rl:{key}".encode()
    raw_payload = [
        b"*4\r\n$7\r\nEVALSHA\r\n$40\r\n" + floor_script.sha.encode() + b"\r\n$1\r\n1\r\n"
        + b"$%d\r\n%s\r\n" % (len(encoded), encoded)
    ]

    def raw_floor() -> object:
        raw_conn.send_packed_command(raw_payload, check_health=False)
        return raw_conn.read_response()

    theirs = RedisClusterStorage(url)
    fixed_t, sliding_t = FixedWindowRateLimiter(theirs), SlidingWindowCounterRateLimiter(theirs)
    one = lim.parse(f"{BIG}/minute")
    three = [lim.parse(f"{BIG}/second"), lim.parse(f"{BIG}/minute"), lim.parse(f"{BIG}/day")]
    fixed3 = f"{BIG}/second fixed; {BIG}/minute fixed; {BIG}/day fixed"
    sliding3 = f"{BIG}/second; {BIG}/minute; {BIG}/day"
    r = measure(
        {
            "floor": lambda: floor_script(keys=[f"rl:{key}"], args=[]),
            "raw floor": raw_floor,
            "write floor": lambda: write_script(keys=[f"rl:{key}"], args=[]),
            "ours fixed1": lambda: ours.hit(key, f"{BIG}/minute fixed"),
            "limits fixed1": lambda: fixed_t.hit(one, key, "f1"),
            "ours fixed3": lambda: ours.hit(key, fixed3),
            "limits fixed3": lambda: all([fixed_t.hit(item, key, "f3") for item in three]),
            "ours sliding3": lambda: ours.hit(key, sliding3),
            "limits sliding3": lambda: all([sliding_t.hit(item, key, "s3") for item in three]),
        },
        rn,
        rounds,
    )
    floor, raw, write = r["floor"], r["raw floor"], r["write floor"]
    print(f"  {'bare EVALSHA on the owning master: the floor':<44} {floor:9.2f}")
    print(f"  {'same, pre-encoded on a raw connection':<44} {raw:9.2f}")
    print(f"  {'EVALSHA of one replicated HSET (write floor)':<44} {write:9.2f}")
    row("fixed window, 1 limit", r["ours fixed1"], r["limits fixed1"], f"{r['ours fixed1'] / floor:.2f}x floor")
    for label, name in (("fixed window, 3 limits", "fixed3"), ("sliding-window counter, 3 limits", "sliding3")):
        a = r["ours " + name]
        met = a <= 1.2 * floor
        note = f"{a / floor:.2f}x floor, {a / write:.2f}x write floor, target <= 1.2x: " + ("met" if met else "MISSED")
        row(label, a, r["limits " + name], note)
        if not met:
            misses.append(f"cluster {label}")
    # the owning master's own CPU per decision: what bounds one hot key, however many masters there are
    for label, spec in (("1 limit", f"{BIG}/minute fixed"), ("3 limits", fixed3)):
        owner.config_resetstat()
        for _ in range(rn):
            ours.hit(key, spec)
        stats = owner.info("commandstats").get("cmdstat_evalsha", {})
        usec = float(stats.get("usec_per_call", 0.0))
        print(f"  {'server time per decision, ' + label:<44} {usec:9.2f}   (one key: <= {1e6 / usec:,.0f}/s)")
    raw_conn.disconnect()
    owner.close()
    cluster.close()
    ours.store.close()
    return misses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="decisions per round in memory (Redis: n/10)")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    stop_servers_on_sigterm()
    n, rounds = args.n, args.rounds
    misses: list[str] = []

    print(f"apishield rate limiting vs limits {lim.__version__}: microseconds per decision (median of {rounds})")
    print(f"  {'':<44} {'apishield':>9} {'limits':>9}  ratio")

    # --- memory ----------------------------------------------------------------------------------
    print("memory")
    ours = RateLimiter(from_url("memory://"))
    theirs_storage = MemoryStorage()
    one = lim.parse(f"{BIG}/minute")
    fixed, sliding = FixedWindowRateLimiter(theirs_storage), SlidingWindowCounterRateLimiter(theirs_storage)
    moving = MovingWindowRateLimiter(theirs_storage)
    small = lim.parse("1000000/minute")
    m = measure(
        {
            "ours fixed": lambda: ours.hit("bench", f"{BIG}/minute fixed"),
            "limits fixed": lambda: fixed.hit(one, "bench", "fixed"),
            "ours sliding": lambda: ours.hit("bench", f"{BIG}/minute sliding"),
            "limits sliding": lambda: sliding.hit(one, "bench", "sliding"),
        },
        n,
        rounds,
    )
    for label, a, b in (
        ("fixed window", m["ours fixed"], m["limits fixed"]),
        ("sliding-window counter", m["ours sliding"], m["limits sliding"]),
    ):
        row(label, a, b, "target <= 1.00x: " + ("met" if a <= b else "MISSED"))
        if a > b:
            misses.append(f"memory {label}")
    mv = measure({"moving": lambda: moving.hit(small, "bench-moving")}, max(n // 10, 500), rounds)["moving"]
    print(f"  {'(limits moving window, exact log, reference)':<44} {'':>9} {mv:9.2f}")

    # --- Redis -----------------------------------------------------------------------------------
    rn = max(n // 10, 200)
    with redis_url() as url:
        print(f"redis ({url}; {rounds} interleaved rounds of {rn} round trips)")
        client = redis.Redis.from_url(url)
        floor_script = client.register_script("return 1")
        floor_script(keys=["bench-floor"], args=[])  # loaded
        raw_conn = client.connection_pool.connection_class(**client.connection_pool.connection_kwargs)
        sha = floor_script.sha.encode()
        raw_payload = [b"*4\r\n$7\r\nEVALSHA\r\n$40\r\n" + sha + b"\r\n$1\r\n1\r\n$11\r\nbench-floor\r\n"]

        def raw_floor() -> object:
            raw_conn.send_packed_command(raw_payload, check_health=False)
            return raw_conn.read_response()

        ours_r = RateLimiter(from_url(url))
        key = "bench-" + uuid.uuid4().hex[:8]
        theirs_r = RedisStorage(url)
        fixed_r = FixedWindowRateLimiter(theirs_r)
        sliding_r = SlidingWindowCounterRateLimiter(theirs_r)
        three = [lim.parse(f"{BIG}/second"), lim.parse(f"{BIG}/minute"), lim.parse(f"{BIG}/day")]
        fixed3 = f"{BIG}/second fixed; {BIG}/minute fixed; {BIG}/day fixed"
        sliding3 = f"{BIG}/second; {BIG}/minute; {BIG}/day"
        gcra3 = f"{BIG}/second burst {BIG}; {BIG}/minute gcra; {BIG}/day"
        r = measure(
            {
                "floor": lambda: floor_script(keys=["bench-floor"], args=[]),
                "raw floor": raw_floor,
                "ours fixed1": lambda: ours_r.hit(key, f"{BIG}/minute fixed"),
                "limits fixed1": lambda: fixed_r.hit(one, key, "f1"),
                "ours sliding1": lambda: ours_r.hit(key, f"{BIG}/minute sliding"),
                "limits sliding1": lambda: sliding_r.hit(one, key, "s1"),
                "ours fixed3": lambda: ours_r.hit(key, fixed3),
                "limits fixed3": lambda: all([fixed_r.hit(item, key, "f3") for item in three]),
                "ours sliding3": lambda: ours_r.hit(key, sliding3),
                "limits sliding3": lambda: all([sliding_r.hit(item, key, "s3") for item in three]),
                "ours gcra3": lambda: ours_r.hit(key, gcra3),
            },
            rn,
            rounds,
        )
        floor, raw = r["floor"], r["raw floor"]
        print(f"  {'bare redis-py EVALSHA (return 1): the floor':<44} {floor:9.2f}")
        print(f"  {'same, pre-encoded on a raw connection':<44} {raw:9.2f}   (the pure round trip; see docs)")
        for label, name in (("fixed window, 1 limit", "fixed1"), ("sliding-window counter, 1 limit", "sliding1")):
            row(label, r["ours " + name], r["limits " + name], f"{r['ours ' + name] / floor:.2f}x floor")
        for label, name in (("fixed window, 3 limits", "fixed3"), ("sliding-window counter, 3 limits", "sliding3")):
            a = r["ours " + name]
            met = a <= 1.15 * floor
            note = f"{a / floor:.2f}x floor ({a / raw:.2f}x raw), target <= 1.15x: " + ("met" if met else "MISSED")
            row(label, a, r["limits " + name], note)
            if not met:
                misses.append(f"redis {label}")
        g = r["ours gcra3"]
        row("gcra, gcra, sliding: 3 limits (no peer)", g, None, f"{g / floor:.2f}x floor ({g / raw:.2f}x raw)")
        raw_conn.disconnect()
        client.close()
        ours_r.store.close()

    cluster_url = os.environ.get("APISHIELD_TEST_REDIS_CLUSTER_URL")
    if cluster_url:
        misses += bench_cluster(cluster_url, rn, rounds)
    else:
        print("redis cluster: skipped (set APISHIELD_TEST_REDIS_CLUSTER_URL, e.g. via scripts/with-services.sh)")

    print("targets: " + ("all met" if not misses else "MISSED: " + ", ".join(misses)))
    return 1 if (misses and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
