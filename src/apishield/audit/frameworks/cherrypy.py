"""CherryPy model: ``@cherrypy.expose`` methods and classes (and ``exposed = True``), ``MethodDispatcher``
resources (``GET``/``POST`` methods), object trees mounted with ``quickstart``/``tree.mount``, config dicts with
``tools.*.on`` per path section, ``_cp_config``, ``@cherrypy.tools.x()`` decorators and ``cherrypy.Tool``
registrations (a tool whose hook rejects with 401/403 counts as authentication).

Classes and mounts are recorded per module; :func:`project_routes` walks the mounted trees once every module
is known, so a root class defined in one file and mounted in another is still found.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from apishield.audit import astutil as au
from apishield.audit.frameworks.common import join_path, rejects_unauthenticated, roles_from_decorators
from apishield.audit.frameworks.scan import Scan
from apishield.audit.model import AUTH, HEADERS, ModuleFacts, RawRoute

FRAMEWORK = "cherrypy"
_HTTP = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}
_TOOL_KEY = re.compile(r"^tools\.(\w+)\.on$")
BUILTIN_TOOLS: dict[str, set[str]] = {
    "auth_basic": {AUTH},
    "auth_digest": {AUTH},
    "basic_auth": {AUTH},
    "digest_auth": {AUTH},
    "session_auth": {AUTH},
    "apishield": {"auth", "rate", "csrf", "headers"},
}


def _is_expose(scan: Scan, node: ast.AST) -> bool:
    return scan.q(node).endswith("cherrypy.expose") or au.last(au.dotted(node)) == "expose"


def analyse(scan: Scan) -> None:
    classes: dict[str, Any] = {}
    for cls in au.nodes_of_any(scan.tree, ast.ClassDef):
        if isinstance(cls, ast.ClassDef):
            info = _class_info(scan, cls)
            if info is not None:
                classes[cls.name] = info
    mounts: list[tuple[str, str, int]] = []
    for call in au.calls(scan.tree):
        name = scan.q(call.func)
        if name.endswith(("cherrypy.quickstart", "cherrypy.tree.mount", "cherrypy.Application", "tree.mount")):
            root = au.arg(call, 0, "root")
            prefix = au.str_const(au.arg(call, 1, "script_name")) or ""
            cls_name = _class_of(scan, root)
            if cls_name:
                mounts.append((cls_name, prefix, call.lineno))
        if name.endswith("cherrypy.config.update") and call.args and isinstance(call.args[0], ast.Dict):
            _flat_config(scan, call.args[0], "/")
    sections: set[int] = set()
    for node in au.nodes_of_any(scan.tree, ast.Dict, ast.Assign):
        if isinstance(node, ast.Dict) and id(node) not in sections:
            sections.update(_config_dict(scan, node))
        elif isinstance(node, ast.Assign):
            _tool_registration(scan, node)
    scan.facts.flags["cp_classes"] = classes
    scan.facts.flags["cp_mounts"] = mounts


def _class_of(scan: Scan, node: ast.AST | None) -> str:
    if isinstance(node, ast.Call):
        return au.last(au.dotted(node.func))
    if isinstance(node, ast.Name):
        for sub in au.nodes_of_any(scan.tree, ast.Assign):
            if isinstance(sub, ast.Assign) and node.id in au.target_names(sub) and isinstance(sub.value, ast.Call):
                return au.last(au.dotted(sub.value.func))
    return ""


def _cp_config_tools(scan: Scan, value: ast.AST | None) -> list[str]:
    tools: list[str] = []
    if isinstance(value, ast.Dict):
        for key, val in zip(value.keys, value.values, strict=False):
            match = _TOOL_KEY.match(au.str_const(key) or "")
            if match and (au.is_true(val) or au.is_env_read(val, scan.imports)):
                tools.append(match.group(1))
    return tools


def _class_info(scan: Scan, cls: ast.ClassDef) -> dict[str, Any] | None:
    class_exposed = any(_is_expose(scan, d) for d in cls.decorator_list)
    class_tools: list[str] = []
    children: dict[str, str] = {}
    for node in cls.body:
        if isinstance(node, ast.Assign):
            names = au.target_names(node)
            if "exposed" in names and au.is_true(node.value):
                class_exposed = True
            if "_cp_config" in names:
                class_tools += _cp_config_tools(scan, node.value)
            if isinstance(node.value, ast.Call):
                for n in names:
                    children[n] = au.last(au.dotted(node.value.func))
    for dec in cls.decorator_list:
        if "cherrypy.tools." in scan.q(dec) or au.dotted(dec).startswith("tools."):
            class_tools.append(au.last(au.dotted(dec)))
    methods: list[dict[str, Any]] = []
    for sub in au.nodes_of_any(cls, ast.Assign):
        if isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Call):
            for n in au.target_names(sub):
                if n.startswith("self.") and n.count(".") == 1:
                    children[n[5:]] = au.last(au.dotted(sub.value.func))
    exposed_attrs = {
        au.dotted(t).split(".")[0]
        for node in cls.body
        if isinstance(node, ast.Assign) and au.is_true(node.value)
        for t in node.targets
        if au.dotted(t).endswith(".exposed")
    }
    for fn in cls.body:
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        exposed = any(_is_expose(scan, d) for d in fn.decorator_list) or fn.name in exposed_attrs
        http = fn.name if fn.name in _HTTP else ""
        if not (exposed or (class_exposed and not fn.name.startswith("_"))):
            continue
        tools = [
            au.last(au.dotted(d))
            for d in fn.decorator_list
            if "cherrypy.tools." in scan.q(d) or au.dotted(d).startswith("tools.")
        ]
        for dec in fn.decorator_list:
            if isinstance(dec, ast.Call) and scan.q(dec.func).endswith("cherrypy.config"):
                for kw in dec.keywords:
                    if kw.arg is None:
                        tools += _cp_config_tools(scan, kw.value)
        expose_line = next((d.lineno for d in fn.decorator_list if _is_expose(scan, d)), fn.lineno)
        methods.append(
            {
                "name": fn.name,
                "http": http,
                "line": expose_line,
                "def_line": fn.lineno,
                "decorators": [scan.q(d) for d in fn.decorator_list if not _is_expose(scan, d)],
                "roles": roles_from_decorators(fn.decorator_list, scan.imports),
                "tools": tools,
                "inline_auth": rejects_unauthenticated(fn, scan.imports),
                "uses_session": scan.uses_session(fn),
                "reads_form": bool(scan.reads_form(fn)) or (len(fn.args.args) > 1 and _writes_state(fn)),
                "args": [a.arg for a in fn.args.args[1:]],
                # CherryPy hands query-string and form fields to the handler's named parameters
                "fields": tuple((a.arg, "query") for a in [*fn.args.args[1:], *fn.args.kwonlyargs])
                + scan.request_fields(fn),
            }
        )
    if not methods and not children:
        return None
    return {
        "line": cls.lineno,
        "exposed": class_exposed,
        "tools": class_tools,
        "children": children,
        "methods": methods,
        "path": scan.path,
    }


_WRITE_SQL = re.compile(r"^\s*(insert|update|delete)\b", re.IGNORECASE)


def _writes_state(fn: ast.AST) -> bool:
    """Does the handler write something (SQL INSERT/UPDATE/DELETE, ORM add/commit/save/delete)?"""
    if any(_WRITE_SQL.match(s) for s in au.strings_in(fn)):
        return True
    return any(
        isinstance(c.func, ast.Attribute)
        and c.func.attr in {"commit", "save", "add", "delete", "insert_one", "update_one", "delete_one"}
        for c in au.calls(fn)
    )


def _flat_config(scan: Scan, node: ast.Dict, section: str) -> None:
    for key, val in zip(node.keys, node.values, strict=False):
        text = au.str_const(key) or ""
        match = _TOOL_KEY.match(text)
        if match and (au.is_true(val) or au.is_env_read(val, scan.imports)):
            scan.facts.tool_sections.append((section, match.group(1)))
        if text == "tools.response_headers.headers":
            headers = " ".join(au.strings_in(val)).lower()
            if any(
                h in headers
                for h in (
                    "content-security-policy",
                    "strict-transport-security",
                    "x-frame-options",
                    "x-content-type-options",
                )
            ):
                scan.facts.tool_sections.append((section, "response_headers:security"))


def _config_dict(scan: Scan, node: ast.Dict) -> set[int]:
    """Record the tools a config dict switches on; returns the ids of the section dicts it consumed."""
    keys = [au.str_const(k) for k in node.keys]
    consumed: set[int] = set()
    if any(k and (k.startswith("/") or k == "global") for k in keys):
        for key, val in zip(keys, node.values, strict=False):
            if key and (key.startswith("/") or key == "global") and isinstance(val, ast.Dict):
                _flat_config(scan, val, "/" if key == "global" else key)
                consumed.add(id(val))
    elif any(k and _TOOL_KEY.match(k) for k in keys):
        _flat_config(scan, node, "*")  # a _cp_config or update() dict: section decided by where it is used
    return consumed


def _tool_registration(scan: Scan, node: ast.Assign) -> None:
    for target in au.target_names(node):
        if not (target.startswith("cherrypy.tools.") or target.startswith("tools.")):
            continue
        name = au.last(target)
        value = node.value
        if isinstance(value, ast.Call):
            callee = au.last(scan.q(value.func))
            if callee in {"Tool", "HandlerTool", "HandlerWrapperTool"}:
                hook = au.arg(value, 1, "callable")
                scan.facts.flags.setdefault("cp_tool_funcs", {})[name] = au.last(au.dotted(hook))
            else:
                cls = scan.classes.get(callee)
                kinds: set[str] = set()
                if cls is not None and rejects_unauthenticated(cls, scan.imports):
                    kinds.add(AUTH)
                if cls is not None and any(
                    s.lower() in ("content-security-policy", "x-frame-options") for s in au.strings_in(cls)
                ):
                    kinds.add(HEADERS)
                scan.facts.tools[name] = kinds | scan.facts.tools.get(name, set())
                scan.facts.flags.setdefault("cp_tool_funcs", {})[name] = callee


def project_routes(all_facts: list[ModuleFacts]) -> list[tuple[RawRoute, str, str]]:
    """(route, module path, mount id) for every exposed method reachable from a mount."""
    classes: dict[str, dict[str, Any]] = {}
    mounts: list[tuple[str, str, int, str]] = []
    for facts in all_facts:
        for name, info in facts.flags.get("cp_classes", {}).items():
            classes.setdefault(name, info)
        mounts += [(c, p, line, facts.path) for c, p, line in facts.flags.get("cp_mounts", [])]
    out: list[tuple[RawRoute, str, str]] = []
    reached: set[str] = set()

    def walk(cls_name: str, prefix: str, mount_id: str, inherited: list[str], seen: frozenset[str]) -> None:
        info = classes.get(cls_name)
        if info is None or cls_name in seen:
            return
        reached.add(cls_name)
        tools = inherited + list(info["tools"])
        for m in info["methods"]:
            methods: tuple[str, ...]
            if m["http"]:
                path, methods = prefix or "/", (m["http"],)
            else:
                path = join_path(prefix, "" if m["name"] == "index" else m["name"])
                methods = ("GET", "POST")
            route = RawRoute(
                FRAMEWORK,
                methods,
                path,
                f"{cls_name}.{m['name']}",
                m["line"],
                mount_id,
                decorators=list(m["decorators"]),
                dependencies=tools + list(m["tools"]),
                handler_line=m["def_line"],
                uses_session=m["uses_session"],
                reads_form=m["reads_form"],
                fields=m["fields"],
            )
            route.roles = m["roles"]
            if m["inline_auth"]:
                route.protections[AUTH] = f"checked in {m['name']}()"
            out.append((route, info["path"], mount_id))
        for attr, child in info["children"].items():
            walk(child, join_path(prefix, attr), mount_id, tools, seen | {cls_name})

    for cls_name, prefix, line, path in mounts:
        walk(cls_name, prefix, f"{path}:{line}", [], frozenset())
    child_classes = {c for info in classes.values() for c in info["children"].values()}
    for cls_name, info in classes.items():  # exposed classes never mounted in the scanned tree
        if cls_name not in reached and cls_name not in child_classes and info["methods"]:
            walk(cls_name, "/" + cls_name.lower(), f"{info['path']}:{info['line']}", [], frozenset())
    return out


__all__ = ["BUILTIN_TOOLS", "FRAMEWORK", "analyse", "project_routes"]
