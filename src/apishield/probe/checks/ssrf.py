"""Server-side request forgery: a parameter that names a URL (``url``, ``callback``, ``feed`` … or a default value that
is one) is given the address of a one-shot listener the probe opens on 127.0.0.1 for this request alone; so is an
address a JSON body gives in parts (a host field with the port and path fields beside it, or such fields beside a
URL field, which clients such as Node's ``http.get`` let override the URL). The finding needs the listener to be
asked for its unique path (the server fetched the URL; with no path field to give it, to be asked at all: its port
was opened for this request alone), and says whether the listener's answer came back in the response (in band) or
not (blind). A URL refused (4xx) is asked once more with the listener's address written the other ways that name
this machine (``127.1``, ``0.0.0.0``, ``[::ffff:127.0.0.1]``), which a filter of the literal
``127.0.0.1``/``localhost`` lets through. No outside host is ever named, and the server is never asked to fetch the
target itself (a single-threaded server fetching itself would hang). Only for targets on this machine (a loopback
base URL): elsewhere the listener's address would name the target's own host. Called by the injection check for each
string parameter (see :mod:`apishield.probe.checks.injection`)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from apishield.probe import rules
from apishield.probe.client import Exchange
from apishield.probe.engine import Context
from apishield.probe.targets import Operation

URLISH = re.compile(r"(?i)(url|uri$|link|href|callback|webhook|endpoint|feed|fetch|proxy|remote|target|website)")
#: a field that names the host, the port or the path of an address given in parts (``{"host": …, "port": …}``)
PARTS = {"host": re.compile(r"(?i)^(host|hostname|host_?name|server|domain|ip|ip_?addr(ess)?)$"),
         "port": re.compile(r"(?i)^port$"), "path": re.compile(r"(?i)^(path|pathname)$")}


def names_a_url(name: str, default: Any) -> bool:
    return bool(URLISH.search(name)) or (isinstance(default, str) and default.startswith(("http://", "https://")))


def address_parts(name: str, fields: list[str]) -> dict[str, str]:
    """The fields beside body field ``name`` (in the same object) that give an address in parts, by role (``host``,
    ``port``, ``path``), when ``name`` leads them: a URL-named field with a host or port beside it (a client such as
    Node's ``http.get`` lets those override the URL), or else the host field itself. Empty when there is none."""
    parent, _, leaf = name.rpartition(".")
    prefix = f"{parent}." if parent else ""
    siblings = [f for f in fields if f != name and f.startswith(prefix) and "." not in f[len(prefix):]]
    roles = {role: next((f for f in siblings if rx.match(f[len(prefix):])), "") for role, rx in PARTS.items()}
    roles = {role: f for role, f in roles.items() if f}
    if URLISH.search(leaf) and ("host" in roles or "port" in roles):
        return roles
    if PARTS["host"].match(leaf) and not any(URLISH.search(f[len(prefix):]) for f in siblings):
        return {**roles, "host": name}
    return {}


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


#: other ways to write 127.0.0.1 that a filter of the literal text lets through: the short dotted form, the
#: unspecified address (which the kernel connects to this machine) and the IPv4-mapped IPv6 address
LOOPBACK_SPELLINGS = ("127.1", "0.0.0.0", "[::ffff:127.0.0.1]")  # noqa: S104  # addresses sent, nothing bound


async def in_band(ctx: Context, op: Operation, name: str, default: Any, base: Exchange,
                  send: Callable[[Any], Awaitable[Exchange | None]]) -> None:
    """Ask the server to fetch the listener's URL through parameter ``name`` of ``op``."""
    if not names_a_url(name, default) or not ctx.client.on_loopback:
        return
    token = "apshssrf" + secrets.token_hex(6)
    async with listener(token) as (url, asked):
        ex = await send(url)
        if ex is not None and f"/{token}" not in asked and ex.status is not None and 400 <= ex.status < 500:
            # refused: perhaps a filter of the address as written ("localhost", "127.0.0.1"); the same listener
            # named the ways every resolver reads as this machine
            for spelling in LOOPBACK_SPELLINGS:
                respelled = url.replace("127.0.0.1", spelling, 1)
                again = await send(respelled)
                if again is not None and f"/{token}" in asked:
                    ex, url = again, respelled
                    break
    if ex is None or f"/{token}" not in asked:
        return
    _report(ctx, op, name, f"{name}={url!r} made the server fetch that URL", token, ex, base)


async def in_parts(ctx: Context, op: Operation, name: str, parts: dict[str, str], base: Exchange,
                   send: Callable[[dict[str, Any]], Awaitable[Exchange | None]]) -> None:
    """Ask the server to fetch from the listener through an address given in parts: the host field (``name`` or
    its sibling) set to the listener's address, the port and path fields beside it to its port and unique path.
    ``send`` sends the body with the given fields set. Without a path field the server asks for a path of its
    own choosing; any request to the listener's port, opened for this request alone, is then the evidence."""
    if not ctx.client.on_loopback:
        return
    token = "apshssrf" + secrets.token_hex(6)
    async with listener(token) as (url, asked):
        port = urlsplit(url).port
        values: dict[str, Any] = {parts["host"]: "127.0.0.1" if "port" in parts else f"127.0.0.1:{port}"} \
            if "host" in parts else {}
        if "port" in parts:
            values[parts["port"]] = port
        if "path" in parts:
            values[parts["path"]] = f"/{token}"
        if URLISH.search(name.rpartition(".")[2]):
            values[name] = url
        ex = await send(values)
    if ex is None or not asked or ("path" in parts and f"/{token}" not in asked):
        return
    given = ", ".join(f"{k}={v!r}" for k, v in values.items())
    _report(ctx, op, name, f"the address given in parts ({given}) made the server connect to it", token, ex, base)


def _report(ctx: Context, op: Operation, name: str, what: str, token: str, ex: Exchange, base: Exchange) -> None:
    shown = token in ex.text and token not in base.text
    ctx.report(rules.SSRF, f"{what} (the probe's listener, opened for this request alone, was asked "
               + ("and its answer came back in the response)" if shown else "; its answer was not shown: blind)"),
               ex, op=op, parameter=name, highlight=token if shown else None)
