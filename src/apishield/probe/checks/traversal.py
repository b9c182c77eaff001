"""Path traversal for the injection check: ``../`` climbs to a system file, a ``file://`` URL for a parameter named
like a URL, and a file parameter whose documented value already reads a system file. Called per string parameter
with its sender and baseline (see :mod:`apishield.probe.checks.injection`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from apishield.probe import rules
from apishield.probe.checks import ssrf
from apishield.probe.checks.xxe import FILE_SIGNATURES
from apishield.probe.client import Exchange
from apishield.probe.engine import Context

if TYPE_CHECKING:
    from apishield.probe.checks.injection import Sender, Slot

TRAVERSAL = ("../../../../../../../../etc/passwd", "....//....//....//....//....//etc/passwd", "/etc/passwd",
             "..\\..\\..\\..\\..\\..\\windows\\win.ini")
FILEISH = re.compile(r"(?i)(file|path|name|doc|page|template|download|attachment|dir|folder|image|report)")


async def traversal(ctx: Context, slot: Slot, send: Sender, base: Exchange) -> None:
    """Every payload for parameters named like files; the first (plain ``../`` climb) for any other string in the
    query or body, since a file name can hide behind any name (``?datestamp=`` read from a cache directory); and
    a ``file://`` URL first for a parameter named like a URL (a fetcher that accepts every scheme reads files)."""
    if (match := FILE_SIGNATURES.search(base.text)) is not None:
        other = await send("apishield-none.txt") if FILEISH.search(slot.name) else None
        if other is not None and not FILE_SIGNATURES.search(other.text):
            # the file the parameter names by default is already a system file (a password file's lines), and
            # another name reads something else: the parameter picks the files the server reads
            ctx.report(rules.PATH, f"{slot.name}={send.default!r} returned a system file's content (the value the "
                       "operation is called with names it)", base, op=slot.op, parameter=slot.name,
                       highlight=match.group(0))
        return
    payloads = TRAVERSAL if FILEISH.search(slot.name) else TRAVERSAL[:1] if slot.location in ("query", "body") else ()
    if ssrf.names_a_url(slot.name, send.default):  # a URL the server fetches may take the file: scheme
        payloads = ("file:///etc/passwd", *payloads)
    for payload in payloads:
        ex = await send(payload)
        match = FILE_SIGNATURES.search(ex.text) if ex is not None else None
        if ex is not None and match:
            # a file: URL read through a URL parameter is reported as what it does, a local file read; whether the
            # fetcher also reaches other hosts is the SSRF test's question (a separate finding)
            ctx.report(rules.PATH, f"{slot.name}={payload!r} returned a system file"
                       + (" (the parameter's URL fetcher accepts the file: scheme)" if payload.startswith("file://")
                          else ""), ex, op=slot.op, parameter=slot.name, highlight=match.group(0))
            return
