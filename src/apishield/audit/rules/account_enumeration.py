"""AS206: a sign-in or a password-recovery step whose answer tells whether an account exists.

A sign-in that answers "User not found" to an unknown name and "Incorrect password" to a known one, or a "forgot
password" step that answers "No account with that e-mail" instead of the same "if it exists, we have sent a link",
lets anyone test names and addresses one by one and build the list of accounts that password guessing and phishing
then aim at (CWE-204, OWASP ASVS V2.2 and the authentication cheat sheet: answer every failure alike).

Read per function, in any framework (so Django views, which the route inventory does not list, count too), from the
messages the function itself writes — the literal texts of its answers, flashes, errors and exceptions:

* a **sign-in** (it reads a password) with a message that says the account is missing (``"User not found"``,
  ``"No account with that e-mail"``, ``"Unknown user"``), or one naming a wrong user name and another naming a
  wrong password;
* a **recovery step** (its name, its class or its route says forgot/reset/recover) that reads no reset token or
  code and has a message that says the account is missing.

A registration form that says a name is taken is listed at low: a sign-up must refuse a taken name, and hiding it
takes a confirmation-by-mail flow the rule cannot see. A message that covers both cases (``"Invalid username or
password"``, ``"If an account exists, a link was sent"``), a function that acts on the signed-in caller's own account
(``current_user``, ``request.user``: no name is being tested), log lines, texts mailed to the account's owner and test
code stay quiet.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.rules.base import at_node, is_test_code
from apishield.audit.rules.logged_secrets import LOG_METHODS, logging_call
from apishield.audit.rules.registry import ModuleContext, rule
from apishield.findings import Confidence, Finding, Rule, Severity

ACCOUNT_ENUMERATION = Rule(
    id="AS206",
    title="Answers tell whether an account exists",
    cwe=(204, 203),
    owasp="API2:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    description="A sign-in or password-recovery step that answers an unknown account differently from a known one "
    "lets anyone test names and e-mail addresses and list the accounts that password guessing then aims at.",
    fix="Answer every failure of a sign-in alike (`Invalid username or password`, same status, same timing) and "
    "answer a recovery request the same whether or not the account exists (`If an account with that address exists, "
    "we have sent a link`).",
)

_WHO = r"(?:user(?:\s*name)?|account|e-?mail(?:\s+address)?|login|member|customer)"
#: a message saying the account looked up is not there
_MISSING = re.compile(
    rf"(?i)\b{_WHO}\b[^.!?\n]{{0,40}}?\b(?:not\s+found|does\s*n[o']t\s+exists?|not\s+exists?|not\s+registered|"
    rf"is\s+not\s+(?:registered|known))\b"
    rf"|\b(?:unknown|unregistered|non-?existent)\s+{_WHO}\b|\bno\s+such\s+{_WHO}\b"
    rf"|\bno\s+{_WHO}s?\s+(?:(?:is|was)\s+)?(?:found|exists?|registered|with|by|for|matching|associated)\b"
    rf"|\bcould\s*n[o']t\s+find\s+(?:that\s+|the\s+|an?\s+)?{_WHO}")
#: a message naming a wrong user name (in a sign-in that also names a wrong password)
_WRONG_NAME = re.compile(rf"(?i)\b(?:incorrect|wrong|invalid|bad)\s+{_WHO}\b(?!\s*(?:or|and|/)\s)"
                         rf"|\b{_WHO}\s+(?:is\s+)?(?:incorrect|wrong|invalid)\b")
#: a message naming a wrong password alone
_WRONG_PASSWORD = re.compile(r"(?i)\b(?:incorrect|wrong|invalid|bad)\s+password\b|\bpassword\s+(?:is\s+)?"
                             r"(?:incorrect|wrong|invalid|does\s*n[o']t\s+match)\b")
#: a message covering both cases, or an answer that is the same either way
_BOTH = re.compile(r"(?i)\b(?:or|and|/)\s+(?:\w+\s+){0,2}(?:password|mismatch)|\bpassword\s+(?:or|and|/)\s|"
                   r"\bcredentials?\b|\bif\b[^.!?\n]*\b(?:exists?|registered|associated|matches|valid)\b")
#: a message saying the name or address is taken (registration)
_TAKEN = re.compile(rf"(?i)\b{_WHO}\b[^.!?\n]{{0,40}}?\b(?:already\s+(?:taken|exists?|registered|in\s+use|used)|"
                    rf"is\s+taken|exists\s+already)\b")
#: names that say what the function is for
_RECOVERY = re.compile(r"(?i)forgot|forgotten|reset|recover|lost_?pass")
_REGISTRATION = re.compile(r"(?i)regist|sign_?up|signup|join|create_?(?:user|account)|new_?(?:user|account)")
#: a recovery secret the step reads: the confirmation step, whose messages are about the token
_READS_SECRET = re.compile(r"(?i)\btoken\b|\b(?:reset|otp|verification|confirm\w*)_?code\b|\botp\b")
#: the function reads an account's name or address (a sign-in or recovery step is keyed by one, not by an id)
_ACCOUNT_NAME = re.compile(r"(?i)e-?mail|user_?name|\blogin\b|\bphone|\bhandle\b|\bidentifier\b")
#: a change to an existing account (keyed by the caller or an id), not a sign-in
_CHANGES = re.compile(r"(?i)change|update|edit|patch|set_?pass|modify")
#: the function acts on the signed-in caller's own account (a user key read from the session, not written to it)
_CALLERS_OWN = re.compile(r"session\[\s*'(?:user\w*|username|email|uid|login|account\w*)'\s*\]"
                          r"(?!(?:\[[^\]]*\])*\s*=(?!=))|"
                          r"session\.get\(\s*'(?:user\w*|username|email|uid|login|account\w*)'|beaker\.session|"
                          r"\bcurrent_user\b|\brequest\.auth\b|\brequest\.user\b|\bget_jwt_identity\b|\bg\.user\b|"
                          r"\bauth\.user\b")
_PASSWORD = re.compile(r"(?i)pass(?:word|wd)?|\bpwd\b|\bpin\b")
#: calls that check a password against the account's
_VERIFIES = re.compile(r"(?i)(?:^|\.)(?:\w*check_?password\w*|\w*verify\w*|checkpw|authenticate|compare_digest|"
                       r"check_password_hash)$")
#: calls whose text goes to the account's owner by mail or message, not to the caller (the confirmation-by-mail flow)
_MAIL_CALL = re.compile(r"(?i)(?:^|\.)(?:send_?(?:mail|email|message|sms|notification)\w*|\w*mail\w*|notify\w*)$")
_HINTS = ("not found", "exist", "no such", "unknown", "incorrect", "wrong", "invalid", "registered", "taken",
          "no account", "no user", "find")


def _own_nodes(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """The nodes of the function's own body: a function or class defined inside it is its own (a factory's routes)."""
    found: list[ast.AST] = []
    todo: list[ast.AST] = [*fn.args.defaults, *fn.args.kw_defaults, *fn.body]  # type: ignore[list-item]
    while todo:
        node = todo.pop()
        if node is None:
            continue
        found.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))
    return found


def _checks_password(nodes: list[ast.AST]) -> bool:
    """The function checks a password: a verifying call given one, or a comparison with one on a side."""
    for node in nodes:
        if isinstance(node, ast.Call) and _VERIFIES.search(au.dotted(node.func)):
            if any(_PASSWORD.search(ast.unparse(a)) for a in [*node.args, *(k.value for k in node.keywords)]):
                return True
        elif isinstance(node, ast.Compare) and isinstance(node.ops[0], (ast.Eq, ast.NotEq)) and any(
                _PASSWORD.search(ast.unparse(side)) and not isinstance(side, ast.Constant)
                for side in (node.left, *node.comparators)):
            return True
    return False


def _answers_both(fn: ast.FunctionDef | ast.AsyncFunctionDef, message: ast.AST) -> bool:
    """The message is the answer of a test that also checks the password (``if not user or not check(pw, …)``, the
    ``else`` of ``if user and check(pw, …)``): one answer for both cases, whatever its words say."""
    parents = au.parent_map(fn)
    node: ast.AST | None = parents.get(id(message))
    while node is not None and node is not fn:
        if isinstance(node, (ast.If, ast.IfExp)) and _checks_password(au.walk(node.test)):
            return True
        node = parents.get(id(node))
    return False


def _log_strings(fn: ast.AST) -> set[int]:
    """Ids of the string literals passed to a logger or ``print`` (what the operator reads) or to a mail or message
    sent to the account's owner (what the caller never sees)."""
    found: set[int] = set()
    for call in au.nodes_of(fn, ast.Call):
        name = au.dotted(call.func)
        # a logger's method, or a bare ``log(...)``/``warning(...)`` imported from a logging module, or ``print``
        if logging_call(call) or name in LOG_METHODS or name == "print" or _MAIL_CALL.search(name):
            found.update(id(n) for a in [*call.args, *(k.value for k in call.keywords)] for n in au.walk(a))
    return found


def _messages(fn: ast.FunctionDef | ast.AsyncFunctionDef, nodes: list[ast.AST]) -> list[tuple[ast.AST, str]]:
    """The one-line texts the function writes (its string literals, the constant parts of its f-strings), without
    its docstring, log lines, subscript keys and dictionary keys."""
    skip = _log_strings(fn)
    for node in nodes:
        if isinstance(node, ast.Subscript):
            skip.update(id(n) for n in au.walk(node.slice))
        elif isinstance(node, ast.Dict):
            skip.update(id(k) for k in node.keys if k is not None)
    doc = fn.body[0].value if fn.body and isinstance(fn.body[0], ast.Expr) else None
    found: list[tuple[ast.AST, str]] = []
    for node in nodes:
        if isinstance(node, ast.JoinedStr) and id(node) not in skip:
            text = "".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}"
                           for v in node.values)
            found.append((node, text))
            skip.update(id(v) for v in node.values)
        elif isinstance(node, ast.JoinedStr):
            skip.update(id(v) for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node is not doc \
                and id(node) not in skip and " " in node.value.strip():
            found.append((node, node.value))
    return [(node, text) for node, text in found if "\n" not in text.strip() and len(text) <= 160]


def _purpose(fn: ast.FunctionDef | ast.AsyncFunctionDef, cls: ast.ClassDef | None) -> str:
    """What names the function's job: its name, its class's name and the strings of its decorators (a route)."""
    words = [fn.name, cls.name if cls else ""]
    words += [s for dec in fn.decorator_list for s in au.strings_in(dec)]
    return " ".join(words)


def _enumerates(fn: ast.FunctionDef | ast.AsyncFunctionDef, cls: ast.ClassDef | None
                ) -> tuple[tuple[ast.AST, str], str, Severity] | None:
    """The message that gives the account away, what the function does, and how bad it is; ``None`` if nothing."""
    nodes = _own_nodes(fn)
    messages = [(node, text) for node, text in _messages(fn, nodes) if not _BOTH.search(text)]
    if not any(_MISSING.search(t) or _WRONG_NAME.search(t) or _TAKEN.search(t) for _, t in messages):
        return None
    messages = [(node, text) for node, text in messages if not (
        (_MISSING.search(text) or _WRONG_NAME.search(text)) and _answers_both(fn, node))]
    source = "\n".join(ast.unparse(n) for n in fn.body)
    if _CALLERS_OWN.search(ast.unparse(fn.args) + "\n" + source):
        return None
    purpose = _purpose(fn, cls)
    if not _ACCOUNT_NAME.search(source):
        return None
    missing = next(((n, t) for n, t in messages if _MISSING.search(t)), None)
    signs_in = _checks_password(nodes) and not (_REGISTRATION.search(purpose) or _RECOVERY.search(purpose)
                                                 or _CHANGES.search(purpose))
    if signs_in:
        if missing:
            return missing, "a sign-in answers an unknown account with its own message", Severity.MEDIUM
        wrong_name = next(((n, t) for n, t in messages if _WRONG_NAME.search(t)), None)
        if wrong_name and any(_WRONG_PASSWORD.search(t) for _, t in messages):
            return wrong_name, "a sign-in names which of user name and password was wrong", Severity.MEDIUM
        return None
    if _RECOVERY.search(purpose) and missing and not _READS_SECRET.search(source):
        return missing, "a password-recovery step answers an unknown account with its own message", \
            Severity.MEDIUM
    if _REGISTRATION.search(purpose):
        taken = next(((n, t) for n, t in messages if _TAKEN.search(t)), None)
        if taken:
            return taken, "a registration says whether a name or address is already taken", Severity.LOW
    return None


@rule(ACCOUNT_ENUMERATION)
def check_account_enumeration(ctx: ModuleContext) -> Iterator[Finding]:
    """AS206 — sign-ins and recovery steps whose messages differ for unknown accounts (medium); registrations that
    say a name is taken (low)."""
    if is_test_code(ctx.path) or not au.mentions(ctx, _HINTS):
        return
    classes = {id(f): c for c in au.nodes_of(ctx.tree, ast.ClassDef) for f in c.body
               if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
    reported: set[int] = set()
    for fn in au.functions(ctx.tree):
        found = _enumerates(fn, classes.get(id(fn)))
        if found and id(found[0][0]) not in reported:
            (node, text), what, severity = found
            reported.add(id(node))
            yield at_node(ACCOUNT_ENUMERATION, ctx, node, f"{fn.name}(): {what} ({text.strip()[:60]!r})",
                          severity=severity)


__all__ = ["ACCOUNT_ENUMERATION", "check_account_enumeration"]
