"""``execute`` is SQL text's sink on a cursor, a connection or a session; on a use case, a command or a handler
(``use_case.execute(input)``, the command pattern) it runs application code with a request object, not a query
(AS801 quiet). SQL written into the argument stays a query whatever the receiver is called."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
from aiohttp import web


def create_endpoint(use_case, db_service, conn):
    async def handler(request: web.Request) -> web.Response:
        data = await request.json()
        {call}
        return web.json_response({{'ok': True}})
    return handler
"""


@pytest.mark.parametrize(("call", "reported"), [
    ("result = await use_case.execute(data)", False),          # must stay quiet: a command object
    ("result = await conn.execute(data['q'])", True),           # must fire: a connection runs the text
    ("result = await db_service.execute(f\"SELECT * FROM t WHERE n = '{data['n']}'\")", True),
])
def test_execute_is_a_query_on_databases_not_on_command_objects(tmp_path: Path, call: str, reported: bool) -> None:
    result = audit(tmp_path, {"api.py": _APP.format(call=call)})
    hits = [f for f in result.findings if f.rule_id == "AS801" and f.severity >= Severity.MEDIUM]
    assert bool(hits) is reported
