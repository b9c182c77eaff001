"""Real Redis topologies for failover tests: a 3-master + 3-replica cluster, a master + replica + 3 sentinels.

Each server runs on free loopback ports in a temporary directory and is killed when the topology stops.
The shared topologies of the whole run come from scripts/with-services.sh; these are private ones that a
test may break (kill a master) without disturbing other tests.
"""

from __future__ import annotations

import random
import signal
import socket
import subprocess
import time
from pathlib import Path

import redis

from ..conftest import free_port


def free_cluster_port() -> int:
    """A port <= 55535 whose cluster-bus port (port + 10000) is free too."""
    while True:
        port = random.randint(20000, 55535)
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 10000))
        except OSError:
            continue
        return port


def wait_until(check: object, timeout: float, what: str) -> None:
    """Poll ``check()`` (a real server's state, not time logic) until it is true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except (redis.RedisError, OSError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


class Topology:
    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary, self.workdir = binary, workdir
        self.procs: dict[int, subprocess.Popen[bytes]] = {}

    def start_server(self, port: int, *args: str) -> None:
        directory = self.workdir / str(port)
        directory.mkdir(parents=True, exist_ok=True)
        self.procs[port] = subprocess.Popen(
            [self.binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(directory), "--loglevel", "warning", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start_sentinel(self, port: int, master_port: int) -> None:
        directory = self.workdir / f"sentinel-{port}"
        directory.mkdir(parents=True, exist_ok=True)
        conf = directory / "sentinel.conf"
        conf.write_text(
            f"port {port}\nbind 127.0.0.1\ndir {directory}\n"
            f"sentinel monitor apishield 127.0.0.1 {master_port} 2\n"
            "sentinel down-after-milliseconds apishield 1000\nsentinel failover-timeout apishield 5000\n"
        )
        self.procs[port] = subprocess.Popen(
            [self.binary, str(conf), "--sentinel", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def ping(self, port: int) -> None:
        client = redis.Redis(port=port, socket_connect_timeout=0.2, socket_timeout=1)
        try:
            wait_until(client.ping, 10, f"redis-server on port {port}")
        finally:
            client.close()

    def kill(self, port: int) -> None:
        """SIGKILL: the way a crashed host goes, nothing flushed, no goodbye to its peers."""
        proc = self.procs.pop(port)
        proc.kill()
        proc.wait(10)

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.kill()
        for proc in self.procs.values():
            proc.wait(10)
        self.procs.clear()


class Cluster(Topology):
    """3 masters + 3 replicas, created with ``redis-cli --cluster create``; node timeout 1 s."""

    def start(self) -> None:
        self.ports = [free_cluster_port() for _ in range(6)]
        for port in self.ports:
            self.start_server(port, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                              "--cluster-node-timeout", "1000")
        for port in self.ports:
            self.ping(port)
        subprocess.run(
            ["redis-cli", "--cluster", "create", *[f"127.0.0.1:{p}" for p in self.ports],
             "--cluster-replicas", "1", "--cluster-yes"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60,
        )
        for port in self.ports:
            wait_until(lambda p=port: self.info(p)["cluster_state"] == "ok", 20, "cluster_state:ok")
        for port in self.ports:  # every replica in sync with its master before anything is killed
            wait_until(lambda p=port: self.replication(p) in ("master", "up"), 20, "replicas to sync")

    def replication(self, port: int) -> str:
        """"master", or a replica's master_link_status."""
        client = redis.Redis(port=port, decode_responses=True, socket_timeout=1)
        try:
            info = client.info("replication")
        finally:
            client.close()
        return "master" if info["role"] == "master" else str(info["master_link_status"])

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in self.ports)

    def info(self, port: int) -> dict[str, str]:
        client = redis.Redis(port=port, decode_responses=True, socket_timeout=1)
        try:
            text = client.execute_command("CLUSTER INFO")
        finally:
            client.close()
        if isinstance(text, dict):  # redis-py parses the reply
            return {str(k): str(v) for k, v in text.items()}
        return dict(line.split(":", 1) for line in str(text).split() if ":" in line)

    def master_of(self, key: str) -> int:
        """The port of the master that owns ``key``'s slot, as the cluster sees it now."""
        client = redis.Redis(port=next(iter(self.procs)), decode_responses=True, socket_timeout=1)
        try:
            slot = int(client.execute_command("CLUSTER KEYSLOT", key))
            for start, end, master, *_ in client.execute_command("CLUSTER SLOTS"):
                if int(start) <= slot <= int(end):
                    return int(master[1])
        finally:
            client.close()
        raise RuntimeError(f"slot of {key!r} is not covered")


class SentinelGroup(Topology):
    """A master and one replica watched by three sentinels (quorum 2, down after 1 s)."""

    def start(self) -> None:
        self.master, self.replica = free_port(), free_port()
        self.start_server(self.master)
        self.start_server(self.replica, "--replicaof", "127.0.0.1", str(self.master))
        self.ping(self.master)
        self.ping(self.replica)
        self.sentinels = [free_port() for _ in range(3)]
        for port in self.sentinels:
            self.start_sentinel(port, self.master)
        for port in self.sentinels:
            self.ping(port)
        replica = redis.Redis(port=self.replica, decode_responses=True)
        sentinel = redis.Redis(port=self.sentinels[0], decode_responses=True)
        try:
            wait_until(lambda: replica.info("replication")["master_link_status"] == "up", 20, "the replica to sync")
            wait_until(  # sentinels learn replicas from the master's INFO; a failover needs one
                lambda: all(
                    r["flags"] == "slave" for r in sentinel.execute_command("SENTINEL", "REPLICAS", "apishield")
                ) and len(sentinel.execute_command("SENTINEL", "REPLICAS", "apishield")) == 1,
                20,
                "the sentinels to know the replica",
            )
        finally:
            replica.close()
            sentinel.close()

    @property
    def url(self) -> str:
        return "redis+sentinel://" + ",".join(f"127.0.0.1:{p}" for p in self.sentinels) + "/apishield"


class RedisServer:
    def __init__(self, binary: str, port: int, workdir: Path) -> None:
        self.binary, self.port, self.workdir = binary, port, workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        try:
            for _ in range(100):
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    time.sleep(0.05)  # waiting for a real server to listen, not for time logic
            raise RuntimeError("redis-server did not start")
        finally:
            client.close()

    def pause(self) -> None:
        """SIGSTOP: the server keeps its sockets open but answers nothing (a hung Redis)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:  # still writing its files: nothing here needs them
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None
