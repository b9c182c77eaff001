"""Telling a banned client from a rate-limited route.

A defended API may ban the probe's address after it sent failing credentials or bursts (a penalty box, fail2ban):
from then on *every* route answers ``429``/``503`` with a ``Retry-After`` longer than the probe may wait
(``--max-wait``). One route with a tight limit (10 logins a minute) answers that way too, but only that route,
and the next route answers normally. So a ban is recognised by a run of throttled answers, each asking for longer
than the probe may still wait, across several different paths, with no other answer in between. The run is one
*episode*; the next definitive answer ends it. Episodes are reported in one note (when, from which check, the
longest ``Retry-After``) and name the reason of the coverage units they made inconclusive, instead of one reason
per unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apishield.probe.client import Exchange
from apishield.probe.wait_hints import wait_hint

#: a ban is assumed after this many throttled answers in a row, beyond the wait, on at least MIN_PATHS paths
MIN_ANSWERS = 4
MIN_PATHS = 4


@dataclass(slots=True)
class Episode:
    """Answers ``first_seq`` to ``last_seq`` (inclusive) came while the client was banned."""

    check: str
    first_seq: int
    last_seq: int
    paths: set[str] = field(default_factory=set)
    retry_after: float = 0.0
    answers: int = 0

    def covers(self, seq: int) -> bool:
        return self.first_seq <= seq <= self.last_seq


@dataclass(slots=True)
class BanWatch:
    """Follows the answers of one run and keeps the episodes in which the client looked banned."""

    episodes: list[Episode] = field(default_factory=list)
    _streak: list[tuple[Exchange, float]] = field(default_factory=list)
    _open: Episode | None = None

    def observe(self, ex: Exchange, may_wait: float) -> None:
        """One answer; ``may_wait``: seconds the probe could still wait when it arrived."""
        if ex.expect_throttle or ex.status is None:
            return
        hint = wait_hint(ex.response_headers) if ex.throttled else None
        if hint is None or hint <= may_wait:
            if not ex.throttled:  # a definitive answer: whatever ban there was is over
                self._streak.clear()
                self._open = None
            return
        if self._open is not None:
            self._add(self._open, ex, hint)
            return
        self._streak.append((ex, hint))
        paths = {e.path for e, _ in self._streak}
        if len(self._streak) >= MIN_ANSWERS and len(paths) >= MIN_PATHS:
            first = self._streak[0][0]
            episode = Episode(first.check, first.seq, first.seq)
            for e, h in self._streak:
                self._add(episode, e, h)
            self.episodes.append(episode)
            self._open = episode
            self._streak.clear()

    @staticmethod
    def _add(episode: Episode, ex: Exchange, hint: float) -> None:
        episode.last_seq = max(episode.last_seq, ex.seq)
        episode.paths.add(ex.path)
        episode.retry_after = max(episode.retry_after, hint)
        episode.answers += 1

    def banned(self, seq: int) -> bool:
        """Whether the answer to request ``seq`` came while the client was banned."""
        return any(e.covers(seq) for e in self.episodes)

    def notes(self, max_wait: float) -> list[str]:
        """One line per episode: when, from which check, how long the server asked the probe to stay away."""
        return [f"banned: from request {e.first_seq} (check {e.check!r}) on, the target answered {e.answers} "
                f"request(s) on {len(e.paths)} different paths with 429/503 and a Retry-After of up to "
                f"{e.retry_after:.0f} s, beyond what the probe may wait (--max-wait {max_wait:g} s): it looks like "
                "the target banned this client's address (a penalty box after failing credentials or bursts). "
                "What ran in that time is inconclusive. Exempt the scanner's address from bans (not from rate "
                "limits) on the target, or raise --max-wait above the Retry-After"
                for e in self.episodes]


__all__ = ["MIN_ANSWERS", "MIN_PATHS", "BanWatch", "Episode"]
