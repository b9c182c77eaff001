"""Uploaded files: a multipart operation whose description declares a field as a file (``format: binary``) is sent
a file part (with a file name, as servers that read uploads require), and an uploaded document is tried with a
YAML document whose only effect under an unsafe loader is ``time.sleep(N)``. The loopback app really loads the
upload with PyYAML: ``yaml.unsafe_load`` must make the probe report, ``yaml.safe_load`` must keep it quiet."""

from __future__ import annotations

import time
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from apishield.probe.targets import Operation, Param
from tests.probe.loopback import Answer, findings_at, loopback, probe_paths

UPLOAD = {"/import": {"post": {
    "requestBody": {"content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}}},
    "responses": {"200": {"description": "ok"}}}}}


def _file_part(headers: dict[str, str], body: bytes) -> bytes | None:
    """The content of the part named ``file`` that carries a file name (a plain form field is not an upload)."""
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    message = BytesParser().parsebytes(f"Content-Type: {ctype}\r\n\r\n".encode() + body)
    for part in message.get_payload() if message.is_multipart() else []:
        if part.get_param("name", header="content-disposition") == "file" and part.get_filename():
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else None
    return None


def test_a_file_field_is_sent_as_a_file_part() -> None:
    op = Operation("POST", "/import", params=(), body_schema=UPLOAD["/import"]["post"]["requestBody"]["content"][
        "multipart/form-data"]["schema"], media=("multipart/form-data",))
    content, ctype = op.encode_body({"file": "hello"}) or (b"", "")
    assert _file_part({"Content-Type": ctype}, content) == b"hello"
    plain = Operation("POST", "/import", params=(Param("x", "query", False, {}),), body_schema={
        "type": "object", "properties": {"note": {"type": "string"}}}, media=("multipart/form-data",))
    content, ctype = plain.encode_body({"note": "hello"}) or (b"", "")
    assert b"filename=" not in content


@pytest.mark.parametrize("unsafe", [True, False])
def test_uploaded_yaml_loaded_unsafely_is_found(tmp_path: Path, unsafe: bool) -> None:
    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if method != "POST" or not path.startswith("/import"):
            return 404, {}, {"detail": "not found"}
        data = _file_part(headers, body)
        if data is None:
            return 422, {}, {"detail": "file: field required"}
        try:
            loaded: Any = yaml.unsafe_load(data) if unsafe else yaml.safe_load(data)
        except yaml.YAMLError:
            return 400, {}, {"detail": "not a YAML document"}
        return 200, {}, {"imported": loaded if isinstance(loaded, (str, int, list, dict)) else None}

    start = time.monotonic()
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, UPLOAD, ("injection",))
    found = {f for f in findings_at(result) if f[0] == "PR-DESER-001"}
    assert found == ({("PR-DESER-001", "POST", "/import")} if unsafe else set())
    assert time.monotonic() - start < 60
