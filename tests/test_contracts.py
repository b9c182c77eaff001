"""The small contracts that outside checks use, exactly as the issues write them, plus the export list."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import apishield
from apishield.errors import ApishieldError, ConfigError


def test_every_exported_name_resolves() -> None:
    for name in apishield.__all__:
        assert getattr(apishield, name) is not None, name


def test_import_apishield_loads_no_framework() -> None:
    code = ("import sys, apishield; bad = [m for m in ('flask', 'cherrypy', 'bottle', 'fastapi', 'authlib', "
            "'redis') if m in sys.modules]; print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


# --- issue 2: rate limiting -------------------------------------------------------------------------------
def _urls(tmp_path: Path) -> list[str]:
    return ["memory://", f"sqlite:///{tmp_path / 'rl.db'}"]


def test_ratelimiter_contract(tmp_path: Path) -> None:
    from apishield.ratelimit import RateLimiter
    from apishield.stores import from_url

    for url in _urls(tmp_path):
        limiter = RateLimiter(from_url(url))
        decisions = [limiter.hit("client-1", "3/minute") for _ in range(4)]
        assert [d.allowed for d in decisions] == [True, True, True, False], url
        assert isinstance(decisions[-1].retry_after, float)
        assert 0 < decisions[-1].retry_after <= 120  # sliding counter: under two windows
        assert limiter.hit("client-2", "3/minute", cost=3).allowed
        assert not limiter.hit("client-2", "3/minute", cost=1).allowed


@pytest.mark.redis
def test_ratelimiter_contract_on_redis(redis_url: str) -> None:
    import uuid

    from apishield.ratelimit import RateLimiter
    from apishield.stores import from_url

    limiter = RateLimiter(from_url(redis_url))
    key = uuid.uuid4().hex
    assert [limiter.hit(key, "2/minute").allowed for _ in range(3)] == [True, True, False]
    assert limiter.hit(key, "2/minute").retry_after > 0


def test_bad_limit_string_is_config_error() -> None:
    from apishield.ratelimit import RateLimiter
    from apishield.stores import from_url

    with pytest.raises(ConfigError):
        RateLimiter(from_url("memory://")).hit("k", "ten per fortnight")


# --- issue 3: JWT --------------------------------------------------------------------------------------------
def test_jwtauth_contract_hs256() -> None:
    from apishield.auth.jwt import JWTAuth

    auth = JWTAuth(key=b"k" * 32 + b"-a-long-enough-secret", algorithm="HS256", issuer=None, audience=None)
    token = auth.issue("alice", ["tasks:read"], ttl=900)
    assert isinstance(token, str)
    principal = auth.verify(token)
    assert principal.subject == "alice"
    assert list(principal.scopes) == ["tasks:read"]
    assert list(auth.verify(auth.issue("bob")).scopes) == []
    for bad in ["", "x", token + "x", token.rsplit(".", 1)[0] + ".", "a.b.c", None, 7]:
        with pytest.raises(ApishieldError):
            auth.verify(bad)  # type: ignore[arg-type]


def test_jwtauth_contract_rs256_and_issuer_audience() -> None:
    from apishield.auth.jwt import JWTAuth

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    auth = JWTAuth(key=pem, algorithm="RS256", issuer="https://issuer.test", audience="tasks")
    assert auth.verify(auth.issue("carol", ["a", "b"])).scopes
    other = JWTAuth(key=pem, algorithm="RS256", issuer="https://other.test", audience="tasks")
    with pytest.raises(ApishieldError):
        auth.verify(other.issue("carol"))


def test_jwtauth_refuses_short_secret_and_none() -> None:
    from apishield.auth.jwt import JWTAuth

    with pytest.raises(ApishieldError):
        JWTAuth(key=b"short", algorithm="HS256")
    with pytest.raises(ApishieldError):
        JWTAuth(key=b"k" * 40, algorithm="none")


# --- issue 4: CORS -------------------------------------------------------------------------------------------
def test_corspolicy_contract() -> None:
    from apishield.web.cors import CORSPolicy

    policy = CORSPolicy(origins=["https://app.example.com"], allow_credentials=True, methods=["GET", "POST"],
                        headers=["Content-Type", "Authorization"])
    ok = policy.headers_for("https://app.example.com")
    assert ok["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert ok["Access-Control-Allow-Credentials"] == "true"
    assert policy.headers_for("https://evil.example") == {}
    pre = policy.headers_for("https://app.example.com", "POST", preflight=True, request_headers=["content-type"])
    assert "POST" in pre["Access-Control-Allow-Methods"]
    assert policy.headers_for("https://app.example.com", "DELETE", preflight=True) == {}
    assert policy.headers_for("https://evil.example", "POST", preflight=True) == {}
    with pytest.raises(ConfigError):
        CORSPolicy(origins=["*"], allow_credentials=True, methods=["GET"], headers=[])


def test_cli_version_and_help() -> None:
    out = subprocess.run([sys.executable, "-m", "apishield", "--version"], capture_output=True, text=True)
    assert out.returncode == 0
    assert apishield.__version__ in out.stdout
    helped = subprocess.run([sys.executable, "-m", "apishield", "--help"], capture_output=True, text=True)
    assert helped.returncode == 0
    for command in ("audit", "probe", "keys", "routes", "demo"):
        assert command in helped.stdout


def test_reports_package_importable() -> None:
    assert importlib.import_module("apishield.reports").FORMATS


# --- issue 6: audit JSON -------------------------------------------------------------------------------------
def test_audit_json_contract_on_a_vulnerable_twin() -> None:
    import json

    root = Path(__file__).resolve().parents[1] / "examples" / "vulnerable" / "flask_twin"
    out = subprocess.run([sys.executable, "-m", "apishield", "audit", str(root), "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    doc = json.loads(out.stdout)
    assert set(doc) >= {"findings", "routes", "stats"}
    assert doc["findings"], "the twin is vulnerable by design"
    keys = {"rule_id", "title", "severity", "confidence", "cwe", "owasp", "path", "line", "end_line", "message", "fix"}
    for finding in doc["findings"]:
        assert keys <= set(finding)
        assert finding["severity"] in {"info", "low", "medium", "high", "critical"}
        assert finding["cwe"]
        assert all(isinstance(c, int) for c in finding["cwe"])
        assert not Path(finding["path"]).is_absolute()
        assert (root / finding["path"]).exists()
    assert {"AS301", "AS801"} <= {f["rule_id"] for f in doc["findings"]}


def test_cli_errors_are_one_line_and_non_zero(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    out = subprocess.run([sys.executable, "-m", "apishield", "audit", str(missing)], capture_output=True, text=True)
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_a_run_imports_only_its_own_subcommand() -> None:
    code = ("import sys; from apishield.cli import build_parser; build_parser(['audit', '.']); "
            "print(','.join(m for m in ('apishield.probe.cli', 'apishield.demo.cli', 'httpx') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
