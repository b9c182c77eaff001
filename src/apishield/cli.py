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

# command -> module providing register(subparsers). Only the named command's module is imported for a run
# (importing probe, the shield and the demo costs ~0.3 s that `apishield audit` should not pay); --help
# imports them all to list them.
SUBCOMMANDS: dict[str, str] = {
    "audit": "apishield.audit.cli",
    "probe": "apishield.probe.cli",
    "keys": "apishield.auth.cli",
    "routes": "apishield.integrations.cli",
    "demo": "apishield.demo.cli",
    "explain": "apishield.explain",
}
SUBCOMMAND_MODULES: tuple[str, ...] = tuple(dict.fromkeys(SUBCOMMANDS.values()))

EXIT_USAGE = 2
EXIT_ERROR = 3


def _modules_for(argv: Sequence[str]) -> tuple[str, ...]:
    """The subcommand modules a run needs: the named command's, or all of them to list them."""
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    if command in SUBCOMMANDS:
        return (SUBCOMMANDS[command],)
    return SUBCOMMAND_MODULES


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="apishield",
        description="Make Python web APIs secure and prove it: protect, audit, probe.",
    )
    parser.add_argument("--version", action="version", version=f"apishield {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = SUBCOMMAND_MODULES if argv is None else _modules_for(argv)
    for module_name in modules:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and module_name.startswith(exc.name):
                continue  # this area has not landed
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(arguments)
    args = parser.parse_args(arguments)
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
