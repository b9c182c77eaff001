"""The route inventory names the request fields each handler reads (so the prober can send them), and only
fields of the request: not headers, sessions, configuration or unrelated dictionaries."""

from __future__ import annotations

from pathlib import Path

from .helpers import audit


def _fields(tmp_path: Path, files: dict[str, str]) -> dict[str, set[tuple[str, str]]]:
    result = audit(tmp_path, files)
    return {f"{'/'.join(r.methods)} {r.path}": set(r.fields) for r in result.routes}


def test_flask_handlers_report_json_form_and_query_fields(tmp_path: Path) -> None:
    found = _fields(tmp_path, {"app.py": """
        from flask import Flask, request
        app = Flask(__name__)

        @app.post("/notes")
        def create():
            data = request.get_json() or {}
            title = data["title"]
            done = data.get("done", False)
            return {"title": title, "done": done}

        @app.get("/search")
        def search():
            return {"q": request.args.get("q"), "page": request.args["page"]}

        @app.post("/login")
        def login():
            return {"user": request.form["username"], "pw": request.form.get("password")}
    """})
    assert found["POST /notes"] == {("title", "body"), ("done", "body")}
    assert found["GET /search"] == {("q", "query"), ("page", "query")}
    assert found["POST /login"] == {("username", "form"), ("password", "form")}


def test_bottle_and_cherrypy_handlers_report_their_fields(tmp_path: Path) -> None:
    found = _fields(tmp_path, {"bottle_app.py": """
        from bottle import Bottle, request
        app = Bottle()

        @app.post("/comment")
        def comment():
            return {"text": request.forms.get("text"), "sort": request.query.sort}
    """, "cp_app.py": """
        import cherrypy

        class Root:
            @cherrypy.expose
            def find(self, name, limit=10):
                return name

        cherrypy.quickstart(Root())
    """})
    assert ("text", "form") in found["POST /comment"]
    assert {("name", "query"), ("limit", "query")} <= next(v for k, v in found.items() if k.endswith("/find"))


def test_headers_sessions_configuration_and_other_dicts_are_not_request_fields(tmp_path: Path) -> None:
    found = _fields(tmp_path, {"app.py": """
        import os
        from flask import Flask, request, session
        app = Flask(__name__)
        SETTINGS = {"mode": "x"}

        @app.get("/me")
        def me():
            token = request.headers.get("X-Token")
            user = session["user"]
            mode = SETTINGS["mode"]
            home = os.environ.get("HOME")
            row = {"a": 1}
            return {"user": user, "a": row["a"], "t": token, "m": mode, "h": home}
    """})
    assert found["GET /me"] == set()
