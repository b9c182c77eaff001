"""Application-level load and chaos for ``benchmarks/load.py app`` / ``app-chaos`` and the test that runs the
short version (tests/examples/test_taskapi_load_chaos.py).

Servers: gunicorn with the Task API's shipped config (``examples/taskapi/gunicorn.conf.py``: gthread, preload)
and 4 workers on a free loopback port, in its own process group, always stopped. The Task API runs in demo
mode (e-mail verification tokens land in an outbox file, so accounts can be made over HTTP), with its state
in SQLite or in a Redis server started here (AOF, ``everysec``); its default per-client limit is raised so
the load measures the cost of counting, not of refusing, and loopback is its trusted proxy, so every load
thread is its own client (``X-Forwarded-For``). The bare Flask baseline is ``benchmarks/_bare_flask.py``.

Load: threads, each with one keep-alive ``http.client`` connection, in a closed loop, bounded by a deadline
and a request count; loopback only. The mix: 10 % ``GET /health``, 85 % ``GET /api/v1/tasks`` and 5 %
``POST /api/v1/tasks`` with a bearer token of one of a few users (Task API: logged in once through
``/api/v1/auth/login``). CPU per request: the utime + stime of the gunicorn master and workers
(``/proc/<pid>/stat``) over the phase, divided by the requests answered.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from apishield.demo.apps import read_outbox
from apishield.demo.servers import ServerProcess

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CONFIG = EXAMPLES / "taskapi" / "gunicorn.conf.py"
PASSWORD = "a long enough passphrase for load tests"
USERS = 4
SEED_TASKS = 20
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- processes -----------------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(c) for c in f.read().split()]
    return found


def _cpu(pid: int) -> float | None:
    """User + system CPU seconds of one process (all its threads), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14 and 15 of the line)


def group_cpu(master: int) -> dict[int, float]:
    pids = [master, *_children(master)]
    return {pid: cpu for pid in pids if (cpu := _cpu(pid)) is not None}


def cpu_between(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two snapshots (a process started in between counts from zero)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


# --- the load client -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Sample:
    start: float  # monotonic
    end: float
    status: int  # 0: the connection failed (reset, refused, timed out) before an answer
    kind: str  # "health", "list", "create"
    user: int
    decided: bool = False  # the answer carries a rate-limit decision (``RateLimit`` header): not failed open


Request = tuple[str, str, str, bytes | None, dict[str, str], int]  # kind, method, path, body, headers, user


def request_mix(tokens: list[str]) -> Callable[[random.Random], Request]:
    def pick(rng: random.Random) -> Request:
        user = rng.randrange(len(tokens))
        auth = {"Authorization": f"Bearer {tokens[user]}"}
        r = rng.random()
        if r < 0.10:
            return "health", "GET", "/health", None, {}, user
        if r < 0.95:
            return "list", "GET", "/api/v1/tasks", None, auth, user
        body = json.dumps({"title": f"load {rng.getrandbits(32):08x}"}).encode()
        return "create", "POST", "/api/v1/tasks", body, {**auth, "Content-Type": "application/json"}, user

    return pick


class Load:
    """``threads`` closed-loop clients against 127.0.0.1:``port`` until stopped, ``seconds`` pass or
    ``max_requests`` are sent, whichever comes first. Each thread is its own client address."""

    def __init__(self, port: int, pick: Callable[[random.Random], Request], *, threads: int = 12,
                 seconds: float = 60.0, max_requests: int = 1_000_000, timeout: float = 30.0) -> None:
        self.port, self.pick, self.threads, self.timeout = port, pick, threads, timeout
        self.seconds, self.max_requests = seconds, max_requests
        self.samples: list[Sample] = []
        self._sent = itertools.count()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self._lock = threading.Lock()

    def _run(self, n: int, deadline: float) -> None:
        rng = random.Random(n)
        forwarded = {"X-Forwarded-For": f"192.0.2.{n + 1}"}
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        out: list[Sample] = []
        try:
            while not self._stop.is_set() and time.monotonic() < deadline and next(self._sent) < self.max_requests:
                kind, method, path, body, headers, user = self.pick(rng)
                start = time.monotonic()
                try:
                    conn.request(method, path, body=body, headers={**headers, **forwarded})
                    answer = conn.getresponse()
                    answer.read()
                    status, decided = answer.status, answer.getheader("RateLimit") is not None
                except (OSError, http.client.HTTPException):
                    status, decided = 0, False
                    conn.close()  # the next request opens a new connection
                out.append(Sample(start, time.monotonic(), status, kind, user, decided))
        finally:
            conn.close()
            with self._lock:
                self.samples.extend(out)

    def __enter__(self) -> Load:
        deadline = time.monotonic() + self.seconds
        self._workers = [threading.Thread(target=self._run, args=(n, deadline), daemon=True)
                         for n in range(self.threads)]
        for worker in self._workers:
            worker.start()
        return self

    def wait(self) -> None:
        for worker in self._workers:
            worker.join()

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.wait()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- the servers ---------------------------------------------------------------------------------------
@dataclass
class Target:
    """One application under gunicorn, with the users the load logs in as."""

    name: str
    server: ServerProcess
    tokens: list[str] = field(default_factory=list)
    acknowledged: Counter[int] = field(default_factory=Counter)  # tasks created (201) per user
    refresh: str = ""  # user 0's current refresh token (Task API)
    revoked: str = ""  # an access token revoked by logout (Task API)
    state_url: str = ""

    @property
    def port(self) -> int:
        return self.server.port

    def client(self, timeout: float = 10.0) -> httpx.Client:
        return httpx.Client(base_url=self.server.base_url, timeout=timeout, trust_env=False)

    def workers(self) -> list[int]:
        return _children(self.server.pid or 0)


def _gunicorn(workers: int, app: str, chdir: Path) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "--no-control-socket", "-w", str(workers),
            "-b", "127.0.0.1:{port}", "--chdir", str(chdir), app]


@contextlib.contextmanager
def bare_flask(tmp: Path, workers: int = 4) -> Iterator[Target]:
    tokens = [secrets.token_urlsafe(32) for _ in range(USERS)]
    env = {"BARE_DB": f"sqlite:///{tmp / 'bare.db'}", "BARE_TOKENS": ",".join(tokens),
           "PYTHONPATH": os.pathsep.join([str(EXAMPLES), str(ROOT / "src")])}
    server = ServerProcess("bare-flask", _gunicorn(workers, "_bare_flask:app", ROOT / "benchmarks"), cwd=ROOT,
                           env=env, log_path=tmp / "bare-flask.log")
    with server:
        target = Target("bare Flask", server, tokens)
        _seed(target)
        yield target


@contextlib.contextmanager
def taskapi(tmp: Path, state_url: str, label: str, workers: int = 4) -> Iterator[Target]:
    data = tmp / f"taskapi-{label}"
    data.mkdir(parents=True, exist_ok=True)
    env = {"TASKAPI_ENV": "demo", "TASKAPI_DATA_DIR": str(data), "TASKAPI_OUTBOX": str(data / "outbox.jsonl"),
           "TASKAPI_JWT_SECRET": secrets.token_urlsafe(48), "DATABASE_URL": f"sqlite:///{data / 'taskapi.db'}",
           "TASKAPI_STATE_URL": state_url, "TASKAPI_TRUSTED_PROXIES": "127.0.0.1/32",
           "TASKAPI_RATE_LIMIT": "1000000/minute"}
    server = ServerProcess(f"taskapi-{label}", _gunicorn(workers, "taskapi.wsgi:app", EXAMPLES), cwd=EXAMPLES,
                           env=env, log_path=tmp / f"taskapi-{label}.log")
    with server:
        target = Target(f"Task API ({label} state)", server, state_url=state_url)
        _provision(target, data / "outbox.jsonl")
        _seed(target)
        yield target


def _address() -> str:
    return "10." + ".".join(str(b) for b in secrets.token_bytes(3))


def _provision(target: Target, outbox: Path) -> None:
    """USERS verified accounts, each logged in once; one more session of user 0 logged out (its access token
    is revoked); user 0's refresh token kept for the refresh check."""
    auth = "/api/v1/auth"
    with target.client(30.0) as c:
        names = []
        for _ in range(USERS):
            name = "load" + secrets.token_hex(4)
            body = {"username": name, "email": f"{name}@example.test", "password": PASSWORD}
            assert c.post(f"{auth}/register", json=body, headers={"X-Forwarded-For": _address()}).status_code == 201
            token = read_outbox(outbox, body["email"], time.monotonic() + 15)
            assert c.post(f"{auth}/verify", json={"token": token}).status_code == 200
            names.append(name)

        def login(name: str) -> dict[str, Any]:
            r = c.post(f"{auth}/login", json={"username": name, "password": PASSWORD},
                       headers={"X-Forwarded-For": _address()})
            assert r.status_code == 200, r.text
            return dict(r.json())

        sessions = [login(name) for name in names]
        target.tokens = [s["access_token"] for s in sessions]
        target.refresh = sessions[0]["refresh_token"]
        extra = login(names[0])
        out = c.post(f"{auth}/logout", json={"refresh_token": extra["refresh_token"]},
                     headers={"Authorization": f"Bearer {extra['access_token']}"})
        assert out.status_code == 204, out.text
        target.revoked = extra["access_token"]


def _seed(target: Target) -> None:
    with target.client() as c:
        for user, token in enumerate(target.tokens):
            for i in range(SEED_TASKS):
                r = c.post("/api/v1/tasks", json={"title": f"seed {i}"}, headers={"Authorization": f"Bearer {token}"})
                assert r.status_code == 201, r.text
                target.acknowledged[user] += 1


# --- throughput and CPU per request --------------------------------------------------------------------
@dataclass
class Throughput:
    name: str
    requests: int
    seconds: float
    p50: float
    p99: float
    cpu_us: float
    client_cpu_us: float
    statuses: Counter[int]
    store_cpu_us: float | None = None  # the Redis server's CPU per request
    undecided: int = 0  # 2xx answers without a rate-limit decision (failed open; bare Flask: all)

    def line(self) -> str:
        codes = ", ".join(f"{k or 'conn'}: {v}" for k, v in sorted(self.statuses.items()))
        if self.undecided and not self.name.startswith("bare"):
            codes += f"; failed open: {self.undecided}"
        store = "" if self.store_cpu_us is None else f" + Redis {self.store_cpu_us:3.0f}"
        return (f"        {self.name:<26} {self.requests / self.seconds:>5.0f} req/s  p50 {self.p50 * 1000:5.1f} ms  "
                f"p99 {self.p99 * 1000:5.1f} ms  server CPU {self.cpu_us:5.0f}{store} µs/req  "
                f"(load client {self.client_cpu_us:3.0f})  {codes}")


def throughput(target: Target, seconds: float, threads: int, max_requests: int,
               store_pid: int | None = None) -> Throughput:
    """One measured phase after a short warm-up; ``store_pid``: a store server whose CPU is reported too."""
    pick = request_mix(target.tokens)
    with Load(target.port, pick, threads=threads, seconds=min(1.0, seconds / 5)) as warm:
        warm.wait()
    store_before = _cpu(store_pid) if store_pid else None
    before, client_before, start = group_cpu(target.server.pid or 0), time.process_time(), time.monotonic()
    with Load(target.port, pick, threads=threads, seconds=seconds, max_requests=max_requests) as load:
        load.wait()
    elapsed = time.monotonic() - start
    cpu, client_cpu = cpu_between(before, group_cpu(target.server.pid or 0)), time.process_time() - client_before
    store_after = _cpu(store_pid) if store_pid else None
    store_cpu = (store_after - store_before) if store_after is not None and store_before is not None else None
    for s in (*warm.samples, *load.samples):
        if s.kind == "create" and s.status == 201:
            target.acknowledged[s.user] += 1
    n = max(1, len(load.samples))
    latencies = [s.end - s.start for s in load.samples]
    return Throughput(target.name, len(load.samples), elapsed, percentile(latencies, 0.5),
                      percentile(latencies, 0.99), cpu / n * 1e6, client_cpu / n * 1e6,
                      Counter(s.status for s in load.samples), None if store_cpu is None else store_cpu / n * 1e6,
                      sum(1 for s in load.samples if 200 <= s.status < 300 and not s.decided))


# --- state that must survive a fault -------------------------------------------------------------------
MAX_GUESSES = 5  # LoginThrottle's failures per account per window, as the Task API configures it


def _login_status(target: Target, c: httpx.Client, name: str) -> int:
    return c.post("/api/v1/auth/login", json={"username": name, "password": "not the password"},
                  headers={"X-Forwarded-For": _address()}).status_code


def plant_lockout(target: Target) -> str:
    """An account name locked by failed logins (from as many addresses): refused with 429 from now on."""
    name = "locked" + secrets.token_hex(4)
    with target.client(30.0) as c:
        statuses = [_login_status(target, c, name) for _ in range(MAX_GUESSES + 1)]
    assert statuses == [401] * MAX_GUESSES + [429], statuses
    return name


def survived(target: Target, locked: str) -> dict[str, bool]:
    """What the Task API still knows after a fault (checked once, after the recovery window)."""
    with target.client(30.0) as c:
        revoked = c.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {target.revoked}"}).status_code
        lockout = _login_status(target, c, locked)
        refreshed = c.post("/api/v1/auth/refresh", json={"refresh_token": target.refresh},
                           headers={"X-Forwarded-For": _address()})
        if refreshed.status_code == 200:
            target.refresh = refreshed.json()["refresh_token"]
        stored = True
        for user, token in enumerate(target.tokens):
            r = c.get("/api/v1/tasks", params={"per_page": 1}, headers={"Authorization": f"Bearer {token}"})
            stored = stored and r.status_code == 200 and r.json()["total"] >= target.acknowledged[user]
    return {"revoked token refused": revoked == 401, "lockout kept": lockout == 429,
            "refresh family kept": refreshed.status_code == 200, "acknowledged tasks all there": stored}


# --- faults --------------------------------------------------------------------------------------------
@dataclass
class Fault:
    name: str
    inject: Callable[[], None]
    heal: Callable[[], None]
    hold: bool = True  # False: a one-off event (kill -9), "back" is measured from the event itself
    hold_at_least: float = 0.0  # a fault that needs longer than the suite's hold to show its effect
    side: Callable[[], dict[str, Any]] | None = None  # extra figures printed with the phase


@dataclass
class FaultResult:
    name: str
    requests: int
    statuses: Counter[int]
    worst: float
    worst_kind: str  # the slowest request: its kind and status
    worst_open: float | None  # worst latency once every worker's breaker was open (store hangs only)
    back_after: float | None  # seconds from the heal until every request succeeds again; None: never
    state: dict[str, bool]
    extra: dict[str, Any]
    undecided: int = 0  # 2xx answers without a rate-limit decision (the limiter failed open)

    @property
    def errors_500(self) -> int:
        return sum(v for k, v in self.statuses.items() if k >= 500 and k != 503)

    def line(self) -> str:
        codes = ", ".join(f"{k or 'conn'}: {v}" for k, v in sorted(self.statuses.items()))
        codes += f"; failed open: {self.undecided}" if self.undecided else ""
        back = "never" if self.back_after is None else f"{self.back_after:.2f} s"
        opened = "" if self.worst_open is None else f", once breakers open {self.worst_open * 1000:.0f} ms"
        kept = ", ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in self.state.items())
        extra = "".join(f"\n      {k}: {v}" for k, v in self.extra.items())
        return (f"  {self.name:<26} {self.requests:>6} requests [{codes}]; 5xx other than 503: {self.errors_500}, "
                f"503: {self.statuses[503]}\n      worst latency {self.worst * 1000:.0f} ms ({self.worst_kind})"
                f"{opened}; back {back} after the fault ended; {kept}{extra}")


_OPEN = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) .*\"event\": \"store\.circuit_open\"", re.M)


def _breakers_open(log: Path, since_wall: float) -> float | None:
    """Wall-clock time at which the last worker logged ``store.circuit_open`` after ``since_wall``."""
    times = [datetime.strptime(m[1], "%Y-%m-%d %H:%M:%S").timestamp() + int(m[2]) / 1000
             for m in _OPEN.finditer(log.read_text(errors="replace"))]
    times = [t for t in times if t >= since_wall - 0.01]
    return max(times) if times else None


def run_fault(target: Target, fault: Fault, *, before: float, hold: float, after: float,
              threads: int) -> FaultResult:
    locked = plant_lockout(target)
    time.sleep(1.1)  # Redis AOF is synced every second: the lockout is on disk before the fault
    hold = max(hold, fault.hold_at_least)
    wall_offset = time.time() - time.monotonic()
    pick = request_mix(target.tokens)
    with Load(target.port, pick, threads=threads, seconds=before + hold + after + 60) as load:
        time.sleep(before)
        start = time.monotonic()
        fault.inject()
        if fault.hold:
            time.sleep(hold)
        fault.heal()
        healed = time.monotonic()
        time.sleep(after)
    samples = sorted(load.samples, key=lambda s: s.start)
    for s in samples:
        if s.kind == "create" and s.status == 201:
            target.acknowledged[s.user] += 1
    window = [s for s in samples if s.end >= start]
    slowest = max(window, key=lambda s: s.end - s.start, default=None)
    worst = 0.0 if slowest is None else slowest.end - slowest.start
    worst_kind = "" if slowest is None else f"{slowest.kind} {slowest.status or 'conn'}"
    worst_open = None
    if fault.hold and "hung" in fault.name:
        opened = _breakers_open(target.server.log_path, start + wall_offset)
        since = (opened - wall_offset) if opened is not None else start + 1.0
        worst_open = max((s.end - s.start for s in samples if since <= s.start < healed), default=0.0)
    failed = [s for s in samples if s.start >= healed and not 200 <= s.status < 300]
    last_failure = max((s.start for s in failed), default=healed)
    back = min((s.end for s in samples if s.start >= last_failure and 200 <= s.status < 300), default=None)
    extra = fault.side() if fault.side else {}
    return FaultResult(fault.name, len(samples), Counter(s.status for s in samples), worst, worst_kind, worst_open,
                       None if back is None else max(0.0, back - healed), survived(target, locked), extra,
                       sum(1 for s in samples if 200 <= s.status < 300 and not s.decided))


class Spray:
    """Clients that each present a new address (trusted ``X-Forwarded-For``) and an invalid bearer token: every
    request leaves rate-limit state for a key never seen again (and would leave a penalty-box violation, but the
    Task API records none: tests/examples/test_taskapi_penalties.py)."""

    def __init__(self, target: Target, threads: int = 2) -> None:
        self.target, self.threads = target, threads
        self.statuses: Counter[int] = Counter()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []

    def _run(self, n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.target.port, timeout=30)
        seen: Counter[int] = Counter()
        for i in itertools.count():
            if self._stop.is_set():
                break
            address = f"10.{100 + n}.{i >> 8 & 255}.{i & 255}" if i < 65536 else _address()
            try:
                conn.request("GET", "/api/v1/tasks", headers={"X-Forwarded-For": address,
                                                               "Authorization": "Bearer sprayed"})
                answer = conn.getresponse()
                answer.read()
                seen[answer.status] += 1
            except (OSError, http.client.HTTPException):
                seen[0] += 1
                conn.close()
        conn.close()
        self.statuses.update(seen)

    def start(self) -> None:
        self._workers = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(self.threads)]
        for w in self._workers:
            w.start()

    def stop(self) -> None:
        self._stop.set()
        for w in self._workers:
            w.join()


def stop_servers_on_sigterm() -> None:
    """Make a ``kill`` (SIGTERM) of a benchmark stop the servers it started.

    Python's default for SIGTERM ends the process at once, skipping the ``finally`` blocks and context managers
    that stop gunicorn and redis-server, which then keep their ports and cores. As ``SystemExit`` the signal
    unwinds the stack like Ctrl-C does, so every server started in a ``with`` or ``try`` is stopped.
    """

    def _exit(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)


class RedisProcess:
    """A redis-server on a free loopback port with AOF (everysec) in its own directory, as in production."""

    def __init__(self, workdir: str) -> None:
        binary = os.environ.get("APISHIELD_REDIS_SERVER_BIN") or shutil.which("redis-server")
        if not binary:
            raise SystemExit("redis-server not found")
        self.binary, self.workdir = binary, workdir
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def socket_path(self) -> str:
        return os.path.join(self.workdir, "redis.sock")

    @property
    def unix_url(self) -> str:
        """The same server over its Unix socket."""
        return f"unix://{self.socket_path}?db=0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.workdir, "--save", "",
             "--appendonly", "yes", "--appendfsync", "everysec", "--loglevel", "warning",
             # the same server on a Unix socket too, where its path fits (sun_path: 107 bytes)
             *(["--unixsocket", self.socket_path, "--unixsocketperm", "700"] if len(self.socket_path) < 100 else [])],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.02)  # waiting for a real server to listen
        raise SystemExit("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)


def store_size(state_url: str) -> tuple[int, int]:
    """(entries, entries without an expiry) in a Task API state store: Redis keys, or SQLite rows."""
    if state_url.startswith("redis://"):
        import redis

        client = redis.Redis.from_url(state_url)
        try:
            keys = list(client.scan_iter(count=1000))
            pipe = client.pipeline(transaction=False)
            for key in keys:
                pipe.pttl(key)
            return len(keys), sum(1 for ttl in pipe.execute() if ttl == -1)
        finally:
            client.close()
    db = sqlite3.connect(state_url.removeprefix("sqlite:///"), timeout=30)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return sum(db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables), -1
    finally:
        db.close()


# --- the suites ----------------------------------------------------------------------------------------
@dataclass
class Timing:
    seconds: float = 10.0  # one throughput round
    rounds: int = 3
    before: float = 2.0  # normal load before a fault
    hold: float = 8.0  # how long a fault lasts
    after: float = 8.0  # load after the fault ended (recovery is measured here)
    threads: int = 12
    sqlite_spray: bool = True  # the spray phase on SQLite state too (the short version sprays Redis only)


SHORT = Timing(seconds=4.0, rounds=2, before=1.0, hold=3.0, after=5.0, threads=8, sqlite_spray=False)


def bench(tmp: Path, timing: Timing, max_requests: int = 200_000) -> list[list[Throughput]]:
    """Bare Flask, the Task API on SQLite state and on Redis state, all started, then measured in turn for
    ``timing.rounds`` rounds (so that a change in the machine's load hits every target alike): one list of
    the three per round."""
    with contextlib.ExitStack() as stack:
        redis_server = RedisProcess(str(tmp))
        redis_server.start()
        stack.callback(redis_server.stop)
        targets = [stack.enter_context(bare_flask(tmp)),
                   stack.enter_context(taskapi(tmp, f"sqlite:///{tmp / 'state.db'}", "sqlite")),
                   stack.enter_context(taskapi(tmp, redis_server.url, "redis"))]
        extra = {targets[2].name: redis_server.proc.pid if redis_server.proc else 0}
        rounds: list[list[Throughput]] = []
        for n in range(timing.rounds):
            rounds.append([])
            for target in targets:
                result = throughput(target, timing.seconds, timing.threads, max_requests, extra.get(target.name))
                print(f"  round {n + 1} " + result.line()[8:], flush=True)
                rounds[-1].append(result)
        return rounds


def _spray_fault(target: Target) -> Fault:
    spray = Spray(target)
    sizes: dict[str, Any] = {}

    def inject() -> None:
        sizes["before"] = store_size(target.state_url)
        spray.start()

    def heal() -> None:
        spray.stop()

    def side() -> dict[str, Any]:
        (n0, forever0), (n1, forever1) = sizes["before"], store_size(target.state_url)
        codes = ", ".join(f"{k or 'conn'}: {v}" for k, v in sorted(spray.statuses.items()))
        kept = "" if forever0 < 0 else f"; entries without an expiry {forever0} → {forever1}"
        return {"sprayed": f"{sum(spray.statuses.values())} requests from distinct addresses [{codes}]",
                "store": f"entries {n0} → {n1}{kept}"}

    return Fault("client sprays distinct keys", inject, heal, side=side)


def chaos(tmp: Path, timing: Timing) -> list[FaultResult]:
    """Fault phases under load: the Task API on Redis state (worker kill -9, Redis stopped, Redis hung, a
    spray of distinct clients), then on SQLite state (the state file's lock held by another process)."""
    results: list[FaultResult] = []
    phase = {"before": timing.before, "hold": timing.hold, "after": timing.after, "threads": timing.threads}
    redis_server = RedisProcess(str(tmp))
    redis_server.start()
    try:
        with taskapi(tmp, redis_server.url, "redis") as target:
            def kill_worker() -> None:
                os.kill(random.choice(target.workers()), signal.SIGKILL)

            faults = [
                Fault("worker kill -9", kill_worker, lambda: None, hold=False),
                Fault("Redis stopped", redis_server.stop, redis_server.start),
                # a request hangs up to 2 x socket_timeout (2 s) before the breakers open: hold it longer
                Fault("Redis hung (SIGSTOP)", lambda: redis_server.signal(signal.SIGSTOP),
                      lambda: redis_server.signal(signal.SIGCONT), hold_at_least=6.0),
                _spray_fault(target),
            ]
            for fault in faults:
                results.append(run_fault(target, fault, **phase))
                print(results[-1].line(), flush=True)
    finally:
        redis_server.stop()
    state = tmp / "state-chaos.db"
    with taskapi(tmp, f"sqlite:///{state}", "sqlite") as target:
        holder: list[sqlite3.Connection] = []

        def lock() -> None:
            conn = sqlite3.connect(state, isolation_level=None, timeout=30)
            conn.execute("BEGIN EXCLUSIVE")  # another process holds the state file's write lock
            holder.append(conn)

        def unlock() -> None:
            conn = holder.pop()
            conn.execute("ROLLBACK")
            conn.close()

        faults = [Fault("SQLite lock held", lock, unlock)] + ([_spray_fault(target)] if timing.sqlite_spray else [])
        for fault in faults:
            results.append(run_fault(target, fault, **phase))
            print(results[-1].line(), flush=True)
    return results


def missed_targets(results: list[FaultResult]) -> list[str]:
    """The issue's must-shows: no 500; back within 5 s; nothing stored lost; under 1.5 s while Redis hangs
    once the breakers are open."""
    missed = []
    for r in results:
        if r.errors_500:
            missed.append(f"{r.name}: {r.errors_500} answers 5xx other than 503")
        if r.back_after is None or r.back_after > 5.0:
            missed.append(f"{r.name}: not back within 5 s")
        missed += [f"{r.name}: {what} lost" for what, ok in r.state.items() if not ok]
        if r.worst_open is not None and r.worst_open > 1.5:
            missed.append(f"{r.name}: {r.worst_open:.2f} s once the breakers were open")
    return missed
