"""The penalty box in the Task API: a client that keeps presenting invalid credentials is banned (429 with
``Retry-After`` on every route, public ones included), as the shield does with its own authenticators.

The Task API passes its own authenticators (``security.BearerAuthenticator``, an ``APIKeyAuthenticator``)
to the shield; the shield's authentication step feeds the penalty box whichever authenticator refused the
credential, so these clients are banned like the ones the shield's own authenticators refuse.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.examples.conftest import make_api

VIOLATIONS = 10  # the shield's default penalties.violations


@pytest.mark.parametrize("credential", [{"Authorization": "Bearer a.b.c"}, {"X-API-Key": "tk_not_a_key"}],
                         ids=["bearer", "api-key"])
def test_invalid_credentials_again_and_again_get_the_client_banned(tmp_path: Path,
                                                                    credential: dict[str, str]) -> None:
    api = make_api(tmp_path, f"sqlite:///{tmp_path / 'taskapi.db'}", TASKAPI_TRUSTED_PROXIES="127.0.0.1/32")
    attacker, bystander = {"X-Forwarded-For": "198.51.100.9"}, {"X-Forwarded-For": "198.51.100.10"}
    statuses = [api.client.get("/api/v1/tasks", headers={**attacker, **credential}).status_code
                for _ in range(VIOLATIONS + 2)]
    assert statuses[:VIOLATIONS] == [401] * VIOLATIONS
    banned = api.client.get("/health", headers=attacker)
    assert banned.status_code == 429 and int(banned.headers["Retry-After"]) >= 1
    assert api.client.get("/health", headers=bystander).status_code == 200


def test_an_exempt_network_is_never_banned_but_still_rate_limited(tmp_path: Path) -> None:
    api = make_api(tmp_path, f"sqlite:///{tmp_path / 'taskapi.db'}", TASKAPI_TRUSTED_PROXIES="127.0.0.1/32",
                   TASKAPI_PENALTY_EXEMPT="198.51.100.0/28")
    scanner, attacker = {"X-Forwarded-For": "198.51.100.9"}, {"X-Forwarded-For": "198.51.100.77"}
    bad = {"Authorization": "Bearer a.b.c"}
    assert [api.client.get("/api/v1/tasks", headers={**scanner, **bad}).status_code
            for _ in range(VIOLATIONS + 2)] == [401] * (VIOLATIONS + 2)
    assert api.client.get("/health", headers=scanner).status_code == 200
    logins = [api.client.post("/api/v1/auth/login", headers=scanner, json={"username": f"nobody{i}", "password": "x"})
              for i in range(11)]
    # the login route's own limit (10/minute) still applies to the exempt network
    assert logins[-1].status_code == 429 and "RateLimit-Policy" in logins[-1].headers
    for _ in range(VIOLATIONS):
        api.client.get("/api/v1/tasks", headers={**attacker, **bad})
    assert api.client.get("/health", headers=attacker).status_code == 429
