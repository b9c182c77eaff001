"""JWT attack helpers, cross-checked against PyJWT (an independent implementation)."""

from __future__ import annotations

import warnings

import jwt as pyjwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apishield.probe.checks.jwt import crack, decode, encode, wordlist


def test_wordlist_is_sizeable_and_clean() -> None:
    words = wordlist()
    assert len(words) >= 300 and len(set(words)) == len(words) and "secret" in words


@settings(max_examples=25)
@given(st.sampled_from(wordlist()), st.sampled_from(["HS256", "HS384", "HS512"]), st.integers(1, 10**6))
def test_crack_recovers_wordlist_secrets_from_pyjwt_tokens(secret: str, alg: str, sub: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyJWT warns about short HMAC keys: that is the point here
        token = pyjwt.encode({"sub": str(sub)}, secret, algorithm=alg)
    assert crack(token, wordlist()) == secret


def test_strong_secret_is_not_cracked() -> None:
    token = pyjwt.encode({"sub": "1"}, "x" * 40 + "-not-in-any-list-3f9a", algorithm="HS256")
    assert crack(token, wordlist()) is None


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_forged_tokens_verify_with_pyjwt() -> None:
    forged = encode({"alg": "HS256", "typ": "JWT"}, {"sub": "7", "apishield": "forged"}, b"secret")
    assert pyjwt.decode(forged, "secret", algorithms=["HS256"])["apishield"] == "forged"
    unsigned = encode({"alg": "none"}, {"sub": "7"}, None)
    assert unsigned.endswith(".") and decode(unsigned) == ({"alg": "none"}, {"sub": "7"}, "")


@given(st.text(max_size=100))
def test_decode_never_crashes(text: str) -> None:
    decode(text)


@pytest.mark.parametrize(("secret", "cracked"), [("SuperSecret", True), ("SUPERSECRET", True), ("Secret", True),
                                                  ("SuPeRsEcReT", False)])
def test_crack_tries_the_usual_case_variants_of_each_word(secret: str, cracked: bool) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        token = pyjwt.encode({"sub": "1"}, secret, algorithm="HS256")
    assert (crack(token, wordlist()) == secret) is cracked
