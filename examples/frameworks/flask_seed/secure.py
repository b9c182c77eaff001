"""Seed 003 fixed with apishield: deny-by-default auth, scopes, a per-client limit, object-level checks.

    export APISHIELD_JWT_SECRET=...                  # 32+ random bytes, never in code
    python examples/frameworks/flask_seed/secure.py  # waitress on http://127.0.0.1:8003
    python examples/frameworks/flask_seed/secure.py token alice   # a 15-minute demo token for alice

What changed against vulnerable.py: every route needs a valid bearer token unless marked public; the token
needs the ``data:read`` scope; each client gets 5 requests a minute on this route (429 with Retry-After and
RateLimit headers after that); callers read only their own record (404 otherwise, so ids cannot be probed);
security headers on every answer; errors are problem+json; a production server instead of ``app.run``.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from flask import Flask, abort, g, jsonify

from apishield.integrations.flask import Shield

app = Flask(__name__)
shield = Shield(
    app,
    mode=os.environ.get("APISHIELD_MODE", "development"),  # production: HTTPS only, HSTS
    jwt_secret_env="APISHIELD_JWT_SECRET",
    default_limits=["100/minute"],
)

USERS = {"alice": {"email": "alice@example.com", "balance": 9000}, "bob": {"email": "bob@example.com", "balance": 12}}


@app.get("/health")
@shield.public
def health() -> Any:
    return {"ok": True}


@app.get("/api/v1/data/<user_id>")
@shield.require("data:read")
@shield.limit("5/minute")
def get_user_data(user_id: str) -> Any:
    if user_id != g.principal.subject or user_id not in USERS:  # object-level authorization
        abort(404)
    return jsonify({"user_id": user_id, **USERS[user_id]})


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "token":
        print(shield.issue_token(sys.argv[2], scopes=["data:read"], ttl=900))
        sys.exit(0)
    import waitress

    waitress.serve(app, host="127.0.0.1", port=int(os.environ.get("PORT", "8003")))
