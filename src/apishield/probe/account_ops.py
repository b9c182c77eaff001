"""Which operations create accounts: the ones the probe may call to register a throwaway account, and the ones
whose answers and rules are read as a sign-up's (password policy, password storage, privileged fields)."""

from __future__ import annotations

import re

from apishield.probe.identities import USER_KEYS, password_named
from apishield.probe.targets import Operation

# the last word of a path that creates accounts when it takes a user name and a password (``POST /v1/user/``,
# ``POST /api/accounts``, ``POST /signup``)
ACCOUNT_PATH = re.compile(r"(?i)(^|/)(users?|accounts?|members?|customers?|sign-?up|sign_up|register|registration)$")


def creates_account(op: Operation) -> bool:
    """An operation anyone may call to create an account: the registration operation, or a POST to a
    user/account collection (no path parameter, not administrative) taking a user name or e-mail and a password."""
    if op.method != "POST" or op.looks_login() or op.looks_destructive() or op.looks_credential_reset():
        return False
    if op.looks_register():
        return True
    return (not op.path_params and not op.looks_admin() and bool(ACCOUNT_PATH.search(op.path.rstrip("/")))
            and takes_credentials(op))


def takes_credentials(op: Operation) -> bool:
    """The operation takes a user name or e-mail and a password (body fields or query parameters)."""
    fields = {name.lower() for name in op.body_fields} | {p.name.lower() for p in op.params if p.location == "query"}
    return bool(fields & {*USER_KEYS, "email"}) and any(password_named(f) for f in fields)


#: a creation action on an account collection (``POST /api/user/create``, ``POST /members/new``)
ACCOUNT_CREATION = re.compile(r"(?i)(^|/)(users?|accounts?|members?|customers?)/(create|new|add)$")


def opens_account(op: Operation) -> bool:
    """An account creation the description declares open to anyone (``security: []``) that takes a user name or
    e-mail and no password (accounts that sign in by name alone, or get a password later): a POST, no path
    parameter, not administrative, at an account collection or a creation action on one."""
    if op.method != "POST" or op.secured is not False or op.path_params or op.looks_admin() or op.looks_login() \
            or op.looks_destructive() or op.looks_credential_reset():
        return False
    path = op.path.rstrip("/")
    fields = {name.lower() for name in op.body_fields}
    return bool(ACCOUNT_PATH.search(path) or ACCOUNT_CREATION.search(path)) and bool(fields & {*USER_KEYS, "email"})


__all__ = ["ACCOUNT_CREATION", "ACCOUNT_PATH", "creates_account", "opens_account"]
