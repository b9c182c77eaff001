"""Project-wide facts about a template's raw output (AS402), applied by :mod:`apishield.audit.refine`: what fills
the variable or attribute a template emits unescaped, read across the project's modules."""

from __future__ import annotations

import re
from dataclasses import replace

from apishield.audit.rules.output import OPERATOR_VALUE
from apishield.audit.rules.registry import ProjectContext
from apishield.findings import Finding, Severity

#: the expression a template raw-output finding names (``{{ post.body_html|safe }} emits 'post.body_html' …``)
_RAW_EXPR = re.compile(r"emits '([\w.]+)' without HTML escaping")
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


#: a pandas table rendered as HTML (its cells escaped unless ``escape=False``)
_TABLE_HTML = re.compile(r"\.to_html\(")


def lower_configured_markup(out: list[Finding], project: ProjectContext) -> list[Finding]:
    """A template's raw output of a variable (``{{ notice|safe }}``) that every render in the project fills from
    the operator's configuration (``render_template('x.html', notice=app.config.get('NOTICE'))``): HTML the
    operator writes for the page by design, lowered. One render passing anything else keeps it."""
    lowered = []
    for f in out:
        match = _RAW_EXPR.search(f.message) if f.rule_id == "AS402" and f.severity > Severity.LOW else None
        name = match.group(1) if match and "." not in match.group(1) else ""
        if name:
            given = re.compile(rf"""(?:\b{re.escape(name)}\s*=(?!=)|['"]{re.escape(name)}['"]\s*:)\s*([^,)\n]+)""")
            values = [m.group(1).strip() for mod in project.modules if name in mod.source
                      for m in given.finditer(mod.source)]
            if values and all(OPERATOR_VALUE.match(v) or (_TABLE_HTML.search(v) and "escape=False" not in v)
                              for v in values):
                f = replace(f, severity=Severity.LOW,
                            message=f"{f.message} (every render fills it from the operator's configuration or a "
                                    "library's escaped table)")
        lowered.append(f)
    return lowered


__all__ = ["lower_configured_markup", "lower_sanitised_fields"]
