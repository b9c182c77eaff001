"""FastAPI's dependencies as the route inventory reads them: the targets of ``Depends``/``Security`` in a function's
parameters, a call or a module, and the security scheme classes (and variables holding one) that authenticate."""

from __future__ import annotations

import ast

from apishield.audit import astutil as au
from apishield.audit.frameworks.factories import encode_call

#: FastAPI's security scheme classes: a dependency on one (or on a subclass named for one) authenticates
SECURITY_SCHEMES = {
    "OAuth2PasswordBearer",
    "OAuth2AuthorizationCodeBearer",
    "OAuth2",
    "HTTPBearer",
    "HTTPBasic",
    "HTTPDigest",
    "APIKeyHeader", "APIKeyCookie", "APIKeyQuery",
    "OpenIdConnect",
    "HTTPAuthorizationCredentials",
    "HTTPBasicCredentials",
    "SecurityScopes",  # and FastAPI's base class of every scheme below: a subclass of it is a scheme
    "SecurityBase",
}


def fastapi_dependencies(args: ast.arguments, imports: au.Imports) -> list[str]:
    """Targets of ``Depends(x)`` / ``Security(x)`` in parameter defaults and ``Annotated[...]`` hints."""
    out: list[str] = []
    nodes: list[ast.AST] = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
    nodes += [a.annotation for a in [*args.args, *args.kwonlyargs] if a.annotation is not None]
    for node in nodes:
        out.extend(depends_targets(node, imports))
    for a in [*args.args, *args.kwonlyargs]:
        # an alias such as ``CurrentUser`` (= Annotated[User, Depends(...)]), resolved project-wide later
        if isinstance(a.annotation, (ast.Name, ast.Attribute)):
            out.append(au.qualname(a.annotation, imports))
    return out


def depends_targets(node: ast.AST, imports: au.Imports) -> list[str]:
    out: list[str] = []
    for sub in au.nodes_of_any(node, ast.Call):
        if isinstance(sub, ast.Call) and au.last(au.call_name(sub, imports)) in {"Depends", "Security"}:
            target = au.arg(sub, 0, "dependency")
            if target is not None:
                name = au.qualname(target, imports) or (au.call_name(target, imports) if isinstance(target, ast.Call)
                                                         else "")
                out.append(encode_call(name, target) if isinstance(target, ast.Call) and name else name)
                if (isinstance(target, ast.Call) and len(target.args) == 1 and not target.keywords
                        and isinstance(target.args[0], (ast.Name, ast.Attribute))):
                    # ``Depends(exception_logger(auth.get_auth_info))``: a decorator applied to the dependency, whose
                    # wrapper runs the function it is given
                    out.append(au.qualname(target.args[0], imports))
            elif au.last(au.call_name(sub, imports)) == "Security":
                out.append("Security")
    return [o for o in out if o]


def security_scheme_vars(tree: ast.Module, imports: au.Imports) -> set[str]:
    """Module variables holding a FastAPI security scheme (``oauth2_scheme = OAuth2PasswordBearer(...)``)."""
    found: set[str] = set()
    for node in au.nodes_of_any(tree, ast.Assign):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)) and (
            au.last(au.call_name(node.value, imports)) in SECURITY_SCHEMES
        ):
            found.update(au.target_names(node))
    return found


__all__ = ["SECURITY_SCHEMES", "depends_targets", "fastapi_dependencies", "security_scheme_vars"]
