"""Time-based SQL injection for one parameter of the injection check (see
:mod:`apishield.probe.checks.injection`): a heavy sub-query (SQLite recursive CTE, ``pg_sleep``, ``SLEEP``) at two
sizes after a calibrated baseline; the delay must appear, grow with the size, and repeat. Runs alone, one parameter
after another, so that concurrent requests do not disturb the timings.
"""

from __future__ import annotations

import asyncio
import statistics
from typing import TYPE_CHECKING

from apishield.probe import rules
from apishield.probe.engine import Context

if TYPE_CHECKING:
    from apishield.probe.checks.injection import Sender, Slot

TIME_PAYLOADS = (
    ("SQLite heavy query", "'||(SELECT count(*) FROM (WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM r "
     "LIMIT {n}) SELECT i FROM r))||'", (3_000_000, 6_000_000)),
    ("PostgreSQL pg_sleep", "'||(SELECT '' FROM pg_sleep({n}))||'", (1, 2)),
    ("MySQL SLEEP", "' AND SLEEP({n})-- ", (1, 2)),
)
#: the same for a value pasted into SQL as a number (``WHERE id = `` + id): no quote to close
NUMERIC_TIME_PAYLOADS = (
    ("SQLite heavy query", " AND 0<(SELECT count(*) FROM (WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i+1 "
     "FROM r LIMIT {n}) SELECT i FROM r))", (3_000_000, 6_000_000)),
    ("PostgreSQL pg_sleep", " AND 1=(SELECT 1 FROM pg_sleep({n}))", (1, 2)),
    ("MySQL SLEEP", " AND 0=SLEEP({n})", (1, 2)),
)
TIME_COST = 9  # requests a time-based test needs at least: 3 baselines, each size twice, a plain control


def payloads_for(slot: Slot, send: Sender) -> tuple[tuple[str, str, tuple[int, int]], ...]:
    """The time payloads for the slot: unquoted ones for a number; for text whose sample is all digits (an id the
    description types as a string) the quoted ones, then the unquoted ones, as the server may paste it either way."""
    if slot.numeric:
        return NUMERIC_TIME_PAYLOADS
    return TIME_PAYLOADS + (NUMERIC_TIME_PAYLOADS if str(send.seen).strip().isdigit() else ())


async def sql_time(ctx: Context, slot: Slot, send: Sender) -> bool:
    """Report a delay that grows with the payload's size and comes back on repeat.

    A busy machine makes single timings noisy, so a payload that shows a delay against the fastest baseline
    but fails the proportionality test is measured once more against a fresh baseline; a quiet endpoint costs
    one calibration and one request per payload.
    """
    async with ctx.timing:
        samples = await calibrate(send)
        for label, template, (small, large) in payloads_for(slot, send):
            for attempt in range(2):
                if samples is None:
                    return False
                outcome = await time_round(ctx, slot, send, samples, label, template, small, large)
                if outcome in ("found", None):
                    return outcome == "found"
                if outcome == "quiet" or attempt:
                    break
                samples = await calibrate(send)
        return False


async def calibrate(send: Sender) -> list[float] | None:
    samples: list[float] = []
    for attempt in range(5):  # a server that restarts after a crash (an earlier test's) is given two more seconds
        ex = await send(send.default)
        if ex is None or (ex.status is None and attempt - len(samples) >= 2):
            return None
        if ex.status is None:
            await asyncio.sleep(1.0)
            continue
        samples.append(ex.elapsed)
        if len(samples) == 3:
            return samples
    return None


async def time_round(ctx: Context, slot: Slot, send: Sender, samples: list[float], label: str,
                          template: str, small: int, large: int) -> str | None:
    """One round: "found", "quiet" (no delay at all), "unsure" (a delay, not shown proportional) or None.

    Each size is measured twice and the faster answer counts, so one stall of a busy machine (on any single
    request) neither hides a proportional delay nor makes one; the baseline is the calibration's median for
    the same reason, and a plain request sent after a candidate must answer at the baseline, so an endpoint
    that is merely slow at random is not reported."""
    base, slowest = statistics.median(samples), max(samples)
    first = await send(f"{send.default}{template.format(n=small)}", timeout=slowest + 8)
    if first is None or first.elapsed - min(samples) < 0.3:
        return "quiet"
    if first.elapsed - base < 0.3:
        return "unsure"
    sizes = (large, small, large)
    answers = [await send(f"{send.default}{template.format(n=n)}", timeout=slowest + (12 if n == large else 8))
               for n in sizes]
    if any(ex is None for ex in answers):
        return None
    second, again, third = (ex for ex in answers if ex is not None)
    d1, d2 = min(first.elapsed, again.elapsed) - base, min(second.elapsed, third.elapsed) - base
    if not (d1 > 0.3 and d2 > 1.3 * d1 and d2 > 0.6):
        return "unsure"
    control = await send(send.default)
    if control is None or control.status is None or control.elapsed - base >= 0.3:
        return "unsure"
    ctx.report(rules.SQLI_TIME, f"{slot.name!r}: {label} delays the answer in proportion to its size "
               f"(baseline {base:.2f}s, +{d1:.2f}s at {small}, +{d2:.2f}s at {large}, each the faster of two; "
               f"a plain value right after answers at the baseline)",
               second, op=slot.op, parameter=slot.name, delays=[round(d1, 3), round(d2, 3)])
    return "found"


async def sql_time_later(ctx: Context, senders: list[Sender]) -> None:
    """The time-based tests the check's share had no room for, on what the run has left after every check."""
    for index, send in enumerate(senders):
        if ctx.client.check_remaining() < TIME_COST:
            ctx.notes.append(f"injection: the budget left no room for time-based tests on {len(senders) - index} "
                             "parameter(s) (weakest signals); raise --budget to cover them")
            return
        await sql_time(ctx, send.slot, send)
