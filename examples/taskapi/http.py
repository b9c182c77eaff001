"""HTTP helpers shared by the views: problem+json errors, JSON bodies checked against a schema, paging.

Problem details are fixed, human-written text: request input is never echoed back into an error. Every
JSON body goes through apishield's strict parser and validator (:mod:`apishield.web.validation`: UTF-8
only, no duplicate keys, no NaN, bounded nesting, JSON Schema), never through ``json.loads`` here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, jsonify, request
from werkzeug.routing import IntegerConverter

from apishield.auth.refresh import TOKEN_RESPONSE_HEADERS
from apishield.errors import Problem, Reject
from apishield.web.validation import BodySchema, parse_json

MAX_ID = 2**31 - 1  # the id columns are 32-bit integers in PostgreSQL

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
        self.schema = dict(schema)
        self._validator = BodySchema(self.schema, "body")

    def check(self, data: Any) -> dict[str, Any]:
        valid, errors = self._validator.validate(data, 10)
        if errors:
            raise Reject(422, "The request body does not match the schema.", title="Invalid Request Body",
                         extra={"errors": [e.to_dict() for e in errors]})
        return dict(valid)

    def body(self) -> dict[str, Any]:
        if not request.is_json:
            raise Reject(415, "Send the request body as application/json.")
        return self.check(parse_json(request.get_data(cache=True)))


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` limited to the ids the database can hold: larger numbers are a 404, never an overflow."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def no_store(response: Response) -> Response:
    """Mark an answer that carries a credential (tokens, a new API key) as never to be cached (RFC 6749 5.1)."""
    response.headers.update(TOKEN_RESPONSE_HEADERS)
    return response


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
