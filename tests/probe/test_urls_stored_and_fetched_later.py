"""A URL the server stores and fetches later is server-side request forgery too: a webhook registered by one
request and called when another acts on it (``POST /hooks/{hook_id}/ping``), or fetched by some later request of
its own accord. The probe points such a URL at its run-long callback listener, calls the actions on the object the
write created, and reads the listener again at the run's end; a server that only stores the address, or stores it
and fetches something else, stays quiet."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest

from apishield.probe.engine import Context, ProbeOptions
from apishield.probe.targets import Operation, Param
from tests.probe.loopback import OK, Answer, findings_at, json_object, loopback, probe_paths

HOOK = {"type": "object", "properties": {"url": {"type": "string"}, "event": {"type": "string"}}}
PATHS: dict[str, Any] = {
    "/hooks": {"post": {"requestBody": {"content": {"application/json": {"schema": HOOK}}},
                        "responses": {"201": {"description": "registered"}}}},
    "/hooks/{hook_id}/ping": {"post": {"parameters": [
        {"name": "hook_id", "in": "path", "required": True, "schema": {"type": "integer"}}], "responses": OK}},
    "/digest": {"get": {"responses": OK}},
}


def _app(fetches: str) -> Any:
    """Webhooks: stored by ``POST /hooks``; ``fetches`` says when a stored URL is called — ``"ping"`` (when its
    hook is pinged), ``"digest"`` (every stored URL, when anyone reads the digest), ``"own"`` (the digest calls the
    app's own fixed address instead) or ``"never"``."""
    hooks: dict[int, str] = {}

    def call(url: str) -> str:
        if urlsplit(url).hostname not in ("127.0.0.1",):
            return "refused"
        try:
            with urlopen(url, timeout=2) as answer:  # the test's own loopback listener
                return str(answer.status)
        except OSError:
            return "failed"

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if route == "/hooks" and method == "POST":
            url = json_object(body).get("url")
            if not isinstance(url, str) or not url.startswith("http"):
                return 422, {}, {"error": "url required"}
            hooks[len(hooks) + 1] = url
            return 201, {}, {"hook": {"id": len(hooks), "url": url}}
        parts = route.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "hooks" and parts[2] == "ping" and method == "POST":
            url = hooks.get(int(parts[1])) if parts[1].isdigit() else None
            if url is None:
                return 404, {}, {"error": "no such hook"}
            return 200, {}, {"delivered": call(url) if fetches == "ping" else "queued"}
        if route == "/digest" and method == "GET":
            if fetches == "digest":
                return 200, {}, {"sent": [call(url) for url in list(hooks.values())]}
            return 200, {}, {"sent": []}
        return 404, {}, {"error": "not found"}
    return app


@pytest.mark.parametrize(("fetches", "how"), [("ping", "fetched when request"), ("digest", "fetched later"),
                                              ("own", None), ("never", None)])
def test_a_stored_url_fetched_later_is_forgery(tmp_path: Path, fetches: str, how: str | None) -> None:
    with loopback(_app(fetches)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("injection", "headers_errors"))  # the second reads the digest
    found = [f for f in result.findings if f.rule_id == "PR-SSRF-001"]
    assert (("PR-SSRF-001", "POST", "/hooks") in findings_at(result)) is (how is not None)
    if how is not None:
        assert any(how in f.message for f in found), [f.message for f in found]


def _op(method: str, path: str) -> Operation:
    return Operation(method, path, params=tuple(Param(part.strip("{}"), "path", True) for part in path.split("/")
                                                if part.startswith("{")))


def _ops(*ops: Operation) -> Context:
    return Context(None, list(ops), [], ProbeOptions(), lambda e, d: None)  # type: ignore[arg-type]


def test_the_actions_on_a_stored_object_are_its_kind_or_under_its_collection() -> None:
    from apishield.probe.checks.ssrf import _actions_on

    register = _op("POST", "/api/webhook/register")
    feeds = _op("POST", "/feeds")
    ctx = _ops(register, feeds,
               _op("POST", "/api/webhook/test/{webhook_id}"),  # names the kind
               _op("GET", "/feeds/{id}/refresh"),  # under the collection
               _op("GET", "/feeds/{id}"),  # a plain read, after the actions
               _op("DELETE", "/feeds/{id}"),  # destructive: never
               _op("PUT", "/api/webhook/{webhook_id}"),  # an update would overwrite the address
               _op("POST", "/api/users/{user_id}/follow"))  # another kind
    assert [o.key for o in _actions_on(ctx, register)] == ["POST /api/webhook/test/{webhook_id}"]
    assert [o.key for o in _actions_on(ctx, feeds)] == ["GET /feeds/{id}/refresh", "GET /feeds/{id}"]
