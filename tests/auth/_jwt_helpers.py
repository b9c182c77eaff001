"""Hand-rolled JWS signing for attack tests: builds tokens our library would refuse to build."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SECRET = b"s3cr3t-for-tests-0123456789abcdef"
ISSUER = "https://issuer.test"
AUDIENCE = "tasks-api"
NOW = 1_900_000_000.0

RSA_PRIVATE = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_PRIVATE_PEM = RSA_PRIVATE.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
)
RSA_PUBLIC_PEM = RSA_PRIVATE.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(obj: Any) -> str:
    return b64(json.dumps(obj, separators=(",", ":")).encode())


def hmac_sign(signing_input: str, key: bytes, alg: str = "HS256") -> str:
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    return b64(hmac.new(key, signing_input.encode(), digest).digest())


def rsa_sign(signing_input: str) -> str:
    return b64(RSA_PRIVATE.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256()))


def base_claims(now: float = NOW) -> dict[str, Any]:
    return {"sub": "alice", "iat": int(now), "nbf": int(now), "exp": int(now) + 600, "iss": ISSUER,
            "aud": AUDIENCE, "jti": "j1", "scope": "tasks:read"}
