"""``apishield routes APP``: list the routes a shielded application protects and the ones it leaves public.

``APP`` is ``module:attribute`` (``myapi.app:app``), imported with the current directory on ``sys.path``.
Flask, Bottle, FastAPI/Starlette, CherryPy (a root object or a mounted application) and the generic WSGI
middleware are recognised.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from typing import Any

from apishield.errors import ConfigError
from apishield.shield import RouteSettings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "routes",
        help="list the routes a shielded app protects and the ones marked public",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("app", metavar="APP", help="the application as module:attribute, e.g. myapi:app")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=run)


def load_app(spec: str) -> Any:
    """Import ``module:attribute``; errors become :class:`ConfigError` with a one-line message."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ConfigError(f"APP must look like module:attribute (e.g. myapi.app:app), not {spec!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"cannot import {module_name!r}: {exc}") from exc
    obj: Any = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ConfigError(f"{module_name!r} has no attribute {attr!r}") from None
    return obj


def collect(app: Any) -> list[tuple[str, str, RouteSettings | None]]:
    """(method, path, settings) for every route; settings None means the shield is skipped there."""
    extensions = getattr(app, "extensions", None)
    if isinstance(extensions, dict) and "apishield" in extensions:
        shield = extensions["apishield"]
        return list(shield.routes_of(app))
    state = getattr(app, "state", None)
    fastapi_shield = getattr(state, "apishield", None) if state is not None else None
    if fastapi_shield is not None:
        return list(fastapi_shield.routes_of(app))
    plugins = getattr(app, "plugins", None)
    if isinstance(plugins, list):
        for plugin in plugins:
            if getattr(plugin, "name", None) == "apishield" and hasattr(plugin, "routes_of"):
                return list(plugin.routes_of(app))
        raise ConfigError("this Bottle app has no apishield plugin installed (app.install(Shield(...)))")
    from apishield.integrations.wsgi import ShieldMiddleware

    if isinstance(app, ShieldMiddleware):
        rows: list[tuple[str, str, RouteSettings | None]] = []
        for key, settings in [*app.shield.routes.items(), *app.routes.items()]:
            method, _, path = key.rpartition(" ")
            rows.append((method or "*", path, settings))
        rows.append(("*", "(any other path)", RouteSettings()))
        return rows
    return _cherrypy_routes(app)


def _cherrypy_routes(app: Any) -> list[tuple[str, str, RouteSettings | None]]:
    """A CherryPy tree (``cherrypy.tree`` or another ``Tree``), a mounted application or a root object
    (its mounted application's config is used when ``cherrypy.tree`` has it)."""
    try:
        import cherrypy
        from cherrypy._cptree import Tree
    except ImportError:
        cherrypy = None
    if cherrypy is not None:
        tool = getattr(cherrypy.tools, "apishield", None)
        shield = getattr(getattr(tool, "callable", None), "__self__", None)
        if isinstance(app, Tree):
            apps = list(app.apps.values())
        elif isinstance(app, cherrypy.Application):
            apps = [app]
        else:
            apps = [a for a in cherrypy.tree.apps.values() if a.root is app] or [None]
        if shield is not None and hasattr(shield, "routes_of"):
            rows: list[tuple[str, str, RouteSettings | None]] = []
            for mounted in apps:
                root = app if mounted is None else mounted.root
                if root is None:
                    continue
                prefix = "" if mounted is None else mounted.script_name or ""
                rows.extend(shield.routes_of(root, prefix, None if mounted is None else mounted.config))
            if rows:
                return rows
    raise ConfigError(
        "no apishield shield found on this app: use Flask's Shield(app), Bottle's app.install(Shield()), "
        "FastAPI's shield.init_app(app), CherryPy's shield.install(), or wrap it in ShieldMiddleware"
    )


def run(args: argparse.Namespace) -> int:
    rows = collect(load_app(args.app))
    if args.json:
        out = []
        for method, path, settings in rows:
            entry: dict[str, Any] = {"method": method, "path": path}
            if settings is None:
                entry["protection"] = "unshielded"
            else:
                entry["protection"] = "public" if settings.is_public else "protected"
                entry["scopes"] = list(settings.scopes)
                entry["roles"] = list(settings.roles)
                entry["limits"] = None if settings.limits is None else list(settings.limits)
                entry["csrf_exempt"] = bool(settings.csrf_exempt)
            out.append(entry)
        print(json.dumps(out, indent=2))
        return 0
    width = max((len(m) for m, _, _ in rows), default=3)
    for method, path, settings in rows:
        label = "UNSHIELDED" if settings is None else ("PUBLIC" if settings.is_public else "PROTECTED")
        detail = "" if settings is None else settings.describe().partition(" ")[2]
        print(f"{label:<10} {method:<{width}} {path}" + (f"  ({detail})" if detail else ""))
    protected = sum(1 for *_, s in rows if s is not None and not s.is_public)
    public = sum(1 for *_, s in rows if s is not None and s.is_public)
    unshielded = sum(1 for *_, s in rows if s is None)
    print(f"{protected} protected, {public} public, {unshielded} unshielded")
    return 0


__all__ = ["collect", "load_app", "register", "run"]
