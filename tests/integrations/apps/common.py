"""Shared configuration of the four test apps: the same API, the same shield settings, from the environment.

The suite starts each app in a real server process and sets:
APISHIELD_TEST_JWT_SECRET (HS256 key), APISHIELD_TEST_ORIGINS (allowed CORS origins, comma-separated),
APISHIELD_TEST_STORE (store URL), APISHIELD_TEST_HTTPS (redirect|refuse|off), APISHIELD_TEST_LIMIT.
"""

from __future__ import annotations

import os
from typing import Any

LIMIT = os.environ.get("APISHIELD_TEST_LIMIT", "3/minute")
TASK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"title": {"type": "string", "maxLength": 100}},
    "required": ["title"],
    "additionalProperties": False,
}


def shield_settings() -> dict[str, Any]:
    https = os.environ.get("APISHIELD_TEST_HTTPS", "redirect")
    return {
        "mode": "production",
        "jwt_secret_env": "APISHIELD_TEST_JWT_SECRET",
        "store_url": os.environ.get("APISHIELD_TEST_STORE", "memory://"),
        "trusted_proxies": ["127.0.0.1"],
        "https": https,
        "cors_origins": [o for o in os.environ.get("APISHIELD_TEST_ORIGINS", "").split(",") if o],
        "cors_allow_credentials": True,
        "default_limits": ["1000/minute"],
        "sessions": {"enabled": True, "cookie_name": "session", "secure": False},
        "warn_debug_server": False,
    }


def login_data() -> dict[str, Any]:
    """The session data of the test user: scopes for the session-authenticated routes."""
    return {"scopes": ["notes:write"]}
