"""The planted-weakness catalogue of the vulnerable twins, and the writer of each twin's weaknesses.json.

One table describes every weakness (what, CWE, the route it sits on, which audit rules and which probe
checks are expected to find it); the file:line locations come from the ``# planted: Vnn`` markers in each
twin's sources, so the JSON never drifts from the code. Run ``python weaknesses.py`` after editing a twin;
tests/examples checks the files are current.

``audit`` lists the rule ids of `apishield audit` any one of which counts as finding the weakness; ``probe``
lists the rule ids of `apishield probe`. A weakness is "found" when at least one expected tool reports one
of its rules: the auditor at a marked line (``match: line``, give or take ``LINE_TOLERANCE``) or anywhere in
the twin (``match: app``), the prober anywhere on the running twin.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TWINS = ("flask_twin", "bottle_twin", "cherrypy_twin")
MARKER = re.compile(r"planted:\s*(V\d\d)")

CATALOGUE: list[dict[str, Any]] = [
    {"id": "V01", "what": "Private routes reachable without authentication (users, tasks, search, files)",
     "cwe": [306, 862], "route": "GET /api/users/{user_id}", "audit": ["AS101"],
     "probe": ["PR-AUTH-001"]},
    {"id": "V02", "what": "Object lookup by id only, no ownership check (BOLA)", "cwe": [639, 862],
     "route": "GET /api/tasks/{task_id}", "audit": ["AS102"], "probe": ["PR-BOLA-001", "PR-BOLA-002"]},
    {"id": "V03", "what": "`admin` accepted from the registration body (mass assignment)", "cwe": [915],
     "route": "POST /api/register", "audit": ["AS106"], "probe": ["PR-MASS-001"]},
    {"id": "V04", "what": "No rate limiting at all, not even on login", "cwe": [770, 307],
     "route": "POST /api/login", "audit": ["AS201", "AS202"], "probe": ["PR-RATE-001"]},
    {"id": "V05", "what": "CORS reflects any Origin together with Allow-Credentials: true", "cwe": [942, 346],
     "route": "*", "audit": ["AS305"], "probe": ["PR-CORS-001", "PR-CORS-002", "PR-CORS-003"]},
    {"id": "V06", "what": "Debug mode switched on in code", "cwe": [489, 215], "route": "*",
     "audit": ["AS301"], "probe": ["PR-ERR-002"]},
    {"id": "V07", "what": "Development server in the __main__ block", "cwe": [489, 1188], "route": "*",
     "audit": ["AS302", "AS301"], "probe": []},
    {"id": "V08", "what": "Hard-coded, guessable token-signing secret ('secret')", "cwe": [798, 1391],
     "route": "*", "audit": ["AS601", "AS602"], "probe": ["PR-JWT-003"]},
    {"id": "V09", "what": "Tokens with `alg: none` accepted without a signature", "cwe": [347, 327],
     "route": "GET /api/me", "audit": [], "probe": ["PR-JWT-001"]},
    {"id": "V10", "what": "pickle.loads on the request body", "cwe": [502], "route": "POST /api/tasks/import",
     "audit": ["AS804"], "probe": []},
    {"id": "V11", "what": "eval on a query parameter", "cwe": [95, 94], "route": "GET /api/tasks/stats",
     "audit": ["AS803"], "probe": []},
    {"id": "V12", "what": "os.system with request data", "cwe": [78], "route": "POST /api/tasks/{task_id}/notify",
     "audit": ["AS802"], "probe": []},
    {"id": "V13", "what": "SQL built by string formatting (search and login)", "cwe": [89],
     "route": "GET /api/tasks/search", "audit": ["AS801"],
     "probe": ["PR-SQLI-001", "PR-SQLI-002", "PR-SQLI-003"]},
    {"id": "V14", "what": "Request data formatted into an HTML response (reflected XSS)", "cwe": [79],
     "route": "GET /hello", "audit": ["AS404", "AS402"], "probe": ["PR-XSS-001"]},
    {"id": "V15", "what": "Stored data rendered without escaping (raw template output)", "cwe": [79, 80],
     "route": "GET /tasks/{task_id}/view", "audit": ["AS402", "AS404"], "probe": []},
    {"id": "V16", "what": "Identity taken from an unsigned cookie", "cwe": [565, 784], "route": "*",
     "audit": ["AS506"], "probe": []},
    {"id": "V17", "what": "Session cookie without Secure, HttpOnly and SameSite", "cwe": [614, 1004, 1275],
     "route": "POST /api/login", "audit": ["AS503", "AS504", "AS505"], "probe": []},
    {"id": "V18", "what": "Cookie-authenticated form post without CSRF protection", "cwe": [352],
     "route": "POST /tasks/new", "audit": ["AS502"], "probe": []},
    {"id": "V19", "what": "No security headers (HSTS, CSP, nosniff, frame options)", "cwe": [693],
     "route": "*", "audit": ["AS304"], "probe": ["PR-HDR-001"]},
    {"id": "V20", "what": "Stack traces returned to clients", "cwe": [209], "route": "*",
     "audit": ["AS307", "AS301"], "probe": ["PR-ERR-001", "PR-ERR-002"]},
    {"id": "V21", "what": "Passwords hashed with unsalted SHA-256", "cwe": [916, 759],
     "route": "POST /api/register", "audit": ["AS604"], "probe": []},
    {"id": "V22", "what": "Password hashes returned in responses", "cwe": [213, 200],
     "route": "POST /api/register", "audit": ["AS107"], "probe": ["PR-AUTH-002"]},
    {"id": "V23", "what": "Admin operation open to every logged-in user (BFLA)", "cwe": [285],
     "route": "GET /api/admin/users", "audit": ["AS103"], "probe": ["PR-BFLA-001"]},
    {"id": "V24", "what": "Page size taken from the request without a cap", "cwe": [400, 770],
     "route": "GET /api/tasks", "audit": ["AS203"], "probe": []},
    {"id": "V25", "what": "File path built from request data (path traversal)", "cwe": [22],
     "route": "GET /api/files", "audit": ["AS806"], "probe": ["PR-PATH-001"]},
    {"id": "V26", "what": "Login answers differ for unknown users and wrong passwords", "cwe": [204],
     "route": "POST /api/login", "audit": [], "probe": ["PR-ENUM-001"]},
    {"id": "V27", "what": "Unversioned API paths (/api/tasks, no /v1/)", "cwe": [1059], "route": "*",
     "audit": ["AS105"], "probe": []},
]

# Weaknesses that are an absence (no rate limit, no headers, no version): the auditor may report them once
# per app or once per route, so any finding of the rule in the twin counts. The others must be reported
# within LINE_TOLERANCE lines of a marker (decorators sit a line or two above the marked ``def``).
APP_WIDE = {"V04", "V19", "V27"}
LINE_TOLERANCE = 3


def markers(twin_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Every ``planted: Vnn`` marker under ``twin_dir``: id -> [{file, line}]."""
    found: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(twin_dir.rglob("*")):
        if path.suffix not in {".py", ".html", ".tpl"} or not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in MARKER.finditer(line):
                found.setdefault(match.group(1), []).append(
                    {"file": path.relative_to(twin_dir).as_posix(), "line": number})
    return found


def build(twin: str) -> dict[str, Any]:
    twin_dir = HERE / twin
    where = markers(twin_dir)
    items = []
    for entry in CATALOGUE:
        locations = where.get(entry["id"], [])
        if not locations and entry["id"] not in APP_WIDE:
            continue
        items.append({**entry, "match": "app" if entry["id"] in APP_WIDE else "line", "where": locations})
    return {"twin": twin, "framework": twin.split("_")[0], "weaknesses": items}


def write_all() -> None:
    for twin in TWINS:
        out = HERE / twin / "weaknesses.json"
        out.write_text(json.dumps(build(twin), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out}")


if __name__ == "__main__":
    write_all()
