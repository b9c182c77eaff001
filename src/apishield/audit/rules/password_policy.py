"""AS610: the password policy a Django project configures for its users is weaker than NIST SP 800-63B asks (the same
rule's check of code that accepts passwords is :mod:`.password_choice`).

``AUTH_PASSWORD_VALIDATORS`` is where Django projects state it. The guideline asks for at least eight characters
and a check against commonly used or breached passwords; Django ships both (``MinimumLengthValidator``, eight by
default, and ``CommonPasswordValidator``) in the settings every new project starts from. A list that drops the
common-password check, sets a minimum under eight, or is empty lets users pick ``password1`` or ``abc``. Settings
written for the test run are skipped (a relaxed policy there is how test suites stay fast). A project whose settings
use Django's accounts (``django.contrib.auth``) and set no ``AUTH_PASSWORD_VALIDATORS`` anywhere gets Django's
default, an empty list: no password is refused at all.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.rules._django_settings import settings
from apishield.audit.rules.base import at, at_node
from apishield.audit.rules.registry import ModuleContext, ProjectContext, rule
from apishield.findings import Confidence, Finding, Rule, Severity

WEAK_POLICY = Rule(
    id="AS610",
    title="Weak password policy",
    cwe=(521,),
    owasp="API2:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    description="Users who may choose short or common passwords choose them, and those fall to the first guesses "
    "of any credential-stuffing or spraying attack.",
    fix="Check a new password where it is accepted: 8 characters or more and not a common one. Django: keep "
    "`MinimumLengthValidator` (8 or more) and `CommonPasswordValidator`, and call `validate_password()` wherever a "
    "view or serializer sets a password outside Django's forms; elsewhere constrain the schema field "
    "(`Field(min_length=8)`) and check it with `apishield.PasswordPolicy`.",
)

_MIN_LENGTH = 8


def _weaknesses(value: ast.expr) -> list[str]:
    """What the validator list lacks, in words (empty when the policy meets the guideline)."""
    if not isinstance(value, (ast.List, ast.Tuple)):
        return []  # built elsewhere (a function, the environment): not read here
    names: dict[str, ast.expr] = {}
    for item in value.elts:
        if isinstance(item, ast.Dict):
            entry = dict(zip((au.str_const(k) if k is not None else None for k in item.keys), item.values,
                             strict=False))
            name = _validator_name(entry["NAME"]) if "NAME" in entry else None
            if name:
                names[name.rsplit(".", 1)[-1]] = entry.get("OPTIONS") or ast.Dict(keys=[], values=[])
    if not value.elts:
        return ["no validator at all"]
    missing = []
    if "CommonPasswordValidator" not in names:
        missing.append("no check against common passwords")
    length = names.get("MinimumLengthValidator")
    options = au.const(length, {}) if length is not None else None
    minimum = options.get("min_length", _MIN_LENGTH) if isinstance(options, dict) else _MIN_LENGTH
    if length is None:
        missing.append("no minimum length")
    elif isinstance(minimum, int) and minimum < _MIN_LENGTH:
        missing.append(f"a minimum of {minimum} characters")
    return missing


def _validator_name(node: ast.expr) -> str | None:
    """A validator's dotted name, or its tail when a prefix is held elsewhere (``PREFIX + ".MinimumLengthValidator"``,
    ``f"{PREFIX}.CommonPasswordValidator"``): the class is what the policy is read from."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        node = node.right
    elif isinstance(node, ast.JoinedStr) and node.values:
        node = node.values[-1]
    return au.str_const(node)


@rule(WEAK_POLICY)
def check_password_policy(ctx: ModuleContext) -> Iterator[Finding]:
    """AS610 — a Django settings module whose ``AUTH_PASSWORD_VALIDATORS`` is empty, lacks
    ``CommonPasswordValidator`` or ``MinimumLengthValidator``, or sets ``min_length`` under 8 (NIST SP 800-63B);
    test settings are skipped."""
    _settings_facts(ctx)
    if "AUTH_PASSWORD_VALIDATORS" not in ctx.source:
        return
    node = settings(ctx.tree, ctx.path, conditional=True).get("AUTH_PASSWORD_VALIDATORS")
    if node is None:
        return
    missing = _weaknesses(node.value)
    if missing:
        yield at_node(WEAK_POLICY, ctx, node, "AUTH_PASSWORD_VALIDATORS is weaker than NIST SP 800-63B: "
                      + ", ".join(missing))


def _settings_facts(ctx: ModuleContext) -> None:
    """What the project check needs, left in ``ctx.facts`` (modules of large projects come back from worker
    processes with facts and lines only): whether the module sets ``AUTH_PASSWORD_VALIDATORS`` at top level (a
    settings package may keep it in a module of its own), and the line of an ``INSTALLED_APPS`` that installs
    ``django.contrib.auth``."""
    if "AUTH_PASSWORD_VALIDATORS" in ctx.source:
        conditional = settings(ctx.tree, ctx.path, conditional=True)
        ctx.facts["sets_password_validators"] = "AUTH_PASSWORD_VALIDATORS" in conditional or any(
            isinstance(t, ast.Name) and t.id == "AUTH_PASSWORD_VALIDATORS" for stmt in ctx.tree.body
            if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign))
            for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]))
    if "django.contrib.auth" in ctx.source:
        installed = settings(ctx.tree, ctx.path).get("INSTALLED_APPS")
        if installed is not None and "django.contrib.auth" in set(au.strings_in(installed.value)):
            ctx.facts["installs_django_auth"] = installed.lineno


@rule(WEAK_POLICY, scope="project")
def check_password_policy_unset(project: ProjectContext) -> Iterator[Finding]:
    """AS610 — no module of the project sets ``AUTH_PASSWORD_VALIDATORS`` while a settings module installs
    ``django.contrib.auth``: Django's default is no validator. Reported once, where the settings mention the name
    (a comment, or the block disabled in a string), else at ``INSTALLED_APPS``."""
    if any(m.facts.get("sets_password_validators") for m in project.modules):
        return
    for ctx in sorted(project.modules, key=lambda m: m.path):
        installed = ctx.facts.get("installs_django_auth")
        if installed is None:
            continue
        line = next((n for n, text in enumerate(ctx.lines, 1) if "AUTH_PASSWORD_VALIDATORS" in text), installed)
        yield at(WEAK_POLICY, ctx.path, ctx.lines, line, "no AUTH_PASSWORD_VALIDATORS in the project's settings: "
                 "Django's default is an empty list, so no password is refused (NIST SP 800-63B asks for 8 or more "
                 "characters and a check against common passwords)")
        return


__all__ = ["WEAK_POLICY", "check_password_policy", "check_password_policy_unset"]
