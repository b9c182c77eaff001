"""One finding model shared by the auditor and the prober.

A :class:`Finding` says what is wrong (rule id, title, CWE ids with the primary first, OWASP API Security
Top 10 2023 category), how sure and how bad, where (a source location for the auditor, HTTP evidence for the
prober) and how to fix it. Report writers in :mod:`apishield.reports` consume only this model.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from typing import Any

from apishield.errors import ConfigError


class Severity(enum.IntEnum):
    """Ordered so that ``Severity.HIGH >= Severity.MEDIUM``."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(s.name.lower() for s in cls)
            raise ConfigError(f"unknown severity {text!r}; choose one of {choices}") from None

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def security_severity(self) -> str:
        """GitHub code scanning's numeric ``security-severity`` for this level."""
        return {0: "0.0", 1: "3.0", 2: "5.5", 3: "8.0", 4: "9.5"}[int(self)]


class Confidence(enum.IntEnum):
    LOW = 0
    MEDIUM = 1
    HIGH = 2

    @classmethod
    def parse(cls, text: str) -> Confidence:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ConfigError(f"unknown confidence {text!r}; choose low, medium or high") from None

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Rule:
    """Static description of an audit rule or probe check; registered once in a table."""

    id: str
    title: str
    cwe: tuple[int, ...]
    owasp: str
    severity: Severity
    confidence: Confidence
    description: str = ""
    fix: str = ""

    @property
    def primary_cwe(self) -> int:
        return self.cwe[0]


@dataclass(frozen=True, slots=True)
class Location:
    """Where in the source a finding sits. ``path`` is relative to the scanned root."""

    path: str
    line: int
    end_line: int | None = None
    column: int = 0
    snippet: str = ""


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the prober sent and saw, and a curl command that reproduces it."""

    request: str
    response: str
    curl: str


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    title: str
    severity: Severity
    confidence: Confidence
    cwe: tuple[int, ...]
    owasp: str
    message: str
    fix: str = ""
    location: Location | None = None
    method: str | None = None
    http_path: str | None = None
    parameter: str | None = None
    evidence: Evidence | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def from_rule(cls, rule: Rule, message: str, **kwargs: Any) -> Finding:
        kwargs.setdefault("severity", rule.severity)
        kwargs.setdefault("confidence", rule.confidence)
        kwargs.setdefault("fix", rule.fix)
        return cls(
            rule_id=rule.id, title=rule.title, cwe=rule.cwe, owasp=rule.owasp, message=message, **kwargs
        )

    @property
    def where(self) -> str:
        """Where the finding is, for people: ``path:line``, or ``METHOD /path (parameter p)``."""
        if self.location is not None:
            return f"{self.location.path}:{self.location.line}"
        place = f"{self.method or ''} {self.http_path or ''}".strip()
        return f"{place} (parameter {self.parameter})" if self.parameter else place

    @property
    def cwe_text(self) -> str:
        return ", ".join(f"CWE-{c}" for c in self.cwe)

    def fingerprint(self) -> str:
        """Stable identity for baselines and SARIF: rule + place + normalised message, not the line number."""
        if self.location is not None:
            where = f"{self.location.path}|{self.location.snippet.strip()}"
        else:
            where = f"{self.method}|{self.http_path}|{self.parameter}"
        return hashlib.sha256(f"{self.rule_id}|{where}|{self.message}".encode()).hexdigest()[:32]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule_id": self.rule_id,
            "title": self.title,
            "severity": self.severity.label,
            "confidence": self.confidence.label,
            "cwe": list(self.cwe),
            "owasp": self.owasp,
            "message": self.message,
            "fix": self.fix,
        }
        if self.location is not None:
            out["path"] = self.location.path
            out["line"] = self.location.line
            out["end_line"] = self.location.end_line or self.location.line
        if self.method is not None or self.evidence is not None:
            out["method"] = self.method
            out["path"] = self.http_path
            out["parameter"] = self.parameter
        if self.evidence is not None:
            out["evidence"] = {
                "request": self.evidence.request,
                "response": self.evidence.response,
                "curl": self.evidence.curl,
            }
        out.update({k: v for k, v in self.extra.items() if k not in out})
        return out


__all__ = ["Confidence", "Evidence", "Finding", "Location", "Rule", "Severity"]
