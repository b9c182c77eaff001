"""Shared AST helpers: source decoding the way the interpreter reads a file."""

from __future__ import annotations

import importlib.util

from hypothesis import given
from hypothesis import strategies as st

from apishield.audit.astutil import decode_source

_LINES = st.sampled_from([
    b"", b"\n", b"# -*- coding: latin-1 -*-\n", b"#!/usr/bin/env python\n", b"# coding=utf-8\n",
    b"# vim: set fileencoding=cp1252 :\n", b"# coding: no-such-codec\n", b"x = 'caf\xc3\xa9'\n", b"y = '\xe9'\n",
    b"\r", b"# encoding in a comment, not a declaration\n", b"import os\n",
])


@given(st.booleans(), st.lists(_LINES, max_size=5), st.binary(max_size=40))
def test_sources_decode_as_the_import_system_reads_them(bom: bool, lines: list[bytes], tail: bytes) -> None:
    """Where Python's own import machinery reads the bytes, the text is the same (up to its newline
    translation); where it refuses them, the audit still gets text instead of an error."""
    # a final newline: the import system's newline decoder holds back a trailing "\r" it has not seen completed
    data = (b"\xef\xbb\xbf" if bom else b"") + b"".join(lines) + tail + b"\n"
    ours = decode_source(data)
    assert isinstance(ours, str)
    try:
        theirs = importlib.util.decode_source(data)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return
    assert ours.replace("\r\n", "\n").replace("\r", "\n") == theirs


def test_a_declared_encoding_is_honoured_and_a_bom_dropped() -> None:
    assert decode_source(b"# -*- coding: latin-1 -*-\ns = '\xe9'\n") == "# -*- coding: latin-1 -*-\ns = '\u00e9'\n"
    assert decode_source(b"\xef\xbb\xbfs = 1\n") == "s = 1\n"
