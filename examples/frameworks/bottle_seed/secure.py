"""Seed 004 fixed with apishield: server-side sessions, CSRF tokens, the shield plugin, a real server.

    python examples/frameworks/bottle_seed/secure.py     # waitress on http://127.0.0.1:8004

The seed asks for the synchronizer token pattern and signed session cookies. Here the session lives in the
store (the cookie holds only a random id, HttpOnly, SameSite=Lax; Secure in production), a new id and a new
CSRF token are issued at login, and every state-changing request authenticated by that cookie must carry the
token (``X-CSRF-Token`` header or ``csrf_token`` form field) and come from this site (Origin and Fetch
Metadata checks). Bearer-token clients need no CSRF token. Waitress replaces ``bottle.run``'s dev server.
"""

from __future__ import annotations

import os
from typing import Any

import bottle

from apishield.integrations.bottle import Shield, principal

PRODUCTION = os.environ.get("APISHIELD_MODE", "development") == "production"
app = bottle.Bottle()
shield = Shield(
    mode="production" if PRODUCTION else "development",
    default_limits=["60/minute"],
    # __Host- cookies need HTTPS; on plain-HTTP loopback the demo uses a plain name without Secure
    sessions={"enabled": True, "cookie_name": "__Host-session" if PRODUCTION else "session", "secure": PRODUCTION},
)
app.install(shield)
NOTES: list[str] = []


@app.post("/login", apishield={"public": True, "limits": ["5/minute"]})
def login() -> dict[str, str]:
    # a real app verifies a password here (apishield.auth.passwords); the demo logs in "alice"
    session = shield.sessions.login("alice", data={"scopes": ["notes:write"]})
    bottle.response.set_header("Set-Cookie", shield.sessions.cookie(session))
    return {"csrf_token": session.csrf_token}


@app.post("/notes")
@shield.require("notes:write")
def add_note() -> dict[str, Any]:
    NOTES.append(bottle.request.forms.get("note", ""))
    return {"notes": len(NOTES), "by": principal().subject}


if __name__ == "__main__":
    import waitress

    waitress.serve(app, host="127.0.0.1", port=int(os.environ.get("PORT", "8004")))
