"""What a 500 says about the request that got it, before it is read as an input the API failed to handle.

A 500 to a request that lacked what the operation requires (a body, a required field, the uploaded file) cannot be
told from a deliberate refusal; a 500 the operation gives to every request, whatever it carries, is no answer to an
input at all. The passive check notes both instead of reporting an unhandled error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

from apishield.probe.client import Exchange
from apishield.probe.targets import is_file


def missing_input(op: Any, ex: Exchange) -> list[str]:
    """What the operation requires that this request did not carry: required query parameters, a body, required
    body fields, and uploaded files (a file counts only as a multipart part with a file name)."""
    query = parse_qs(urlsplit(ex.url).query, keep_blank_values=True)
    missing = [p.name for p in op.params if p.location == "query" and p.required and p.name not in query]
    if op.body_schema is None:
        return missing
    body = ex.request_body
    if not body.strip():
        return [*missing, "a body"]
    fields = op.body_fields
    required = [str(n) for n in op.body_schema.get("required") or () if isinstance(n, str)]
    files = [n for n, schema in fields.items() if is_file(schema)]
    kind = (ex.request_header("content-type") or "").lower()
    text = body.decode("utf-8", "replace")
    present: set[str] = set()
    if "multipart/" in kind:
        present = {m.group(1) for m in re.finditer(r'name="([^"]*)"; filename="', text)}
        present |= {m.group(1) for m in re.finditer(r'name="([^"]*)"', text) if m.group(1) not in files}
    elif files:
        present = set()  # a file travels only as a multipart part: whatever else this body is, the file is missing
        required = []
    elif "json" in kind:
        try:
            data = json.loads(body)
        except ValueError:
            return missing  # a malformed body is input the API should refuse: a 500 to it stays a finding
        if not isinstance(data, dict):
            return missing
        present = {str(k) for k in data}
    elif "x-www-form-urlencoded" in kind:
        present = set(parse_qs(text, keep_blank_values=True))
    else:
        return missing
    return [*missing, *(n for n in dict.fromkeys([*required, *files]) if n not in present)]


#: how many different requests an operation must have been sent before one 500 for all of them says "constant"
CONSTANT_AFTER = 3


def constant_failures(log: list[Exchange], operations: Sequence[Any] = ()) -> dict[str, int]:
    """Operation -> number of requests, for each operation every answer of which was the same 500 (status and body)
    to at least :data:`CONSTANT_AFTER` different requests (URLs, bodies), or, for an operation that declares no input
    at all (no parameter, no body; among ``operations``), to at least two requests: a failure no input causes or
    avoids (an operation broken for everyone, or one that fails on purpose). Which input made it fail says nothing
    there, and a request without input cannot have sent a bad one."""
    answers: dict[str, set[tuple[int, str]]] = {}
    sent: dict[str, set[tuple[str, bytes]]] = {}
    counts: dict[str, int] = {}
    for ex in log:
        if ex.operation and ex.status is not None:
            answers.setdefault(ex.operation, set()).add((ex.status, ex.text))
            sent.setdefault(ex.operation, set()).add((ex.url, ex.request_body or b""))
            counts[ex.operation] = counts.get(ex.operation, 0) + 1
    inputless = {op.key for op in operations if not op.params and op.body_schema is None}
    return {op: counts[op] for op, seen in answers.items()
            if len(seen) == 1 and next(iter(seen))[0] == 500
            and (len(sent[op]) >= CONSTANT_AFTER or (op in inputless and counts[op] >= 2))}


__all__ = ["CONSTANT_AFTER", "constant_failures", "missing_input"]
