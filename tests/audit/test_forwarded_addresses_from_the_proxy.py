"""An allow-list decided on an address the client writes (the first ``X-Forwarded-For`` entry, ``X-Real-IP``) lets
any client pass (AS108). The entry counted from the end of the list, which the deployment's own proxy appends after
whatever the client sent, and a refusal when the header is missing or too short, trust nothing the client chose."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_MIDDLEWARE = """\
from ipaddress import IPv4Address, IPv4Network

from aiohttp import web

ALLOWED = ["10.0.0.0/8"]


@web.middleware
async def by_ip(request, handler):
    if "X-Forwarded-For" not in request.headers:
        raise web.HTTPUnauthorized()
    entries = request.headers["X-Forwarded-For"].split(",")
    if len(entries) < 2:
        raise web.HTTPUnauthorized()
    address = entries[{index}].strip()
    if not any(IPv4Address(address) in IPv4Network(net) for net in ALLOWED):
        raise web.HTTPUnauthorized()
    return await handler(request)
"""


@pytest.mark.parametrize(("index", "reported"), [
    ("0", True),  # must fire: the client writes the first entry
    ("-2", False),  # must stay quiet: the proxy appends the entries counted from the end
])
def test_which_forwarded_entry_an_allow_list_trusts(tmp_path: Path, index: str, reported: bool) -> None:
    result = audit(tmp_path, {"auth.py": _MIDDLEWARE.format(index=index)})
    assert any(f.rule_id == "AS108" for f in result.findings) is reported
