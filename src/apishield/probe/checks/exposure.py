"""Exposure read from every recorded exchange (no requests of its own), next to :mod:`disclosure`:

* **framing** — a 2xx ``text/html`` page with something to click (a form, a button, an input, a link or a
  script) and neither ``X-Frame-Options: DENY``/``SAMEORIGIN`` nor a ``frame-ancestors`` directive without a wildcard
  in its Content-Security-Policy (see :func:`unframeable`): any
  site may frame it and trick a visitor into clicking (clickjacking). Reported once, apart from the generic
  missing-headers finding, because a framing weakness is its own class. JSON answers are never rendered in a
  frame and a page of plain text offers nothing to click, so neither counts.
* **versions in a body** — a JSON answer naming a framework, runtime or database with a version number
  (``"framework": "FastAPI 0.120.4"``, ``"python": "3.10.4"``), under a key that describes the system
  (``version``, ``framework``, ``runtime``, ``database`` …, or the software's own name): a health or status
  answer. An application's own version (``"version": "1.2.0"``) and a product called "Learning Python 3.10"
  (under ``name``) are not reported.
* **cookies scripts can read** — a cookie named for a session, a token, a login or the user (``session``, ``sid``,
  ``token``, ``auth``, ``user_data`` …; not a CSRF cookie, which double-submit schemes give to scripts) set
  without ``HttpOnly``: any injected script reads it. Reported once per cookie name; a cookie for a domain the host
  does not match (``Domain=.other.org``) is dropped by browsers and not reported.
* **personal data of other users** — a JSON record that looks like a person (a user name, first/last/full name
  or user id) and carries an e-mail address, a phone number or a postal address, answered to an anonymous caller,
  or to an identity whose own record it is not (the record names another user name or user id than the
  caller's). The caller's own record is fine, and a caller whose own user name and id the probe does not know is
  not judged (its own data could not be told apart).
* **source-control metadata** — an answer that is a Git repository's own file: ``HEAD`` (``ref: refs/heads/main``)
  or ``config`` (a ``[core]`` section with ``repositoryformatversion``). A served ``.git`` folder hands out the
  remote's URL, often with credentials, and usually the whole history; known by the file's content, not its path,
  so a page that merely mentions ``.git`` is not reported.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from apishield.probe import objects, rules
from apishield.probe.checks.disclosure import _op_for, _sent_text
from apishield.probe.client import ANONYMOUS, Exchange
from apishield.probe.engine import Context, Identity, check
from apishield.web.headers import csp_directives

HTML = ("text/html", "application/xhtml+xml")
#: a Git repository's own files: HEAD (a symbolic ref, or a detached commit id) and config
GIT_FILE = re.compile(r"\A\s*(?:ref: refs/[\w./-]+|[0-9a-f]{40})\s*\Z|"
                      r"^\[core\]\s*$[\s\S]{0,200}?^\s*repositoryformatversion\s*=", re.MULTILINE)
ACTIONABLE = re.compile(r"(?i)<(form|button|input|select|textarea|script)\b|<a\s[^>]*href\s*=")
SOFTWARE = (r"python|cpython|pypy|fastapi|starlette|uvicorn|gunicorn|hypercorn|django|flask|werkzeug|bottle|"
            r"cherrypy|tornado|aiohttp|sanic|node(?:\.?js)?|express|php|java|openjdk|jdk|jre|spring(?: ?boot)?|"
            r"tomcat|jetty|ruby|rails|golang|\.net|asp\.net|nginx|apache|iis|sqlite3?|postgres(?:ql)?|mysql|"
            r"mariadb|mongo(?:db)?|redis|sqlalchemy|openssl|ubuntu|debian|alpine|elasticsearch")
NAMED_VERSION = re.compile(rf"(?i)(?<![\w.])({SOFTWARE})[ /:v-]{{0,3}}v?(\d+\.\d+(?:\.\d+)?)")
SOFTWARE_KEY = re.compile(rf"(?i)^({SOFTWARE})([_ -]?(version|ver|v))?$")
SYSTEM_KEY = re.compile(r"(?i)(version|framework|runtime|language|interpreter|server|database|^db|_db|engine|"
                        r"platform|backend|stack|driver|system|^os$|environment)")
BARE_VERSION = re.compile(r"^v?\d+\.\d+(\.\d+)?([.+-][\w.]+)?$")

EMAIL = re.compile(r"^[\w.+-]{1,64}@[\w-]{1,63}(\.[\w-]{1,63})+$")
EMAIL_KEY = re.compile(r"(?i)^(e-?mail|mail)(_?address)?$|_e?mail$")
PHONE_KEY = re.compile(r"(?i)^(phone|mobile|telephone|tel|cell)(_?(number|no))?$|_phone$")
ADDRESS_KEY = re.compile(r"(?i)^(postal_?|street_?|home_?|billing_?|shipping_?|mailing_?)?address(_?line_?\d)?$|"
                         r"^street$")
PERSON_KEY = re.compile(r"(?i)^(username|user_?name|login|first_?name|last_?name|full_?name|given_?name|"
                        r"family_?name|surname|user_?id)$")
OWNER_KEY = re.compile(r"(?i)^(id|user_?id|username|user_?name|login|email|e-?mail)$")


def unframeable(ex: Exchange) -> bool:
    """Whether the answer forbids framing by other sites: ``X-Frame-Options`` with a value browsers obey (``DENY``
    or ``SAMEORIGIN``; ``ALLOWALL``, ``ALLOW-FROM`` and anything else are ignored, so the page can be framed), or a
    CSP ``frame-ancestors`` directive that names no wildcard (``*``, ``https:``) source."""
    if (ex.header("x-frame-options") or "").strip().lower() in ("deny", "sameorigin"):
        return True
    policy = ex.header("content-security-policy")
    sources = csp_directives(policy or "").get("frame-ancestors")
    return sources is not None and not any(s in ("*", "http:", "https:") for s in sources)


def versions_in_body(data: Any, depth: int = 0, key: str = "") -> list[str]:
    """``key: value`` pairs of a JSON document that name software with a version number (see the module)."""
    found: list[str] = []
    if depth > 6:
        return found
    if isinstance(data, dict):
        for k, v in data.items():
            found += versions_in_body(v, depth + 1, str(k))
    elif isinstance(data, list):
        for item in data[:50]:
            found += versions_in_body(item, depth + 1, key)
    elif isinstance(data, str) and key and len(data) <= 200:
        bare = SOFTWARE_KEY.match(key) and BARE_VERSION.match(data.strip())
        if bare or (SYSTEM_KEY.search(key) and NAMED_VERSION.search(data)):
            found.append(f"{key}: {data}")
    return found


def _contact(key: str, value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    if EMAIL_KEY.search(key) and EMAIL.match(text):
        return "e-mail"
    if PHONE_KEY.search(key) and len(re.sub(r"\D", "", text)) >= 7 and re.fullmatch(r"[\d\s()+.x-]{7,30}", text):
        return "phone"
    if ADDRESS_KEY.search(key) and len(text) >= 8 and re.search(r"\d", text) and re.search(r"[A-Za-z]{3}", text):
        return "postal address"
    return None


def person_records(data: Any, depth: int = 0) -> list[dict[str, Any]]:
    """Every JSON object that names a person and carries contact data."""
    out: list[dict[str, Any]] = []
    if depth > 6:
        return out
    if isinstance(data, dict):
        if any(PERSON_KEY.match(str(k)) for k in data) and any(_contact(str(k), v) for k, v in data.items()):
            out.append(data)
        for value in data.values():
            out += person_records(value, depth + 1)
    elif isinstance(data, list):
        for item in data[:100]:
            out += person_records(item, depth + 1)
    return out


def owns(record: dict[str, Any], me: Identity) -> bool:
    """The record names the caller (its user name, id, or an e-mail whose local part is its user name)."""
    mine = {str(v).lower() for v in (me.username, me.user_id) if v not in (None, "")}
    for key, value in record.items():
        if not OWNER_KEY.match(str(key)) or isinstance(value, (dict, list)) or value is None:
            continue
        text = str(value).lower()
        if text in mine or (EMAIL.match(text) and text.split("@")[0] in mine):
            return True
    return False


_NAME_FIELD = r"""["']?(?:user(?:_?name)?|login|email|e-mail|account)["']?\s*[:=]\s*["']?([^"'&,}\s]+)"""
_PASS_FIELD = r"""pass(?:word|wd)?["']?\s*[:=]"""  # noqa: S105 - a pattern, not a password
_CREDENTIALS = re.compile(rf"(?i){_NAME_FIELD}[\s\S]*{_PASS_FIELD}|{_PASS_FIELD}[\s\S]*{_NAME_FIELD}")


def _signed_in(sent: str) -> str | None:
    """The user name or e-mail a request signs in with: it carries a password next to it (a login, a sign-up)."""
    match = _CREDENTIALS.search(sent)
    return unquote_plus(match.group(1) or match.group(2)) if match else None


def others_data(ctx: Context, ex: Exchange) -> list[str]:
    """The kinds of contact data of other people in ``ex``'s answer (empty when none, or when it cannot tell)."""
    me = next((i for i in ctx.identities if i.name == ex.identity), None)
    if ex.identity != ANONYMOUS and (me is None or (me.username is None and me.user_id is None)):
        return []
    if me is not None and objects.privileged(me.attributes):
        return []  # an administrator is shown other people's records by design
    carried = {k.lower() for k, _v in ex.request_headers} & ({"authorization", "cookie"} | {
        h.lower() for i in ctx.identities for h in i.headers})
    if ex.identity == ANONYMOUS and carried:
        return []  # a forged or altered credential (the JWT checks): whose answer it is cannot be told
    sent = _sent_text(ex)
    # a login or sign-up answers whoever's password the request carried (an identity's own token may ride along with
    # another's credentials in the body): the record naming them is their own
    signed = _signed_in(sent)
    signer = Identity("signed-in", username=signed) if signed else None
    kinds: set[str] = set()
    for record in person_records(ex.json()):
        if any(who is not None and owns(record, who) for who in (me, signer)):
            continue
        if any(isinstance(v, str) and "apishield" in v.lower() for v in record.values()):
            continue  # a throwaway account or object of the probe's own
        for k, v in record.items():
            kind = _contact(str(k), v)
            if kind and str(v) not in sent:
                kinds.add(kind)
    return sorted(kinds)


#: cookie names that carry a session, a credential or the user's own data (``connect.sid``: express-session's)
CREDENTIAL_COOKIE = re.compile(r"(?i)sess|(?:^|[._-])sid$|token|auth|jwt|login|user|remember|access|refresh|"
                               r"account")


def readable_cookies(ex: Exchange) -> list[str]:
    """Names of the session or credential cookies ``ex`` sets without ``HttpOnly`` (a cookie being deleted, with
    an empty value or an expiry in the past, is left out)."""
    out: list[str] = []
    for key, value in ex.response_headers:
        if key.lower() != "set-cookie":
            continue
        name, _, rest = value.partition("=")
        cookie_value, _, attributes = rest.partition(";")
        attrs = [a.strip().lower() for a in attributes.split(";")]
        if (not cookie_value.strip() or any(a.startswith(("max-age=0", "expires=thu, 01 jan 1970")) for a in attrs)
                or re.search(r"(?i)csrf|xsrf", name) or not CREDENTIAL_COOKIE.search(name.strip())):
            continue
        if "httponly" not in attrs and _kept_by_browsers(attrs, ex.url):
            out.append(name.strip())
    return out


def _kept_by_browsers(attrs: list[str], url: str) -> bool:
    """A browser stores the cookie for the host that set it: one whose ``Domain`` the host does not domain-match
    (RFC 6265, 5.3 step 6: ``Domain=.other.org`` set by ``127.0.0.1`` or ``shop.test``) is dropped, so no script
    of this site can read it."""
    host = (urlsplit(url).hostname or "").lower()
    for attr in attrs:
        if attr.startswith("domain="):
            domain = attr[7:].strip().lstrip(".")
            if domain and host != domain and (not host.endswith("." + domain) or _is_address(host)):
                return False
    return True


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@check("exposure", rules=(rules.FRAMING, rules.VERSION_BODY, rules.PERSONAL_DATA, rules.COOKIE_SCRIPT_READABLE,
                         rules.VCS_METADATA), weight=1, phase="passive", order=8)
async def exposure(ctx: Context) -> None:
    """Reads every recorded exchange (no requests): frameable HTML pages, software versions in JSON bodies,
    cookies scripts can read, personal data of other users, source-control files."""
    framed = False
    served: set[str] = set()
    versions: set[str] = set()
    personal: set[str] = set()
    cookies: set[str] = set()
    for ex in list(ctx.client.log):
        for name in set(readable_cookies(ex)) - cookies:
            cookies.add(name)
            ctx.report(rules.COOKIE_SCRIPT_READABLE, f"{ex.method} {ex.path} sets the cookie {name!r} without "
                       "HttpOnly: any script injected into the site can read it", ex, op=_op_for(ctx, ex),
                       parameter=name)
        if not ex.ok:
            continue
        if not framed and ex.content_type in HTML and ACTIONABLE.search(ex.text) and not unframeable(ex):
            framed = True
            sent = ex.header("x-frame-options")
            ctx.report(rules.FRAMING, f"the HTML page {ex.method} {ex.path} sends neither an X-Frame-Options browsers "
                       "obey" + (f" (it sends {sent[:40]!r}, which they ignore)" if sent else "") + " nor a "
                       "Content-Security-Policy frame-ancestors directive that keeps other sites out: any site can "
                       "frame it", ex, op=_op_for(ctx, ex), highlight=sent or None)
        if ex.path not in served and "json" not in ex.content_type and GIT_FILE.search(ex.text[:4096]):
            served.add(ex.path)
            ctx.report(rules.VCS_METADATA, f"{ex.method} {ex.path} answers a Git repository's own file: the .git "
                       "folder is served", ex, op=_op_for(ctx, ex))
        if "json" not in ex.content_type:
            continue
        data = ex.json()
        key = ex.operation or f"{ex.method} {ex.path}"
        named = versions_in_body(data) if key not in versions else []
        if named and not any(n.split(": ", 1)[1] in _sent_text(ex) for n in named):
            versions.add(key)
            ctx.report(rules.VERSION_BODY, f"the answer names software versions: {'; '.join(named[:4])}", ex,
                       op=_op_for(ctx, ex), highlight=named[0].split(": ", 1)[1])
        if key not in personal and (kinds := others_data(ctx, ex)):
            personal.add(key)
            who = "an anonymous caller" if ex.identity == ANONYMOUS else f"identity {ex.identity!r}"
            ctx.report(rules.PERSONAL_DATA, f"the answer to {who} carries {', '.join(kinds)} of other users", ex,
                       op=_op_for(ctx, ex))


__all__ = ["GIT_FILE", "exposure", "others_data", "owns", "person_records", "readable_cookies", "unframeable",
           "versions_in_body"]
