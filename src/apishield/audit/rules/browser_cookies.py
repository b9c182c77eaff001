"""Which cookies a project gives the browser, for the cross-site request forgery rule: whether it sets any at all,
and whether every one of them is ``SameSite=Lax`` or ``Strict`` (so a form another site posts arrives without them).

Project rules see modules as text and trees; these read both across every module.
"""

from __future__ import annotations

import ast
import re

from apishield.audit import astutil as au
from apishield.audit.rules.registry import ProjectContext

#: the browser holds a cookie of the server's: ``set_cookie``, the framework's session (read or written), a login
#: session, session middleware (``db.session`` is a database session and ``request.cookies`` only reads)
# ``session.get("user")`` is the web session; ``session.get(User, user_id)`` is a database session (SQLAlchemy)
_SETS_COOKIE = re.compile(r"set_cookie\(|(?<![.\w])session\[|(?<![.\w])session\.(?:get|setdefault|pop)\(\s*[\"']|"
                          r"(?<![.\w])session\.update\(|"
                          r"cherrypy\.session|login_user\(|SessionMiddleware|SessionInterface|beaker|"
                          r"cookies?\[[^\]\n]+\]\s*=(?!=)|\bremember\(")  # CherryPy: response.cookie[name] =


def sets_cookies(project: ProjectContext) -> bool:
    """Some module of the project makes the browser hold a cookie of the server's (the precondition of cross-site
    request forgery)."""
    return any(_SETS_COOKIE.search(m.source) for m in project.modules)


_SAMESITE_SETTING = "SESSION_COOKIE_SAMESITE"


def _session_same_site(project: ProjectContext) -> bool:
    """The framework's session cookie is configured ``SameSite=Lax`` or ``Strict``: every value the project gives
    ``SESSION_COOKIE_SAMESITE`` (``X = "Lax"``, ``app.config["X"] = "Strict"``, ``update(X="Lax")``, ``{"X": ...}``)
    is one of them, and there is at least one."""
    values: list[ast.AST] = []
    for module in project.modules:
        if _SAMESITE_SETTING not in module.source:
            continue
        for node in au.walk(module.tree):
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    key = au.subscript_key(t) if isinstance(t, ast.Subscript) else au.last(au.dotted(t))
                    if key == _SAMESITE_SETTING:
                        values.append(node.value)
            elif isinstance(node, ast.keyword) and node.arg == _SAMESITE_SETTING:
                values.append(node.value)
            elif isinstance(node, ast.Dict):
                values += [v for k, v in zip(node.keys, node.values, strict=False) if au.const(k) == _SAMESITE_SETTING]
    return bool(values) and all(str(au.const(v, "")).lower() in {"lax", "strict"} for v in values)


def same_site_cookies(project: ProjectContext) -> bool:
    """Every cookie the project gives the browser is ``SameSite=Lax`` or ``Strict``: each ``set_cookie`` call names
    one of them, the framework's session cookie (when the session is used) is configured so, and nothing else sets
    a cookie (no remembered login, no CherryPy or Beaker session). Browsers then leave the cookies off a form another
    site posts, so a forged request does not act as the victim (a forged login still signs the victim in)."""
    sources = [m for m in project.modules if _SETS_COOKIE.search(m.source)]
    if not sources:
        return False
    session_configured = _session_same_site(project)
    for module in sources:
        for match in _SETS_COOKIE.finditer(module.source):
            text = match.group(0)
            if text.startswith("set_cookie("):
                continue
            if not (text.startswith(("session", "login_user")) and session_configured):
                return False
        if "remember=True" in module.source:
            return False
        for call in au.nodes_of(module.tree, ast.Call):
            if au.last(au.dotted(call.func)) == "set_cookie" and str(
                    au.const(au.kwarg(call, "samesite"), "")).lower() not in {"lax", "strict"}:
                return False
    return True


__all__ = ["same_site_cookies", "sets_cookies"]
