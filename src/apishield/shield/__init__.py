"""The shield: the library's guards composed into one pipeline, configured once, framework-free.

A core package: :mod:`~apishield.shield.settings` (what routes ask for), :mod:`~apishield.shield.build` (the
built-in guards from configuration), :mod:`~apishield.shield.pipeline` (:class:`Shield`, which composes
them) and :mod:`~apishield.shield.http` (the outcome, problem answers, ``Vary`` merging). It imports no
framework and nothing from :mod:`apishield.integrations`; the adapters there hold a :class:`Shield`.
"""

from __future__ import annotations

from apishield.shield.http import Outcome
from apishield.shield.pipeline import CompiledRoute, Shield
from apishield.shield.settings import (
    ATTR,
    PROTECTED,
    PUBLIC,
    SAFE_METHODS,
    RouteSettings,
    RouteTable,
    requirement,
    settings_of,
    with_settings,
)

__all__ = [
    "ATTR",
    "PROTECTED",
    "PUBLIC",
    "SAFE_METHODS",
    "CompiledRoute",
    "Outcome",
    "RouteSettings",
    "RouteTable",
    "Shield",
    "requirement",
    "settings_of",
    "with_settings",
]
