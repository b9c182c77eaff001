"""CSRF: tokens present/absent/wrong, exemptions, fetch metadata, Origin/Referer, both modes, rotation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apishield.errors import ConfigError, Reject
from apishield.guard import Allow
from apishield.stores import MemoryStore
from apishield.web.csrf import _DETAILS, CSRFProtect
from apishield.web.sessions import SessionManager
from tests._guards import decide

from ._helpers import view

KEY = "k" * 40
SITE = {"host": "api.example.com"}


@pytest.fixture
def setup() -> tuple[CSRFProtect, SessionManager, str, str]:
    sessions = SessionManager(MemoryStore())
    s = sessions.create("alice")
    return CSRFProtect(sessions=sessions, trusted_origins=["https://app.example.com"]), sessions, s.id, s.csrf_token


def _reason(decision: Allow | Reject) -> str:
    assert isinstance(decision, Reject), decision
    assert decision.status == 403
    return str(decision.problem.extra["reason"])


def test_safe_methods_pass(setup: tuple[CSRFProtect, SessionManager, str, str]) -> None:
    csrf, _, sid, _ = setup
    for method in ("GET", "HEAD", "OPTIONS"):
        safe = view(method, headers={"sec-fetch-site": "cross-site"})
        assert isinstance(decide(csrf.check, safe, session_id=sid), Allow)


def test_synchronizer_token_required_and_compared(setup: tuple[CSRFProtect, SessionManager, str, str]) -> None:
    csrf, _, sid, token = setup
    assert _reason(decide(csrf.check, view("POST", headers=SITE), session_id=sid)) == "missing_token"
    bad = view("POST", headers={**SITE, "x-csrf-token": token[:-1] + ("A" if token[-1] != "A" else "B")})
    assert _reason(decide(csrf.check, bad, session_id=sid)) == "bad_token"
    ok = view("POST", headers={**SITE, "x-csrf-token": token, "origin": "https://api.example.com",
                               "sec-fetch-site": "same-origin"})
    assert isinstance(decide(csrf.check, ok, session_id=sid), Allow)
    form = view("POST", body=f"title=x&csrf_token={token}".encode(),
                headers={**SITE, "content-type": "application/x-www-form-urlencoded"})
    assert isinstance(decide(csrf.check, form, session_id=sid), Allow)


def test_token_from_other_session_is_refused(setup: tuple[CSRFProtect, SessionManager, str, str]) -> None:
    csrf, sessions, sid, _ = setup
    other = sessions.create("mallory")
    req = view("POST", headers={**SITE, "x-csrf-token": other.csrf_token})
    assert _reason(decide(csrf.check, req, session_id=sid)) == "bad_token"


def test_tokens_rotate_at_login(setup: tuple[CSRFProtect, SessionManager, str, str]) -> None:
    csrf, sessions, sid, token = setup
    new = sessions.login("alice", previous_session_id=sid)
    stale = view("POST", headers={**SITE, "x-csrf-token": token})
    assert _reason(decide(csrf.check, stale, session_id=new.id)) == "bad_token"
    fresh = view("POST", headers={**SITE, "x-csrf-token": csrf.token_for(new.id)})
    assert isinstance(decide(csrf.check, fresh, session_id=new.id), Allow)


def test_header_credentials_are_exempt(setup: tuple[CSRFProtect, SessionManager, str, str]) -> None:
    csrf, _, _, _ = setup
    for method in ("bearer", "api_key", "Bearer"):
        req = view("DELETE", headers={"sec-fetch-site": "cross-site", "origin": "https://evil.net"})
        assert isinstance(decide(csrf.check, req, auth_method=method), Allow)
    # but a session cookie is not
    req = view("DELETE", headers={"sec-fetch-site": "cross-site"})
    assert _reason(decide(csrf.check, req, auth_method="session")) == "cross_site"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"sec-fetch-site": "cross-site"}, "cross_site"),
        ({"sec-fetch-site": "same-site", "origin": "https://blog.example.com"}, "cross_site"),
        ({"origin": "https://evil.net"}, "origin"),
        ({"origin": "null"}, "origin"),
        ({"origin": "http://api.example.com"}, "origin"),  # scheme downgrade
        ({"origin": "https://api.example.com.evil.net"}, "origin"),
        ({"referer": "https://evil.net/page?x=https://api.example.com/"}, "origin"),
        ({"referer": "https://api.example.com@evil.net/"}, "origin"),
    ],
)
def test_cross_site_requests_refused_even_with_token(
    setup: tuple[CSRFProtect, SessionManager, str, str], headers: dict[str, str], reason: str
) -> None:
    csrf, _, sid, token = setup
    req = view("POST", headers={**SITE, "x-csrf-token": token, **headers})
    assert _reason(decide(csrf.check, req, session_id=sid)) == reason


@pytest.mark.parametrize(
    "headers",
    [
        {"sec-fetch-site": "same-origin", "origin": "https://api.example.com"},
        {"sec-fetch-site": "same-origin", "origin": "https://public.example.com"},  # proxy rewrote Host
        {"sec-fetch-site": "none"},
        {"origin": "https://app.example.com", "sec-fetch-site": "same-site"},  # trusted sibling
        {"origin": "https://app.example.com", "sec-fetch-site": "cross-site"},  # trusted
        {"referer": "https://api.example.com/form"},
        {},  # old browser: no metadata, the token decides
    ],
)
def test_same_origin_and_trusted_pass(
    setup: tuple[CSRFProtect, SessionManager, str, str], headers: dict[str, str]
) -> None:
    csrf, _, sid, token = setup
    req = view("POST", headers={**SITE, "x-csrf-token": token, **headers})
    assert isinstance(decide(csrf.check, req, session_id=sid), Allow)


def test_same_site_allowed_when_configured() -> None:
    sessions = SessionManager(MemoryStore())
    s = sessions.create("u")
    csrf = CSRFProtect(sessions=sessions, allow_same_site=True)
    req = view("POST", headers={**SITE, "sec-fetch-site": "same-site", "x-csrf-token": s.csrf_token})
    assert isinstance(decide(csrf.check, req, session_id=s.id), Allow)


def test_anonymous_requests_get_origin_checks_only() -> None:
    csrf = CSRFProtect(mode="double_submit", keys=[KEY])
    assert isinstance(decide(csrf.check, view("POST", headers=SITE)), Allow)
    assert _reason(decide(csrf.check, view("POST", headers={**SITE, "sec-fetch-site": "cross-site"}))) == "cross_site"


def test_double_submit_signed_and_session_bound() -> None:
    csrf = CSRFProtect(mode="double_submit", keys=["old" * 12, KEY])
    token = csrf.token_for("session-1")
    cookie_header = csrf.cookie_for(token)
    assert cookie_header.startswith("__Host-csrf=") and "Secure" in cookie_header and "SameSite=Strict" in cookie_header

    def req(sent: str, cookie: str) -> Allow | Reject:
        sent_view = view("POST", headers={**SITE, "x-csrf-token": sent, "cookie": f"__Host-csrf={cookie}"})
        return decide(csrf.check, sent_view, session_id="session-1")  # type: ignore[no-any-return]

    assert isinstance(req(token, token), Allow)
    assert _reason(req(token, "other")) == "bad_token"
    forged = token.split(".")[0] + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    assert _reason(req(forged, forged)) == "bad_token"  # attacker sets both cookie and header
    other_session = csrf.token_for("session-2")
    assert _reason(req(other_session, other_session)) == "bad_token"
    # rotation: a token signed with the old key still verifies
    old_only = CSRFProtect(mode="double_submit", keys=["old" * 12])
    legacy = old_only.token_for("session-1")
    assert isinstance(req(legacy, legacy), Allow)


def test_config_refusals() -> None:
    with pytest.raises(ConfigError):
        CSRFProtect()
    with pytest.raises(ConfigError):
        CSRFProtect(mode="double_submit")
    with pytest.raises(ConfigError):
        CSRFProtect(mode="double_submit", keys=["short"])
    with pytest.raises(ConfigError):
        CSRFProtect(mode="double_submit", keys=[KEY], trusted_origins=["https://*.example.com"])
    with pytest.raises(ConfigError):
        CSRFProtect(mode="magic")


@given(st.text(max_size=300), st.sampled_from(["origin", "referer", "sec-fetch-site", "x-csrf-token"]))
def test_fuzz_headers_only_clean_decisions(value: str, name: str) -> None:
    csrf = CSRFProtect(mode="double_submit", keys=[KEY])
    decision = decide(csrf.check, view("POST", headers={**SITE, name: value}), session_id="s")
    # no cookie was sent, so nothing may pass; every refusal is one of the fixed, input-free documents
    assert isinstance(decision, Reject) and decision.status == 403
    assert decision.problem.detail in _DETAILS.values()
    assert decision.problem.extra["reason"] in _DETAILS


def _empty_binding_token(key: str) -> str:
    """A double-submit token bound to *no* session, as an app would mint for an anonymous page."""
    import hashlib

    from itsdangerous import Signer

    signer = Signer(key, salt="apishield.csrf", key_derivation="hmac", digest_method=hashlib.sha256)
    return "nonce123." + signer.get_signature("|nonce123").decode()


def test_double_submit_refuses_cookie_auth_without_a_session_id() -> None:
    csrf = CSRFProtect(mode="double_submit", keys=[KEY])
    token = _empty_binding_token(KEY)
    tossed = view("POST", headers={**SITE, "x-csrf-token": token, "cookie": f"__Host-csrf={token}"})
    assert _reason(decide(csrf.check, tossed, session_id=None, auth_method="cookie")) == "no_session"
    assert _reason(decide(csrf.check, tossed, session_id="", auth_method="session")) == "no_session"
    with pytest.raises(ValueError):
        csrf.token_for(None)
    bound = csrf.token_for("s-1")  # a real session still works
    ok = view("POST", headers={**SITE, "x-csrf-token": bound, "cookie": f"__Host-csrf={bound}"})
    assert isinstance(decide(csrf.check, ok, session_id="s-1", auth_method="cookie"), Allow)


def test_double_submit_needs_a_host_prefixed_cookie_unless_opted_out() -> None:
    with pytest.raises(ConfigError, match="__Host-"):
        CSRFProtect(mode="double_submit", keys=[KEY], cookie_name="csrf")
    with pytest.raises(ConfigError, match="__Host-"):
        CSRFProtect(mode="double_submit", keys=[KEY], cookie_name="__Secure-csrf")
    relaxed = CSRFProtect(mode="double_submit", keys=[KEY], cookie_name="csrf", allow_unprefixed_cookie=True)
    token = relaxed.token_for("s-1")
    ok = view("POST", headers={**SITE, "x-csrf-token": token, "cookie": f"csrf={token}"})
    assert isinstance(decide(relaxed.check, ok, session_id="s-1", auth_method="cookie"), Allow)
    # the synchronizer mode keeps its token server-side: the cookie name does not matter there
    CSRFProtect(sessions=SessionManager(MemoryStore()), cookie_name="csrf")
