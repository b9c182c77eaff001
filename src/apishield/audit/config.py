"""``[tool.apishield.audit]`` settings, validated once.

Found and read the way every part of apishield finds its settings (:func:`apishield.config_files.tool_settings`:
the nearest ``apishield.toml`` with an ``[audit]`` table, else ``pyproject.toml``); only the validation of
the audit's own keys lives here.

[tool.apishield.audit]
exclude = ["tests/*", "migrations"]      # globs relative to the scanned root
disable = ["AS105"]                      # rule ids that never run
fail-on = "high"                         # info|low|medium|high|critical|never
min-severity = "low"                     # hide findings below
min-confidence = "low"
baseline = ".apishield-baseline.json"
public-paths = ["/webhooks/*"]           # extra public-by-design paths (glob)

[tool.apishield.audit.severity]          # per-rule overrides
AS105 = "info"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from apishield.config_files import tool_settings
from apishield.errors import ConfigError
from apishield.findings import Confidence, Severity

NEVER = "never"
_KNOWN = {
    "exclude",
    "disable",
    "fail-on",
    "fail_on",
    "min-severity",
    "min_severity",
    "min-confidence",
    "min_confidence",
    "baseline",
    "severity",
    "public-paths",
    "public_paths",
    "jobs",
}


@dataclass(frozen=True, slots=True)
class AuditConfig:
    exclude: tuple[str, ...] = ()
    disable: frozenset[str] = frozenset()
    severity: dict[str, Severity] = field(default_factory=dict)
    fail_on: Severity | None = Severity.MEDIUM  # None: never fail on findings
    min_severity: Severity = Severity.INFO
    min_confidence: Confidence = Confidence.LOW
    baseline: str | None = None
    public_paths: tuple[str, ...] = ()
    jobs: int | None = None
    source: str = ""

    @classmethod
    def from_mapping(cls, data: dict[str, Any], source: str = "config") -> AuditConfig:
        unknown = set(data) - _KNOWN
        if unknown:
            raise ConfigError(
                f"{source}: unknown [tool.apishield.audit] keys {sorted(unknown)}; known: {sorted(_KNOWN)}"
            )

        def strs(key: str) -> tuple[str, ...]:
            value = data.get(key, data.get(key.replace("-", "_"), ()))
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{source}: '{key}' must be a list of strings")
            return tuple(value)

        overrides = data.get("severity", {})
        if not isinstance(overrides, dict):
            raise ConfigError(f"{source}: 'severity' must be a table of RULE = \"level\"")
        fail_on_text = str(data.get("fail-on", data.get("fail_on", "medium")))
        jobs = data.get("jobs")
        if jobs is not None and (not isinstance(jobs, int) or jobs < 1):
            raise ConfigError(f"{source}: 'jobs' must be a positive integer")
        return cls(
            exclude=strs("exclude"),
            disable=frozenset(r.upper() for r in strs("disable")),
            severity={str(k).upper(): Severity.parse(str(v)) for k, v in overrides.items()},
            fail_on=parse_fail_on(fail_on_text),
            min_severity=Severity.parse(str(data.get("min-severity", data.get("min_severity", "info")))),
            min_confidence=Confidence.parse(str(data.get("min-confidence", data.get("min_confidence", "low")))),
            baseline=data.get("baseline"),
            public_paths=strs("public-paths"),
            jobs=jobs,
            source=source,
        )


def parse_fail_on(text: str) -> Severity | None:
    return None if text.strip().lower() == NEVER else Severity.parse(text)


def load(start: str, explicit: str | None = None) -> AuditConfig:
    """Settings from ``explicit`` or the configuration file found for ``start``; defaults when there is none."""
    section, path = tool_settings("audit", start, explicit)
    if path is None:
        return AuditConfig()
    return AuditConfig.from_mapping(section, source=str(path))


__all__ = ["NEVER", "AuditConfig", "load", "parse_fail_on"]
