"""Request validation status codes, field errors that never echo input, uploads sniffed from content."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from apishield.errors import ConfigError, Reject
from apishield.guard import Allow
from apishield.web.uploads import UploadedFile, UploadPolicy, safe_display_name, sniff
from apishield.web.validation import PATH_PARAMS_STATE_KEY, STATE_KEY, RequestValidator
from tests._guards import decide

from ._helpers import view

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
PDF = b"%PDF-1.7\n" + b"x" * 32


class Task(BaseModel):
    title: str = Field(min_length=1, max_length=50)
    priority: int = Field(ge=1, le=5)


class Page(BaseModel):
    limit: int = Field(default=10, ge=1, le=100)
    tag: list[str] = []


TASK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"title": {"type": "string", "minLength": 1}, "priority": {"type": "integer", "maximum": 5}},
    "required": ["title", "priority"],
    "additionalProperties": False,
}


def _post(body: bytes, ctype: str = "application/json", **headers: str) -> Any:
    return view("POST", body=body, headers={"content-type": ctype, **headers})


def _reject(validator: RequestValidator, req: Any) -> Reject:
    with pytest.raises(Reject) as info:
        validator.validate(req)
    return info.value


@pytest.mark.parametrize("spec", [Task, TASK_SCHEMA], ids=["pydantic", "jsonschema"])
def test_status_codes(spec: Any) -> None:
    v = RequestValidator(body=spec, max_body_bytes=200)
    assert _reject(v, _post(b"x" * 201)).status == 413
    assert _reject(v, _post(b"{}", **{"content-length": "999999"})).status == 413
    assert _reject(v, _post(b"{}", **{"content-length": "-1"})).status == 400
    assert _reject(v, _post(b'{"title":"a"}', "text/plain")).status == 415
    assert _reject(v, _post(b'{"title":"a"}', "application/json; charset=latin-1")).status == 415
    assert _reject(v, _post(b'{"title": ')).status == 400
    assert _reject(v, _post(b'{"title":"a","title":"b","priority":1}')).status == 400  # duplicate keys
    assert _reject(v, _post(b'{"title":"a","priority":NaN}')).status == 400
    assert _reject(v, _post(b'{"title":"\xff"}')).status == 400
    assert _reject(v, _post(b'{"title":"","priority":9}')).status == 422
    ok = v.validate(_post(b'{"title":"write docs","priority":2}'))
    title = ok.body.title if isinstance(ok.body, Task) else ok.body["title"]
    assert title == "write docs"


def test_deep_nesting_is_400_not_a_crash() -> None:
    v = RequestValidator(max_body_bytes=10_000_000)
    assert _reject(v, _post(b"[" * 200_000 + b"]" * 200_000)).status == 400


def test_422_lists_each_field_error_pydantic() -> None:
    v = RequestValidator(body=Task)
    errors = _reject(v, _post(b'{"title":"","priority":"high"}')).problem.to_dict()["errors"]
    pointers = sorted(e["pointer"] for e in errors)
    assert pointers == ["/priority", "/title"]
    assert all(e["in"] == "body" and e["code"] and e["detail"] for e in errors)


def test_422_lists_each_field_error_jsonschema() -> None:
    v = RequestValidator(body=TASK_SCHEMA)
    rej = _reject(v, _post(b'{"priority":"<script>alert(1)</script>","<img src=x>":1}'))
    doc = rej.problem.to_dict()
    by_code = {(e["code"], e["pointer"]) for e in doc["errors"]}
    assert ("required", "/title") in by_code
    assert ("type", "/priority") in by_code
    assert any(code == "additional_property" for code, _ in by_code)
    raw = rej.problem.body().decode()
    assert "<script>" not in raw and "<img" not in raw and "alert(1)" not in raw


def test_query_and_path_params() -> None:
    v = RequestValidator(query=Page, path={"type": "object", "properties": {"id": {"type": "string",
                                                                                  "pattern": "^[0-9]+$"}}})
    ok = v.validate(view(query="limit=5&tag=a&tag=b"), path_params={"id": "42"})
    assert ok.query.limit == 5 and ok.query.tag == ["a", "b"]
    rej = _reject(v, view(query="limit=1000"))
    assert rej.status == 422 and rej.problem.to_dict()["errors"][0]["in"] == "query"
    with pytest.raises(Reject) as info:
        v.validate(view(query="limit=5"), path_params={"id": "1 OR 1=1"})
    assert info.value.problem.to_dict()["errors"][0]["in"] == "path"
    assert "1 OR 1=1" not in info.value.problem.body().decode()
    many = "&".join(f"k{i}=v" for i in range(500))
    assert _reject(v, view(query=many)).status == 400


def test_guard_form_and_state() -> None:
    v = RequestValidator(body=Task, path={"type": "object", "required": ["id"]})
    req = _post(b'{"title":"t","priority":1}')
    req.state[PATH_PARAMS_STATE_KEY] = {"id": "7"}
    assert isinstance(decide(v.check, req), Allow)
    assert req.state[STATE_KEY].body.priority == 1
    bad = decide(v.check, _post(b"nope"))
    assert isinstance(bad, Reject) and bad.response_headers()["Content-Type"] == "application/problem+json"


def test_required_body() -> None:
    v = RequestValidator(body=Task, require_body=True)
    assert _reject(v, view("POST")).status == 400
    assert v.validate(view("GET")).body is None


def test_config_refusals(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        RequestValidator(body={"type": "nonsense-type"})
    with pytest.raises(ConfigError):
        RequestValidator(body=dict)  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        RequestValidator(max_body_bytes=0)
    with pytest.raises(ConfigError, match="served"):
        UploadPolicy(tmp_path / "static" / "uploads", served_dirs=[tmp_path / "static"])
    with pytest.raises(ConfigError):
        UploadPolicy("relative/dir")
    with pytest.raises(ConfigError):
        UploadPolicy(tmp_path, allowed_types=["image/svg+xml"])


# --- uploads ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("content", "media"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (b"GIF89a" + b"\x00" * 10, "image/gif"),
        (PDF, "application/pdf"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\xef\xbb\xbf  <svg onload=alert(1)>", "image/svg+xml"),
        (b"<!DOCTYPE html><script>", "text/html"),
        (b"MZ\x90\x00", "application/x-msdownload"),
        (b"hello, world\n", "text/plain"),
        (b"\x00\x01\x02\xff", "application/octet-stream"),
    ],
)
def test_sniff(content: bytes, media: str) -> None:
    assert sniff(content) == media


def test_upload_limits_and_types(tmp_path: Path) -> None:
    policy = UploadPolicy(tmp_path / "up", served_dirs=[tmp_path / "static"], max_file_bytes=100, max_files=2)
    with pytest.raises(Reject) as info:
        policy.inspect([UploadedFile("f", "a.png", PNG)] * 3)
    assert info.value.status == 413
    with pytest.raises(Reject) as info:
        policy.inspect([UploadedFile("f", "a.png", PNG + b"x" * 200)])
    assert info.value.status == 413
    with pytest.raises(Reject) as info:
        policy.inspect([UploadedFile("f", "photo.png", b"<html><script>alert(1)</script>")])
    assert info.value.status == 415
    stored = policy.save([UploadedFile("f", "../../etc/passwd.jpg", PNG)])
    assert stored[0].media_type == "image/png"
    assert stored[0].path.parent == (tmp_path / "up").resolve()
    assert stored[0].path.suffix == ".png" and "passwd" not in stored[0].path.name
    assert stored[0].display_name == "passwd.jpg"
    assert stored[0].path.read_bytes() == PNG
    assert stored[0].path.stat().st_mode & 0o077 == 0


def _multipart(parts: list[tuple[str, str | None, bytes]]) -> tuple[bytes, str]:
    boundary = "XyZ123boundary"
    chunks = []
    for name, filename, data in parts:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        chunks.append(f"--{boundary}\r\nContent-Disposition: {disp}\r\nContent-Type: image/png\r\n\r\n".encode()
                      + data + b"\r\n")
    return b"".join(chunks) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_multipart_upload_through_validator(tmp_path: Path) -> None:
    v = RequestValidator(uploads=UploadPolicy(tmp_path / "files", max_files=2))
    body, ctype = _multipart([("caption", None, b"holiday"), ("file", "cat.png", PNG)])
    result = v.validate(_post(body, ctype))
    assert result.form == {"caption": "holiday"}
    assert [f.media_type for f in result.files] == ["image/png"]
    body, ctype = _multipart([("file", "cat.png", b"<svg/onload=alert(1)>")])
    assert _reject(v, _post(body, ctype)).status == 415
    no_uploads = RequestValidator(content_types=["multipart/form-data"])
    body, ctype = _multipart([("file", "cat.png", PNG)])
    assert _reject(no_uploads, _post(body, ctype)).status == 415


@pytest.mark.parametrize("name", ["../../x.png", "C:\\win\\evil.exe", "<script>.png", "", "....", "a" * 500])
def test_display_names_are_harmless(name: str) -> None:
    shown = safe_display_name(name)
    assert shown and len(shown) <= 100 and "/" not in shown and "\\" not in shown and "<" not in shown
    assert not shown.startswith(".")


@given(st.binary(max_size=400), st.sampled_from(["application/json", "multipart/form-data; boundary=b",
                                                 "application/x-www-form-urlencoded", "text/plain", ""]))
def test_fuzz_bodies_only_clean_rejections(body: bytes, ctype: str) -> None:
    v = RequestValidator(body=TASK_SCHEMA, content_types=["application/json", "application/x-www-form-urlencoded",
                                                          "multipart/form-data"])
    rejected: Reject | None = None
    try:
        v.validate(_post(body, ctype))
    except Reject as exc:
        rejected = exc
    if rejected is not None:
        assert rejected.status in (400, 413, 415, 422)
        doc = json.loads(rejected.problem.body())
        assert doc["status"] == rejected.status


def test_single_query_value_for_list_field_and_odd_content_types() -> None:
    v = RequestValidator(query=Page, body=Task)
    assert v.validate(view(query="tag=solo")).query.tag == ["solo"]
    for ctype in ("application/json/evil", "json", "application/json x", "; charset=utf-8"):
        assert _reject(v, _post(b'{"title":"t","priority":1}', ctype)).status == 415
    assert v.validate(_post(b'{"title":"t","priority":1}', 'Application/JSON; charset="UTF-8"')).body.priority == 1


def test_json_depth_limit() -> None:
    v = RequestValidator(max_json_depth=5)
    assert v.validate(_post(b'{"a":[[[{"b":1}]]]}')).body == {"a": [[[{"b": 1}]]]}
    rej = _reject(v, _post(b'{"a":[[[[{"b":1}]]]]}'))
    assert rej.status == 400 and "5" in rej.problem.detail
