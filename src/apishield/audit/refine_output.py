"""Project-wide facts about a template's raw output (AS402), applied by :mod:`apishield.audit.refine`: what fills
the variable or attribute a template emits unescaped, read across the project's modules."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from apishield.audit.rules.base import is_test_code
from apishield.audit.rules.output import OPERATOR_VALUE
from apishield.audit.rules.registry import ModuleContext, ProjectContext
from apishield.findings import Finding, Severity

#: the expression a template raw-output finding names (``{{ post.body_html|safe }} emits 'post.body_html' …``)
_RAW_EXPR = re.compile(r"emits '([\w.]+)' without HTML escaping")
#: any expression a template raw-output finding names, filters and calls included
_RAW_ANY = re.compile(r"emits '(.+)' without HTML escaping", re.DOTALL)
#: an HTML sanitiser or escaper: what it returns is safe to emit raw
_SANITISER = re.compile(r"\b(?:bleach\.clean|nh3\.clean|clean_html|sanitize\w*|sanitise\w*|html\.escape|"
                        r"markupsafe\.escape|escape)\(")


def lower_sanitised_fields(out: list[Finding], project: ProjectContext) -> list[Finding]:
    """A template's raw output of an attribute (``post.body_html|safe``) that every assignment in the project's code
    fills with an HTML sanitiser's result (``target.body_html = bleach.clean(...)``), lowered."""
    lowered = []
    for f in out:
        match = _RAW_EXPR.search(f.message) if f.rule_id == "AS402" and f.severity > Severity.LOW else None
        attr = match.group(1).rsplit(".", 1)[-1] if match and "." in match.group(1) else ""
        if attr:
            assign = re.compile(rf"\.{re.escape(attr)}\s*=(?!=)\s*(.*)")
            values = [m.group(1) for mod in project.modules for m in assign.finditer(mod.source)]
            if values and all(_SANITISER.search(v) for v in values):
                f = replace(f, severity=Severity.LOW,
                            message=f"{f.message} (every assignment of .{attr} is an HTML sanitiser's result)")
        lowered.append(f)
    return lowered


#: names of values that hold HTML the application rendered (from Markdown, reStructuredText, a highlighter)
_RENDERED_NAME = re.compile(r"\w+_html|html_\w+|html|rendered(?:_\w+)?|\w+_rendered|highlighted(?:_\w+)?|"
                            r"markdown|\w+_markdown|toc", re.IGNORECASE)


def lower_rendered_html(out: list[Finding], project: ProjectContext) -> list[Finding]:
    """A template's raw output of a value whose own name says it holds HTML the application rendered
    (``post.body_html``, ``note.rendered_body``, ``obj.highlighted_code``, ``toc``): ``|safe`` is how such a value is
    shown at all, and whether visitors' markup survives is decided by its renderer. Lowered, with that advice, unless
    the project's own code fills it with something that is no sanitiser's result (``self.body_html =
    markdown(text)``), which keeps it."""
    lowered = []
    kept: dict[str, bool] = {}  # a name's fills, read once however many findings print it
    for f in out:
        match = _RAW_EXPR.search(f.message) if f.rule_id == "AS402" and f.severity > Severity.LOW else None
        name = match.group(1).rsplit(".", 1)[-1] if match else ""
        if name and _RENDERED_NAME.fullmatch(name):
            if name not in kept:
                kept[name] = _filled_unsanitised(project, name)
            if not kept[name]:
                f = replace(f, severity=Severity.LOW,
                            message=f"{f.message} (HTML the application rendered, so its name says: make sure its "
                                    "renderer escapes or sanitises what visitors wrote)")
        lowered.append(f)
    return lowered


def _filled_unsanitised(project: ProjectContext, name: str) -> bool:
    """The project's own code (tests aside) sets ``name`` to a renderer's output that no sanitiser cleaned."""
    fills = re.compile(rf"(?:\.{re.escape(name)}\s*=(?!=)|\b{re.escape(name)}\s*=(?!=)|"
                       rf"['\"]{re.escape(name)}['\"]\s*:)\s*([^,)\n]+)")
    values = [m.group(1) for mod in project.modules if not is_test_code(mod.path) for m in fills.finditer(mod.source)]
    return any(not _SANITISER.search(v) and _RENDERS_MARKUP.search(v) for v in values)


#: a call that turns text into HTML without cleaning it (a Markdown or reStructuredText renderer)
_RENDERS_MARKUP = re.compile(r"\b(?:markdown|markdown2?\.\w+|mistune\.\w+|commonmark\w*|publish_parts|"
                             r"render_markdown|md\.convert|Markdown\(\)\.convert)\s*\(|\.convert\(", re.IGNORECASE)


#: a pandas table rendered as HTML (its cells escaped unless ``escape=False``)
_TABLE_HTML = re.compile(r"\.to_html\(")


def _render_values(project: ProjectContext, name: str) -> Iterator[tuple[ModuleContext, str]]:
    """What the project's code gives the template variable ``name`` (``name=value`` in a render's keywords or an
    assignment, ``"name": value`` in a context mapping), with the module each value is written in."""
    given = re.compile(rf"""(?:\b{re.escape(name)}\s*=(?!=)|['"]{re.escape(name)}['"]\s*:)\s*([^,)\n]+)""")
    for module in project.modules:
        if name in module.source:
            yield from ((module, m.group(1).strip()) for m in given.finditer(module.source))


def lower_configured_markup(out: list[Finding], project: ProjectContext) -> list[Finding]:
    """A template's raw output of a variable (``{{ notice|safe }}``) that every render in the project fills from
    the operator's configuration (``render_template('x.html', notice=app.config.get('NOTICE'))``): HTML the
    operator writes for the page by design, lowered. One render passing anything else keeps it."""
    lowered = []
    for f in out:
        match = _RAW_EXPR.search(f.message) if f.rule_id == "AS402" and f.severity > Severity.LOW else None
        name = match.group(1) if match and "." not in match.group(1) else ""
        if name:
            values = [value for _, value in _render_values(project, name)]
            if values and all(OPERATOR_VALUE.match(v) or (_TABLE_HTML.search(v) and "escape=False" not in v)
                              for v in values):
                f = replace(f, severity=Severity.LOW,
                            message=f"{f.message} (every render fills it from the operator's configuration or a "
                                    "library's escaped table)")
        lowered.append(f)
    return lowered


#: where a project could keep what a visitor sends for others to see: a database or store client, a file written,
#: an upload saved, data posted on to another service
_KEEPS = re.compile(
    r"^\s*(?:from|import)\s+(?:sqlalchemy|flask_sqlalchemy|sqlmodel|sqlite3|psycopg\w*|asyncpg|aiosqlite|pymysql|"
    r"MySQLdb|mysql|mariadb|pymongo|motor|mongoengine|beanie|odmantic|redis|aioredis|valkey|peewee|pony|tortoise|"
    r"databases|ormar|piccolo|django\.db|flask_mongoengine|flask_pymongo|tinydb|shelve|dbm|boto3|aioboto3|minio|"
    r"google\.cloud|firebase_admin|supabase|elasticsearch|opensearchpy|cassandra|neo4j|couchdb|pyairtable|gspread)\b"
    r"|\bopen\([^)\n]*['\"][^'\"]*[wax][^'\"]*['\"]|\.write_(?:text|bytes)\(|\.save\(|\b(?:json|pickle|yaml)\.dump\("
    r"|\.(?:post|put|patch)\(|\bmodels\.Model\b|\.(?:insert|insert_one|insert_many|add|commit|execute|set|hset|"
    r"lpush|rpush|sadd|zadd|put_item|put_object|upload_file|upload_fileobj)\(",
    re.MULTILINE)


#: a container made at a module's top level (``COMMENTS = []``): the process's own store while it runs
_MODULE_CONTAINER = re.compile(r"^([A-Za-z_]\w*)\s*(?::[^=\n]+)?=\s*(?:\[\s*\]|\{\s*\}|(?:list|dict|set)\(\s*\)|"
                               r"(?:collections\.)?(?:deque|defaultdict|OrderedDict|Counter)\()", re.MULTILINE)


def _keeps_in_memory(source: str) -> bool:
    """A module-level container the module adds to (``COMMENTS.append(text)``, ``NOTES[key] = text``)."""
    return any(re.search(rf"\b{re.escape(name)}\.(?:append|appendleft|extend|insert|add|update|setdefault)\(|"
                         rf"\b{re.escape(name)}\[[^\]\n]+\]\s*=(?!=)", source)
               for name in _MODULE_CONTAINER.findall(source))


def _keeps_visitor_data(project: ProjectContext) -> bool:
    """Some module outside the tests could keep what a visitor sends: it uses a database or store, writes a file,
    saves an upload, posts data on to another service, or adds to a container of its own that outlives a request."""
    return any(_KEEPS.search(m.source) or _keeps_in_memory(m.source) for m in project.modules
               if not is_test_code(m.path))


#: the variable an expression starts from (``page`` of ``page.body | markdown``, once its quoted text is gone:
#: ``'body': page.intro`` in a macro's arguments)
_ROOT = re.compile(r"[A-Za-z_]\w*")
_STRINGS = re.compile(r"'[^']*'|\"[^\"]*\"")


def _fed_from_request(project: ProjectContext, name: str) -> bool:
    """Some render gives the template variable ``name`` a value that mentions the request, directly
    (``q=request.args['q']``) or through a name the same module assigns from it (``data = Form(**request.form)``,
    ``result=data.input``): a reflection the data-flow rule may not follow."""
    for module, value in _render_values(project, name):
        if is_test_code(module.path):
            continue
        if "request" in value:
            return True
        first = _ROOT.match(value)
        if first and re.search(rf"^\s*{re.escape(first.group(0))}\s*=(?!=)[^\n]*request", module.source,
                               re.MULTILINE):
            return True
    return False


def lower_raw_output_of_stateless_sites(out: list[Finding], project: ProjectContext) -> list[Finding]:
    """A template's raw output (``{{ page.body|safe }}``) in a project that keeps nothing a visitor sends (no
    database, store, file write, upload or onward post): no visitor can plant markup that another one is shown, so
    the HTML it emits comes from the code, the configuration or the back end the site reads (a headless CMS's
    editors); lowered. A visitor's own request echoed raw is a reflection, which the data-flow rule (AS404) reports
    at the render."""
    if not any(f.rule_id == "AS402" and f.severity > Severity.LOW and _RAW_ANY.search(f.message) for f in out):
        return out
    if not project.facts.get("routes") or _keeps_visitor_data(project):
        return out  # templates measured without the code that renders them: nothing known of their values
    lowered = []
    for f in out:
        match = _RAW_ANY.search(f.message) if f.rule_id == "AS402" and f.severity > Severity.LOW else None
        root = _ROOT.search(_STRINGS.sub("", match.group(1))) if match else None
        if match and root and "request" not in match.group(1) and not _fed_from_request(project, root.group(0)):
            f = replace(f, severity=Severity.LOW, message=f"{f.message} (the project keeps nothing a visitor sends: "
                        "no database, store, file or onward post)")
        lowered.append(f)
    return lowered


__all__ = ["lower_configured_markup", "lower_raw_output_of_stateless_sites", "lower_rendered_html",
           "lower_sanitised_fields"]
