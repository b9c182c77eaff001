"""apishield: protect, audit and probe Python web APIs."""

from apishield._version import __version__
from apishield.errors import ApishieldError, ConfigError, Problem, Reject, StoreError, TokenError

__all__ = ["ApishieldError", "ConfigError", "Problem", "Reject", "StoreError", "TokenError", "__version__"]
