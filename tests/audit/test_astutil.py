"""Shared AST helpers: source decoding the way the interpreter reads a file."""

from __future__ import annotations

import io
import tokenize

from hypothesis import given
from hypothesis import strategies as st

from apishield.audit.astutil import decode_source


def _reference(data: bytes) -> str:
    """What :func:`tokenize.detect_encoding` decides, with the same fall-backs."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except (SyntaxError, LookupError):
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        return data.decode(encoding, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


_LINES = st.sampled_from([
    b"", b"\n", b"# -*- coding: latin-1 -*-\n", b"#!/usr/bin/env python\n", b"# coding=utf-8\n",
    b"# vim: set fileencoding=cp1252 :\n", b"# coding: no-such-codec\n", b"x = 'caf\xc3\xa9'\n", b"y = '\xe9'\n",
    b"\r", b"# encoding in a comment, not a declaration\n", b"import os\n",
])


@given(st.booleans(), st.lists(_LINES, max_size=5), st.binary(max_size=40))
def test_sources_decode_as_detect_encoding_decides(bom: bool, lines: list[bytes], tail: bytes) -> None:
    data = (b"\xef\xbb\xbf" if bom else b"") + b"".join(lines) + tail
    assert decode_source(data) == _reference(data)


def test_a_declared_encoding_is_honoured_and_a_bom_dropped() -> None:
    assert decode_source(b"# -*- coding: latin-1 -*-\ns = '\xe9'\n") == "# -*- coding: latin-1 -*-\ns = '\u00e9'\n"
    assert decode_source(b"\xef\xbb\xbfs = 1\n") == "s = 1\n"
