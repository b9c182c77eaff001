"""Coverage accounting: which operations each check really tested, and why the others were not.

The unit is one *(check, operation)* pair. Each unit ends in one state:

* ``ran`` — the check got at least one definitive answer for the operation and none was throttled;
* ``inconclusive`` — it tried, but the answers cannot decide: ``429``/``503`` (rate limited or unavailable —
  never read as success or failure), no answer at all (connection error, timeout), or the budget ran out
  in the middle;
* ``skipped`` — it could not try, with a reason (no identity, the budget ran out first, refused as unsafe);
* ``n/a`` — nothing to test there (shown, never counted).

Units come from two places: the exchanges the client recorded (each tagged with its check and operation) and
what the checks declare (:meth:`Coverage.plan` for the operations they mean to test, :meth:`Coverage.mark`
for a skip with a reason). A run is **complete** when at least ``threshold`` of the counted units ran and
every check that had something to test ran at least once; only a complete run gets a score.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from apishield.probe.client import Exchange

State = Literal["ran", "skipped", "inconclusive", "n/a"]
WHOLE = "*"  # the operation name of a unit that stands for the whole check
DEFAULT_THRESHOLD = 0.8
THROTTLED = frozenset({429, 503})
RANK = {"n/a": 0, "ran": 1, "skipped": 2, "inconclusive": 3}


@dataclass(slots=True)
class Unit:
    check: str
    operation: str
    state: State
    reason: str = ""


@dataclass(slots=True)
class Coverage:
    threshold: float = DEFAULT_THRESHOLD
    _marks: dict[tuple[str, str], Unit] = field(default_factory=dict)
    _planned: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    _stopped: dict[str, str] = field(default_factory=dict)
    #: check -> the operations it was in the middle of when its share ran out (begun, not finished; several when the
    #: check tests operations concurrently)
    _interrupted: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def plan(self, check: str, operations: Iterable[str]) -> None:
        """``check`` means to test these operations; any it never reaches count as skipped."""
        for op in operations:
            if op not in self._planned[check]:
                self._planned[check].append(op)

    def mark(self, check: str, operation: str, state: State, reason: str) -> None:
        """Record a state with a reason; a worse state (inconclusive > skipped > ran > n/a) wins."""
        key = (check, operation)
        old = self._marks.get(key)
        if old is None or RANK[state] > RANK[old.state]:
            self._marks[key] = Unit(check, operation, state, reason)

    def stopped(self, check: str, reason: str) -> None:
        """The check ended early (budget, internal error): its unreached planned operations say why."""
        self._stopped.setdefault(check, reason)

    def interrupted(self, check: str, operation: str) -> None:
        """``check`` stopped in the middle of ``operation``: begun is not tested; a resumed run does it again."""
        self._interrupted[check].add(operation)

    def resumed(self, check: str) -> None:
        """``check`` went on and finished what it had begun."""
        self._interrupted.pop(check, None)

    def unreached(self, check: str, log: Iterable[Exchange]) -> list[str]:
        """The operations ``check`` planned and never sent a request for nor marked, and the one it was cut short in
        (what a resumed run should do)."""
        sent = {ex.operation for ex in log if ex.check == check}
        cut = self._interrupted.get(check, set())
        return [op for op in self._planned.get(check, [])
                if op in cut or (op not in sent and (check, op) not in self._marks)]

    # -- the verdict -------------------------------------------------------------------------------------
    def units(self, checks: Iterable[str], log: Iterable[Exchange],
              banned: Callable[[int], bool] | None = None) -> list[Unit]:
        """Every unit of the run, from the recorded exchanges, the plans and the explicit marks; ``banned(seq)``:
        whether request ``seq`` was answered while the target had banned the client (one reason for all of them)."""
        names = list(checks)
        seen: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        errors: dict[tuple[str, str], str] = {}
        for ex in log:
            if ex.check not in names or not ex.operation:
                continue
            key = (ex.check, ex.operation)
            if ex.status is None:
                seen[key]["error"] += 1
                errors.setdefault(key, ex.error or "no answer")
            elif ex.status in THROTTLED and not ex.expect_throttle:
                seen[key]["throttled"] += 1
                errors[key] = f"answered {ex.status}"
                if banned is not None and banned(ex.seq):
                    seen[key]["banned"] += 1
            else:
                seen[key]["ok"] += 1
        out: dict[tuple[str, str], Unit] = {}
        for key, counts in seen.items():
            if counts["banned"] and counts["banned"] == counts["throttled"]:
                out[key] = Unit(*key, "inconclusive", "the client was banned (see the note 'banned')")
            elif counts["throttled"]:
                out[key] = Unit(*key, "inconclusive", f"{counts['throttled']} of {sum(counts.values())} answers "
                                f"were {errors[key].removeprefix('answered ')} (rate limited / unavailable: unknown)")
            elif counts["ok"]:
                out[key] = Unit(*key, "ran")
            else:
                out[key] = Unit(*key, "inconclusive", f"no answer ({errors[key]})")
        for check in names:
            for op in self._planned.get(check, []):
                if (check, op) not in out and (check, op) not in self._marks:
                    reason = self._stopped.get(check, "not reached")
                    out[(check, op)] = Unit(check, op, "skipped", reason)
        for key, unit in self._marks.items():
            if unit.check in names and (key not in out or RANK[unit.state] > RANK[out[key].state]):
                out[key] = unit
        for check, op in ((c, o) for c, ops in self._interrupted.items() for o in sorted(ops)):
            if check in names and (check, op) in out and out[(check, op)].state == "ran":
                out[(check, op)] = Unit(check, op, "skipped", f"cut short ({self._stopped.get(check, 'budget')})")
        for check, reason in self._stopped.items():
            if check in names and not any(u.check == check for u in out.values()):
                out[(check, WHOLE)] = Unit(check, WHOLE, "inconclusive", reason)
        return sorted(out.values(), key=lambda u: (names.index(u.check), u.operation))

    def summary(self, checks: Iterable[str], log: Iterable[Exchange],
                banned: Callable[[int], bool] | None = None) -> dict[str, Any]:
        """The coverage document shown in every report format."""
        names = list(checks)
        units = self.units(names, log, banned)
        per: dict[str, Counter[str]] = {n: Counter() for n in names}
        reasons: dict[str, Counter[str]] = {n: Counter() for n in names}
        for u in units:
            per[u.check][u.state] += 1
            if u.state != "ran":
                reasons[u.check][u.reason or u.state] += 1
        counted = [u for u in units if u.state != "n/a"]
        ran = sum(1 for u in counted if u.state == "ran")
        ratio = ran / len(counted) if counted else 0.0
        untested = [n for n in names if per[n]["skipped"] + per[n]["inconclusive"] and not per[n]["ran"]]
        why: list[str] = []
        if not counted:
            why.append("nothing was tested")
        elif ratio < self.threshold:
            why.append(f"only {ran} of {len(counted)} (check, operation) units ran ({ratio:.0%} < "
                       f"{self.threshold:.0%})")
        if untested:
            why.append("not tested at all: " + ", ".join(untested))
        gone = went_silent(list(log))
        if gone:  # what was sent after it tested nothing, whatever the units say
            why.append(gone)
        checks_doc = {n: {"ran": per[n]["ran"], "skipped": per[n]["skipped"],
                          "inconclusive": per[n]["inconclusive"], "n/a": per[n]["n/a"],
                          "reasons": dict(reasons[n].most_common(5))} for n in names}
        return {
            "complete": not why,
            "ratio": round(ratio, 3),
            "threshold": self.threshold,
            "units": {"ran": ran, "counted": len(counted),
                      "skipped": sum(1 for u in counted if u.state == "skipped"),
                      "inconclusive": sum(1 for u in counted if u.state == "inconclusive")},
            "why_incomplete": why,
            "checks": checks_doc,
            "not_ran": [{"check": u.check, "operation": u.operation, "state": u.state, "reason": u.reason}
                        for u in units if u.state in ("skipped", "inconclusive")][:200],
        }


#: this many unanswered requests in a row, to the end of the run, mean the target went away
SILENT_RUN = 5


def silent_from(log: list[Exchange]) -> int | None:
    """The index of the first request of the silent run that ends the log (every request from it on got no
    connection at all, at least :data:`SILENT_RUN` of them, after the target had answered); None otherwise."""
    answered = [i for i, ex in enumerate(log) if ex.status is not None]
    if not answered:
        return None
    after = log[answered[-1] + 1:]
    if len(after) < SILENT_RUN or any(ex.status is not None or not ex.error for ex in after):
        return None
    return answered[-1] + 1


def went_silent(log: list[Exchange]) -> str:
    """When the target stopped answering for good: which request it last answered, so a reader can tell a crash
    the probe provoked (a payload that killed the server) from a target that was never there; empty otherwise."""
    first = silent_from(log)
    if first is None:
        return ""
    ex = log[first]
    return (f"the target stopped answering at request {first + 1} of {len(log)} ({ex.method} {ex.path}, the first "
            f"of {len(log) - first} that got no answer: {ex.error}); it answered every request before it, so that "
            "request may have crashed it")


__all__ = ["DEFAULT_THRESHOLD", "SILENT_RUN", "WHOLE", "Coverage", "State", "Unit", "silent_from", "went_silent"]
