"""Seed 004, as users write it: Bottle's development server, an unsigned cookie "session", no CSRF defence.

    python examples/frameworks/bottle_seed/vulnerable.py   # http://127.0.0.1:8104
"""

from __future__ import annotations

import os

import bottle

app = bottle.Bottle()
NOTES: list[str] = []


@app.post("/login")
def login() -> dict[str, str]:
    bottle.response.set_cookie("user", "alice")  # unsigned: the client can write any user name here
    return {"ok": "logged in"}


@app.post("/notes")
def add_note() -> dict[str, int]:
    if bottle.request.get_cookie("user") is None:
        bottle.abort(401)
    NOTES.append(bottle.request.forms.get("note", ""))  # any site can make the browser post this form
    return {"notes": len(NOTES)}


if __name__ == "__main__":
    # the single-threaded development server, debug on
    bottle.run(app, host="127.0.0.1", port=int(os.environ.get("PORT", "8104")), debug=True)
