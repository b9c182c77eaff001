"""Disclosure in answers, read from every exchange the probe recorded (no requests of its own):

* **errors** — tracebacks and stack frames of Python, Java, .NET, Node, Ruby, Go and PHP; debugger pages;
  exception names in JSON answers (``"KeyError: 'x'"``); the system's file errors naming a server path
  (``ENOENT: no such file or directory, open '/srv/app/x'``); SQL statements or database errors in an error answer;
  an unhandled ``500`` (reported with the exchange that caused it, as Schemathesis does);
* **version banners** — ``Server`` / ``X-Powered-By`` (and ``X-AspNet-Version``, ``X-Generator``) values that
  name a software version, read from every answer (a banner set on one route only is found too), once per
  distinct banner;
* **weak Content-Security-Policy** — a policy whose script sources (``script-src``, else ``default-src``) allow
  ``'unsafe-inline'`` (without a nonce or hash, which would disable it), ``'unsafe-eval'``, ``*`` or any
  ``http:``/``https:`` host, once per distinct policy;
* **sensitive data** — a password the probe logged in with, returned as a value anywhere in an answer (a
  request that sent it excepted); fields named like secrets (``password``, ``pwhash``, ``password_hash``,
  ``api_key`` …); values shaped like password hashes (bcrypt, argon2, PBKDF2, crypt ``$1$/$5$/$6$``, scrypt)
  whatever the field is called; payment card numbers (Luhn-valid, a known issuer prefix, and a card-like field
  name or grouping); private keys and cloud access key ids. In an HTML or plain-text answer the same is read from
  its labelled values: a line of visible text that ends in ``Password: admin123`` or ``Credit Card: 4111 1111 1111
  1111`` (the label at the line's start or after a separator, one value ending the line, not a value the request
  sent) is read as that field. Documentation is nobody's data: a page's code samples (``<pre>``, ``<code>``) and
  the values under a JSON key that names examples or payloads (``examples``, ``testPayloads``) are left out
  (an identity's own password still counts there).
"""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import parse_qs, unquote, unquote_plus

from apishield.findings import Severity
from apishield.probe import rules
from apishield.probe.account_ops import creates_account
from apishield.probe.checks._util import (
    BUSY_DATABASE,
    recorded_passwords,
    secret_named,
    sensitive_fields,
    string_leaves,
    visible_lines,
    walk_keys,
    without_shell_errors,
)
from apishield.probe.checks.failing_operations import constant_failures, missing_input
from apishield.probe.checks.ssrf import names_a_url
from apishield.probe.client import ANONYMOUS, Exchange
from apishield.probe.engine import Context, check
from apishield.web.headers import csp_directives

STACK = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+|"
    r"at [a-zA-Z0-9_.$]+\([A-Za-z0-9_]+\.java:\d+\)|System\.[A-Za-z.]+Exception:|"
    r"Fatal error: .* on line \d+|<b>Warning</b>:.*on line|Stack trace:\s*(\\n|\n)#0 |"
    r"at [\w.$<>]{1,200} \((?:/|[A-Z]:\\\\?|file:|node:)[^)\s]{1,300}:\d+:\d+\)|"  # Node
    r"(?<![\w/.-])[\w/.-]{1,200}\.rb:\d+:in `|goroutine \d+ \[running\]|panic: runtime error|"  # Ruby, Go
    r"   at [\w.<>`]{1,200}\([^\n]{0,300}\) in [^\n]{1,300}:line \d+"  # .NET
)
#: the debug pages themselves, by their structure (Werkzeug's page title ends "// Werkzeug Debugger" and loads
#: ``?__debugger__=yes``); a product's name in a page's small print (a custom 404 that says "Werkzeug Debugger") is
#: version disclosure at most, not a debugger
DEBUG = re.compile(r"// Werkzeug Debugger</title>|__debugger__|"
                   r"console is locked and needs to be unlocked by entering the PIN|"
                   r"You're seeing this error because you have <code>DEBUG = True|Django Version:|"
                   r"Whoops! There was an error|cherrypy\._cperror|Bottle v[\d.]+ server error")
EXCEPTION = re.compile(
    r"\b(KeyError|ValueError|TypeError|AttributeError|IndexError|NameError|ZeroDivisionError|UnboundLocalError|"
    r"IntegrityError|OperationalError|ProgrammingError|DataError|NullPointerException|IllegalArgumentException|"
    r"IllegalStateException|ArgumentException|InvalidOperationException|NoMethodError|ReferenceError|"
    r"ArgumentError|ActiveRecord::\w+)\b(: |\()"
)
#: a runtime's own exception message without its class name (JavaScript's ``Cannot read properties of undefined
#: (reading 'x')``, a JSON parser's ``... in JSON at position 19``, Python's ``division by zero`` or ``'NoneType'
#: object is not subscriptable``) or a serialized error object (body-parser's ``"type": "entity.parse.failed"``):
#: read in 5xx answers only, where no handler chose the words
RUNTIME_MESSAGE = re.compile(
    r"Cannot (?:read|set) propert(?:y|ies) of (?:undefined|null)|Cannot destructure property|"
    r"\b[\w.$\[\]'\"]{1,80} is not a function\b|\b\w{1,80} is not defined\b|in JSON at position \d+|"
    r"Unexpected end of JSON input|Unexpected token .{1,6} in JSON|\bentity\.parse\.failed\b|"
    r"Expecting (?:value|property name enclosed in double quotes|',' delimiter): line \d+ column \d+|"
    r"\b(?:integer |float )?division(?: or modulo)? by zero\b|\b(?:list|tuple|string) index out of range\b|"
    r"'\w{1,60}' object (?:has no attribute '\w{1,80}'|is not (?:subscriptable|callable|iterable))|"
    r"unsupported operand type\(s\) for|invalid literal for int\(\) with base \d+|"
    r"(?:not enough|too many) values to unpack|can only concatenate str|maximum recursion depth exceeded|"
    r"\[Errno \d+\] [A-Z][\w ]{3,60}: '"
)
#: the operating system's error for a file, with the server's own path in it: Node's ``ENOENT: no such file or
#: directory, open '/srv/app/uploads/x'``, Python's ``[Errno 2] No such file or directory: '/srv/app/x'`` — read in
#: any error answer: a handler that passes the error on (``res.status(404).json({error: err.message})``) still shows
#: where the application lives on disk
SYSTEM_ERROR = re.compile(r"\b(?:ENOENT|EACCES|EISDIR|ENOTDIR|EPERM|EEXIST|ENOTEMPTY|ELOOP): [a-z ,]{3,60}, "
                          r"\w{2,12} '(?:/|[A-Za-z]:\\)|\[Errno \d+\] [A-Z][\w ]{3,60}: '(?:/|[A-Za-z]:\\)")
SQL_TEXT = re.compile(r"(?i)\b(SELECT\s[^\"\n]{1,200}?\sFROM\s+[\w\"`\[]+|INSERT\s+INTO\s+[\w\"`\[]+|"
                      r"UPDATE\s+[\w\"`\[]+\s+SET\s|DELETE\s+FROM\s+[\w\"`\[]+)")
SQL_ERROR = re.compile(
    r"(?i)(sqlite3?\.|unrecognized token|near \"[^\"]*\": syntax error|SQL syntax|unterminated quoted string|"
    r"syntax error at or near|psycopg|PG::|SQLSTATE|ORA-\d{5}|MySQLSyntaxErrorException|SQLException|"
    r"unclosed quotation mark|no such (table|column)|ER_PARSE_ERROR|SequelizeDatabaseError|"
    # a value the database could not store: sqlite3's OverflowError, PostgreSQL's and MySQL's range errors
    r"too large to convert to SQLite INTEGER|integer out of range|Out of range value for column)")
HASH_SHAPES = (
    ("bcrypt", re.compile(r"^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$")),
    ("argon2", re.compile(r"^\$argon2(id|i|d)\$")),
    ("PBKDF2", re.compile(r"^(pbkdf2[_:$-]sha\d+|\$pbkdf2(-sha\d+)?)[$:]\d+[$:]")),
    ("scrypt", re.compile(r"^(\$scrypt\$|scrypt:\d+)")),
    ("crypt", re.compile(r"^\$(1|5|6|y|7)\$[./A-Za-z0-9$=]{8,}$")),
    ("werkzeug", re.compile(r"^(pbkdf2|scrypt):[\w:]+\$[\w./]+\$[0-9a-f]{32,}$")),
)
HEX_DIGEST = re.compile(r"^[0-9a-fA-F]{32}$|^[0-9a-fA-F]{40}$|^[0-9a-fA-F]{64}$|^[0-9a-fA-F]{128}$")
HASHY_KEY = re.compile(r"(?i)(pass|pwd|pw_?hash|hash|digest|secret)")
CARD_KEY = re.compile(r"(?i)(card|^cc|_cc|ccnum|pan$|credit|cardnumber)")
CARD_GROUPED = re.compile(r"^\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}$")
CARD_IIN = re.compile(r"^(4|5[1-5]|2[2-7]|3[47]|6011|65|35)")
PRIVATE = re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----|"
                     r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _card_shaped(digits: str) -> bool:
    """13–19 digits, a known issuer prefix, Luhn-valid: the shape of a payment card number."""
    return digits.isdigit() and 13 <= len(digits) <= 19 and bool(CARD_IIN.match(digits)) and luhn(digits)


def card_number(key: str, value: Any) -> str | None:
    """A payment card number: 13–19 digits, Luhn-valid, a known issuer prefix, and a card-like field name or
    the usual grouping (``4111 1111 1111 1111``)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip()
    digits = re.sub(r"[ -]", "", text)
    if not _card_shaped(digits):
        return None
    if CARD_KEY.search(key) or CARD_GROUPED.match(text):
        return digits
    return None


def card_fields(data: Any) -> set[str]:
    """Fields whose every value, two distinct ones at least, is a card-shaped number (13–19 digits written as text,
    Luhn-valid, a known issuer prefix), whatever the field is called (``"description": "4111111111111111"`` in each
    record): one identifier in ten passes Luhn by chance, two distinct ones in a hundred, and a record's numeric id
    is rarely text."""
    values: dict[str, set[str]] = {}
    for key, value in walk_keys(data):
        if isinstance(value, str):
            values.setdefault(key, set()).add(value.strip())
    return {key for key, seen in values.items() if len(seen) >= 2 and all(_card_shaped(s) for s in seen)}


def hash_shape(key: str, value: Any) -> str | None:
    """The kind of password hash ``value`` looks like (a hex digest only under a password/hash-like name)."""
    if not isinstance(value, str) or len(value) < 20:
        return None
    for name, pattern in HASH_SHAPES:
        if pattern.match(value):
            return name
    if HEX_DIGEST.match(value) and HASHY_KEY.search(key) and not key.lower().endswith(("etag", "checksum")):
        return f"hex digest ({len(value) * 4} bits)"
    return None


def _op_for(ctx: Context, ex: Exchange) -> Any:
    return next((o for o in ctx.operations if o.key == ex.operation), None) or next(
        (o for o in ctx.operations if o.method == ex.method and _matches(o.path, ex.path)), None)


def _matches(template: str, path: str) -> bool:
    return re.fullmatch(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)), path) is not None


def bare_error(ex: Exchange) -> bool:
    """An error answer that shows no sign of a crash: not a framework's HTML error page, short, and without a
    stack trace, exception name, debugger or database text (``Internal Server Error``, ``{"error": "no file"}``)."""
    text = ex.text.strip()
    if "html" in ex.content_type or len(text) > 300:
        return False
    return not any(p.search(text) for p in (STACK, DEBUG, EXCEPTION, SQL_ERROR, RUNTIME_MESSAGE))


#: an application's own words for an outbound fetch it could not make (``{"error": "Failed to fetch URL"}``)
UPSTREAM_FAILURE = re.compile(r"(?i)\b(?:fail(?:ed|ure)?|unable|could\s*n[o']?t|cannot|can't|error)\s+"
                              r"(?:to\s+|while\s+)?(?:fetch|connect|reach|download|retrieve|load|get|open)\w*\b")


def upstream_failure(op: Any, ex: Exchange) -> bool:
    """A 500 the application wrote itself after an outbound fetch of a URL it was given failed: a JSON answer
    without a sign of a crash that says it could not fetch, to a request whose URL input (``url``, ``imageUrl``)
    was no reachable address. Handled, and deliberate: 502 or 400 would be the better status, but nothing failed
    unhandled, so it is noted, not reported as an unhandled error."""
    if "json" not in ex.content_type or not bare_error(ex) or not UPSTREAM_FAILURE.search(ex.text):
        return False
    return any(names_a_url(name, None) for name in [*(p.name for p in op.params), *map(str, op.body_fields)])


def _sent_text(ex: Exchange) -> str:
    """What the request itself carried (URL decoded, and the body), so an answer that echoes the probe's own
    payload (``user id ' AND SELECT … not found``) is not read as the server disclosing its internals."""
    body = ex.request_body.decode("utf-8", "replace")
    # a form body is percent-encoded: its values echoed back (a 422's ``input``) are the decoded text
    return " ".join((unquote(ex.url), unquote_plus(ex.url), body, body.replace('\\"', '"'), unquote_plus(body)))


def errors(ctx: Context, ex: Exchange) -> None:
    """Debugger pages, stack traces, exception text and SQL in one answer (its first 64 KiB); SQL and exception
    text that the request itself carried (an echo of the input) does not count."""
    text = ex.text[:65536]
    op = _op_for(ctx, ex)
    debug = DEBUG.search(text)
    if debug:
        ctx.report(rules.DEBUG, f"debug page in the answer ({debug.group(0)!r})", ex, op=op, highlight=debug.group(0))
        return
    stack = STACK.search(text)
    if stack:
        ctx.report(rules.STACK, f"stack trace in the answer ({stack.group(0)[:60]!r})", ex, op=op,
                   highlight=stack.group(0))
        return
    # a page answering 200 with the database's own error to a value with a quote (``Database error: near "x":
    # syntax error``) discloses as an error status does
    quoted = ex.status is not None and ex.status < 400 and (
        "'" in unquote_plus(ex.url) or "'" in unquote_plus(ex.request_body.decode("utf-8", "replace")))  # a form: %27
    if ex.status is None or (ex.status < 400 and not quoted):
        return
    sent = _sent_text(ex)
    clean = html.unescape(without_shell_errors(text))  # an echo escaped into a page (&#39;) is still an echo
    if quoted:
        sql = next((m for m in SQL_ERROR.finditer(clean) if m.group(0) not in sent), None)
        if sql:
            ctx.report(rules.SQL_DISCLOSED, f"the {ex.status} answer to a value with a quote shows the database's "
                       f"error ({sql.group(0)[:60]!r})", ex, op=op, highlight=sql.group(0))
        return
    if "json" in ex.content_type:  # JSON escapes the quotes of ``near "x": syntax error``: read its strings too
        clean += "\n" + without_shell_errors("\n".join(string_leaves(ex.json())))
    sql = next((m for m in (*SQL_ERROR.finditer(clean), *SQL_TEXT.finditer(clean)) if m.group(0) not in sent), None)
    if sql:
        ctx.report(rules.SQL_DISCLOSED, f"the {ex.status} answer shows database internals ({sql.group(0)[:60]!r})",
                   ex, op=op, highlight=sql.group(0))
        return
    exc = next((m for m in (*EXCEPTION.finditer(clean), *SYSTEM_ERROR.finditer(clean)) if m.group(0) not in sent),
               None)
    if exc is None and ex.status >= 500:
        exc = next((m for m in RUNTIME_MESSAGE.finditer(clean) if m.group(0) not in sent), None)
    if exc:
        ctx.report(rules.STACK, f"exception text in the {ex.status} answer ({exc.group(0)[:60]!r})", ex, op=op,
                   highlight=exc.group(0), severity=Severity.LOW)


#: a labelled value ending a line of visible text: ``Password: admin123``, ``Hardcoded Admin Password: x``,
#: ``Credit Card: 4111 1111 1111 1111``; the label starts the line or follows a separator (`` - ``, ``|``, ``. ``)
LABELLED = re.compile(
    r"(?i)(?:^|(?<=\s[-|–]\s)|(?<=[.;,!]\s))(?P<label>(?:[a-z]+[ _-]){0,2}?(?P<key>user ?name|login|e-?mail|"
    r"password|passwd|pwd|passcode|secret|secret[ _-]?key|api[ _-]?key|credit[ _-]?card(?:[ _-]?(?:number|no))?|"
    r"card[ _-]?(?:number|no)))\s*[:=]\s*(?P<value>\d{4}(?:[ -]?\d{1,7}){2,4}|[^\s<>\"']{3,64})\s*$")
#: words a page shows where a secret would go, not secrets
NOT_A_SECRET = frozenset({"required", "optional", "hidden", "none", "null", "n/a", "unknown", "not set", "string",
                          "example", "redacted", "masked", "protected", "encrypted", "secret"})


def labelled_values(ex: Exchange) -> dict[str, str] | None:
    """The labelled values of an HTML or plain-text answer (``{"password": "admin123", "username": "admin"}``),
    keyed by the label's field name; None for other answers. A value the request sent (an echo) is left out."""
    if ex.content_type not in ("text/html", "text/plain", "application/xhtml+xml"):
        return None
    sent = unquote_plus(ex.url) + " " + unquote_plus(ex.request_body.decode("utf-8", "replace"))
    out: dict[str, str] = {}
    plain = ex.content_type == "text/plain"
    text = CODE_BLOCK.sub("\n", ex.text) if not plain else ex.text
    # what a page hides from view but still sends: the lines of its comments (``<!-- DB_PASS: s3cret -->``)
    hidden = [] if plain else [" ".join(t.split()) for c in COMMENT.findall(text) for t in c.splitlines() if t.strip()]
    for line in [*visible_lines(text)[:400], *hidden[:200]]:
        m = LABELLED.search(html.unescape(line))
        if m is None:
            continue
        key = re.sub(r"[ -]", "_", m.group("key").lower()).replace("user_name", "username").replace("e_mail", "email")
        value = m.group("value")
        if (PROMPT.search(m.group("label")) or value.lower() in NOT_A_SECRET or MASKED_VALUE.match(value)
                or TEMPLATE.search(value) or value in sent):
            continue
        out.setdefault("api_key" if key == "apikey" else key, value)
    for line in [*(ex.text.splitlines()[:2000] if plain else []), *hidden[:200]]:
        if (found := config_secret(line)) is not None and found[1] not in sent:
            out.setdefault(*found)
    return out


#: an HTML comment's content
COMMENT = re.compile(r"(?s)<!--(.*?)-->")
#: one assignment of a configuration file or source text: ``$db_pass = 'x';``, ``define('DB_PASSWORD', 'x');``,
#: ``DB_PASSWORD=x``, ``password: x``, ``API_KEY => "x"``; the value is one literal token
CONFIG_ASSIGN = re.compile(
    r"""^\s*(?:\$|export\s+|define\(\s*['"]|(?:const|var|let)\s+)?(?P<key>[A-Za-z_][\w.-]{0,60}?)['"]?\s*"""
    r"""(?:=>|=|:|,)\s*(?P<q>['"]?)(?P<value>[^\s'";,<>()]{4,200})(?P=q)\s*\)?\s*;?\s*$""")
#: a value that stands for a secret kept elsewhere: a template or an environment read (``${DB_PASS}``)
TEMPLATE = re.compile(r"(?i)^[$%{<\[]|environ|getenv|process\.env")
#: a setting's value that is no secret: a template, a placeholder, a flag or a port
PLACEHOLDER = re.compile(rf"{TEMPLATE.pattern}|(?i:changeme|^your|^xxx|^\*+$|example|^none$|^null$|^true$|^false$|"
                         r"^\d{1,6}$)")


def config_secret(line: str) -> tuple[str, str] | None:
    """(field, value) of a configuration line assigning a literal to a secret-named setting (``$db_pass``,
    ``DB_PASSWORD``, ``api_key``, ``stripe_secret``), read as that field: a server's configuration served as text."""
    m = CONFIG_ASSIGN.match(line)
    if m is None:
        return None
    name = m.group("key").rsplit(".", 1)[-1]
    value = m.group("value")
    if PLACEHOLDER.search(value) or value.lower() in NOT_A_SECRET:
        return None
    if secret_named(name.lower()):
        return name.lower(), value
    if secret_named(name.upper()):
        return name.upper(), value
    return None


#: documentation in a page: a code sample or preformatted example (``<pre>``, ``<code>``, ``<samp>``, ``<kbd>``), whose
#: ``Password: admin123`` shows how to call the API, not anyone's password
CODE_BLOCK = re.compile(r"(?is)<(pre|code|samp|kbd)\b[^>]*>.*?</\1\s*>")
#: words of a JSON key under which an API documents itself (``examples``, ``testPayloads``, ``sqlInjectionLogin``,
#: ``sample_request``): the values below it are examples of a request, not anyone's data
EXAMPLE_WORDS = frozenset({"example", "examples", "sample", "samples", "payload", "payloads", "demo", "template",
                           "templates", "usage", "placeholder", "docs", "documentation", "hint", "hints", "attack",
                           "attacks", "exploit", "exploits", "injection"})


def key_words(key: str) -> set[str]:
    """The lower-case words of a key, split at case changes and non-letters (``testPayloads`` → test, payloads)."""
    return {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", key)}


def without_examples(data: Any, depth: int = 0) -> Any:
    """``data`` without the values under keys that name examples or payloads (see :data:`EXAMPLE_WORDS`)."""
    if depth > 8:
        return data
    if isinstance(data, dict):
        return {k: without_examples(v, depth + 1) for k, v in data.items() if not key_words(str(k)) & EXAMPLE_WORDS}
    if isinstance(data, list):
        return [without_examples(item, depth + 1) for item in data[:200]]
    return data


#: a label that asks for a value or reports on one (``Enter your password``, ``Invalid password``): no value shown
PROMPT = re.compile(r"(?i)\b(enter|your|new|confirm|old|current|forgot|reset|invalid|wrong|incorrect|bad|missing)\b")
MASKED_VALUE = re.compile(r"^[*xX•#.\-_]+$|^[\[(<{]")


def _own_password(ctx: Context, ex: Exchange, data: Any) -> str | None:
    """The name of an identity whose password (known to the probe: it logged in with it) is a value of the
    answer, whatever the field is called or when there is no field name at all (rows as arrays); an answer
    to a request that carried the password itself (an echo) does not count."""
    known = {i.password: i.name for i in ctx.identities if i.password and len(i.password) >= 4}
    if not known or data is None:
        return None
    sent = ex.url + ex.request_body.decode("utf-8", "replace")
    return next((known[v] for v in string_leaves(data) if v in known and v not in sent), None)


def sent_values(ex: Exchange) -> set[str]:
    """The string values a request's body carried (JSON leaves or form values, four characters or more)."""
    text = ex.request_body.decode("utf-8", "replace")
    if not text:
        return set()
    try:
        values = set(string_leaves(json.loads(text)))
    except ValueError:
        values = {v for vs in parse_qs(text, keep_blank_values=True).values() for v in vs}
    return {v for v in values if len(v) >= 4}


def stores_data(ctx: Context, ex: Exchange) -> bool:
    """A successful write by a named identity that is no account operation (login, registration, account
    creation): the values it carried are that identity's own stored data (a vault entry, a note)."""
    if ex.identity == ANONYMOUS or ex.method not in ("POST", "PUT", "PATCH") or not ex.ok:
        return False
    op = _op_for(ctx, ex)
    return op is not None and not (op.looks_login() or op.looks_register() or creates_account(op))


#: credentials a login issues to the account that signs in
ISSUED_CREDENTIAL = re.compile(r"(?i)^(api_?key|secret_?key|client_secret|secret|otp_secret|totp_secret|private_?key|"
                               r"(?:api_?)?key_?value|api_?secret)$")
OWNER_KEYS = frozenset({"username", "user_name", "user", "owner", "login", "email", "user_id", "userid", "owner_id",
                        "ownerid", "sub"})  # ``sub``: OpenID Connect's subject, the user's id in a userinfo answer


def _foreign_secrets(data: Any, callers: set[str], stored: set[str], owned: bool = False, depth: int = 0) -> set[str]:
    """The secret-named fields of ``data`` holding a value that is not the caller's own: neither in an object
    that names the caller as its owner (``"username": "alice"`` answered to alice) nor a value the caller
    stored itself (``stored``)."""
    out: set[str] = set()
    if depth > 8:
        return out
    if isinstance(data, list):
        for item in data[:200]:
            out |= _foreign_secrets(item, callers, stored, owned, depth + 1)
    elif isinstance(data, dict):
        owned = owned or any(str(k).lower() in OWNER_KEYS and isinstance(v, (str, int)) and str(v) in callers
                             for k, v in data.items())
        for key, value in data.items():
            if secret_named(str(key)) and isinstance(value, str) and value:
                if not (owned or value in stored):
                    out.add(str(key))
            else:
                out |= _foreign_secrets(value, callers, stored, owned, depth + 1)
    return out


def _callers(ctx: Context, name: str) -> set[str]:
    """How the answers may name the identity ``name`` as an owner: its user name, its id and its e-mail address."""
    ident = next((i for i in ctx.identities if i.name == name), None)
    if ident is None:
        return set()
    return {str(v) for v in (ident.username, ident.user_id, ident.attributes.get("email")) if v not in (None, "")}


def _url_caller(ctx: Context, ex: Exchange) -> str:
    """The identity whose token a request without credential headers carried in its URL (``?access_token=``): the
    request was that identity's, not anonymous (:data:`ANONYMOUS` when there is none)."""
    for identity in ctx.identities:
        carried = [identity.token or "", *(value.split(" ", 1)[-1] for value in identity.headers.values())]
        if any(len(value) >= 16 and value in ex.url for value in carried):
            return identity.name
    return ANONYMOUS


def sensitive(ctx: Context, ex: Exchange, stored: set[str] | None = None) -> None:
    """Secret-named fields, password-hash shapes, card numbers and private keys in a 2xx answer. A secret-named
    field answered to a named identity counts only when it is not the caller's own: a value the caller itself
    stored before (``stored``: what its own writes that left before this answer came carried, see
    :func:`stores_data`) or one in an object that names the caller as its owner is its own data served back to it
    (a password vault serving its owner);
    another identity's secret still counts; the keys a login issues to the account signing in, or a registration to
    the account it creates, are its own, and a secret the request itself carried, answered back by any operation but a
    login or a registration, is an echo.
    Plain-text login passwords and hash shapes count whoever asks."""
    caller = _url_caller(ctx, ex) if ex.identity == ANONYMOUS else ex.identity
    anon = caller == ANONYMOUS
    op = _op_for(ctx, ex)
    data = ex.json()
    labelled = labelled_values(ex) if data is None else None  # a page's labelled values, read as its fields
    whole = data if labelled is None else labelled
    data = without_examples(whole) if labelled is None else labelled  # a documented example is nobody's data
    leaked = sensitive_fields(data) if "json" in ex.content_type or labelled else []
    if leaked and op is not None and (op.looks_login() or (creates_account(op) and isinstance(data, dict))):
        # a login issues the signing-in account its own credentials (an API key, a secret beside its token), and
        # a registration the account it has just created; a stored password or a hash in the answer still counts
        leaked = [k for k in leaked if not ISSUED_CREDENTIAL.match(k)]
    if leaked and not anon:
        foreign = _foreign_secrets(data, _callers(ctx, caller), stored or set())
        leaked = [k for k in leaked if k in foreign]
    if leaked and op is not None and not (op.looks_login() or op.looks_register() or creates_account(op)):
        # the request's own values answered back (``{"credentials": {...what was sent}}``) are an echo; a login or
        # a registration answering the password it was sent shows the stored one (plain text) and still counts
        sent = _sent_text(ex)
        leaked = [k for k in leaked if not all(isinstance(v, str) and len(v) >= 3 and v in sent
                                               for key, v in walk_keys(data) if key == k)]
    shapes = sorted({f"{k} ({shape})" for k, v in walk_keys(data) if (shape := hash_shape(k, v))})
    if leaked or shapes:
        what = ", ".join(dict.fromkeys([*shapes, *leaked]))
        first = (shapes[0].split(" ")[0] if shapes else leaked[0])
        where = " (labelled in the page's text)" if labelled else ""
        ctx.report(rules.AUTH_SENSITIVE, f"response carries {what}{where}{' to an anonymous caller' if anon else ''}",
                   ex, op=op, parameter=first, severity=Severity.HIGH if anon or shapes else Severity.MEDIUM,
                   highlight=labelled.get(first, first) if labelled else f'"{first}"')
    cards = sorted({k for k, v in walk_keys(data) if card_number(k, v)} | card_fields(data))
    if cards:
        ctx.report(rules.CARD_NUMBER, f"payment card number(s) in {'labelled value' if labelled else 'field'}(s) "
                   f"{', '.join(cards)} (Luhn-valid)", ex,
                   op=op, parameter=cards[0], highlight=labelled[cards[0]] if labelled else f'"{cards[0]}"')
    own = _own_password(ctx, ex, whole)  # an identity's real password counts even in an example
    if own is not None:
        ctx.report(rules.AUTH_SENSITIVE, f"response carries the plain-text password of identity {own!r}"
                   f"{' to an anonymous caller' if anon else ''} (a request that did not send it)", ex, op=op,
                   severity=Severity.HIGH)
    # a password inside a recorded request or a log line (a served HAR capture, an access log), not one sent now
    leaves = ex.json() if "json" in ex.content_type else [ex.text] if ex.content_type == "text/plain" else None
    recorded = [p for p in recorded_passwords(leaves) if p not in _sent_text(ex)] if own is None else []
    if recorded:
        ctx.report(rules.AUTH_SENSITIVE, f"response carries {len(recorded)} password(s) inside a recorded request "
                   f"or log line{' to an anonymous caller' if anon else ''} (a request that did not send them)", ex,
                   op=op, severity=Severity.HIGH if anon else Severity.MEDIUM, highlight="pass")
    key = PRIVATE.search(ex.text)
    if key:
        ctx.report(rules.PRIVATE_KEY, f"a private key or cloud access key in the answer ({key.group(0)[:40]!r})", ex,
                   op=op, highlight=key.group(0))


BANNER_HEADERS = ("server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version", "x-generator")
VERSION = re.compile(r"\d+\.\d+")


def banner(ex: Exchange) -> str | None:
    """The answer's software banner when it names a version (``Werkzeug/2.0.3``, ``Python 3.10.4``)."""
    text = " ".join(f"{k}: {v}" for k, v in ex.response_headers if k.lower() in BANNER_HEADERS and VERSION.search(v))
    return text or None


def weak_csp(policy: str) -> list[str]:
    """What in a Content-Security-Policy lets an injected script run (empty when nothing does)."""
    directives = csp_directives(policy)
    sources = next((directives[d] for d in ("script-src-elem", "script-src", "default-src") if d in directives), None)
    if sources is None:
        return []
    pinned = any(w.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-")) for w in sources)
    weak = [w for w in sources if w == "'unsafe-eval'" or (w == "'unsafe-inline'" and not pinned)]
    weak += [w for w in sources if w in ("*", "http:", "https:", "data:")]
    return weak


@check("passive", rules=(rules.STACK, rules.DEBUG, rules.AUTH_SENSITIVE, rules.SQL_DISCLOSED, rules.CARD_NUMBER,
                         rules.PRIVATE_KEY, rules.SERVER_ERROR, rules.BANNER, rules.WEAK_CSP),
       weight=1, phase="passive", order=10)
async def passive(ctx: Context) -> None:
    """Reads every recorded exchange (no requests): errors, stack traces, debug pages, sensitive data, 500s,
    version banners, weak Content-Security-Policy."""
    seen: set[tuple[str, str, bytes, int]] = set()  # one reading per request and status: a URL answered 200 to
    # one identity may crash with a debugger page for another request header (an empty ``Authorization``), and
    # posts to one URL differ by their bodies (a form's quote)
    crashed: set[str] = set()
    deliberate: set[str] = set()
    banners = {f.message for f in ctx.findings if f.rule_id == rules.BANNER.id}
    policies: set[str] = set()
    log = list(ctx.client.log)
    # identity -> (when it left, values) of its own data writes: a write is the reader's own data when it left before
    # the read was answered (the server may have stored it first; concurrent requests are answered out of order)
    writes: dict[str, list[tuple[int, set[str]]]] = {}
    for ex in log:
        if stores_data(ctx, ex):
            writes.setdefault(ex.identity, []).append((ex.dispatched, sent_values(ex)))
    constant = constant_failures(log, ctx.operations)
    for ex in log:
        if ex.status is None:
            continue
        policy = ex.header("content-security-policy")
        if policy and policy not in policies and (weak := weak_csp(policy)):
            policies.add(policy)
            ctx.report(rules.WEAK_CSP, f"the Content-Security-Policy lets injected script run ({', '.join(weak)}): "
                       f"{policy[:160]!r}", ex, op=_op_for(ctx, ex), highlight=weak[0])
        shown = banner(ex)
        if shown is not None and not any(shown in m for m in banners):
            banners.add(shown)
            ctx.report(rules.BANNER, f"version banner: {shown}", ex, op=_op_for(ctx, ex),
                       highlight=shown.split(": ")[1])
        reading = (ex.method, ex.url, ex.request_body, ex.status)
        if reading not in seen:
            errors(ctx, ex)
        seen.add(reading)
        if ex.ok:
            sensitive(ctx, ex, {value for left, values in writes.get(ex.identity, ()) if left < ex.answered
                                for value in values})
        if ex.status == 500 and ex.operation and ex.operation not in crashed:
            op = _op_for(ctx, ex)
            why = ("answered 500 with its own message that an outbound fetch failed (a handled error; 502 or 400 would "
                   "say so better; not reported as unhandled)" if op is not None and upstream_failure(op, ex) else
                   "answered 500 with its database busy (locked or out of connections while other requests wrote): "
                   "contention, not an input it failed to handle; not reported as unhandled"
                   if BUSY_DATABASE.search(ex.text) else
                   f"answered all its {constant[ex.operation]} requests with the same 500: it fails whatever "
                   "it is sent (a broken or deliberately failing operation), not on an input it failed to handle; not "
                   "reported as unhandled" if ex.operation in constant else "")
            if not why and op is not None and bare_error(ex) and (missing := missing_input(op, ex)):
                why = (f"answered a bare 500 to a request without {', '.join(missing)} (a deliberate answer cannot be "
                       "told from a crash; not reported as unhandled)")
            if why:
                if ex.operation not in deliberate:
                    deliberate.add(ex.operation)
                    ctx.notes.append(f"passive: {ex.operation} {why}")
                continue
            crashed.add(ex.operation)
            ctx.report(rules.SERVER_ERROR, f"{ex.operation} answered 500 to this request (an unhandled error; "
                       "the input should have been refused with a 4xx)", ex, op=_op_for(ctx, ex))


__all__ = ["banner", "bare_error", "card_fields", "card_number", "errors", "hash_shape", "labelled_values", "luhn",
           "passive", "sensitive", "sent_values", "stores_data", "upstream_failure", "weak_csp"]
