"""Rate-limit values and the limit-string grammar.

Grammar (case-insensitive; several limits are separated by ``;`` or ``,``)::

    limits   := limit ((";" | ",") limit)*
    limit    := [name ":"] amount ("/" | "per") [count] unit option*
    unit     := second | minute | hour | day | week   (plural and short forms: s, sec, m, min, h, hr, d, w)
    option   := "burst" N | strategy
    strategy := fixed-window | sliding-window | token-bucket | gcra    ("fixed", "sliding" also accepted)

Examples: ``"100/minute"``, ``"10/second; 1000/day"``, ``"5/second burst 20"``, ``"1000 per 10 minutes"``,
``"login: 5/minute fixed-window"``. Without a strategy a limit uses the sliding-window counter, or GCRA when
it names a burst (a burst is the bucket size, which only the bucket strategies have).

Strings are parsed once and cached; a bad string raises :class:`~apishield.errors.ConfigError` naming the
bad part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal, NamedTuple

from apishield.errors import ConfigError

Strategy = Literal["fixed_window", "sliding_window", "token_bucket", "gcra"]
STRATEGIES: tuple[Strategy, ...] = ("fixed_window", "sliding_window", "token_bucket", "gcra")
DEFAULT_STRATEGY: Strategy = "sliding_window"
BURST_STRATEGY: Strategy = "gcra"

_UNITS: dict[str, float] = {}
for _names, _seconds in (
    (("s", "sec", "secs", "second", "seconds"), 1.0),
    (("m", "min", "mins", "minute", "minutes"), 60.0),
    (("h", "hr", "hrs", "hour", "hours"), 3600.0),
    (("d", "day", "days"), 86400.0),
    (("w", "week", "weeks"), 604800.0),
):
    for _name in _names:
        _UNITS[_name] = _seconds
_UNIT_WORD = {1.0: "second", 60.0: "minute", 3600.0: "hour", 86400.0: "day", 604800.0: "week"}

_STRATEGY_WORDS: dict[str, Strategy] = {
    "fixed": "fixed_window",
    "fixed-window": "fixed_window",
    "fixed_window": "fixed_window",
    "sliding": "sliding_window",
    "sliding-window": "sliding_window",
    "sliding_window": "sliding_window",
    "token-bucket": "token_bucket",
    "token_bucket": "token_bucket",
    "bucket": "token_bucket",
    "gcra": "gcra",
}

_HEAD = re.compile(
    r"""\A\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*)\s*:\s*)?
        (?P<amount>[0-9]+)\s*(?:/|\s+per\s+)\s*
        (?P<count>[0-9]+(?:\.[0-9]+)?)?\s*(?P<unit>[A-Za-z]+)
        (?P<rest>.*)\Z""",
    re.VERBOSE | re.DOTALL,
)
MAX_AMOUNT = 10**15
"""Largest amount or burst: counts stay exact as floats (Redis Lua numbers are doubles, exact below 2**53)."""
MAX_WINDOW = 10 * 366 * 86400.0
"""Longest window (about ten years); TTLs derived from it stay within every store's range."""
_DIGITS = re.compile(r"[0-9]{1,32}")
_EXAMPLES = "e.g. '100/minute', '10/second; 1000/day' or '5/second burst 20'"


@dataclass(frozen=True, slots=True)
class Limit:
    """``amount`` units per ``window`` seconds, decided by ``strategy``.

    ``burst`` is the bucket size for ``token_bucket`` and ``gcra`` (default: ``amount``): up to ``burst``
    units at once, refilled at ``amount / window`` per second. ``name`` is the policy name announced in the
    ``RateLimit-Policy`` header; ``id`` keys the stored state and stays the same when adaptive limiting
    scales ``amount`` down, so a scaled limit keeps counting where the full one stopped.
    """

    amount: int
    window: float
    burst: int | None = None
    strategy: Strategy = DEFAULT_STRATEGY
    name: str = ""
    id: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 1:
            raise ConfigError(f"rate limit amount must be a whole number >= 1, not {self.amount!r}")
        if self.amount > MAX_AMOUNT:
            raise ConfigError(f"rate limit amount must be at most {MAX_AMOUNT}, not {self.amount!r}")
        if not 0 < self.window <= MAX_WINDOW:
            raise ConfigError(f"rate limit window must be > 0 and at most {MAX_WINDOW:g} seconds, not {self.window!r}")
        if self.strategy not in STRATEGIES:
            raise ConfigError(f"rate limit strategy {self.strategy!r} is unknown; use one of {', '.join(STRATEGIES)}")
        if self.burst is not None:
            if self.strategy not in ("token_bucket", "gcra"):
                raise ConfigError(
                    f"rate limit burst applies to token_bucket and gcra, not {self.strategy}; drop the burst "
                    "or pick a bucket strategy"
                )
            if isinstance(self.burst, bool) or not isinstance(self.burst, int) or not 1 <= self.burst <= MAX_AMOUNT:
                raise ConfigError(f"rate limit burst must be a whole number from 1 to {MAX_AMOUNT}, not {self.burst!r}")
        if not self.name:
            object.__setattr__(self, "name", _default_name(self.amount, self.window))
        if not self.id:
            object.__setattr__(self, "id", f"{self.name}:{self.strategy}:{self.window:g}")

    @property
    def capacity(self) -> int:
        """How many units fit at once: ``burst`` for the bucket strategies, else ``amount``."""
        return self.burst if self.burst is not None else self.amount

    @property
    def rate(self) -> float:
        """Refill rate in units per second."""
        return self.amount / self.window

    def scaled(self, factor: float) -> Limit:
        """This limit with ``amount`` (and ``burst``) multiplied by ``factor`` (at least 1), same ``id``."""
        if factor >= 1.0:
            return self
        amount = max(1, int(self.amount * factor))
        burst = None if self.burst is None else max(1, int(self.burst * factor))
        return replace(self, amount=amount, burst=burst)

    def __str__(self) -> str:
        text = f"{self.amount}/{_window_text(self.window)}"
        if self.burst is not None:
            text += f" burst {self.burst}"
        return f"{text} {self.strategy.replace('_', '-')}"


class LimitState(NamedTuple):
    """The outcome of one limit for one request (a named tuple: cheap on the hot path).

    ``remaining`` units are left after this request (when allowed); ``reset_after`` seconds until the
    quota is fully available again; ``retry_after`` seconds until this request's cost would fit (0 when
    allowed).
    """

    limit: Limit
    allowed: bool
    remaining: int
    reset_after: float
    retry_after: float

    def __bool__(self) -> bool:
        return self.allowed


def _default_name(amount: int, window: float) -> str:
    return f"{amount}-per-{_window_text(window).replace(' ', '-')}"


def _window_text(window: float) -> str:
    for seconds in sorted(_UNIT_WORD, reverse=True):
        if window == seconds:
            return _UNIT_WORD[seconds]
    for seconds in sorted(_UNIT_WORD, reverse=True):
        count = window / seconds
        if count >= 1 and count == int(count):
            return f"{int(count)} {_UNIT_WORD[seconds]}s"
    return f"{window:g} seconds"


def _bad(part: str, why: str) -> ConfigError:
    return ConfigError(f"rate limit {part.strip()!r}: {why}; expected {_EXAMPLES}")


def _parse_one(part: str) -> Limit:
    match = _HEAD.match(part)
    if match is None:
        raise _bad(part, "not of the form AMOUNT/UNIT")
    unit = match["unit"].lower()
    if unit not in _UNITS:
        raise _bad(part, f"unknown time unit {match['unit']!r} (use second, minute, hour, day or week)")
    for number in (match["amount"], match["count"]):
        if number is not None and len(number) > 32:
            raise _bad(part, "a number is far too large")
    count = float(match["count"]) if match["count"] else 1.0
    if count <= 0:
        raise _bad(part, "the window must be longer than 0")
    burst: int | None = None
    strategy: Strategy | None = None
    words = match["rest"].split()
    i = 0
    while i < len(words):
        word = words[i].lower()
        if word == "burst":
            if i + 1 >= len(words) or not _DIGITS.fullmatch(words[i + 1]):  # ASCII digits only (not '²')
                raise _bad(part, "'burst' needs a whole number after it")
            if burst is not None:
                raise _bad(part, "'burst' given twice")
            burst = int(words[i + 1])
            i += 2
            continue
        if word == "using":
            i += 1
            continue
        if word in _STRATEGY_WORDS:
            if strategy is not None:
                raise _bad(part, "more than one strategy")
            strategy = _STRATEGY_WORDS[word]
            i += 1
            continue
        raise _bad(part, f"unexpected {words[i]!r}")
    if strategy is None:
        strategy = BURST_STRATEGY if burst is not None else DEFAULT_STRATEGY
    try:
        return Limit(int(match["amount"]), count * _UNITS[unit], burst, strategy, match["name"] or "")
    except ConfigError as exc:
        raise _bad(part, str(exc).removeprefix("rate limit ")) from None


@lru_cache(maxsize=1024)
def parse_limits(text: str) -> tuple[Limit, ...]:
    """Parse ``"10/second; 1000/day"`` into limits (cached: parse once, reuse on every request)."""
    if not isinstance(text, str):
        raise ConfigError(f"rate limits must be a string like {_EXAMPLES}, not {type(text).__name__}")
    parts = [p for p in re.split(r"[;,]", text) if p.strip()]
    if not parts:
        raise ConfigError(f"rate limit string is empty; expected {_EXAMPLES}")
    limits = tuple(_parse_one(p) for p in parts)
    ids = [lim.id for lim in limits]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"rate limits {text!r}: the same limit is listed twice; give each a distinct name")
    return limits


def parse_limit(text: str) -> tuple[Limit, ...]:
    """Alias of :func:`parse_limits` (a string may hold one or several limits)."""
    return parse_limits(text)


__all__ = [
    "BURST_STRATEGY",
    "DEFAULT_STRATEGY",
    "MAX_AMOUNT",
    "MAX_WINDOW",
    "STRATEGIES",
    "Limit",
    "LimitState",
    "Strategy",
    "parse_limit",
    "parse_limits",
]
