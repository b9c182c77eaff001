"""Administration commands, run on the server with the application's environment.

    python -m taskapi.manage make-admin USERNAME     # grant the admin role (verified accounts only)
    python -m taskapi.manage revoke-admin USERNAME   # back to a user; every earlier token is refused

Administrators are never made by registering a particular name: whoever registered it first would win.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from apishield.auth.identity import canonical_username
from taskapi import repo
from taskapi.security import EXTENSION, Security


def main(argv: Sequence[str] | None = None, *, app: Any = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m taskapi.manage", description="Task API administration")
    parser.add_argument("command", choices=["make-admin", "revoke-admin"])
    parser.add_argument("username")
    args = parser.parse_args(argv)
    if app is None:
        from taskapi.app import create_app
        from taskapi.settings import Settings, SettingsError

        try:
            app = create_app(Settings.from_env())
        except SettingsError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    sec: Security = app.extensions[EXTENSION]
    try:
        name = canonical_username(args.username)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with sec.engine.connect() as conn:
        row = repo.user_by_name(conn, name)
    if row is None or not row["email_verified"]:
        print(f"error: no verified account named {name!r}", file=sys.stderr)
        return 1
    role = "admin" if args.command == "make-admin" else "user"
    sec.change_role(int(row["id"]), role)
    print(f"{name}: role is now {role}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
