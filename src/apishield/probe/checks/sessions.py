"""Session handling seen from outside: session fixation and execution after redirect.

* **Session fixation** — a session id chosen by the client becomes the session: a query parameter named like a
  session (``session``, ``sid``, ``sessionid`` …) given a fresh random value that comes back as a cookie's value
  in ``Set-Cookie``; or a session-like cookie the server issued during the run (``SESSIONID``, ``sid``,
  ``PHPSESSID`` …) sent back with a value of the probe's choosing, which the server then sets as its own. A
  server that issues ids itself ignores an unknown one (or signs its cookies), so it stays quiet. One or two
  requests per parameter or cookie name.
* **Execution after redirect** — an anonymous caller is redirected to a login page (a ``3xx`` whose
  ``Location`` names a login, or a ``2xx`` HTML page whose script or meta refresh sends the browser there) but the
  answer still carries the page's content: a ``3xx`` body with more text than a redirect notice, or a page whose
  text beyond the redirect is not on the login page itself. The answers the run already recorded are read first;
  other safe HTML pages get one anonymous GET, and each login page one more.
* **A guessable session-cookie key** — a cookie shaped like a Flask/itsdangerous signed value
  (``payload.timestamp.signature``), issued during the run or held by an identity, is checked **offline** against
  the word list the JWT check cracks HMAC secrets with (the same case variants), with Flask's session signer and
  itsdangerous's default one: a key that reproduces the signature lets anyone sign a session of their choosing.
  No request is sent.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from urllib.parse import urljoin, urlsplit

from itsdangerous import Signer

from apishield.probe import rules
from apishield.probe.checks._util import set_cookies, try_send, visible_lines
from apishield.probe.checks.jwt import api_texts, compound_secrets, own_words, wordlist
from apishield.probe.checks.redirect import client_side_targets
from apishield.probe.checks.session_ids import predictable_sessions
from apishield.probe.client import ANONYMOUS, Exchange
from apishield.probe.engine import Context, check

SESSION_NAME = re.compile(r"(?i)^(session|sess|sid|session_?id|sess_?id|jsessionid|phpsessid|asp\.net_sessionid|"
                          r"connect\.sid|.*[_.-]sess(ion)?(_?id)?|sess(ion)?[_.-].*)$")
LOGIN_PATH = re.compile(r"(?i)/(log-?in|sign-?in|auth(enticate)?|sso|session/new|account/login)(\b|/|$|\.)")
HTML = ("text/html", "application/xhtml+xml")
MIN_TEXT = 40


async def _fixation(ctx: Context) -> None:
    ops = [op for op in ctx.operations if op.method == "GET" and not op.looks_destructive()]
    for op in ops:  # a session id chosen in the query
        for param in (p for p in op.params if p.location == "query" and SESSION_NAME.match(p.name)):
            chosen = "apishieldfix" + secrets.token_hex(8)
            path = ctx.concrete_path(op, None) or op.path
            ex = await try_send(ctx, "GET", path, op=op, params={**ctx.query_for(op), param.name: chosen})
            if ex is not None and (name := next((n for n, v in set_cookies(ex).items() if v == chosen), None)):
                ctx.report(rules.SESSION_FIXATION, f"{param.name}={chosen!r} in the query came back as the value of "
                           f"cookie {name!r}: anyone can choose a victim's session id", ex, op=op,
                           parameter=param.name, highlight=chosen)
                return
    issued: dict[str, Exchange] = {}
    for ex in list(ctx.client.log):  # session cookies the server issued on its own
        for name, value in set_cookies(ex).items():
            if SESSION_NAME.match(name) and value and not value.startswith("apishield") and ex.method == "GET":
                issued.setdefault(name, ex)
    for name, origin in list(issued.items())[:2]:
        chosen = "apishieldfix" + secrets.token_hex(8)
        issuer = next((o for o in ctx.operations if o.key == origin.operation), None)
        ex = await try_send(ctx, "GET", origin.path, op=issuer, headers={"Cookie": f"{name}={chosen}"})
        if ex is not None and ex.status is not None and ex.status < 400 and set_cookies(ex).get(name) == chosen:
            ctx.report(rules.SESSION_FIXATION, f"cookie {name!r} sent with a value the client chose ({chosen!r}) was "
                       "set back by the server as the session: an unknown session id is adopted", ex, op=issuer,
                       parameter=name, highlight=chosen)
            return


def login_target(ctx: Context, ex: Exchange) -> str | None:
    """The same-origin login path this answer redirects an anonymous caller to, if any."""
    targets: list[str] = []
    if ex.status is not None and 300 <= ex.status < 400 and ex.header("location"):
        targets.append(ex.header("location") or "")
    elif ex.ok and ex.content_type in HTML:
        targets += client_side_targets(ex.text)
    scheme, host, port = ctx.client.origin
    for target in targets:
        url = urlsplit(urljoin(f"{scheme}://{host}:{port}{ex.path}", target))
        if url.hostname == host and LOGIN_PATH.search(url.path) and url.path.rstrip("/") != ex.path.rstrip("/"):
            return url.path
    return None


async def _after_redirect(ctx: Context) -> None:
    pages = [op for op in ctx.operations if op.method == "GET" and not op.looks_destructive()
             and not op.path_params and not any(p.required for p in op.params) and not LOGIN_PATH.search(op.path)]
    logins: dict[str, set[str] | None] = {}
    for op in pages[:25]:
        ex = next((e for e in ctx.client.log if e.operation == op.key and e.identity == ANONYMOUS
                   and e.url.split("?")[0].endswith(op.path) and "?" not in e.url), None)
        if ex is None:
            ex = await try_send(ctx, "GET", op.path, op=op)
        if ex is None or ex.status is None:
            continue
        target = login_target(ctx, ex)
        if target is None:
            continue
        text = [t for t in visible_lines(ex.text) if "redirect" not in t.lower() and target not in t]
        if not text:
            continue
        # only the text beyond the login page's own counts: a layout the server prints before it redirects (a
        # navigation bar offering Login and Register) is on every public page, not the protected page's content
        if target not in logins:
            login = await try_send(ctx, "GET", target)
            logins[target] = set(visible_lines(login.text)) if login is not None and login.ok else None
        known = logins[target]
        if known is None and ex.ok:
            continue  # a page that redirects by script, and no login page to tell its own text by
        text = [t for t in text if t not in (known or set())]
        shown = " | ".join(text)
        if len(shown) >= MIN_TEXT:
            how = f"{ex.status} to {target}" if not ex.ok else f"a script or meta refresh to {target}"
            ctx.report(rules.EAR, f"an anonymous {op.key} is redirected ({how}) but the answer carries the page's "
                       f"content: {shown[:160]!r}", ex, op=op, highlight=text[0][:40])


#: an itsdangerous timestamped value: base64url payload (a leading "." when zlib-compressed), timestamp, signature
SIGNED_VALUE = re.compile(r"^\.?[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,8}\.[A-Za-z0-9_-]{20,}$")
#: (salt, key derivation) of Flask's session interface, then of itsdangerous's own serializers
SIGNERS = (("cookie-session", "hmac"), ("itsdangerous", "django-concat"))


def crack_signed(value: str, words: list[str]) -> str | None:
    """Offline: the key under which ``value``'s signature is valid (Flask's session signer or itsdangerous's
    default, HMAC-SHA1), if it is in ``words``."""
    for salt, derivation in SIGNERS:
        for word in words:  # an offline search of our own: no request, no server input compared
            if Signer(word, salt=salt, key_derivation=derivation, digest_method=hashlib.sha1).validate(value):
                return word
    return None


def _signed_cookies(ctx: Context) -> dict[str, tuple[str, Exchange | None]]:
    """Cookies shaped like an itsdangerous signed value: name -> (value, the answer that set it, if seen)."""
    found: dict[str, tuple[str, Exchange | None]] = {}
    for ex in list(ctx.client.log):
        for name, value in set_cookies(ex).items():
            if SIGNED_VALUE.match(value):
                found.setdefault(name, (value, ex))
    for identity in ctx.identities:
        for key, header in identity.headers.items():
            for pair in header.split(";") if key.lower() == "cookie" else ():
                name, _, value = pair.strip().partition("=")
                if SIGNED_VALUE.match(value):
                    found.setdefault(name, (value, None))
    return found


def _weak_cookie_key(ctx: Context) -> None:
    cookies = list(_signed_cookies(ctx).items())[:3]
    # the JWT check's candidates: the usual secrets, compounds of usual words, words of the API's own vocabulary
    words = list(dict.fromkeys([*wordlist(), *compound_secrets(), *own_words(api_texts(ctx, {}))])) if cookies else []
    for name, (value, origin) in cookies:
        key = crack_signed(value, words)
        if key is not None:
            issuer = next((o for o in ctx.operations if origin is not None and o.key == origin.operation), None)
            ctx.report(rules.SESSION_WEAK_KEY, f"cookie {name!r} is signed with the key {key!r} (cracked offline: it "
                       "reproduces the cookie's signature); anyone can sign a session of their choosing", origin,
                       op=issuer, parameter=name)


@check("sessions", rules=(rules.SESSION_FIXATION, rules.EAR, rules.SESSION_WEAK_KEY, rules.SESSION_PREDICTABLE),
       weight=1, phase="config", order=60)
async def sessions(ctx: Context) -> None:
    """Session ids chosen by the client must not be adopted; redirects to the login must not carry the page;
    a signed session cookie's key must not be a guessable word; logins must not issue guessable session ids."""
    _weak_cookie_key(ctx)
    await predictable_sessions(ctx)
    await _fixation(ctx)
    await _after_redirect(ctx)


__all__ = ["sessions"]
