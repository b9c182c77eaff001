"""The apishield exception tree and RFC 9457 problem documents.

    ApishieldError            root: catch this to catch everything apishield raises on purpose
    ├── ConfigError           unsafe or malformed configuration or arguments, raised at start-up (a ValueError)
    ├── InputError            a value the application passed is refused, e.g. a weak password (a ValueError)
    ├── StoreError            the state store failed (connection, timeout, corrupt value)
    │   └── StoreUnavailable  a store failure that must fail closed: also a Reject (503, Retry-After)
    ├── TokenError            a credential (JWT, API key, refresh token, signed value) is invalid
    │   ├── TokenExpired
    │   └── TokenRevoked
    ├── Reject                a request must be refused; carries status, problem and headers
    ├── RegistryError         a rule or check registered twice, an unknown name, a frozen registry changed
    ├── ProbeError            ``apishield probe`` cannot go on (apishield.probe)
    │   ├── OutOfScope        a request would leave the target's host
    │   ├── BudgetExhausted   the request budget is spent
    │   ├── SpecError         the OpenAPI document cannot be used
    │   ├── Unsafe            a check would send a destructive request that was not allowed
    │   ├── Throttled         still 429/503 after waiting as asked: the check's result is unknown
    │   └── ProbeAbort        the run was stopped
    ├── ToolError             ``apishield demo``: a scanner step failed (apishield.demo.documents)
    ├── ServerError           ``apishield demo``: a demo server did not start or stop (apishield.demo.servers)
    └── ProvisionError        ``apishield demo``: an example app could not be provisioned (apishield.demo.apps)

Library code raises only these (no bare ``ValueError``); messages say what to change in code or
configuration and never name a command-line flag (the CLI translates its own flags). Every HTTP-facing
failure becomes a :class:`Problem`, rendered as ``application/problem+json``. Problem details never echo
raw request input: callers pass fixed, human-written text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

PROBLEM_CONTENT_TYPE = "application/problem+json"


class ApishieldError(Exception):
    """Root of every exception apishield raises on purpose."""


class ConfigError(ApishieldError, ValueError):
    """Configuration is unsafe or malformed; the message says what to do instead."""


class InputError(ApishieldError, ValueError):
    """A value the application handed to a library call is refused (a password the policy rejects, text that
    cannot be hashed); the message is safe to show to the person who typed it."""


class StoreError(ApishieldError):
    """The state store could not complete an operation."""


class TokenError(ApishieldError):
    """A presented credential is invalid. ``reason`` is a short machine-readable code."""

    def __init__(self, message: str = "invalid token", *, reason: str = "invalid_token") -> None:
        super().__init__(message)
        self.reason = reason


class TokenExpired(TokenError):
    """The credential was valid once but its lifetime is over."""

    def __init__(self, message: str = "token expired") -> None:
        super().__init__(message, reason="expired")


class TokenRevoked(TokenError):
    """The credential was revoked before its natural expiry."""

    def __init__(self, message: str = "token revoked") -> None:
        super().__init__(message, reason="revoked")


@dataclass(frozen=True, slots=True)
class Problem:
    """An RFC 9457 problem document."""

    status: int
    title: str = ""
    detail: str = ""
    type: str = "about:blank"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        title = self.title or _status_phrase(self.status)
        doc: dict[str, Any] = {"type": self.type, "title": title, "status": self.status}
        if self.detail:
            doc["detail"] = self.detail
        for key, value in self.extra.items():
            if key not in doc:
                doc[key] = value
        return doc

    def body(self) -> bytes:
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=True).encode()


def _status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class Reject(ApishieldError):
    """A guard's decision to refuse a request, with everything needed to answer it."""

    def __init__(
        self,
        status: int,
        detail: str = "",
        *,
        title: str = "",
        type: str = "about:blank",
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.problem = Problem(status=status, title=title, detail=detail, type=type, extra=extra or {})
        self.headers: dict[str, str] = dict(headers or {})
        super().__init__(f"{status} {self.problem.to_dict()['title']}: {detail}".rstrip(": "))

    @property
    def status(self) -> int:
        return self.problem.status

    def response_headers(self) -> dict[str, str]:
        """Headers for the error response, content type included."""
        return {"Content-Type": PROBLEM_CONTENT_TYPE, **self.headers}


class StoreUnavailable(StoreError, Reject):
    """A store failure where the only safe answer is to refuse: 503 problem+json with ``Retry-After``.

    Raised by operations that must fail closed (login, refresh, revocation checks, sessions). It is both a
    :class:`StoreError` (code that handles store failures sees it) and a :class:`Reject` (adapters answer it).
    """

    def __init__(self, detail: str = "This service is briefly unavailable; try again shortly.", *,
                 retry_after: int = 5) -> None:
        Reject.__init__(self, 503, detail, headers={"Retry-After": str(max(1, int(retry_after)))})


__all__ = [
    "PROBLEM_CONTENT_TYPE",
    "ApishieldError",
    "ConfigError",
    "Problem",
    "Reject",
    "StoreError",
    "StoreUnavailable",
    "TokenError",
    "TokenExpired",
    "TokenRevoked",
]
