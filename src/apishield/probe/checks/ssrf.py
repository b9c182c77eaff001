"""Server-side request forgery: a parameter that names a URL (``url``, ``callback``, ``feed`` … or a default value that
is one) is given the address of the run's callback listener on 127.0.0.1 with a path unique to this request; an
address a JSON body gives in parts gets a one-shot listener opened for this request alone (a host field with the port
and path fields beside it, or such fields beside a URL field, which clients such as Node's ``http.get`` let override
the URL). The finding needs the listener to be asked for its unique path (the server fetched the URL; with no path
field to give it, to be asked at all: its port was opened for this request alone), and says whether the listener's
answer came back in the response (in band) or not (blind). A URL refused (4xx) is asked once more with the listener's
address written the other ways that name this machine (``127.1``, ``0.0.0.0``, ``[::ffff:127.0.0.1]``), which a
filter of the literal ``127.0.0.1``/``localhost`` lets through. No outside host is ever named, and the server is
never asked to fetch the target itself (a single-threaded server fetching itself would hang). Only for targets on
this machine (a loopback base URL): elsewhere the listener's address would name the target's own host. Called by the
injection check for each string parameter (see :mod:`apishield.probe.checks.injection`).

A URL is also fetched later: a webhook, a feed or an avatar address stored by one request and called when another
acts on the stored object (``POST /hooks/{id}/test``) or in the background. Such a URL points at the run's callback
listener (one port, open until the run ends, a unique path per request); a write that stored one is followed by
the actions on the object it created (the operations whose one path parameter names its kind or sits under its
collection; never a destructive one, nor an update that would overwrite the address), and whatever the listener is
asked by the run's end is reported with the request it was asked during."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from apishield.probe import objects, rules
from apishield.probe.checks._util import try_send
from apishield.probe.client import Exchange
from apishield.probe.engine import Context, Identity
from apishield.probe.targets import Operation, sample_body

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
async def _serving(record: Callable[[str], None], body_for: Callable[[str], bytes]) -> AsyncIterator[str]:
    """A server on 127.0.0.1 (free port) that records the path each request asks for and answers it 200 with
    ``body_for(path)``; yields its base URL. Closed on exit."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), 5)
            parts = line.decode("latin-1").split()
            path = parts[1] if len(parts) >= 2 else ""
            record(path)
            body = body_for(path)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: "
                         + str(len(body)).encode() + b"\r\n\r\n" + body)
            await writer.drain()
        except (TimeoutError, OSError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        await server.wait_closed()


@contextlib.asynccontextmanager
async def listener(token: str) -> AsyncIterator[tuple[str, list[str]]]:
    """A listener on 127.0.0.1 (free port) answering every request with a body that carries ``token``; yields its URL
    (``/<token>`` path) and the list of paths it was asked for. Closed on exit."""
    asked: list[str] = []
    body = f"apishield listener {token}".encode()
    async with _serving(asked.append, lambda _: body) as base:
        yield f"{base}/{token}", asked


@dataclass
class Callbacks:
    """The run's callback listener: its base URL and the paths it was asked for, each with the client's event clock
    at that moment (:attr:`ProbeClient.events`: the requests in flight then are the ones the fetch happened in)."""

    base: str
    asked: list[tuple[str, int]]

    def seen(self, token: str) -> int | None:
        """When the unique path ``/<token>`` was first asked for (the event clock), or None."""
        return next((at for path, at in self.asked if path.split("?")[0] == f"/{token}"), None)


async def callbacks(ctx: Context) -> Callbacks:
    """The run's callback listener, opened on first use and closed when the run ends (:meth:`Context.finish`); it
    answers each request with the path it asked for, so an answer that shows the listener's body shows that path."""
    if ctx.callback is None:
        asked: list[tuple[str, int]] = []
        base = await ctx.exits.enter_async_context(_serving(
            lambda path: asked.append((path, ctx.client.events)),
            lambda path: f"apishield listener {path.strip('/').split('?')[0]}".encode()))
        ctx.callback = Callbacks(base, asked)
    return ctx.callback  # type: ignore[no-any-return]


#: other ways to write 127.0.0.1 that a filter of the literal text lets through: the short dotted form, the
#: unspecified address (which the kernel connects to this machine) and the IPv4-mapped IPv6 address
LOOPBACK_SPELLINGS = ("127.1", "0.0.0.0", "[::ffff:127.0.0.1]")  # noqa: S104  # addresses sent, nothing bound


async def in_band(ctx: Context, op: Operation, name: str, default: Any, base: Exchange,
                  send: Callable[[Any], Awaitable[Exchange | None]], who: Identity | None = None) -> None:
    """Ask the server to fetch the callback listener's URL through parameter ``name`` of ``op`` (sent as ``who``);
    a write that stores it without fetching it is followed as a stored URL (:func:`_stored`)."""
    if not names_a_url(name, default) or not ctx.client.on_loopback:
        return
    run = await callbacks(ctx)
    token = "apshssrf" + secrets.token_hex(6)
    url = f"{run.base}/{token}"
    ex = await send(url)
    if ex is not None and run.seen(token) is None and ex.status is not None and 400 <= ex.status < 500:
        # refused: perhaps a filter of the address as written ("localhost", "127.0.0.1"); the same listener
        # named the ways every resolver reads as this machine
        for spelling in LOOPBACK_SPELLINGS:
            respelled = url.replace("127.0.0.1", spelling, 1)
            again = await send(respelled)
            if again is not None and run.seen(token) is not None:
                ex, url = again, respelled
                break
    if ex is None:
        return
    if run.seen(token) is not None:
        _report(ctx, op, name, f"{name}={url!r} made the server fetch that URL", token, ex,
                _answered_with(token, ex, base))
    elif ex.ok and ex.method in ("POST", "PUT", "PATCH"):
        await _stored(ctx, op, name, url, token, ex, who, run)


#: an id-like suffix of a path parameter, left off to name the kind of object it selects (``hook_id`` → ``hook``)
ID_SUFFIX = re.compile(r"(?i)[_-]?(id|uuid|pk|key|slug)$")


def _actions_on(ctx: Context, op: Operation) -> list[Operation]:
    """The operations that act on an object ``op`` creates: one path parameter, naming the object's kind (a word of
    ``op``'s path, ``{hook_id}`` for ``/hooks/register``) or placed under ``op``'s path (``/feeds/{id}/refresh``);
    GET and POST only (an update would overwrite the stored address), never a destructive one; actions before plain
    reads."""
    words = {w.lower() for w in re.split(r"[/_.-]+", op.path) if w and "{" not in w}
    under = op.path.rstrip("/") + "/{"
    out = []
    for other in ctx.operations:
        if (other.key == op.key or other.method not in ("GET", "POST") or len(other.path_params) != 1
                or other.looks_destructive()):
            continue
        stem = ID_SUFFIX.sub("", other.path_params[0].name).lower()
        if other.path.startswith(under) or (stem and {stem, f"{stem}s", stem.rstrip("s")} & words):
            out.append(other)
    return sorted(out, key=lambda o: (o.method == "GET" and o.path.endswith("}"), o.path))


async def _stored(ctx: Context, op: Operation, name: str, url: str, token: str, ex: Exchange, who: Identity | None,
                  run: Callbacks) -> None:
    """``url`` was stored by ``ex`` and not fetched: call the actions on the object it created (its id from the
    answer), then leave the listener to be read at the run's end."""
    created = objects.find_id(ex.json(), op.path)
    if created is not None and not isinstance(created, bool):
        for action in _actions_on(ctx, op)[:3]:
            path = ctx.concrete_path(action, who, {action.path_params[0].name: created}) or action.path
            body = sample_body(action.body_schema, ctx.rng) if action.body_schema else None
            fired = await try_send(ctx, action.method, path, op=action, identity=who, json_body=body)
            if fired is not None and run.seen(token) is not None:
                _report(ctx, op, name, f"{name}={url!r} was stored (request #{ex.seq}) and fetched when request "
                        f"#{fired.seq} called {action.method} {path}", token, ex, _answered_with(token, fired))
                return
    ctx.at_end.append(functools.partial(_fetched_later, ctx, op, name, url, token, ex, run))


def _fetched_later(ctx: Context, op: Operation, name: str, url: str, token: str, ex: Exchange,
                   run: Callbacks) -> None:
    """The run's end: a stored URL the listener was asked for after all, with the request it was asked during."""
    at = run.seen(token)
    if at is None:
        return
    during = next((e for e in ctx.client.log if e.dispatched <= at < e.answered), None)
    when = f"while the server answered request #{during.seq} ({during.method} {during.path})" if during else \
        "between the probe's requests (in the background)"
    _report(ctx, op, name, f"{name}={url!r} was stored (request #{ex.seq}) and fetched later, {when}", token, ex,
            during is not None and _answered_with(token, during))


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
    _report(ctx, op, name, f"the address given in parts ({given}) made the server connect to it", token, ex,
            _answered_with(token, ex, base))


def _answered_with(token: str, ex: Exchange, base: Exchange | None = None) -> bool:
    """The listener's answer for ``token`` came back in ``ex`` (and not already in ``base``): in band, not blind (the
    address itself echoed back is no sign of a fetch)."""
    body = f"apishield listener {token}"
    return body in ex.text and (base is None or body not in base.text)


def _report(ctx: Context, op: Operation, name: str, what: str, token: str, ex: Exchange, shown: bool) -> None:
    """One SSRF finding at ``op``'s parameter ``name``, with ``ex`` (the request that gave the address) as evidence."""
    ctx.report(rules.SSRF, f"{what} (the probe's listener was asked for the path given to this request alone"
               + (" and its answer came back in the response)" if shown else "; its answer was not shown: blind)"),
               ex, op=op, parameter=name, highlight=token if shown else None)
