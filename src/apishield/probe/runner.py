"""One probe run: load targets, set up identities, prove them with the canary, create fixtures, run checks."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from apishield.errors import ConfigError
from apishield.probe import (
    checks,  # noqa: F401  (importing it registers the built-in checks)
    objects,
)
from apishield.probe.bans import BanWatch
from apishield.probe.client import BudgetExhausted, Exchange, ProbeClient, current_check
from apishield.probe.engine import (
    CHECKS,
    Context,
    Identity,
    Listener,
    ProbeAbort,
    ProbeOptions,
    ProbeResult,
    Throttled,
    all_rules,
    dedupe,
    run_checks,
)
from apishield.probe.identities import (
    LoginRecipe,
    from_recipe,
    learn_from_token,
    learn_ids_by_scan,
    parse_auth,
    provision,
    run_canary,
)
from apishield.probe.targets import (
    Operation,
    SpecError,
    from_openapi,
    load_file,
    load_routes,
    parse_document,
    sample_value,
)

DISCOVERY = ("/openapi.json", "/swagger.json", "/openapi.yaml", "/swagger.yaml", "/apispec.json",
             "/api/openapi.json", "/api/swagger.json", "/api/v1/openapi.json", "/api/v1/swagger.json",
             "/v3/api-docs", "/v2/api-docs", "/swagger/v1/swagger.json", "/docs/openapi.json",
             "/api-docs", "/api/docs/openapi.json", "/static/openapi.json", "/openapi/v1.json")


@dataclass(frozen=True, slots=True)
class ProbeConfig:
    base_url: str
    openapi: str | None = None
    routes_from: str | None = None
    auth: tuple[str, ...] = ()
    login: LoginRecipe | None = None
    provision: bool = True
    options: ProbeOptions = field(default_factory=ProbeOptions)


async def reachable(client: ProbeClient) -> None:
    """One request to the base URL; an unreachable target stops the run with one line saying why."""
    ex = await client.request("GET", "")
    if ex.status is None:
        reason = (ex.error or "no answer").split("\n")[0][:160]
        raise ProbeAbort(f"target unreachable: {client.base_url} did not answer ({reason}); "
                         "check the URL and that the server is running")


async def load_targets(client: ProbeClient, config: ProbeConfig) -> list[Operation]:
    ops: list[Operation] = []
    if config.openapi:
        source = config.openapi
        if source.startswith(("http://", "https://")) or (source.startswith("/") and not _exists(source)):
            ex = await client.request("GET", source)
            if not ex.ok:
                raise SpecError(f"could not fetch the API description at {source}: "
                                f"{ex.status if ex.status is not None else ex.error}")
            if ex.truncated:
                raise SpecError(f"the API description at {source} is larger than the response cap")
            ops += from_openapi(parse_document(ex.text))
        else:
            ops += from_openapi(load_file(source))
    if config.routes_from:
        known = {op.key for op in ops}
        ops += [op for op in load_routes(config.routes_from) if op.key not in known]
    if not ops:
        for path in DISCOVERY:
            ex = await client.request("GET", path)
            if ex.ok and not ex.truncated:
                try:
                    ops = from_openapi(parse_document(ex.text))
                    break
                except SpecError:
                    continue
    if not ops:
        raise SpecError("no targets: give an OpenAPI document or the audit's route inventory (no document found at "
                        + ", ".join(DISCOVERY[:3]) + ")")
    return ops


def _exists(path: str) -> bool:
    from pathlib import Path

    return Path(path).exists()


def _listed_and_changed(ctx: Context, op: Operation) -> bool:
    """A collection read only as a listing whose objects are changed or deleted one by one (``GET /assets`` and
    ``DELETE /assets/{id}``, no ``GET /assets/{id}``): its objects are still worth one each, read through the
    listing."""
    return any(ctx.item_op(op.path, m) for m in ("DELETE", "PUT", "PATCH")) and ctx.op_at(op.path) is not None


async def _fixtures(ctx: Context) -> None:
    """Each ordinary identity creates one marked object per collection (for BOLA and mass assignment)."""
    for identity in ctx.users[:2]:
        for op in ctx.operations:
            if (op.method != "POST" or op.looks_login() or op.looks_register()
                    or op.looks_destructive() or (ctx.item_op(op.path) is None and not ctx.own_listing(op)
                                                  and not _listed_and_changed(ctx, op))):
                continue
            if any(ctx.owned_value(op, p.name, identity) is None for p in op.path_params):
                continue  # a nested collection whose parent the identity does not own (user-keyed ones are fine)
            body, query = ctx.marked_request(op)
            try:
                first_body, first_query = dict(body), dict(query)
                await fill_references(ctx, op, identity, first_body, first_query)
                ex, key = await ctx.create(op, identity, first_body, first_query)
                if key is None and ex.status in (400, 404, 409, 422):  # refused with its own objects: listed ones
                    await fill_references(ctx, op, identity, body, query, listed_first=True)
                    if (body, query) != (first_body, first_query):
                        await ctx.create(op, identity, body, query)
            except BudgetExhausted:
                return
            except Throttled as exc:
                ctx.notes.append(f"fixtures: {exc}; objects for access-control checks are missing")
                return


async def fill_references(ctx: Context, op: Operation, identity: Identity, body: dict[str, Any],
                          query: dict[str, Any], listed_first: bool = False) -> None:
    """Fields and query parameters of a creation that name other objects (``address_id``, ``product_id_1``) are
    filled with the key of an object of that kind: one this identity created, else the first one a listing shows
    it (``listed_first``: the other way round, for a creation refused with the identity's own new objects, such as
    a product without stock). An optional reference filled this way brings its numbered companions along."""
    def key_for(name: str) -> Any:
        mine = next((c.object_id for c in ctx.owned_by(identity) if objects.reference_to(name, c.collection)), None)
        seen = next((v for path, v in listed.items() if objects.reference_to(name, path)), None)
        return (seen if seen is not None else mine) if listed_first else (mine if mine is not None else seen)

    listed: dict[str, Any] = {}
    wanted = [p.name for p in op.params if p.location == "query"] + list(op.body_fields)
    for listing in ctx.operations:
        names = [n for n in wanted if objects.reference_to(n, listing.path)]
        if (listing.method == "GET" and not listing.path_params and not listing.looks_destructive() and names
                and (listed_first or not all(any(objects.reference_to(n, c.collection) for c in ctx.owned_by(identity))
                                             for n in names))):
            seen = await ctx.send("GET", listing.path, identity=identity, op=listing)
            first = next(iter(objects.listed_objects(seen.json())), None) if seen.ok else None
            if first is not None and objects.find_id(first) is not None:
                listed[listing.path] = objects.find_id(first)
    for name in list(op.body_fields):
        key = key_for(name)
        if key is not None:
            body[name] = key
    if listed_first:
        await _borrow_references(ctx, op, identity, body)
    for param in (p for p in op.params if p.location == "query"):
        key = key_for(param.name)
        if key is None or (not param.required and key in query.values()):
            continue  # an optional second reference to the same object (``product_id_2``) is left out
        query[param.name] = key
        number = objects.suffix_of(param.name)
        for other in op.params:
            if (number and other.location == "query" and other.name not in query
                    and re.search(rf"(?<![0-9])[_-]?{number}$", other.name)):
                query[other.name] = sample_value(other.schema, ctx.rng, other.name)


async def _borrow_references(ctx: Context, op: Operation, identity: Identity, body: dict[str, Any]) -> None:
    """References no listing of their own kind resolves (``doctor_id`` where no ``/doctors`` is described), for a
    creation the API refused: take the values an existing object of the same collection holds (the first record
    its listing shows the identity), so the new object points where real ones do."""
    def unresolved(name: str) -> bool:
        match = objects.REFERENCE.match(name)
        return (match is not None and not match.group(2) and not objects.USERISH.fullmatch(match.group(1))
                and not any(objects.reference_to(name, o.path) for o in ctx.operations if o.method == "GET"))

    loose = [str(n) for n in op.body_fields if unresolved(str(n))]
    listing = ctx.op_at(op.path)
    if not loose or listing is None or listing.looks_destructive():
        return
    seen = await ctx.send("GET", ctx.concrete_path(listing, identity) or listing.path, identity=identity, op=listing)
    first = next(iter(objects.listed_objects(seen.json())), None) if seen.ok else None
    for name in loose:
        value = first.get(name) if first is not None else None
        if isinstance(value, (int, str)) and not isinstance(value, bool) and value != "":
            body[name] = value


async def probe(config: ProbeConfig, listeners: Iterable[Listener] = (),
                transport: httpx.AsyncBaseTransport | None = None) -> ProbeResult:
    """Run the probe and return findings, requests used, per-check shares and notes."""
    opts = config.options
    listeners = list(listeners)

    def emit(event: str, data: dict[str, object]) -> None:
        for listener in listeners:
            listener(event, data)

    unknown = (set(opts.checks) | set(opts.skip)) - set(CHECKS.names())
    if unknown:
        raise ConfigError(f"unknown check(s) {', '.join(sorted(unknown))}; choose from {', '.join(CHECKS.names())}")
    names = [spec.name for spec in CHECKS if (not opts.checks or spec.name in opts.checks or spec.phase == "passive")
             and spec.name not in opts.skip]
    bans = BanWatch()

    def on_exchange(ex: Exchange) -> None:
        bans.observe(ex, client.max_wait - client.throttle_waited)
        emit("request", {"exchange": ex})

    client = ProbeClient(config.base_url, budget=opts.budget, rate=opts.rate, timeout=opts.timeout,
                         max_body=opts.max_body, concurrency=opts.concurrency, transport=transport,
                         on_exchange=on_exchange, max_wait=opts.max_wait, proxy=opts.proxy)
    started = time.monotonic()
    try:
        token = current_check.set("setup")
        client.check_caps["setup"] = min(opts.budget, max(30, opts.budget // 8))
        try:
            await reachable(client)
            ops = await load_targets(client, config)
            emit("probe.start", {"target": config.base_url, "operations": len(ops), "checks": names})
            ctx = Context(client, ops, [], opts, emit)
            proved: Operation | None = None
            identities = [parse_auth(spec) for spec in config.auth]
            for identity in identities:
                if identity.token:
                    client.add_secret(identity.token, f"TOKEN_{identity.name.upper()}")
            if config.login is not None:
                identities += await from_recipe(ctx, config.login)
                ctx.login = (config.login.method.upper(), config.login.path, config.login.encoding)
            if not identities and config.provision:
                identities = await provision(ctx)
            for identity in identities:  # the identity's own name and id, from its token's claims
                learn_from_token(identity)
            ctx.identities = identities
            try:
                proved = await run_canary(ctx)
                # checks read the canary at its path as is: one with path parameters (an identity's own record)
                # proves the identities but is not handed on
                ctx.canary = proved if proved is not None and not proved.path_params else None
                await learn_ids_by_scan(ctx)
            except BudgetExhausted:
                raise ProbeAbort("the request budget ran out while proving the identities; raise the budget") from None
            await _fixtures(ctx)
        finally:
            current_check.reset(token)
        try:
            await run_checks(ctx, names)
        finally:
            await ctx.finish()
        findings = dedupe(ctx.findings)
    finally:
        await client.aclose()
    seconds = time.monotonic() - started
    emit("probe.finish", {"findings": len(findings), "seconds": seconds})
    coverage = ctx.coverage.summary(names, client.log, bans.banned if bans.episodes else None)
    stats = {"operations": len(ops), "identities": [i.name for i in ctx.identities],
             "canary": proved.key if proved else None, "objects_created": len(ctx.created),
             "throttling": client.throttle_report,
             "outage": {"refused": client.outage["refused"], "seconds_waited": round(client.outage_waited, 2)}}
    notes = list(ctx.notes)
    if client.throttle["throttled"]:
        t = client.throttle_report
        notes.append(f"rate limiting: {t['throttled_answers']} answer(s) were 429/503 (counted as unknown, never "
                     f"as success or failure); {t['retries']} request(s) of the budget went to retries and "
                     f"{t['seconds_waited']} s to waiting as the server asked")
    if client.outage["refused"]:
        notes.append(f"outage: the target refused connections {client.outage['refused']} time(s) after it had "
                     f"answered (restarting after a crash?); the probe waited {client.outage_waited:.1f} s in all for "
                     "it to come back, and a request it could not send is counted as not tested")
    notes += bans.notes(client.max_wait)
    notes += [f"coverage: {line}" for line in coverage["why_incomplete"]]
    return ProbeResult(findings=findings, rules=all_rules(), requests_used=client.requests_used, seconds=seconds,
                       shares=dict(client.shares), notes=notes, exchanges=list(client.log), stats=stats,
                       coverage=coverage, redact=client.redact)


__all__ = ["ProbeConfig", "load_targets", "probe"]
