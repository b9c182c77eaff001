"""Authentication and authorization: JWT, API keys, OAuth 2.0 server, passwords, lockout, TOTP, principals.

Names are imported lazily, so ``import apishield.auth.principal`` does not pull in joserfc or Authlib.

=============================  ==============================================
``JWTAuth``, ``SigningKey``     :mod:`apishield.auth.jwt`
``RemoteJWKS``                  :mod:`apishield.auth.jwt`
``RefreshTokens``               :mod:`apishield.auth.refresh`
``APIKeyManager``               :mod:`apishield.auth.apikeys`
``BearerJWTAuthenticator``,     :mod:`apishield.auth.authenticators`
``APIKeyAuthenticator``
``OAuth2Server``,               :mod:`apishield.auth.oauth2`
``OAuth2TokenAuthenticator``
``Principal``, ``require``      :mod:`apishield.auth.principal`
``Passwords``,                  :mod:`apishield.auth.passwords`
``PasswordPolicy``
``LoginThrottle``,              :mod:`apishield.auth.lockout`
``LoginService``
``Revocations``                 :mod:`apishield.auth.revocation`
``canonical_username``,         :mod:`apishield.auth.identity`
``canonical_email``,
``username_skeleton``
``SignedTokens``                :mod:`apishield.auth.tokens`
``TOTP``                        :mod:`apishield.auth.mfa`
=============================  ==============================================
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "JWTAuth": "apishield.auth.jwt",
    "SigningKey": "apishield.auth.jwt",
    "RemoteJWKS": "apishield.auth.jwt",
    "RefreshTokens": "apishield.auth.refresh",
    "APIKeyManager": "apishield.auth.apikeys",
    "APIKeyAuthenticator": "apishield.auth.authenticators",
    "BearerJWTAuthenticator": "apishield.auth.authenticators",
    "OAuth2Server": "apishield.auth.oauth2",
    "OAuth2TokenAuthenticator": "apishield.auth.oauth2",
    "OAuthRequest": "apishield.auth.oauth2",
    "Principal": "apishield.auth.principal",
    "Requirement": "apishield.auth.principal",
    "require": "apishield.auth.principal",
    "Passwords": "apishield.auth.passwords",
    "PasswordPolicy": "apishield.auth.passwords",
    "LoginThrottle": "apishield.auth.lockout",
    "LoginService": "apishield.auth.lockout",
    "Revocations": "apishield.auth.revocation",
    "canonical_username": "apishield.auth.identity",
    "canonical_email": "apishield.auth.identity",
    "username_skeleton": "apishield.auth.identity",
    "SignedTokens": "apishield.auth.tokens",
    "TOTP": "apishield.auth.mfa",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'apishield.auth' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
