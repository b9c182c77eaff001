"""``apishield keys create|list|revoke|rotate --store URL``: manage API keys from the shell.

The pepper comes from the environment variable ``APISHIELD_KEY_PEPPER`` (at least 32 bytes); it is never a
command-line argument, so it does not land in shell history or process listings. A new key is printed once.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

from apishield.auth.apikeys import MIN_PEPPER_BYTES, APIKeyManager, APIKeyRecord
from apishield.errors import ConfigError

PEPPER_ENV = "APISHIELD_KEY_PEPPER"


def _manager(args: argparse.Namespace) -> APIKeyManager:
    pepper = os.environ.get(PEPPER_ENV, "")
    if not pepper:
        raise ConfigError(f"set {PEPPER_ENV} to a secret of at least {MIN_PEPPER_BYTES} bytes (the server's pepper)")
    if len(pepper.encode()) < MIN_PEPPER_BYTES:
        raise ConfigError(f"{PEPPER_ENV} is shorter than {MIN_PEPPER_BYTES} bytes; use a longer random secret")
    from apishield.stores import from_url

    return APIKeyManager(from_url(args.store), pepper, prefix=args.prefix)


def _when(value: float | None) -> str:
    return "-" if value is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(value))


def _row(manager: APIKeyManager, record: APIKeyRecord) -> dict[str, Any]:
    return {**record.public(), "last_used": manager.last_used(record.key_id)}


def _create(args: argparse.Namespace) -> int:
    manager = _manager(args)
    created = manager.create(
        args.name, args.owner, scopes=args.scope or (), routes=args.route or (), rate_limit=args.rate_limit,
        ttl=args.ttl,
    )
    print(f"created key {created.record.key_id} for {created.record.owner}; it will not be shown again:",
          file=sys.stderr)
    print(created.key)
    return 0


def _list(args: argparse.Namespace) -> int:
    manager = _manager(args)
    rows = [_row(manager, r) for r in manager.list(args.owner)]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'ID':<13} {'OWNER':<20} {'NAME':<20} {'STATE':<8} {'EXPIRES':<21} {'LAST USED':<21} SCOPES")
    for row in rows:
        state = "revoked" if row["revoked"] else "active"
        print(f"{row['id']:<13} {row['owner'][:20]:<20} {row['name'][:20]:<20} {state:<8} "
              f"{_when(row['expires']):<21} {_when(row['last_used']):<21} {' '.join(row['scopes'])}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    record = _manager(args).revoke(args.key_id)
    print(f"revoked key {record.key_id} ({record.name}, owner {record.owner})")
    return 0


def _rotate(args: argparse.Namespace) -> int:
    created = _manager(args).rotate(args.key_id, grace=args.grace)
    print(f"rotated key {created.record.key_id}; the old secret works for {args.grace:g} more seconds. "
          "New key (shown once):", file=sys.stderr)
    print(created.key)
    return 0


def register(subparsers: Any) -> None:
    """Add ``apishield keys`` to the main parser."""
    keys = subparsers.add_parser("keys", help="create, list, revoke and rotate API keys",
                                 description=f"Manage API keys. The pepper is read from ${PEPPER_ENV}.")
    actions = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--store", required=True, help="store URL, e.g. sqlite:///keys.db or redis://localhost/0")
        p.add_argument("--prefix", default="ask", help="key prefix (default: ask)")

    create = actions.add_parser("create", help="create a key and print it once")
    common(create)
    create.add_argument("--name", required=True)
    create.add_argument("--owner", required=True)
    create.add_argument("--scope", action="append", help="a scope granted to the key (repeatable)")
    create.add_argument("--route", action="append", help="a route glob the key may call, e.g. '/tasks/*' (repeatable)")
    create.add_argument("--rate-limit", help="per-key limit, e.g. '100/minute'")
    create.add_argument("--ttl", type=float, help="lifetime in seconds (default: no expiry)")
    create.set_defaults(func=_create)

    listing = actions.add_parser("list", help="list keys (metadata only)")
    common(listing)
    listing.add_argument("--owner", help="only this owner's keys")
    listing.add_argument("--json", action="store_true", help="JSON output")
    listing.set_defaults(func=_list)

    revoke = actions.add_parser("revoke", help="revoke a key by id")
    common(revoke)
    revoke.add_argument("key_id")
    revoke.set_defaults(func=_revoke)

    rotate = actions.add_parser("rotate", help="give a key a new secret; the old one works during a grace period")
    common(rotate)
    rotate.add_argument("key_id")
    rotate.add_argument("--grace", type=float, default=86_400.0, help="seconds the old secret keeps working")
    rotate.set_defaults(func=_rotate)


__all__ = ["PEPPER_ENV", "register"]
