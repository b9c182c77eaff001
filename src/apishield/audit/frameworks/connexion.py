"""connexion model: ``connexion.App(...).add_api("openapi.yaml")`` routes every operation to its
``operationId``. The spec's ``security`` (global or per operation, ``[]`` meaning public) decides
authentication."""

from __future__ import annotations

import ast
import functools
import json
import os
from collections.abc import Iterator
from typing import Any

from apishield.audit import astutil as au
from apishield.audit.frameworks.common import listings_upwards
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


#: the vendor extensions naming the module of an operation's handler (Swagger 2 and OpenAPI 3 spellings)
_CONTROLLER_KEYS = ("x-openapi-router-controller", "x-swagger-router-controller")
#: folders beside a module where projects keep their specifications
_SPEC_DIRS = frozenset({"openapi", "swagger", "spec", "specs", "api", "apis"})


def _spec_files(directory: str) -> Iterator[str]:
    """YAML and JSON files in ``directory``, its two parents and their specification folders."""
    for _level, folder, names in listings_upwards(directory, 3):
        for name in names:
            full = os.path.join(folder, name)
            if name.endswith((".yaml", ".yml", ".json")):
                yield full
            elif name in _SPEC_DIRS and os.path.isdir(full):
                yield from (os.path.join(full, n) for n in sorted(os.listdir(full)) if n.endswith((".yaml", ".yml",
                                                                                                    ".json")))


def _answers_html(spec: dict[str, Any], op: dict[str, Any]) -> bool:
    """The operation may answer HTML: a ``text/html`` media type among its responses' contents (OpenAPI 3) or in
    its ``produces``, the document's when it has none (Swagger 2); JSON otherwise, connexion's default."""
    types: list[str] = [str(t) for t in (op.get("produces") or spec.get("produces") or [])]
    for response in (op.get("responses") or {}).values():
        if isinstance(response, dict) and isinstance(response.get("content"), dict):
            types.extend(str(t) for t in response["content"])
    return any("html" in t.lower() for t in types)


def _operation_ids(spec: dict[str, Any]) -> Iterator[tuple[str, str, bool]]:
    """(controller module, function, whether it may answer HTML) of every operation: ``operationId:
    pkg.module.function``, or a bare function name under a router-controller extension of the operation or its
    path."""
    for item in (spec.get("paths") or {}).values():
        if not isinstance(item, dict):
            continue
        path_controller = next((str(item[k]) for k in _CONTROLLER_KEYS if k in item), "")
        for method in _METHODS:
            op = item.get(method)
            if not isinstance(op, dict) or not isinstance(op.get("operationId"), str):
                continue
            controller = next((str(op[k]) for k in _CONTROLLER_KEYS if k in op), path_controller)
            op_id = op["operationId"]
            html = _answers_html(spec, op)
            if controller:
                yield controller, op_id, html
            elif "." in op_id:
                module, _, function = op_id.rpartition(".")
                yield module, function, html


@functools.lru_cache(maxsize=256)
def _operations_near(directory: str) -> tuple[tuple[str, str, bool], ...]:
    """The operations of the specifications near ``directory`` (read once per directory)."""
    out: list[tuple[str, str, bool]] = []
    for path in _spec_files(directory):
        try:
            if os.path.getsize(path) > MAX_SPEC_BYTES:
                continue
            with open(path, encoding="utf-8", errors="replace") as fh:
                if "operationId" not in fh.read():
                    continue
        except OSError:
            continue
        spec = _load_spec(path)
        if spec is not None:
            out.extend(_operation_ids(spec))
    return tuple(out)


def operations(abspath: str) -> dict[str, bool]:
    """Functions of the module at ``abspath`` that a specification beside it names as an operation's handler
    (``operationId: api.users.create`` for ``api/users.py``), each with whether one of its operations may answer
    HTML: connexion calls them with the request's parameters and body, wherever the app that loads the
    specification is built, and serialises what they return by the operation's media type (JSON unless the
    specification says ``text/html``)."""
    if not abspath:
        return {}
    directory, filename = os.path.split(os.path.abspath(abspath))
    stem = os.path.basename(directory) if filename == "__init__.py" else filename[:-3]
    parts = os.path.normpath(abspath[:-3]).split(os.sep)
    if filename == "__init__.py":
        parts = parts[:-1]
    out: dict[str, bool] = {}
    for module, function, html in _operations_near(directory):
        names = module.split(".")
        if names[-1] == stem and parts[-len(names):] == names:
            out[function] = out.get(function, False) or html
    return out


__all__ = ["FRAMEWORK", "analyse", "operations"]
