"""Static analysis of Python web APIs: ``apishield audit PATH``.

    from apishield.audit import AuditConfig, run_audit
    result = run_audit(["src/"], AuditConfig(fail_on=None))
    for finding in result.findings: ...
    for route in result.routes: ...      # the route inventory with the protection on each route
"""

from __future__ import annotations

from apishield.audit.config import AuditConfig
from apishield.audit.engine import AuditResult
from apishield.audit.engine import run as run_audit
from apishield.audit.model import Route

__all__ = ["AuditConfig", "AuditResult", "Route", "run_audit"]
