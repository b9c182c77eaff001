"""Probe checks, one module per family; importing this package registers them in ``engine.CHECKS``, where each
declares its own phase and order (so the run order lives with the checks, not in a list here)."""

from apishield.probe.checks import (  # noqa: F401  (import registers)
    authn,
    bfla,
    bola,
    cors,
    crash,
    crawl,
    credentials,
    disclosure,
    exposure,
    headers_errors,
    host_header,
    identity_headers,
    injection,
    jwt,
    logout,
    mass_assignment,
    password_storage,
    prices,
    ratelimit,
    records,
    redirect,
    redos,
    references,
    resets,
    secret_files,
    sessions,
    stored,
    transfers,
)

