"""Where a dict literal sits, for the hard-coded secret rule (AS603): a body the code answers with (returned, handed
to a response call, or kept in a local only answered), or a documentation example of a request or response; what
such a dict holds is data shown to a client, not a credential the code uses."""

from __future__ import annotations

import ast

from apishield.audit import astutil as au

_RESPONSE_CALLS = frozenset({
    "jsonify", "JSONResponse", "Response", "make_response", "dumps", "HTTPException", "abort", "render_template",
    "template", "ORJSONResponse", "UJSONResponse", "HTMLResponse",
    # template contexts: data shown on a page
    "render", "render_to_response", "render_to_string", "render_template_string", "TemplateResponse",
})


def response_body(node: ast.Dict, parents: dict[int, ast.AST]) -> bool:
    """``return {"secret": ...}`` / ``jsonify({"password": ...})`` / ``render(request, "page.html", {"secret": ...})``:
    data sent to the client (documentation examples, echoed fields, a page's template context), not a credential
    the code uses; AS107 judges what a response exposes."""
    parent = parents.get(id(node))
    if isinstance(parent, ast.keyword) and parent.arg == "context":  # ``TemplateResponse(..., context={...})``
        parent = parents.get(id(parent))
    if isinstance(parent, ast.Return):
        return True
    if isinstance(parent, ast.Tuple) and isinstance(parents.get(id(parent)), ast.Return):
        return True  # ``return {...}, 200``
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
        return _only_answered(parent.targets[0].id, parent, parents)  # ``body = {...}`` ... ``return jsonify(body)``
    return isinstance(parent, ast.Call) and au.last(au.dotted(parent.func)) in _RESPONSE_CALLS


def _only_answered(name: str, assign: ast.Assign, parents: dict[int, ast.AST]) -> bool:
    """Every later read of the local ``name`` in its function is a response: returned as it is, or handed first to
    a response call (``return Response(json.dumps(body), 204)``); a read handed to any other call (``connect(**body)``,
    ``requests.post(url, json=body)``) is a use."""
    fn = au.enclosing_function(parents, assign)
    if fn is None:
        return False
    reads = [n for n in ast.walk(fn) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)]
    for read in reads:
        cur: ast.AST | None = parents.get(id(read))
        while cur is not None and cur is not fn and not isinstance(cur, (ast.Return, ast.Call)):
            cur = parents.get(id(cur))
        if not (isinstance(cur, ast.Return)
                or (isinstance(cur, ast.Call) and au.last(au.dotted(cur.func)) in _RESPONSE_CALLS)):
            return False
    return bool(reads)


#: where API schemas keep sample values (pydantic ``json_schema_extra``/``schema_extra``, ``Body(examples=...)``)
_EXAMPLE_KEYS = frozenset({"example", "examples", "json_schema_extra", "schema_extra", "openapi_examples"})


def example(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """The dict is a documentation example of a request or response body (``model_config = {"json_schema_extra":
    {"example": {"password": "..."}}}``): sample data shown in the API docs, not a credential the code uses."""
    child, cur = node, parents.get(id(node))
    while cur is not None:
        if isinstance(cur, ast.Dict) and any(au.str_const(k) in _EXAMPLE_KEYS for k, v in zip(
                cur.keys, cur.values, strict=False) if v is child):
            return True
        if isinstance(cur, ast.keyword) and cur.arg in _EXAMPLE_KEYS:
            return True
        if isinstance(cur, (ast.Assign, ast.AnnAssign)):
            targets = cur.targets if isinstance(cur, ast.Assign) else [cur.target]
            return any(au.last(au.dotted(t)) in _EXAMPLE_KEYS for t in targets)
        if isinstance(cur, (ast.stmt, ast.Lambda)):
            return False
        child, cur = cur, parents.get(id(cur))
    return False


__all__ = ["example", "response_body"]
