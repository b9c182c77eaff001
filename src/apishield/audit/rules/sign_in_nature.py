"""What sign-in and account-recovery routes do, for the attempt-limit (AS202) and CSRF (AS502) rules: whether a
route signs a caller in, takes a secret that can be guessed, leaves the browser signed in, and what an unthrottled
recovery step gives away."""

from __future__ import annotations

import io
import re
import textwrap
import tokenize

from apishield.audit.frameworks.common import static_segments
from apishield.audit.frameworks.path_words import AMBIGUOUS_AUTH_LAST, sign_in_last
from apishield.audit.model import Route
from apishield.audit.rules.identity_providers import delegates_password
from apishield.audit.rules.registry import ProjectContext
from apishield.audit.rules.route_nature import SETS_PASSWORD, handler_body, handler_source, line_text

#: an answer that tells whether an account exists
_ENUMERATES = re.compile(r"not found|does not exist|doesn't exist|no (?:such )?(?:user|account)|"
                         r"unknown (?:user|e-?mail)|not registered|invalid e-?mail", re.IGNORECASE)
#: a recovery step that reads a secret from the request: a ``<token>``/``{code}`` path parameter, a
#: ``'token'``/``'code'``/``'otp'``/``'pin'`` field or a body model's ``.token``/``.reset_code`` attribute
_READS_RECOVERY_SECRET = re.compile(
    r"""[<{:](?:\w+:)?(?:\w*_)?(?:token|code|otp|pin)\b|['"](?:\w*_)?(?:token|code|otp|pin)['"]"""
    r"|\.(?:\w*_)?(?:token|otp|pin)\b(?!\s*\()|\.(?:reset|verification|confirmation|otp)_code\b(?!\s*\()",
    re.IGNORECASE)  # an attribute read, not a method call (``user.generate_reset_token()`` creates the token)
#: the token is checked as a signed, expiring token (JWT, itsdangerous), not looked up or compared as text
_SIGNED_TOKEN = re.compile(r"verify\w*token|token\w*verify|jwt\.decode|\.loads\(|confirm\w*token|decode\w*token",
                           re.IGNORECASE)


def recovery_exposure(project: ProjectContext, route: Route) -> str:
    """What a password-recovery step gives an unthrottled caller, or ``""`` when nothing: a request step that
    only takes an address and answers the same either way gives nothing; one whose answers differ enumerates
    accounts; a confirmation step whose token is verified as a signed token (a JWT with ``exp``, itsdangerous),
    in the handler or in a project helper it passes the token to, has nothing guessable, any other token may be
    guessed. A request step that creates the token it mails reads none."""
    source = handler_source(project, route)
    # a secret the caller sends: a path parameter, or a field named in the code (a ``{token}`` placeholder of an
    # f-string building the mailed link is the token the step creates, not one it reads)
    if not _READS_RECOVERY_SECRET.search(route.path + "\n" + _F_STRING_FIELDS.sub("", source)):
        return " (its answer tells whether the account exists)" if _ENUMERATES.search(source) else ""
    if (_SIGNED_TOKEN.search(source) or _verified_in_callee(project, source)) and not re.search(
            r"['\"<{](?:\w*_)?(?:code|otp|pin)\b", source):
        return ""
    return " (the reset token or code can be guessed)"


_F_STRING_FIELDS = re.compile(r"\{\w+\}")


def sets_password_without_secret(project: ProjectContext, route: Route) -> bool:
    """A "reset" step that stores a new password for an account without reading any recovery secret (no mailed
    token or code in its path or its fields): not a recovery step whose caller cannot sign in, but a password change
    open to anyone."""
    source = handler_source(project, route)
    return bool(source and SETS_PASSWORD.search(source)
                and not _READS_RECOVERY_SECRET.search(route.path + "\n" + _F_STRING_FIELDS.sub("", source)))
_TOKEN_CALL = re.compile(r"\.?(\w+)\([^()]*\btoken\b[^()]*\)")


def _verified_in_callee(project: ProjectContext, source: str) -> bool:
    """The handler passes the token to a project function or method (``user.reset_password(token, pw)``) whose body
    verifies it as a signed token (``Serializer(...).loads(token)``, ``jwt.decode``)."""
    names = {m.group(1) for m in _TOKEN_CALL.finditer(source)}
    for module in project.modules:
        for name in names:
            definition = re.compile(rf"^([ \t]*)(?:async\s+)?def\s+{re.escape(name)}\s*\(", re.MULTILINE)
            for match in definition.finditer(module.source):
                indent = len(match.group(1))
                rest = module.source[match.end():]
                rest = rest[rest.find("\n") + 1:]  # the body starts on the next line
                end = re.search(rf"^[ \t]{{0,{indent}}}\S", rest, re.MULTILINE)
                if _SIGNED_TOKEN.search(rest[:end.start()] if end else rest):
                    return True
    return False


#: what a handler that checks a guessable secret reads: a password, PIN or one-time code, Basic or OAuth2 password
#: form credentials
_GUESSABLE = re.compile(r"passw|passphrase|pwd|\bpin\b|otp|totp|\bcode\b|credential|OAuth2PasswordRequestForm|"
                        r"HTTPBasic|authorization|basic_?auth|\.auth\b", re.IGNORECASE)


#: a sign-in: always reported, whatever it reads (a login that checks nothing is its own weakness)
_SIGN_IN = re.compile(r"log_?in|sign_?in|authenticate|otp|mfa|2fa", re.IGNORECASE)
_SIGN_IN_LAST = frozenset({"token", "tokens", "auth", "session", "sessions", "oauth"})


def signs_in(route: Route) -> bool:
    """The route is a sign-in: its last path segment or its handler says login, token, OTP…"""
    segs = [s.lower() for s in static_segments(route.path)]
    last = bool(segs) and segs[-1] in _SIGN_IN_LAST and (segs[-1] not in AMBIGUOUS_AUTH_LAST or sign_in_last(segs))
    return bool(last or (segs and _SIGN_IN.search(segs[-1]))) or bool(
        _SIGN_IN.search(route.handler.rsplit(".", 1)[-1]))


def takes_guessable_secret(project: ProjectContext, route: Route) -> bool:
    """The handler (its decorators, signature and body) reads a secret that can be guessed: a password, a PIN, a
    one-time code, HTTP Basic or OAuth2 password-form credentials. A step that only verifies a signed token it is
    given, or checks nothing at all, has nothing to brute-force. Unknown handlers count as taking one."""
    source = handler_source(project, route)
    if source and _secret_read_but_unused(source):
        return False  # ``password = request.form["password"]`` and nothing checks it: nothing to guess
    fields = " ".join(name for name, _ in route.fields)
    return not source or bool(_GUESSABLE.search(source + "\n" + fields + "\n" + route.path))


def _without_text(source: str) -> str:
    """``source`` with its comments and plain string literals blanked (f-strings kept: their braces use names)."""
    lines = [list(line) for line in textwrap.dedent(source).splitlines(keepends=True)]
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO("".join("".join(line) for line in lines)).readline))
    except (tokenize.TokenError, SyntaxError):
        return "".join("".join(line) for line in lines)
    for tok in tokens:
        plain = tok.type == tokenize.STRING and "f" not in tok.string.split(tok.string[-1], 1)[0].lower()
        if tok.type == tokenize.COMMENT or plain:
            (row, col), (end_row, end_col) = tok.start, tok.end
            for r in range(row, end_row + 1):
                line = lines[r - 1]
                lo, hi = (col if r == row else 0), (end_col if r == end_row else len(line) - 1)
                line[lo:hi] = [" "] * (hi - lo)
    return "".join("".join(line) for line in lines)


def password_unused(project: ProjectContext, route: Route) -> bool:
    """The handler reads a password (or another guessable secret) and never uses it: a login that lets anyone in
    by name alone has nothing to brute-force."""
    source = handler_source(project, route)
    return bool(source) and _secret_read_but_unused(source)


#: a call that verifies credentials, whatever it is given
_VERIFIES_ELSEWHERE = re.compile(
    r"\b\w*(?:authenticat|verif|check_?pass|checkpw|compare_digest|validate_?cred)\w*\s*\(", re.IGNORECASE)


def _secret_read_but_unused(source: str) -> bool:
    """Every line of code naming a guessable secret assigns it, as read from the request, to a name that no other
    line checks (comments aside): the handler reads the password and never verifies it — the other lines at most
    test that one was sent (``if password is None``) or keep it as sent (``session["password"] = password``)."""
    code = _without_text(source)
    if _VERIFIES_ELSEWHERE.search(code):
        return False  # a call that verifies credentials may read the password itself (``authenticator.authenticate()``)
    all_lines = code.splitlines()
    reads: dict[int, str] = {}  # line index -> the name the request's secret is read into
    for index, line in enumerate(all_lines):
        assigned = re.match(r"\s*(\w+)\s*=[^=](.*)", line) if _GUESSABLE.search(line) else None
        if assigned and re.search(r"\brequest\b|\bform\b|\bjson\b|\bbody\b|\bargs\b|\.get\(", assigned.group(2)) \
                and not re.search(r"\w\((?![^()]*\brequest\b)[^()]*\b(?:pass\w*|pwd)\b", assigned.group(2)):
            reads[index] = assigned.group(1)
    if not reads:
        return False
    names = set(reads.values())
    for index, line in enumerate(all_lines):
        if index in reads:
            continue
        named = [n for n in names if re.search(rf"\b{re.escape(n)}\b", line)]
        if any(not _only_present_or_kept(line, re.escape(n)) for n in named):
            return False  # compared, handed to a call, or otherwise used
        if not named and _GUESSABLE.search(line):
            return False  # the secret read or checked another way
    return True


def _only_present_or_kept(line: str, name: str) -> bool:
    """``line`` only tests whether ``name`` was sent (``is None``, ``not name``, a bare truth test) or stores it as
    it came (``session["password"] = name``): no comparison, no call that could verify it."""
    rest = re.sub(rf"\b{name}\s+is\s+(?:not\s+)?None\b|\bnot\s+{name}\b", " ", line)
    rest = re.sub(rf"^\s*[\w.]+\[[^\]]+\]\s*=\s*{name}\s*$", " ", rest)
    if not re.search(rf"\b{name}\b", rest):
        return True
    return re.fullmatch(rf"\s*(?:if|elif|while)\s+{name}\s*:\s*", rest) is not None or (re.fullmatch(
        rf"\s*(?:if|elif)\s+.*\b(?:or|and)\s+{name}\s*:\s*|\s*(?:if|elif)\s+{name}\s+(?:or|and)\b.*:\s*",
        rest) is not None and not re.search(r"==|!=|\(", rest))


#: a count of an account's failed sign-ins, and the lock it leads to
_FAILURE_COUNT = re.compile(r"(?i)\b\w*(?:failed_?(?:login_?)?attempts?|login_?attempts?|failed_?logins?|"
                            r"attempt_?count|failure_?count|bad_?attempts?)\b")
_LOCKS = re.compile(r"(?i)\block(?:ed)?_?(?:until|out|ed_?at)\b|\bis_?locked\b|\blockout\b|\bMAX_\w*ATTEMPTS\b|"
                    r"\bmax_?(?:login_?)?attempts\b")


def counts_failures(project: ProjectContext, route: Route) -> bool:
    """The sign-in keeps a count of the account's failed attempts and locks the account past a limit
    (``failed_attempts`` and ``locked_until``, ``MAX_LOGIN_ATTEMPTS``): an attempt limit per account, though none per
    client, so guessing one account's password is bounded."""
    code = _without_text(handler_source(project, route))
    return bool(_FAILURE_COUNT.search(code) and _LOCKS.search(code))


def delegated_sign_in(project: ProjectContext, route: Route) -> bool:
    """The handler hands the password or the reset code to a hosted identity provider (Cognito's
    ``initiate_auth``, Firebase's ``sign_in_with_email_and_password`` ...), which limits failed attempts per
    account itself."""
    return delegates_password(_without_text(handler_source(project, route)))


#: a project exchanging an OAuth authorization code at a provider's token endpoint: the ``authorization_code``
#: grant written out, or a client library's exchange (Authlib's ``authorize_access_token``, requests-oauthlib's
#: ``fetch_token``, google-auth-oauthlib's ``fetch_token``/``credentials_from_code``)
_CODE_EXCHANGE = re.compile(r"""['"]authorization_code['"]|\.authorize_access_token\(|\.fetch_token\(|"""
                            r"""credentials_from_code\(|\.exchange_code\(""")
#: the handler reading a field named ``code`` (``body.code``, ``request.args["code"]``, ``data.get("code")``)
_READS_CODE = re.compile(r"""\.code\b|\[\s*['"]code['"]\s*\]|\.get\(\s*['"]code['"]""")
#: what a one-time-code step or a password sign-in is named or reads: a guessable secret, not a provider's code
_ONE_TIME_OR_PASSWORD = re.compile(r"pass|pwd|otp|mfa|2fa|totp|two_factor|pin\b|verif|confirm|reset", re.IGNORECASE)


def completes_oauth(project: ProjectContext, route: Route) -> bool:
    """The handler takes an OAuth authorization code and no password or one-time code, in a project that exchanges
    codes at an identity provider's token endpoint: the provider checks a random, short-lived, single-use code it
    issued to this client, with the client's secret; repeating the request guesses nothing."""
    source = handler_source(project, route)
    if not _READS_CODE.search(source) or _ONE_TIME_OR_PASSWORD.search(f"{route.path} {route.handler} {source}"):
        return False
    return any(_CODE_EXCHANGE.search(m.source) for m in project.modules)


def issues_tokens_for_password(project: ProjectContext, route: Route) -> bool:
    """A POST to a token collection (``POST /tokens``) authenticated with HTTP Basic: it checks a password."""
    segs = static_segments(route.path)
    if not (segs and segs[-1].lower() in {"tokens", "token"} and "POST" in route.methods):
        return False
    lines = line_text(project, route.file)
    decorators = "\n".join(lines[route.line - 1:route.line + 8])
    return bool(re.search(r"@\w*(?:\.\w+)*\(\s*\w*basic\w*\s*\)|HTTPBasic", decorators, re.IGNORECASE))


#: a password checked against a stored hash or value (the library verifiers, and a project's ``verify_hash``)
_VERIFIES_PASSWORD = re.compile(r"check_password_hash\(|check_password\(|verify_password\(|verify_hash\(|checkpw\(|"
                                r"\.verify\(\s*\w*pass|password_verify\(|compare_digest\([^)]*pass",
                                re.IGNORECASE)
#: the login helpers a sign-in calls with the account it found (Flask-Login's, Django's, a project's ``*_login``)
_LOGIN_HELPERS = r"login_user\(|\blogin\(|_login\(|remember\("
#: what a sign-in does with the account it found: a login helper, a session entry, a token it issues
_STARTS_SESSION = re.compile(_LOGIN_HELPERS + r"|session\[[^]]*\]\s*=|create_access_token\(|jwt\.encode\(|"
                             r"set_access_cookies\(", re.IGNORECASE)


def signs_in_with_a_password(project: ProjectContext, route: Route) -> bool:
    """Whatever its path and name say (``/bruteforce``, ``/enter``), the handler checks a password and then signs the
    caller in: it verifies the password against the stored one and calls a login helper, writes the session or issues
    a token. A signed-in caller confirming their password for an action starts no session and is not one."""
    body = handler_body(project, route)
    return bool(body and _VERIFIES_PASSWORD.search(body) and _STARTS_SESSION.search(body))


#: what a login does to make the browser keep the caller signed in: a session write, a cookie, a login helper
_SIGNS_IN = re.compile(r"session|cookie|login_user|" + _LOGIN_HELPERS + r"|sign_?in\(|set_access_cookies",
                       re.IGNORECASE)


def keeps_browser_signed_in(project: ProjectContext, route: Route) -> bool:
    """A login that leaves the browser signed in (it writes the session, sets a cookie or calls a login helper):
    only such a login can be forged to sign the victim into the attacker's account. One that checks the password
    and answers a page or a redirect naming the account signs nobody in."""
    body = handler_body(project, route)
    if route.uses_session or body is None:
        return True
    code = _without_text(body)
    return bool(_SIGNS_IN.search(code) or _DELEGATED.search(code))


#: the response is what another function returns (``return check(form)``): it may sign the browser in
_DELEGATED = re.compile(r"\breturn\s+(?!(?:redirect|render_template|render_template_string|jsonify|make_response|"
                        r"Response|HTMLResponse|JSONResponse|RedirectResponse|abort|str|url_for|template)\()"
                        r"[A-Za-z_][\w.]*\(")


#: the signed-in user handed to a template to draw the page's navigation (``render_template(..., user=current_user)``)
_USER_FOR_TEMPLATE = re.compile(r"\b\w+\s*=\s*current_user\b(?!\s*\.)(?=\s*[,)])")
#: ``if current_user.is_authenticated: return redirect(…)``: a visitor already signed in is sent elsewhere, and the
#: session names nobody the rest of the handler acts as
_SENT_AWAY_WHEN_SIGNED_IN = re.compile(
    r"if\s+(?:current_user\.is_authenticated(?:\(\))?|request\.user\.is_authenticated|['\"]\w+['\"]\s+in\s+session|"
    r"session\.get\(\s*['\"]\w+['\"]\s*\))\s*:\s*\n\s*return\s+(?:redirect|HttpResponseRedirect|RedirectResponse)\(")
_SESSION_USE = re.compile(r"\bcurrent_user\b|(?:(?<![.\w])|(?<=request\.))session\b|\bcookies?\b|get_cookie|"
                          r"\bg\.(?:user|session|current_user)|\blogin_user\(|\bremember\(")


def acts_as_caller(project: ProjectContext, route: Route) -> bool:
    """The handler uses the signed-in caller for something besides drawing the page, or signs the browser in: a route
    that only hands ``current_user`` to its template (the navigation bar of a sign-up that signs nobody in, a tool
    page), or only sends a visitor already signed in elsewhere, changes nothing as the caller, so a forged post gains
    nothing a direct one does not."""
    body = handler_body(project, route)
    return body is None or _SESSION_USE.search(
        _USER_FOR_TEMPLATE.sub("", _SENT_AWAY_WHEN_SIGNED_IN.sub("", body))) is not None


__all__ = [
    "acts_as_caller",
    "counts_failures",
    "issues_tokens_for_password",
    "keeps_browser_signed_in",
    "password_unused",
    "recovery_exposure",
    "sets_password_without_secret",
    "signs_in",
    "signs_in_with_a_password",
    "takes_guessable_secret",
]
