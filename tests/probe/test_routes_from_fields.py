"""``--routes-from``: the request fields the auditor found in a handler become the operation's query
parameters and body, so an API without an OpenAPI document is tested on its inputs, not only its paths."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from apishield.probe import ProbeConfig, ProbeOptions, probe
from apishield.probe.targets import from_routes
from tests.probe.loopback import Answer, loopback

ROUTE = {"framework": "flask", "methods": ["POST"], "path": "/notes", "handler": "create", "public": "yes"}
FIELDS = [{"name": "title", "in": "body"}, {"name": "tag", "in": "query"}]


def test_inventory_fields_become_query_parameters_and_a_body() -> None:
    (op,) = from_routes({"routes": [{**ROUTE, "fields": FIELDS}]})
    assert [(p.name, p.location) for p in op.params] == [("tag", "query")]
    assert set(op.body_fields) == {"title"} and op.media == ("application/json",)
    (form,) = from_routes({"routes": [{**ROUTE, "fields": [{"name": "title", "in": "form"}]}]})
    assert form.form_encoded


def test_malformed_or_missing_fields_leave_the_operation_as_it_was() -> None:
    for fields in (None, "title", [{"in": "body"}, 3, {"name": ""}]):
        (op,) = from_routes({"routes": [{**ROUTE, "fields": fields}]})
        assert op.params == () and op.body_schema is None


def _notes(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
    """A note store building SQL from the JSON title (the error leaks)."""
    if urlsplit(path).path != "/notes" or method != "POST":
        return 404, {}, {"detail": "not found"}
    try:
        title = str(json.loads(body or b"{}").get("title", ""))
    except (ValueError, AttributeError):
        return 400, {}, {"detail": "bad json"}
    if title.count("'") % 2:
        return 500, {}, {"detail": f"sqlite3.OperationalError: unrecognized token: \"'{title}')\""}
    return 201, {}, {"id": 1, "title": title}


def _run(tmp_path: Path, route: dict[str, Any]) -> set[str]:
    inventory = tmp_path / "routes.json"
    inventory.write_text(json.dumps({"routes": [route]}))
    with loopback(_notes) as url:
        result = asyncio.run(probe(ProbeConfig(url, routes_from=str(inventory), options=ProbeOptions(
            budget=300, rate=0, checks=("injection",)))))
    return {f.rule_id for f in result.findings}


def test_a_body_field_known_only_from_the_inventory_is_injected(tmp_path: Path) -> None:
    assert "PR-SQLI-001" in _run(tmp_path, {**ROUTE, "fields": FIELDS})
    assert "PR-SQLI-001" not in _run(tmp_path, ROUTE)  # without the field there is nothing to inject into

