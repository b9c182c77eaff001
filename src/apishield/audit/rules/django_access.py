"""AS102 for Django views, function and class-based: the project's route inventory has no Django routes (its views
are found for the taint analysis only), so object-level access is read per module, on the views the URL configuration
or a view decorator names, and on the ``get``/``post``… methods of class-based views whose class checks no more than
who is signed in (``IsAuthenticated``, ``LoginRequiredMixin``; a permission class of the project's own, a role one or a
``get_queryset`` of its own may decide on objects, and is trusted).

A view that takes an object's key from its URL (``def task_edit(request, project_id, task_id)``), looks the object up
by it and never compares anything with the caller (no ``request.user``/owner/author comparison, no lookup scoped by
``user=request.user`` or to an owner field, no ``PermissionDenied``/403, no permission decorator) hands any caller
any object; a key the client posts or sends in the query string (``id = request.POST.get('id')``) counts as one in
the URL. Keys of things shared by design (questions and polls, posts, articles, products, videos) are left alone.
Medium when the view requires a login, changes what it looked up (saves, deletes, handles a POST) or the key names a
user (another user's profile or messages); low for other reads, where access by key is often the design.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator

from apishield.audit import astutil as au
from apishield.audit.client_data import ID_PARAM, SHARED_KEY, capability_key, client_keys
from apishield.audit.frameworks.django import COMPUTED, declared_permissions
from apishield.audit.frameworks.guards import ends_the_request
from apishield.audit.model_owners import OWNER_FIELD, PERSON_MODEL, model_owners
from apishield.audit.ownership import uses_in_lookup
from apishield.audit.rules.base import at_node, class_def
from apishield.audit.rules.registry import ModuleContext
from apishield.findings import Finding, Rule, Severity

#: a URL argument that keys an object: the usual id names, and ``userid``/``username`` written as one word
_KEY = re.compile(r"(?i)^(?:\w*id|user_?name|slug_?id)$")
_USER_KEY = re.compile(r"(?i)^(?:user|profile|account|member)_?(?:id|name)?$|^username$")
#: what compares a looked-up object with the caller, or refuses
_CALLER = re.compile(r"request\.user|\bowner\b|\bauthor\b|creator|\.user\b|user_id|is_staff|is_superuser|has_perm")
_CHECKS = frozenset({"has_perm", "has_perms", "PermissionDenied", "HttpResponseForbidden"})
#: the caller's own record or a manager of it (``request.user``, ``self.request.user.profile``, ``request.user.notes``)
_CALLER_RECORD = re.compile(r"^(?:self\.)?request\.user(?:\.\w+)*$")
_MANAGER_CALLS = frozenset({"filter", "get", "create", "all", "exclude", "get_or_create", "update_or_create"})
#: an action on the caller's own relation to another object (``follower.unfollow(followee)``)
_RELATION_VERB = re.compile(r"(?i)^(?:un)?(?:follow|like|block|bookmark|favou?rite|subscribe|star|mute)\w*$")
#: a test of the caller's role, alone or in a boolean expression
_ROLE_TEST = re.compile(r"request\.user\.(?:is_staff|is_superuser|is_admin|role)\b")
#: keywords of ``get_or_create``/``update_or_create`` that fill a new object instead of narrowing the lookup
_NEW_VALUES = frozenset({"defaults", "create_defaults", "context"})  # a serializer's context only renders
_DECORATOR_CHECKS = frozenset({"user_passes_test", "permission_required", "staff_member_required",
                               "superuser_required"})


def _checks_the_caller(fn: ast.FunctionDef | ast.AsyncFunctionDef, keys: list[str]) -> bool:
    """A comparison with the caller, a lookup scoped to ``request.user`` (other than loading the caller's own
    record: ``User.objects.get(username=request.user)`` checks no object), a lookup by one of the ``keys`` scoped to
    an owner field (``filter(id=id, owner=user.id)``) or SQL text by one that names the caller, a refusal, or a
    permission decorator."""
    for d in fn.decorator_list:
        if au.last(au.dotted(d.func if isinstance(d, ast.Call) else d)) in _DECORATOR_CHECKS:
            return True
    # names standing for the caller (``user = request.user``, and nothing else): a queryset scoped by one is scoped
    # to the caller; a name that may also hold a user the client picked is not
    assigned = [(t.id, au.dotted(n.value) == "request.user") for n in au.walk(fn) if isinstance(n, ast.Assign)
                for t in n.targets if isinstance(t, ast.Name)]
    callers = {name for name, caller in assigned if caller} - {name for name, caller in assigned if not caller}
    for node in au.walk(fn):
        if isinstance(node, ast.Compare) and _CALLER.search(ast.unparse(node)) and not _tests_a_key(node, keys):
            return True
        if isinstance(node, ast.JoinedStr) and _CALLER.search(ast.unparse(node)) and au.uses_any(node, keys):
            return True  # SQL by the key that also names the caller (``... WHERE id = {id} AND owner_id = {...}``)
        if isinstance(node, ast.Call):
            if au.last(au.dotted(node.func)) in _CHECKS:
                return True
            lookups = [k for k in node.keywords if k.arg not in _NEW_VALUES]
            by_key = au.uses_any(node, keys)
            if any("request.user" in ast.unparse(k.value) or au.uses_any(k.value, callers) for k in lookups) and (
                    by_key or not PERSON_MODEL.search(au.dotted(node.func).partition(".")[0])):
                return True
            if by_key and any(k.arg is not None and OWNER_FIELD.match(k.arg.partition("__")[0])
                              and not au.uses_any(k.value, keys) for k in lookups):
                return True
        if isinstance(node, ast.Raise) and node.exc is not None and "PermissionDenied" in ast.unparse(node.exc):
            return True
        if isinstance(node, ast.If) and _ROLE_TEST.search(ast.unparse(node.test)):
            return True  # ``if not (request.user.is_staff or request.user.is_admin): return 403``
        if isinstance(node, ast.If) and _asks_about_caller_and_object(node.test, callers) and ends_the_request(
                node.body):
            return True  # ``if not has_access(request.user, event, ACCESS_EDIT): return nopermission(request)``
    return _acts_on_the_callers_own(fn)


def _asks_about_caller_and_object(test: ast.expr, callers: set[str]) -> bool:
    """The test calls a function with the caller and something else (``has_access(request.user, helper, EDIT)``,
    ``can_edit(user, post)``): the project's own permission check on an object; a call given the caller alone
    (``is_member(request.user)``) says who is signed in, not whose object it is."""
    for call in (n for n in ast.walk(test) if isinstance(n, ast.Call)):
        args = [*call.args, *(k.value for k in call.keywords)]
        caller = [a for a in args if au.dotted(a) == "request.user" or au.dotted(a) in callers]
        if caller and any(isinstance(a, (ast.Name, ast.Attribute)) and a not in caller for a in args):
            return True
    return False


def _acts_on_the_callers_own(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """The view works through the caller's own records: a lookup or write through a manager of ``request.user``
    (``request.user.like_set.filter(...)``), a relation verb called on the caller's record with the looked-up object
    (``follower = request.user.profile`` … ``follower.unfollow(followee)``), or a secret compared in constant time
    (a capability or a webhook's signature, ``hmac.compare_digest``)."""
    own = {t.id for a in au.walk(fn) if isinstance(a, ast.Assign) and _CALLER_RECORD.match(ast.unparse(a.value))
           for t in a.targets if isinstance(t, ast.Name)}
    for node in au.walk(fn):
        if not isinstance(node, ast.Call):
            continue
        name = au.dotted(node.func)
        if au.last(name) == "compare_digest":
            return True
        if _CALLER_RECORD.match(name) and ("_set" in name or au.last(name) in _MANAGER_CALLS):
            return True
        if (isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
                and node.func.value.id in own and _RELATION_VERB.match(node.func.attr) and node.args):
            return True
    return False


def _shared_model(fn: ast.FunctionDef | ast.AsyncFunctionDef, key: str, cls: ast.ClassDef | None = None) -> bool:
    """Every lookup by ``key`` is of a model shared by design (``Tag.objects.get(pk=pk)``,
    ``get_object_or_404(Category, pk=pk)``), in the view or in the helper method of its class it hands the key to
    (``self.get_object(pk)``): a generic key names what the model is."""
    models = []
    helpers = {m.name: m for m in (cls.body if cls is not None else []) if isinstance(m, ast.FunctionDef)}
    nodes = list(au.walk(fn))
    key_names = [key]
    helper = next((helpers[n.func.attr] for n in nodes if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                   and au.dotted(n.func.value) == "self" and n.func.attr in helpers and au.uses_any(n, [key])
                   and helpers[n.func.attr].args.args[1:]), None)
    if helper is not None:
        params = [a.arg for a in helper.args.args[1:]]
        nodes += [n for n in au.walk(helper) if isinstance(n, ast.Call) and au.uses_any(n, params)]
        key_names += params
    for node in nodes:
        if isinstance(node, ast.Call) and au.uses_any(node, key_names):
            name = au.dotted(node.func)
            if ".objects." in name:
                models.append(name.split(".objects.", 1)[0].rsplit(".", 1)[-1])
            elif au.last(name) in {"get_object_or_404", "get_list_or_404"} and node.args:
                models.append(au.last(au.dotted(node.args[0])))
    return bool(models) and all(m and SHARED_KEY.match(m) for m in models)


def _tests_a_key(compare: ast.Compare, keys: list[str]) -> bool:
    """``user_id is None``, ``note_id == ""``: a test of the client's key against a constant involves no caller."""
    return all(isinstance(o, ast.Constant) or (isinstance(o, ast.Name) and o.id in keys)
               for o in (compare.left, *compare.comparators))


def _writes(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """The view changes what it looked up: it saves or deletes a model, or handles a POST."""
    for node in au.walk(fn):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {
                "save", "delete", "update", "create"}:
            return True
        if isinstance(node, ast.Attribute) and node.attr == "POST" and au.dotted(node.value) == "request":
            return True
    return False


def _deletes_owned(ctx: ModuleContext, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """The view deletes (``question.delete()``) and loads a model whose records name an owner (a ``creator``
    field, a foreign key to the user), found in this module or one it imports."""
    if not any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "delete"
               and not n.args for n in au.walk(fn)):
        return False
    names = {name.split(".objects.", 1)[0].rsplit(".", 1)[-1] for n in au.walk(fn) if isinstance(n, ast.Call)
             and ".objects." in (name := au.dotted(n.func))}
    classes = [c for name in names if (c := class_def(ctx, name)) is not None]
    return any(model_owners(ast.Module(body=[c], type_ignores=[])).get(c.name) for c in classes)


def _posted_keys(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """Names holding an object's key the client posted or put in the query string (``id =
    request.POST.get('id')``, ``task_id = request.GET['task_id']``): a key chosen by the client as surely as one in
    the URL; ids only (a posted user name is a credential, a login or a sign-up, not a key)."""
    return [name for name, field in client_keys(fn)
            if all(ID_PARAM.match(word) and _names_a_key(word) for word in (name, field) if word)]


def _names_a_key(word: str) -> bool:
    return bool(ID_PARAM.match(word) or _KEY.match(word)) and not SHARED_KEY.match(word)


def _login_required(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(au.last(au.dotted(d.func if isinstance(d, ast.Call) else d)) == "login_required"
               for d in fn.decorator_list)


#: Django REST framework's permission classes that only say who may call at all (not whose object it is)
_CALLER_ONLY = frozenset({"AllowAny", "IsAuthenticated", "IsAuthenticatedOrReadOnly"})
#: class-based views' mixins that require a signed-in caller and check nothing about objects
_LOGIN_MIXINS = frozenset({"LoginRequiredMixin"})


def _class_guard(cls: ast.ClassDef) -> tuple[bool, bool, bool]:
    """(the class checks more than who is signed in, it requires a signed-in caller, it lets anyone read): a
    permission class of the project's own or a role one (``IsAdminUser``, ``IsOwner``) or a permission mixin decides
    on objects or roles; ``IsAuthenticated`` and ``LoginRequiredMixin`` only require a login; ``AllowAny`` and
    ``IsAuthenticatedOrReadOnly`` open its reads to anyone on purpose."""
    bases = {au.last(au.dotted(b)) for b in cls.bases}
    login = bool(bases & _LOGIN_MIXINS)
    checks = any(b.endswith(("PermissionRequiredMixin", "UserPassesTestMixin")) for b in bases)
    open_reads = False
    names = declared_permissions(cls)
    if names is not None and COMPUTED not in names:  # one built at run time says nothing here
        login = login or "IsAuthenticated" in names
        checks = checks or bool(names - _CALLER_ONLY)
        open_reads = bool(names) and names <= {"AllowAny", "IsAuthenticatedOrReadOnly"}
    for node in cls.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in {
                "get_queryset", "check_object_permissions", "has_object_permission", "dispatch", "initial"}:
            checks = True  # the class scopes or checks its objects itself
    return checks, login, open_reads


#: the methods of a class-based view that only read
_READS = frozenset({"get", "head", "retrieve", "list"})


def _view_functions(ctx: ModuleContext, views: Iterable[str]
                    ) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef, int, bool, bool, ast.ClassDef | None]]:
    """(view function or method, how many leading arguments are not URL keywords, a login is required by its
    class, its class opens this read to anyone on purpose) for the module's function views and the methods of its
    class-based views whose class checks no more than who is signed in."""
    functions = au.functions_by_name(ctx.tree.body)
    classes = {c.name: c for c in ctx.tree.body if isinstance(c, ast.ClassDef)}
    for name in views:
        owner, _, method = name.partition(".")
        if not method:
            if (fn := functions.get(name)) is not None and fn.args.args:
                yield fn, 1, False, False, None
            continue
        cls = classes.get(owner)
        if cls is None:
            continue
        checks, login, open_reads = _class_guard(cls)
        found = next((m for m in cls.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))
                      and m.name == method), None)
        if found is not None and not checks and len(found.args.args) >= 2:
            yield found, 2, login, open_reads and method in _READS, cls  # ``def post(self, request, user_id)``


def django_view_keys(ctx: ModuleContext, bola: Rule) -> Iterator[Finding]:
    """``bola`` (AS102) on Django views, function or class-based (their ``get``/``post``… methods): an object looked
    up by a key from the URL with no check of the caller. Called by the rule's module-level check in
    :mod:`.access`."""
    facts = ctx.facts.get("framework_facts")
    views = facts.flags.get("views") if facts is not None else None
    if not views:
        return
    for fn, skip, login, open_read, cls in _view_functions(ctx, views):
        if any(capability_key(a.arg) for a in fn.args.args[skip:]):
            continue  # a link that carries its own secret: the objects under it are the link holder's to read
        # a model shared by design is every visitor's to read or vote on; one whose records name an owner (a poll's
        # creator) is not every visitor's to delete
        deletes = _deletes_owned(ctx, fn)
        keys = [a.arg for a in fn.args.args[skip:] if _names_a_key(a.arg) and uses_in_lookup(fn, a.arg)
                and (deletes or not _shared_model(fn, a.arg, cls))]
        posted = [k for k in _posted_keys(fn) if uses_in_lookup(fn, k) and not capability_key(k)]
        if not (keys or posted) or _checks_the_caller(fn, keys + posted):
            continue
        user_key = any(_USER_KEY.match(k) for k in keys + posted)
        # a class-based read open to anyone by a user's key: a public profile far more often than a private record
        open_class_read = skip == 2 and fn.name in _READS and not login
        writes = _writes(fn)
        medium = not (open_read and not writes) and (
            login or _login_required(fn) or writes or (user_key and not open_class_read))
        where = "its URL" if keys else "the request's fields"
        yield at_node(bola, ctx, fn, f"view {fn.name}() loads an object by '{(keys or posted)[-1]}' from {where} "
                      "without checking that it belongs to the caller",
                      severity=Severity.MEDIUM if medium else Severity.LOW)


__all__ = ["django_view_keys"]
