"""Redis clients from store URLs: one server, a Redis Cluster, or a master watched by Redis Sentinel.

==============================================  ==============================================================
URL                                             client
==============================================  ==============================================================
``redis://[user:pass@]host:port/db``            ``redis.Redis`` (``rediss://``: TLS)
``redis+cluster://[user:pass@]h1:p1,h2:p2``     ``redis.cluster.RedisCluster`` seeded with every listed node;
                                                the topology is discovered from them (``rediss+cluster://``: TLS)
``redis+sentinel://[user:pass@]s1:p1,s2:p2/svc``  the master of service ``svc`` as named by the sentinels
                                                (``/svc/db`` selects a database; ``rediss+sentinel://``: TLS to
                                                the master and the sentinels)
==============================================  ==============================================================

The user name and password in the URL authenticate to the data nodes (cluster nodes, the sentinel-managed
master). Sentinels that need their own password take ``sentinel_kwargs={"password": ...}``. Query parameters
are not interpreted; pass redis-py options as keyword arguments of :func:`~apishield.stores.from_url`.
Replicas are never used: every decision reads and writes the master that owns the key.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote

from apishield import events
from apishield.errors import ConfigError
from apishield.stores.base import redact_url

Kind = Literal["single", "cluster", "sentinel"]
_KINDS: dict[str, tuple[Kind, bool]] = {
    "redis": ("single", False),
    "unix": ("single", False),
    "rediss": ("single", True),
    "redis+cluster": ("cluster", False),
    "rediss+cluster": ("cluster", True),
    "redis+sentinel": ("sentinel", False),
    "rediss+sentinel": ("sentinel", True),
}


@dataclass(frozen=True)
class RedisURL:
    """The parts of a multi-host Redis URL."""

    kind: Kind
    tls: bool
    hosts: tuple[tuple[str, int], ...]
    username: str | None
    password: str | None
    service: str | None
    db: int


def kind_of(url: str) -> Kind:
    """``single``, ``cluster`` or ``sentinel`` for a Redis store URL (``ConfigError`` for anything else)."""
    scheme = url.partition("://")[0].lower()
    if scheme not in _KINDS:
        raise ConfigError(f"store URL {redact_url(url)!r}: not a Redis URL")
    return _KINDS[scheme][0]


def _host_port(item: str, url: str) -> tuple[str, int]:
    host, sep, port = item.rpartition(":")
    if not sep:
        host, port = item, ""
    host = host.strip("[]")
    try:
        number = int(port) if port else (26379 if "sentinel" in url.partition("://")[0] else 6379)
    except ValueError:
        number = -1
    if not host or not 0 < number < 65536:
        raise ConfigError(f"store URL {redact_url(url)!r}: {item!r} is not host:port")
    return host, number


def parse_multi_host(url: str) -> RedisURL:
    """Split ``redis+cluster://`` / ``redis+sentinel://`` URLs (several ``host:port`` separated by commas)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in _KINDS:
        raise ConfigError(f"store URL {redact_url(url)!r}: not a Redis URL")
    kind, tls = _KINDS[scheme.lower()]
    rest = rest.partition("?")[0].partition("#")[0]
    userinfo, at, hostpart = rest.rpartition("@")
    if not at:
        userinfo, hostpart = "", rest
    netloc, _, path = hostpart.partition("/")
    username: str | None = None
    password: str | None = None
    if userinfo:
        user, colon, secret = userinfo.partition(":")
        username, password = (unquote(user) or None, unquote(secret)) if colon else (None, unquote(user))
    hosts = tuple(_host_port(item, url) for item in netloc.split(",") if item)
    if not hosts:
        raise ConfigError(f"store URL {redact_url(url)!r}: list at least one host:port")
    segments = [s for s in path.split("/") if s]
    service: str | None = None
    db = 0
    if kind == "sentinel":
        if not segments:
            raise ConfigError(f"store URL {redact_url(url)!r}: name the service: redis+sentinel://h:p,h:p/service")
        service = unquote(segments.pop(0))
    if segments:
        if kind == "cluster" or len(segments) > 1 or not segments[0].isdigit():
            raise ConfigError(f"store URL {redact_url(url)!r}: unexpected path /{'/'.join(segments)}")
        db = int(segments[0])
    return RedisURL(kind, tls, hosts, username, password, service, db)


def build_client(url: str, timeouts: dict[str, Any], options: dict[str, Any]) -> Any:
    """A redis-py client for ``url`` with ``decode_responses=True``; a cluster client connects here."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    kind = kind_of(url)
    if kind == "single":
        # one quick retry: a pooled connection may predate a restart
        return redis.Redis.from_url(url, decode_responses=True, retry=Retry(NoBackoff(), 1), **timeouts, **options)
    parts = parse_multi_host(url)
    auth: dict[str, Any] = {"username": parts.username, "password": parts.password}
    tls: dict[str, Any] = {"ssl": True} if parts.tls else {}
    if kind == "cluster":
        from redis.cluster import ClusterNode as _ClusterNode
        from redis.cluster import RedisCluster

        node_class: Any = _ClusterNode  # untyped in redis-py

        return RedisCluster(
            startup_nodes=[node_class(host, port) for host, port in parts.hosts],
            decode_responses=True,
            retry=Retry(NoBackoff(), 1),
            **auth,
            **tls,
            **timeouts,
            **options,
        )
    from redis.sentinel import Sentinel as _Sentinel

    sentinel_class: Any = _Sentinel  # untyped in redis-py
    # no backoff between attempts: the sentinels are asked in turn, and a dead one must cost one timeout
    sentinel_kwargs = {"retry": Retry(NoBackoff(), 0), **tls, **timeouts, **options.pop("sentinel_kwargs", {})}
    sentinel: Any = sentinel_class(list(parts.hosts), sentinel_kwargs=sentinel_kwargs, **timeouts)
    return sentinel.master_for(
        str(parts.service),
        decode_responses=True,
        db=parts.db,
        retry=Retry(NoBackoff(), 1),
        **auth,
        **tls,
        **timeouts,
        **options,
    )


def report_durability(store: str, nodes: Sequence[Any]) -> None:
    """Log ``store.not_durable`` when a master of ``nodes`` (redis-py clients) would lose everything on a restart
    (no AOF, no snapshots) or recent writes (no AOF). Redis errors go up: managed services often refuse
    ``CONFIG``, and then the caller says nothing."""
    settings = [(n.config_get("appendonly").get("appendonly"), n.config_get("save").get("save")) for n in nodes]
    if all(aof == "yes" for aof, _ in settings):
        return
    nothing = any(aof != "yes" and not save for aof, save in settings)
    events.emit(
        "store.not_durable",
        level=logging.WARNING,
        store=store,
        appendonly=",".join(str(aof) for aof, _ in settings),
        save=",".join(str(save) for _, save in settings),
        lost=(
            "everything: revocations, API keys, OAuth clients, sessions, bans, lockouts and counters"
            if nothing
            else "writes since the last snapshot (revocations, bans, lockouts among them)"
        )
        + " on a restart; enable AOF (appendonly yes, appendfsync everysec)",
    )


__all__ = ["Kind", "RedisURL", "build_client", "kind_of", "parse_multi_host", "report_durability"]
