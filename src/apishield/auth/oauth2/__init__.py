"""OAuth 2.0 authorization server (Authlib core, framework-free) and its access-token authenticator."""

from apishield.auth.oauth2.models import Client, OAuthStore
from apishield.auth.oauth2.server import (
    ConsentHook,
    OAuth2Server,
    OAuth2TokenAuthenticator,
    OAuthRequest,
    OAuthResponse,
)

__all__ = [
    "Client",
    "ConsentHook",
    "OAuth2Server",
    "OAuth2TokenAuthenticator",
    "OAuthRequest",
    "OAuthResponse",
    "OAuthStore",
]
