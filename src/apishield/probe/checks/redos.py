"""ReDoS by growth curve: string query parameters and JSON body fields get inputs of growing length built to
make backtracking regexes explode (``aaaa…!``); a finding needs the answer time to grow super-linearly over the
curve and exceed a calibrated baseline. A curve that stayed flat until one slow answer is asked that input once
more: a stall caused elsewhere does not repeat. The curve stops early as soon as one answer is slow, so a
vulnerable server is hit with one expensive request, two when its curve rose in a single step.

The share is spent by expected value: every input first gets the two cheap points of its curve (a backtracking
pattern is already a hundred times slower at 19 characters than at 12); a curve that rose gets its longer, dearer
points at once, flat ones only with what is left at the end, so a short share is not used up on flat curves listed
first."""

from __future__ import annotations

from apishield.probe import rules
from apishield.probe.checks._util import try_send, who_for
from apishield.probe.client import Exchange
from apishield.probe.engine import Context, check
from apishield.probe.targets import Operation, sample_value

LENGTHS = (12, 19, 22, 24, 26)
#: the cheap first points of every input's curve; the rest of LENGTHS follow where they rose most
SIGNAL = LENGTHS[:2]
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
    """Super-linear response time growth over input length (cheap points first, early stop)."""
    inputs = _inputs(ctx)
    ctx.plan(dict.fromkeys(op.key for op, _, _ in inputs))
    if not inputs:
        ctx.not_applicable("no query parameter or body field with a pattern or a regex-prone name")
    curves = [_Curve(ctx, op, name, where) for op, name, where in inputs]
    rest, flat = LENGTHS[len(SIGNAL):], []
    for curve in curves:
        await curve.extend(SIGNAL)
        if curve.open and curve.rise() >= RISING:
            await curve.extend(rest)  # the cheap points rose: the dear ones now, before the next input's
        elif curve.open:
            flat.append(curve)
    # what is left of the share goes to the flat curves, the least flat first (a stable sort keeps spec order)
    for curve in sorted(flat, key=lambda c: -c.rise()):
        await curve.extend(rest)


def _took(ex: Exchange) -> float:
    """How long the answer took; an answer that never came (the timeout, ``SLOW * 3``) counts as that long."""
    return ex.elapsed if ex.status is not None else SLOW * 3


class _Curve:
    """One input's growth curve, extended in steps; ``open`` until it was judged (reported, noted) or cut off."""

    def __init__(self, ctx: Context, op: Operation, name: str, where: str) -> None:
        self.ctx, self.op, self.name, self.where = ctx, op, name, where
        self.who = who_for(ctx, op)
        self.query = {q.name: sample_value(q.schema, ctx.rng, q.name) for q in op.params if q.location == "query"}
        self.body = ctx.body_for(op) if where == "body" else None
        self.path = ctx.concrete_path(op, self.who) or op.path
        self.base: Exchange | None = None
        self.points: list[tuple[int, float]] = []
        self.open = True

    def rise(self) -> float:
        """How much the answer time grew between the first and the last point so far."""
        if len(self.points) < 2:
            return 0.0
        return self.points[-1][1] / max(self.points[0][1], 0.001)

    async def send(self, value: str | None, timeout: float | None = None) -> Exchange | None:
        q, b = dict(self.query), dict(self.body) if self.body is not None else None
        if value is not None:
            if b is not None:
                b[self.name] = value
            else:
                q[self.name] = value
        return await try_send(self.ctx, self.op.method, self.path, op=self.op, identity=self.who, params=q or None,
                              json_body=b, timeout=timeout)

    async def extend(self, lengths: tuple[int, ...]) -> None:
        """Send the next points; judge the curve as soon as one answer is slow."""
        if self.base is None:
            self.base = await self.send(None)
            if self.base is None or self.base.status is None:
                self.open = False
                return
        limit = SLOW + self.base.elapsed  # an answer slower than this is a slow one
        for n in lengths:
            ex = await self.send("a" * n + "!", timeout=SLOW * 3)
            if ex is None:
                self.open = False
                return
            self.points.append((n, _took(ex)))
            if self.points[-1][1] > limit:
                self.open = False
                await self._judge(n, ex, limit)
                return

    async def _judge(self, n: int, ex: Exchange, limit: float) -> None:
        ctx, curve = self.ctx, self.points
        if self.rise() <= 5:
            return
        shown, repeat = ex, ""
        if curve[-2][1] < RISING * max(curve[0][1], 0.001):
            # flat, then one slow answer: the same input once more. A pattern that backtracks is slow every
            # time; a stall caused elsewhere (another request holding a one-threaded server) does not repeat
            again = await self.send("a" * n + "!", timeout=SLOW * 3)
            if again is None:
                return
            took = _took(again)
            if took <= limit:
                ctx.notes.append(f"redos: {self.op.key} {self.name!r}: one slow answer at {n} characters "
                                 f"({curve[-1][1]:.3f}s) after a flat curve was {took:.3f}s when sent again: "
                                 "a stall elsewhere, not reported")
                return
            shown = ex if ex.status is not None or again.status is None else again
            repeat = f"; {took:.3f}s when sent again"
        ctx.report(rules.REDOS, f"{self.name!r} ({self.where}): answer time grows super-linearly with input length "
                   f"({', '.join(f'{k} chars {t:.3f}s' for k, t in curve)}{repeat})",
                   shown, op=self.op, parameter=self.name, curve=curve)
