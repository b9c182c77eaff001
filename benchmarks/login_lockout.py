"""Store calls, Redis commands and time per login attempt of the lockout (``LoginThrottle``), on every store.

    scripts/with-services.sh .venv/bin/python benchmarks/login_lockout.py [--n 2000] [--rounds 5]

For each scenario the script counts (a) the store-interface calls the throttle makes, with a counting wrapper
around the store, and (b) on Redis, the round trips: every packet redis-py sends (``send_packed_command``, one
per command, or one per pipeline and node), per server. Commands that only set up a connection (``HELLO``,
``CLIENT SETINFO``, the cluster's slot table, ``SCRIPT LOAD``) are made in a warm-up attempt and not counted.
Scenarios, per attempt (no password hashing: only the throttle's store work):

* failed guess: ``reserve`` then ``failure`` (the Task API has no penalty box on its login throttle);
* failed guess, penalty box: the same with a :class:`~apishield.ratelimit.penalties.PenaltyBox`;
* success: ``reserve`` then ``release``;
* known device: ``reserve`` with a valid device cookie, then ``release``;
* refused: ``reserve`` on a locked account.

Time per attempt is the best of ``rounds`` runs of ``n`` attempts (reserve + release, and reserve + failure)
on each store, in microseconds (the best, not the median: on a shared machine the other runs measure the
neighbours). Uses APISHIELD_TEST_REDIS_URL, APISHIELD_TEST_REDIS_CLUSTER_URL and
APISHIELD_TEST_REDIS_SENTINEL_URL when set (scripts/with-services.sh sets them); missing ones are skipped.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from apishield.auth.lockout import LoginThrottle
from apishield.ratelimit.penalties import PenaltyBox
from apishield.stores import from_url

DEVICE_SECRET = "benchmark-device-secret-" + "x" * 16
SENT: dict[str, int] = {}


def _count_round_trips() -> None:
    """Count every packet redis-py sends, per server (host:port)."""
    from redis.connection import AbstractConnection

    real = AbstractConnection.send_packed_command

    def counted(self: Any, command: Any, check_health: bool = True) -> None:
        name = f"{getattr(self, 'host', '?')}:{getattr(self, 'port', '?')}"
        SENT[name] = SENT.get(name, 0) + 1
        real(self, command, check_health)

    AbstractConnection.send_packed_command = counted  # type: ignore[method-assign]


class CountingStore:
    """Delegates to a store and counts the calls of each store method."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not callable(attr) or name in ("now", "close"):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            return attr(*args, **kwargs)

        return call


def _scenarios(counting: Any, ns: str) -> dict[str, Callable[[int], None]]:
    """Each scenario's attempt ``i``; every throttle is built once, on ``counting`` (a store, or the counting
    wrapper around one)."""
    def throttle(penalties: bool = False, **limits: int) -> LoginThrottle:
        box = PenaltyBox(counting, violations=10_000, prefix=ns + ":pen") if penalties else None  # type: ignore[arg-type]
        settings = {"max_attempts": 10**6, "ip_max_attempts": 10**6, "global_max_attempts": 10**7, **limits}
        return LoginThrottle(counting, namespace=ns, device_secret=DEVICE_SECRET, penalties=box,  # type: ignore[arg-type]
                             **settings)

    plain, boxed, locked = throttle(), throttle(penalties=True), throttle(max_attempts=1)
    cookie = plain.issue_device("owner")

    def failed(i: int) -> None:
        plain.failure(plain.reserve(f"user{i}", "198.51.100.7"))

    def failed_penalties(i: int) -> None:
        boxed.failure(boxed.reserve(f"user{i}", "198.51.100.8"))

    def success(i: int) -> None:
        plain.release(plain.reserve(f"user{i}", "198.51.100.9"))

    def device(i: int) -> None:
        res = plain.reserve("owner", "203.0.113.5", cookie)
        assert res.trusted_device
        assert res.allowed
        plain.release(res)

    def refused(i: int) -> None:
        res = locked.reserve("victim", f"192.0.2.{i % 200}")
        assert not res.allowed or i == 0

    return {"failed guess": failed, "failed guess, penalty box": failed_penalties, "success": success,
            "known device": device, "refused (locked)": refused}


def _stores(tmp: Path) -> list[tuple[str, str]]:
    urls = [("memory", "memory://"), ("sqlite", f"sqlite:///{tmp / 'bench.db'}")]
    for name, env in (("redis", "APISHIELD_TEST_REDIS_URL"), ("cluster", "APISHIELD_TEST_REDIS_CLUSTER_URL"),
                      ("sentinel", "APISHIELD_TEST_REDIS_SENTINEL_URL")):
        if os.environ.get(env):
            urls.append((name, os.environ[env]))
    return urls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    opts = parser.parse_args()
    _count_round_trips()
    with tempfile.TemporaryDirectory() as tmp:
        for name, url in _stores(Path(tmp)):
            store = from_url(url)
            ns = f"bench{uuid.uuid4().hex[:8]}"
            print(f"== {name}")
            counting = CountingStore(store)
            scenarios = _scenarios(counting, ns)
            for label, run in scenarios.items():
                run(0)  # warm-up: scripts loaded, slots known, the locked account locked
                counting.calls.clear()
                SENT.clear()
                attempts = 20
                for i in range(1, attempts + 1):
                    run(i)
                calls = sum(counting.calls.values()) / attempts
                detail = ", ".join(f"{k} {v / attempts:g}" for k, v in sorted(counting.calls.items()))
                line = f"  {label:27} store calls/attempt {calls:g} ({detail})"
                if SENT:
                    per_node = [c / attempts for _, c in sorted(SENT.items())]
                    line += f"; Redis round trips/attempt {sum(per_node):g}"
                    if len(per_node) > 1:
                        line += " (per server: " + " ".join(f"{c:g}" for c in per_node) + ")"
                print(line)
            timed = _scenarios(store, ns + "t")  # timed on the store itself, without the counting wrapper
            for label in ("success", "failed guess"):
                run = timed[label]
                times = []
                for _ in range(opts.rounds):
                    start = time.perf_counter()
                    for i in range(opts.n):
                        run(i)
                    times.append((time.perf_counter() - start) / opts.n * 1e6)
                print(f"  time per attempt, {label:13} {min(times):8.1f} us (best of {opts.rounds})")
            store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
