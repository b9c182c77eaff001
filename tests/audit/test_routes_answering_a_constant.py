"""A route whose handler is one ``return`` of a literal (a compatibility stub answering ``{"values": []}``) reads and
serves nothing but what the code says: left open it is reported low, while an open route that answers stored data,
or one whose path names administration or secrets (its constant a stand-in for what it will serve), keeps its
severity."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
from fastapi import Depends, FastAPI

app = FastAPI()


def check_key(x_api_key: str = Header()):
    if x_api_key not in KEYS:
        raise HTTPException(401)


@app.get("/v1/models", dependencies=[Depends(check_key)])
async def models():
    return list_models()


@app.put("/{prefix}/soft_prompt")
async def stub():
    \"\"\"For a client's compatibility.\"\"\"
{body}
"""


@pytest.mark.parametrize(("prefix", "body", "medium"), [
    ("config", "    return {}", False),  # must stay quiet at medium: a constant
    ("config", "    return {'values': [], 'version': '1.2'}", False),
    ("config", "    return load_settings()", True),  # must fire: the code's stored settings
    ("config", "    value = read_prompt()\n    return {'value': value}", True),
    ("admin", "    return {'users': 1234, 'uptime': 'unknown'}", True),  # must fire: an administrator's page
])
def test_an_open_route_answering_a_constant_is_low(tmp_path: Path, prefix: str, body: str, medium: bool) -> None:
    result = audit(tmp_path, {"main.py": _APP.format(prefix=prefix, body=body)})
    open_routes = [f for f in result.findings if f.rule_id == "AS101" and "soft_prompt" in f.message]
    assert open_routes
    assert any(f.severity >= Severity.MEDIUM for f in open_routes) is medium
