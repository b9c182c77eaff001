"""Corpus: a Bottle app with the patterns from seed 004 (debug, wsgiref, raw output, unsigned cookies)."""
import bottle
from bottle import Bottle, request, response, run, template

app = Bottle()
bottle.debug(True)


@app.route("/api/notes/<note_id>")
def get_note(note_id):
    return load_note(note_id)


@app.post("/notes")
def add_note():
    user = request.get_cookie("user")
    save_note(user, request.forms.get("text"))
    return template("note", text=request.forms.get("text"))


@app.post("/login")
def login():
    response.set_cookie("user", request.forms.get("username"))
    return "ok"


@app.get("/api/stats")
def stats():
    return {"count": 3}


def load_note(note_id):
    return {}


def save_note(user, text):
    return None


if __name__ == "__main__":
    run(app, host="0.0.0.0", port=8080, reloader=True)
