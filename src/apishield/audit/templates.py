"""Template scanning: where a template turns escaping off.

Recognised: Bottle SimpleTemplate ``{{!expr}}``, Jinja ``|safe`` and ``{% autoescape false %}``, Mako
``${x | n}``, Django ``{% autoescape off %}`` / ``|safe``. Each hit carries the line and the expression, so
a rule can decide how bad it is (a literal is harmless; a variable is not).
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass

from apishield.audit import astutil as au

_BOTTLE_RAW = re.compile(r"\{\{!\s*(.+?)\s*\}\}")
_JINJA_EXPR = re.compile(r"\{\{(.+?)\}\}", re.DOTALL)
_SAFE_FILTER = re.compile(r"\|\s*safe\b")
_AUTOESCAPE_OFF = re.compile(r"\{%-?\s*autoescape\s+(false|off|False)\s*-?%\}")
_MAKO_RAW = re.compile(r"\$\{([^}]*?)\|\s*n\s*\}")
_LITERAL = re.compile(r"""^\s*(['"]).*\1\s*$|^\s*\d+\s*$""")
# Markup the CSRF protection builds itself: Flask-WTF/Django's random token, WTForms' hidden-field HTML (its values
# escaped by WTForms). No caller chooses any of it.
_CSRF_MARKUP = re.compile(r"^\s*(?:csrf_token\s*\(\s*\)|csrf_input|(?:\w+\.)*(?:hidden_tag\s*\(\s*\)|csrf_token))\s*$")
#: a template's own read of the request (Flask's ``request.args.get``, Django's ``request.GET.get``, Starlette's
#: ``request.query_params.get``)
_REQUEST_READ = re.compile(r"^request\.(?:args|form|values|cookies|headers|json|GET|POST|COOKIES|META|query_params|"
                           r"query|path_params)\.(?:get|getlist|get_all)$")
#: a WTForms field rendered by calling it (``form.name(class_="x")``, a macro's ``field(...)``): its widget escapes
#: the field's data and attributes and returns markup, so ``|safe`` on it adds nothing
_FORM_WIDGET = re.compile(r"^\s*(?:(?:\w+\.)*form\.\w+|field|subfield)\s*\(")


#: what a form template calls a form's field (``field``, ``form.title``, ``form.fields.title``, ``bound_field``)
_FORM_FIELD = re.compile(r"^(?:\w*field|(?:\w+\.)*form\.(?:fields\.)?\w+)$")


@dataclass(frozen=True, slots=True)
class RawOutput:
    line: int
    kind: str  # bottle-raw | jinja-safe | autoescape-off | mako-raw
    expr: str

    @property
    def literal(self) -> bool:
        return bool(_LITERAL.match(self.expr))

    @property
    def fixed_call(self) -> bool:
        """A helper called with literal arguments only (``static_include("icons/add.svg")``, ``icon('trash')``): no
        request value can reach what it returns, though what it reads (a file, a setting) is not seen here. A read
        of the request itself by a literal name (``request.args.get('q')``) is the request's value, not a helper's."""
        node = _expression(self.expr)
        return (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)) and all(
            isinstance(a, ast.Constant) for a in [*node.args, *(k.value for k in node.keywords)]) and not (
            _REQUEST_READ.match(au.dotted(node.func)))) or _translated_literal(node)

    @property
    def form_markup(self) -> bool:
        """The expression is markup the form library generates: the CSRF token or hidden fields, or a field
        rendered by its widget."""
        return bool(_CSRF_MARKUP.match(self.expr) or _FORM_WIDGET.match(self.expr))


    @property
    def escaped(self) -> bool:
        """What ``|safe`` receives was escaped or carries no markup: its last filter escapes (``x|e``,
        ``x|escape``, ``x|tojson``) or yields a number (``x|int``, ``x|length``), a literal is filled only with
        such values (``"<a href='{l}'>".format(l=url|escape)``), it is a form field's help text or label, which
        the developers write in the form class (Django itself renders help text unescaped), or the attributes a
        form library flattened into markup (``flat_attrs``: ``flatatt()`` escapes every value)."""
        node = _expression(self.expr) if self.kind == "jinja-safe" else None
        if node is None:
            return False
        if isinstance(node, ast.Attribute) and (node.attr in {"help_text", "flat_attrs"} or (
                node.attr == "label" and _FORM_FIELD.match(au.dotted(node.value)))):
            return True
        if isinstance(node, ast.Name) and node.id == "flat_attrs":
            return True
        return _escaped(node)


#: the gettext functions templates call to translate the developers' own text
_GETTEXT = frozenset({"_", "gettext", "ngettext", "pgettext", "npgettext", "lazy_gettext", "gettext_lazy"})


def _literal_value(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _translated_literal(node: ast.AST | None) -> bool:
    """The developers' own text, translated: ``_("Chat with us: {url|Matrix}")``, then filters given only literal
    arguments (``|expand({'url': 'https://…'})``); a value from elsewhere in any argument is not."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):  # Jinja's filter bar, read as Python
        right = node.right
        return _translated_literal(node.left) and (isinstance(right, ast.Name) or (
            isinstance(right, ast.Call) and all(_literal_value(a) for a in [*right.args,
                                                                           *(k.value for k in right.keywords)])))
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _GETTEXT
            and bool(node.args) and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
            and all(_literal_value(a) for a in [*node.args[1:], *(k.value for k in node.keywords)]))


@functools.lru_cache(maxsize=1024)
def _expression(text: str) -> ast.expr | None:
    """A raw output's expression read as Python (Jinja's filter bar as ``|``), parsed once for every question
    asked of it; ``None`` when it is not Python (a Django filter argument ``x|default:"-"``)."""
    try:
        return ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return None


def _escaped(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):  # Jinja's filter bar, read as Python
        last = node.right.func if isinstance(node.right, ast.Call) else node.right
        return isinstance(last, ast.Name) and last.id in _ESCAPING_FILTERS
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return isinstance(node.func.value, ast.Constant) and all(
            _escaped(a) for a in [*node.args, *(k.value for k in node.keywords)])
    return False


#: Jinja and Django filters whose output holds no unescaped markup
_ESCAPING_FILTERS = frozenset({"e", "escape", "forceescape", "force_escape", "tojson", "json_script", "urlencode",
                               "int", "float", "length", "count", "wordcount", "filesizeformat"})


def _line_of(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


def _filtered_operand(text: str) -> str:
    """The operand a filter at the end of ``text`` applies to: ``text`` itself, or, when the filter sits inside a
    call's arguments or brackets (``{{ macro(a, "<b>{}</b>".format(x|e)|safe) }}``), only the argument it ends."""
    start, stack, quote = 0, [], ""
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote and text[i - 1] != "\\" else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            stack.append(start)
            start = i + 1
        elif ch in ")]}" and stack:
            start = stack.pop()
        elif ch == ",":
            start = i + 1
    return text[start:].strip()


def _unquoted(text: str) -> str:
    """``text`` with its string literals blanked out (an unclosed one to the end): a ``|safe`` written inside quotes
    (``{{ "{{ q|safe }}" }}``, a page showing template code) is text, not a filter."""
    out, quote = [], ""
    for i, ch in enumerate(text):
        if quote:
            out.append(" ")
            quote = "" if ch == quote and text[i - 1] != "\\" else quote
        elif ch in "'\"":
            quote = ch
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


#: the template engine's own comments (Django's ``{% comment %}…{% endcomment %}``, ``{# … #}`` of Django and Jinja):
#: never rendered; an HTML ``<!-- … -->`` is rendered, and what it holds can close it, so it stays
_TEMPLATE_COMMENT = re.compile(r"\{%-?\s*comment\b.*?%\}.*?\{%-?\s*endcomment\s*-?%\}|\{#.*?#\}", re.DOTALL)


def _without_comments(source: str) -> str:
    """``source`` with its template comments blanked, their lines kept (findings keep their line numbers)."""
    return _TEMPLATE_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), source)


def raw_outputs(source: str) -> list[RawOutput]:
    """Every place in ``source`` that emits unescaped output (template comments, which never render, skipped)."""
    source = _without_comments(source)
    found: list[RawOutput] = []
    for m in _BOTTLE_RAW.finditer(source):
        found.append(RawOutput(_line_of(source, m.start()), "bottle-raw", m.group(1)))
    for m in _JINJA_EXPR.finditer(source):
        body = m.group(1)
        if body.startswith("!"):
            continue
        safe = _SAFE_FILTER.search(_unquoted(body))
        if safe:
            found.append(RawOutput(_line_of(source, m.start()), "jinja-safe", _filtered_operand(body[: safe.start()])))
    for m in _AUTOESCAPE_OFF.finditer(source):
        found.append(RawOutput(_line_of(source, m.start()), "autoescape-off", m.group(0)))
    for m in _MAKO_RAW.finditer(source):
        found.append(RawOutput(_line_of(source, m.start()), "mako-raw", m.group(1).strip()))
    return sorted(found, key=lambda r: r.line)


__all__ = ["RawOutput", "raw_outputs"]
