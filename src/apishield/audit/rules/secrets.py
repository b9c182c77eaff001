"""Secrets and crypto: AS601–AS607 (hard-coded and weak secrets, credentials in code, weak password hashing,
insecure randomness for tokens, non-constant-time comparison of secrets, broken hash algorithms)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit import taint as tm
from apishield.audit.rules import _secret_values as sv
from apishield.audit.rules._comparisons import (
    both_from_the_request,
    from_signed_payload,
    identity,
    in_query,
    in_schema_validator,
    not_a_secret_comparison,
    secretish,
)
from apishield.audit.rules._config_classes import is_dev_class, refused_by_validator, replaced_in_branch
from apishield.audit.rules._django_settings import weak_password_hasher
from apishield.audit.rules._secret_values import URL_WITH_PASSWORD, url_user_with_password
from apishield.audit.rules.base import at_node, imports, is_sample_code
from apishield.audit.rules.registry import ModuleContext, rule
from apishield.audit.taint.catalogue import SQL_RUNNERS
from apishield.findings import Confidence, Finding, Rule, Severity

HARDCODED_SECRET = Rule(
    id="AS601",
    title="Hard-coded framework secret",
    cwe=(798, 321, 547, 259),
    owasp="API2:2023",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    description="A signing secret in the source (or as the fallback of an environment read) lets anyone with the "
    "code forge sessions and tokens.",
    fix="Read it from the environment with no fallback and fail at start-up when it is missing: "
    "`app.config['SECRET_KEY'] = os.environ['SECRET_KEY']` (generate with `secrets.token_urlsafe(48)`). "
    "apishield: `Shield(jwt_secret_env='APISHIELD_JWT_SECRET')` refuses short or missing secrets.",
)
WEAK_SECRET = Rule(
    id="AS602",
    title="Weak or placeholder secret",
    cwe=(1391, 521, 798),
    owasp="API2:2023",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    description="Secrets like 'secret', 'changeme', 'dev' or anything under 32 characters are guessable offline.",
    fix="Use at least 32 random bytes: `python -c 'import secrets; print(secrets.token_urlsafe(48))'`, stored in "
    "the environment or a secret manager.",
)
CREDENTIALS = Rule(
    id="AS603",
    title="Hard-coded credentials or API key",
    cwe=(798, 259, 1392),
    owasp="API2:2023",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    description="Passwords, API keys and tokens in code leak with every copy of the repository.",
    fix="Load credentials from the environment or a secret store (`os.environ['DB_PASSWORD']`); create admin "
    "accounts with a one-time random password; apishield: `apishield keys create` stores only key hashes.",
)
WEAK_HASH = Rule(
    id="AS604",
    title="Weak password hashing",
    cwe=(916, 328, 327, 759),
    owasp="API2:2023",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    description="md5/sha1/sha256 are fast hashes: leaked password hashes are cracked at billions per second.",
    fix="Use Argon2id: apishield `Passwords().hash(pw)` (argon2-cffi, rehash on login), or "
    "`werkzeug.security.generate_password_hash(pw, method='scrypt')`.",
)
WEAK_RANDOM = Rule(
    id="AS605",
    title="Insecure randomness for a secret value",
    cwe=(330, 338),
    owasp="API2:2023",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    description="`random` is predictable (Mersenne Twister); tokens, OTPs and keys made with it can be guessed.",
    fix="Use `secrets.token_urlsafe(32)`, `secrets.randbelow(10**6)` for OTPs, `secrets.choice` for codes.",
)
BROKEN_HASH = Rule(
    id="AS607",
    title="Broken hash algorithm (md5/sha1)",
    cwe=(328, 327),
    owasp="API8:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    description="md5 and sha1 have practical collisions: signatures, integrity checks and tokens built on them "
    "can be forged.",
    fix="Use `hashlib.sha256` (or `hmac.new(key, msg, 'sha256')` for signatures; `hashlib.blake2b` for speed); "
    "mark non-security uses with `hashlib.md5(data, usedforsecurity=False)`.",
)
TIMING = Rule(
    id="AS606",
    title="Secret compared in non-constant time",
    cwe=(208,),
    owasp="API2:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    description="`==` on an API key, token, signature or HMAC returns early and leaks how many bytes matched.",
    fix="`hmac.compare_digest(given.encode(), expected.encode())`; better, store a hash of each key and look it "
    "up by id (apishield `APIKeyManager`), so no comparison loop over keys is needed.",
)

_SECRET_NAME = re.compile(
    r"(^|_)(secret_key|jwt_secret(_key)?|secret|signing_key|session_secret|cookie_secret|"
    r"app_secret|token_secret|hmac_key|hmac_secret)$|^secret_key_\w+$",
    re.IGNORECASE,
)
_CRED_NAME = re.compile(
    r"(^|_)(password|passwd|pwd|pass|api_?key|apikey|access_?key|auth_?token|access_token|"
    r"client_secret|private_key|secret_access_key|bearer_token|admin_password|db_password)$",
    re.IGNORECASE,
)
_WEAK = {
    "secret",
    "changeme",
    "change-me",
    "change_me",
    "dev",
    "development",
    "test",
    "testing",
    "random",
    "password",
    "default",
    "key",
    "secretkey",
    "secret-key",
    "secret_key",
    "mysecret",
    "supersecret",
    "super-secret",
    "super secret",
    "your-secret-key",
    "your_secret_key",
    "s3cr3t",
    "123456",
    "admin",
    "xxx",
    "todo",
    "insecure",
    "notsecret",
    "not-secret",
    "keyboard cat",
    "jwt-secret",
    "jwt_secret",
    "qwerty",
}
_PLACEHOLDER = re.compile(r"^(|\*+|x+|<[^>]*>|\{[^}]*\}|\$\{[^}]*\}|%\(.*\)s|none|null|\.\.\.)$", re.IGNORECASE)


def _literal_secret(node: ast.AST | None) -> str | None:
    value = au.const(node, None)
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, str) and not _PLACEHOLDER.match(value.strip()):
        return value
    return None


def _is_weak(value: str) -> bool:
    """A known placeholder, under 16 characters, or under 32 without the look of a random value (three character
    classes, mostly distinct characters): ``'kT3v9xQ2mW8pL5nR7sY1zA'`` (22 random characters, ~130 bits) is not
    weak; ``'my-app-secret-2024'`` is."""
    text = value.strip()
    if text.lower() in _WEAK or len(text) < 16:
        return True
    if len(text) >= 32:
        return False
    classes = sum(bool(re.search(p, text)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    return not (classes >= 3 and len(set(text)) >= 0.6 * len(text)) or _WORDISH.search(text) is not None


# words people put in made-up secrets; a random 16–31 character value almost never contains one
_WORDISH = re.compile(r"secret|passw|key|token|admin|change|default|example|sample|test|demo|dev|prod|local|"
                      r"flask|django|fastapi|app|my|your|super|hello|qwerty|letmein|jwt|session", re.IGNORECASE)


#: methods only a ``configparser`` object has: a receiver that has them reads ``get(section, option)``
_CONFIG_PARSER_METHODS = frozenset({"getboolean", "getint", "getfloat", "has_option", "has_section", "sections",
                                    "read_file", "read_string", "add_section"})


def _config_parsers(tree: ast.AST) -> set[str]:
    """Names the module uses as ``configparser`` objects (``config.has_option(...)``, ``config.getboolean(...)``)."""
    return {au.dotted(c.func.value) for c in au.calls(tree) if isinstance(c.func, ast.Attribute)
            and c.func.attr in _CONFIG_PARSER_METHODS}


def _env_fallback(node: ast.AST | None, imp: au.Imports, parsers: set[str] | None = None) -> str | None:
    """The literal default of ``os.environ.get('X', 'lit')`` / ``os.getenv('X', 'lit')``; a ``configparser``
    object's ``get(section, option)`` names an option, its default is ``fallback=`` only."""
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and au.is_env_read(node.values[0], imp):
        return _literal_secret(node.values[-1])
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and au.dotted(node.func.value) in (parsers or set())):
        return _literal_secret(au.kwarg(node, "fallback"))
    if isinstance(node, ast.Call) and au.is_env_read(node, imp) and len(node.args) >= 2:
        return _literal_secret(node.args[1])
    if isinstance(node, ast.Call) and au.is_env_read(node, imp) and au.kwarg(node, "default") is not None:
        return _literal_secret(au.kwarg(node, "default"))
    return None


def _secret_assignments(ctx: ModuleContext) -> Iterator[tuple[ast.AST, str, ast.AST]]:
    """(node, name, value) for ``NAME = value``, ``x.NAME = value``, ``cfg['NAME'] = value``, ``NAME=value``
    keywords and ``{'NAME': value}`` entries, skipping Test/Dev config classes."""
    parents = au.parent_map(ctx.tree)

    for node in au.nodes_of_any(ctx.tree, ast.Assign, ast.AnnAssign, ast.Call, ast.Dict):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                name = str(au.subscript_key(t)) if isinstance(t, ast.Subscript) else au.last(au.dotted(t))
                if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and _answered(
                        t.value.id, node, parents):
                    continue  # ``body["secret"] = "..."`` filling what the handler answers
                if isinstance(t, ast.Attribute) and sv.set_on_blueprint(ctx.tree, t):
                    continue  # ``bp.secret_key = "..."``: Flask signs with the app's key, never a blueprint's
                if name and not is_dev_class(node, parents):
                    yield node, name, node.value
        elif isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg and not is_dev_class(node, parents):
                    yield node, kw.arg, kw.value
        elif isinstance(node, ast.Dict) and not _response_body(node, parents) and not _example(node, parents):
            for k, v in zip(node.keys, node.values, strict=False):
                key = au.str_const(k)
                if key and not is_dev_class(node, parents):
                    yield node, key, v


_RESPONSE_CALLS = frozenset({  # answers, and template contexts (data shown on a page)
    "jsonify", "JSONResponse", "Response", "make_response", "dumps", "HTTPException", "abort", "render_template",
    "template", "ORJSONResponse", "UJSONResponse", "HTMLResponse",
    "render", "render_to_response", "render_to_string", "render_template_string", "TemplateResponse"})


def _response_body(node: ast.expr, parents: dict[int, ast.AST]) -> bool:
    """``return {"secret": ...}`` / ``jsonify({"password": ...})`` / ``render(request, "page.html", {"secret": ...})``,
    or a dict nested in such a body (``jsonify({"config": {"password": ...}})``): data sent to the client (documentation
    examples, echoed fields, a page's template context), not a credential the code uses; AS107 judges what a response
    exposes."""
    while isinstance(parent := parents.get(id(node)), (ast.Dict, ast.List)):  # a value nested in the body literal
        node = parent
    if isinstance(parent, ast.keyword) and parent.arg == "context":  # ``TemplateResponse(..., context={...})``
        parent = parents.get(id(parent))
    if isinstance(parent, ast.Return):
        return True
    if isinstance(parent, ast.Tuple) and isinstance(parents.get(id(parent)), ast.Return):
        return True  # ``return {...}, 200``
    if (isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name)
            and _answered(parent.targets[0].id, parent, parents)):
        return True  # ``backup = {...}`` … ``return backup``
    return isinstance(parent, ast.Call) and au.last(au.dotted(parent.func)) in _RESPONSE_CALLS


def _answered(name: str, node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """The local ``name`` (set at ``node``) is what its function answers: a ``return`` or a responder's argument
    names it."""
    fn = au.enclosing_function(parents, node)
    if fn is None:
        return False
    answers = [n.value for n in au.walk(fn) if isinstance(n, ast.Return) and n.value is not None]
    answers += [n for n in au.walk(fn) if isinstance(n, ast.Call) and au.last(au.dotted(n.func)) in _RESPONSE_CALLS]
    return any(isinstance(v, ast.Name) and v.id == name for a in answers for v in ast.walk(a))


#: where API schemas keep sample values (pydantic ``json_schema_extra``/``schema_extra``, ``Body(examples=...)``)
_EXAMPLE_KEYS = frozenset({"example", "examples", "json_schema_extra", "schema_extra", "openapi_examples"})


def _example(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """The dict is a documentation example of a request or response body (``model_config = {"json_schema_extra":
    {"example": {"password": "..."}}}``): sample data shown in the API docs, not a credential the code uses."""
    child, cur = node, parents.get(id(node))
    while cur is not None:
        if isinstance(cur, ast.Dict) and any(au.str_const(k) in _EXAMPLE_KEYS for k, v in zip(
                cur.keys, cur.values, strict=False) if v is child):
            return True
        if isinstance(cur, ast.keyword) and cur.arg in _EXAMPLE_KEYS:
            return True
        if isinstance(cur, (ast.Assign, ast.AnnAssign)):
            targets = cur.targets if isinstance(cur, ast.Assign) else [cur.target]
            return any(au.last(au.dotted(t)) in _EXAMPLE_KEYS for t in targets)
        if isinstance(cur, (ast.stmt, ast.Lambda)):
            return False
        child, cur = cur, parents.get(id(cur))
    return False


_HINT_CHECK_HARDCODED_SECRET = ("secret", "signing_key", "hmac_key", "jwt")
_HINT_CHECK_WEAK_SECRET = ("secret", "signing_key", "hmac_key")
_HINT_CHECK_CREDENTIALS = ("passw", "_pass", "pwd", "api_key", "apikey", "access_key", "accesskey", "token",
                           "client_secret", "private_key")
_HINT_CHECK_WEAK_HASH = ("hashlib",)
_HINT_CHECK_WEAK_RANDOM = ("random",)
_HINT_CHECK_TIMING = ("key", "token", "secret", "signature", "hmac", "digest", "passw")


@rule(HARDCODED_SECRET)
def check_hardcoded_secret(ctx: ModuleContext) -> Iterator[Finding]:
    """AS601 — ``SECRET_KEY``/``secret_key``/``JWT_SECRET_KEY``/``SECRET_KEY_*`` set to a literal (assignment,
    config item, keyword, dict entry), a literal fallback in ``os.environ.get('SECRET_KEY', '...')``, a literal
    Bottle cookie ``secret=``, or a literal key passed to ``jwt.encode``/``jwt.decode``. Test code is skipped."""
    if not au.mentions(ctx, _HINT_CHECK_HARDCODED_SECRET):  # cheap pre-filter: most files cannot match
        return
    if is_sample_code(ctx.path):
        return
    imp = imports(ctx)
    parsers = _config_parsers(ctx.tree)
    for node, name, value in _secret_assignments(ctx):
        if not _SECRET_NAME.search(name):
            continue
        literal = _literal_secret(value)
        if literal is not None and not sv.filler_for_a_service(name, literal):
            branch = replaced_in_branch(ctx.tree, node, name)
            refused = refused_by_validator(ctx.tree, node, name, literal)
            yield at_node(HARDCODED_SECRET, ctx, node, f"{name} is a literal in the source"
                          + (f" (replaced when {branch})" if branch else "")
                          + (" (its class's validator refuses it)" if refused else ""),
                          **({"severity": Severity.LOW} if branch or refused else {}))
        elif _env_fallback(value, imp, parsers) is not None:
            yield at_node(
                HARDCODED_SECRET,
                ctx,
                node,
                f"{name} falls back to a literal when the variable is unset",
                severity=Severity.MEDIUM,
            )
    for call in au.calls(ctx.tree):
        name = au.call_name(call, imp)
        if au.last(name) in {"encode", "decode"} and "jwt" in name.lower():
            key = au.arg(call, 1, "key")
            if _literal_secret(key) is not None:
                yield at_node(HARDCODED_SECRET, ctx, call, f"{au.last(name)}() uses a literal signing key")


@rule(WEAK_SECRET)
def check_weak_secret(ctx: ModuleContext) -> Iterator[Finding]:
    """AS602 — a literal secret (the AS601 places) that is a known placeholder ('secret', 'changeme', 'dev',
    'keyboard cat'…) or shorter than 32 characters. Environment fallbacks are reported by AS601 only."""
    if not au.mentions(ctx, _HINT_CHECK_WEAK_SECRET):  # cheap pre-filter: most files cannot match
        return
    if is_sample_code(ctx.path):
        return
    for node, name, value in _secret_assignments(ctx):
        if not _SECRET_NAME.search(name):
            continue
        literal = _literal_secret(value)  # env fallbacks are AS601's (medium): the deployment decides the value
        if literal is not None and _is_weak(literal) and not sv.filler_for_a_service(name, literal):
            yield at_node(
                WEAK_SECRET,
                ctx,
                node,
                f"{name} is weak ({len(literal)} characters"
                f"{', a known placeholder' if literal.lower() in _WEAK else ''})",
                **({"severity": Severity.LOW} if replaced_in_branch(ctx.tree, node, name)
                   or refused_by_validator(ctx.tree, node, name, literal) else {}),
            )


@rule(CREDENTIALS)
def check_credentials(ctx: ModuleContext) -> Iterator[Finding]:
    """AS603 — ``password``/``api_key``/``access_key``/``client_secret``/``auth_token``… assigned a non-empty
    literal (assignment, keyword argument such as ``connect(password='...')``, dict entry), outside tests.
    Values equal to a field name ('password'), values naming the setting itself (its own name respelt, an
    environment variable's name) and placeholders are ignored, and so are documentation examples
    of an API schema (``json_schema_extra``/``schema_extra``, ``Body(examples=...)``). A connection URL with a literal
    password (``scheme://user:password@host``) is reported at medium."""
    if is_sample_code(ctx.path):
        return
    if URL_WITH_PASSWORD.search(ctx.source):  # cheap pre-filter: a literal ``scheme://user:pass@`` somewhere
        yield from _url_credentials(ctx)
    if not au.mentions(ctx, _HINT_CHECK_CREDENTIALS):  # cheap pre-filter: most files cannot match
        return
    for node, name, value in _secret_assignments(ctx):
        if not _CRED_NAME.search(name) or _SECRET_NAME.search(name):
            continue
        literal = _literal_secret(value)
        if (
            literal is None
            or len(literal) < 4
            or ((literal.lower().strip("<>[]()") in {name.lower(), "password", "api_key", "apikey", *sv.FIELD_WORDS}
                 or sv.names_itself(name, literal)) and not sv.account_pair(node))
            or " " in literal.strip() or literal.startswith(("http://", "https://", "/")) or sv.is_pattern(literal)
        ):
            continue
        yield at_node(CREDENTIALS, ctx, node, f"{name} is hard-coded in the source",
                      **sv.developer_only(ctx.tree, node))


def _url_credentials(ctx: ModuleContext) -> Iterator[Finding]:
    """Connection URLs written with their password: medium (often development defaults, usable all the same); low
    as an environment variable's fallback naming this machine (``os.getenv("DB_URL", "postgres://u:p@localhost/db")``),
    a pydantic settings class's or a django-environ scheme's such default, or in a module's ``__main__`` block that
    serves nothing (a table-creation snippet): the deployment sets the real one, and these open only a database on
    the developer's machine."""
    imp = imports(ctx)
    parents = au.parent_map(ctx.tree)
    for node in au.nodes_of_any(ctx.tree, ast.Constant):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        user = url_user_with_password(node.value)
        if not user:
            continue
        local_fallback = sv.names_this_machine(node.value) and (sv.in_setup_script(ctx.tree, node)
                                                                or sv.local_default(ctx.tree, node, parents, imp))
        yield at_node(CREDENTIALS, ctx, node, f"the connection URL for user '{user}' carries its password"
                      + (" (the local development fallback of an environment variable)" if local_fallback else ""),
                      severity=Severity.LOW if local_fallback else Severity.MEDIUM)


_FAST_HASHES = {"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_256", "sha3_512", "blake2b", "blake2s"}
_PW = re.compile(r"pass|pwd|passwd|credential", re.IGNORECASE)
_RANDOM_TOKEN = re.compile(r"token|nonce|(?<![a-z])code", re.IGNORECASE)  # a random reset token: fast hashing is right


def _hash_calls(ctx: ModuleContext) -> Iterator[tuple[ast.Call, str, str, str]]:
    """Every fast-hash call: (call, algorithm, the hashed expressions' text, the enclosing function's name)."""
    imp = imports(ctx)
    parents = au.parent_map(ctx.tree)
    for call in au.calls(ctx.tree):
        name = au.call_name(call, imp)
        algo = ""
        if name.startswith("hashlib.") and au.last(name) in _FAST_HASHES:
            algo = au.last(name)
        elif name == "hashlib.new" and call.args and str(au.const(call.args[0], "")).lower() in _FAST_HASHES:
            algo = str(au.const(call.args[0]))
        elif name.startswith(("Crypto.Hash.", "Cryptodome.Hash.")) and au.last(name) == "new":
            algo = name.split(".")[-2].lower()  # ``Crypto.Hash.MD5.new(data)``
        elif name.startswith("cryptography.hazmat.primitives.hashes.") and au.last(name) in {"MD5", "SHA1"}:
            algo = au.last(name).lower()
        if not algo:
            continue
        text = " ".join(ast.unparse(a) for a in call.args)
        fn = au.enclosing_function(parents, call)
        fn_name = fn.name if fn is not None else ""
        parent = parents.get(id(call))
        if isinstance(parent, ast.Attribute):
            grand = parents.get(id(parent))
            if isinstance(grand, ast.Call) and parent.attr == "update":
                text += " " + " ".join(ast.unparse(a) for a in grand.args)
        yield call, algo, text, fn_name


#: what a hash is handed when it is an account's name or address, not a password (``md5(username.encode())``,
#: ``sha1(str(user.email))``): in a password-named function (a reset that derives a token) it hashes no password
_ACCOUNT_NAME_ONLY = re.compile(r"^(?:str\()?(?:\w+\.)?(?:user_?name|user_?id|uid|e_?mail|login)\)?"
                                r"(?:\.(?:encode|lower|strip)\([^)]*\))*$", re.IGNORECASE)


@rule(WEAK_HASH)
def check_weak_hash(ctx: ModuleContext) -> Iterator[Finding]:
    """AS604 — a fast hash (``hashlib.md5/sha1/sha256…``, ``hashlib.new('md5', …)``) of something named like a
    password, or of anything but a token in a function whose name says it hashes/checks passwords; a query that has
    the database hash a password with one (``SHA2(?, 512)``, ``MD5(…)``); Django settings whose
    ``PASSWORD_HASHERS`` starts with an MD5, SHA1, unsalted or crypt hasher."""
    if au.mentions(ctx, ("password_hashers",)) and (weak := weak_password_hasher(ctx.tree, ctx.path)):
        yield at_node(WEAK_HASH, ctx, weak[0], f"Django hashes new passwords with {weak[1]} (fast or unsalted)")
    for call in au.calls(ctx.tree) if sv.SQL_FAST_HASH.search(ctx.source) else ():
        query = au.last(au.dotted(call.func)) in SQL_RUNNERS and call.args
        sql = ast.unparse(call.args[0]) if query else ""
        if (fast := sv.SQL_FAST_HASH.search(sql)) and _PW.search(sql):
            yield at_node(WEAK_HASH, ctx, call, f"password hashed by the database with {fast.group(1)} (fast, "
                          "unsalted)")
    if not au.mentions(ctx, _HINT_CHECK_WEAK_HASH):  # cheap pre-filter: most files cannot match
        return
    for call, algo, text, fn_name in (found := list(_hash_calls(ctx))):
        if _PW.search(text) or (_PW.search(fn_name) and not _RANDOM_TOKEN.search(text)
                                and not _ACCOUNT_NAME_ONLY.match(text)):
            yield at_node(WEAK_HASH, ctx, call, f"password hashed with {algo} (fast, unsalted)")
    helpers = sv.hash_helpers(ctx.tree, {id(c): a for c, a, _, _ in found})  # ``md5(password)`` through a helper
    for call in (c for c in au.calls(ctx.tree) if helpers and au.dotted(c.func) in helpers and any(
            sv.one_value(a) and _PW.search(s := ast.unparse(a)) and not _RANDOM_TOKEN.search(s) for a in c.args)):
        yield at_node(WEAK_HASH, ctx, call, f"password hashed with {helpers[au.dotted(call.func)]} (fast, unsalted)")


_BROKEN = frozenset({"md5", "sha1", "md4", "md2", "sha"})
_STRONG = frozenset({"sha256", "sha384", "sha512", "sha3_256", "sha3_512", "blake2b", "blake2s"})
_INTEGRITY = re.compile(r"integrity|verif|digest_?check|checksum", re.IGNORECASE)
_SECURITY_USE = re.compile(r"pass|pwd|secret|token|sign|auth|cred|integrity|verif|session|otp|api_?key|nonce|"
                           r"salt|hmac|mac\b|digest_?check|checksum", re.IGNORECASE)


@rule(BROKEN_HASH)
def check_broken_hash(ctx: ModuleContext) -> Iterator[Finding]:
    """AS607 — md5/sha1 (collisions are practical): medium when the function or the hashed values are about
    secrets, signatures, sessions or integrity (``def sign(…)``, ``token``, ``checksum``), low elsewhere (cache
    keys, ETags, and an integrity checksum the module also verifies with SHA-256 or stronger: it guards against
    accidents, the strong one against tampering). ``usedforsecurity=False`` marks a non-security use and is never
    reported; passwords are AS604's."""
    if not au.mentions(ctx, (*_HINT_CHECK_WEAK_HASH, "crypto")):
        return
    strong: bool | None = None
    for call, algo, text, fn_name in _hash_calls(ctx):
        if algo.lower() not in _BROKEN or au.is_false(au.kwarg(call, "usedforsecurity")):
            continue
        if _PW.search(text) or _PW.search(fn_name):
            continue  # AS604 reports it
        security = _SECURITY_USE.search(f"{text} {fn_name}")
        if security and _INTEGRITY.fullmatch(security.group(0)) and strong is None:
            strong = any(algo.lower() in _STRONG for _, algo, _, _ in _hash_calls(ctx))
        if security and _INTEGRITY.fullmatch(security.group(0)) and strong:
            security = None  # a file checksum also offered with a strong hash: integrity against accidents
        yield at_node(BROKEN_HASH, ctx, call, f"{algo} is broken (practical collisions)"
                      + (f" and protects '{security.group(0)}' here" if security else ""),
                      severity=Severity.MEDIUM if security else Severity.LOW)


_RANDOM_FUNCS = {
    "random", "randint", "randrange", "choice", "choices", "sample", "getrandbits", "uniform", "shuffle", "randbytes",
    "normalvariate", "gauss", "triangular", "betavariate", "expovariate", "lognormvariate", "paretovariate",
    "vonmisesvariate", "weibullvariate", "gammavariate", "binomialvariate",
}


@rule(WEAK_RANDOM)
def check_weak_random(ctx: ModuleContext) -> Iterator[Finding]:
    """AS605 — ``random.*`` (not ``secrets``/``SystemRandom``) producing a value assigned to, returned by or
    built inside something named like a token, OTP, code, key, password, nonce or salt; not in test or sample code
    (a generator of made-up data draws its values with ``random`` by design)."""
    if not au.mentions(ctx, _HINT_CHECK_WEAK_RANDOM) or is_sample_code(ctx.path):  # cheap pre-filter first
        return
    imp = imports(ctx)
    parents = au.parent_map(ctx.tree)
    for call in au.calls(ctx.tree):
        name = au.call_name(call, imp)
        if not (name.startswith("random.") and au.last(name) in _RANDOM_FUNCS) or "SystemRandom" in name:
            continue  # ``random.SystemRandom().random()`` reads the OS generator
        context = ""
        cur: ast.AST | None = call
        while cur is not None:
            if isinstance(cur, ast.Assign):
                context += " " + " ".join(au.target_names(cur))
            elif isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef)):
                context += " " + cur.name
                break
            elif isinstance(cur, ast.keyword) and cur.arg:
                context += " " + cur.arg
            cur = parents.get(id(cur))
        if sv.tokenish(context):
            yield at_node(
                WEAK_RANDOM, ctx, call, f"{name}() is predictable but makes a secret value ({context.strip()})"
            )
        elif (stored := sv.stored_as_credential(call, parents)):
            yield at_node(WEAK_RANDOM, ctx, call, f"{name}() is predictable but becomes {stored}")


@rule(TIMING)
def check_timing(ctx: ModuleContext) -> Iterator[Finding]:
    """AS606 — ``==``/``!=`` between two non-literal values where one names an API key, token, secret,
    signature, HMAC or password (e.g. ``request.headers.get('X-API-KEY') != os.getenv('API_KEY')``). A side that
    is an unkeyed ``hashlib`` digest computed in place (a password hash check) leaks nothing usable; a side that
    is a person (``token_auth.current_user()``, ``post.author``) makes it an ownership check. A command-line
    module (it parses its command line and serves no route) is not timed by a remote client."""
    if not au.mentions(ctx, _HINT_CHECK_TIMING):  # cheap pre-filter: most files cannot match
        return
    if is_sample_code(ctx.path) or tm.analyse_context(ctx).command_line:
        return  # a command-line tool answers its operator, not a remote client who could time it
    parents: dict[int, ast.AST] | None = None
    for node in au.nodes_of_any(ctx.tree, ast.Compare):
        if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq))):
            continue
        left, right = node.left, node.comparators[0]
        if not_a_secret_comparison(left, right):
            continue
        if not any(secretish(s) and not identity(s) for s in (left, right)):
            continue
        if parents is None:
            parents = au.parent_map(ctx.tree)
        if in_query(parents, node) or in_schema_validator(parents, node) or both_from_the_request(parents, node) \
                or any(from_signed_payload(parents, s) for s in (left, right)):  # bytes the caller cannot choose
            continue
        if isinstance(left, ast.Constant) or isinstance(right, ast.Constant):
            continue
        if any(isinstance(n, ast.Call) and au.last(au.dotted(n.func)) in {"len", "type", "type_of"}
               for n in (left, right)):
            continue
        scope = au.enclosing_function(parents, node) or ctx.tree
        if any(sv.digest_of_input(side, scope, ctx.tree, imports(ctx)) for side in (left, right)):
            continue
        if secretish(left) or secretish(right):
            if any(isinstance(s, ast.Attribute) and s.attr in {"type", "kind", "token_type", "status"}
                   for s in (left, right)):
                continue
            yield at_node(TIMING, ctx, node, f"'{ast.unparse(node)[:80]}' compares a secret with ==")


__all__ = ["BROKEN_HASH", "CREDENTIALS", "HARDCODED_SECRET", "TIMING", "WEAK_HASH", "WEAK_RANDOM", "WEAK_SECRET"]
