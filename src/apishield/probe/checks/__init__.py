"""Probe checks, one module per family; importing this package registers them (in run order)."""

from apishield.probe.checks import (  # noqa: F401  (import registers)
    authn,
    bfla,
    bola,
    cors,
    headers_errors,
    injection,
    jwt,
    mass_assignment,
    ratelimit,
    redos,
)

ORDER = ("authn", "jwt", "bola", "bfla", "mass_assignment", "injection", "cors", "redos", "headers_errors",
         "ratelimit", "passive")
