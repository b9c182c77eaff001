"""Seed 000 fixed with apishield: the ``apishield`` tool on every path of the app.

    export APISHIELD_JWT_SECRET=...
    python examples/frameworks/cherrypy_seed/secure.py             # CherryPy's server on 127.0.0.1:8000
    python examples/frameworks/cherrypy_seed/secure.py token 1337  # a demo token for user 1337

The seed's own fix only checked that an ``Authorization`` header *starts with* "Bearer " (any string
passes) and left the token check as a comment. Here the token is verified (signature, expiry, algorithm
pinned), the ``private:read`` scope is required, a caller only reads its own record, requests are rate
limited, security headers are sent, errors are problem+json without tracebacks.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import cherrypy

from apishield.integrations.cherrypy import Shield, principal

shield = Shield(
    mode=os.environ.get("APISHIELD_MODE", "development"),
    jwt_secret_env="APISHIELD_JWT_SECRET",
    default_limits=["60/minute"],
)
shield.install()


RECORDS = {"1337": {"plan": "pro", "balance": 12, "card_token": "never leaves the server"}}


class SecuredAPI:
    @cherrypy.expose
    @cherrypy.tools.json_out()
    @shield.public
    def health(self) -> dict[str, bool]:
        return {"ok": True}

    @cherrypy.expose
    @cherrypy.tools.json_out()
    @shield.require("private:read")
    def get_private_data(self, user_id: str) -> dict[str, Any]:
        record = RECORDS.get(user_id)
        if principal().subject != user_id or record is None:  # object-level authorization: your own only
            raise cherrypy.NotFound()
        return {"user_id": user_id, "plan": record["plan"], "balance": record["balance"]}  # an explicit allow-list


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "token":
        print(shield.issue_token(sys.argv[2], scopes=["private:read"], ttl=900))
        sys.exit(0)
    cherrypy.config.update(
        {
            "server.socket_host": "127.0.0.1",
            "server.socket_port": int(os.environ.get("PORT", "8000")),
            "environment": "production",  # no autoreload, no tracebacks
            "log.screen": True,
        }
    )
    cherrypy.quickstart(SecuredAPI(), "/", shield.app_config())
