"""Bottle: routes of mounted and merged sub-apps, and mounted WSGI apps, run behind the parent's shield."""

from __future__ import annotations

from typing import Any

import bottle
import httpx
import pytest

from apishield.integrations.bottle import Shield
from apishield.integrations.cli import collect
from tests.integrations.test_shield import Tokens, User

TOKENS = Tokens(
    {
        "user": User("uma", frozenset({"tasks:read"})),
        "admin": User("ada", frozenset({"tasks:read"}), frozenset({"admin"})),
    }
)
DEV = {"mode": "development", "default_limits": ["1000/minute"]}
USER = {"Authorization": "Bearer user"}
ADMIN = {"Authorization": "Bearer admin"}


def plain_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"wsgi"]


def build() -> bottle.Bottle:
    shield = Shield(authenticators=[TOKENS], **DEV)
    parent = bottle.Bottle()
    parent.install(shield)

    @parent.get("/home")
    def home() -> Any:
        return {"where": "parent"}

    child = bottle.Bottle()

    @child.get("/users")
    @shield.require(roles=["admin"])
    def users() -> Any:
        return {"where": "child"}

    @child.get("/status", apishield={"public": True})
    def status() -> Any:
        return {"where": "child-status"}

    merged = bottle.Bottle()

    @merged.get("/reports")
    def reports() -> Any:
        return {"where": "merged"}

    parent.mount("/child/", child)
    parent.merge(merged)
    parent.mount("/wsgi/", plain_wsgi)
    return parent


def client(app: bottle.Bottle) -> httpx.Client:
    return httpx.Client(transport=httpx.WSGITransport(app=app), base_url="https://t")


@pytest.mark.parametrize(
    ("path", "anon", "user", "admin"),
    [
        ("/home", 401, 200, 200),
        ("/child/users", 401, 403, 200),
        ("/child/status", 200, 200, 200),
        ("/reports", 401, 200, 200),
        ("/wsgi/anything", 401, 200, 200),
    ],
)
def test_routes_of_mounted_and_merged_apps_get_the_shield(path: str, anon: int, user: int, admin: int) -> None:
    with client(build()) as c:
        first = c.get(path)
        assert first.status_code == anon
        assert "X-Content-Type-Options" in first.headers  # the shield's headers, on every answer
        assert c.get(path, headers=USER).status_code == user
        assert c.get(path, headers=ADMIN).status_code == admin


def test_mounted_and_merged_routes_are_listed_as_they_are_guarded() -> None:
    listed = {(m, p): (s.describe() if s else "unshielded") for m, p, s in collect(build())}
    assert listed[("GET", "/child/users")] == "protected roles=admin"
    assert listed[("GET", "/child/status")] == "public"
    assert listed[("GET", "/reports")] == "protected"
    assert listed[("*", "/wsgi/<:re:.*>")] == "protected"


def test_route_skipped_in_the_sub_app_stays_unshielded_and_is_listed_so() -> None:
    shield = Shield(authenticators=[TOKENS], **DEV)
    parent = bottle.Bottle()
    parent.install(shield)
    child = bottle.Bottle()

    @child.get("/raw", skip=["apishield"])
    def raw() -> Any:
        return "raw"

    parent.mount("/c/", child)
    with client(parent) as c:
        assert c.get("/c/raw").text == "raw"
    assert collect(parent) == [("GET", "/c/raw", None)]


def test_mounted_wsgi_app_marked_public_is_reachable() -> None:
    shield = Shield(authenticators=[TOKENS], **DEV)
    parent = bottle.Bottle()
    parent.install(shield)
    parent.mount("/pub/", shield.public(lambda e, s: plain_wsgi(e, s)))
    with client(parent) as c:
        assert c.get("/pub/x").text == "wsgi"
