"""The test API on CherryPy, served by CherryPy's own server: ``python -m ... PORT``.

The default dispatcher serves most paths; ``/tasks`` is a ``MethodDispatcher`` resource; ``/notes`` gets
its scope from path config (``tools.apishield.scopes``) rather than a decorator.
"""

from __future__ import annotations

import sys
from typing import Any

import cherrypy

from apishield.integrations.cherrypy import Shield, principal
from tests.integrations.apps.common import LIMIT, TASK_SCHEMA, login_data, shield_settings

shield = Shield(**shield_settings())
tool = shield.install()


class Root:
    @cherrypy.expose
    @cherrypy.tools.json_out()
    @tool(public=True)
    def health(self) -> Any:
        return {"ok": True}

    @cherrypy.expose
    @cherrypy.tools.json_out()
    @shield.public
    @shield.limit(LIMIT)
    def limited(self) -> Any:
        return {"ok": True}

    @cherrypy.expose
    @cherrypy.tools.json_out()
    @shield.public
    def login(self) -> Any:
        session = shield.sessions.login("alice", data=login_data())
        cherrypy.response.headers["Set-Cookie"] = shield.sessions.cookie(session)
        return {"csrf_token": session.csrf_token}

    @cherrypy.expose
    @cherrypy.tools.json_out()
    def notes(self) -> Any:
        return {"ok": True, "subject": principal().subject}

    @cherrypy.expose
    @shield.public
    def boom(self) -> Any:
        raise RuntimeError("secret internal detail")


@cherrypy.expose
class TasksResource:
    """MethodDispatcher style: one class per resource, one method per HTTP verb."""

    @cherrypy.tools.json_out()
    @shield.require("tasks:read")
    def GET(self) -> Any:
        return {"subject": principal().subject}

    @cherrypy.tools.json_out()
    @shield.require("tasks:write")
    @shield.validate(TASK_SCHEMA)
    def POST(self) -> Any:
        cherrypy.response.status = 201
        return {"created": True}


root = Root()
root.tasks = TasksResource()  # type: ignore[attr-defined]


def config() -> dict[str, dict[str, Any]]:
    return shield.app_config(
        {
            "/tasks": {"request.dispatch": cherrypy.dispatch.MethodDispatcher()},
            "/notes": {"tools.apishield.scopes": ["notes:write"]},
        }
    )


def main() -> None:
    port = int(sys.argv[1])
    cherrypy.config.update(
        {
            "server.socket_host": "127.0.0.1",
            "server.socket_port": port,
            "engine.autoreload.on": False,
            "log.screen": False,
            "checker.on": False,
            "environment": "production",
        }
    )
    cherrypy.tree.mount(root, "/", config())
    cherrypy.engine.signals.subscribe()
    cherrypy.engine.start()
    cherrypy.engine.block()


if __name__ == "__main__":
    main()
