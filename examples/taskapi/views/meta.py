"""Health check and the OpenAPI document: the only routes besides login and registration that are public."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from taskapi.openapi import document
from taskapi.security import get_security, public

bp = Blueprint("meta", __name__)


@bp.get("/health")
@public
def health() -> tuple[Response, int]:
    try:
        with get_security().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok"), 200


@bp.get("/openapi.json")
@public
def openapi() -> Response:
    return jsonify(document())
