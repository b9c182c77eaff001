"""Output encoding: autoescape disabled (AS401) and raw template output (AS402), in Python and in templates."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.client_data import reads_request
from apishield.audit.rules.base import at, at_node, at_template, fix_text, imports, module_framework
from apishield.audit.rules.registry import ModuleContext, TemplateContext, rule
from apishield.audit.taint.catalogue import SANITISERS, switches_flask_autoescape_off
from apishield.audit.templates import raw_outputs
from apishield.findings import Confidence, Finding, Rule, Severity

ESCAPE_FIXES = {
    "flask": "Keep autoescape on: `Environment(autoescape=select_autoescape())`, templates named `.html`, "
    "no `|safe` / `Markup()` on data; sanitise rich text with `nh3.clean()` first if it must be HTML.",
    "bottle": "Use `{{x}}` (escaped), not `{{!x}}`; never `noescape=True`. If HTML must pass, sanitise it with "
    "`nh3.clean()` in the handler.",
    "cherrypy": "Render with Jinja2 `Environment(autoescape=select_autoescape())`; no `|safe` on user data.",
    "fastapi": "`Jinja2Templates` autoescapes `.html`; do not add `|safe` or `Markup()` to request data.",
}
AUTOESCAPE_OFF = Rule(
    id="AS401",
    title="Template autoescaping disabled",
    cwe=(79, 116, 1336),
    owasp="API8:2023",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    description="With autoescape off every variable is emitted as raw HTML (cross-site scripting).",
    fix=fix_text(ESCAPE_FIXES),
)
RAW_OUTPUT = Rule(
    id="AS402",
    title="Raw (unescaped) template output",
    cwe=(79, 80, 116),
    owasp="API8:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    description="Bottle `{{!x}}`, Jinja `|safe`, Mako `| n`, `Markup(x)` or `mark_safe(x)` on a non-literal.",
    fix=fix_text(ESCAPE_FIXES),
)
_HTML_EXT = (".html", ".htm", ".xml", ".xhtml", ".svg")


_HINT_CHECK_AUTOESCAPE = ("jinja", "autoescape", "noescape", "render_template")
_HINT_CHECK_MARKUP = ("markup", "mark_safe")
#: the gettext family (Babel, Django, Flask-Babel): a message looked up by a literal is the developers' own text
_GETTEXT = frozenset({"_", "_l", "gettext", "lazy_gettext", "gettext_lazy", "ngettext", "pgettext", "ugettext",
                      "ugettext_lazy", "ngettext_lazy", "pgettext_lazy"})


#: calls that build a link to the app's own routes or static files: given fixed text, they give fixed text
_OWN_LINKS = frozenset({"url_for", "static", "reverse", "reverse_lazy", "static_url"})


def _constant_text(node: ast.AST | None, tree: ast.AST, depth: int = 0) -> bool:
    """Text the program fixes: a literal, a translation of literal messages (``_("Saved")``; a placeholder filled
    from elsewhere, ``_("%(name)s", name=x)``, is not), a link to the app's own route or static file named by such
    text, fixed text put together from such parts (an f-string, ``+``, ``%``, a literal's ``.format``, a choice of
    two), or a name every assignment of which in ``tree`` (the function it is local to) is one of those and which
    is no parameter there nor bound any other way (a loop, ``+=``, ``with … as``)."""
    if node is None or depth > 6:
        return False
    if au.is_const(node):
        return True
    deeper = depth + 1
    if isinstance(node, ast.JoinedStr):
        return all(_constant_text(v.value, tree, deeper) for v in node.values if isinstance(v, ast.FormattedValue))
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        right = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
        return _constant_text(node.left, tree, deeper) and all(_constant_text(r, tree, deeper) for r in right)
    if isinstance(node, ast.IfExp):
        return _constant_text(node.body, tree, deeper) and _constant_text(node.orelse, tree, deeper)
    if isinstance(node, ast.Call):
        tail = au.last(au.dotted(node.func, strict=True))
        parts = [*node.args, *(kw.value for kw in node.keywords)]
        if tail in _GETTEXT:
            return bool(node.args) and all(au.is_const(a) for a in node.args) and all(
                kw.arg is not None and au.is_const(kw.value) for kw in node.keywords)
        if tail in _OWN_LINKS or (isinstance(node.func, ast.Attribute) and node.func.attr == "format"
                                  and au.is_const(node.func.value)):
            return all(_constant_text(p, tree, deeper) for p in parts)
        return False
    if isinstance(node, ast.Name):
        if _bound_otherwise(node.id, tree):
            return False
        values = au.assigned_values(node.id, tree)
        return bool(values) and all(_constant_text(v, tree, deeper) for v in values)
    return False


def _bound_otherwise(name: str, tree: ast.AST, augmented: bool = True) -> bool:
    """``name`` takes a value in ``tree`` other than by a plain assignment: a loop or comprehension variable, an
    augmented (unless ``augmented`` is false: the caller reads those itself) or annotated assignment, ``with … as``,
    an ``:=``, ``global``/``nonlocal``."""
    for node in au.walk(tree):
        targets: list[ast.AST] = []
        if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension, ast.AnnAssign, ast.NamedExpr)) or (
                augmented and isinstance(node, ast.AugAssign)):
            targets = [node.target]
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            targets = [node.optional_vars]
        elif isinstance(node, ast.Assign):  # unpacked (``name, rest = ...``): its value is not one expression
            targets = [t for t in node.targets if isinstance(t, (ast.Tuple, ast.List, ast.Starred))]
        elif isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            return True
        if any(isinstance(n, ast.Name) and n.id == name for t in targets for n in ast.walk(t)):
            return True
    return False


#: conversions whose result holds no markup character, whatever they are given
_NO_MARKUP = frozenset({"int", "float", "len", "abs", "round", "bool"})
#: string methods that keep escaped text escaped when their other arguments are literals
_KEEPS_ESCAPED = frozenset({"replace", "strip", "lstrip", "rstrip", "upper", "lower", "title", "capitalize"})


#: a value the operator configures: ``app.config.get('X')``, ``current_app.config['X']``, ``settings.X``
OPERATOR_VALUE = re.compile(r"""^(?:[\w.]*\.)?(?:config|settings|conf)(?:\.get\(\s*['"]\w+['"]|\[\s*['"]\w+['"]\s*\]|"""
                            r"""\.[A-Z][A-Z0-9_]*\b)""")
#: calls that render a template file, whose values the template engine escapes
_RENDERS_PAGE = frozenset({"render_template", "render_to_string"})
#: calls whose HTML output escapes what they are given: Pygments' highlighter, pandas' tables (unless told not to),
#: Babel's number formatting (digits and separators only)
_ESCAPING_LIBRARY_CALLS = frozenset({"highlight", "to_html", "format_decimal", "format_number", "format_percent",
                                     "format_currency"})


def _library_html(node: ast.Call, name: str) -> bool:
    """``pygments.highlight(code, lexer, HtmlFormatter())``, ``frame.to_html()``, ``babel.numbers.format_decimal(n)``:
    markup a library builds around the values it escapes itself (``to_html(escape=False)`` does not)."""
    tail = au.last(name) or (node.func.attr if isinstance(node.func, ast.Attribute) else "")
    if tail not in _ESCAPING_LIBRARY_CALLS or au.is_false(au.kwarg(node, "escape")):
        return False
    return tail != "highlight" or len(node.args) >= 3  # Pygments' three-argument form, not any ``highlight()``


#: calls that mark text as safe HTML without changing it
_MARKS_SAFE = frozenset({"mark_safe", "Markup"})


def _escaped_text(node: ast.AST, imp: au.Imports, names: dict[str, bool]) -> bool:
    """``node`` is text an HTML escape went through, put together only with literals: ``escape(x)``,
    ``str(escape(x)).replace("\\n", "<br>")``, ``f"<em>{escape(x)}</em>"``; ``names`` says which local names
    hold such text at this point."""
    if au.is_const(node):
        return True
    if isinstance(node, ast.Name):
        return names.get(node.id, False)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "__html__":
        return True  # ``x.__html__()``: the HTML an object declares it is (markupsafe's protocol), already safe
    if isinstance(node, ast.JoinedStr):
        return all(_escaped_text(v.value, imp, names) for v in node.values if isinstance(v, ast.FormattedValue))
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        right = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
        return _escaped_text(node.left, imp, names) and all(_escaped_text(r, imp, names) for r in right)
    if not isinstance(node, ast.Call):
        return False
    name = au.call_name(node, imp)
    if "html" in SANITISERS.get(name, ()) or name in _NO_MARKUP:
        return True
    if isinstance(node.func, ast.Attribute) and node.func.attr == "urlencode" and not node.args and not node.keywords:
        return True  # Django's ``QueryDict.urlencode()``: percent-encoded, like the URL encoders of SANITISERS
    if au.last(name) in _OWN_LINKS and not any(reads_request(a) for a in [*node.args, *node.keywords]):
        # a link to the app's own route or file, to a record or a fixed place: the builder percent-encodes <, > and "
        # (a link carrying what the request sent is still followed by the taint rules)
        return True
    if _constant_text(node, node):
        return True  # a translated literal message (``_("Set filters")``)
    if _library_html(node, name):
        return True
    if au.last(name) in _RENDERS_PAGE or (isinstance(node.func, ast.Attribute) and node.func.attr == "render"
                                          and isinstance(node.func.value, ast.Call)
                                          and au.last(au.dotted(node.func.value.func)) == "get_template"):
        return True  # a template file rendered under autoescape (its own raw output is judged in the template)
    if (name == "str" or au.last(name) in _MARKS_SAFE) and len(node.args) == 1:
        return _escaped_text(node.args[0], imp, names)  # marking escaped text safe leaves it what it was
    if isinstance(node.func, ast.Attribute) and node.func.attr in _KEEPS_ESCAPED | {"format"}:
        parts = [*node.args, *(k.value for k in node.keywords)]
        if node.func.attr == "format":  # a literal template filled with escaped values
            return au.is_const(node.func.value) and all(_escaped_text(p, imp, names) for p in parts)
        return _escaped_text(node.func.value, imp, names) and all(au.is_const(p) for p in parts)
    return False


def _escaped_before(call: ast.Call, value: ast.AST, fn: ast.AST | None, imp: au.Imports) -> bool:
    """``value`` (what ``call`` marks safe) holds escaped text there: computed in place from escaped parts, where a
    local name counts when its assignments, read in order in the straight-line body of ``fn`` before ``call``, each
    leave it escaped. A name also assigned in a branch or loop, or bound any other way, is not followed (the order
    of its values is not known)."""
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return not isinstance(value, ast.Name) and _escaped_text(value, imp, {})
    used = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
    top = [s for s in fn.body if s.lineno <= call.lineno]
    straight = {id(s) for s in top if isinstance(s, ast.Assign)}
    unknown = {name for name in used if _bound_otherwise(name, fn, augmented=False)}
    for aug in au.nodes_of(fn, ast.AugAssign):  # ``html += f"<b>{escape(x)}</b>"`` keeps escaped text escaped
        if isinstance(aug.target, ast.Name) and not (isinstance(aug.op, ast.Add)
                                                     and _escaped_text(aug.value, imp, {})):
            unknown.add(aug.target.id)
    for assign in au.nodes_of(fn, ast.Assign):
        if id(assign) not in straight:
            unknown |= {n.id for t in assign.targets for n in ast.walk(t) if isinstance(n, ast.Name)} & used
    names: dict[str, bool] = {}
    for stmt in top[:-1]:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            names[stmt.targets[0].id] = _escaped_text(stmt.value, imp, names)
    for name in unknown:  # assigned in branches: escaped whatever the order when every value it is given is
        values = [] if _bound_otherwise(name, fn) else au.assigned_values(name, fn)
        names[name] = bool(values) and all(_escaped_text(v, imp, {}) for v in values)
    return _escaped_text(value, imp, names)


def _option_in_mapping(tree: ast.AST, spread: list[ast.expr], key: str) -> tuple[bool, ast.expr | None]:
    """Whether the module builds a ``**options`` mapping in sight (``options = dict(…)``, ``{…}``, ``options["k"] =
    …``), and the value it gives ``key`` there (``None`` when it gives none)."""
    names = {n.id for n in spread if isinstance(n, ast.Name)}
    built, found = False, None
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Name) and target.id in names:
                value = node.value
                if isinstance(value, ast.Call) and au.last(au.dotted(value.func)) == "dict":
                    built, found = True, au.kwarg(value, key) or found
                elif isinstance(value, ast.Dict):
                    built, found = True, next((v for k, v in zip(value.keys, value.values, strict=True)
                                               if k is not None and au.str_const(k) == key), found)
            elif (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
                  and target.value.id in names and au.str_const(target.slice) == key):
                built, found = True, node.value
    return built, found


@rule(AUTOESCAPE_OFF)
def check_autoescape(ctx: ModuleContext) -> Iterator[Finding]:
    """AS401 — ``jinja2.Environment(autoescape=False)`` or without ``autoescape`` (Jinja's default is off),
    ``app.jinja_env.autoescape = False``, ``aiohttp_jinja2.setup(autoescape=False)``, Bottle
    ``noescape=True``, and Flask ``render_template`` of a file whose extension Flask does not autoescape."""
    if not au.mentions(ctx, _HINT_CHECK_AUTOESCAPE):  # cheap pre-filter: most files cannot match
        return
    imp = imports(ctx)
    fix = fix_text(ESCAPE_FIXES, module_framework(ctx))
    for node in au.nodes_of_any(ctx.tree, ast.Call, ast.Assign):
        if isinstance(node, ast.Call):
            name = au.call_name(node, imp)
            tail = au.last(name)
            auto = au.kwarg(node, "autoescape")
            if name in {"jinja2.Environment", "jinja2.Template", "jinja2.environment.Environment"} or (
                tail == "Environment" and "jinja" in name
            ):
                spread = [k.value for k in node.keywords if k.arg is None]
                if auto is None and spread:
                    built, auto = _option_in_mapping(ctx.tree, spread, "autoescape")
                    if not built:  # ``Environment(**options)`` of a mapping not written here: it may set it
                        yield at_node(AUTOESCAPE_OFF, ctx, node, f"{tail}(**options): autoescape is not seen (the "
                                      "options may set it)", severity=Severity.LOW, confidence=Confidence.LOW,
                                      fix=fix)
                        continue
                if auto is None and tail == "Environment":
                    yield at_node(
                        AUTOESCAPE_OFF,
                        ctx,
                        node,
                        "jinja2.Environment() without autoescape (off by default)",
                        severity=Severity.MEDIUM,
                        fix=fix,
                    )
                elif au.is_false(auto):
                    yield at_node(AUTOESCAPE_OFF, ctx, node, f"{tail}(autoescape=False)", fix=fix)
            elif tail == "setup" and "aiohttp_jinja2" in name and au.is_false(auto):
                yield at_node(AUTOESCAPE_OFF, ctx, node, "aiohttp_jinja2.setup(autoescape=False)", fix=fix)
            elif au.is_true(au.kwarg(node, "noescape")):
                yield at_node(AUTOESCAPE_OFF, ctx, node, f"{tail}(noescape=True) turns Bottle escaping off", fix=fix)
            elif name in {"flask.render_template"} and node.args:
                template = au.str_const(node.args[0])
                if template and "." in template and not template.lower().endswith(_HTML_EXT):
                    yield at_node(
                        AUTOESCAPE_OFF,
                        ctx,
                        node,
                        f"render_template('{template}'): Flask autoescapes only .html/.htm/.xml/.xhtml/.svg",
                        severity=Severity.LOW,
                        confidence=Confidence.LOW,
                        fix=fix,
                    )
        elif isinstance(node, ast.Assign) and switches_flask_autoescape_off(node):
            yield at_node(AUTOESCAPE_OFF, ctx, node, "Flask jinja_env.autoescape = False", fix=fix)


@rule(AUTOESCAPE_OFF, scope="template")
def check_autoescape_template(ctx: TemplateContext) -> Iterator[Finding]:
    """AS401 (templates) — ``{% autoescape false %}`` / ``{% autoescape off %}`` blocks; low in a mail body (a
    template named or filed as an e-mail, such as Django's ``registration/password_reset_email.html``, which is
    plain text): no browser runs it as a page of the site."""
    mail = _MAIL_TEMPLATE.search("/".join(ctx.path.replace("\\", "/").split("/")[-2:]))
    for hit in raw_outputs(ctx.source):
        if hit.kind == "autoescape-off":
            if mail:
                yield at_template(AUTOESCAPE_OFF, ctx, hit.line, "an e-mail template turns autoescaping off for a "
                                  "block (a mail body, not a page of the site)", severity=Severity.LOW)
                continue
            yield at_template(AUTOESCAPE_OFF, ctx, hit.line, "template turns autoescaping off for a block")


#: a template's own name or folder saying it is an e-mail (``password_reset_email.html``, ``emails/welcome.html``)
_MAIL_TEMPLATE = re.compile(r"(?:^|[/_.-])e-?mails?(?:[/_.-]|$)|(?:^|/)mails?/", re.IGNORECASE)


@rule(RAW_OUTPUT, scope="template")
def check_raw_template_output(ctx: TemplateContext) -> Iterator[Finding]:
    """AS402 (templates) — Bottle ``{{!expr}}``, Jinja/Django ``{{ expr|safe }}``, Mako ``${expr | n}`` on an
    expression that is not a literal nor the CSRF markup the form library generates (``csrf_token()``,
    ``form.hidden_tag()``)."""
    labels = {"bottle-raw": "{{!%s}}", "jinja-safe": "{{ %s|safe }}", "mako-raw": "${%s | n}"}
    for hit in raw_outputs(ctx.source):
        if hit.kind in labels and not hit.literal and not hit.form_markup and not hit.escaped:
            shown = labels[hit.kind] % hit.expr[:60]
            if hit.fixed_call:  # an icon or snippet a helper reads by a fixed name: listed, not reported
                yield at_template(RAW_OUTPUT, ctx, hit.line, f"{shown} emits what a helper returns for literal "
                                  "arguments without HTML escaping", severity=Severity.LOW)
                continue
            yield at_template(RAW_OUTPUT, ctx, hit.line, f"{shown} emits '{hit.expr[:60]}' without HTML escaping")


@rule(RAW_OUTPUT)
def check_markup(ctx: ModuleContext) -> Iterator[Finding]:
    """AS402 (Python) — ``Markup(x)`` / ``markupsafe.Markup(x)`` / Django ``mark_safe(x)`` where ``x`` is not text
    the program fixes (a literal or a translated literal message; high severity when it is an f-string or
    concatenation); and the raw output of a template file (``{{ x|safe }}``, ``{{!x}}``, ``${x | n}``) in template
    source given as a string literal (``render_template_string('... {{ name|safe }}')``, ``jinja2.Template(...)``,
    ``env.from_string(...)``, Bottle ``template('...')``)."""
    yield from _markup_calls(ctx)
    yield from _inline_templates(ctx)


def _markup_calls(ctx: ModuleContext) -> Iterator[Finding]:
    if not au.mentions(ctx, _HINT_CHECK_MARKUP):  # cheap pre-filter: most files cannot match
        return
    imp = imports(ctx)
    parents: dict[int, ast.AST] | None = None  # built once, at the first marking call
    for call in au.calls(ctx.tree):
        name = au.call_name(call, imp)
        if au.last(name) not in {"Markup", "mark_safe"} or not call.args:
            continue
        if au.last(name) == "Markup" and not ("markupsafe" in name or "flask" in name or "jinja2" in name):
            continue
        value = call.args[0]
        parents = parents if parents is not None else au.parent_map(ctx.tree)
        scope = au.enclosing_function(parents, call) or ctx.tree  # where its local names live
        if _constant_text(value, scope) or _escaped_before(call, value, scope, imp) or _made_plain(call, parents):
            continue
        if _configured(value, scope):
            yield at_node(RAW_OUTPUT, ctx, call, f"{au.last(name)}() marks the operator's configured HTML as safe",
                          severity=Severity.LOW)
            continue
        formatted = isinstance(value, (ast.JoinedStr, ast.BinOp)) or (
            isinstance(value, ast.Call) and au.last(au.dotted(value.func)) == "format"
        )
        yield at_node(
            RAW_OUTPUT,
            ctx,
            call,
            f"{au.last(name)}() marks a non-literal value as safe HTML",
            severity=Severity.HIGH if formatted else Severity.MEDIUM,
        )


def _configured(value: ast.AST, scope: ast.AST) -> bool:
    """``value`` is read from the operator's configuration (``app.config.get('NOTICE')``), itself or through a name
    every binding of which in ``scope`` (an assignment, an ``:=``) reads it: HTML the operator writes by design."""
    if isinstance(value, ast.Name):
        values = [n.value for n in au.walk(scope) if isinstance(n, (ast.Assign, ast.NamedExpr)) and any(
            isinstance(t, ast.Name) and t.id == value.id
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target]))]
        return bool(values) and all(_configured(v, scope) for v in values)
    return OPERATOR_VALUE.match(ast.unparse(value)) is not None


#: ``Markup`` methods whose result is plain text again (the tags removed, or the entities turned back to characters)
_TO_PLAIN_TEXT = frozenset({"striptags", "unescape"})


def _made_plain(call: ast.Call, parents: dict[int, ast.AST]) -> bool:
    """``Markup(x).striptags()``: the value is marked only to take its tags out; the result is text again, which any
    later output escapes."""
    parent = parents.get(id(call))
    return isinstance(parent, ast.Attribute) and parent.value is call and parent.attr in _TO_PLAIN_TEXT


#: calls whose first argument is template source (not a template file's name)
_INLINE_TEMPLATES = frozenset({"render_template_string", "Template", "SimpleTemplate", "template",
                               "from_string"})
_HINT_CHECK_INLINE = ("render_template_string", "Template", "template(", "from_string")


def _inline_templates(ctx: ModuleContext) -> Iterator[Finding]:
    if not au.mentions(ctx, _HINT_CHECK_INLINE):  # cheap pre-filter: most files cannot match
        return
    imp = imports(ctx)
    parents: dict[int, ast.AST] | None = None  # built only for a template source held in a name
    for call in au.calls(ctx.tree):
        if au.last(au.call_name(call, imp)) not in _INLINE_TEMPLATES or not call.args:
            continue
        source = call.args[0]
        if isinstance(source, ast.Name):
            parents = parents if parents is not None else au.parent_map(ctx.tree)
            source = _template_source(source, au.enclosing_function(parents, call) or ctx.tree, ctx.tree)
        if not (isinstance(source, ast.Constant) and isinstance(source.value, str) and "{" in source.value):
            continue
        for hit in raw_outputs(source.value):
            if hit.kind == "autoescape-off" or hit.literal or hit.form_markup or hit.fixed_call or hit.escaped:
                continue
            line = source.lineno + hit.line - 1
            yield at(RAW_OUTPUT, ctx.path, ctx.lines, line, f"inline template emits '{hit.expr[:60]}' without HTML "
                     "escaping")


def _template_source(node: ast.expr, scope: ast.AST, module: ast.Module) -> ast.expr:
    """The literal a name passed as template source holds: its only assignment in the function (``template =
    '''...'''`` then ``render_template_string(template, ...)``), else the module's; the node itself otherwise."""
    if not isinstance(node, ast.Name):
        return node
    for where in (scope, module):
        body = au.walk(where) if where is scope else module.body
        values = [a.value for a in body if isinstance(a, ast.Assign)
                  and any(isinstance(t, ast.Name) and t.id == node.id for t in a.targets)]
        if len(values) == 1:
            return values[0]
        if values:
            return node
    return node


__all__ = ["AUTOESCAPE_OFF", "RAW_OUTPUT"]
