"""How the target stores passwords, read from what it answers (no requests of its own).

The probe knows the passwords its identities sign in with, so it can recognise them in any form the target gives
back. An answer that carries the hex MD5, SHA-1 or SHA-2 digest of one — as a field, inside a token, in a page or a
cookie — shows the target keeps passwords under a fast unsalted hash, which a graphics card reverses by the billion
per second (CWE-916/759). An answer that shows the password itself as a value (a JSON field, a labelled value or a
table cell of a page, a cookie), or carries its Base64 form, to a request that did not send it shows the target
keeps it in plain text or reversibly (CWE-256/257). A digest or a password the request itself carried is an echo and
proves nothing about storage. Each is reported once per target: the storage is one weakness, however many answers
show it (the exposure of each answer is the ``passive`` check's finding).
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from dataclasses import dataclass
from urllib.parse import unquote_plus

from apishield.findings import Severity
from apishield.probe import rules
from apishield.probe.account_ops import creates_account
from apishield.probe.checks._util import request_fields, string_leaves
from apishield.probe.checks.credentials import DEFAULT_PAIRS
from apishield.probe.checks.disclosure import _op_for, hash_shape, labelled_values
from apishield.probe.client import ANONYMOUS, Exchange
from apishield.probe.engine import Context, check

#: the unsalted digests a password is commonly stored under, by name
FAST_HASHES = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
HEX_RUN = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{32,128}(?![0-9a-fA-F])")
#: a password shorter than this could turn up in an answer by chance
MIN_LENGTH = 5
#: a field whose value is a password the probe chose: stricter than ``identities.password_named`` (any name with
#: "pass"), whose ``passport`` or ``password_hint`` values must not be taken for passwords and searched for
PASSWORD_FIELD = re.compile(r"(?i)^(?:new_?)?(?:password|passwd|pwd|pass)$")


#: the passwords of the default accounts tried at the login: words any answer may carry (``admin``, ``password``)
WELL_KNOWN = frozenset(password for _, password in DEFAULT_PAIRS)


@dataclass(frozen=True, slots=True)
class Known:
    identity: str
    password: str
    digests: dict[str, str]  # hex digest (lower case) -> algorithm
    encoded: str  # Base64 of the password


def known_passwords(ctx: Context) -> list[Known]:
    """The passwords the identities sign in with, and those the probe itself sent to a login or an account
    creation (a run without identities still tries its own), with the forms a target may store them in."""
    owners = {i.password: f"identity {i.name!r}'s password" for i in ctx.identities if i.password}
    for ex in ctx.client.log:
        op = _op_for(ctx, ex) if ex.method in ("POST", "PUT") else None
        if op is not None and (op.looks_login() or op.looks_register() or creates_account(op)):
            for value in _password_fields(ex):
                if value not in WELL_KNOWN:  # a default account's password is a common word, not one it chose
                    owners.setdefault(value, f"the password the probe sent to {op.key}")
    out: list[Known] = []
    for pw, owner in owners.items():
        if len(pw) < MIN_LENGTH:
            continue
        raw = pw.encode()
        digests = {hashlib.new(name, raw).hexdigest(): name for name in FAST_HASHES}
        out.append(Known(owner, pw, digests, base64.b64encode(raw).decode()))
    return out


def _password_fields(ex: Exchange) -> list[str]:
    """The values of a request body's password-named fields (JSON or form-encoded)."""
    return [v for k, v in request_fields(ex).items() if isinstance(v, str) and PASSWORD_FIELD.search(str(k))]


def _answer_text(ex: Exchange) -> str:
    """What the answer shows: its body and the values of the cookies and headers it sets."""
    headers = " ".join(v for k, v in ex.response_headers if k.lower() not in ("date", "etag", "content-length"))
    return f"{ex.text}\n{headers}"


def _sent(ex: Exchange) -> str:
    return (unquote_plus(ex.url) + "\n" + unquote_plus(ex.request_body.decode("utf-8", "replace"))
            + "\n" + " ".join(v for _k, v in ex.request_headers)).lower()


def fast_digest(text: str, sent: str, known: list[Known]) -> tuple[Known, str, str] | None:
    """The identity, algorithm and digest of a password's unsalted fast hash the answer's ``text`` carries, if any
    (``sent``: what the request carried, lower case)."""
    for match in HEX_RUN.finditer(text):
        value = match.group(0).lower()
        for k in known:
            algo = k.digests.get(value)
            if algo is not None and value not in sent:
                return k, algo, match.group(0)
    return None


#: an HTML table cell: where a page shows a stored value by itself
CELL = re.compile(r"(?is)<td\b[^>]*>\s*([^<]{1,200}?)\s*</td>")
#: a form field's pre-filled value
PREFILL = re.compile(r"(?is)\bvalue\s*=\s*[\"']([^\"']{1,200})[\"']")


def prefilled(ex: Exchange) -> set[str]:
    """The values a page's form fields come pre-filled with."""
    return {html.unescape(v) for v in PREFILL.findall(ex.text)} if "html" in ex.content_type else set()


def shown_values(ex: Exchange, *, prefills: bool = True) -> set[str]:
    """The values an answer shows one by one: JSON string leaves, a page's labelled values, table cells and (with
    ``prefills``) pre-filled form fields, and the cookies it sets. Free text is not read: a password such as
    ``password`` is also a word of ordinary prose."""
    values: set[str] = set()
    data = ex.json()
    if data is not None:
        values.update(string_leaves(data))
    else:
        values.update((labelled_values(ex) or {}).values())
        if "html" in ex.content_type:
            values.update(html.unescape(v) for v in CELL.findall(ex.text))
            if prefills:
                values.update(prefilled(ex))
    for key, value in ex.response_headers:
        if key.lower() == "set-cookie":
            values.add(unquote_plus(value.split(";", 1)[0].partition("=")[2]).strip('"'))
    return values


def _shows_salted_hash(ex: Exchange) -> bool:
    """The answer shows a value shaped like a salted password hash (bcrypt, Argon2, PBKDF2, scrypt, crypt; the
    shapes the exposure check names), read value by value as the plain-text reading reads them."""
    text = ex.text.lower()
    if "$" not in text and "pbkdf2" not in text and "scrypt" not in text:  # every shape has one of these
        return False
    return any(hash_shape("", value) for value in shown_values(ex))


def plain_password(ex: Exchange, text: str, sent: str, known: list[Known],
                   fixed: frozenset[tuple[str, str]] = frozenset()) -> tuple[Known, str] | None:
    """The identity whose password the answer shows as a value of its own, or whose Base64 form its ``text``
    carries anywhere, to a request that did not send the password (``sent``, lower case). A form pre-filled for an
    anonymous caller, or pre-filled at a path with a value an anonymous caller was shown there too (``fixed``:
    path and value), is the page's fixed text — a login form offering the demo account — not a record."""
    values: set[str] | None = None
    for k in known:
        if k.password.lower() in sent or k.encoded.lower() in sent:
            continue
        if values is None:
            values = shown_values(ex, prefills=ex.identity != ANONYMOUS)
            values -= {v for path, v in fixed if path == ex.path}
        if k.password in values:
            return k, "in plain text"
        if re.search(rf"(?<![\w+/=]){re.escape(k.encoded)}(?![\w+/=])", text):
            return k, "Base64-encoded"
    return None


@check("password_storage", rules=(rules.PASSWORD_FAST_HASH, rules.PASSWORD_PLAIN), weight=1, phase="passive",
       order=5)
async def password_storage(ctx: Context) -> None:
    """Reads every recorded answer (no requests) for the identities' own passwords under a fast unsalted hash or
    in plain text."""
    known = known_passwords(ctx)
    if not known:
        ctx.notes.append("password_storage: no identity with a known password of five characters or more; how the "
                         "target stores passwords was not read")
        return
    hashed = plain = False
    fixed = frozenset((ex.path, v) for ex in ctx.client.log if ex.ok and ex.identity == ANONYMOUS
                      for v in prefilled(ex))
    if slow := next((ex for ex in ctx.client.log if ex.ok and _shows_salted_hash(ex)), None):
        # an answer shows the accounts under a slow salted hash: a known password found elsewhere is a fixed text
        # that names it (a page listing demo accounts), not a sign of how the accounts are stored
        plain = True
        ctx.notes.append(f"password_storage: {slow.method} {slow.path} shows passwords under a slow salted hash; a "
                         "password answered in plain text elsewhere is not read as plain-text storage")
    for ex in list(ctx.client.log):
        if ex.status is None or (not ex.text and not ex.response_headers):
            continue
        text, sent = _answer_text(ex), _sent(ex)  # read once for both questions
        if not hashed and (found := fast_digest(text, sent, known)) is not None:
            k, algo, shown = found
            hashed = True
            ctx.report(rules.PASSWORD_FAST_HASH, f"the answer carries the unsalted {algo.upper()} of {k.identity}: "
                       "passwords are hashed with a fast hash without salt", ex,
                       op=_op_for(ctx, ex), highlight=shown)
        if not plain and ex.ok and (seen := plain_password(ex, text, sent, known, fixed)) is not None:
            k, how = seen
            plain = True
            ctx.report(rules.PASSWORD_PLAIN, f"the answer carries {k.identity} {how} to a request that did not "
                       "send it: passwords are stored in plain text or reversibly", ex,
                       op=_op_for(ctx, ex), severity=Severity.HIGH)
        if hashed and plain:
            return


__all__ = ["fast_digest", "known_passwords", "password_storage", "plain_password"]
