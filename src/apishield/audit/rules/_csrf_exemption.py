"""When does a CSRF exemption matter (AS501)?

A forged cross-site request rides on what the victim's browser sends by itself: the session cookie. Exempting a
view from the CSRF check therefore matters only when the view knows its caller by a cookie session (Django's
``request.user``, ``request.session``, Flask's ``session`` / ``current_user``, ``@login_required``, a cookie it
reads) *and* does something on the caller's behalf. These exempt views gain an attacker nothing:

- a view with no cookie-borne authentication at all: whatever a forged request does, the attacker can do directly;
- a view that only renders: it reads nothing from the request (no form, body, query, files, headers) and changes
  nothing of the caller's (no write involving the request or the user, no delete, no sign-in or sign-out, no
  cookie set, no program run);
- a view that checks a signature of the request sent in a header (a payment provider's or a forge's webhook):
  a forging page sets no custom header and does not know the secret;
- a view that changes nothing of the caller's and answers only JSON: what a forged request sends it comes back as
  data, which the forging page cannot read and no browser runs as a page (a view that renders the input as HTML
  would let a forged POST reflect script, and one that hands the input to a function of the program may act
  through it, so both still count).
"""

from __future__ import annotations

import ast
import re

from apishield.audit import astutil as au
from apishield.audit.client_data import REQUEST_NAMES

#: a view: a function, or a class-based view judged by all of its methods
View = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef

#: names that say the view knows its caller from the cookie session
_SESSION_IDENTITY = re.compile(r"(^|\.)(user|session|COOKIES|cookies|current_user|is_authenticated|get_cookie|"
                               r"cookie)(\.|$)|login_required|permission_required|user_passes_test|roles_required|"
                               r"staff_member_required|superuser_required|fresh_login_required|LoginRequiredMixin|PermissionRequiredMixin|"
                               r"UserPassesTestMixin")
#: request containers a client fills
_INPUT = frozenset({"POST", "GET", "body", "FILES", "data", "json", "form", "args", "values", "get_json", "files",
                    "query_params", "params", "query", "forms", "META", "headers", "stream", "read"})
#: calls that act for the caller whatever their arguments
_ACTS = re.compile(r"(^|\.)(delete|remove|logout|login|set_cookie|delete_cookie|set_password|system|popen|Popen|run|"
                   r"call|check_output|check_call|eval|exec|send_mail|send)$")
_WRITES = re.compile(r"(^|\.)(save|create|update|insert\w*|add|commit|execute\w*|write|put|set|update_or_create|"
                     r"get_or_create|bulk_create)$")
_CALLER = re.compile(r"(^|\.)(request|user|session|current_user|g)(\.|$)")


def _names(node: ast.AST) -> list[str]:
    return [au.dotted(n) for n in au.walk(node) if isinstance(n, (ast.Name, ast.Attribute))]


def _session_authenticated(fn: View) -> bool:
    """The view knows its caller from the cookie session; in a class-based view ``self.user`` and a ``user``
    parameter are the view's own values (set from a token, passed to a helper), ``self.request.user`` is not."""
    names = _names(fn)
    if isinstance(fn, ast.ClassDef):
        names = [n for n in names if n != "user" and not n.startswith(("self.user", "user."))]
    # a local the view binds itself (``user = User.objects.create_user(...)``) is its own value, not the session's;
    # one bound from the session (``user = request.user``) shows the session read where it is bound
    local = {n.id for n in au.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    names = [n for n in names if n.split(".", 1)[0] not in local]
    return any(_SESSION_IDENTITY.search(name) for name in names) or any(
        au.last(au.dotted(c.func)) in _SIGNS_IN for c in au.calls(fn))  # it sets the session's identity


#: calls that put an identity into the session: a forged request signs the browser in to the forger's account (a
#: forged sign-out only ends the victim's session, a nuisance)
_SIGNS_IN = frozenset({"login", "auth_login", "django_login", "login_user"})


def _reads_input(node: ast.AST) -> bool:
    """``node`` (a view, an expression) reads a container the client fills (``request.POST``, ``self.request.data``)."""
    return any(isinstance(n, ast.Attribute) and n.attr in _INPUT
               and au.dotted(n.value).split(".", 1)[0] in REQUEST_NAMES | {"self"} for n in au.walk(node))


def _writes_session(node: ast.AST) -> bool:
    """``request.session["cart"] = ...``, ``session["user"] = ...``, ``del request.session[k]``: a change of the
    caller's own session."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
        node, ast.AugAssign | ast.AnnAssign) else node.targets if isinstance(node, ast.Delete) else []
    return any(isinstance(t, ast.Subscript) and au.last(au.dotted(t.value)) == "session" for t in targets)


def _acts_for_caller(fn: View) -> bool:
    for node in au.walk(fn):
        if _writes_session(node):
            return True
        if not isinstance(node, ast.Call):
            continue
        name = au.dotted(node.func)
        if _ACTS.search(name):
            return True
        if _WRITES.search(name) and any(_CALLER.search(n) for n in _names(node)):
            return True
    return False


#: calls that take the request only to render a page or answer
_RENDERS = re.compile(r"(^|\.)(render|render_to_response|render_to_string|TemplateResponse|HttpResponse\w*|"
                      r"JsonResponse|redirect|render_template|Response)$")


def _passes_request(call: ast.Call) -> bool:
    """The call is given the whole request (``perform_transfer(request)``, ``get_user(self.request)``)."""
    return any(au.dotted(a) in {"request", "self.request"} for a in call.args)


def _hands_request_on(fn: View) -> bool:
    """The view passes the whole request to a helper that is not a renderer (``perform_transfer(request)``): what
    the helper reads and changes is not in view here, so the view may act for the caller."""
    return any(isinstance(node, ast.Call) and not _RENDERS.search(au.dotted(node.func)) and _passes_request(node)
               for node in au.walk(fn))


#: answers that are JSON data, never a page: what a forged request reflects into them runs nowhere
_JSON_ANSWERS = frozenset({"JsonResponse", "jsonify", "JSONResponse"})


_BUILTINS = frozenset({"str", "int", "float", "bool", "len", "list", "dict", "set", "tuple", "print", "isinstance",
                       "repr", "min", "max", "sorted", "round", "abs", "any", "all", "enumerate", "zip", "range"})


def _hands_input_to_helpers(fn: View) -> bool:
    """Request input handed to a function of the program (a lower-case name called bare, not a builtin:
    ``run_submitted_code(code)``): what it does with it is not in view, so it may act for the caller."""
    inputs = {t for node in au.walk(fn) if isinstance(node, ast.Assign) and _reads_input(node.value)
              for t in au.target_names(node)}
    for node in au.walk(fn):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id[:1].islower()
                and node.func.id not in _BUILTINS and node.func.id not in _JSON_ANSWERS):
            args = [*node.args, *(k.value for k in node.keywords)]
            if any(_reads_input(a) or au.uses_any(a, inputs) for a in args):
                return True
    return False


def _answers_json_only(fn: View) -> bool:
    """Every ``return`` of the view hands back JSON (``JsonResponse(...)``, ``jsonify(...)``, a dict literal)."""
    returns = [n for n in au.walk(fn) if isinstance(n, ast.Return)]
    return bool(returns) and all(
        isinstance(r.value, ast.Dict) or (isinstance(r.value, ast.Call)
                                          and au.last(au.dotted(r.value.func)) in _JSON_ANSWERS)
        for r in returns)


#: calls that check a request's signature made with a shared secret (Stripe's ``Webhook.construct_event``, GitHub's
#: ``X-Hub-Signature`` compared with ``hmac.compare_digest``, a project's ``verify_signature``)
_SIGNATURE_CHECK = re.compile(r"(^|\.)(construct_event|compare_digest|(verify|validate|check)_?\w*signature\w*|"
                              r"verify_webhook\w*|verify_?hmac\w*)$", re.IGNORECASE)


def _verifies_signature(fn: View) -> bool:
    """The view reads a request header and checks a signature with a secret: a forging page can send neither
    (a cross-site form sets no custom header, and it does not know the secret)."""
    reads_header = any(isinstance(n, ast.Attribute) and n.attr in {"META", "headers"} for n in au.walk(fn))
    return reads_header and any(_SIGNATURE_CHECK.search(au.dotted(c.func)) for c in au.calls(fn))


def _identifies_through_helper(fn: View, helpers: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]) -> bool:
    """The view hands the request to a function of its own module that knows the caller from the cookie session
    (``user = get_user(request)`` reading ``request.COOKIES["user_id"]``)."""
    return any(isinstance(c.func, ast.Name) and c.func.id in helpers and _passes_request(c)
               and _session_authenticated(helpers[c.func.id]) for c in au.calls(fn))


def exemption_harmless(fn: View, helpers: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] | None = None) -> str:
    """Why exempting ``fn`` from the CSRF check gains a forged request nothing, or ``""`` when it may; ``helpers``
    are the module's own functions by name, followed one call deep for the caller's identity."""
    if not _session_authenticated(fn) and not _identifies_through_helper(fn, helpers or {}):
        return "nothing authenticates the caller by a cookie session: a forged request can do no more than a direct one"
    if _verifies_signature(fn):
        return ("the view checks a signature of the request sent in a header: a forging page can set no such header "
                "and does not know the secret it is made with")
    if _acts_for_caller(fn) or _hands_request_on(fn):
        return ""
    if not _reads_input(fn):
        return "the view reads no request input and changes nothing of the caller's: it only renders"
    if _answers_json_only(fn) and not _hands_input_to_helpers(fn):
        return ("the view changes nothing of the caller's and answers only JSON: a forged request changes nothing, "
                "and what it sends comes back as data, not as a page")
    return ""


__all__ = ["exemption_harmless"]
