"""Whether an unauthenticated route should have been guarded: the positive evidence AS101 needs before it reports
a missing login at medium or higher.

A route without authentication is how most of the web works (catalogues, blogs, public profiles, sign-up and
recovery steps), and no list of "public by nature" idioms is ever complete. So the rule asks the opposite
question — is there a sign that *this* route needed a login? — and reports everything else at low:

- **privileged**: the path or handler names administration or the system (``/admin``, ``/internal``,
  ``/config``, ``shutdown``), or the handler stops the server, or (in an app that knows its users) runs programs
  or code;
- **private data**: the path or handler names the caller's own, personal or privileged data (``/me``,
  ``/users``, ``/orders``, ``/reset``…), or (in an app that knows its users) the handler queries people's
  records (``FROM users``, ``User.query``) or reads by id rows that belong to someone (an owner column). A read
  rendered through a template shows what its author chose to show (a public profile, a post page): for it only
  words that name private records whoever shows them count (``/orders``, ``/invoice``, ``/settings``, ``/me``),
  a read by id of a table with an owner column (``/notes/<id>``), and people's records only when it reads their
  personal fields (e-mail, password, phone…);
- **destructive**: it updates or deletes stored records (PUT, PATCH, DELETE);
- **acting as the caller**: a write that reads who the caller is (the session, ``current_user``) without
  requiring that anyone be signed in;
- **storing files**: in an app that knows its users, a write that saves an uploaded file on the server;
- **inconsistent**: another route of the same module works on the same stored resource (the same collection in
  its path, or the same model or table in its body) with an operation no more dangerous than this one (a read,
  then a create, an update, a delete) and requires authentication: the author guarded the resource itself and
  missed this door. A read next to guarded writes is not evidence (public reads with authenticated writes is the
  most common design there is); nor is a guarded route that is guarded for another reason: it needs the caller's
  identity to answer (``/feed``, "my orders"), it is named for administration (``/admin/products``) or checks a
  role; nor is a guard on a whole other module (an API blueprint behind tokens next to public HTML pages).

A write whose handler only acts after testing who the caller is (``if current_user.can(...)``,
``if current_user.is_authenticated``) is judged as the read it is for anonymous callers.

Project rules see modules as text (they may not have the trees), so this reads the handler's source lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from apishield.audit.frameworks.common import static_segments
from apishield.audit.model import AUTH, Route
from apishield.audit.rules.registry import ProjectContext
from apishield.audit.rules.route_nature import (
    HANDS_OUT_SECRETS,
    PARAM_LAST,
    PEOPLE_DATA,
    STOPS_PROCESS,
    TOUCHES_SERVER,
    handler_body,
    line_text,
    named_for_administration,
    names_private,
    path_names_owned,
    reads_owned_or_personal,
    searches,
)

#: the handler renders its answer through a template
_RENDERS_TEMPLATE = re.compile(r"\brender_template\(|\.TemplateResponse\(|\btemplate\(|\brender\(\s*request\s*,|"
                               r"\.get_template\(|\bview\(")
#: path words naming records that are private whoever shows them (a page about a person may be a public profile)
_PRIVATE_RECORDS = re.compile(r"(^|[_-])(me|my|self|whoami|private|internal|secrets?|tokens?|keys?|reset|passwords?|"
                              r"orders?|payments?|billing|invoices?|exports?|settings|config)([_-]|$)",
                              re.IGNORECASE)
#: the handler reads an uploaded file and writes a file on the server
_UPLOAD = re.compile(r"request\.files|\bUploadFile\b|\bFile\(|\.file\.read\(")
_STORES_FILE = re.compile(r"\.save\(|\bopen\([^)\n]*,\s*['\"][wax]b?\+?['\"]|shutil\.copyfileobj\(|\.write_bytes\(|"
                          r"\.write_text\(")
#: fields of a person's record that are personal whoever shows them
_PERSONAL_FIELDS = re.compile(r"\b(?:e_?mail|password\w*|phone\w*|address|ssn|salary|birth\w*|api_?key|token)\b",
                              re.IGNORECASE)
#: the handler acts only after testing who the caller is (flask-login's ``current_user``, ``g.user``, the session)
_CALLER_TEST = re.compile(r"^\s*(?:el)?if\b[^\n]*(?:current_user\.\w+|\bg\.user\b|(?<![.\w])session(?:\.get\(|\[))",
                          re.MULTILINE)
#: model or table names a handler works on: ``Post.query``, ``select(Post)``, ``db.query(Post)``, ``FROM posts``
_MODEL_USE = re.compile(r"\b([A-Z][A-Za-z0-9]+)\.(?:query|objects|select|get|get_or_404|filter\w*|find\w*)\b|"
                        r"\b(?:select|query|get|get_or_404|delete|add|find\w*)\(\s*(?:\w+\.)?([A-Z][A-Za-z0-9]+)\b")
_TABLE_USE = re.compile(r"\b(?:from|into|update|join)\s+[\"'`]?([A-Za-z_]\w*)[\"'`]?", re.IGNORECASE)
_SQL_WORDS = frozenset({"select", "where", "set", "values", "the", "a", "an", "this", "it", "request", "db", "import",
                        "flask", "fastapi", "typing", "datetime", "sqlalchemy", "app", "models", "json", "os"})

#: the start of the evidence that the author guarded the same records elsewhere: it outweighs the guesses that a
#: route is public by its nature (a fixed listing, items served one by one)
INCONSISTENT = "guarded elsewhere"
#: the evidence of a single-record read of records with an owner column
BY_ID = "it reads by id records that belong to someone"
#: how much an operation can change: reads, creates, updates, deletes
_RANK = {"GET": 0, "HEAD": 0, "OPTIONS": 0, "POST": 1, "PUT": 2, "PATCH": 2, "DELETE": 3}


def _names(pattern: re.Pattern[str], route: Route) -> bool:
    return any(pattern.search(s) for s in static_segments(route.path)) or bool(pattern.search(route.handler))


def _privileged_name(route: Route) -> bool:
    """The route is named for administration (``/admin/products``, ``manage_users``): guarded for what it does."""
    return named_for_administration(route)


def _singular(word: str) -> str:
    word = word.lower()
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


#: the last path word of a page that serves a write (the form that edits, creates or deletes)
_WRITE_FORM = re.compile(r"^(?:edit|update|delete|remove|new|create|add|manage)$", re.IGNORECASE)


#: path words of a form post that changes or removes the record its path names
_CHANGE_WORD = re.compile(r"^(?:edit|update|delete|remove|destroy)$", re.IGNORECASE)
_DELETE_WORD = re.compile(r"^(?:delete|remove|destroy)$", re.IGNORECASE)
#: a segment naming a change among other words (``bulk-update``, ``change_user_role``, ``delete-account``): what
#: an RPC-style API posts to change or delete records it names in the body
_CHANGE_PART = re.compile(r"(?:^|[-_])(?:edit|update|modify|change|delete|remove|destroy)(?:$|[-_])", re.IGNORECASE)
_DELETE_PART = re.compile(r"(?:^|[-_])(?:delete|remove|destroy)(?:$|[-_])", re.IGNORECASE)


#: a call that writes to a store, a cache or the file system, and SQL that changes rows
_WRITE_CALL = (r"\.(?:save|delete|remove|update|commit|add|add_all|insert\w*|execute\w*|put|set|setex|hset|"
               r"write\w*|destroy|pop|append|extend|create\w*|replace\w*|bulk_\w+|flush|merge|upsert\w*|"
               r"incr\w*|decr\w*|unlink|rmtree|rename|move)\(")
_WRITE_SQL = r"\b(?:DELETE|UPDATE|INSERT|REPLACE|DROP|ALTER)\b"
#: the handler changes something that outlives the request: a write call, SQL that changes rows, a write helper
#: (a called name holding one of :data:`_CHANGE_STEM`'s words)
_CHANGES = re.compile(rf"{_WRITE_CALL}|{_WRITE_SQL}", re.IGNORECASE)
_CALLED = re.compile(r"\b(\w+)\(")
_CHANGE_STEM = re.compile(r"delete|remove|update|create|save|store|insert|write|set|destroy|edit|change|"
                          r"modify|reset|register|add|upload|import|approve|reject|transfer|pay|deposit|withdraw|issue|"
                          r"grant|mint|send|post|publish|join|leave|vote|like|follow|buy|order|book|cancel|refund|"
                          r"redeem|claim|share|invite|accept|decline|enable|disable|activate|block|ban|promote|demote|"
                          r"assign|revoke|rotate|generate|reserve|submit|checkout|run|trigger|process|sync|mark|toggle|"
                          r"clear|purge|restore|archive|apply|login|logout", re.IGNORECASE)


def changes_state(body: str) -> bool:
    """The handler's text calls something that changes what outlives the request (one pattern with a word search in
    each called name: the single expression it replaces backtracked over every identifier)."""
    return bool(_CHANGES.search(body)) or any(_CHANGE_STEM.search(m.group(1)) for m in _CALLED.finditer(body))


def _rank(project: ProjectContext, route: Route, body: str) -> int:
    """How much the route changes: 2 for PUT/PATCH/DELETE, 1 for POST (and the form of a write), 0 for reads. A
    handler that calls nothing that could change stored state (an echo, a computation) changes nothing, whatever
    its method."""
    rank = max((_RANK.get(m, 0) for m in route.methods), default=0)
    if rank and body and not changes_state(body):
        rank = 0
    segs = static_segments(route.path)
    if rank == 1 and ("<" in route.path or "{" in route.path) and any(_CHANGE_WORD.match(s) for s in segs):
        # an HTML form can only POST: ``POST /issues/<id>/edit`` and ``POST /delete/<id>`` change a stored record
        rank = 3 if any(_DELETE_WORD.match(s) for s in segs) else 2
    elif rank == 1 and segs and _CHANGE_PART.search(segs[-1]) and not _CHANGE_WORD.match(segs[-1]):
        # an RPC-style action named for the change (``POST /badges/bulk-update``, ``POST /change-user-role``): the
        # records it changes are named in the body
        rank = 3 if _DELETE_PART.search(segs[-1]) else 2
    if segs and _WRITE_FORM.match(segs[-1]):
        rank = max(rank, 1)  # ``GET /posts/<id>/edit``: the form of a write is guarded as that write
    if rank and (_CALLER_TEST.search(body) or searches(project, route)):
        return 0  # for an anonymous caller the write branch never runs; a search form posts a query
    return rank


def resources(route: Route, body: str) -> set[str]:
    """The stored resources a route works on: its path's last fixed segment (the collection: ``/posts/<id>`` and
    ``/posts`` are one) and the models and tables its handler names, all singular and lower-case."""
    segs = static_segments(route.path)
    found = {_singular(segs[-1])} if segs else set()
    for a, b in _MODEL_USE.findall(body):
        found.add(_singular(a or b))
    for table in _TABLE_USE.findall(body):
        if table.lower() not in _SQL_WORDS:
            found.add(_singular(table))
    return found


#: the handler uses who the caller is (flask-login, flask-jwt, the session, a FastAPI user dependency)
_IDENTITY = re.compile(r"current_user|current_identity|\bg\.(?:current_)?user\b|request\.user\b|get_jwt_identity|"
                       r"get_jwt\(|(?<![.\w])session(?:\[|\.get\()")  # the web session, not ``db.session``
_DEPENDS_PARAM = re.compile(r"(\w+)\s*(?::[^=,()]*(?:\[[^\]]*\])?)?\s*=\s*(?:Depends|Security)\(|"
                            r"(\w+)\s*:\s*Annotated\[[^\]]*(?:Depends|Security)\(|(\w+)\s*:\s*Current\w+")


def uses_identity(project: ProjectContext, route: Route, body: str) -> bool:
    """The handler works with the caller's identity: it reads ``current_user`` or the session, or uses a parameter
    that a FastAPI dependency fills in (``user: User = Depends(get_current_user)``)."""
    if _IDENTITY.search(body):
        return True
    lines = line_text(project, route.file)
    start = next((i for i in range(route.line - 1, min(len(lines), route.line + 20))
                  if lines[i].lstrip().startswith(("def ", "async def "))), None)
    if start is None:
        return False
    header = "\n".join(lines[start:start + 12]).split("):", 1)[0]
    names = {a or b or c for a, b, c in _DEPENDS_PARAM.findall(header)}
    return any(re.search(rf"\b{re.escape(n)}\b", body) for n in names if n and n not in {"db", "session"})


#: a member of the signed-in user that Flask-Login's anonymous user lacks (``current_user.username``)
_USER_MEMBER = re.compile(r"\bcurrent_user\.(?!is_authenticated\b|is_active\b|is_anonymous\b|get_id\b)\w+")


#: a call that changes something, here or elsewhere (a record, a file, another service), or SQL that does
_EFFECT = re.compile(rf"{_WRITE_CALL}|\.(?:post|patch|send\w*)\(|{_WRITE_SQL}", re.IGNORECASE)


def fails_for_anonymous(body: str) -> bool:
    """The handler reads a member of ``current_user`` that Flask-Login's anonymous user lacks on a line that every
    change, stored file or outbound write of it (or, for a handler that changes nothing, its first ``return``) comes
    after in the same block, and never asks ``is_authenticated``: an anonymous request raises there, before anything
    is done. A use inside one branch (``if request.method == 'GET':``) guards nothing the other branch does."""
    if "is_authenticated" in body or "is_anonymous" in body:
        return False
    lines = [line for line in body.splitlines() if line.strip()]
    uses = [i for i, line in enumerate(lines) if _USER_MEMBER.search(line)]
    if not uses:
        return False
    effects = [i for i, line in enumerate(lines) if _EFFECT.search(line) or _STORES_FILE.search(line)]
    if not effects:
        base = min(_indent(line) for line in lines)
        first_return = next((i for i, line in enumerate(lines) if line.lstrip().startswith("return")), len(lines))
        return any(_indent(lines[u]) == base and u <= first_return for u in uses)
    return all(any(_dominates(lines, u, e) for u in uses) for e in effects)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _dominates(lines: list[str], use: int, effect: int) -> bool:
    """Line ``use`` runs whenever line ``effect`` does: it comes first (or is the same line), the effect sits in its
    block or deeper, and no line between leaves that block or starts a sibling branch."""
    if use > effect or _indent(lines[use]) > _indent(lines[effect]):
        return False
    level = _indent(lines[use])
    return all(_indent(line) > level or (_indent(line) == level and not line.lstrip().startswith(
        ("else", "elif", "except", "finally"))) for line in lines[use + 1:effect + 1])


def _bare_anonymous(project: ProjectContext) -> bool:
    """The project uses Flask-Login and installs no anonymous-user class of its own (read once per project: every
    app's evidence asks, and a project of many small apps would read every module's source once per app)."""
    known = project.facts.get("bare_anonymous")
    if known is None:
        known = project.facts["bare_anonymous"] = any("flask_login" in m.source for m in project.modules) and not any(
            "anonymous_user" in m.source for m in project.modules)
    return bool(known)


@dataclass(slots=True)
class _Guarded:
    rank: int
    resources: set[str]
    describe: str
    file: str


class AuthEvidence:
    """The evidence for the routes of one app (the guarded routes are read once)."""

    def __init__(self, project: ProjectContext, routes: list[Route], identifies_callers: bool = True) -> None:
        self.project = project
        self.identifies_callers = identifies_callers
        # Flask-Login's anonymous user has only the four members of AnonymousUserMixin, unless the app installs its
        # own anonymous class
        self.bare_anonymous = _bare_anonymous(project)
        self.guarded: list[_Guarded] = []
        for r in routes:
            body = handler_body(project, r) or ""
            if r.has(AUTH) and not uses_identity(project, r, body) and not r.roles and not _privileged_name(r):
                self.guarded.append(_Guarded(_rank(project, r, body), resources(r, body),
                                             f"{'/'.join(r.methods)} {r.path}", r.file))

    def of(self, route: Route) -> str:
        """Why ``route`` (which has no authentication) should have had it, or ``""`` when nothing says so."""
        body = handler_body(self.project, route) or ""
        inventory = self.project.facts.get("inventory")
        summary = inventory.functions.get(route.handler.rsplit(".", 1)[-1]) if inventory is not None else None
        if summary is not None and summary.computes_only:
            return ""  # a hash, an encoding, a random token of its own input: nothing behind it to protect
        if self.bare_anonymous and fails_for_anonymous(body):
            return ""  # an anonymous caller's request ends in an AttributeError before the handler acts
        # what the handler does counts in an app that knows its users; in one where every caller is anonymous
        # (a tool, a demo) only what the route is named for, stopping the server and destructive writes do
        knows = self.identifies_callers
        if _privileged_name(route) or STOPS_PROCESS.search(body) or (knows and TOUCHES_SERVER.search(body)):
            return "it is an administrative or system function"
        if HANDS_OUT_SECRETS.search(body):
            return "it hands out passwords or card numbers"
        rank = _rank(self.project, route, body)
        # a page rendered through a template shows what its author chose to show (a public profile, a post);
        # a data response (JSON, text) hands out the records themselves
        page = not rank and _RENDERS_TEMPLATE.search(body)
        if names_private(route) and not (page and not _names(_PRIVATE_RECORDS, route)):
            return "its path names private or personal data"
        if knows and PEOPLE_DATA.search(body) and (not page or _PERSONAL_FIELDS.search(body)):
            return "it reads people's records"
        if knows and PARAM_LAST.search(route.path) and (path_names_owned(self.project, route) if page else
                                                        reads_owned_or_personal(self.project, route)):
            return BY_ID
        if rank >= 2:
            return "it updates or deletes stored records"
        if rank and (route.uses_session or _IDENTITY.search(body)):
            return "it writes as the signed-in caller without requiring a sign-in"
        if knows and rank and _UPLOAD.search(body) and _STORES_FILE.search(body):
            return "it stores uploaded files on the server"
        mine = resources(route, body)
        for g in self.guarded:
            if g.file == route.file and g.rank <= rank and g.resources & mine:
                return f"{INCONSISTENT}: {g.describe} works on the same {sorted(g.resources & mine)[0]!r} records " \
                       "and requires authentication"
        return ""


__all__ = ["INCONSISTENT", "AuthEvidence", "resources", "uses_identity"]
