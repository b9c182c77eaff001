"""Hosted identity providers: calls that hand a typed password to AWS Cognito, Firebase, Supabase, Microsoft Entra
(MSAL), Keycloak, Auth0 or Okta instead of the application's own code.

The provider checks the password, applies its own password policy to a new one and limits failed attempts per
account (Cognito's lockout after five failures, Firebase's ``TOO_MANY_ATTEMPTS_TRY_LATER``, Entra's smart
lockout, Auth0's brute-force protection). A sign-in or a sign-up that delegates to one is not an unlimited
password check (AS202) nor a password kept without a policy (AS610) in the application: what remains is the
provider's configuration, which the code does not show.
"""

from __future__ import annotations

import ast
import re

from apishield.audit import astutil as au

#: operations no project names its own functions after: the provider's alone
DISTINCT = frozenset({
    "initiate_auth", "admin_initiate_auth", "respond_to_auth_challenge", "admin_respond_to_auth_challenge",
    "confirm_forgot_password", "admin_set_user_password", "admin_reset_user_password",
    "sign_in_with_email_and_password", "create_user_with_email_and_password", "sign_in_with_password",
    "acquire_token_by_username_password",
})
#: generic names that are a provider's operation when the receiver or the keywords say so (``cognito.sign_up``,
#: ``client.forgot_password(ClientId=...)``, ``keycloak_openid.token(user, password)``)
GENERIC = frozenset({"sign_up", "forgot_password", "change_password", "admin_create_user", "create_user", "token",
                     "login", "sign_in", "reset_password_email", "update_user"})
#: the words a provider's client is named with (``idp``, short for identity provider, only at a word's start)
_PROVIDERS = "cognito|firebase|pyrebase|supabase|keycloak|auth0|okta|msal|gotrue"
#: receivers named for a provider's client
RECEIVER = re.compile(rf"(?i){_PROVIDERS}|\bidp")
#: the keyword arguments of boto3's Cognito identity-provider client
BOTO_KEYWORDS = frozenset({"ClientId", "UserPoolId", "AccessToken", "AuthFlow", "AuthParameters", "SecretHash"})

_NAMES = "|".join(sorted(DISTINCT))
_GENERIC = "|".join(sorted(GENERIC))
#: the same, read in a handler's text
_IN_TEXT = re.compile(rf"\.(?:{_NAMES})\s*\(|\b\w*(?:{_PROVIDERS}|idp)\w*(?:\.\w+)*\.(?:{_GENERIC})\s*\(|"
                      rf"\.(?:{_GENERIC})\s*\([^)]*?\b(?:ClientId|UserPoolId)\s*=", re.IGNORECASE)


def provider_call(node: ast.Call) -> bool:
    """``node`` hands its arguments to a hosted identity provider's password operation."""
    name = au.last(au.dotted(node.func))
    if name in DISTINCT:
        return True
    if name not in GENERIC or not isinstance(node.func, ast.Attribute):
        return False
    return bool(RECEIVER.search(au.dotted(node.func.value)) or {k.arg for k in node.keywords} & BOTO_KEYWORDS)


def delegates_password(source: str) -> bool:
    """A handler's text calls a hosted identity provider's password operation."""
    return bool(_IN_TEXT.search(source))


__all__ = ["delegates_password", "provider_call"]
