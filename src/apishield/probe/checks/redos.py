"""ReDoS by growth curve: string parameters get inputs of growing length built to make backtracking regexes
explode (``aaaa…!``); a finding needs the answer time to grow super-linearly over the curve and exceed a
calibrated baseline. The curve stops early as soon as one answer is slow, so a vulnerable server is only hit
with one expensive request."""

from __future__ import annotations

from apishield.probe import rules
from apishield.probe.checks._util import try_send, who_for
from apishield.probe.engine import Context, check
from apishield.probe.targets import sample_value

LENGTHS = (12, 16, 19, 22, 24, 26)
SLOW = 1.0
CANDIDATE = ("email", "pattern", "regex", "name", "username", "code", "phone", "url", "filter", "q", "query",
             "search", "tag", "slug", "text")


@check("redos", rules=(rules.REDOS,), weight=4, phase="input", order=20)
async def redos(ctx: Context) -> None:
    """Super-linear response time growth over input length (early stop)."""
    ops = [op for op in ctx.operations if op.method == "GET" and not op.looks_destructive()
           and any(p.location == "query" and (p.schema.get("pattern") or p.name.lower() in CANDIDATE)
                   for p in op.params)]
    ctx.plan(ops)
    if not ops:
        ctx.not_applicable("no query parameter with a pattern or a regex-prone name")
    for op in ops:
        who = who_for(ctx, op)
        for p in op.params:
            if p.location != "query" or not (p.schema.get("pattern") or p.name.lower() in CANDIDATE):
                continue
            query = {q.name: sample_value(q.schema, ctx.rng, q.name) for q in op.params if q.location == "query"}
            path = ctx.concrete_path(op, who) or op.path
            base = await try_send(ctx, "GET", path, op=op, identity=who, params=query)
            if base is None or base.status is None:
                continue
            curve: list[tuple[int, float]] = []
            for n in LENGTHS:
                value = "a" * n + "!"
                ex = await try_send(ctx, "GET", path, op=op, identity=who, params={**query, p.name: value},
                                    timeout=SLOW * 3)
                if ex is None:
                    break
                curve.append((n, ex.elapsed if ex.status is not None else SLOW * 3))
                if curve[-1][1] > SLOW + base.elapsed:
                    growth = curve[-1][1] / max(curve[0][1], 0.001)
                    if len(curve) >= 2 and growth > 5:
                        ctx.report(rules.REDOS, f"{p.name!r}: answer time grows super-linearly with input length "
                                   f"({', '.join(f'{k} chars {t:.3f}s' for k, t in curve)})", ex, op=op,
                                   parameter=p.name, curve=curve)
                    break
