"""The Task API in one process: CPU per authenticated request on memory, SQLite and Redis state next to bare Flask,
and the Redis commands each request sends.

    python benchmarks/taskapi_inprocess.py [--requests 2000] [--rounds 5]

``benchmarks/load.py app`` measures the served application (gunicorn, 4 workers, 12 client threads) and is
noisy on a shared machine; this drives the same application through the Flask test client, one request at a
time, ``GET /api/v1/tasks`` with a valid bearer token (verified once, then answered from the verified-token
cache like every later request of a client), so that the per-request cost of the state store stands out.
"Redis, 2 trips" is the same with the read-ahead turned off (the revocation set read in a call of its own, as
before it existed), and "Redis, Unix socket" the same server reached over its Unix socket instead of loopback
TCP (``unix://`` store URL, for a Redis on the application's host), measured in the same rounds. "Redis,
replies replayed" is not a store you can use but a measurement: the same application on Redis whose store
answers every request with the reply Redis gave to the same command before, without sending it, so its row is
apishield's own CPU on the Redis path (encoding, read-ahead, decoding the decision) and its distance to the
"Redis" row is what the round trip itself costs this process (the socket calls, the kernel's loopback, reading
the reply, and being switched out while Redis answers). "Redis, replayed after an idle wait" separates the last
part: the replayed store first sleeps (``time.sleep(1e-6)``, which the kernel's timer slack stretches to a wait about
as long as Redis takes to answer; the row's wall time shows it), so the process idles once per request as it does
while Redis answers, without any socket call. Its distance to the replayed row is what idling costs the code that
runs after it on this machine (caches and CPU state lost while the core is idle); under load, where a worker's core
does not idle, ``load.py app`` shows the part that remains. "bare Flask"
is ``benchmarks/_bare_flask.py`` (the same routes and database code without apishield, the baseline of
``load.py app``) driven the same way, so the ratio printed for each state store is the Task API's CPU per
request over bare Flask's without a server or a load client sharing the cores. Figures per request: this
process's CPU time (``time.process_time``: the application and the Redis client, not the Redis server) and
wall time, best of ``rounds`` rounds, the targets measured in turn within each round. On a shared machine many
short rounds (``--requests 250 --rounds 24``) give steadier minima than a few long ones; "per round" is the
median over the rounds of the ratio within each round, which a burst of load on the machine moves less. Redis: a
redis-server this script starts on a free loopback port (AOF, as in production); the commands one request
sends are counted by the server (``MONITOR``; commands that scripts run are not client commands).
"""

from __future__ import annotations

import argparse
import logging
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "examples"))

import redis  # noqa: E402
from _app_load import RedisProcess, stop_servers_on_sigterm  # noqa: E402

from apishield.auth.passwords import Passwords  # noqa: E402
from apishield.demo.apps import read_outbox  # noqa: E402
from apishield.integrations.flask import EXTENSION_KEY  # noqa: E402

PASSWORD = "a long enough passphrase for the benchmark"


def build(tmp: Path, label: str, state_url: str, read_ahead: bool = True) -> tuple[Any, dict[str, str]]:
    """A Task API on ``state_url`` with one verified, logged-in user: (test client, its Authorization header).
    ``read_ahead=False``: the token's revocation set is read in a store call of its own, as before."""
    from taskapi.app import create_app
    from taskapi.settings import Settings

    data = tmp / label
    data.mkdir()
    outbox = data / "outbox.jsonl"
    environ = {"TASKAPI_ENV": "demo", "TASKAPI_JWT_SECRET": secrets.token_urlsafe(40),
               "DATABASE_URL": f"sqlite:///{data / 'taskapi.db'}", "TASKAPI_OUTBOX": str(outbox),
               "TASKAPI_STATE_URL": state_url, "TASKAPI_RATE_LIMIT": "1000000/minute"}
    app = create_app(Settings.from_env(environ, data_dir=data),
                     passwords=Passwords(time_cost=1, memory_cost=1024, parallelism=1))
    logging.getLogger("taskapi").setLevel(logging.ERROR)  # the demo's "mails" are not results
    if not read_ahead:
        app.extensions[EXTENSION_KEY].auth.reads_ahead = False
    client = app.test_client()
    name = "bench" + secrets.token_hex(4)
    email = f"{name}@example.test"
    assert client.post("/api/v1/auth/register", json={"username": name, "email": email,
                                                      "password": PASSWORD}).status_code == 201
    token = read_outbox(outbox, email, time.monotonic() + 10)
    assert client.post("/api/v1/auth/verify", json={"token": token}).status_code == 200
    login = client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    auth = {"Authorization": f"Bearer {login.json['access_token']}"}
    for i in range(20):
        assert client.post("/api/v1/tasks", json={"title": f"seed {i}"}, headers=auth).status_code == 201
    return client, auth


def replaying(client: Any, idle: bool = False) -> None:
    """Make the application's Redis store answer each command with Redis's first reply to it, sending nothing
    after that (the "Redis, replies replayed" row: the Redis path without its round trip); ``idle``: sleep
    first, as long as a round trip waits (the "replayed after an idle wait" row)."""
    store = client.application.extensions[EXTENSION_KEY].store
    send, replies = store._send, {}

    def replay(what: str, key: bytes, payload: bytes, *rest: Any) -> Any:
        if payload not in replies:
            replies[payload] = send(what, key, payload, *rest)
        if idle:
            time.sleep(1e-6)
        return replies[payload]

    store._send = replay


def build_bare(tmp: Path) -> tuple[Any, dict[str, str]]:
    """``benchmarks/_bare_flask.py`` on its own database with one user and 20 tasks: (test client, its header)."""
    import os

    token = secrets.token_urlsafe(32)
    os.environ["BARE_DB"] = f"sqlite:///{tmp / 'bare.db'}"
    os.environ["BARE_TOKENS"] = token
    import _bare_flask

    client = _bare_flask.app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    for i in range(20):
        assert client.post("/api/v1/tasks", json={"title": f"seed {i}"}, headers=auth).status_code == 201
    return client, auth


def one_round(client: Any, auth: dict[str, str], n: int) -> tuple[float, float]:
    """(CPU µs, wall µs) per request over ``n`` requests."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        response = client.get("/api/v1/tasks", headers=auth)
        if response.status_code != 200:
            raise SystemExit(f"unexpected answer {response.status_code}: {response.get_data(as_text=True)}")
    return (time.process_time() - cpu) / n * 1e6, (time.perf_counter() - wall) / n * 1e6


def commands_per_request(url: str, client: Any, auth: dict[str, str], n: int = 20) -> float:
    """Client commands the Redis server receives per request (MONITOR, between two ECHO markers)."""
    markers = redis.Redis.from_url(url, socket_timeout=5)
    with redis.Redis.from_url(url, socket_timeout=5).monitor() as watch:
        start, end = secrets.token_hex(8), secrets.token_hex(8)
        markers.echo(start)
        for _ in range(n):
            client.get("/api/v1/tasks", headers=auth)
        markers.echo(end)
        counting, count = False, 0
        while True:
            command = watch.next_command()
            if command["client_type"] == "lua":
                continue
            if command["command"] == f"ECHO {start}":
                counting = True
            elif command["command"] == f"ECHO {end}":
                break
            elif counting:
                count += 1
    markers.close()
    return count / n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    stop_servers_on_sigterm()
    with tempfile.TemporaryDirectory(prefix="apishield-inprocess-") as tmp:
        server = RedisProcess(tmp)
        server.start()
        try:
            targets = {"bare Flask": build_bare(Path(tmp)),
                       "memory": build(Path(tmp), "memory", "memory://"),
                       "SQLite": build(Path(tmp), "sqlite", f"sqlite:///{Path(tmp) / 'state.db'}"),
                       "Redis": build(Path(tmp), "redis", server.url),
                       "Redis, 2 trips": build(Path(tmp), "redis2", server.url, read_ahead=False),
                       "Redis, Unix socket": build(Path(tmp), "redisunix", server.unix_url),
                       "Redis, replies replayed": build(Path(tmp), "redisreplay", server.url),
                       "Redis, replayed after an idle wait": build(Path(tmp), "redisidle", server.url)}
            replaying(targets["Redis, replies replayed"][0])
            replaying(targets["Redis, replayed after an idle wait"][0], idle=True)
            for client, auth in targets.values():
                one_round(client, auth, 200)  # warm: the token verified, scripts loaded, connections open
            best: dict[str, tuple[float, float]] = {}
            rounds: dict[str, list[float]] = {label: [] for label in targets}
            for _ in range(args.rounds):
                for label, (client, auth) in targets.items():
                    cpu, wall = one_round(client, auth, args.requests)
                    rounds[label].append(cpu)
                    old = best.get(label)
                    best[label] = (min(cpu, old[0]), min(wall, old[1])) if old else (cpu, wall)
            per_request = [commands_per_request(server.url, *targets[label]) for label in ("Redis", "Redis, 2 trips")]
        finally:
            server.stop()
    print(f"Task API in one process, GET /api/v1/tasks with a cached bearer token, best of {args.rounds} rounds of "
          f"{args.requests:,} requests")
    bare = best["bare Flask"][0]
    for label, (cpu, wall) in best.items():
        name = label if label == "bare Flask" else label + " state"
        paired = statistics.median(a / b for a, b in zip(rounds[label], rounds["bare Flask"], strict=True))
        ratio = "" if label == "bare Flask" else f"  ({cpu / bare:.2f}x bare Flask's CPU; per round {paired:.2f}x)"
        print(f"  {name + ':':<42} CPU {cpu:6.0f} µs/request, wall {wall:6.0f} µs/request{ratio}")
    print(f"  Redis commands per request: {per_request[0]:.2f} (read-ahead off: {per_request[1]:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
