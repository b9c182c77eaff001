"""Corpus: a CherryPy API exposed without any protection (seed 000's pattern and friends)."""
import hashlib

import cherrypy


class UnprotectedAPI:
    @cherrypy.expose
    @cherrypy.tools.json_out()
    def get_private_data(self, user_id):
        return load_user(user_id)

    @cherrypy.expose
    @cherrypy.tools.json_out()
    def login(self, username="", password=""):
        digest = hashlib.sha1(password.encode()).hexdigest()
        cherrypy.session["user"] = username
        return {"ok": check(username, digest)}

    @cherrypy.expose
    def rename(self, item_id, title=""):
        if cherrypy.session.get("user") is None:
            raise cherrypy.HTTPError(401)
        execute("UPDATE items SET title = ? WHERE id = ?", (title, item_id))
        return "ok"


def load_user(user_id):
    return {"user_id": user_id, "secret": "x"}


def check(username, digest):
    return False


def execute(sql, params):
    return None


config = {
    "global": {"server.socket_host": "0.0.0.0", "request.show_tracebacks": True},
    "/": {"tools.sessions.on": True, "tools.response_headers.on": True,
          "tools.response_headers.headers": [("Access-Control-Allow-Origin", "*")]},
}

if __name__ == "__main__":
    cherrypy.quickstart(UnprotectedAPI(), "/", config)
