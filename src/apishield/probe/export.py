"""Working with other tools: every exchange as HAR 1.2 (secrets redacted), and a suppression file for findings
that are intended (an object shared with every user by design).

Suppression file, one entry a line; the reason after ``#`` is required, so every silenced finding says why::

    PR-BOLA-001 GET /api/notes/{id}   # notes are shared with every user by design
    PR-HDR-002                        # the banner is set by the platform, tracked in OPS-12
"""

from __future__ import annotations

import base64
import fnmatch
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from apishield._version import __version__
from apishield.errors import ConfigError
from apishield.findings import Finding
from apishield.probe.client import Exchange
from apishield.probe.engine import ProbeResult


@dataclass(frozen=True, slots=True)
class Suppression:
    rule_id: str
    method: str | None
    path: str | None  # a glob over the operation's path template
    reason: str

    def matches(self, f: Finding) -> bool:
        if f.rule_id.upper() != self.rule_id:
            return False
        if self.method is not None and (f.method or "").upper() != self.method:
            return False
        return self.path is None or fnmatch.fnmatchcase(f.http_path or "", self.path)


def parse_suppressions(text: str, source: str = "suppression file") -> list[Suppression]:
    out: list[Suppression] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line, _, reason = raw.partition("#")
        words = line.split()
        if not words:
            continue
        if not reason.strip():
            raise ConfigError(f"{source}:{number}: say why the finding is intended after '#'")
        if len(words) not in (1, 3):
            raise ConfigError(f"{source}:{number}: expected 'RULE [METHOD PATH] # reason'")
        method, path = (words[1].upper(), words[2]) if len(words) == 3 else (None, None)
        out.append(Suppression(words[0].upper(), method, path, reason.strip()))
    return out


def load_suppressions(path: str) -> list[Suppression]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the suppression file {path}: {exc.strerror or exc}") from None
    return parse_suppressions(text, path)


def apply_suppressions(findings: list[Finding], rules: list[Suppression]) -> tuple[list[Finding], list[str]]:
    """Findings without the suppressed ones, and one line per dropped finding naming the reason."""
    kept: list[Finding] = []
    dropped: list[str] = []
    for f in findings:
        rule = next((r for r in rules if r.matches(f)), None)
        if rule is None:
            kept.append(f)
        else:
            dropped.append(f"{f.rule_id} {f.method or ''} {f.http_path or ''} ({rule.reason})".replace("  ", " "))
    return kept, dropped


def _entry(ex: Exchange, redact: Any) -> dict[str, Any]:
    parts = urlsplit(ex.url)
    req_type = next((v for k, v in ex.request_headers if k.lower() == "content-type"), "")
    request: dict[str, Any] = {
        "method": ex.method, "url": redact(ex.url), "httpVersion": "HTTP/1.1", "cookies": [],
        "headers": [{"name": k, "value": redact(v)} for k, v in ex.request_headers],
        "queryString": [{"name": k, "value": redact(v)} for k, v in parse_qsl(parts.query, keep_blank_values=True)],
        "headersSize": -1, "bodySize": len(ex.request_body),
    }
    if ex.request_body:
        request["postData"] = {"mimeType": req_type, "text": redact(ex.request_body.decode("utf-8", "replace"))}
    try:
        text, encoding = redact(ex.body.decode("utf-8")), None
    except UnicodeDecodeError:
        text, encoding = base64.b64encode(ex.body).decode(), "base64"
    content: dict[str, Any] = {"size": len(ex.body), "mimeType": ex.content_type, "text": text}
    if encoding:
        content["encoding"] = encoding
    response = {
        "status": ex.status or 0, "statusText": "" if ex.status is not None else (ex.error or "no answer"),
        "httpVersion": "HTTP/1.1", "cookies": [],
        "headers": [{"name": k, "value": redact(v)} for k, v in ex.response_headers],
        "content": content, "redirectURL": "", "headersSize": -1, "bodySize": len(ex.body),
    }
    ms = round(ex.elapsed * 1000, 3)
    return {"startedDateTime": "1970-01-01T00:00:00.000Z", "time": ms, "request": request, "response": response,
            "cache": {}, "timings": {"send": 0, "wait": ms, "receive": 0},
            "comment": f"#{ex.seq} check={ex.check} identity={ex.identity} operation={ex.operation}"}


def to_har(result: ProbeResult) -> dict[str, Any]:
    return {"log": {"version": "1.2", "creator": {"name": "apishield probe", "version": __version__},
                    "entries": [_entry(ex, result.redact) for ex in result.exchanges]}}


def write_har(path: str, result: ProbeResult) -> None:
    Path(path).write_text(json.dumps(to_har(result), indent=1), encoding="utf-8")


__all__ = ["Suppression", "apply_suppressions", "load_suppressions", "parse_suppressions", "to_har", "write_har"]
