"""A scoped, budgeted, rate-capped HTTP client: the only way the prober talks to a target.

Safety lives here, in one place, so no check can forget it:

* **scope** — only the target's scheme + host + port; any other URL raises :class:`OutOfScope` before a
  byte is sent, and redirects are never followed (a ``3xx`` is recorded as the answer);
* **budget** — a global request budget, plus an optional per-check cap; exceeding either raises
  :class:`BudgetExhausted` (the request is not sent);
* **rate** — at most ``rate`` requests per second, spaced evenly, and at most ``concurrency`` in flight;
* **size and time** — bodies are streamed and cut at ``max_body`` bytes; every request has a connect/read
  timeout and an overall deadline, so a slow-drip server cannot hold the probe;
* **record** — every request and its answer is kept as an :class:`Exchange`, the raw material of evidence;
* **identities kept** — input checks send sign-ins, sign-ups and impersonations without the identity's cookie.

Credentials registered with :meth:`ProbeClient.add_secret` are replaced by ``$NAME`` placeholders in
evidence and ``curl`` commands, so reports never carry live tokens.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import http.cookiejar
import json
import re
import shlex
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import httpx

from apishield.errors import ApishieldError, ConfigError
from apishield.findings import Evidence
from apishield.probe.wait_hints import exhausted_hint, wait_hint

#: Which check is sending (set by the engine), for per-check budget shares.
current_check: contextvars.ContextVar[str] = contextvars.ContextVar("apishield_probe_check", default="setup")
#: the local address requests leave from (``None``: the system's choice), set by :meth:`ProbeClient.from_address`
source_address: contextvars.ContextVar[str | None] = contextvars.ContextVar("apishield_probe_source", default=None)

DEFAULT_PORTS = {"http": 80, "https": 443}
EXCERPT = 1200


class ProbeError(ApishieldError):
    """Root of the prober's deliberate failures."""


class OutOfScope(ProbeError):
    """A request would leave the target's scheme + host + port."""


#: seconds to wait before each new attempt when a target that had answered refuses a connection (restarting)
RECONNECT_WAITS = (0.25, 0.5, 1.0, 2.0)


class BudgetExhausted(ProbeError):
    """The global budget or the current check's share is used up; ``operation`` is the one whose request it
    refused (the check was in the middle of it, or about to begin it)."""

    def __init__(self, message: str, operation: str = "") -> None:
        super().__init__(message)
        self.operation = operation


#: the identity the client records for a request sent without any identity's credentials
ANONYMOUS = "anonymous"
#: paths that sign a caller in as the account they name (a server may rebind the session of the cookie they carry)
_REBINDS_SESSION = re.compile(r"(?i)(?:^|/)(?:register|registration|sign[_-]?up|join|log[_-]?in|sign[_-]?in|"
                              r"impersonat\w*|switch[_-]?(?:user|account)|become|sudo)(?:[/.]|$)")
#: checks that feed inputs to every operation (the ones that test sign-ins and sessions keep their cookies)
_INPUT_CHECKS = frozenset({"injection", "headers_errors", "host_header", "redos", "crash", "redirect", "stored_xss",
                           "crawl", "cors", "exposure", "records", "mass_assignment", "secret_files", "passive"})


def origin_of(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of ``url``; raises ``ValueError`` for anything but http(s) with a host."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ConfigError(f"the target must be an http(s) URL with a host, got {url!r}")
    return scheme, parts.hostname.lower(), parts.port or DEFAULT_PORTS[scheme]


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request the probe sent and what came back (``status`` is None when no answer arrived)."""

    seq: int
    check: str
    identity: str
    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes
    status: int | None
    response_headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    truncated: bool = False
    elapsed: float = 0.0
    error: str | None = None
    operation: str = ""  # "METHOD /template" of the operation under test ("" when none)
    expect_throttle: bool = False  # the check wants to see 429s (rate-limit tests): not "unknown" for it
    # positions on one clock of events shared by all requests: when it left (its first attempt) and when its answer
    # came; concurrent requests leave and are answered out of ``seq`` order, so what the server could have seen
    # before answering another request is told by these, not by ``seq``
    dispatched: int = 0
    answered: int = 0

    @property
    def throttled(self) -> bool:
        """429/503: rate limited or unavailable — never evidence of success or failure."""
        return self.status in (429, 503)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    def header(self, name: str) -> str | None:
        low = name.lower()
        for key, value in self.response_headers:
            if key.lower() == low:
                return value
        return None

    def request_header(self, name: str) -> str | None:
        low = name.lower()
        for key, value in self.request_headers:
            if key.lower() == low:
                return value
        return None

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def shows(self, value: str) -> bool:
        """The answer carries ``value`` as a reader sees it: in its text, or in its JSON with the escapes a server may
        write undone (``"Pro plan \\u2014 March"`` shows ``Pro plan — March``, ``"a\\/b"`` shows ``a/b``)."""
        text = self.text
        if value in text:
            return True
        if "\\" not in text:
            return False
        data = self.json()
        return data is not None and (value in json.dumps(data, ensure_ascii=False) or any(
            value in leaf for leaf in _string_leaves(data)))

    def json(self) -> Any:
        """The parsed JSON body, or None when it is not JSON (malformed bodies never raise)."""
        try:
            return json.loads(self.body) if self.body else None
        except (ValueError, RecursionError):
            return None



def _string_leaves(data: Any) -> Iterator[str]:
    """The strings of a parsed JSON value, keys and values, at any depth."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)

class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """A cookie policy that stores nothing: identities carry their cookies explicitly, in their headers."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


@dataclass(slots=True)
class _Pacer:
    """Spaces request starts at least ``1/rate`` seconds apart (rate <= 0: no cap)."""

    rate: float
    clock: Callable[[], float]
    sleep: Callable[[float], Awaitable[None]]
    _next: float = 0.0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def wait(self) -> None:
        if self.rate <= 0:
            return
        async with self._lock:
            now = self.clock()
            start = max(now, self._next)
            self._next = start + 1.0 / self.rate
        if start > now:
            await self.sleep(start - now)

    async def pause(self, seconds: float) -> None:
        """Hold every request start for ``seconds`` (the server asked us to wait)."""
        async with self._lock:
            self._next = max(self._next, self.clock() + seconds)
        await self.sleep(seconds)


class ProbeClient:
    """Async HTTP client bound to one origin; see the module docstring for the guarantees."""

    def __init__(
        self,
        base_url: str,
        *,
        budget: int = 2000,
        rate: float = 20.0,
        timeout: float = 10.0,
        max_body: int = 512 * 1024,
        concurrency: int = 4,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_exchange: Callable[[Exchange], None] | None = None,
        max_wait: float = 30.0,
        proxy: str | None = None,
    ) -> None:
        if budget < 1:
            raise ConfigError("the request budget must be at least 1")
        if timeout <= 0:
            raise ConfigError("the request timeout must be positive")
        if concurrency < 1:
            raise ConfigError("the concurrency must be at least 1")
        if rate < 0:
            raise ConfigError("the request rate must be >= 0 (0 means no cap)")
        if max_wait < 0:
            raise ConfigError("the longest wait for a throttled answer must be >= 0")
        if proxy is not None and urlsplit(proxy).scheme not in ("http", "https", "socks5"):
            raise ConfigError(f"the proxy must be an http://, https:// or socks5:// URL, got {proxy!r}")
        self.base_url = base_url.rstrip("/") + "/"
        self.origin = origin_of(self.base_url)
        self.budget = budget
        self.timeout = timeout
        self.max_body = max_body
        self.clock = clock
        self.log: list[Exchange] = []
        #: operation key -> identities it answered 401/403 (kept as the log grows: asked for every check's choice)
        self.refused: dict[str, set[str]] = {}
        self.shares: Counter[str] = Counter()
        self.check_caps: dict[str, int] = {}
        self.on_exchange = on_exchange
        self._secrets: dict[str, str] = {}
        self.max_wait = max_wait
        self.throttle: Counter[str] = Counter()
        self.throttle_waited = 0.0
        #: connections the target refused after it had answered (a crashed server restarting), and the seconds
        #: the probe waited for it to come back (within ``max_wait`` in total)
        self.outage: Counter[str] = Counter()
        self.outage_waited = 0.0
        self._answered = False
        self._sent = 0
        self._events = 0  # the clock of Exchange.dispatched / Exchange.answered
        self._sem = asyncio.Semaphore(concurrency)
        self._pacer = _Pacer(rate, clock, sleep)
        self._http = self._new_http(transport, proxy)
        self._own_transport = transport is None and proxy is None
        self._sourced: dict[str, httpx.AsyncClient] = {}

    @property
    def on_loopback(self) -> bool:
        """The target is on this machine (a loopback address), which the probe reaches from 127.0.0.1."""
        host = urlsplit(self.base_url).hostname or ""
        return host in ("localhost", "::1") or host.startswith("127.")

    @contextlib.contextmanager
    def from_address(self, address: str) -> Iterator[None]:
        """Within the block, requests leave from the local ``address`` (``127.0.0.2``: another loopback address
        than the one a server on this machine trusts as its proxy's). A test transport or a proxy ignores it."""
        token = source_address.set(address)
        try:
            yield
        finally:
            source_address.reset(token)

    def _new_http(self, transport: httpx.AsyncBaseTransport | None, proxy: str | None = None) -> httpx.AsyncClient:
        http = httpx.AsyncClient(
            follow_redirects=False,
            timeout=httpx.Timeout(self.timeout),
            transport=transport,
            trust_env=False,
            headers={"User-Agent": "apishield-probe"},
            proxy=proxy if transport is None else None,
            verify=proxy is None,  # an intercepting proxy (Burp, ZAP) presents its own certificate
        )
        # never keep cookies: a session set by one identity's login must not ride on anonymous requests
        http.cookies.jar.set_policy(_NoCookies())
        return http

    def _client(self) -> httpx.AsyncClient:
        source = source_address.get()
        if source is None or not self._own_transport:
            return self._http
        if source not in self._sourced:
            self._sourced[source] = self._new_http(httpx.AsyncHTTPTransport(local_address=source))
        return self._sourced[source]

    # -- bookkeeping -------------------------------------------------------------------------------------
    @property
    def requests_used(self) -> int:
        return self._sent

    @property
    def remaining(self) -> int:
        return self.budget - self._sent

    def check_remaining(self, check: str | None = None) -> int:
        name = check or current_check.get()
        cap = self.check_caps.get(name)
        left = self.remaining
        return left if cap is None else min(left, cap - self.shares[name])

    def add_secret(self, value: str, placeholder: str) -> None:
        """Never show ``value`` in evidence; print ``$placeholder`` instead."""
        if len(value) >= 6:
            self._secrets[value] = "$" + placeholder

    def redact(self, text: str) -> str:
        for secret, placeholder in sorted(self._secrets.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(secret, placeholder)
        return text

    def url_for(self, path_or_url: str, params: Mapping[str, Any] | None = None) -> str:
        url = urljoin(self.base_url, path_or_url.lstrip("/")) if "://" not in path_or_url else path_or_url
        if params:
            url += ("&" if "?" in url else "?") + urlencode({k: v for k, v in params.items()}, doseq=True)
        return url

    def in_scope(self, url: str) -> bool:
        try:
            return origin_of(url) == self.origin
        except ValueError:
            return False

    # -- sending -----------------------------------------------------------------------------------------
    async def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        content: bytes | str | None = None,
        identity: str = ANONYMOUS,
        timeout: float | None = None,
        operation: str = "",
        expect_throttle: bool = False,
    ) -> Exchange:
        """Send one request within scope, budget and rate; never raises for network trouble.

        A 429/503 answer is *unknown*, not a verdict: unless the caller is testing rate limits
        (``expect_throttle``), the client waits as the server asks (``Retry-After``, ``RateLimit`` reset; within
        the run's ``max_wait`` seconds in total) and sends once more. Every throttled answer, retry and second
        waited is counted in :attr:`throttle`."""
        exchange = await self._request_once(method, path_or_url, params, headers, json_body, content, identity,
                                            timeout, operation, expect_throttle)
        if not exchange.throttled:
            return exchange
        self.throttle["throttled"] += 1
        if expect_throttle:
            return exchange
        hint = wait_hint(exchange.response_headers)
        wait = 1.0 if hint is None else hint
        if wait > self.max_wait - self.throttle_waited or self.remaining <= 0:
            return exchange
        cap = self.check_caps.get(exchange.check)
        if cap is not None and self.shares[exchange.check] >= cap:
            return exchange
        self.throttle_waited += wait  # reserved before sleeping, so concurrent requests never exceed max_wait
        self.throttle["retries"] += 1
        await self._pacer.pause(wait)
        again = await self._request_once(method, path_or_url, params, headers, json_body, content, identity,
                                         timeout, operation, expect_throttle)
        if again.throttled:
            self.throttle["throttled"] += 1
        return again

    @property
    def throttle_report(self) -> dict[str, Any]:
        """What rate limiting cost the run: throttled answers, budget spent on retries, seconds waited."""
        return {"throttled_answers": self.throttle["throttled"], "retries": self.throttle["retries"],
                "seconds_waited": round(self.throttle_waited, 2), "max_wait": self.max_wait}

    @property
    def events(self) -> int:
        """Where the clock of :attr:`Exchange.dispatched` / :attr:`Exchange.answered` stands now: something seen now
        happened during every request with ``dispatched <= events < answered``."""
        return self._events

    async def _request_once(self, method: str, path_or_url: str, params: Mapping[str, Any] | None,
                            headers: Mapping[str, str] | None, json_body: Any, content: bytes | str | None,
                            identity: str, timeout: float | None, operation: str, expect_throttle: bool
                            ) -> Exchange:
        url = self.url_for(path_or_url, params)
        if not self.in_scope(url):
            raise OutOfScope(f"refusing to contact {url!r}: outside the target {self.base_url!r}")
        check = current_check.get()
        if self._sent >= self.budget:
            raise BudgetExhausted(f"request budget of {self.budget} used up", operation)
        cap = self.check_caps.get(check)
        if cap is not None and self.shares[check] >= cap:
            raise BudgetExhausted(f"check {check!r} used its share of {cap} requests", operation)
        self._sent += 1
        self.shares[check] += 1
        seq = self._sent
        hdrs = dict(headers or {})
        if identity != ANONYMOUS and check in _INPUT_CHECKS and _REBINDS_SESSION.search(urlsplit(url).path):
            hdrs = {k: v for k, v in hdrs.items() if k.lower() != "cookie"}  # keep the identity's session its own
        body: bytes
        if json_body is not None:
            body = json.dumps(json_body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        elif isinstance(content, str):
            body = content.encode()
        else:
            body = content or b""
        limit = timeout or self.timeout
        await self._pacer.wait()
        async with self._sem:
            self._events += 1
            dispatched = self._events
            for wait in (*RECONNECT_WAITS, None):
                started = self.clock()  # a wait for the target to come back is not part of its answer's time
                try:
                    status, rheaders, data, truncated = await asyncio.wait_for(
                        self._send(method, url, hdrs, body, limit), timeout=limit * 2 + 1
                    )
                    error = None
                except (TimeoutError, httpx.HTTPError, OSError) as exc:
                    status, rheaders, data, truncated = None, (), b"", False
                    error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                    # refused before it was sent (nothing reached the server, so sending again repeats nothing):
                    # a target that answered earlier may be restarting after a crash; wait for it a little
                    if (isinstance(exc, httpx.ConnectError) and self._answered and wait is not None
                            and self.outage_waited + wait <= self.max_wait):
                        self.outage["refused"] += wait == RECONNECT_WAITS[0]
                        self.outage_waited += wait
                        await asyncio.sleep(wait)
                        continue
                break
            if status is not None:
                self._answered = True
            elapsed = self.clock() - started
            self._events += 1
        exchange = Exchange(
            seq=seq, check=check, identity=identity, method=method.upper(), url=url,
            request_headers=tuple(hdrs.items()), request_body=body, status=status,
            response_headers=rheaders, body=data, truncated=truncated, elapsed=elapsed, error=error,
            operation=operation, expect_throttle=expect_throttle, dispatched=dispatched, answered=self._events,
        )
        self.log.append(exchange)
        if operation and status in (401, 403):
            self.refused.setdefault(operation, set()).add(identity)
        if self.on_exchange is not None:
            self.on_exchange(exchange)
        if status is not None and not expect_throttle:
            pause = exhausted_hint(rheaders)  # the window is spent: slow down before the next request
            if pause is not None and 0 < pause <= self.max_wait - self.throttle_waited:
                self.throttle_waited += pause
                await self._pacer.pause(pause)
        return exchange

    async def _send(
        self, method: str, url: str, headers: dict[str, str], body: bytes, timeout: float
    ) -> tuple[int, tuple[tuple[str, str], ...], bytes, bool]:
        http = self._client()
        req = http.build_request(method.upper(), url, headers=headers, content=body or None,
                                 timeout=httpx.Timeout(timeout))
        resp = await http.send(req, stream=True)
        try:
            chunks: list[bytes] = []
            size = 0
            truncated = False
            if resp.is_stream_consumed:  # an in-memory transport already read it
                chunks.append(resp.content)
                truncated = len(resp.content) > self.max_body
            else:
                async for chunk in resp.aiter_raw():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size >= self.max_body:
                        truncated = True
                        break
            data = b"".join(chunks)[: self.max_body]
            if resp.headers.get("content-encoding") and not truncated:
                with contextlib.suppress(httpx.DecodingError):
                    data = httpx.Response(200, headers=resp.headers, content=data).content[: self.max_body]
        finally:
            await resp.aclose()
        return resp.status_code, tuple(resp.headers.multi_items()), data, truncated

    async def aclose(self) -> None:
        await self._http.aclose()
        for sourced in self._sourced.values():
            await sourced.aclose()

    # -- evidence ----------------------------------------------------------------------------------------
    def evidence(self, ex: Exchange, *, highlight: str | None = None) -> Evidence:
        """Request text, a response excerpt (around ``highlight`` when given) and a curl command."""
        target = urlsplit(ex.url)
        line = f"{ex.method} {target.path or '/'}{'?' + target.query if target.query else ''} HTTP/1.1"
        head = [line, f"Host: {target.netloc}"] + [f"{k}: {v}" for k, v in ex.request_headers]
        req = "\n".join(head)
        if ex.request_body:
            req += "\n\n" + ex.request_body[:2000].decode("utf-8", "replace")
        if ex.status is None:
            resp = f"(no response: {ex.error})"
        else:
            text = ex.text
            start = 0
            if highlight and highlight in text:
                start = max(0, text.index(highlight) - EXCERPT // 3)
            snippet = text[start:start + EXCERPT]
            keep = ("content-type", "access-control-allow-origin", "access-control-allow-credentials", "server",
                    "location", "retry-after", "www-authenticate")
            hdr_lines = [f"{k}: {v}" for k, v in ex.response_headers if k.lower() in keep]
            resp = "\n".join([f"HTTP/1.1 {ex.status}", *hdr_lines, f"(elapsed {ex.elapsed:.3f}s)", "", snippet])
            if start or len(text) > start + EXCERPT or ex.truncated:
                resp += "\n…(excerpt)"
        return Evidence(request=self.redact(req), response=self.redact(resp), curl=self.curl(ex))

    def curl(self, ex: Exchange) -> str:
        """A shell line that replays ``ex``; secrets become ``"${NAME}"`` so they expand when pasted."""
        parts = ["curl", "-sS", "-i", "-X", ex.method, self._quote(ex.url)]
        for key, value in ex.request_headers:
            parts += ["-H", self._quote(f"{key}: {value}")]
        if ex.request_body:
            parts += ["--data-binary", self._quote(ex.request_body[:4000].decode("utf-8", "replace"))]
        return " ".join(parts)

    def _quote(self, text: str) -> str:
        redacted = self.redact(text)
        if redacted == text:
            return shlex.quote(text)
        out = redacted
        for ch in ("\\", '"', "`", "$"):
            out = out.replace(ch, "\\" + ch)
        for placeholder in sorted(set(self._secrets.values()), key=len, reverse=True):
            out = out.replace("\\" + placeholder, "${" + placeholder[1:] + "}")
        return f'"{out}"'


# an answer that refuses the caller in its body while its status says 2xx ({"success": false, "error":
# "Invalid API token."}): some APIs never send 401
REFUSAL = re.compile(
    r"(?i)\b(invalid|missing|no|expired|bad|wrong|unknown|required)\b[^\"\n]{0,24}?\b(api[ _-]?tokens?|tokens?|"
    r"api[ _-]?keys?|credentials?|session|auth\w*|bearer)\b|\b(api[ _-]?token|token|api[ _-]?key|credentials?|"
    r"auth\w*)\b[^\"\n]{0,24}?\b(invalid|missing|required|expired|not (found|valid|given|provided))\b|"
    r"\b(unauthori[sz]ed|forbidden|not (logged in|authenticated|authori[sz]ed)|log ?in (first|required)|"
    r"authentication required|access denied|permission denied)\b")


def disguised_refusal(ex: Exchange) -> bool:
    """A short 2xx answer whose body refuses the caller for want of credentials."""
    return ex.ok and len(ex.text) <= 2048 and REFUSAL.search(ex.text) is not None


def denied(ex: Exchange) -> bool:
    """The caller was turned away for want of (valid) credentials: 401/403, or a 2xx that says so."""
    return ex.status in (401, 403) or disguised_refusal(ex)


__all__ = ["ANONYMOUS", "RECONNECT_WAITS", "BudgetExhausted", "Exchange", "OutOfScope", "ProbeClient", "ProbeError",
           "current_check", "denied", "disguised_refusal", "origin_of"]
