"""``apishield probe``: test a running API as an attacker would — safely, with proof.

    from apishield.probe import ProbeConfig, ProbeOptions, probe
    result = asyncio.run(probe(ProbeConfig("http://127.0.0.1:8000", options=ProbeOptions(budget=500))))
"""

from apishield.probe.engine import ProbeOptions, ProbeResult, check
from apishield.probe.runner import ProbeConfig, probe

__all__ = ["ProbeConfig", "ProbeOptions", "ProbeResult", "check", "probe"]
