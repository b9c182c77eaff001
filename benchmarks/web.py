"""CORS: apishield vs flask-cors on the bypass catalogue and config refusals, plus per-request cost.

Run: .venv/bin/python benchmarks/web.py

flask-cors is configured the way its documentation shows for subdomains: a regular expression string.
Each catalogue origin is sent through a real Flask test client; an origin "gets through" when the response
reflects it in Access-Control-Allow-Origin although the catalogue says it must be refused.
"""

from __future__ import annotations

import json
import logging
import timeit
import warnings
from pathlib import Path
from typing import Any

from flask import Flask
from flask_cors import CORS

from apishield.errors import ConfigError
from apishield.request import CaseInsensitiveHeaders, RequestView
from apishield.stores import MemoryStore
from apishield.web.cors import CORSPolicy
from apishield.web.csrf import CSRFProtect
from apishield.web.sessions import SessionManager
from apishield.web.validation import RequestValidator

VECTORS = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "cors"
PEER_PATTERNS = {
    # what users write for flask-cors (regexes are matched with re.match: prefix-anchored only)
    "exact": ["https://example.com", "https://app.example.com:8443", "http://localhost:3000"],
    "wildcard": [r"https://.*\.example\.com"],
    "wildcard_port": [r"https://.*\.example\.com:8443"],
}


def peer_allows(patterns: list[str], origin: str) -> bool:
    app = Flask(__name__)
    CORS(app, origins=patterns, supports_credentials=True)

    @app.get("/")
    def index() -> str:
        return "ok"

    try:
        resp = app.test_client().get("/", headers={"Origin": origin})
    except ValueError:  # werkzeug refuses header values with newlines before flask-cors sees them
        return False
    return resp.headers.get("Access-Control-Allow-Origin") == origin


def main() -> None:
    logging.getLogger("apishield").setLevel(logging.CRITICAL)  # refusals are the point here, not log lines
    catalogue = json.loads((VECTORS / "bypass.json").read_text(encoding="utf-8"))
    ours = {name: CORSPolicy.from_dict(cfg) for name, cfg in catalogue["policies"].items()}
    must_refuse = [c for c in catalogue["cases"] if not c["allowed"]]
    must_allow = [c for c in catalogue["cases"] if c["allowed"]]
    ours_leaks = [c for c in must_refuse if ours[c["policy"]].headers_for(c["origin"])]
    peer_leaks = [c for c in must_refuse if peer_allows(PEER_PATTERNS[c["policy"]], c["origin"])]
    ours_ok = sum(bool(ours[c["policy"]].headers_for(c["origin"])) for c in must_allow)
    peer_ok = sum(peer_allows(PEER_PATTERNS[c["policy"]], c["origin"]) for c in must_allow)

    refusals = json.loads((VECTORS / "config_refusals.json").read_text(encoding="utf-8"))["cases"]
    ours_refused = 0
    for case in refusals:
        try:
            CORSPolicy.from_dict(case["config"])
        except ConfigError:
            ours_refused += 1
    peer_refused = 0
    for case in refusals:
        cfg: dict[str, Any] = case["config"]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                CORS(Flask(__name__), origins=cfg.get("origins"), supports_credentials=cfg.get("allow_credentials"),
                     methods=cfg.get("methods"), allow_headers=cfg.get("headers"), max_age=cfg.get("max_age"))
        except Exception:
            peer_refused += 1

    policy = ours["wildcard"]
    n = 200_000
    per_call = timeit.timeit(lambda: policy.headers_for("https://api.example.com"), number=n) / n
    exact = ours["exact"]
    per_exact = timeit.timeit(lambda: exact.headers_for("https://example.com"), number=n) / n

    sessions = SessionManager(MemoryStore())
    session = sessions.create("bench")
    per_load = timeit.timeit(lambda: sessions.load(session.id), number=50_000) / 50_000
    csrf = CSRFProtect(sessions=sessions)
    post = RequestView("POST", "/x", CaseInsensitiveHeaders({"host": "api.example.com", "origin": "https://api.example.com",
                                                            "sec-fetch-site": "same-origin",
                                                            "x-csrf-token": session.csrf_token}), scheme="https")
    assert csrf.check(post, session_id=session.id).__class__.__name__ == "Allow"
    per_csrf = timeit.timeit(lambda: csrf.check(post, session_id=session.id, expected_token=session.csrf_token),
                             number=50_000) / 50_000
    schema = {"type": "object", "properties": {"title": {"type": "string", "maxLength": 100},
                                               "priority": {"type": "integer"}}, "required": ["title"]}
    validator = RequestValidator(body=schema)
    body = RequestView("POST", "/x", CaseInsensitiveHeaders({"content-type": "application/json"}),
                       body=b'{"title":"write the docs","priority":2}')
    per_validate = timeit.timeit(lambda: validator.validate(body), number=20_000) / 20_000

    print(f"{'':44} {'apishield':>12} {'flask-cors':>12}")
    rows = [
        (f"bypass origins reflected (of {len(must_refuse)})", len(ours_leaks), len(peer_leaks)),
        (f"legitimate origins allowed (of {len(must_allow)})", ours_ok, peer_ok),
        (f"bad CORS configs refused at start-up (of {len(refusals)})", ours_refused, peer_refused),
    ]
    for label, mine, theirs in rows:
        print(f"{label:44} {mine:>12} {theirs:>12}")
    print(f"{'headers_for, exact origin (µs/call)':44} {per_exact * 1e6:>12.2f} {'-':>12}")
    print(f"{'headers_for, wildcard origin (µs/call)':44} {per_call * 1e6:>12.2f} {'-':>12}")
    print(f"{'SessionManager.load, memory store (µs/call)':44} {per_load * 1e6:>12.2f}")
    print(f"{'CSRFProtect.check, synchronizer (µs/call)':44} {per_csrf * 1e6:>12.2f}")
    print(f"{'RequestValidator, JSON Schema body (µs/call)':44} {per_validate * 1e6:>12.2f}")
    if peer_leaks:
        print("\nflask-cors reflected:", ", ".join(repr(c["origin"]) for c in peer_leaks[:12]))


if __name__ == "__main__":
    main()
