"""ReDoS by growth curve: string query parameters and JSON body fields get inputs of growing length built to
make backtracking regexes explode (``aaaa…!``); a finding needs the answer time to grow super-linearly over the
curve and exceed a calibrated baseline. A curve that stayed flat until one slow answer is asked that input once
more: a stall caused elsewhere does not repeat. The curve stops early as soon as one answer is slow, so a
vulnerable server is hit with one expensive request, two when its curve rose in a single step."""

from __future__ import annotations

from apishield.probe import rules
from apishield.probe.checks._util import try_send, who_for
from apishield.probe.client import Exchange
from apishield.probe.engine import Context, check
from apishield.probe.targets import Operation, sample_value

LENGTHS = (12, 16, 19, 22, 24, 26)
SLOW = 1.0
#: how much the answer before the slow one must have grown over the first for the curve to show the rise itself
RISING = 3.0
CANDIDATE = ("email", "pattern", "regex", "name", "username", "code", "phone", "url", "filter", "q", "query",
             "search", "tag", "slug", "text")


def _prone(name: str, schema: dict[str, object]) -> bool:
    return bool(schema.get("pattern")) or name.lower() in CANDIDATE


def _inputs(ctx: Context) -> list[tuple[Operation, str, str]]:
    """(operation, name, where) for every regex-prone string input: query parameters of GET operations and
    JSON body fields of POST/PUT/PATCH operations (the validation of a submitted object is where patterns live)."""
    out: list[tuple[Operation, str, str]] = []
    for op in ctx.operations:
        if op.looks_destructive():
            continue
        if op.method == "GET":
            out += [(op, p.name, "query") for p in op.params if p.location == "query" and _prone(p.name, p.schema)]
        elif op.method in ("POST", "PUT", "PATCH") and not op.form_encoded:
            out += [(op, name, "body") for name, sub in op.body_fields.items()
                    if isinstance(sub, dict) and sub.get("type", "string") == "string" and _prone(name, sub)
                    and "pass" not in name.lower()]
    # query parameters first (cheap, safe GETs), then body fields, for as long as the check's share lasts
    return sorted(out, key=lambda item: item[2] == "body")


@check("redos", rules=(rules.REDOS,), weight=4, phase="input", order=20)
async def redos(ctx: Context) -> None:
    """Super-linear response time growth over input length (early stop)."""
    inputs = _inputs(ctx)
    ctx.plan(dict.fromkeys(op.key for op, _, _ in inputs))
    if not inputs:
        ctx.not_applicable("no query parameter or body field with a pattern or a regex-prone name")
    for op, name, where in inputs:
        await _curve(ctx, op, name, where)


def _took(ex: Exchange) -> float:
    """How long the answer took; an answer that never came (the timeout, ``SLOW * 3``) counts as that long."""
    return ex.elapsed if ex.status is not None else SLOW * 3


async def _curve(ctx: Context, op: Operation, name: str, where: str) -> None:
    who = who_for(ctx, op)
    query = {q.name: sample_value(q.schema, ctx.rng, q.name) for q in op.params if q.location == "query"}
    body = ctx.body_for(op) if where == "body" else None
    path = ctx.concrete_path(op, who) or op.path

    async def send(value: str | None, timeout: float | None = None) -> Exchange | None:
        q, b = dict(query), dict(body) if body is not None else None
        if value is not None:
            if b is not None:
                b[name] = value
            else:
                q[name] = value
        return await try_send(ctx, op.method, path, op=op, identity=who, params=q or None, json_body=b,
                              timeout=timeout)

    base = await send(None)
    if base is None or base.status is None:
        return
    curve: list[tuple[int, float]] = []
    for n in LENGTHS:
        ex = await send("a" * n + "!", timeout=SLOW * 3)
        if ex is None:
            return
        curve.append((n, _took(ex)))
        if curve[-1][1] > SLOW + base.elapsed:
            growth = curve[-1][1] / max(curve[0][1], 0.001)
            if len(curve) >= 2 and growth > 5:
                shown, repeat = ex, ""
                if curve[-2][1] < RISING * max(curve[0][1], 0.001):
                    # flat, then one slow answer: the same input once more. A pattern that backtracks is slow every
                    # time; a stall caused elsewhere (another request holding a one-threaded server) does not repeat
                    again = await send("a" * n + "!", timeout=SLOW * 3)
                    if again is None:
                        return
                    took = _took(again)
                    if took <= SLOW + base.elapsed:
                        ctx.notes.append(f"redos: {op.key} {name!r}: one slow answer at {n} characters "
                                         f"({curve[-1][1]:.3f}s) after a flat curve was {took:.3f}s when sent again: "
                                         "a stall elsewhere, not reported")
                        return
                    shown = ex if ex.status is not None or again.status is None else again
                    repeat = f"; {took:.3f}s when sent again"
                ctx.report(rules.REDOS, f"{name!r} ({where}): answer time grows super-linearly with input length "
                           f"({', '.join(f'{k} chars {t:.3f}s' for k, t in curve)}{repeat})",
                           shown, op=op, parameter=name, curve=curve)
            return
