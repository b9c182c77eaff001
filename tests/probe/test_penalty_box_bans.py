"""A target with a penalty box (bans an address after a few failing credentials, on every route, for longer than the
probe waits): the checks that need working access run before the ones that send failing credentials, and a ban is
told apart from one tightly limited route — one note with the Retry-After seen, one reason for the units it cost."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from apishield.probe.bans import MIN_ANSWERS, BanWatch
from apishield.probe.client import Exchange
from tests.probe.loopback import Answer, loopback, probe_paths

GOOD = "Bearer good-token"
ROUTES = [f"/api/r{i}" for i in range(8)]
PATHS: dict[str, Any] = {
    path: {"get": {"security": [{"bearer": []}],
                   "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                   "responses": {"200": {"description": "ok"}}}}
    for path in ROUTES
}


def _target(ban_after: int | None, tight: str | None = None) -> Any:
    """Protected JSON routes; ``ban_after`` failing credentials ban the client for 120 s on every route; ``tight``:
    one route that always answers 429 with a long Retry-After (a tight limit of its own, not a ban)."""
    lock = threading.Lock()
    state = {"violations": 0}

    def app(method: str, raw: str, headers: dict[str, str], body: bytes) -> Answer:
        path = urlsplit(raw).path
        auth = {k.lower(): v for k, v in headers.items()}.get("authorization")
        with lock:
            if ban_after is not None and state["violations"] >= ban_after:
                return 429, {"Retry-After": "120"}, {"detail": "banned"}
            if path == tight:
                return 429, {"Retry-After": "120"}, {"detail": "slow down"}
            if path not in ROUTES:
                return 404, {}, {"detail": "not found"}
            if auth != GOOD:
                if auth:
                    state["violations"] += 1
                return 401, {"WWW-Authenticate": "Bearer"}, {"detail": "unauthorized"}
        return 200, {"Cache-Control": "no-store"}, {"items": [], "path": path}

    return app


def _probe(tmp_path: Path, app: Any) -> Any:
    with loopback(app) as url:
        return probe_paths(tmp_path, url, PATHS, ("injection", "authn", "jwt", "ratelimit"),
                           auth=(f"alice=Authorization:{GOOD}",))


def test_a_ban_after_failing_credentials_leaves_earlier_checks_tested_and_is_named_once(tmp_path: Path) -> None:
    result = _probe(tmp_path, _target(ban_after=5))
    checks = result.coverage["checks"]
    assert checks["injection"]["ran"] == len(ROUTES) and checks["injection"]["inconclusive"] == 0
    banned = [n for n in result.notes if n.startswith("banned:")]
    assert len(banned) == 1 and "Retry-After of up to 120 s" in banned[0] and "'authn'" in banned[0]
    assert set(checks["authn"]["reasons"]) == {"the client was banned (see the note 'banned')"}


def test_one_tightly_limited_route_is_no_ban(tmp_path: Path) -> None:
    result = _probe(tmp_path, _target(ban_after=None, tight=ROUTES[0]))
    assert not [n for n in result.notes if n.startswith("banned:")]
    assert all("banned" not in r for row in result.coverage["checks"].values() for r in row["reasons"])
    assert result.coverage["checks"]["authn"]["ran"] >= len(ROUTES) - 1


def _ex(seq: int, path: str, status: int, retry_after: str | None = "120") -> Exchange:
    headers = (("Retry-After", retry_after),) if retry_after is not None else ()
    return Exchange(seq=seq, check="authn", identity="alice", method="GET", url=f"http://t{path}",
                    request_headers=(), request_body=b"", status=status, response_headers=headers)


def test_ban_watch_needs_many_paths_no_answer_between_and_a_wait_beyond_the_limit() -> None:
    paths = [f"/p{i % 4}" for i in range(MIN_ANSWERS)]
    watch = BanWatch()
    for seq, path in enumerate(paths, 1):
        watch.observe(_ex(seq, path, 429), may_wait=30)
    assert len(watch.episodes) == 1 and watch.banned(1) and watch.banned(MIN_ANSWERS)
    watch.observe(_ex(99, "/p0", 200, None), may_wait=30)
    watch.observe(_ex(100, "/p1", 429), may_wait=30)
    assert not watch.banned(100)  # the ban ended with the 200
    for quiet in ([(p, 429, "10") for p in paths],                              # a wait the probe may take
                  [("/same", 429, "120")] * (MIN_ANSWERS * 2),                 # one route only
                  [(p, 429 if i % 3 else 200, "120") for i, p in enumerate(paths * 3)]):  # answers between
        watch = BanWatch()
        for seq, (path, status, after) in enumerate(quiet, 1):
            watch.observe(_ex(seq, path, status, after), may_wait=30)
        assert watch.episodes == []
