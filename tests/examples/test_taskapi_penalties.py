"""The penalty box in the Task API: a client that keeps presenting invalid credentials is banned (429 with
``Retry-After`` on every route, public ones included), as the shield does with its own authenticators.

Known gap (found by the load suite's state checks): the Task API passes its own authenticators
(``security.BearerAuthenticator``, ``APIKeyAuthenticator`` without ``penalties=``) to the shield, and the shield
wires its penalty box only into the authenticators it builds itself, so no violation is ever recorded and
nobody is ever banned. Strict xfail: this test starts passing, and must be unmarked, once the box is wired in.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.examples.conftest import make_api

VIOLATIONS = 10  # the shield's default penalties.violations


@pytest.mark.xfail(strict=True, reason="the Task API's own authenticators are not given the shield's penalty box")
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
