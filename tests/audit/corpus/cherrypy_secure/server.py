"""Corpus: CherryPy with an auth tool, a rate-limit tool, security headers and a production environment."""
import hmac
import os
import time

import cherrypy

API_KEYS = {os.environ["API_KEY_ID"]: os.environ["API_KEY_SECRET"]}
_hits = {}


def check_auth():
    header = cherrypy.request.headers.get("Authorization", "")
    key_id, _, secret = header.removeprefix("Bearer ").partition(".")
    expected = API_KEYS.get(key_id)
    if expected is None or not hmac.compare_digest(secret.encode(), expected.encode()):
        raise cherrypy.HTTPError(401, "Unauthorized")


def rate_limit(limit=60):
    ip = cherrypy.request.remote.ip
    window = int(time.time() // 60)
    count = _hits.get((ip, window), 0) + 1
    _hits[(ip, window)] = count
    if count > limit:
        raise cherrypy.HTTPError(429, "Too Many Requests")


cherrypy.tools.auth = cherrypy.Tool("before_handler", check_auth)
cherrypy.tools.ratelimit = cherrypy.Tool("on_start_resource", rate_limit)


class Health:
    @cherrypy.expose
    @cherrypy.tools.json_out()
    def index(self):
        return {"status": "ok"}


@cherrypy.expose
class Tasks:
    @cherrypy.tools.json_out()
    def GET(self, task_id=None):
        principal = cherrypy.request.login
        return load_task(task_id, owner=principal)


class Root:
    health = Health()

    def __init__(self):
        self.tasks = Tasks()

    @cherrypy.expose
    @cherrypy.tools.auth()
    @cherrypy.tools.json_out()
    def get_private_data(self):
        return {"status": "authenticated"}


def load_task(task_id, owner):
    return {}


config = {
    "global": {"environment": "production", "server.socket_host": "127.0.0.1"},
    "/": {
        "tools.ratelimit.on": True,
        "tools.response_headers.on": True,
        "tools.response_headers.headers": [
            ("Content-Security-Policy", "default-src 'none'"),
            ("X-Content-Type-Options", "nosniff"),
            ("Strict-Transport-Security", "max-age=31536000"),
        ],
    },
    "/tasks": {"request.dispatch": cherrypy.dispatch.MethodDispatcher(), "tools.auth.on": True},
}

if __name__ == "__main__":
    cherrypy.tree.mount(Root(), "/api/v1", config)
    cherrypy.engine.start()
    cherrypy.engine.block()
