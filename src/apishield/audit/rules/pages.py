"""What HTML an app serves, for the header and framing rules: whether the project renders pages at all, whether a
route's handler builds one, and whether a page has anything on it a framing or scripting attacker could use.

Project rules see modules as text (they may not have the trees), so these read source lines and template files.
"""

from __future__ import annotations

import re

from apishield.audit.model import Route
from apishield.audit.rules.registry import ModuleContext, ProjectContext, TemplateContext
from apishield.audit.rules.route_nature import handler_body, line_text

#: a handler that sets its response's content type to JSON (``response.content_type = 'application/json'``,
#: ``response.headers['Content-Type'] = ...``, ``response.set_header('Content-Type', ...)``)
JSON_TYPE = re.compile(r"""(?:content_type\s*=|['"]Content-Type['"]\s*(?:\]\s*=|,))\s*['"]application/[\w.+-]*json""",
                        re.IGNORECASE)
#: what a handler that builds an HTML page says: a template it renders, an HTML response, markup in its strings
_PAGE_MARKERS = re.compile(
    r"render_template|TemplateResponse|\btemplate\(|@view\(|@\w*_?view\(|get_template|\brender\(|text/html|"
    r"HTMLResponse\(|<(?:html|body|div|form|table|h[1-6]|ul|pre)\b|<p>|<a\s", re.IGNORECASE)


#: the frameworks' builders of the generated API docs page (Swagger UI, ReDoc): a page of the docs, not of the app
_DOCS_PAGE = re.compile(r"\bget_(?:swagger_ui|redoc|swagger_ui_oauth2_redirect)_html\(")
#: frameworks that send a returned string as text/html unless told otherwise
_TEXT_HTML_DEFAULT = frozenset({"flask", "bottle", "cherrypy"})


def builds_page(project: ProjectContext, route: Route) -> bool:
    """The route's handler builds an HTML page: it renders a template, returns markup or an HTML response, or
    returns ``json.dumps`` text a framework sends as ``text/html``. A handler returning a generated docs page
    (``get_swagger_ui_html``, ``get_redoc_html``, also when it edits that page's markup, adding an integrity
    attribute) or JSON does not."""
    lines = line_text(project, route.file)
    decorators = "\n".join(lines[max(0, route.line - 1):route.line + 6]).split("def ", 1)[0]
    body = handler_body(project, route) or ""
    if _DOCS_PAGE.search(body):
        return False  # the framework's generated API docs page, whatever the handler adds to its markup
    if route.framework in _TEXT_HTML_DEFAULT and "json.dumps(" in body and not JSON_TYPE.search(body):
        return True  # a string these frameworks send as text/html, and json.dumps does not escape '<'
    return bool(_PAGE_MARKERS.search(decorators + "\n" + body))


#: what a module that produces HTML pages mentions: template rendering, HTML response classes and content types
_HTML_MARKERS = re.compile(
    r"render_template|TemplateResponse|HTMLResponse|Jinja2Templates|bottle\.template\(|import[^\n]*\btemplate\b|"
    r"jinja_env|get_template|TemplateLookup|FileSystemLoader|PackageLoader|mako|text/html|"
    r"<(?:html|body|div|form|script)\b", re.IGNORECASE)


#: a module that sends e-mail: the HTML it renders is a message body, not a page the app serves
_MAIL = re.compile(r"^\s*(?:from|import)\s+(?:flask_mail|flask_mailman|smtplib|email\.mime|sendgrid|django\.core\.mail|"
                   r"fastapi_mail|yagmail)\b", re.MULTILINE)
_ROUTE = re.compile(r"^\s*@[\w.]+\.(?:route|get|post|put|patch|delete|expose)\(|@cherrypy\.expose", re.MULTILINE)


def serves_html(project: ProjectContext) -> bool:
    """The project renders templates or writes HTML in its code (docstrings and other bare string statements, such
    as code commented out in a string, do not count; neither does a module that sends e-mail and declares no
    route, whose HTML is a message body), ships template files, or ships HTML pages outside a ``templates``
    folder (an HTML template that no code renders is not served)."""
    if any(_HTML_MARKERS.search(m.source) and not (_MAIL.search(m.source) and not _ROUTE.search(m.source))
           and _HTML_MARKERS.search(without_bare_strings(m)) for m in project.modules):
        return True
    return any(t.path.lower().endswith((".tpl", ".jinja", ".jinja2", ".j2")) or (
        t.path.lower().endswith((".html", ".htm")) and "templates" not in t.path.replace("\\", "/").split("/"))
        for t in project.templates)


_BARE_STRING = re.compile(r"""^[ \t]*[rRuU]?("{3}|'{3})[\s\S]*?\1""", re.MULTILINE)
_COMMENT_LINE = re.compile(r"^[ \t]*#.*$", re.MULTILINE)


def without_bare_strings(module: ModuleContext) -> str:
    """The module's source without the triple-quoted strings that open a line (docstrings, code commented out in
    a string) and without the lines that are only a comment (``# GET /items/<body_part>``); a string assigned or
    returned stays. Text only: project rules may not have the module's tree."""
    return _COMMENT_LINE.sub("", _BARE_STRING.sub("", module.source))


#: what gives a framed or scripted page something to act with: a form or control to submit, script (which may
#: hold a token the page keeps in storage), an inline handler, a frame of its own
_ACTIVE = re.compile(r"<(?:form|script|button|input|textarea|select|iframe|object|embed)\b|\son\w+\s*=|javascript:",
                     re.IGNORECASE)
#: a value put into a template (an expression other than a link to the app's own route or file, a Mako
#: expression): script could arrive with it, which CSP would stop
_TEMPLATE_VALUE = re.compile(r"\{\{(?!\s*(?:url_for|static)\s*\()|\$\{")
_STRING = re.compile(r"""[rRbBuU]?("{3}|'{3}|"|')(?:\\.|(?!\1)[\s\S])*?\1""")
_NAME = re.compile(r"\b[A-Za-z_]\w*\b")
#: the words of a handler that answers a constant page: rendering calls, response classes and their keywords, the
#: request object a template response must be given
_RENDERING = frozenset({
    "return", "render_template", "render_template_string", "template", "templates", "TemplateResponse",
    "HTMLResponse", "Response", "make_response", "request", "name", "context", "content", "media_type",
    "mimetype", "content_type", "status_code", "status", "None", "True", "False"})
_ASSIGNED = re.compile(r"^\s*(\w+)\s*=", re.MULTILINE)
#: a template a handler names (``render_template("index.html")``) or a template names (``{% extends "base.html" %}``)
_TEMPLATE_NAME = re.compile(r"""['"]([\w./-]+\.(?:html?|jinja2?|j2|tpl))['"]""", re.IGNORECASE)


def rendered_templates(project: ProjectContext, source: str) -> list[TemplateContext]:
    """The project's templates a handler's ``source`` names (``render_template("profile.html", ...)``)."""
    return [t for name in _TEMPLATE_NAME.findall(source) if (t := _template(project, name)) is not None]


def _template(project: ProjectContext, name: str) -> TemplateContext | None:
    wanted = "/" + name.lstrip("./")
    return next((t for t in project.templates if ("/" + t.path.replace("\\", "/")).endswith(wanted)), None)


def _active_template(project: ProjectContext, name: str, seen: set[str]) -> bool:
    """The template, or one it extends or includes, has something to act with or fills in a value; a template not
    found counts as active (nothing proves it inert)."""
    if name in seen:
        return False
    seen.add(name)
    template = _template(project, name)
    if template is None:
        return True
    return bool(_ACTIVE.search(template.source) or _TEMPLATE_VALUE.search(template.source)) or any(
        _active_template(project, other, seen) for other in _TEMPLATE_NAME.findall(template.source))


def inert_page(project: ProjectContext, route: Route) -> bool:
    """The page the route builds is constant and has nothing to act with: no form, control, script or inline
    handler, and no value filled in, in the handler's markup or in the templates it renders (followed through
    ``extends`` and ``include``). Framing such a page, or scripting it without a cookie of the site's, reaches
    nothing a direct visit does not."""
    body = handler_body(project, route) or ""
    if not body or _ACTIVE.search(body):
        return False
    code = _STRING.sub("''", body)  # an f-string leaves its prefix behind, a word no constant page has
    # only rendering words and names given a string literal: no parameter, lookup or call fills the page
    literal_names = {n for n in _ASSIGNED.findall(code) if re.search(rf"^\s*{n}\s*=\s*''\s*$", code, re.MULTILINE)}
    if any(word not in _RENDERING and word not in literal_names for word in _NAME.findall(code)):
        return False
    return not any(_active_template(project, name, set()) for name in _TEMPLATE_NAME.findall(body))


__all__ = ["JSON_TYPE", "builds_page", "inert_page", "rendered_templates", "serves_html", "without_bare_strings"]
