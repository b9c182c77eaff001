"""What a route's own text says about it, for the missing-protection rules: whether its path or handler names
private or personal data, whether it reads records that belong to someone, and whether it is public by nature
(a sign-up, a declared public projection, a catalogue, a route of an app that identifies no caller).

Project rules see modules as text (they may not have the trees), so these read the handler's source lines.
"""

from __future__ import annotations

import ast
import re
import textwrap

from apishield.audit.frameworks.common import is_auth_endpoint, static_segments
from apishield.audit.model import AUTH, Route
from apishield.audit.rules.registry import ProjectContext
from apishield.audit.rules.static_files import serves_fixed_file


def line_text(project: ProjectContext, path: str) -> list[str]:
    table: dict[str, list[str]] | None = project.facts.get("lines_by_path")
    if table is None:  # built once per project: findings of project rules look their module up by path
        table = {m.path: m.lines for m in project.modules}
        project.facts["lines_by_path"] = table
    return table.get(path, [])


_PARAM = re.compile(r"<[^>]*>|\{[^}]*\}|:\w+")
PARAM_LAST = re.compile(r"(<[^>]*>|\{[^}]*\}|:\w+)/?$")


def identifies_caller(route: Route) -> bool:
    """The route authenticates, reads the session, or is a step of signing in or up: the app knows users."""
    return route.has(AUTH) or route.uses_session or is_auth_endpoint(route.path, route.handler, False) or bool(
        re.search(r"log_?in|log_?out|sign_?(in|up)|register|token", route.public or route.handler, re.IGNORECASE))


#: a handler that stops or restarts the server process: privileged whoever may call the rest of the app
STOPS_PROCESS = re.compile(
    r"\b(?:engine\.exit|engine\.stop|os\._exit|sys\.exit|os\.kill|shutdown|restart|reboot)\s*\(")
#: the words of a path or handler that name system administration: privileged in an app without users too
#: (``administrative`` areas or fees are data the administration keeps, not its functions)
SYSADMIN = re.compile(r"admin(?!istrative)|shutdown|restart|reboot|server|system|shell|exec|cmd|command|console|"
                      r"internal|debug|secret|config|settings|backup|(?:^|[_\-.])(?:keys?|env|logs?)$", re.IGNORECASE)
#: the tail of a handler named for how it finds its records (``fetch_units_by_municipality_key``): its words name
#: the lookup, not what the handler acts on
_LOOKUP_TAIL = re.compile(r"_by_(\w+)$", re.IGNORECASE)


def _named_for(route: Route) -> tuple[list[str], str]:
    """The static path segments and the handler name that say what a route acts on: the words of a handler's
    lookup tail name how it finds its records, in its name and as path segments (``/units/key`` served by
    ``fetch_units_by_municipality_key`` acts on units)."""
    name = route.handler.rsplit(".", 1)[-1]
    tail = _LOOKUP_TAIL.search(name)
    lookup = set(tail.group(1).lower().split("_")) if tail else set()
    return [s for s in static_segments(route.path) if s.lower() not in lookup], name[:tail.start()] if tail else name


def named_for_administration(route: Route) -> bool:
    """A path segment or the handler's name names administration, the server or its secrets (``/admin/users``,
    ``restart_server``, ``/api/keys``)."""
    segs, name = _named_for(route)
    return any(SYSADMIN.search(s) for s in segs) or bool(SYSADMIN.search(name))


#: a handler that reads the application's stored records (SQL, an ORM session or query, a document store)
_QUERIES_STORE = re.compile(r"\.execute\(|\.query\(|\.query\.|\bselect\(|\.scalars?\(|\.exec\(|\.find(?:_one)?\(|"
                            r"\bget_\w+\(\s*db\b|\bdb\.|session\.get\(|objects\.", re.IGNORECASE)
#: signs that the response is a deliberately public projection (``response_model=PublicUser``, ``.to_public()``)
_PUBLIC_PROJECTION = re.compile(r"\bPublic[A-Z]\w*|\bto_public\(|\bpublic_(?:view|dict|profile|fields)\b")
#: the collection a sign-up creates an account in
_ACCOUNT_COLLECTION = frozenset({"user", "users", "account", "accounts", "member", "members"})
#: storing a new account: an INSERT into the accounts table or a call that creates one
_CREATES_ACCOUNT = re.compile(
    r"""INSERT\s+INTO\s+[`"']?(?:users?|accounts?|members?)\b|\b(?:create|add|new|register|insert)_?"""
    r"""(?:user|account|member)\w*\(|\b\w*(?:users?|accounts?|members?)\.(?:create|add|register|insert)\w*\(|"""
    r"""\bUser(?:\.objects\.create\w*)?\(""", re.IGNORECASE)
#: a password read from the request (a form or JSON field named so)
_READS_PASSWORD = re.compile(r"""\[\s*['"](?:\w*_)?pass(?:word|wd)?\d?['"]|"""
                             r"""get\(\s*['"](?:\w*_)?pass(?:word|wd)?\d?['"]|\.(?:\w*_)?password\b|"""
                             r"""\bpass(?:word|wd)\w*\s*=[^=\n]*\brequest\b""", re.IGNORECASE)


def handler_source(project: ProjectContext, route: Route) -> str:
    """The decorators and the whole function of the route's handler, as text (``""`` when not found)."""
    lines = line_text(project, route.file)
    start = next((i for i in range(route.line - 1, min(len(lines), route.line + 20))
                  if lines[i].lstrip().startswith(("def ", "async def "))), None)
    body = handler_body(project, route)
    if start is None or body is None:
        return ""
    return "\n".join(lines[route.line - 1:start + 1]) + "\n" + body


def _creates_account_from_password(project: ProjectContext, route: Route) -> bool:
    """A sign-up by what it does, whatever its path is called (``/user/create``, ``/inregistrare``): a state-changing
    route without a path parameter or an administrative name whose handler reads a password from the request and
    stores a new account with it."""
    segs = static_segments(route.path)
    if not route.state_changing or "<" in route.path or "{" in route.path or any(SYSADMIN.search(s) for s in segs):
        return False
    source = handler_source(project, route)
    return bool(_READS_PASSWORD.search(source) and _CREATES_ACCOUNT.search(source))


def _takes_request_input(project: ProjectContext, route: Route) -> bool:
    """The handler reads something of the request: a path or query parameter, a body, form or JSON field.
    Parameters FastAPI injects (``= Depends(...)``, ``*Dep`` aliases, ``Session``/``Request`` types) do not
    count; neither does ``self``. Unknown handlers count as taking input."""
    if "<" in route.path or "{" in route.path or route.fields:
        return True
    source = handler_source(project, route)
    match = re.search(r"def\s+\w+\s*\((.*?)\)\s*(?:->[^:]*)?:", source, re.DOTALL)
    if match is None:
        return True
    for param in _split_params(match.group(1)):
        name = param.split(":")[0].split("=")[0].strip().lstrip("*")
        if not name or name in {"self", "cls"}:
            continue
        if "Depends(" in param or re.search(r":\s*\w*(Dep|Dependency|Session|Request|Connection)\b", param):
            continue
        return True
    body = handler_body(project, route) or ""
    return bool(re.search(r"request\.(args|form|json|get_json|values|data|files|query|params|body|query_params)\b",
                          body))


def _split_params(text: str) -> list[str]:
    """Top-level comma-separated parameters of a signature's text."""
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [p.strip() for p in out if p.strip()]


_LOOPBACK = r"""['"](?:127\.[\d.]+|localhost|::1)['"]"""
_RUN_HOST = re.compile(r"\.run\([^)]*\bhost\s*=\s*([\w.]+|" + _LOOPBACK + r")")


def bound_to_loopback(project: ProjectContext, app_path: str) -> bool:
    """Every ``.run(host=...)`` of the app's module binds a loopback address (a literal, or a module constant
    assigned one): a local tool, not reachable from the network. False when the module starts no server."""
    lines = line_text(project, app_path)
    hosts = [m.group(1) for text in lines for m in [_RUN_HOST.search(text)] if m]
    if not hosts:
        return False
    for host in hosts:
        if re.fullmatch(_LOOPBACK, host):
            continue
        value = re.compile(rf"^{re.escape(host)}\s*(?::\s*\w+\s*)?=\s*{_LOOPBACK}\s*(#.*)?$")
        if not any(value.match(text) for text in lines):
            return False
    return True


#: a handler writing the caller's own session (``session['k'] = v``) and nothing stored
_SESSION_WRITE = re.compile(r"\bsession\[[^\]]+\]\s*=|\bsession\.(?:update|pop|clear|setdefault)\(")
_STORE_WRITE = re.compile(r"\.(?:execute\w*|commit|add|add_all|insert\w*|save|delete|create|put|set|write|"
                          r"update\w*|remove|append)\(|\bopen\(", re.IGNORECASE)
#: posting without an account is the design: the author falls back to ``'anonymous'``
_ANONYMOUS_AUTHOR = re.compile(r"""(?:\bor\s*|,\s*)['"](?:anonymous|anon|guest)['"]""", re.IGNORECASE)
#: a handler that runs programs: not a plain page
TOUCHES_SERVER = re.compile(r"subprocess|os\.system|os\.popen|\bexec\(|\beval\(", re.IGNORECASE)
#: calls a page may make without reading stored data: rendering, responses, conversions, outbound fetches
_PAGE_CALLS = frozenset({
    "render_template", "render_template_string", "template", "jsonify", "redirect", "url_for", "abort",
    "make_response", "send_file", "send_from_directory", "static_file", "open", "str", "int", "float", "bool",
    "len", "dict", "list", "range", "min", "max", "isinstance", "print", "urlparse", "HTTPException",
    "JSONResponse", "HTMLResponse", "PlainTextResponse", "RedirectResponse", "FileResponse", "Response", "escape",
    "Template", "TemplateResponse", "HTTPError", "HTTPResponse"})
_PAGE_RECEIVERS = frozenset({"request", "requests", "httpx", "os", "path", "json", "re", "response", "logger",
                             "logging", "datetime", "time", "base64", "urllib", "parse", "html", "markupsafe",
                             "templates", "flask", "bottle", "jinja2", "pprint", "f", "file", "fh", "resp", "r",
                             "result", "self"})


def _calls_only_page_helpers(body: str) -> bool:
    """Every call of the handler body renders, converts, responds or fetches: none may read stored data (a
    project helper such as ``load_items()`` or ``service.orders()`` might)."""
    code = re.sub(r"#.*", "", re.sub(r"'[^'\n]*'|\"[^\"\n]*\"", "''", body))
    for match in re.finditer(r"([\w.]+)\s*\(", code):
        parts = match.group(1).lstrip(".").split(".")
        if match.group(1).startswith("."):
            continue  # a method of a value computed just before (``.lower()``): judged with that value
        if len(parts) == 1:
            if parts[0] not in _PAGE_CALLS and parts[0] not in {"if", "and", "or", "not", "in", "return"}:
                return False
        elif parts[0] not in _PAGE_RECEIVERS:
            return False
    return True


#: a refresh-token exchange: the refresh token in the body is the credential
_REFRESH = re.compile(r"refresh", re.IGNORECASE)
#: a password the caller posts (a form or JSON field, a body model's attribute)
_POSTED_PASSWORD = re.compile(
    r"""(?:form|json|data|args|values|body|payload|get_json\(\))\s*(?:\[|\.get\(\s*)['"](?:\w*_)?(?:password|passwd|pwd)['"]"""
    r"|\b(?:body|payload|data|form|credentials|creds|user_in|login\w*|auth\w*)\.(?:password|passwd|pwd)\b",
    re.IGNORECASE)
#: a credential handed to the caller: a token minted for them, or the session or login helper signing them in
_ISSUES_CREDENTIAL = re.compile(
    r"\b(?:generate|create|encode|issue|make|sign|new)_?\w*token\w*\s*\(|\bjwt\.encode\(|\blogin_user\(|"
    r"""\bset_access_cookies\(|\bsession\[\s*['"]\w*(?:user|uid|id|email|logged)\w*['"]\s*\]\s*=(?!=)""",
    re.IGNORECASE)
#: the account's current password the caller posts to change something (``old_password``, ``current_password``)
_OLD_PASSWORD = re.compile(r"\b(?:old|current|existing|previous)_?(?:password|passwd|pwd)\b", re.IGNORECASE)
#: a comparison or verification of a password against what is stored
_VERIFIES = re.compile(r"verify|check_?password|checkpw|compare_digest|\bcheck\(|[!=]=", re.IGNORECASE)
#: the handler sets an account's password: an attribute or column set, a setter, an UPDATE of the password column
SETS_PASSWORD = re.compile(r"\.(?:password\w*|passwd|pwd)\s*=(?!=)|set_password\(|\bUPDATE\b[^\n]*\bpassword",
                           re.IGNORECASE)
#: the handler stores a password or any row (a sign-up, a password change), which a plain sign-in never does
_STORES_PASSWORD = re.compile(SETS_PASSWORD.pattern + r"|\b(?:INSERT|UPDATE)\b|\(\s*[^()]*\bpassword\w*\s*=",
                              re.IGNORECASE)


def _public_by_design(project: ProjectContext, route: Route) -> str:
    """Unauthenticated routes whose nature makes a login pointless (apps that identify callers too)."""
    body = handler_body(project, route) or ""
    name = route.handler.rsplit(".", 1)[-1]
    segs = static_segments(route.path)
    if not route.state_changing and serves_fixed_file(body):
        return "it answers one fixed file (a page shell the static files give anyone)"
    if (route.state_changing and _POSTED_PASSWORD.search(body) and _ISSUES_CREDENTIAL.search(body)
            and not _STORES_PASSWORD.search(body)):
        return "a sign-in: it checks the password the caller posts and hands out a credential"
    if named_for_administration(route) or STOPS_PROCESS.search(body):
        return ""
    if (route.state_changing and (any(_REFRESH.search(s) for s in segs) or _REFRESH.search(name))
            and re.search(r"refresh_?token", body, re.IGNORECASE)):
        return "a refresh-token exchange: the refresh token it is given is the credential"
    if (route.state_changing and re.search(r"passw|pwd", f"{route.path} {name}", re.IGNORECASE)
            and _OLD_PASSWORD.search(body) and _VERIFIES.search(body)):  # a password change, not a whole profile
        return "it acts only once the account's current password, posted with the request, checks out"
    if route.state_changing and _ANONYMOUS_AUTHOR.search(body):
        return "anonymous posting is its design (the author falls back to an anonymous name)"
    if route.state_changing and _SESSION_WRITE.search(body) and not _STORE_WRITE.search(
            _SESSION_WRITE.sub("", body)) and not _QUERIES_STORE.search(body):
        return "it writes only the caller's own session"
    if (not route.state_changing and not names_private(route) and not route.uses_session
            and not _QUERIES_STORE.search(body) and not PEOPLE_DATA.search(body)
            and not TOUCHES_SERVER.search(body) and not re.search(r"\bsession\b|current_user", body)
            and _calls_only_page_helpers(body)):
        return "it reads no stored record: nothing a login would protect"
    return ""


def public_by_nature(project: ProjectContext, route: Route, app_has_auth: bool, identifies_callers: bool,
                      open_items: set[str], loopback: bool = False) -> str:
    """Why an unauthenticated route is public by its nature (reported low), or ``""``.

    - an app that never identifies a caller (no route authenticates, reads the session or signs anyone in):
      every caller is anonymous, so a missing login says nothing about one route, unless the route does what
      no anonymous caller should (it stops the server, or its path or handler names administration, secrets,
      internals or private data, it reads people's records) or is an explicit write (DELETE/PUT/PATCH);
    - a sign-up: a POST to the account collection (``POST /users``) that creates an account, or a route of any
      name that stores the password the caller posts as a new account, in an app whose other routes authenticate;
    - a read whose response is a declared public projection (``response_model=PublicUser``);
    - a read of items of a resource that the app serves one by one to anonymous callers anyway
      (``/user/{name}/widgets`` next to an open ``/widgets/{id}``);
    - a read of a fixed path that takes no request input and visibly queries records that are no one's (a tag
      list, a catalogue: no people's table, no table with an owner column);
    - a handler that does nothing yet (``pass``, or a ``NotImplementedError``/HTTP 501 raised or answered).
    """
    segs = static_segments(route.path)
    name = route.handler.rsplit(".", 1)[-1]
    if does_nothing(handler_body(project, route)):
        return "its handler does nothing yet (a stub: pass, or a 501 Not Implemented)"
    if answers_constant(handler_body(project, route)) and not (
            any(_PRIVILEGED_NAME.search(seg) for seg in segs) or _PRIVILEGED_NAME.search(name)):
        # a route named for administration or secrets keeps it: its constant stands in for what it will serve
        return "its handler only answers a constant written in the code (a stub for a client's compatibility)"
    if not identifies_callers:
        source = handler_source(project, route)
        privileged = (names_private(route) or named_for_administration(route)
                      or STOPS_PROCESS.search(source) or PEOPLE_DATA.search(source) or HANDS_OUT_SECRETS.search(source)
                      or set(route.methods) & {"DELETE", "PUT", "PATCH"})
        if not privileged:
            return "the app identifies no caller: every request is anonymous, and this route does nothing privileged"
        if loopback and not (named_for_administration(route) or STOPS_PROCESS.search(source)):
            return "an app without users that binds only a loopback address: a local tool"
        return ""
    by_design = _public_by_design(project, route)
    if by_design:
        return by_design
    reads = not route.state_changing
    if (app_has_auth and route.methods == ("POST",) and segs and segs[-1].lower() in _ACCOUNT_COLLECTION
            and not PARAM_LAST.search(route.path)):
        return "a sign-up: it creates an account for the caller"
    if app_has_auth and _creates_account_from_password(project, route):
        return "a sign-up: it creates an account with the password the caller posts"
    if not reads:
        return ""
    if _PUBLIC_PROJECTION.search(handler_source(project, route)):
        return "its response is a declared public projection"
    if _answers_public_fields_only(handler_body(project, route) or ""):
        return "it answers only public profile fields (a name, an id)"
    if (segs and segs[-1].lower() in open_items and PARAM_LAST.search(route.path) is None
            and len(route.path.strip("/").split("/")) > 1):
        return f"the '{segs[-1]}' items are served one by one to anonymous callers too"
    if names_private(route):
        return ""
    body = handler_body(project, route) or ""
    if "<" in route.path or "{" in route.path or PEOPLE_DATA.search(body) or _mentions_owned(project, body):
        return ""
    if _QUERIES_STORE.search(body) and not _takes_request_input(project, route):
        return "a fixed listing that takes no request input and reads no one's records"
    return ""


#: the fields a public profile shows: who someone is, not what is private to them
_PUBLIC_FIELDS = frozenset({"id", "username", "user_name", "name", "display_name", "displayname", "nickname", "handle",
                            "avatar", "avatar_url", "bio", "url", "uri", "created", "created_at", "joined"})
_DICT_KEYS = re.compile(r"""['"](\w+)['"]\s*:""")


def _answers_public_fields_only(body: str) -> bool:
    """Every value the handler returns is a literal dict (or ``jsonify``/``dict`` of one) whose keys are public
    profile fields only (``return jsonify({'username': user.username})``); anything else, or no return, is not."""
    returns = [line.strip() for line in body.splitlines() if line.strip().startswith("return ")]
    if not returns:
        return False
    for ret in returns:
        keys = _DICT_KEYS.findall(ret)
        if not keys or not ret.startswith(("return {", "return jsonify({", "return (jsonify({", "return dict(")) \
                or not set(k.lower() for k in keys) <= _PUBLIC_FIELDS or ret.count("{") != ret.count("}"):
            return False
    return True


def collection_of(path: str) -> str:
    """The collection a path belongs to: ``/books/{id}`` and ``/books/`` are both ``/books``."""
    return shape(PARAM_LAST.sub("", path)).rstrip("/")


def shape(path: str) -> str:
    """The path with every parameter blanked (``/a/<slug>/c`` and ``/a/{id}/c`` are one resource)."""
    return _PARAM.sub("{}", path.rstrip("/") or "/")


#: records that belong to one customer by nature: reading another's is the leak itself
CUSTOMER_RECORDS = (r"orders?|payments?|billing|invoices?|transactions?|carts?|baskets?|bookings?|reservations?|"
                    r"messages?|receipts?|addresses|cards?|purchases?|subscriptions?")
#: records one customer files and reads back by id (a loan application, a support ticket, an appointment): loaded by
#: id with no check of whose they are, they leak (AS102); their words alone do not make a route private (a list of
#: ``/applications`` may name installed programs, ``/documents`` published texts)
OWNED_RECORD_SEGMENT = re.compile(rf"^(?:{CUSTOMER_RECORDS}|applications?|loans?|claims?|tickets?|appointments?|"
                                  r"prescriptions?|statements?|documents?|payslips?|salar(?:y|ies)|payrolls?)$",
                                  re.IGNORECASE)
#: path words that name the caller's own or privileged data (``/me``, ``/account``, ``/reset-code``, ``/settings``;
#: a computation such as ``/statistics`` names no record)
_PRIVATE = re.compile(
    r"(^|[_-])(me|my|self|whoami|profiles?|accounts?|users?|admins?|private|internal|secrets?|tokens?|keys?|"
    r"reset|passwords?|orders?|payments?|billing|invoices?|exports?|settings|config|"
    # records about people (personal data): students, patients, customers, employees, members, contacts
    r"students?|patients?|customers?|clients?|employees?|members?|persons?|people|contacts?)([_-]|$)",
    re.IGNORECASE,
)


#: a query over people's records: SQL ``FROM users`` / ``public.user``, or an ORM query on such a model
#: a page or JSON answer built with people's passwords or card numbers: private to anyone, users or not
HANDS_OUT_SECRETS = re.compile(
    r"(?:render_template|TemplateResponse|jsonify|JSONResponse)\((?:(?!\breturn\b).){0,400}?"
    r"[\"'\s(,](?:password|passwd|credit_?card|card_?number|cvv|ssn)\w*[\"']?\s*[=:]\s*(?!None\b)[\w\[]",
    re.IGNORECASE | re.DOTALL)
PEOPLE_DATA = re.compile(
    r"(?i:\bfrom\s+[\"'`]?(?:\w+\.)?(?:users?|accounts?|customers?|members?|employees?|patients?)\b)|"
    r"\b(?:User|Account|Customer|Member|Employee|Patient)s?\.(?:query|objects|get|select|filter)\b|"
    r"query\((?:User|Account|Customer|Member|Employee|Patient)\b")


#: an answer that says the route is not built yet
_NOT_IMPLEMENTED = re.compile(r"^raise\s+(?:NotImplementedError\b|\w*HTTPException\(\s*(?:status_code\s*=\s*)?"
                              r"(?:501\b|(?:status\.)?HTTP_501_NOT_IMPLEMENTED\b))|^return\s+\w*Response\([^)]*"
                              r"status_code\s*=\s*(?:501\b|(?:status\.)?HTTP_501_NOT_IMPLEMENTED\b)")


def does_nothing(body: str | None) -> bool:
    """A handler body that serves nothing: only ``pass``, ``...`` and comments, or a ``NotImplementedError`` or an
    HTTP 501 raised or answered (a route declared before it is written)."""
    if body is None:
        return False
    code = [t.strip() for t in body.splitlines() if t.strip() and not t.strip().startswith("#")]
    return bool(code) and (all(t in {"pass", "..."} for t in code) or (
        len(code) <= 2 and bool(_NOT_IMPLEMENTED.match(code[-1])) and all(t in {"pass", "..."} for t in code[:-1])))


#: words by which a route declares itself privileged whatever its handler answers yet
_PRIVILEGED_NAME = re.compile(r"admin|secret|internal|debug|private|staff|superuser|manage", re.IGNORECASE)


def answers_constant(body: str | None) -> bool:
    """A handler body that is one ``return`` of a literal (``return {"values": []}``): it reads nothing and serves
    nothing but what the code says, to anyone — a compatibility stub, not data to protect."""
    if body is None:
        return False
    try:
        tree = ast.parse(textwrap.dedent(body))
    except (SyntaxError, ValueError):
        return False
    code = [s for s in tree.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(code) != 1 or not isinstance(code[0], ast.Return) or code[0].value is None:
        return False
    try:
        ast.literal_eval(code[0].value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def handler_body(project: ProjectContext, route: Route) -> str | None:
    """The text of the handler's body (the first ``def`` at or below the route line), or None."""
    lines = line_text(project, route.file)
    start = next((i for i in range(route.line - 1, min(len(lines), route.line + 20))
                  if lines[i].lstrip().startswith(("def ", "async def "))), None)
    if start is None:
        return None
    indent = len(lines[start]) - len(lines[start].lstrip())
    # a signature over several lines ends at the first line closing with ':' (``) -> dict[str, str]:``)
    header = next((i for i in range(start, len(lines)) if lines[i].split("#", 1)[0].rstrip().endswith(":")), start)
    end = next((i for i in range(header + 1, len(lines))
                if lines[i].strip() and len(lines[i]) - len(lines[i].lstrip()) <= indent), len(lines))
    return _DOCSTRING.sub("", "\n".join(lines[header + 1:end]), count=1)


#: a leading docstring: documentation of the handler, not what it does (``"""The request's DELETE parameters."""``)
_DOCSTRING = re.compile(r"""\A\s*[rRuU]?(\"\"\"|\'\'\'|"|')(?:\\.|(?!\1)[\s\S])*\1[ \t]*\n?""")


def searches(project: ProjectContext, route: Route) -> bool:
    """A search page over content: its last fixed path segment or its handler name says search, and the handler's
    body neither queries people's records (``FROM users``, ``User.query``) nor names a table with an owner column."""
    segs = static_segments(route.path)
    name = route.handler.rsplit(".", 1)[-1]
    if not (segs and segs[-1].lower().startswith("search")) and not name.startswith("search"):
        return False
    body = handler_body(project, route)
    return body is not None and not PEOPLE_DATA.search(body) and not _mentions_owned(project, body)


def _mentions_owned(project: ProjectContext, body: str) -> bool:
    owned = _owned_resources(project)
    return bool(owned) and any(w.lower() in owned for w in re.findall(r"[A-Za-z_]\w*", body))


#: a column that makes a table's rows private to a person for the route reader (narrower than the model reader's
#: :data:`apishield.audit.model_owners.OWNER_COLUMN_WORDS`: a reporter or creator of a public record, a lost item's
#: finder or an event's organiser, does not make its pages private)
_OWNER_COLUMN = r"\b(owner_id|user_id|author_id|account_id|customer_id|created_by)\b"
_SQL_OWNED = re.compile(r"(?:insert\s+into|create\s+table(?:\s+if\s+not\s+exists)?)\s+[\"'`]?(\w+)[\"'`]?\s*\("
                        r"[^)]*" + _OWNER_COLUMN, re.IGNORECASE)
_ORM_OWNED = re.compile(r"^class\s+(\w+)\([^)]*\):(?:\n(?:[ \t].*|\s*))*?\n[ \t]+" + _OWNER_COLUMN + r"\s*[:=]",
                        re.MULTILINE)


def _owned_resources(project: ProjectContext) -> set[str]:
    """Names of the tables and models whose rows carry an owner (``owner_id``, ``user_id``…), singular and plural."""
    owned: set[str] | None = project.facts.get("owned_resources")
    if owned is None:
        owned = set()
        for m in project.modules:
            if re.search(_OWNER_COLUMN, m.source):
                names = [*_SQL_OWNED.findall(m.source), *(c for c, _ in _ORM_OWNED.findall(m.source))]
                for name in (n[0] if isinstance(n, tuple) else n for n in names):
                    base = name.lower().removesuffix("s")
                    owned.update({base, base + "s"})
        project.facts["owned_resources"] = owned
    return owned


def path_names_owned(project: ProjectContext, route: Route) -> bool:
    """The path names a table or model whose rows carry an owner column (``/notes/<id>`` with ``notes.user_id``)."""
    return any(s.lower() in _owned_resources(project) for s in static_segments(route.path))


def reads_owned_or_personal(project: ProjectContext, route: Route) -> bool:
    """A read by id of rows that belong to someone: the path names a table or model with an owner column, or the
    handler's body queries people's records (``FROM users``, ``User.query``)."""
    if path_names_owned(project, route):
        return True
    body = handler_body(project, route)
    return body is not None and bool(PEOPLE_DATA.search(body))


#: words after a private noun that keep the compound about it (``user-list``, ``get_user_by_id``, ``account_info``)
_OF_THE_RECORD = frozenset({"list", "lists", "info", "information", "data", "details", "detail", "record", "records",
                            "summary", "dump", "all", "by", "id", "ids", "name", "email", "for", "of", "page",
                            "view", "json", "api", "v1", "v2"})


def _names_private_word(text: str) -> bool:
    """``text`` (a path segment or handler name) names private data: a private word that is the compound's
    head (``reset-password``, ``my_orders``), a possessive (``my-notes``), or one followed only by words about its
    records (``user-list``, ``get_user_by_id``); a private word that only qualifies another noun
    (``render-user-content``, ``user_guide``) does not."""
    words = [w for w in re.split(r"[_\-.]+", text) if w]
    for index, word in enumerate(words):
        if _PRIVATE.fullmatch(word) and (word.lower() in ("me", "my", "self") or all(
                w.lower() in _OF_THE_RECORD for w in words[index + 1:])):
            return True
    return False


#: a path segment that is a collection of one customer's records (``/messages/<id>``, ``/cart``); in a handler's
#: name these words are too often about something else (``stream_messages``, ``commit_transaction``)
CUSTOMER_SEGMENT = re.compile(rf"^(?:{CUSTOMER_RECORDS})$", re.IGNORECASE)


def names_private(route: Route) -> bool:
    """A path segment or the handler's name names private or personal records (``/users``, ``my_orders``)."""
    segments, name = _named_for(route)
    return any(_names_private_word(s) or CUSTOMER_SEGMENT.match(s) for s in segments) or _names_private_word(name)


_PATH_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\{(\w+)(?::[^}]*)?\}")
_ACCOUNT_PARAM = re.compile(r"^(?:id|pk|uid|user|username|email|login|name|account|\w+_id)$", re.IGNORECASE)
_CALLER = r"(?:current_user|current_identity|g\.user|request\.user)"


def acts_on_own_account(project: ProjectContext, route: Route) -> bool:
    """The handler works on the signed-in caller's own account: it uses ``current_user`` and takes no parameter
    naming another account (``/manage/change-password``), or it refuses when the named account is not the caller
    (``if username != current_user['username']: raise Forbidden``). No role is needed for one's own account."""
    body = handler_body(project, route) or ""
    if not re.search(_CALLER, body):
        return False
    named = [a or b for a, b in _PATH_PARAM.findall(route.path)]
    others = [p for p in named if _ACCOUNT_PARAM.match(p)]
    return all(re.search(rf"\b{p}\b\s*!=\s*{_CALLER}|{_CALLER}\S*\s*!=\s*{p}\b", body) for p in others)


__all__ = [
    "CUSTOMER_RECORDS",
    "CUSTOMER_SEGMENT",
    "HANDS_OUT_SECRETS",
    "OWNED_RECORD_SEGMENT",
    "PARAM_LAST",
    "PEOPLE_DATA",
    "SETS_PASSWORD",
    "STOPS_PROCESS",
    "SYSADMIN",
    "TOUCHES_SERVER",
    "acts_on_own_account",
    "bound_to_loopback",
    "collection_of",
    "handler_body",
    "handler_source",
    "identifies_caller",
    "line_text",
    "named_for_administration",
    "names_private",
    "path_names_owned",
    "public_by_nature",
    "reads_owned_or_personal",
    "searches",
    "shape",
]
