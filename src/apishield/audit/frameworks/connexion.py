"""connexion model: ``connexion.App(...).add_api("openapi.yaml")`` routes every operation to its
``operationId``. The spec's ``security`` (global or per operation, ``[]`` meaning public) decides
authentication."""

from __future__ import annotations

import ast
import json
import os
from typing import Any

from apishield.audit import astutil as au
from apishield.audit.frameworks.scan import Scan
from apishield.audit.model import AUTH, Owner, RawRoute

FRAMEWORK = "connexion"
_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
MAX_SPEC_BYTES = 5_000_000


def _load_spec(path: str) -> dict[str, Any] | None:
    import yaml  # only connexion apps have a spec to read; every other audit skips the import

    try:
        if os.path.getsize(path) > MAX_SPEC_BYTES:
            return None
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        data = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


def analyse(scan: Scan) -> None:
    spec_dirs: dict[str, str] = {}
    for node in au.nodes_of_any(scan.tree, ast.Assign):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            name = scan.q(node.value.func)
            if name.startswith("connexion") and au.last(name) in {"App", "FlaskApp", "AsyncApp"}:
                spec_dir = au.str_const(au.kwarg(node.value, "specification_dir")) or ""
                for target in au.target_names(node):
                    spec_dirs[au.last(target)] = spec_dir
                    scan.facts.owners.append(Owner(FRAMEWORK, au.last(target), "app", node.lineno, path=scan.path))
    for call in au.calls(scan.tree):
        if isinstance(call.func, ast.Attribute) and call.func.attr == "add_api" and call.args:
            owner = au.last(au.dotted(call.func.value))
            if owner not in spec_dirs:
                continue
            spec_name = au.str_const(call.args[0])
            if not spec_name or not scan.abspath:
                continue
            base = os.path.join(os.path.dirname(scan.abspath), spec_dirs[owner])
            spec = _load_spec(os.path.join(base, spec_name))
            if spec is not None:
                _routes(scan, spec, owner, call.lineno, au.str_const(au.kwarg(call, "base_path")) or "")


def _routes(scan: Scan, spec: dict[str, Any], owner: str, line: int, base_path: str) -> None:
    global_security = spec.get("security")
    servers = spec.get("servers") or []
    if not base_path:
        base_path = str(spec.get("basePath", "")) if "basePath" in spec else ""
        if not base_path and servers and isinstance(servers[0], dict):
            url = str(servers[0].get("url", ""))
            base_path = "/" + url.split("://", 1)[-1].split("/", 1)[1] if "/" in url.split("://", 1)[-1] else ""
    for path, item in (spec.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in _METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            security = op.get("security", global_security)
            route = RawRoute(
                FRAMEWORK,
                (method.upper(),),
                base_path.rstrip("/") + str(path),
                str(op.get("operationId", "?")),
                line,
                owner,
                registered=True,
            )
            if security == []:
                route.public = "OpenAPI security: []"
            elif security:
                route.protections[AUTH] = "OpenAPI security"
            scan.facts.routes.append(route)


__all__ = ["FRAMEWORK", "analyse"]
