"""Serve a probe test app behind a real framework and server on 127.0.0.1.

    python -m tests.probe.apps.serve flask|cherrypy|bottle|fastapi vulnerable|secure PORT

Flask runs on Werkzeug's threaded server, CherryPy on its own server, Bottle on waitress, FastAPI on uvicorn.
Each framework only translates its request into ``base.Req`` and the answer back.
"""

import sys
from typing import Any
from urllib.parse import parse_qsl

from tests.probe.apps.base import BaseApp, Req


def make_logic(variant: str) -> BaseApp:
    if variant == "vulnerable":
        from tests.probe.apps.vulnerable.logic import VulnerableApp

        return VulnerableApp()
    from tests.probe.apps.secure.logic import SecureApp

    return SecureApp()


METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "TRACE"]


def flask_app(logic: BaseApp) -> Any:
    from flask import Flask, Response, request

    app = Flask(__name__)

    @app.route("/", defaults={"path": ""}, methods=METHODS)
    @app.route("/<path:path>", methods=METHODS)
    def dispatch(path: str) -> Response:
        req = Req(request.method, request.path, dict(request.args), {k.lower(): v for k, v in request.headers.items()},
                  request.get_data())
        status, headers, body = logic.handle(req)
        return Response(body, status=status, headers=headers)

    return app


def bottle_app(logic: BaseApp) -> Any:
    import bottle

    app = bottle.Bottle()

    @app.route("/<path:path>", method=METHODS)
    @app.route("/", method=METHODS)
    def dispatch(path: str = "") -> Any:
        r = bottle.request
        req = Req(r.method, r.path, dict(r.query.items()), {k.lower(): v for k, v in r.headers.items()},
                  r.body.read())
        status, headers, body = logic.handle(req)
        return bottle.HTTPResponse(body=body, status=status, headers=dict(headers))

    return app


def fastapi_app(logic: BaseApp) -> Any:
    from fastapi import FastAPI, Request
    from fastapi.responses import Response

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.api_route("/{path:path}", methods=METHODS)
    async def dispatch(request: Request, path: str) -> Response:
        body = await request.body()
        req = Req(request.method, request.url.path, dict(request.query_params),
                  {k.lower(): v for k, v in request.headers.items()}, body)
        import anyio

        status, headers, data = await anyio.to_thread.run_sync(logic.handle, req)
        return Response(content=data, status_code=status, headers=dict(headers))

    return app


def run_cherrypy(logic: BaseApp, port: int) -> None:
    import cherrypy

    class Root:
        @cherrypy.expose
        def default(self, *args: Any, **kwargs: Any) -> bytes:
            r = cherrypy.request
            length = int(r.headers.get("Content-Length") or 0)
            body = r.rfile.read(length) if length else b""
            query = dict(parse_qsl(r.query_string, keep_blank_values=True))
            req = Req(r.method, r.path_info, query, {k.lower(): v for k, v in r.headers.items()}, body)
            status, headers, data = logic.handle(req)
            cherrypy.response.status = status
            cherrypy.response.headers.pop("Content-Type", None)
            for k, v in headers:
                cherrypy.response.headers[k] = v
            return data

    cherrypy.config.update({"server.socket_host": "127.0.0.1", "server.socket_port": port,
                            "engine.autoreload.on": False, "log.screen": False,
                            "environment": "production", "request.show_tracebacks": False})
    conf = {"/": {"request.process_request_body": False, "request.methods_with_bodies": ("POST", "PUT", "PATCH")}}
    cherrypy.quickstart(Root(), "/", conf)


def main() -> None:
    framework, variant, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    logic = make_logic(variant)
    if framework == "flask":
        from werkzeug.serving import WSGIRequestHandler, make_server

        class Quiet(WSGIRequestHandler):
            def log_request(self, *args: Any, **kwargs: Any) -> None:
                pass

        make_server("127.0.0.1", port, flask_app(logic), threaded=True, request_handler=Quiet).serve_forever()
    elif framework == "bottle":
        import waitress

        waitress.serve(bottle_app(logic), host="127.0.0.1", port=port, threads=8, _quiet=True)
    elif framework == "fastapi":
        import uvicorn

        uvicorn.run(fastapi_app(logic), host="127.0.0.1", port=port, log_level="warning")
    elif framework == "cherrypy":
        run_cherrypy(logic, port)
    else:
        raise SystemExit(f"unknown framework {framework}")


if __name__ == "__main__":
    main()
