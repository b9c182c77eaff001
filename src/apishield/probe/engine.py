"""The probe engine: a registry of checks, a shared context, and the run loop that emits events.

A check is one async function registered with :func:`check` (the schemathesis ``@check`` shape) into
:data:`CHECKS`, a :class:`~apishield.registry.Registry`; it declares its phase and its order within the phase,
so a check registered by a user runs in its declared place like the built-in ones. It gets a
:class:`Context` — the scoped client, the operations, the identities, the objects the probe created — and
reports findings through :meth:`Context.report`, which attaches evidence from the exact exchange. The engine
gives each check a share of the remaining budget (its ``weight``), runs them in order, and emits events
(``probe.start``, ``check.start``, ``request``, ``finding``, ``check.finish``, ``probe.finish``) that
reporters and the progress bar subscribe to.

Safety rules enforced here as well as in the client: no DELETE/PUT/PATCH on an object the probe did not
create and no destructive-looking operation unless ``allow_destructive``; a write whose body names the user it
acts on is allowed only where a check names the probe's own identities (:meth:`Context.own_write`), and an
update of a record by path (``PATCH /users/{id}``) only where a check names a record of the probe's own identities
or an object they own (:meth:`Context.own_record`).
"""

from __future__ import annotations

import asyncio
import functools
import random
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

from apishield.findings import Confidence, Finding, Rule, Severity
from apishield.probe import objects
from apishield.probe.client import ANONYMOUS, BudgetExhausted, Exchange, ProbeClient, ProbeError, current_check
from apishield.probe.coverage import WHOLE, Coverage, State
from apishield.probe.safety import SafetyRules
from apishield.probe.targets import Operation, is_file, sample_body, sample_value
from apishield.registry import Registry, RegistryError

Listener = Callable[[str, dict[str, Any]], None]
CheckFunc = Callable[["Context"], Awaitable[None]]


class Unsafe(ProbeError):
    """A request was refused by the safety rules (destructive, or touches an object the probe did not create)."""


class ProbeAbort(ProbeError):
    """The probe cannot produce meaningful results (e.g. the auth canary failed)."""


class Throttled(ProbeError):
    """The answer was 429/503 even after waiting as asked: unknown, neither success nor failure."""


@dataclass(slots=True)
class Identity:
    """One set of credentials; ``relogin`` refreshes ``headers`` when a token expires."""

    name: str
    headers: dict[str, str] = field(default_factory=dict)
    username: str | None = None
    password: str | None = None
    user_id: Any = None
    token: str | None = None
    relogin: Callable[[], Awaitable[bool]] | None = None
    verified: bool = False
    #: scalar fields of the identity's own answers (login, ``/me``) by :func:`objects.attribute_key` name
    attributes: dict[str, Any] = field(default_factory=dict)
    failure: str = ""  # why the last login failed
    #: the body the identity logs in with (a login recipe's or a throwaway account's credentials), if any
    login_body: dict[str, Any] = field(default_factory=dict)
    #: credentials of the same account from other token-issuing operations of the description, tried where the
    #: main ones are refused (401); ``per_operation`` remembers which one an operation accepted
    alternates: list[dict[str, str]] = field(default_factory=list)
    per_operation: dict[str, dict[str, str]] = field(default_factory=dict)
    #: ids of person-like records (``patients``, ``customers``...) that name this identity as their owner, by kind
    #: (``{"patient": {"1"}}``): references to them (``patient_id``) are the identity's own (:mod:`ownership`)
    owns: dict[str, set[str]] = field(default_factory=dict)
    #: a session cookie the login set beside the token it answered (``connect.sid``): routes of the same API may
    #: read either, so the identity's own requests carry both; requests a check builds from ``headers`` do not
    session_cookie: str = ""

    def credentials(self, operation: str = "") -> dict[str, str]:
        """The headers the identity's own requests carry (the operation's alternate credentials when it took one)."""
        out = dict(self.per_operation.get(operation) or self.headers)
        if self.session_cookie and not any(k.lower() == "cookie" for k in out):
            out["Cookie"] = self.session_cookie
        return out


@dataclass(frozen=True, slots=True)
class Created:
    """An object the probe created (so it may update it, and a second identity may try to read it)."""

    owner: str
    collection: str
    item_path: str
    object_id: Any
    marker: str
    body: dict[str, Any]
    collection_path: str = ""  # the collection as created (``/users/42/cards``), path parameters filled
    query: dict[str, Any] = field(default_factory=dict)  # the query parameters it was created with


#: Phases in run order: first what needs working access (who may read and change which objects, inputs,
#: configuration), then what sends failing credentials (garbage and tampered tokens, wrong passwords), then load
#: (bursts), then reading back. A defended API counts failed credentials and bursts against the client's address
#: and may ban it for longer than the probe waits; run earlier, they would leave every later check unanswered.
PHASES = ("access", "input", "config", "auth", "load", "passive")


@dataclass(frozen=True, slots=True)
class CheckSpec:
    name: str
    func: CheckFunc
    rules: tuple[Rule, ...]
    weight: int
    doc: str
    phase: str = "input"
    order: int = 50

    @property
    def sort_key(self) -> tuple[int, int, str]:
        return (PHASES.index(self.phase), self.order, self.name)


CHECKS: Registry[CheckSpec] = Registry("probe check", name=lambda c: c.name, sort_key=lambda c: c.sort_key)


def check(name: str, *, rules: Iterable[Rule], weight: int = 5, phase: str = "input",
          order: int = 50) -> Callable[[CheckFunc], CheckFunc]:
    """Register an async check to run in ``phase`` (one of :data:`PHASES`) at ``order`` within it; the
    docstring is its documentation. ``weight`` is its share of the budget relative to the other checks; 0 for a
    check that sends at most one request of its own (it is allowed that one and takes nothing from the others)."""
    if phase not in PHASES:
        raise RegistryError(f"probe check {name!r}: unknown phase {phase!r}; choose from {', '.join(PHASES)}")
    if weight < 0:
        raise RegistryError(f"probe check {name!r}: weight must not be negative")

    def decorate(func: CheckFunc) -> CheckFunc:
        old = CHECKS.get(name) if name in CHECKS else None
        if old is not None and old.func is not func:
            raise RegistryError(f"probe check {name!r} registered twice")
        CHECKS.register(CheckSpec(name, func, tuple(rules), weight, (func.__doc__ or "").strip(), phase, order),
                        replace=True)
        return func

    return decorate


def all_rules() -> list[Rule]:
    seen: dict[str, Rule] = {}
    for spec in CHECKS:
        for rule in spec.rules:
            seen.setdefault(rule.id, rule)
    return list(seen.values())


@dataclass(frozen=True, slots=True)
class ProbeOptions:
    budget: int = 2000
    rate: float = 20.0
    timeout: float = 10.0
    max_body: int = 512 * 1024
    concurrency: int = 4
    seed: int = 0
    allow_destructive: bool = False
    checks: tuple[str, ...] = ()  # empty: all
    skip: tuple[str, ...] = ()
    admin_identities: tuple[str, ...] = ()
    min_coverage: float = 0.8
    max_wait: float = 30.0
    proxy: str | None = None


class Context(SafetyRules):
    """What a check sees: client, operations, identities, created objects; and how it reports."""

    def __init__(self, client: ProbeClient, operations: list[Operation], identities: list[Identity],
                 options: ProbeOptions, emit: Listener) -> None:
        self.client = client
        self.operations = operations
        self.identities = identities
        self.options = options
        self.rng = random.Random(options.seed)
        self.created: list[Created] = []
        self.findings: list[Finding] = []
        self.notes: list[str] = []
        # work a check had to leave for lack of its share: run last, on what the other checks left unspent
        self.deferred: list[tuple[str, Callable[[], Awaitable[None]]]] = []
        self.canary: Operation | None = None
        #: time-based canaries run one at a time: on a server that answers one request at a time, another check's
        #: sleep canary in flight would delay this one's answers in proportion too
        self.timing = asyncio.Lock()
        # the login the identities used (method, path, body encoding), when a recipe or provisioning logged in
        self.login: tuple[str, str, str] | None = None
        self.emit = emit
        self.coverage = Coverage(options.min_coverage)
        SafetyRules.__init__(self, operations, options.allow_destructive)
        #: every operation of the run, also while a resumed check is shown only the ones it left (``_resume``): the
        #: registration and login a check needs are not among the operations it planned
        self.all_operations = operations
        #: what checks keep open for the whole run (a listener a stored URL may call back later) and what they read
        #: once every check is over; :meth:`finish` runs the one and closes the other
        self.exits = AsyncExitStack()
        self.at_end: list[Callable[[], None]] = []
        self.callback: Any = None  # the run's callback listener, once a check opened one (checks.ssrf)

    async def finish(self) -> None:
        """The run's end: the readings checks left for it, then everything they kept open closed."""
        try:
            for job in self.at_end:
                job()
        finally:
            await self.exits.aclose()

    # -- coverage ----------------------------------------------------------------------------------------
    def plan(self, ops: Iterable[Operation | str]) -> None:
        """The current check means to test these operations (unreached ones count as skipped)."""
        self.coverage.plan(current_check.get(), [op if isinstance(op, str) else op.key for op in ops])

    def skip(self, reason: str, op: Operation | str | None = None, state: State = "skipped") -> None:
        """The current check could not test ``op`` (or anything, when None), and why."""
        key = WHOLE if op is None else (op if isinstance(op, str) else op.key)
        self.coverage.mark(current_check.get(), key, state, reason)

    def not_applicable(self, reason: str, op: Operation | str | None = None) -> None:
        self.skip(reason, op, "n/a")

    @property
    def auth_matters(self) -> bool:
        """Whether the API has protected operations (so a missing identity is a loss of coverage)."""
        return bool(self.identities) or any(op.secured for op in self.operations)

    def needs_identity(self, what: str) -> None:
        """Record that the current check needs identities it does not have."""
        if self.auth_matters:
            self.skip(f"{what} (no working identity: pass --auth, --login, or allow self-provisioning)")
        else:
            self.not_applicable("the API declares no protected operation")

    # -- identities and objects --------------------------------------------------------------------------
    @property
    def users(self) -> list[Identity]:
        """Identities that are ordinary users (not declared admins)."""
        return [i for i in self.identities if i.name not in self.options.admin_identities]

    def token(self, size: int = 8) -> str:
        return "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(size))

    def account_tag(self) -> str:
        """A unique suffix for throwaway account names: random even under ``--seed``, so reruns never collide."""
        return secrets.token_hex(5)

    def owned_by(self, identity: Identity) -> list[Created]:
        return [c for c in self.created if c.owner == identity.name]

    def op_at(self, path: str, method: str = "GET") -> Operation | None:
        """The operation of ``method`` at exactly ``path`` (a collection's listing or creation, a page)."""
        return next((op for op in self.operations if op.method == method and op.path == path), None)

    def item_op(self, collection: str, method: str = "GET") -> Operation | None:
        pattern = re.compile(re.escape(collection.rstrip("/")) + r"/\{[^}/]+\}$")
        return next((op for op in self.operations if op.method == method and pattern.match(op.path)), None)

    def delete_op(self, collection: str) -> Operation | None:
        """How one object of ``collection`` is deleted: ``DELETE`` on the object, else an action below it that says
        so (``POST /photos/{id}/delete``; a POST before a GET)."""
        pattern = re.compile(re.escape(collection.rstrip("/")) + r"/\{[^}/]+\}/[^/{}]+/?$")
        return self.item_op(collection, "DELETE") or min(
            (op for op in self.operations if op.looks_item_delete() and pattern.match(op.path)),
            key=lambda op: op.method != "POST", default=None)

    def concrete_path(self, op: Operation, identity: Identity | None, overrides: dict[str, Any] | None = None
                      ) -> str | None:
        """Fill path parameters with ids this identity owns; None when no sensible value is known."""
        path = op.path
        for param in op.path_params:
            value: Any = (overrides or {}).get(param.name)
            if value is None and identity is not None:
                value = self.owned_value(op, param.name, identity)
            if value is None:
                if param.schema.get("type") in ("integer", "number") or param.name.lower().endswith("id"):
                    value = sample_value(param.schema or {"type": "integer"}, self.rng, param.name)
                else:
                    value = sample_value(param.schema, self.rng, param.name)
            path = path.replace("{" + param.name + "}", str(value))
        return path

    def owned_value(self, op: Operation, name: str, identity: Identity) -> Any:
        prefix = op.path.split("{" + name + "}")[0].rstrip("/")
        for c in self.owned_by(identity):
            if c.collection.rstrip("/") == prefix:
                return c.object_id
        return objects.identity_value(name, identity.username, identity.user_id, prefix, identity.attributes)

    def query_for(self, op: Operation) -> dict[str, Any]:
        return {p.name: sample_value(p.schema, self.rng, p.name) for p in op.params
                if p.location == "query" and p.required}

    def marked_request(self, op: Operation) -> tuple[dict[str, Any], dict[str, Any]]:
        """A creation's body and required query parameters, carrying at least one ``apishield…`` marker: in the
        body, or — for an operation whose fields are all query parameters — in the query."""
        body = self.body_for(op) or {}
        query = self.query_for(op)
        query_marked = any(isinstance(v, str) and v.startswith("apishield") for v in query.values())
        if (not any(isinstance(v, str) and v.startswith("apishield") for v in body.values())
                and (op.body_schema or not query_marked)):
            # in a documented free-text field when there is one (its example's value replaced): a field the API
            # does not know may be refused, or written as a column that does not exist
            field = next(objects.free_text_fields(op.body_fields), "title")
            body[field] = f"apishield{self.token(8)}"
        return body, query

    def body_for(self, op: Operation) -> dict[str, Any] | None:
        if op.method not in ("POST", "PUT", "PATCH"):
            return None
        return sample_body(op.body_schema, self.rng) if op.body_schema else {}

    # -- sending -----------------------------------------------------------------------------------------
    async def send(self, method: str, path: str, *, identity: Identity | None = None, op: Operation | None = None,
                   params: dict[str, Any] | None = None, json_body: Any = None, content: bytes | str | None = None,
                   headers: dict[str, str] | None = None, timeout: float | None = None,
                   expect_throttle: bool = False, content_type: str | None = None) -> Exchange:
        """Send as ``identity`` (anonymous when None), obeying the safety rules; re-login once on 401.

        A dict ``json_body`` for an operation the description says reads a form or a multipart body travels that way
        (a file field as a file part), so that every check's body reaches the handler as the handler reads it.
        ``content_type`` goes with the body on every attempt (the alternate credentials and a re-login included);
        ``headers`` are the caller's own and turn both retries off (the check is testing what it sends).

        A 429/503 that persists after the client waited as asked raises :class:`Throttled` (the answer is
        unknown), unless the caller tests rate limiting itself (``expect_throttle``)."""
        if not self.allowed(method, path, op):
            if op is not None:
                self.skip("refused by the safety rules (destructive, or an object the probe did not create)", op)
            raise Unsafe(f"{method} {path} refused: destructive or not created by the probe")
        operation = op.key if op is not None else ""
        if op is not None and content is None and content_type is None and isinstance(json_body, dict):
            encoded = op.encode_body(json_body)  # a form or multipart operation gets its fields the way it reads them
            if encoded is not None:
                json_body, (content, content_type) = None, encoded
        typed = {"Content-Type": content_type} if content_type else {}
        hdrs = identity.credentials(operation) if identity else {}
        hdrs.update(typed)
        hdrs.update(headers or {})
        ex = await self.client.request(method, path, params=params, headers=hdrs, json_body=json_body,
                                       content=content, identity=identity.name if identity else ANONYMOUS,
                                       timeout=timeout, operation=operation, expect_throttle=expect_throttle)
        if (ex.status == 401 and identity is not None and headers is None and operation
                and operation not in identity.per_operation):
            for alternate in identity.alternates:  # the operation wants the account's other credentials
                again = await self.client.request(method, path, params=params, headers={**alternate, **typed},
                                                  json_body=json_body, content=content, identity=identity.name,
                                                  timeout=timeout, operation=operation,
                                                  expect_throttle=expect_throttle)
                if again.status is not None and again.status != 401 and not again.throttled:
                    identity.per_operation[operation] = dict(alternate)
                    ex = again
                    break
        expired = (ex.status == 401 and identity is not None and identity.verified and identity.relogin is not None
                   and headers is None)
        if expired and identity is not None and identity.relogin is not None and await identity.relogin():
            hdrs = {**identity.credentials(), **typed}
            ex = await self.client.request(method, path, params=params, headers=hdrs, json_body=json_body,
                                           content=content, identity=identity.name, timeout=timeout,
                                           operation=operation, expect_throttle=expect_throttle)
        if ex.throttled and not expect_throttle:
            raise Throttled(f"{method} {path} answered {ex.status} (rate limited or unavailable)")
        return ex

    def own_listing(self, op: Operation) -> Operation | None:
        """The ``GET`` on ``op``'s own path when every path parameter of it is user-keyed (``/users/{userId}/cards``):
        an identity's own collection, whose objects the listing shows even without a single-object ``GET``."""
        if not op.path_params or any(objects.identity_value(p.name, "x", 1, op.path.split("{" + p.name + "}")[0])
                                     is None for p in op.path_params):
            return None
        return self.op_at(op.path)

    async def create(self, op: Operation, identity: Identity, body: dict[str, Any],
                     query: dict[str, Any] | None = None) -> tuple[Exchange, Any]:
        """POST ``body`` (and the required ``query`` parameters) to a collection as ``identity``; remember the
        created object's path. The object's key is inferred (see :mod:`apishield.probe.objects`): id in the
        answer, ``Location``, a path parameter matching a field sent, or the list endpoint."""
        path = self.concrete_path(op, identity) or op.path
        ex = await self.send(op.method, path, identity=identity, op=op, params=query or None,
                             json_body=body if body or not query else None)
        if not ex.ok:
            return ex, None
        item = self.item_op(op.path)
        names = re.findall(r"{([^}/]+)}", item.path) if item is not None else []
        param = names[-1] if names else "id"
        sent = {**(query or {}), **body}
        fields = op.body_fields  # a file's content is stored, not shown: the marker is a text field's
        marker = next((v for v in (*body.values(), *(query or {}).values())
                       if isinstance(v, str) and v.startswith("apishield") and v in ex.text), "") or next(
            (v for k, v in sorted(body.items(), key=lambda kv: is_file(fields.get(kv[0])))
             if isinstance(v, str) and v.startswith("apishield")), "")
        object_id = (objects.find_id(ex.json(), op.path) or objects.from_location(ex.header("location"), path)
                     or (objects.from_sent_fields(param, sent) if item is not None else None))
        if object_id is None and marker:
            listing = self.op_at(op.path)
            if listing is not None:
                seen = await self.send("GET", path, identity=identity, op=listing)
                object_id = objects.from_listing(seen.json(), marker, param) if seen.ok else None
        if object_id is not None:
            if item is not None:
                item_path = (self.concrete_path(item, identity, {param: object_id}) or item.path).replace(
                    "{" + param + "}", str(object_id))
            else:
                item_path = path.rstrip("/") + "/" + str(object_id)
            self._created_paths.add(item_path)
            self.created.append(Created(identity.name, op.path, item_path, object_id, marker, body, path,
                                        dict(query or {})))
        return ex, object_id

    # -- reporting ---------------------------------------------------------------------------------------
    def report(self, rule: Rule, message: str, exchange: Exchange | None, *, op: Operation | None = None,
               parameter: str | None = None, highlight: str | None = None, severity: Severity | None = None,
               confidence: Confidence | None = None, **extra: Any) -> Finding:
        kwargs: dict[str, Any] = {
            "method": op.method if op else (exchange.method if exchange else None),
            "http_path": op.path if op else (exchange.path if exchange else None),
            "parameter": parameter,
            "evidence": self.client.evidence(exchange, highlight=highlight) if exchange else None,
            "extra": {"check": current_check.get(), **extra},
        }
        if severity is not None:
            kwargs["severity"] = severity
        if confidence is not None:
            kwargs["confidence"] = confidence
        finding = Finding.from_rule(rule, self.client.redact(message), **kwargs)
        self.findings.append(finding)
        self.emit("finding", {"finding": finding})
        return finding


@dataclass(slots=True)
class ProbeResult:
    findings: list[Finding]
    rules: list[Rule]
    requests_used: int
    seconds: float
    shares: dict[str, int]
    notes: list[str]
    exchanges: list[Exchange]
    stats: dict[str, Any]
    coverage: dict[str, Any] = field(default_factory=dict)
    redact: Callable[[str], str] = str  # replaces the run's secrets with $PLACEHOLDERS (for exports)

    @property
    def complete(self) -> bool:
        return bool(self.coverage.get("complete"))


def dedupe(findings: list[Finding]) -> list[Finding]:
    out: dict[tuple[Any, ...], Finding] = {}
    for f in findings:
        key = (f.rule_id, f.method, f.http_path, f.parameter)
        if key not in out or (f.severity, f.confidence) > (out[key].severity, out[key].confidence):
            out[key] = f
    return list(out.values())


async def run_checks(ctx: Context, names: Iterable[str]) -> None:
    """Run the named checks in order; each gets its weight's share of the remaining budget."""
    specs = [CHECKS.get(n) for n in names]
    for index, spec in enumerate(specs):
        remaining_weight = sum(s.weight for s in specs[index:]) or 1
        share = max(1, int(ctx.client.remaining * spec.weight / remaining_weight))
        ctx.client.check_caps[spec.name] = share
        token = current_check.set(spec.name)
        ctx.emit("check.start", {"check": spec.name, "share": share})
        started = time.monotonic()
        try:
            await spec.func(ctx)  # a check with nothing left to spend stops at its first request
        except BudgetExhausted as exc:
            ctx.notes.append(f"{spec.name}: stopped early ({exc})")
            ctx.coverage.stopped(spec.name, f"budget: {exc}")
            _cut_short(ctx, spec.name, exc)
            ctx.deferred.append((spec.name, functools.partial(_resume, ctx, spec)))
        except (Unsafe, Throttled) as exc:  # pragma: no cover - checks catch their own refusals
            ctx.notes.append(f"{spec.name}: {exc}")
            ctx.coverage.stopped(spec.name, str(exc))
        except Exception as exc:  # a hostile answer must not end the whole run; say so in the report
            ctx.notes.append(f"{spec.name}: stopped by an internal error ({type(exc).__name__}: {exc})")
            ctx.coverage.stopped(spec.name, f"internal error ({type(exc).__name__})")
            ctx.emit("check.error", {"check": spec.name, "error": repr(exc)})
        finally:
            current_check.reset(token)
        ctx.emit("check.finish", {"check": spec.name, "seconds": time.monotonic() - started,
                                  "requests": ctx.client.shares[spec.name]})
    await _run_deferred(ctx)


def _cut_short(ctx: Context, check: str, exc: BudgetExhausted) -> None:
    """Record the operation ``check`` was in when its budget ran out, if it had begun it (a request of it was sent):
    begun is not tested, so a resumed run does it again and, if none does, the coverage says it was cut short."""
    if exc.operation and any(ex.check == check and ex.operation == exc.operation for ex in ctx.client.log):
        ctx.coverage.interrupted(check, exc.operation)


async def _resume(ctx: Context, spec: CheckSpec) -> None:
    """A check its share stopped goes on, last, with what the other checks left unspent: it runs again over the
    operations it planned and never reached (the ones it tested keep their results and are not sent again)."""
    rest = set(ctx.coverage.unreached(spec.name, ctx.client.log))
    if not rest or ctx.client.remaining <= 0:
        return
    everything = ctx.operations
    ctx.operations = [op for op in everything if op.key in rest]
    try:
        await spec.func(ctx)
        ctx.coverage.resumed(spec.name)
    finally:
        ctx.operations = everything
    if not ctx.coverage.unreached(spec.name, ctx.client.log):
        ctx.notes.append(f"{spec.name}: finished on the budget the other checks left")


async def _run_deferred(ctx: Context) -> None:
    """Run the work checks put off (``ctx.deferred``) with every request the run has left, in the order deferred.

    A check's share is a fair split made before anyone knows what the others will spend; what they leave unspent
    is worth more to a deferred test than to nobody."""
    while ctx.deferred:
        name, job = ctx.deferred.pop(0)  # run even with nothing left: the job says what it could not test
        ctx.client.check_caps[name] = ctx.client.shares[name] + ctx.client.remaining
        token = current_check.set(name)
        try:
            await job()
        except BudgetExhausted as exc:
            ctx.notes.append(f"{name}: stopped early in its deferred work ({exc})")
            _cut_short(ctx, name, exc)
        except Exception as exc:  # as in run_checks: a hostile answer must not end the run
            ctx.notes.append(f"{name}: deferred work stopped by an internal error ({type(exc).__name__}: {exc})")
            ctx.emit("check.error", {"check": name, "error": repr(exc)})
        finally:
            current_check.reset(token)


__all__ = ["CHECKS", "PHASES", "CheckSpec", "Context", "Created", "Identity", "ProbeAbort", "ProbeOptions",
           "ProbeResult", "Throttled", "Unsafe", "all_rules", "check", "dedupe", "run_checks"]
