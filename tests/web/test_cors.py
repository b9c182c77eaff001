"""CORS: the bypass catalogue (tests/vectors/cors), configuration refusals, preflight, Vary, the guard."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apishield.errors import ConfigError, Reject
from apishield.guard import Allow
from apishield.request import CaseInsensitiveHeaders, RequestView
from apishield.stores import MemoryStore
from apishield.web._suffixes import SYSTEM_LIST, load_public_suffixes
from apishield.web.cors import PREFLIGHT_STATE_KEY, CORSGuard, CORSPolicy, publish_policies
from apishield.web.origins import bypass_origins, parse_origin
from tests._clock import FakeClock
from tests._guards import decide

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "cors"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return data


BYPASS = _load("bypass.json")
REFUSALS = _load("config_refusals.json")
PREFLIGHT = _load("preflight.json")
POLICIES = {name: CORSPolicy.from_dict(cfg) for name, cfg in BYPASS["policies"].items()}


@pytest.mark.parametrize("case", BYPASS["cases"], ids=lambda c: f"{c['policy']}:{c['why']}")
def test_bypass_catalogue(case: dict[str, Any]) -> None:
    policy = POLICIES[case["policy"]]
    headers = policy.headers_for(case["origin"])
    if case["allowed"]:
        assert headers["Access-Control-Allow-Origin"] == case["origin"]
        assert "Origin" in headers["Vary"]
    else:
        assert headers == {}


@pytest.mark.parametrize("case", REFUSALS["cases"], ids=lambda c: repr(c["config"])[:60])
def test_config_refusals(case: dict[str, Any]) -> None:
    with pytest.raises(ConfigError) as info:
        CORSPolicy.from_dict(case["config"])
    assert case["message"].lower() in str(info.value).lower()


@pytest.mark.parametrize("case", REFUSALS["accepted"], ids=lambda c: c["origin"])
def test_config_canonicalisation(case: dict[str, str]) -> None:
    assert parse_origin(case["origin"]).serialized == case["canonical"]
    if "*" not in case["canonical"]:
        policy = CORSPolicy([case["origin"]])
        assert policy.headers_for(case["canonical"])["Access-Control-Allow-Origin"] == case["canonical"]


def test_public_suffix_refusal_uses_system_list_when_present() -> None:
    if not SYSTEM_LIST.exists():
        pytest.skip("no system public suffix list")
    full = load_public_suffixes()
    with pytest.raises(ConfigError):
        CORSPolicy(["https://*.blogspot.co.uk"], public_suffixes=full)
    CORSPolicy(["https://*.example.co.uk"], public_suffixes=full)


@pytest.mark.parametrize("case", PREFLIGHT["cases"], ids=lambda c: f"{c['origin']} {c['method']} {c['headers']}")
def test_preflight(case: dict[str, Any]) -> None:
    policy = CORSPolicy.from_dict(PREFLIGHT["policy"])
    headers = policy.headers_for(case["origin"], case["method"], preflight=True, request_headers=case["headers"])
    if not case["allowed"]:
        assert headers == {}, "a refused preflight gets no CORS headers at all"
        return
    cfg = PREFLIGHT["policy"]
    assert headers["Access-Control-Allow-Origin"] == case["origin"]
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert headers["Access-Control-Max-Age"] == str(cfg["max_age"])
    assert {m.strip() for m in headers["Access-Control-Allow-Methods"].split(",")} == set(cfg["methods"])
    allowed = {h.strip() for h in headers["Access-Control-Allow-Headers"].split(",")}
    assert allowed == {h.lower() for h in cfg["headers"]}
    assert "Origin" in headers["Vary"] and "Access-Control-Request-Headers" in headers["Vary"]


def test_actual_request_headers_and_expose() -> None:
    policy = CORSPolicy.from_dict(PREFLIGHT["policy"])
    headers = policy.headers_for("https://app.example.com", "POST")
    assert headers == {
        "Access-Control-Allow-Origin": "https://app.example.com",
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Expose-Headers": "x-request-id",
        "Vary": "Origin",
    }
    assert policy.headers_for("https://app.example.com", "DELETE") == {}


def test_star_without_credentials_is_static() -> None:
    policy = CORSPolicy(["*"], methods=["GET"], headers=["*"])
    assert policy.headers_for("https://anyone.example") == {"Access-Control-Allow-Origin": "*"}
    pre = policy.headers_for("https://anyone.example", "GET", preflight=True, request_headers=["x-anything"])
    assert pre["Access-Control-Allow-Origin"] == "*"
    assert "Origin" not in [v.strip() for v in pre["Vary"].split(",")]
    # '*' in Access-Control-Allow-Headers never covers Authorization (Fetch standard)
    assert policy.headers_for("https://a.example", "GET", preflight=True, request_headers=["Authorization"]) == {}


def test_policy_roundtrip_and_unknown_keys() -> None:
    policy = CORSPolicy.from_dict(PREFLIGHT["policy"])
    again = CORSPolicy.from_dict(policy.to_dict())
    assert again.headers_for("https://app.example.com") == policy.headers_for("https://app.example.com")
    with pytest.raises(ConfigError, match="unknown settings"):
        CORSPolicy.from_dict({"origins": ["https://a.example.com"], "allow_origin_regex": ".*"})


# --- hypothesis: parsers only ever refuse cleanly ----------------------------------------------------

_host_chars = st.sampled_from(list("abcxyz019-._~`@:/[]*%!$&'()+,;=\\ \t\r\n\x00é"))
_origins = st.one_of(
    st.text(max_size=80),
    st.builds(lambda s, h: f"{s}://{h}", st.sampled_from(["http", "https", "HTTPS", "ftp", ""]),
              st.text(_host_chars, max_size=40)),
)


@given(_origins)
def test_fuzz_config_parser_raises_only_config_error(origin: str) -> None:
    try:
        spec = parse_origin(origin)
    except ConfigError:
        return
    # anything accepted is canonical and round-trips
    assert parse_origin(spec.serialized) == spec
    assert spec.scheme in ("http", "https")


@given(_origins, st.text(max_size=20), st.lists(st.text(max_size=30), max_size=4), st.booleans())
def test_fuzz_headers_for_never_raises(origin: str, method: str, req_headers: list[str], preflight: bool) -> None:
    policy = POLICIES["wildcard"]
    headers = policy.headers_for(origin, method, preflight=preflight, request_headers=req_headers)
    if headers:
        assert headers["Access-Control-Allow-Origin"] == origin
        assert origin.endswith(".example.com") and origin.startswith("https://")
        label = origin[len("https://") : -len(".example.com")]
        assert label and "." not in label and label == label.lower()
        assert all(ch.isalnum() or ch == "-" for ch in label)


@given(st.text(max_size=40))
def test_fuzz_header_names(name: str) -> None:
    policy = CORSPolicy(["https://a.example.com"], headers=["X-Token"])
    out = policy.headers_for("https://a.example.com", "GET", preflight=True, request_headers=[name])
    names = [n.strip().lower() for n in name.split(",") if n.strip()]
    if out:
        assert all(n in ("x-token", "accept", "accept-language", "content-language") for n in names)


# --- guard --------------------------------------------------------------------------------------------

def _view(method: str, path: str = "/api/items", **headers: str) -> RequestView:
    return RequestView(method=method, path=path, headers=CaseInsensitiveHeaders(
        {k.replace("_", "-"): v for k, v in headers.items()}))


def test_guard_preflight_allowed_and_refused() -> None:
    guard = CORSGuard({"default": CORSPolicy(["https://app.example.com"], methods=["GET", "PUT"])})
    view = _view("OPTIONS", origin="https://app.example.com", access_control_request_method="PUT")
    decision = decide(guard.check, view)
    assert isinstance(decision, Allow)
    assert decision.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert view.state[PREFLIGHT_STATE_KEY] is True

    refused = decide(guard.check, _view("OPTIONS", origin="https://evil.net", access_control_request_method="PUT"))
    assert isinstance(refused, Reject) and refused.status == 403
    assert not any(k.lower().startswith("access-control") for k in refused.response_headers())
    body = refused.problem.body()
    assert b"evil.net" not in body


def test_guard_actual_requests_and_vary() -> None:
    guard = CORSGuard(CORSPolicy(["https://app.example.com"]))
    no_origin = decide(guard.check, _view("GET"))
    assert isinstance(no_origin, Allow) and no_origin.headers == {"Vary": "Origin"}
    refused = decide(guard.check, _view("GET", origin="https://evil.net"))
    assert isinstance(refused, Allow) and refused.headers == {"Vary": "Origin"}
    ok = decide(guard.check, _view("GET", origin="https://app.example.com"))
    assert isinstance(ok, Allow) and ok.headers["Access-Control-Allow-Origin"] == "https://app.example.com"


def test_guard_per_route_and_named_policies() -> None:
    guard = CORSGuard(
        {"production": {"origins": ["https://app.example.com"]}, "public": {"origins": ["*"], "methods": ["GET"]}},
        default="production",
        routes={"/public/status": "public", "/internal": None},
    )
    public = decide(guard.check, _view("GET", "/public/status", origin="https://x.example"))
    assert isinstance(public, Allow) and public.headers["Access-Control-Allow-Origin"] == "*"
    private = decide(guard.check, _view("GET", "/api/items", origin="https://x.example"))
    assert isinstance(private, Allow) and "Access-Control-Allow-Origin" not in private.headers
    internal = decide(guard.check, _view("GET", "/internal", origin="https://app.example.com"))
    assert isinstance(internal, Allow) and internal.headers == {}
    with pytest.raises(ConfigError, match="unknown policy"):
        CORSGuard({"default": {"origins": ["https://a.example.com"]}}, routes={"/x": "missing"})


def test_guard_runtime_update_through_store() -> None:
    clock = FakeClock(1_000_000.0)
    store = MemoryStore(clock=clock)
    a = CORSGuard({"default": {"origins": ["https://old.example.com"]}}, store=store, refresh_interval=10)
    b = CORSGuard({"default": {"origins": ["https://old.example.com"]}}, store=store, refresh_interval=10)
    new_origin = _view("GET", origin="https://new.example.com")

    version = a.update_policy("default", {"origins": ["https://new.example.com"], "allow_credentials": True})
    assert a.version == version
    assert cast_allow(decide(a.check, new_origin)).headers["Access-Control-Allow-Origin"] == "https://new.example.com"
    # b read the store at construction (nothing there) and waits for its interval before re-reading
    assert "Access-Control-Allow-Origin" not in cast_allow(decide(b.check, new_origin)).headers
    clock.now += 10
    assert cast_allow(decide(b.check, new_origin)).headers["Access-Control-Allow-Credentials"] == "true"
    assert b.version == version

    # an invalid document in the store is ignored; the current policies stay
    store.set("apishield:cors", json.dumps({"version": 999, "policies": {"default": {"origins": ["*"],
                                                                                    "allow_credentials": True}}}))
    clock.now += 10
    assert b.refresh() is False
    assert b.version == version
    # invalid configuration is refused before it reaches the store
    with pytest.raises(ConfigError):
        publish_policies(store, {"default": {"origins": ["https://*.com"]}})


def cast_allow(decision: Allow | Reject) -> Allow:
    assert isinstance(decision, Allow)
    return decision


_labels = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
_tlds = st.from_regex(r"[a-z][a-z0-9]{1,5}", fullmatch=True).filter(lambda t: not t.startswith("0x"))


@given(st.sampled_from(["http", "https"]), st.lists(_labels, min_size=1, max_size=3), _tlds,
       st.one_of(st.none(), st.integers(1, 65535)))
def test_generated_bypass_origins_never_match(scheme: str, labels: list[str], tld: str, port: int | None) -> None:
    trusted = f"{scheme}://{'.'.join([*labels, tld])}" + (f":{port}" if port else "")
    canonical = parse_origin(trusted).serialized
    policy = CORSPolicy([trusted], allow_credentials=True)
    assert policy.headers_for(canonical)["Access-Control-Allow-Origin"] == canonical
    for origin, why in bypass_origins(trusted):
        assert policy.headers_for(origin) == {}, why


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 100_000) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@given(st.dictionaries(st.sampled_from(["origins", "allow_credentials", "methods", "headers", "expose_headers",
                                        "max_age", "bogus"]), _json, max_size=6))
def test_fuzz_policy_settings_only_config_error(config: dict[str, Any]) -> None:
    try:
        policy = CORSPolicy.from_dict(config)
    except ConfigError:
        return
    assert CORSPolicy.from_dict(policy.to_dict()).to_dict() == policy.to_dict()


@pytest.mark.redis
def test_runtime_update_through_redis(redis_url: str) -> None:
    from apishield.stores import from_url

    try:
        store = from_url(redis_url)
    except ConfigError:
        pytest.skip("the Redis store has not landed yet")
    key = f"apishield:test:cors:{uuid4().hex}"
    try:
        clock = FakeClock(1_000_000.0)
        writer = CORSGuard({"default": {"origins": ["https://old.example.com"]}}, store=store, store_key=key)
        reader = CORSGuard({"default": {"origins": ["https://old.example.com"]}}, store=store, store_key=key,
                           refresh_interval=30, clock=clock)
        writer.update_policy("default", {"origins": ["https://new.example.com"]})
        req = _view("GET", origin="https://new.example.com")
        assert "Access-Control-Allow-Origin" not in cast_allow(decide(reader.check, req)).headers
        clock.now += 30
        assert cast_allow(decide(reader.check, req)).headers["Access-Control-Allow-Origin"] == "https://new.example.com"
    finally:
        store.delete(key)
        store.delete(f"{key}:version")
        store.close()
