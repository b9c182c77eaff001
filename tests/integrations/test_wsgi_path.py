"""The WSGI path as the client sent it: PEP 3333 hands PATH_INFO over as latin-1-decoded bytes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from apishield.integrations._common import _wsgi_path


def environ_for(path: str, script: str = "") -> dict[str, str]:
    return {"SCRIPT_NAME": script, "PATH_INFO": path.encode("utf-8").decode("latin-1")}


def test_ascii_and_utf8_paths_are_recovered() -> None:
    assert _wsgi_path(environ_for("/tasks/7")) == "/tasks/7"
    assert _wsgi_path(environ_for("/café/☃")) == "/café/☃"
    assert _wsgi_path(environ_for("/x", script="/api")) == "/api/x"
    assert _wsgi_path({}) == ""


@given(st.text(min_size=1, max_size=40).map(lambda s: "/" + s))
def test_any_utf8_path_round_trips(path: str) -> None:
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return  # lone surrogates cannot arrive as UTF-8 bytes
    assert _wsgi_path(environ_for(path)) == path


def test_undecodable_bytes_fall_back_to_the_raw_text() -> None:
    assert _wsgi_path({"PATH_INFO": "/\xff\xfe"}) == "/\xff\xfe"
