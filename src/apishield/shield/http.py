"""HTTP helpers shared by the pipeline and every adapter: the outcome, problem answers, one ``Vary`` merger.

Everything here is framework-free. Adapters turn an :class:`Outcome` into their framework's response and
merge the shield's headers into the application's with :func:`merge_headers` (header lists) or
:func:`apply_headers` (mutable header mappings); both combine ``Vary`` through :func:`vary_missing`, the one
place that knows how ``Vary`` values add up.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from apishield.errors import Reject

Header = tuple[str, str]
_LOWER: dict[str, str] = {}


@dataclass(slots=True)
class Outcome:
    """The shield's answer.

    ``allowed``: call the application, then add ``headers`` to its response (``principal`` is who called).
    Otherwise answer with ``status``, ``headers`` (complete, content type included) and ``body``.
    """

    allowed: bool
    principal: Any = None
    headers: list[Header] = field(default_factory=list)
    status: int = 200
    body: bytes = b""


def problem_outcome(
    reject: Reject, extra: Iterable[Header] = (), security: Iterable[Header] = (), *, head: bool = False
) -> Outcome:
    """The terminal answer for ``reject``: its problem+json document and headers, then ``extra`` (CORS, rate
    limit) and the ``security`` headers. No body for HEAD, 204 and 304 (and no content type for the latter)."""
    status = reject.status
    headers = list(reject.response_headers().items())
    headers.extend(extra)
    headers.extend(security)
    if status in (204, 304):
        return Outcome(False, None, [(k, v) for k, v in headers if k.lower() != "content-type"], status, b"")
    return Outcome(False, None, headers, status, b"" if head else reject.problem.body())


def error_outcome(status: int, detail: str = "") -> Outcome:
    """A bare problem+json answer (no request at hand, so no security headers)."""
    return problem_outcome(Reject(status, detail))


def vary_missing(lines: Iterable[str], extra: str) -> str:
    """The tokens of ``extra`` (a ``Vary`` value) that none of ``lines`` lists, comma-joined ('' if none)."""
    have = {v.strip().lower() for line in lines for v in line.split(",") if v.strip()}
    missing: list[str] = []
    for item in extra.split(","):
        item = item.strip()
        if item and item.lower() not in have:
            missing.append(item)
            have.add(item.lower())
    return ", ".join(missing)


def merge_vary(current: str, extra: str) -> str:
    """One ``Vary`` value holding the tokens of ``current`` and those of ``extra`` it lacks."""
    missing = vary_missing((current,), extra)
    if not missing:
        return current
    return f"{current}, {missing}" if current.strip() else missing


def merge_headers(existing: list[Header], extra: list[Header], known: frozenset[str] | None = None) -> list[Header]:
    """``existing`` plus those of ``extra`` not already set; ``Vary`` values are combined.

    ``known`` (lower-case) names every header ``extra`` can hold: when none of the application's headers is
    among them, the lists are simply joined (the usual case: the app sets only Content-Type/Length).
    """
    if known is not None:
        for name, _ in existing:
            if name.lower() in known:
                break
        else:
            return existing + extra
    present = {k.lower() for k, _ in existing}
    out = list(existing)
    has_vary = "vary" in present
    lower = _LOWER
    for item in extra:
        name = item[0]
        low = lower.get(name)
        if low is None:
            low = name.lower()
            if len(lower) < 512:
                lower[name] = low
        if low not in present:
            out.append(item)
            present.add(low)
            if low == "vary":
                has_vary = True
        elif has_vary and low == "vary":
            out = _merge_vary_lines(out, item[1])
    return out


def _merge_vary_lines(headers: list[Header], extra: str) -> list[Header]:
    """Add the tokens of ``extra`` missing from *all* the ``Vary`` lines to the first one (no duplicates)."""
    missing = vary_missing((v for k, v in headers if k.lower() == "vary"), extra)
    if not missing:
        return headers
    out: list[Header] = []
    done = False
    for k, v in headers:
        if not done and k.lower() == "vary":
            out.append((k, merge_vary(v, missing)))
            done = True
        else:
            out.append((k, v))
    return out


def apply_headers(target: MutableMapping[str, str], extra: Iterable[Header]) -> None:
    """Add ``extra`` to a mutable header mapping (Flask/Bottle/CherryPy responses) without overriding."""
    for name, value in extra:
        if name.lower() == "vary" and name in target:
            target[name] = merge_vary(target[name], value)
        elif name not in target:
            target[name] = value


def status_line(status: int) -> str:
    """``"404 Not Found"``; unknown codes get ``"<code> Error"``."""
    from http import HTTPStatus

    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Error"


__all__ = [
    "Header",
    "Outcome",
    "apply_headers",
    "error_outcome",
    "merge_headers",
    "merge_vary",
    "problem_outcome",
    "status_line",
    "vary_missing",
]
