"""Server-side request forgery: a parameter that names a URL (``url``, ``callback``, ``feed`` … or a default value
that is one) is given the address of a one-shot listener the probe opens on 127.0.0.1 for this request alone. The
finding needs the listener to be asked for its unique path (the server fetched the URL), and says whether the
listener's answer came back in the response (in band) or not (blind). No outside host is ever named, and the
server is never asked to fetch the target itself (a single-threaded server fetching itself would hang). Only for
targets on this machine (a loopback base URL): elsewhere the listener's address would name the target's own host.
Called by the injection check for each string parameter (see :mod:`apishield.probe.checks.injection`).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from apishield.probe import rules
from apishield.probe.client import Exchange
from apishield.probe.engine import Context
from apishield.probe.targets import Operation

URLISH = re.compile(r"(?i)(url|uri$|link|href|callback|webhook|endpoint|feed|fetch|proxy|remote|target|website)")


def names_a_url(name: str, default: Any) -> bool:
    return bool(URLISH.search(name)) or (isinstance(default, str) and default.startswith(("http://", "https://")))


@contextlib.asynccontextmanager
async def listener(token: str) -> AsyncIterator[tuple[str, list[str]]]:
    """A listener on 127.0.0.1 (free port) answering every GET with a body that carries ``token``; yields its URL
    (``/<token>`` path) and the list of paths it was asked for. Closed on exit."""
    asked: list[str] = []
    body = f"apishield listener {token}".encode()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), 5)
            parts = line.decode("latin-1").split()
            asked.append(parts[1] if len(parts) >= 2 else "")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: "
                         + str(len(body)).encode() + b"\r\n\r\n" + body)
            await writer.drain()
        except (TimeoutError, OSError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/{token}", asked
    finally:
        server.close()
        await server.wait_closed()


async def in_band(ctx: Context, op: Operation, name: str, default: Any, base: Exchange,
                  send: Callable[[Any], Awaitable[Exchange | None]]) -> None:
    """Ask the server to fetch the listener's URL through parameter ``name`` of ``op``."""
    if not names_a_url(name, default) or not ctx.client.on_loopback:
        return
    token = "apshssrf" + secrets.token_hex(6)
    async with listener(token) as (url, asked):
        ex = await send(url)
    if ex is None or f"/{token}" not in asked:
        return
    shown = token in ex.text and token not in base.text
    ctx.report(rules.SSRF, f"{name}={url!r} made the server fetch that URL (the probe's listener was asked for "
               + ("it, and its answer came back in the response)" if shown else "it; its answer was not shown: blind)"),
               ex, op=op, parameter=name, highlight=token if shown else None)
