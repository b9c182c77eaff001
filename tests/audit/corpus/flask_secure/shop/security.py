import hmac
import os
from functools import wraps

from flask import abort, g, request


def require_api_key(view):
    """Reject requests without the right API key (constant-time comparison)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        given = request.headers.get("X-API-Key", "")
        if not hmac.compare_digest(given.encode(), os.environ["API_KEY"].encode()):
            abort(401)
        return view(*args, **kwargs)

    return wrapper


def admin_only(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if "admin" not in getattr(g, "roles", ()):
            abort(403)
        return view(*args, **kwargs)

    return wrapper
