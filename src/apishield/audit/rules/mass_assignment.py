"""Mass assignment (AS106): every field the client sends written to a stored record, told apart from a request
schema filled from the body (the schema is the allow-list)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.client_data import request_data
from apishield.audit.rules.access import EXPOSURE, MASS_ASSIGN, SECRET_KEYS
from apishield.audit.rules.base import SCHEMA_SUFFIXES, at, at_node, class_def
from apishield.audit.rules.registry import ModuleContext, ProjectContext, rule
from apishield.findings import Finding, Severity

_HINT_CHECK_MASS_ASSIGNMENT = ("request", ".dict()", "model_dump(")


@rule(MASS_ASSIGN)
def check_mass_assignment(ctx: ModuleContext) -> Iterator[Finding]:
    """AS106 — ``Model(**request.json)``, ``obj.__dict__.update(request.get_json())``, ``update(**request.form)``,
    ``for k, v in request.json.items(): setattr(obj, k, v)``, and request data merged with ``d.update(...)`` over a
    dict the server built with constant keys (``data = {'username': me}; data.update(request.json)``). A request
    schema (pydantic, marshmallow, a dataclass, a form) filled from the body is the allow-list, not mass
    assignment, unless the object is stored (``session.add(obj)``, ``obj.save()``) or is an ORM model; copying
    every field of a body schema that declares a privileged field (``role``, ``is_admin``…) onto a record
    (``rec.update(body.dict())``, a ``setattr`` loop over ``body.model_dump().items()``) is reported."""
    if not au.mentions(ctx, _HINT_CHECK_MASS_ASSIGNMENT):  # cheap pre-filter: most files cannot match
        return
    yield from _whole_model_merges(ctx)
    # each loop's function (outer functions first: a nested one's loops end with their own), whose names holding
    # request data are read only for a loop that calls setattr, once per function
    owner = {id(loop): fn for fn in au.functions(ctx.tree) for loop in au.nodes_of(fn, ast.For)}
    held: dict[int, set[str]] = {}

    def held_in(loop: ast.For) -> set[str]:
        fn = owner.get(id(loop))
        if fn is None:
            return set()
        if id(fn) not in held:
            held[id(fn)] = _request_names(fn)
        return held[id(fn)]

    for node in au.nodes_of_any(ctx.tree, ast.Call, ast.For):
        if isinstance(node, ast.Call):
            splat = next((k.value for k in node.keywords if k.arg is None), None)
            callee = au.last(au.dotted(node.func))
            if splat is not None and request_data(splat) and callee in _LOOKUPS:
                yield at_node(MASS_ASSIGN, ctx, node, f"{au.dotted(node.func)}(**request data): the client chooses the "
                              "query's lookups, and relation and pattern lookups (`owner__password__startswith`) test "
                              "fields the API never shows, one character at a time")
            elif (splat is not None and request_data(splat) and callee not in _NOT_WRITES
                  and not _unstored_schema(ctx, node)):
                yield at_node(
                    MASS_ASSIGN,
                    ctx,
                    node,
                    f"{au.dotted(node.func) or 'call'}(**request data) writes every client-supplied field",
                )
            elif callee == "encode" and "jwt" in au.dotted(node.func) and node.args and _every_field(
                    node.args[0], ctx.tree):
                yield at_node(MASS_ASSIGN, ctx, node, "the token is signed with every field the client sent as its "
                              "claims: a role or flag it adds is signed as the server's word")
            elif au.dotted(node.func).endswith("__dict__.update") and node.args and request_data(node.args[0]):
                yield at_node(MASS_ASSIGN, ctx, node, "__dict__.update(request data) writes every client field")
            elif (isinstance(node.func, ast.Attribute) and node.func.attr == "update" and node.args
                  and isinstance(node.func.value, ast.Name) and request_data(node.args[0])):
                keys = _server_set_keys(ctx).get(node.func.value.id)
                if keys:
                    yield at_node(MASS_ASSIGN, ctx, node, f"request data merged over the server-set "
                                  f"{', '.join(sorted(keys))} of '{node.func.value.id}': the client can replace them")
        elif isinstance(node, ast.For):
            setter = next((sub for sub in au.nodes_of(node, ast.Call) if au.dotted(sub.func) == "setattr"
                           and len(sub.args) == 3 and not isinstance(sub.args[1], ast.Constant)), None)
            if setter is not None and (request_data(node.iter) or _held(node.iter, held_in(node))):
                yield at_node(MASS_ASSIGN, ctx, setter, "setattr() loop over request fields (no allow-list)")


#: Django's query calls, whose keywords are lookups (``field__startswith``, across relations), not values written
_LOOKUPS = frozenset({"filter", "exclude", "get", "Q", "get_object_or_404", "get_list_or_404"})
#: calls a splat of the request's fields fills without writing a record: links, pages, answers and log lines
_NOT_WRITES = frozenset({"url_for", "redirect", "reverse", "render_template", "render", "render_to_string",
                         "jsonify", "make_response", "JSONResponse", "TemplateResponse", "HttpResponseRedirect",
                         "format", "print", "debug", "info", "warning", "error", "exception", "log",
                         # a URL object's query (Starlette's ``URL``, yarl's): the splat becomes query text
                         "include_query_params", "replace_query_params", "with_query", "update_query",
                         "extend_query", "urlencode"})
#: calls that copy a mapping as it is
_COPIES = frozenset({"to_dict", "copy", "dict", "get_json", "model_dump"})


def _every_field(node: ast.AST, tree: ast.AST | None = None) -> bool:
    """``node`` is the request's fields as a whole (``request.form``, ``request.form.to_dict()``,
    ``dict(request.json)``, ``request.get_json()``, or a name of ``tree`` only ever assigned one of those), not one
    field read from them."""
    if isinstance(node, ast.Name) and tree is not None:
        values = au.assigned_values(node.id, tree)
        return bool(values) and all(_every_field(v) for v in values)
    while isinstance(node, ast.Call) and au.last(au.dotted(node.func)) in _COPIES:
        if au.last(au.dotted(node.func)) == "dict":
            if len(node.args) != 1:
                return False
            node = node.args[0]
        elif isinstance(node.func, ast.Attribute):
            if node.func.attr == "get_json":
                return request_data(node.func) or au.dotted(node.func.value).endswith("request")
            node = node.func.value
    return isinstance(node, ast.Attribute) and request_data(node)


def _root(node: ast.AST) -> ast.AST:
    """What an expression reads from: ``data`` for ``data.get('products', [])``, ``data['x']``, ``data or {}``."""
    while True:
        if isinstance(node, ast.BoolOp):
            node = node.values[0]
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {
                "get", "items", "copy", "values"}:
            node = node.func.value
        else:
            return node


def _held(node: ast.AST, names: set[str]) -> bool:
    root = _root(node)
    return isinstance(root, ast.Name) and root.id in names


def _request_names(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """The function's names holding the request's data: assigned from it (``data = request.get_json() or {}``) or
    from a part of such a name (``item`` of ``for item in data.get('products', [])``), to any depth."""
    names: set[str] = set()
    pairs: list[tuple[ast.AST, list[str]]] = []
    for node in au.nodes_of_any(fn, ast.Assign, ast.For):
        if isinstance(node, ast.Assign):
            pairs.append((node.value, [t.id for t in node.targets if isinstance(t, ast.Name)]))
        elif isinstance(node, ast.For) and isinstance(node.target, ast.Name):
            pairs.append((node.iter, [node.target.id]))
    changed = True
    while changed:
        changed = False
        for value, targets in pairs:
            if targets and not set(targets) <= names and (_held(value, names) or request_data(_root(value))):
                names.update(targets)
                changed = True
    return names


_PRIVILEGED_FIELD = re.compile(r"^(is_?admin|admin|role|roles|is_staff|is_superuser|superuser|permissions?|"
                               r"is_verified|verified|balance|credits?|owner_id|user_id|account_id|blocked|is_active)$")


def _privileged_fields(cls: ast.ClassDef | None) -> list[str]:
    fields = [] if cls is None else [
        st.target.id for st in cls.body if isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name)]
    return [f for f in fields if _PRIVILEGED_FIELD.match(f)]


def _dumped(node: ast.AST, bodies: set[str]) -> str:
    """The body parameter of ``body.dict()`` / ``body.model_dump(...)``, else ``""``."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {"dict", "model_dump"}
            and isinstance(node.func.value, ast.Name) and node.func.value.id in bodies):
        return node.func.value.id
    return ""


def _whole_model_merges(ctx: ModuleContext) -> Iterator[Finding]:
    """``record.update(body.dict())`` / ``record.__dict__.update(body.model_dump())`` / ``data = body.model_dump();
    for k, v in data.items(): setattr(record, k, v)`` where ``body`` is a handler's parameter typed with a schema
    (of this module or one it imports) that declares a privileged field (``is_admin``, ``role``, ``balance``…): the
    client sets that field on the stored record. A schema without one is an allow-list."""
    for fn in au.functions(ctx.tree):
        dumps = [c for c in au.calls(fn) if isinstance(c.func, ast.Attribute) and c.func.attr in {"dict", "model_dump"}]
        if not dumps:
            continue
        params = {a.arg: au.dotted(a.annotation) for a in [*fn.args.args, *fn.args.kwonlyargs] if a.annotation}
        privileged = {name: _privileged_fields(class_def(ctx, au.last(cls))) for name, cls in params.items()
                      if au.last(cls)[:1].isupper() and any(_dumped(c, {name}) for c in dumps)}
        bodies = {name for name, fields in privileged.items() if fields}
        if not bodies:
            continue
        dumped_vars = {au.last(t): _dumped(st.value, bodies) for st in au.nodes_of(fn, ast.Assign)
                       if _dumped(st.value, bodies) for t in au.target_names(st)}
        for node in au.walk(fn):
            if isinstance(node, ast.Call):
                func = node.func
                body = _dumped(node.args[0], bodies) if node.args else ""
                if (isinstance(func, ast.Attribute) and func.attr == "update" and body
                        and not isinstance(func.value, ast.Name)):  # a local dict being built is not a stored record
                    yield at_node(MASS_ASSIGN, ctx, node, f"every field of {body} is written to "
                                  f"{au.dotted(func.value) or 'the record'}, {', '.join(privileged[body])} included")
            elif isinstance(node, ast.For) and isinstance(node.iter, ast.Call) and isinstance(
                    node.iter.func, ast.Attribute) and node.iter.func.attr == "items":
                source = node.iter.func.value
                body = _dumped(source, bodies) or dumped_vars.get(au.dotted(source), "")
                setter = next((c for c in au.calls(node) if au.dotted(c.func) == "setattr" and len(c.args) == 3
                               and not isinstance(c.args[1], ast.Constant)), None)
                if body and setter is not None:
                    target = au.dotted(setter.args[0]) or "the record"
                    yield at_node(MASS_ASSIGN, ctx, setter, f"setattr() copies every field of {body} onto "
                                  f"{target}, {', '.join(privileged[body])} included")


_SCHEMA_BASES = frozenset({"BaseModel", "RootModel", "Schema", "Struct", "TypedDict", "NamedTuple", "Serializer",
                           "FlaskForm", "Form", "BaseForm"})
#: class names of request schemas, for classes another module defines (``schema.UserCreateSerializer``)
_SCHEMA_NAME = re.compile(rf"(?:{'|'.join(SCHEMA_SUFFIXES)})$")
_ORM_BASES = frozenset({"Model", "Base", "DeclarativeBase", "Document", "DynamicDocument", "EmbeddedDocument"})
_STORES = frozenset({"add", "add_all", "merge", "save", "insert", "insert_one", "insert_many", "put", "persist",
                     "create", "bulk_save_objects", "replace_one", "update_one"})


def _class_kind(ctx: ModuleContext, name: str, depth: int = 0) -> str:
    """``"schema"`` for a request schema / DTO (pydantic, marshmallow, msgspec, a dataclass, a form), ``"orm"`` for
    a stored model (SQLAlchemy/Flask-SQLAlchemy/Django/mongoengine, ``SQLModel`` with ``table=True``), else ``""``."""
    cls = class_def(ctx, name)
    if cls is None:
        return ""
    if any(au.last(au.dotted(d.func if isinstance(d, ast.Call) else d)) in {"dataclass", "define", "attrs", "frozen"}
           for d in cls.decorator_list):
        return "schema"
    for base in cls.bases:
        last = au.last(au.dotted(base))
        if last == "SQLModel":
            return "orm" if any(k.arg == "table" and au.is_true(k.value) for k in cls.keywords) else "schema"
        if last in _ORM_BASES:
            return "orm"
        if last in _SCHEMA_BASES:
            return "schema"
        if depth < 2 and last and last != name:
            kind = _class_kind(ctx, last, depth + 1)
            if kind:
                return kind
    return ""


def _unstored_schema(ctx: ModuleContext, call: ast.Call) -> bool:
    """``Login(**request.json)`` where ``Login`` is a request schema and the function never stores the object it
    built (``session.add(obj)``, ``obj.save()``): the schema is the allow-list, not a record being overwritten."""
    name = au.dotted(call.func)
    if not name:
        return False
    if "." in name:  # ``schema.RecordCreateSerializer(**body)``: defined in another module, known by its name only
        if not _SCHEMA_NAME.search(au.last(name)):
            return False
    elif _class_kind(ctx, name) != "schema":
        return False
    parents = au.parent_map(ctx.tree)
    node: ast.AST | None = call
    while node is not None and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
        node = parents.get(id(node))
    assign = parents.get(id(call))
    var = (assign.targets[0].id if isinstance(assign, ast.Assign) and len(assign.targets) == 1
           and isinstance(assign.targets[0], ast.Name) else "")
    if node is None or not var:
        return not isinstance(assign, ast.Call)  # built and handed on at once (``db.add(User(**body))``) is stored
    for sub in au.calls(node):
        func = sub.func
        if not isinstance(func, ast.Attribute) or func.attr not in _STORES:
            continue
        if au.dotted(func.value) == var or any(isinstance(a, ast.Name) and a.id == var for a in sub.args):
            return False
    return True


def _server_set_keys(ctx: ModuleContext) -> dict[str, set[str]]:
    """Dicts built by the server with constant keys (``data = {'username': user}``): variable -> keys."""
    out: dict[str, set[str]] = {}
    for node in au.nodes_of_any(ctx.tree, ast.Assign):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict) and node.value.keys:
            keys = {k.value for k in node.value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
            for target in node.targets:
                if isinstance(target, ast.Name) and keys:
                    out.setdefault(target.id, set()).update(keys)
    return out


#: REST framework's model serializers (the binders that answer as well as bind)
_SERIALIZERS = frozenset({"ModelSerializer", "HyperlinkedModelSerializer"})
#: Django forms and REST framework serializers that bind the fields of a model
_MODEL_BINDERS = _SERIALIZERS | {"ModelForm"}
#: fields Django's own user models add (``AbstractUser``, ``PermissionsMixin``)
_AUTH_USER_FIELDS = ("is_staff", "is_superuser", "is_active", "groups", "user_permissions")
_AUTH_USER_BASES = frozenset({"AbstractUser", "User", "PermissionsMixin"})
#: beyond the privilege vocabulary: who a record belongs to and what a client is charged
_BOUND_PRIVILEGED = re.compile(r"^(owner|user|author|creator|created_by|price|unit_price|paid|is_paid|"
                               r"user_permissions|groups)$")
#: views that only read: a serializer they name answers records and binds nothing
_READ_ONLY_VIEWS = frozenset({"ReadOnlyModelViewSet", "ListAPIView", "RetrieveAPIView", "ListView", "DetailView"})


@rule(MASS_ASSIGN)
def collect_model_binders(ctx: ModuleContext) -> Iterator[Finding]:
    """Records, for the project step: this module's model binders with ``fields = "__all__"`` and the privileged
    fields each leaves writable, the binders it fills from a request, and the fields its views fill themselves.
    Project checks read facts, not trees (a parallel audit does not ship trees back)."""
    binders: list[tuple[str, int, int, str, list[str]]] = []
    if "__all__" in ctx.source:
        for cls, meta, everything in _every_field_classes(ctx, _MODEL_BINDERS):
            if _admin_validated(cls):
                continue
            open_fields = [f for f in _model_fields(ctx, meta) if f not in _read_only(cls, meta)]
            privileged = [f for f in open_fields if _PRIVILEGED_FIELD.match(f) or _BOUND_PRIVILEGED.match(f)]
            if privileged:
                kind = "form" if any(au.last(au.dotted(b)) == "ModelForm" for b in cls.bases) else "serializer"
                binders.append((cls.name, everything.lineno, everything.end_lineno or everything.lineno, kind,
                                privileged))
    ctx.facts["model_binders"] = binders
    ctx.facts["answering_serializers"] = _answering_serializers(ctx) if "__all__" in ctx.source else []
    ctx.facts["request_bound"] = _request_bound(ctx)
    ctx.facts["view_filled"] = _filled_by_view(ctx)
    return iter(())


@rule(MASS_ASSIGN, scope="project")
def check_bound_model_fields(project: ProjectContext) -> Iterator[Finding]:
    """AS106 — a Django ``ModelForm`` or REST framework ``ModelSerializer`` whose ``Meta.fields`` is ``"__all__"``
    over a model with a privileged field (``role``, ``is_staff``, ``owner``, ``price``…) that the class does not make
    read-only, bound to request data somewhere in the project (``Form(request.POST)``, ``Serializer(data=…)``, a
    writable view's ``serializer_class``/``form_class``): the client sets that field. A field the view fills itself
    (``serializer.save(owner=request.user)``) is not the client's; a binder only answered or used by a read-only
    view is quiet."""
    for ctx in sorted(project.modules, key=lambda m: m.path):
        for name, line, end, kind, privileged in ctx.facts.get("model_binders") or ():
            if not any(name in (m.facts.get("request_bound") or ()) for m in project.modules):
                continue
            filled = set().union(*(m.facts.get("view_filled") or set() for m in project.modules if name in m.source))
            left = [f for f in privileged if f not in filled]
            if left:
                yield at(MASS_ASSIGN, ctx.path, ctx.lines, line,
                         f"{kind} {name} binds every field of its model (fields = \"__all__\"), "
                         f"{', '.join(left)} included: a client sets them",
                         end_line=end, severity=Severity.MEDIUM,
                         fix="List the fields a client may write in `Meta.fields` (or mark the rest "
                             "`read_only_fields`) and set owner, role or price in the view.")


#: what a record keeps from everyone, its owner included: a password's hash, secrets, identity and card numbers (a
#: token or key is often the owner's own to be shown, so it is not among them)
_PRIVATE_FIELD = re.compile(rf"{SECRET_KEYS.pattern}|^(?:ssn|social_security(?:_number)?|card_number|credit_card|"
                            r"cc_number|cvv|cvc)$", re.IGNORECASE)


def _answering_serializers(ctx: ModuleContext) -> list[tuple[str, int, int, list[str]]]:
    """REST framework model serializers whose ``Meta.fields`` is ``"__all__"`` over a model with private fields (a
    password hash, a secret, an identity or card number) the class does not hide (``exclude``, ``write_only``): each
    with the fields it would answer."""
    out: list[tuple[str, int, int, list[str]]] = []
    # a list of fields is the author's own choice of what to answer: only ``"__all__"`` is read
    for cls, meta, listed in _every_field_classes(ctx, _SERIALIZERS):
        fields = _model_fields(ctx, meta, with_password=True)
        hidden = _hidden(cls, meta)
        private = [f for f in fields if _PRIVATE_FIELD.match(f) and f not in hidden]
        if private:
            out.append((cls.name, listed.lineno, listed.end_lineno or listed.lineno, private))
    return out


def _every_field_classes(ctx: ModuleContext, bases: frozenset[str]
                         ) -> Iterator[tuple[ast.ClassDef, ast.ClassDef, ast.Assign]]:
    """Each class of the module on one of ``bases`` whose ``Meta`` sets ``fields = "__all__"``, with that ``Meta``
    and the assignment."""
    for cls in au.nodes_of(ctx.tree, ast.ClassDef):
        if not any(au.last(au.dotted(b)) in bases for b in cls.bases):
            continue
        meta = next((s for s in cls.body if isinstance(s, ast.ClassDef) and s.name == "Meta"), None)
        everything = next((s for s in meta.body if isinstance(s, ast.Assign) and any(
            au.last(au.dotted(t)) == "fields" for t in s.targets) and isinstance(s.value, ast.Constant)
            and s.value.value == "__all__"), None) if meta is not None else None
        if meta is not None and everything is not None:
            yield cls, meta, everything


def _hidden(cls: ast.ClassDef, meta: ast.ClassDef) -> set[str]:
    """Fields a serializer leaves out of its answers: ``exclude``, ``extra_kwargs`` with ``write_only``, and fields it
    declares itself with ``write_only=True``."""
    out = {t.id for s in cls.body if isinstance(s, ast.Assign) and isinstance(s.value, ast.Call)
           and any(k.arg == "write_only" and au.is_true(k.value) for k in s.value.keywords)
           for t in s.targets if isinstance(t, ast.Name)}
    return out | _meta_names(meta, {"exclude"}, "write_only")


@rule(EXPOSURE, scope="project")
def check_answering_serializers(project: ProjectContext) -> Iterator[Finding]:
    """AS107 — a REST framework model serializer that answers a private field of its model (``fields = "__all__"``
    over a model with a password hash, a secret, an SSN or a card number, none of them ``write_only`` or excluded),
    named by a view of the project (``serializer_class``, or called on records): every caller shown those records is
    shown those fields. A serializer no other code names is not reported."""
    for ctx in sorted(project.modules, key=lambda m: m.path):
        for name, line, end, private in ctx.facts.get("answering_serializers") or ():
            used = re.compile(rf"\b{re.escape(name)}\b")
            if not any(len(used.findall(m.source)) > (1 if m.path == ctx.path else 0) for m in project.modules):
                continue
            yield at(EXPOSURE, ctx.path, ctx.lines, line,
                     f"serializer {name} answers {', '.join(private)} of its model to every caller shown its records",
                     end_line=end, severity=Severity.MEDIUM,
                     fix="List the fields a client may see in `Meta.fields`, or mark secrets `write_only`.")


def _model_fields(ctx: ModuleContext, meta: ast.ClassDef, with_password: bool = False) -> list[str]:
    """The fields of ``Meta.model``: the model's own field assignments, and those of Django's user models."""
    model = next((au.last(au.dotted(s.value)) for s in meta.body if isinstance(s, ast.Assign) and any(
        au.last(au.dotted(t)) == "model" for t in s.targets)), "")
    if not model:
        return []
    cls = class_def(ctx, model)
    extra = ["password"] if with_password else []  # Django's user models keep the password hash as a field
    if cls is None:
        return [*_AUTH_USER_FIELDS, *extra] if model == "User" else []
    names = [t.id for s in cls.body if isinstance(s, ast.Assign) and isinstance(s.value, ast.Call)
             for t in s.targets if isinstance(t, ast.Name)]
    names += [s.target.id for s in cls.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]
    if any(au.last(au.dotted(b)) in _AUTH_USER_BASES for b in cls.bases):
        names += [*_AUTH_USER_FIELDS, *extra]
    return names


def _read_only(cls: ast.ClassDef, meta: ast.ClassDef) -> set[str]:
    """Fields the class takes away from the client: ``read_only_fields``, ``exclude``, ``extra_kwargs`` with
    ``read_only``, and fields it declares itself (a declared field is the class's own choice, read-only or not)."""
    out = {t.id for s in cls.body if isinstance(s, ast.Assign) for t in s.targets if isinstance(t, ast.Name)}
    return out | _meta_names(meta, {"read_only_fields", "exclude"}, "read_only")


def _meta_names(meta: ast.ClassDef, lists: set[str], flag: str) -> set[str]:
    """Field names a serializer's ``Meta`` lists under one of ``lists`` (``exclude``, ``read_only_fields``) or marks
    with ``flag`` in ``extra_kwargs`` (``{"password": {"write_only": True}}``)."""
    out: set[str] = set()
    for s in meta.body:
        if not isinstance(s, ast.Assign):
            continue
        name = au.last(au.dotted(s.targets[0]))
        if name in lists and isinstance(s.value, (ast.List, ast.Tuple, ast.Set)):
            out.update(e.value for e in s.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))
        elif name == "extra_kwargs" and isinstance(s.value, ast.Dict):
            out.update(k.value for k, v in zip(s.value.keys, s.value.values, strict=True)
                       if isinstance(k, ast.Constant) and isinstance(k.value, str) and isinstance(v, ast.Dict)
                       and any(isinstance(kk, ast.Constant) and kk.value == flag and au.is_true(vv)
                               for kk, vv in zip(v.keys, v.values, strict=True)))
    return out


def _filled_by_view(ctx: ModuleContext) -> set[str]:
    """Fields this module's views fill themselves: ``serializer.save(owner=request.user)``,
    ``form.instance.owner = request.user``."""
    out: set[str] = set()
    for node in au.walk(ctx.tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {"save", "create"}:
            out.update(k.arg for k in node.keywords if k.arg)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and au.dotted(target.value).endswith("instance"):
                    out.add(target.attr)
    return out


def _request_bound(ctx: ModuleContext) -> set[str]:
    """Names of binders this module fills from a request: called with request data or ``data=``, or named as the
    ``serializer_class``/``form_class`` of a view that writes. Views only administrators reach
    (``permission_classes = [IsAdminUser]``, ``@staff_member_required``) set privileged fields by design."""
    out: set[str] = set()
    admin_only = {id(n) for scope in au.walk(ctx.tree) if _admin_only(scope) for n in au.walk(scope)}
    for node in au.walk(ctx.tree):
        if id(node) in admin_only:
            continue
        if isinstance(node, ast.Call) and (
                any(k.arg == "data" for k in node.keywords) or any(request_data(a) for a in node.args)
                or any(au.dotted(a).startswith("request.") for a in node.args)):
            out.add(au.last(au.dotted(node.func)))
        if isinstance(node, ast.ClassDef) and not any(au.last(au.dotted(b)) in _READ_ONLY_VIEWS for b in node.bases):
            out.update(s.value.id for s in node.body if isinstance(s, ast.Assign) and isinstance(s.value, ast.Name)
                       and any(au.last(au.dotted(t)) in {"serializer_class", "form_class"} for t in s.targets))
    out.discard("")
    return out


def _admin_validated(cls: ast.ClassDef) -> bool:
    """The binder's own validation refuses callers who are not administrators (``if not
    is_administrator(self.context['request'].user): raise ValidationError``): only they set its fields."""
    return any(isinstance(node, ast.If) and _ADMIN_ONLY.search(ast.unparse(node.test))
               and any(isinstance(s, ast.Raise) for s in node.body)
               for fn in cls.body if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
               and fn.name.startswith("validate") for node in au.walk(fn))


#: permission classes and decorators that admit administrators only
_ADMIN_ONLY = re.compile(r"(?i)admin|staff|superuser")


def _admin_only(node: ast.AST) -> bool:
    """A view class whose ``permission_classes`` admit administrators only, or a function behind an
    administrators-only decorator."""
    if isinstance(node, ast.ClassDef):
        return any(isinstance(s, ast.Assign) and any(au.last(au.dotted(t)) == "permission_classes" for t in s.targets)
                   and isinstance(s.value, (ast.List, ast.Tuple)) and s.value.elts
                   and all(_ADMIN_ONLY.search(au.dotted(e)) for e in s.value.elts) for s in node.body)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return any(_ADMIN_ONLY.search(au.dotted(d.func if isinstance(d, ast.Call) else d)) for d in node.decorator_list)
    return False
