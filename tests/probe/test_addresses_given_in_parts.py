"""An address a JSON body gives in parts is a way to make the server fetch: a host field (with its port and path
beside it), or host and port fields beside a URL that they override (Node's ``http.get`` reads them before the URL).
The probe sets them to its one-shot listener; a server that connects there is reported (PR-SSRF-001), one that
refuses hosts off its allow-list or only stores the address stays quiet."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest

from apishield.probe.checks.ssrf import address_parts
from tests.probe.loopback import Answer, json_object, loopback, probe_paths


@pytest.mark.parametrize(("name", "fields", "parts"), [
    ("target.url", ["target.url", "target.host", "target.port"],
     {"host": "target.host", "port": "target.port"}),
    ("host", ["host", "port", "path"], {"host": "host", "port": "port", "path": "path"}),
    ("server.hostname", ["server.hostname", "name"], {"host": "server.hostname"}),
])
def test_fields_that_give_an_address_in_parts(name: str, fields: list[str], parts: dict[str, str]) -> None:
    assert address_parts(name, fields) == parts


@pytest.mark.parametrize(("name", "fields"), [
    ("url", ["url", "title"]),  # a URL alone: the URL test covers it
    ("target.host", ["target.url", "target.host"]),  # the URL beside it leads
    ("title", ["title", "host"]),
    ("profile.host", ["host", "profile.host", "port"]),  # the port is not in the same object
])
def test_fields_that_do_not_lead_an_address(name: str, fields: list[str]) -> None:
    if name == "profile.host":
        assert "port" not in address_parts(name, fields)
    else:
        assert address_parts(name, fields) == {}


def _fetch(host: str, port: Any, path: str) -> str:
    if not host.startswith("127.0.0.1"):  # nothing leaves the machine here
        raise OSError("unreachable")
    address = host if port is None else f"{host}:{port}"
    with urlopen(f"http://{address}{path}", timeout=5) as answer:
        return str(answer.read().decode()[:200])


SCHEMAS = {
    "override": {"type": "object", "properties": {"target": {"type": "object", "properties": {
        "url": {"type": "string", "example": "http://internal-network.example/status"},
        "host": {"type": "string"}, "port": {"type": "integer"}}}}},
    "host and port": {"type": "object", "properties": {"host": {"type": "string", "example": "db.example"},
                                                        "port": {"type": "integer", "example": 5432}}},
    "host alone": {"type": "object", "properties": {"host": {"type": "string", "example": "status.example"}}},
}


def _checker(shape: str, behaviour: str) -> Any:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if path != "/checks" or method != "POST":
            return 404, {}, {"detail": "not found"}
        sent = json_object(body)
        node = sent.get("target") if shape == "override" else sent
        if not isinstance(node, dict):
            return 400, {}, {"detail": "bad body"}
        host, port = node.get("host"), node.get("port")
        if not isinstance(host, str) or not host:
            host, port = "internal-network.example", None  # the URL alone: never reachable here
        if behaviour == "stores":
            return 201, {}, {"saved": {"host": host, "port": port}}
        if behaviour == "allow-list" and host.split(":")[0] not in ("db.example", "status.example"):
            return 400, {}, {"detail": "host not allowed"}
        try:
            return 200, {}, {"status": _fetch(host, port, "/status")}
        except OSError:
            return 502, {}, {"detail": "unreachable"}
    return app


@pytest.mark.parametrize("shape", list(SCHEMAS))
@pytest.mark.parametrize(("behaviour", "found"), [("connects", True), ("allow-list", False), ("stores", False)])
def test_a_server_connecting_to_an_address_given_in_parts(tmp_path: Path, shape: str, behaviour: str,
                                                          found: bool) -> None:
    spec = {"/checks": {"post": {"requestBody": {"content": {"application/json": {"schema": SCHEMAS[shape]}}},
                                 "responses": {"200": {"description": "the check's outcome"}}}}}
    with loopback(_checker(shape, behaviour)) as url:
        result = probe_paths(tmp_path, url, spec, ("injection",))
    ssrf = [f for f in result.findings if f.rule_id == "PR-SSRF-001"]
    assert bool(ssrf) is found
    assert all("given in parts" in f.message for f in ssrf)
