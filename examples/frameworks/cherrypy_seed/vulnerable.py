"""Seed 000, as users write it: CherryPy exposes private data to anyone (do not deploy).

    python examples/frameworks/cherrypy_seed/vulnerable.py   # http://127.0.0.1:8100
"""

from __future__ import annotations

import os

import cherrypy


class UnprotectedAPI:
    @cherrypy.expose
    @cherrypy.tools.json_out()
    def get_private_data(self, user_id: str) -> dict[str, str]:
        # no authentication, no authorization: GET /get_private_data?user_id=1337 returns anyone's secret
        return {"user_id": user_id, "secret": "highly_sensitive_data"}


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8100"))
    cherrypy.config.update({"server.socket_host": "127.0.0.1", "server.socket_port": port})
    cherrypy.quickstart(UnprotectedAPI())
