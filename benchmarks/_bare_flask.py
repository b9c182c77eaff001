"""The baseline for ``benchmarks/load.py app``: the Task API's routes in bare Flask, without apishield.

The same database code as the Task API (``taskapi.db.make_engine``, ``taskapi.repo``: SQLAlchemy Core on a
SQLite file, the same queries), the same JSON bodies; what is left out is everything apishield does: no JWT
(the bearer token is looked up in a fixed table of random tokens), no revocation check, no rate limit, no
CORS or security headers, no problem+json, no body schema. Served by gunicorn with the Task API's own config:

    BARE_DB=sqlite:////tmp/bare.db BARE_TOKENS=tok1,tok2 PYTHONPATH=examples \\
      gunicorn -c examples/taskapi/gunicorn.conf.py --chdir benchmarks _bare_flask:app

Token ``i`` (from ``BARE_TOKENS``, comma-separated) belongs to user ``i + 1``; the users are created at start-up.
"""

from __future__ import annotations

import hmac
import os
from typing import Any

from flask import Flask, jsonify, request
from sqlalchemy import text
from taskapi import repo
from taskapi.db import make_engine
from taskapi.http import page_body
from taskapi.views.tasks import task_json

engine = make_engine(os.environ["BARE_DB"])
TOKENS = {token: n + 1 for n, token in enumerate(t for t in os.environ["BARE_TOKENS"].split(",") if t)}
with engine.begin() as conn:
    for user_id in TOKENS.values():
        if repo.user_by_id(conn, user_id) is None:
            repo.create_user(conn, f"bare{user_id}", f"bare{user_id}", f"bare{user_id}@example.test", "-",
                             created_at=0)
engine.dispose()  # no pooled connection survives the fork (preload)

app = Flask("bare")


def _user() -> int | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    for known, user_id in TOKENS.items():
        if hmac.compare_digest(known, token):
            return user_id
    return None


def _unauthorized() -> tuple[Any, int]:
    return jsonify(error="unauthorized"), 401


@app.get("/health")
def health() -> tuple[Any, int]:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return jsonify(status="ok"), 200


@app.get("/api/v1/tasks")
def list_tasks() -> Any:
    user_id = _user()
    if user_id is None:
        return _unauthorized()
    page, per_page = int(request.args.get("page", "1")), min(int(request.args.get("per_page", "20")), 100)
    with engine.connect() as conn:
        rows, total = repo.list_tasks(conn, user_id, per_page, (page - 1) * per_page)
    return jsonify(page_body([task_json(r) for r in rows], page, per_page, total))


@app.post("/api/v1/tasks")
def create_task() -> Any:
    user_id = _user()
    if user_id is None:
        return _unauthorized()
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("title"), str):
        return jsonify(error="title is required"), 400
    with engine.begin() as conn:
        row = repo.create_task(conn, user_id, {"title": data["title"]})
    return jsonify(task_json(row)), 201, {"Location": f"/api/v1/tasks/{row['id']}"}
