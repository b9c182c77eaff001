"""Sign-ins, sign-ups and impersonations sent by the checks that feed inputs leave the identity's cookie behind (a
server may bind that session to the account the request names, and the identity would speak for a stranger from
then on); other operations, bearer tokens, anonymous requests and the checks that test sign-ins keep theirs."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from apishield.probe.client import ProbeClient, current_check


def _cookie_sent(path: str, check: str, identity: str = "user1") -> tuple[str | None, str | None]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"Location": "/dashboard"})

    client = ProbeClient("http://127.0.0.1:8000", transport=httpx.MockTransport(handler), rate=0)

    async def go() -> None:
        token = current_check.set(check)
        await client.request("POST", path, identity=identity, content="email=x%40y.test&password=p",
                             headers={"Cookie": "sid=alice", "Authorization": "Bearer t"})
        current_check.reset(token)
        await client.aclose()

    asyncio.run(go())
    return seen[0].headers.get("cookie"), seen[0].headers.get("authorization")


@pytest.mark.parametrize("path", ["/register", "/api/v1/auth/signup", "/login", "/auth/sign-in",
                                  "/support/impersonate", "/admin/switch-user/3"])
def test_input_checks_send_sign_ins_without_the_identitys_cookie(path: str) -> None:
    assert _cookie_sent(path, "injection") == (None, "Bearer t")  # the bearer token cannot be rebound


@pytest.mark.parametrize(("path", "check", "identity"), [
    ("/projects", "injection", "user1"),  # no sign-in: the cookie is how the identity reaches it
    ("/registrations-report", "injection", "user1"),  # a word inside another is no sign-in
    ("/login", "sessions", "user1"),  # the session checks test sign-ins with the cookie on purpose
    ("/login", "authn", "user1"),
])
def test_other_requests_keep_the_cookie(path: str, check: str, identity: str) -> None:
    assert _cookie_sent(path, check, identity)[0] == "sid=alice"
