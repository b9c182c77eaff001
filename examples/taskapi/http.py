"""HTTP helpers shared by the views: problem+json errors, JSON bodies checked against a schema, paging.

Problem details are fixed, human-written text: request input is never echoed back into an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, jsonify, request
from jsonschema import Draft202012Validator

from apishield.errors import Problem, Reject

PROBLEM = "application/problem+json"


def problem_response(status: int, detail: str = "", *, headers: Mapping[str, str] | None = None,
                     **extra: Any) -> Response:
    """An RFC 9457 answer."""
    body = Problem(status=status, detail=detail, extra=extra).body()
    return Response(body, status=status, headers={"Content-Type": PROBLEM, **(headers or {})})


def reject_response(exc: Reject) -> Response:
    return Response(exc.problem.body(), status=exc.status, headers=exc.response_headers())


class Schema:
    """A JSON Schema compiled once; :meth:`body` returns the validated JSON object of the request."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        Draft202012Validator.check_schema(schema)
        self.schema = dict(schema)
        self._validator = Draft202012Validator(self.schema)

    def check(self, data: Any) -> dict[str, Any]:
        errors = sorted(self._validator.iter_errors(data), key=lambda e: list(e.absolute_path))
        if errors:
            fields = [{"field": "/".join(str(p) for p in e.absolute_path) or "(body)", "problem": e.validator}
                      for e in errors[:10]]
            raise Reject(422, "The request body does not match the schema.", title="Invalid Request Body",
                         extra={"errors": fields})
        return dict(data)

    def body(self) -> dict[str, Any]:
        if not request.is_json:
            raise Reject(415, "Send the request body as application/json.")
        data = request.get_json(silent=True)
        if data is None:
            raise Reject(400, "The request body is not valid JSON.")
        return self.check(data)


def page_args(default_size: int, max_size: int) -> tuple[int, int]:
    """``page`` (1-based) and ``per_page`` from the query; ``per_page`` is capped at ``max_size``."""
    try:
        page = int(request.args.get("page", "1"))
        per_page = int(request.args.get("per_page", str(default_size)))
    except ValueError:
        raise Reject(400, "page and per_page must be whole numbers.") from None
    if page < 1 or per_page < 1:
        raise Reject(400, "page and per_page must be at least 1.")
    return min(page, 1_000_000), min(per_page, max_size)


def page_body(items: list[Any], page: int, per_page: int, total: int) -> dict[str, Any]:
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": (total + per_page - 1) // per_page}


def created(body: Mapping[str, Any], location: str) -> tuple[Response, int, dict[str, str]]:
    return jsonify(body), 201, {"Location": location}
