"""Pure matchers on literal values shared by the secret rules (:mod:`apishield.audit.rules.secrets`), and where a value
becomes a secret: a name that says so (``reset_code``, ``apiKey``), or a session entry or cookie it is stored in."""

from __future__ import annotations

import ast
import itertools
import re

from apishield.audit import astutil as au
from apishield.audit.rules._config_classes import in_dev_branch
from apishield.findings import Severity

#: the cheap pre-filter: ``://user:pass@`` anywhere in a module's source
URL_WITH_PASSWORD = re.compile(r"://[^/\s:@'\"]+:[^/\s@'\"]+@")
#: ``scheme://user:password@host`` with a literal user and password (no template or environment placeholder)
_URL_CREDENTIALS = re.compile(r"^[a-z][a-z0-9+.\-]*://([^/\s:@{}$%<>\[\]]+):([^/\s@{}$%<>\[\]]+)@", re.IGNORECASE)
_URL_PLACEHOLDERS = frozenset({"password", "pass", "passwd", "pwd", "secret", "changeme", "xxx", "xxxx", "***", "****",
                               "user", "username"})
#: what documentation writes in a credential field's place: its type, whether it is required, how it is shown
FIELD_WORDS = frozenset({"required", "optional", "string", "str", "text", "hidden", "masked", "redacted", "writeonly",
                         "write-only", "write_only", "secret", "sensitive", "any", "yes", "no", "token", "x-api-key"})
_UNKEYED_HASHES = frozenset({"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256",
                             "sha3_384", "sha3_512", "blake2b", "blake2s", "new"})


#: what only a regular expression has: a lookaround or group flag, a class escape, a quantified class or a count
_REGEX_SYNTAX = re.compile(r"\(\?[=!:<]|\\[dDwWsS]|\][*+?{]|\{\d+,?\d*\}")


def is_pattern(literal: str) -> bool:
    """An anchored regular expression (``REGEX_PASSWORD = r"^(?=.*[a-zA-Z])\\S{12,}$"``): the rule a password must
    match, not a password."""
    if not (literal.startswith("^") or literal.endswith("$")) or not _REGEX_SYNTAX.search(literal):
        return False
    try:
        re.compile(literal)
    except re.error:
        return False
    return True


#: the names of this machine a connection URL or a host setting gives (IPv6 in brackets in a URL)
_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
#: the host after a URL's credentials (``…@host:port/…``)
_URL_HOST = re.compile(r"@(\[[^\]]*\]|[^:/@\s\[]*)(?=[:/]|$)")


def is_this_machine(host: str) -> bool:
    """``host`` names this machine (``localhost``, ``127.0.0.1``, ``[::1]``)."""
    return host.strip("[]").lower() in _LOOPBACK_NAMES


def names_this_machine(url: str) -> bool:
    """The connection URL's host is this machine (``…@localhost:5432/…``)."""
    return any(is_this_machine(m.group(1)) for m in _URL_HOST.finditer(url))


def url_user_with_password(text: str) -> str:
    """The user of a connection URL written with its password (``postgresql://app:s3cret@db/app``), else ``""``."""
    m = _URL_CREDENTIALS.match(text.strip())
    return m.group(1) if m and m.group(2).lower() not in _URL_PLACEHOLDERS else ""


#: password hashing functions that return the salted hash of their input (the check ``hashpw(pw, h) == h``)
_SLOW_PASSWORD_HASHES = frozenset({"bcrypt.hashpw", "hashpw", "crypt.crypt", "hashlib.pbkdf2_hmac", "pbkdf2_hmac",
                                   "hashlib.scrypt"})


def unkeyed_digest(node: ast.AST) -> bool:
    """``hashlib.sha256(x).hexdigest()``: the digest of the caller's own input. Comparing it with ``==`` reveals
    at most a prefix of a hash the attacker can compute anyway; so does a salted password hash of the candidate
    (``bcrypt.hashpw(pw, stored) == stored``: the attacker cannot steer its bytes). A keyed MAC
    (``hmac.new(...)``) is different: there the computed side is the secret."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "hex":
        node = node.func.value  # ``pbkdf2_hmac(...).hex()``
    if isinstance(node, ast.Call) and au.dotted(node.func) in _SLOW_PASSWORD_HASHES:
        return True  # ``bcrypt.hashpw(candidate, stored) == stored``: a salted slow hash of the caller's input
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"hexdigest", "digest"} and isinstance(node.func.value, ast.Call)):
        return False
    return _unkeyed_constructor(au.dotted(node.func.value.func))



def digest_of_input(node: ast.AST, scope: ast.AST, module: ast.Module, imp: au.Imports, depth: int = 0) -> bool:
    """:func:`unkeyed_digest`, also when the digest is computed out of sight of the comparison: a hash object made
    first (``h = sha256(); h.update(pw); h.hexdigest()``), a local name holding such a digest (``verify =
    hash_pword(salt, pw)``), or a call of a function of the same module every return of which is one
    (``hashPassword(pw) == stored``)."""
    if depth > 3:
        return False
    if unkeyed_digest(node):
        return True
    deeper = depth + 1
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {"hexdigest",
                                                                                                  "digest"}:
        made = node.func.value
        makers = au.assigned_values(made.id, scope) if isinstance(made, ast.Name) else [made]
        return bool(makers) and all(isinstance(m, ast.Call) and _unkeyed_constructor(au.call_name(m, imp))
                                    for m in makers)
    if isinstance(node, ast.Name):
        values = au.assigned_values(node.id, scope)
        return bool(values) and all(digest_of_input(v, scope, module, imp, deeper) for v in values)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        fn = next((f for f in module.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                   and f.name == node.func.id), None)
        if fn is None:
            return False
        returns = [r.value for r in au.nodes_of(fn, ast.Return) if r.value is not None]
        return bool(returns) and all(digest_of_input(r, fn, module, imp, deeper) for r in returns)
    return False


def _unkeyed_constructor(name: str) -> bool:
    """``hashlib.sha256`` (however imported): a hash object that takes no key."""
    return name.split(".", 1)[0] == "hashlib" and au.last(name) in _UNKEYED_HASHES


_SERVES = frozenset({"run", "run_app", "serve", "run_simple", "quickstart", "start", "serve_forever", "main"})


def in_setup_script(tree: ast.Module, node: ast.AST) -> bool:
    """``node`` sits in the module's ``if __name__ == "__main__":`` block and that block starts no server (it
    creates tables, seeds a developer's database): it runs on the developer's machine, not in the served app."""
    line = getattr(node, "lineno", 0)
    for stmt in tree.body:
        if isinstance(stmt, ast.If) and "__main__" in ast.dump(stmt.test) and \
                stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno):
            return not any(isinstance(c, ast.Call) and au.last(au.dotted(c.func)) in _SERVES
                           for c in ast.walk(stmt))
    return False


def _command(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(au.last(au.dotted(d.func if isinstance(d, ast.Call) else d)) in {"command", "option"}
               for d in fn.decorator_list)


def in_developer_command(tree: ast.Module, node: ast.AST) -> bool:
    """``node`` sits in a command-line command (``@cli.command('seed_db')``, ``@manager.command``,
    ``@click.command()``), or in a module-level helper that only such commands of the module call (``seed_db()``
    calling ``seed_db_logic()``): a developer runs it by hand to seed sample data; the served app never calls it."""
    parents = au.parent_map(tree)
    fn = au.enclosing_function(parents, node)
    while fn is not None:
        if _command(fn):
            return True
        if fn in tree.body:
            callers = [au.enclosing_function(parents, c) for c in au.calls(tree) if au.dotted(c.func) == fn.name]
            return bool(callers) and all(c is not None and _command(c) for c in callers)
        fn = au.enclosing_function(parents, fn)
    return False


def developer_only(tree: ast.Module, node: ast.AST) -> dict[str, Severity]:
    """``{"severity": LOW}`` for a value only a developer's command or script block uses, one set in the branch an
    ``if`` on the development environment takes (``if os.getenv("DEVELOPMENT"):``), or the default of a settings
    class the environment overrides for a service on this machine; else ``{}``."""
    return {"severity": Severity.LOW} if in_developer_command(tree, node) or in_setup_script(tree, node) or (
        local_settings_default(tree, node)) or in_dev_branch(node, au.parent_map(tree)) else {}


#: an environment variable's name (``"POSTGRES_PASSWORD"``), which code reads the credential from
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_CRED_WORD = re.compile(r"pass|pwd|key|token|secret|cred", re.IGNORECASE)
#: a key of a cache, session or settings store, in segments of identifiers (``myapp.oidc_access_token``)
_SLOT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:[.:][A-Za-z][A-Za-z0-9_]*)+")


def names_itself(name: str, literal: str) -> bool:
    """The value names the setting rather than holding it: the variable's own name in another spelling
    (``RESET_PASSWORD = 'reset-password'``, an operation's label) or the name of the environment variable that
    holds the credential (``password = "POSTGRES_PASSWORD"``), or a namespaced key under which a store keeps it
    (``OIDC_TOKEN = "myapp.oidc_access_token"``, ``"auth:session:token"``)."""
    def bare(text: str) -> str:
        return re.sub(r"[-_.\s]", "", text.lower())
    return bare(literal) == bare(name) or bool((_ENV_NAME.fullmatch(literal) or _SLOT_NAME.fullmatch(literal))
                                               and _CRED_WORD.search(literal))


#: a hash the database computes in the query (``password = SHA2(?, 512)``, pgcrypto's ``crypt(?, gen_salt('bf'))``):
#: the store holds the digest, not the typed password
SQL_HASHED = re.compile(r"\b(?:SHA2|SHA1|SHA|MD5|ENCRYPT|crypt|digest)\s*\(", re.IGNORECASE)
#: of those, the fast ones (a salted ``crypt(…, gen_salt(…))`` is bcrypt or similar)
SQL_FAST_HASH = re.compile(r"\b(SHA2|SHA1|SHA|MD5|digest)\s*\(", re.IGNORECASE)


def local_settings_default(tree: ast.Module, node: ast.AST) -> bool:
    """``node`` is a field default of a settings class read from the environment (pydantic ``BaseSettings``) for a
    service on this machine: the value is a URL naming this machine, or the class's host fields all default to it
    (``DB_HOST: str = "localhost"`` beside ``DB_PASSWORD: str = "main"``). The deployment's environment sets the
    real values; the default opens only a developer's own database."""
    line = getattr(node, "lineno", 0)
    for cls in ast.walk(tree):
        if not (isinstance(cls, ast.ClassDef) and cls.lineno <= line <= (cls.end_lineno or cls.lineno)
                and any(au.last(au.dotted(b)) == "BaseSettings" for b in cls.bases)):
            continue
        value = au.const(getattr(node, "value", None) if isinstance(node, (ast.Assign, ast.AnnAssign)) else node, None)
        if isinstance(value, str) and names_this_machine(value):
            return True
        hosts = [au.const(stmt.value, None) for stmt in cls.body if isinstance(stmt, (ast.Assign, ast.AnnAssign))
                 and stmt.value is not None and any(au.last(au.dotted(t)).upper().endswith("HOST") for t in (
                     stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]))]
        return bool(hosts) and all(isinstance(h, str) and is_this_machine(h) for h in hosts)
    return False


def environ_scheme_default(node: ast.AST, parents: dict[int, ast.AST], imports: au.Imports) -> bool:
    """``node`` is the default of a django-environ scheme entry, ``environ.Env(DATABASE_URL=(str, "<default>"))``:
    read from the environment like ``os.getenv("DATABASE_URL", "<default>")``, so the literal is only a fallback."""
    pair = parents.get(id(node))
    if not (isinstance(pair, ast.Tuple) and len(pair.elts) == 2 and pair.elts[1] is node):
        return False
    entry = parents.get(id(pair))
    call = parents.get(id(entry)) if isinstance(entry, ast.keyword) else None
    return isinstance(call, ast.Call) and au.call_name(call, imports) in _ENVIRON_SCHEMES


#: django-environ's readers, whose keyword arguments are a scheme of ``NAME=(type, default)``
_ENVIRON_SCHEMES = frozenset({"environ.Env", "environ.FileAwareEnv", "environ.environ.Env"})


def environment_fallback(tree: ast.Module, node: ast.AST, parents: dict[int, ast.AST], imports: au.Imports) -> bool:
    """``node`` is the fallback of a read of the environment: a later argument or the ``default=`` of
    ``os.getenv``/``os.environ.get``/``config(...)``, or of any reader of a django-environ ``Env`` the module made
    (``env.db("DATABASE_URL", default=...)``, ``env.str(...)``, ``env(...)``)."""
    parent = parents.get(id(node))
    if isinstance(parent, ast.keyword):
        call = parents.get(id(parent)) if parent.arg == "default" else None
    else:
        call = parent if isinstance(parent, ast.Call) and node is not (parent.args[0] if parent.args else None) \
            else None
    if not isinstance(call, ast.Call):
        return False
    if au.is_env_read(call, imports):
        return True
    func = call.func.value if isinstance(call.func, ast.Attribute) else call.func
    return isinstance(func, ast.Name) and any(
        isinstance(v, ast.Call) and au.call_name(v, imports) in _ENVIRON_SCHEMES
        for v in au.assigned_values(func.id, tree))


def local_default(tree: ast.Module, node: ast.AST, parents: dict[int, ast.AST], imports: au.Imports) -> bool:
    """A default for a service on this machine that the deployment's environment replaces: a settings class's
    field (:func:`local_settings_default`), a django-environ scheme entry (:func:`environ_scheme_default`) or the
    fallback of an environment read (:func:`environment_fallback`)."""
    return (local_settings_default(tree, node) or environ_scheme_default(node, parents, imports)
            or environment_fallback(tree, node, parents, imports))


#: names of a key the application itself signs or verifies with: a known default is a forgery
_SIGNING_NAME = re.compile(r"(?i)secret_?key|signing|hmac|jwt|session|cookie|csrf|encrypt|fernet")


#: a default written as an instruction to replace it (``replace-me``, ``changeme``, ``<your-client-secret>``)
_PLACEHOLDER_WORDS = re.compile(r"(?i)<?\s*(?:please[-_ ]?)?(?:replace|change|set|fill)[-_ ]?(?:me|it|this)"
                                r"(?:[-_ ]?please)?\s*>?|placeholder|x{3,}|todo|tbd")


def filler_for_a_service(name: str, literal: str) -> bool:
    """A credential the application presents to another service (an OAuth client secret, an API key) whose
    default is a filler written to be replaced: an instruction to replace it (``replace-me``, ``changeme``), one
    character repeated or characters counted up in order (``0123456789abcdef0123456789abcdef``). The service never
    issued it, so it opens nothing; a signing key with
    the same default would be a forgery key, and stays reported."""
    text = literal.strip()
    if _SIGNING_NAME.search(name):
        return False
    if _PLACEHOLDER_WORDS.fullmatch(text):
        return True  # ``'replace-me'``: a note to whoever deploys it, which no provider would accept
    if len(text) < 16:
        return False
    return len(set(text)) == 1 or all(ord(b) - ord(a) == 1 or b == text[0] or (a, b) in (("9", "a"), ("9", "A"))
                                      for a, b in itertools.pairwise(text))



def set_on_blueprint(tree: ast.AST, target: ast.Attribute) -> bool:
    """``bp.secret_key = ...`` where ``bp`` is a Flask ``Blueprint(...)`` of the module: an attribute nothing reads
    (the app's ``secret_key`` signs the session, whatever a blueprint carries)."""
    if not isinstance(target.value, ast.Name):
        return False
    values = au.assigned_values(target.value.id, tree)
    return bool(values) and all(isinstance(v, ast.Call) and au.last(au.dotted(v.func)) == "Blueprint" for v in values)

__all__ = [
    "FIELD_WORDS",
    "SQL_FAST_HASH",
    "SQL_HASHED",
    "URL_WITH_PASSWORD",
    "developer_only",
    "filler_for_a_service",
    "in_developer_command",
    "in_setup_script",
    "is_pattern",
    "is_this_machine",
    "local_settings_default",
    "names_itself",
    "names_this_machine",
    "set_on_blueprint",
    "stored_as_credential",
    "tokenish",
    "unkeyed_digest",
    "url_user_with_password",
]


_USER_KEY = re.compile(r"(?i)^(user_?name|user|login|email|account)$")


def account_pair(node: ast.AST) -> bool:
    """A dict literal that names an account and its password (``{"username": "admin", "password": "password"}``):
    a value there that reads like a field name is the password all the same."""
    if not isinstance(node, ast.Dict):
        return False
    return any(isinstance(k, ast.Constant) and isinstance(k.value, str) and _USER_KEY.match(k.value)
               and isinstance(v, ast.Constant) and isinstance(v.value, str) and v.value.strip()
               and v.value.lower() not in FIELD_WORDS and not _USER_KEY.match(v.value)
               for k, v in zip(node.keys, node.values, strict=False))


def hash_helpers(tree: ast.Module, hash_calls: dict[int, str]) -> dict[str, str]:
    """The module's one-purpose hashing helpers (``def md5(s): return hashlib.md5(s.encode()).hexdigest()``): a
    function whose body hashes one of its own parameters with a fast hash, by name, with the algorithm.
    ``hash_calls`` maps each fast-hash call (by ``id``) to its algorithm."""
    out: dict[str, str] = {}
    for fn in au.functions(tree):
        params = {a.arg for a in fn.args.args}
        for call in au.calls(fn):
            if id(call) in hash_calls and any(isinstance(n, ast.Name) and n.id in params
                                              for a in call.args for n in ast.walk(a)):
                out[fn.name] = hash_calls[id(call)]
                break
    return out


def one_value(node: ast.AST) -> bool:
    """An argument that is one value (a name, a field, a literal, a call reading one), not text composed of several
    (``b":".join([user, realm, password])``: an HTTP Digest response, not a stored password)."""
    return not any(isinstance(n, (ast.BinOp, ast.JoinedStr, ast.List, ast.Tuple)) for n in ast.walk(node))


#: words that say a value is a secret, looked for as whole parts of a name (``reset_code``, ``apiKey``, ``otp``): as
#: bare substrings, ``pin`` is in ``pumping``, ``code`` in ``encode``, ``key`` in ``monkey`` and ``api`` in ``capital``
_SECRET_PART = re.compile(r"(?:token|otp|code|key|secret|password|passwd|pwd|nonce|salt|session|reset|api|pin|csrf|"
                          r"verif\w*|apikey|passcode|pincode|authkey|sessionid|sid)s?")
#: parts that say so wherever they stand in a longer word (``accesstoken``, ``clientsecret``, ``newpassword``)
_SECRET_INSIDE = re.compile(r"token|secret|password|passwd|nonce|csrf")
_NAME_PARTS = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")


def tokenish(context: str) -> bool:
    """A name in ``context`` says the value is a secret: a whole part of it is a secret's word, or a part holds one
    that no innocent word does."""
    parts = [p.lower() for p in _NAME_PARTS.split(context) if p]
    return any(_SECRET_PART.fullmatch(p) or _SECRET_INSIDE.search(p) for p in parts)

def stored_as_credential(call: ast.Call, parents: dict[int, ast.AST]) -> str:
    """Where a value computed from ``call`` ends up, if it is a credential: stored in a session mapping
    (``session[k] = v``) or sent as a cookie (``set_cookie(name, v)``) in the same function."""
    fn: ast.AST | None = call
    assign: ast.AST | None = None
    while fn is not None and not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        if isinstance(fn, ast.Assign) and assign is None:
            assign = fn
        fn = parents.get(id(fn))
    if fn is None or not isinstance(assign, ast.Assign):
        return ""
    names = {t for t in au.target_names(assign) if "." not in t}
    for _ in range(2):  # values derived from it: ``token = prefix + value``
        for step in au.nodes_of(fn, ast.Assign):
            if any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(step.value)):
                names.update(t for t in au.target_names(step) if "." not in t)

    def uses(node: ast.AST) -> bool:
        return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))

    for node in au.walk(fn):
        if isinstance(node, ast.Assign) and uses(node.value):
            for t in node.targets:
                if isinstance(t, ast.Subscript) and "session" in au.last(au.dotted(t.value)).lower():
                    return "a session value"
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "set_cookie"
                and any(uses(a) for a in [*node.args[1:2], *(k.value for k in node.keywords if k.arg == "value")])):
            return "a cookie value"
    return ""
