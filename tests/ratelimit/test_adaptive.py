"""Load signals and the scale factor."""

from __future__ import annotations

import pytest

from apishield.errors import ConfigError
from apishield.ratelimit import AdaptiveLimits, InFlightSignal, LatencySignal, parse_limits

from ._helpers import FakeClock


def test_in_flight_tracking() -> None:
    signal = InFlightSignal(4)
    with signal.track(), signal.track():
        assert signal.load() == 0.5
    assert signal.load() == 0.0


def test_factor_follows_load_with_a_floor() -> None:
    class Fixed:
        value = 1.0

        def load(self) -> float:
            return self.value

    signal = Fixed()
    adaptive = AdaptiveLimits(signal, min_factor=0.2)
    for load, factor in ((0.5, 1.0), (1.0, 1.0), (2.0, 0.5), (4.0, 0.25), (100.0, 0.2)):
        signal.value = load
        assert adaptive.factor() == factor
    limits = parse_limits("100/minute; 10/second burst 40")
    signal.value = 2.0
    scaled = adaptive.apply(limits)
    assert [(lim.amount, lim.burst) for lim in scaled] == [(50, None), (5, 20)]
    assert adaptive.apply(limits) is scaled  # cached


def test_latency_signal_ewma_and_staleness() -> None:
    clock = FakeClock()
    signal = LatencySignal(0.1, alpha=0.5, stale_after=10, clock=clock)
    signal.observe(0.4)
    assert signal.load() == pytest.approx(4.0)
    signal.observe(0.2)
    assert signal.load() == pytest.approx(3.0)
    clock.advance(30)  # an idle server recovers even without new observations
    assert signal.load() < 1.0
    with pytest.raises(ConfigError):
        LatencySignal(0)
    with pytest.raises(ConfigError):
        InFlightSignal(0)
