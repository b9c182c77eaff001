"""A route is privileged by what its path and handler name it for (``/admin/…``, ``/api/keys``, ``list_users``).
``administrative`` areas or fees are data, not administration, and the tail of a handler named for how it finds
its records (``fetch_units_by_municipality_key``) names the lookup, in its name and as a path segment (``/units/key``),
not what it acts on: an open API serving such routes to anyone is not reported above low for them."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

APP = '''from fastapi import FastAPI

from .db import rows

app = FastAPI()


@app.get("{path}")
async def {handler}(code: str):
    return await rows("SELECT name FROM units WHERE code = :code", code=code)
'''


@pytest.mark.parametrize(("path", "handler", "medium"), [
    # must stay quiet (low): public data named by its lookup or by an adjective
    ("/administrative/v1/parcel", "fetch_parcel", False),
    ("/energy/v1/unit/solar/key", "fetch_solar_unit_by_municipality_key", False),
    ("/stations/list", "fetch_stations_by_municipality_key", False),
    # must fire: named for administration, secrets or people
    ("/admin/v1/parcel", "fetch_parcel", True),
    ("/api/keys", "list_keys", True),
    ("/stations/list", "fetch_station_keys", True),
    ("/users/key", "fetch_user_key", True),
    ("/users/list", "fetch_users_by_station", True),
])
def test_routes_named_for_their_lookup_are_not_privileged(tmp_path: Path, path: str, handler: str,
                                                          medium: bool) -> None:
    files = {"api/__init__.py": "", "api/db.py": "async def rows(sql, **params):\n    return []\n",
             "api/main.py": APP.format(path=path, handler=handler)}
    found = [f.severity for f in audit(tmp_path, files).findings if f.rule_id == "AS101"]
    assert found, "the open route is always listed"
    assert any(s >= Severity.MEDIUM for s in found) is medium
