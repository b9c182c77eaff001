"""The ``apishield`` command line.

Each area ships its own subcommand module exposing ``register(subparsers)``; a subcommand appears only when
its module is present, so nothing pretends to work before it does. Handlers return an exit code. Expected
failures (:class:`~apishield.errors.ApishieldError`, ``OSError``, ``ValueError``) become one clear line on
stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from apishield._version import __version__
from apishield.errors import ApishieldError

# module path -> provides register(subparsers) adding one or more subcommands
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "apishield.audit.cli",
    "apishield.probe.cli",
    "apishield.auth.cli",
    "apishield.integrations.cli",
    "apishield.demo.cli",
)

EXIT_USAGE = 2
EXIT_ERROR = 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="apishield",
        description="Make Python web APIs secure and prove it: protect, audit, probe.",
    )
    parser.add_argument("--version", action="version", version=f"apishield {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and module_name.startswith(exc.name):
                continue  # this area has not landed
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "func", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(handler(args))
    except KeyboardInterrupt:
        print("apishield: interrupted", file=sys.stderr)
        return 130
    except (ApishieldError, OSError, ValueError) as exc:
        print(f"apishield {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
