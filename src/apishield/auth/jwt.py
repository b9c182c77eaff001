"""JSON Web Tokens on joserfc, with every algorithm pinned to its key.

Algorithm confusion is impossible by construction: a token's ``kid`` selects one :class:`SigningKey`, and
that key carries exactly one algorithm; the token's ``alg`` must equal it, and joserfc is only ever asked to
verify with that one algorithm. ``alg: none`` cannot be configured at all, HMAC secrets shorter than 32 bytes
are refused at start-up, and keys are never taken from the token (``jku``, ``x5u``, ``jwk`` and ``x5c``
headers are rejected, as is any ``crit`` extension, since we implement none).

Claims: ``exp``, ``iat`` and ``sub`` are required; ``iss`` and ``aud`` when configured; ``nbf`` honoured;
a leeway for clock skew and an optional maximum token age. Revocation by ``jti`` lives in the store until
the token would have expired anyway; tokens are also revoked by session (``sid``) and by subject ("not
before"), all read in one store call (:mod:`apishield.auth.revocation`). A small verified-token cache skips
the signature check for repeats but still enforces ``exp`` and revocation on every hit.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, cast

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from joserfc import jwt as jose_jwt
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey
from joserfc.jws import JWSRegistry

from apishield.auth.principal import Principal, parse_scopes
from apishield.auth.revocation import Revocations
from apishield.errors import ConfigError, TokenError, TokenExpired
from apishield.stores.base import Store
from apishield.types import Clock

JoseKey = OctKey | RSAKey | ECKey | OKPKey

HMAC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})
RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
EC_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521", "ES256K": "secp256k1"}
OKP_ALGORITHMS = frozenset({"EdDSA", "Ed25519"})
SUPPORTED_ALGORITHMS = HMAC_ALGORITHMS | RSA_ALGORITHMS | frozenset(EC_CURVES) | OKP_ALGORITHMS
MIN_HMAC_BYTES = 32
MIN_RSA_BITS = 2048
MAX_TOKEN_LENGTH = 16_384
FORBIDDEN_HEADERS = ("jku", "x5u", "jwk", "x5c", "crit")
ACCEPTED_TYPES = frozenset({"jwt", "at+jwt", "application/jwt", "application/at+jwt"})


class _PinnedRegistry(JWSRegistry):
    """A joserfc registry allowing exactly one algorithm.

    joserfc warns that ``EdDSA`` is deprecated by RFC 9864 because the name does not say which curve; our
    keys pin the curve (Ed25519 only), so that ambiguity cannot arise and the warning is not raised.
    """

    def get_alg(self, name: str) -> Any:
        if self.allowed and name == "EdDSA" and name in self.allowed and name in self.algorithms:
            return self.algorithms[name]
        return super().get_alg(name)


_REGISTRIES: Mapping[str, JWSRegistry] = {
    alg: _PinnedRegistry(algorithms=[alg], strict_check_header=False) for alg in sorted(SUPPORTED_ALGORITHMS)
}


def _b64decode(segment: str) -> bytes:
    if not segment or len(segment) % 4 == 1 or "=" in segment:
        raise TokenError("malformed token segment", reason="malformed")
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenError("malformed token segment", reason="malformed") from exc


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise TokenError("malformed token JSON", reason="malformed") from exc
    if not isinstance(value, dict):
        raise TokenError("token segment is not a JSON object", reason="malformed")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value  # not NaN


MAX_TIMESTAMP = 10**11  # about the year 5138: later "times" are hostile, and 10**400 overflows float()


def _is_time(value: Any) -> bool:
    """A NumericDate claim: a finite number within float range (``exp: 1e999`` would never expire)."""
    return _is_number(value) and -MAX_TIMESTAMP <= value <= MAX_TIMESTAMP


def _pem(key: Any) -> bytes | None:
    if isinstance(key, str):
        key = key.encode()
    if isinstance(key, bytes) and key.lstrip().startswith(b"-----BEGIN"):
        return key
    return None


def _import_asymmetric(material: Any, algorithm: str) -> JoseKey:
    if isinstance(material, RSAKey | ECKey | OKPKey):
        return material
    pem = _pem(material)
    if pem is None:
        raise ConfigError(f"JWT: {algorithm} needs a PEM private or public key (or a joserfc key), not a secret")
    key_type: type[RSAKey] | type[ECKey] | type[OKPKey]
    if algorithm in RSA_ALGORITHMS:
        key_type = RSAKey
    elif algorithm in EC_CURVES:
        key_type = ECKey
    else:
        key_type = OKPKey
    try:
        try:
            loaded: Any = load_pem_private_key(pem, password=None)
        except ValueError:
            loaded = load_pem_public_key(pem)
        if isinstance(loaded, rsa.RSAPrivateKey | rsa.RSAPublicKey) and loaded.key_size < MIN_RSA_BITS:
            raise ConfigError(f"JWT: RSA keys must have at least {MIN_RSA_BITS} bits, not {loaded.key_size}")
        return key_type.import_key(pem)
    except ConfigError:
        raise
    except Exception as exc:  # joserfc/cryptography raise many types for a wrong PEM
        raise ConfigError(f"JWT: the PEM key is not a valid {key_type.__name__} for {algorithm}") from exc


@dataclass(frozen=True, slots=True)
class SigningKey:
    """One key with its one algorithm and its ``kid``. Private keys sign; public keys only verify."""

    key: JoseKey
    algorithm: str
    kid: str

    @classmethod
    def create(cls, key: Any, algorithm: str = "HS256", kid: str | None = None) -> SigningKey:
        """Validate and import key material: a secret (HS*), a PEM private/public key or a joserfc key."""
        if not isinstance(algorithm, str) or algorithm.lower() == "none":
            raise ConfigError("JWT: algorithm 'none' is never allowed; use HS256 with a 32-byte secret or RS256")
        if algorithm not in SUPPORTED_ALGORITHMS:
            raise ConfigError(f"JWT: unsupported algorithm {algorithm!r}; use one of {sorted(SUPPORTED_ALGORITHMS)}")
        imported: JoseKey
        if algorithm in HMAC_ALGORITHMS:
            if _pem(key) is not None or isinstance(key, RSAKey | ECKey | OKPKey):
                raise ConfigError(
                    f"JWT: {algorithm} with a PEM/asymmetric key is the algorithm-confusion attack; "
                    "use RS256/ES256 with that key, or a random 32-byte secret for HMAC"
                )
            if isinstance(key, OctKey):
                imported = key
                secret = key.raw_value
            else:
                if isinstance(key, str):
                    key = key.encode()
                if not isinstance(key, bytes):
                    raise ConfigError("JWT: an HMAC key must be bytes or str")
                secret = key
                if len(secret) >= MIN_HMAC_BYTES:
                    imported = OctKey.import_key(secret)
            if len(secret) < MIN_HMAC_BYTES:
                raise ConfigError(
                    f"JWT: the {algorithm} secret is {len(secret)} bytes; use at least {MIN_HMAC_BYTES} random "
                    "bytes (python -c 'import secrets; print(secrets.token_urlsafe(48))')"
                )
        else:
            imported = _import_asymmetric(key, algorithm)
            if isinstance(imported, RSAKey) and imported.public_key.key_size < MIN_RSA_BITS:
                raise ConfigError(f"JWT: RSA keys must have at least {MIN_RSA_BITS} bits")
            if algorithm in EC_CURVES:
                curve = getattr(imported, "curve_name", None)
                if curve != EC_CURVES[algorithm]:
                    raise ConfigError(f"JWT: {algorithm} needs a {EC_CURVES[algorithm]} key, not {curve}")
            if algorithm in OKP_ALGORITHMS and getattr(imported, "curve_name", None) != "Ed25519":
                raise ConfigError("JWT: EdDSA keys must be Ed25519")
        if kid is None:
            kid = imported.thumbprint()[:16]
        if not isinstance(kid, str) or not kid or len(kid) > 128:
            raise ConfigError("JWT: kid must be a non-empty string of at most 128 characters")
        return cls(imported, algorithm, kid)

    @property
    def can_sign(self) -> bool:
        return isinstance(self.key, OctKey) or bool(self.key.is_private)

    def public_jwk(self) -> dict[str, Any] | None:
        """The public JWK (with kid, alg, use), or ``None`` for HMAC keys, which must never be published."""
        if isinstance(self.key, OctKey):
            return None
        doc = dict(self.key.as_dict(private=False))
        doc.update({"kid": self.kid, "alg": self.algorithm, "use": "sig"})
        return doc


class RemoteJWKS:
    """Public keys of an identity provider, fetched from one configured URL and cached.

    Only the configured URL is ever fetched (never ``jku``/``x5u`` from a token). Symmetric (``oct``) keys
    in a remote set are ignored; each key's algorithm comes from its ``alg`` member, or the default for its
    type when missing. An unknown ``kid`` triggers a refetch at most once per ``min_refetch`` seconds.
    """

    DEFAULT_ALG: ClassVar[dict[str, str]] = {"RSA": "RS256", "EC": "ES256", "OKP": "EdDSA"}

    def __init__(
        self,
        url: str,
        *,
        cache_seconds: float = 600.0,
        min_refetch: float = 30.0,
        timeout: float = 5.0,
        client: httpx.Client | None = None,
        clock: Clock = time.time,
    ) -> None:
        if not isinstance(url, str) or not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ConfigError("JWT: jwks_url must be an https:// URL (http only for localhost)")
        self.url = url
        self.cache_seconds = float(cache_seconds)
        self.min_refetch = float(min_refetch)
        self._client = client or httpx.Client(timeout=timeout, follow_redirects=False)
        self._clock = clock
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def _fetch(self) -> None:
        try:
            response = self._client.get(self.url, headers={"Accept": "application/json"})
            response.raise_for_status()
            if len(response.content) > 1_000_000:
                raise TokenError("JWKS document too large", reason="jwks_unavailable")
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise TokenError("could not fetch the identity provider's keys", reason="jwks_unavailable") from exc
        keys: dict[str, SigningKey] = {}
        entries = document.get("keys") if isinstance(document, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
                continue
            kty = entry.get("kty")
            if entry.get("use", "sig") != "sig" or not isinstance(kty, str) or kty not in self.DEFAULT_ALG:
                continue
            alg = entry.get("alg") or self.DEFAULT_ALG[kty]
            if not isinstance(alg, str) or alg not in SUPPORTED_ALGORITHMS or alg in HMAC_ALGORITHMS:
                continue
            public = {k: v for k, v in entry.items() if k not in ("d", "p", "q", "dp", "dq", "qi")}
            try:
                material: JoseKey
                if entry["kty"] == "RSA":
                    material = RSAKey.import_key(public)
                elif entry["kty"] == "EC":
                    material = ECKey.import_key(public)
                else:
                    material = OKPKey.import_key(public)
                keys[entry["kid"]] = SigningKey.create(material, alg, entry["kid"])
            except Exception:  # noqa: S112 - a malformed entry is skipped, the rest of the set still works
                continue
        self._keys = keys
        self._fetched_at = self._clock()

    def get(self, kid: str) -> SigningKey | None:
        """The key for ``kid``, refreshing the cached set when stale or when the kid is unknown."""
        with self._lock:
            now = self._clock()
            fetched = self._fetched_at
            stale = fetched is None or now - fetched >= self.cache_seconds
            unknown_may_refetch = kid not in self._keys and (fetched is None or now - fetched >= self.min_refetch)
            if stale or unknown_may_refetch:
                try:
                    self._fetch()
                except TokenError:
                    if fetched is None:
                        raise
            return self._keys.get(kid)


class _VerifiedCache:
    """Verified tokens → (exp, principal), at most ``size``, oldest out first. Keyed by the token itself (one
    dict read, no SHA-256 per request); only verified tokens get in. Reads take no lock (a dict read is atomic),
    writes do. :meth:`JWTAuth.verify` checks expiry, ``max_age`` and revocation on every hit."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()
        self.get: Callable[[str], tuple[float, Principal] | None] = self._items.get

    def put(self, token: str, exp: float, principal: Principal) -> None:
        if self.size <= 0:
            return
        with self._lock:
            items = self._items
            items.pop(token, None)  # re-inserted last: the newest entry
            items[token] = (exp, principal)
            while len(items) > self.size:
                del items[next(iter(items))]

    def drop(self, token: str) -> None:
        with self._lock:
            self._items.pop(token, None)


def _compact_text(token: Any) -> str:
    """``token`` as the ASCII text of a compact JWT, or :class:`TokenError` (``malformed``)."""
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError:
            raise TokenError("token is not ASCII", reason="malformed") from None
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise TokenError("token must be a compact JWT string", reason="malformed")
    if not token.isascii():  # base64url segments are ASCII; also keeps lone surrogates out of encode()
        raise TokenError("token is not ASCII", reason="malformed")
    return str(token)  # a str subclass becomes a plain str: the cache compares exact strings


class JWTAuth:
    """Issue and verify JWTs.

    ``key`` is the current signing key (a secret for HS*, a PEM private key for RS/PS/ES/EdDSA, or a PEM
    public key for verify-only use); ``previous_keys`` are older :class:`SigningKey` objects still accepted
    during a rotation; ``jwks_url`` adds an identity provider's public keys.
    """

    def __init__(
        self,
        key: Any = None,
        algorithm: str = "HS256",
        issuer: str | None = None,
        audience: str | Sequence[str] | None = None,
        *,
        kid: str | None = None,
        previous_keys: Iterable[SigningKey] = (),
        jwks_url: str | None = None,
        jwks: RemoteJWKS | None = None,
        leeway: float = 30.0,
        max_age: float | None = None,
        max_ttl: float = 86_400.0,
        store: Store | None = None,
        namespace: str = "jwt",
        cache_size: int = 4096,
        clock: Clock = time.time,
    ) -> None:
        self.signing_key: SigningKey | None = None
        keys: dict[str, SigningKey] = {}

        def add(new: SigningKey) -> None:
            known = keys.get(new.kid)
            if known is not None and (
                known.algorithm != new.algorithm or known.key.thumbprint() != new.key.thumbprint()
            ):
                raise ConfigError(
                    f"JWT: two different keys share the kid {new.kid!r}; give every key its own kid "
                    "(or leave kid unset to derive it from the key)"
                )
            keys[new.kid] = new

        for old in previous_keys:
            if not isinstance(old, SigningKey):
                raise ConfigError("JWT: previous_keys must be SigningKey objects (SigningKey.create(...))")
            add(old)
        if key is not None:
            current = key if isinstance(key, SigningKey) else SigningKey.create(key, algorithm, kid)
            add(current)
            if current.can_sign:
                self.signing_key = current
        if jwks is None and jwks_url is not None:
            jwks = RemoteJWKS(jwks_url, clock=clock)
        if not keys and jwks is None:
            raise ConfigError("JWT: configure a key (secret or PEM) or a jwks_url")
        if issuer is not None and (not isinstance(issuer, str) or not issuer):
            raise ConfigError("JWT: issuer must be a non-empty string")
        audiences: frozenset[str] = frozenset([audience] if isinstance(audience, str) else audience or ())
        if not isinstance(audience, str) and not all(isinstance(a, str) and a for a in audiences):
            raise ConfigError("JWT: audience must be a string or a list of strings")
        if not _is_number(leeway) or not 0 <= leeway <= 300:
            raise ConfigError("JWT: leeway must be between 0 and 300 seconds")
        if max_age is not None and (not _is_number(max_age) or max_age <= 0):
            raise ConfigError("JWT: max_age must be a positive number of seconds")
        self._keys = keys
        self.jwks = jwks
        self.issuer = issuer
        self.audience = audience if isinstance(audience, str) else (sorted(audiences)[0] if audiences else None)
        self._audiences = audiences
        self.leeway = float(leeway)
        self.max_age = None if max_age is None else float(max_age)
        self.max_ttl = float(max_ttl)
        self.store = store
        self.namespace = namespace
        self.clock = clock
        self._cache = _VerifiedCache(cache_size)
        self._revocations = (
            None if store is None else
            Revocations(store, namespace=namespace, max_ttl=self.max_ttl + (self.max_age or 0), leeway=self.leeway,
                        clock=clock)
        )

    # --- issuing --------------------------------------------------------------------------------
    def issue(
        self,
        subject: str,
        scopes: Iterable[str] = (),
        ttl: int = 900,
        *,
        roles: Iterable[str] = (),
        claims: Mapping[str, Any] | None = None,
    ) -> str:
        """A signed access token for ``subject`` with ``scope`` (space-separated) and a fresh ``jti``."""
        key = self.signing_key
        if key is None:
            raise ConfigError("JWT: this JWTAuth only has public keys; it can verify but not issue tokens")
        if not isinstance(subject, str) or not subject:
            raise ConfigError("JWT: subject must be a non-empty string")
        if not _is_number(ttl) or not 0 < ttl <= self.max_ttl:
            raise ConfigError(f"JWT: ttl must be between 1 and {self.max_ttl:g} seconds")
        exact = self.clock()  # iat keeps its fraction (RFC 7519 NumericDate): subject revocations compare to it
        now = int(exact)
        payload: dict[str, Any] = dict(claims or {})
        payload.update(
            {"sub": subject, "iat": exact, "nbf": now, "exp": now + int(ttl), "jti": secrets.token_urlsafe(16)}
        )
        scope_list = sorted(set(scopes))
        if scope_list:
            payload["scope"] = " ".join(scope_list)
        role_list = sorted(set(roles))
        if role_list:
            payload["roles"] = role_list
        if self.issuer:
            payload["iss"] = self.issuer
        if self.audience:
            payload["aud"] = self.audience
        header = {"alg": key.algorithm, "typ": "JWT", "kid": key.kid}
        return jose_jwt.encode(header, payload, key.key, registry=_REGISTRIES[key.algorithm])

    def jwks_document(self) -> dict[str, Any]:
        """The JWKS of our public keys (HMAC keys are never published)."""
        keys = [doc for doc in (k.public_jwk() for k in self._keys.values()) if doc is not None]
        return {"keys": keys}

    # --- verifying ------------------------------------------------------------------------------
    def verify(self, token: Any) -> Principal:
        """Verify ``token``; a :class:`Principal`, or :class:`TokenError` (or a subclass) for any bad input."""
        if type(token) is not str or not 0 < len(token) <= MAX_TOKEN_LENGTH or not token.isascii():
            token = _compact_text(token)  # the usual token passes the line above; others are checked here
        cached = self._cache.get(token)
        now = self.clock()
        if cached is not None:
            exp, principal = cached
            if now >= exp + self.leeway:
                self._cache.drop(token)
                raise TokenExpired()
            if self.max_age is not None:
                self._check_age(principal.claims, now)
            self._check_revoked(principal.claims)  # one store read: token, session and subject revocations
            return principal
        claims = self._verify_signature(token)
        principal = self._validate_claims(claims, now)
        self._check_revoked(claims)
        self._cache.put(token, float(claims["exp"]), principal)
        return principal

    def store_reads_for(self, token: str) -> list[tuple[Store, str]]:
        """The store set :meth:`verify` reads for ``token`` (its subject's revocations), known without checking
        anything: only for a token in the verified-token cache. The shield fetches it with the rate limit."""
        cached = self._cache.get(token)
        return [] if cached is None or self._revocations is None else [self._revocations.read(cached[1].subject)]

    def _select_key(self, header: Mapping[str, Any]) -> SigningKey:
        kid = header.get("kid")
        if kid is None:
            if len(self._keys) == 1 and self.jwks is None:
                return next(iter(self._keys.values()))
            if self.signing_key is not None:
                return self.signing_key
            raise TokenError("token has no kid", reason="unknown_key")
        if not isinstance(kid, str) or not 0 < len(kid) <= 128:
            raise TokenError("malformed kid", reason="unknown_key")
        found = self._keys.get(kid)
        if found is None and self.jwks is not None:
            found = self.jwks.get(kid)
        if found is None:
            raise TokenError("unknown kid", reason="unknown_key")
        return found

    def _verify_signature(self, token: str) -> dict[str, Any]:
        parts = token.split(".")
        if len(parts) != 3 or not parts[2]:
            raise TokenError("not a signed compact JWT", reason="malformed")
        header = _json_object(_b64decode(parts[0]))
        for name in FORBIDDEN_HEADERS:
            if name in header:
                raise TokenError(f"token header {name!r} is not accepted", reason="forbidden_header")
        typ = header.get("typ")
        if typ is not None and (not isinstance(typ, str) or typ.lower() not in ACCEPTED_TYPES):
            raise TokenError("unexpected token type", reason="malformed")
        alg = header.get("alg")
        key = self._select_key(header)
        if not isinstance(alg, str) or alg != key.algorithm:
            raise TokenError("token algorithm does not match the key", reason="algorithm")
        try:
            decoded = jose_jwt.decode(token, key.key, registry=_REGISTRIES[key.algorithm])
        except Exception as exc:  # joserfc raises JoseError subclasses, ValueError, TypeError for bad input
            raise TokenError("signature verification failed", reason="signature") from exc
        claims = decoded.claims
        if not isinstance(claims, dict):
            raise TokenError("token claims are not a JSON object", reason="malformed")
        return claims

    def _validate_claims(self, claims: dict[str, Any], now: float) -> Principal:
        leeway = self.leeway
        exp, iat, sub = claims.get("exp"), claims.get("iat"), claims.get("sub")
        if not _is_time(exp) or not _is_time(iat):
            raise TokenError("exp and iat claims are required numbers", reason="claims")
        exp, iat = float(cast(float, exp)), float(cast(float, iat))
        if not isinstance(sub, str) or not sub:
            raise TokenError("sub claim is required", reason="claims")
        if now >= exp + leeway:
            raise TokenExpired()
        if iat > now + leeway:
            raise TokenError("token issued in the future", reason="claims")
        nbf = claims.get("nbf")
        if nbf is not None and (not _is_time(nbf) or float(nbf) > now + leeway):
            raise TokenError("token not yet valid", reason="not_before")
        self._check_age(claims, now)
        if self.issuer is not None and claims.get("iss") != self.issuer:
            raise TokenError("wrong issuer", reason="issuer")
        if self._audiences:
            aud = claims.get("aud")
            auds = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
            if not any(isinstance(a, str) and a in self._audiences for a in auds):
                raise TokenError("wrong audience", reason="audience")
        jti = claims.get("jti")
        if jti is not None and (not isinstance(jti, str) or not 0 < len(jti) <= 256):
            raise TokenError("malformed jti", reason="claims")
        scopes = parse_scopes(claims.get("scope", claims.get("scp", claims.get("scopes"))))
        roles = claims.get("roles")
        return Principal(
            subject=sub,
            scopes=scopes,
            roles=parse_scopes(roles) if isinstance(roles, list) else frozenset(),
            auth_method="jwt",
            expires_at=exp,
            key_id=jti if isinstance(jti, str) else None,
            claims=dict(claims),
        )

    def _check_age(self, claims: Mapping[str, Any], now: float) -> None:
        if self.max_age is not None and now - float(claims["iat"]) > self.max_age + self.leeway:
            raise TokenExpired("token older than the maximum age")

    def _check_revoked(self, claims: Mapping[str, Any]) -> None:
        if self._revocations is not None:
            self._revocations.check(claims)

    def _revocations_or_fail(self) -> Revocations:
        if self._revocations is None:
            raise ConfigError("JWT: revocation needs a store (JWTAuth(..., store=from_url(...)))")
        return self._revocations

    def revoke(self, token: str) -> None:
        """Revoke a (valid) token by its ``jti`` until it would have expired. Needs a store."""
        self._revocations_or_fail()
        principal = self.verify(token)
        jti = principal.claims.get("jti")
        if not isinstance(jti, str):
            raise TokenError("token has no jti; it cannot be revoked", reason="claims")
        self.revoke_jti(jti, float(principal.claims["exp"]), subject=principal.subject)

    def revoke_jti(self, jti: str, expires_at: float, *, subject: str) -> None:
        """Revoke the token ``jti`` of ``subject`` until ``expires_at`` (epoch seconds) plus the leeway."""
        self._revocations_or_fail().revoke_token(subject, jti, expires_at)

    def revoke_family(self, subject: str, family: str) -> None:
        """Revoke every access token issued with ``sid=family`` (pass it as a claim when issuing)."""
        self._revocations_or_fail().revoke_family(subject, family)

    def revoke_subject(self, subject: str) -> None:
        """Refuse every token of ``subject`` issued until now (role or password change, logout everywhere)."""
        self._revocations_or_fail().revoke_subject(subject)


__all__ = [
    "HMAC_ALGORITHMS",
    "SUPPORTED_ALGORITHMS",
    "JWTAuth",
    "RemoteJWKS",
    "SigningKey",
]
