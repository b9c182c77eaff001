"""Corpus: Bottle with an auth plugin, signed cookies, a rate-limit plugin, headers and a production server."""
import hmac
import os

from bottle import Bottle, HTTPError, request, response, template

SECRET = os.environ["COOKIE_SECRET"]
app = Bottle()


class TokenAuthPlugin:
    name = "token_auth"
    api = 2

    def apply(self, callback, route):
        if route.config.get("public"):
            return callback

        def wrapper(*args, **kwargs):
            given = request.get_header("Authorization", "")
            if not hmac.compare_digest(given.encode(), os.environ["API_TOKEN"].encode()):
                raise HTTPError(401, "Unauthorized")
            return callback(*args, **kwargs)

        return wrapper


class RateLimitPlugin:
    name = "ratelimit"
    api = 2

    def apply(self, callback, route):
        return callback


app.install(TokenAuthPlugin())
app.install(RateLimitPlugin())


@app.hook("after_request")
def security_headers():
    response.set_header("X-Content-Type-Options", "nosniff")
    response.set_header("Content-Security-Policy", "default-src 'self'")
    response.set_header("Strict-Transport-Security", "max-age=31536000")


@app.get("/health", public=True)
def health():
    return {"status": "ok"}


@app.get("/v1/notes/<note_id:int>")
def get_note(note_id):
    user = request.get_cookie("user", secret=SECRET)
    return template("note", text=load_note(note_id, owner=user))


def load_note(note_id, owner):
    return ""


application = app
