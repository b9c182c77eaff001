"""apishield probe, Schemathesis and OFFAT on third-party vulnerable APIs, with ground truth written beforehand.

Each target is described by ``benchmarks/zoo/NAME.toml``: the public repository and commit, how to install and start
it, the API description to give every tool, the login recipe, and the weaknesses its own documentation lists, each
marked reachable (by a black-box tester holding the API description and the login recipe) or not. The targets live
never committed, under ``$ZOO_DIR`` (default benchmarks/.cache/zoo/NAME, which git ignores), each a checkout
at its pinned commit.

For each target and tool the harness installs the target once (a virtualenv per target), starts it fresh on
127.0.0.1 and a free port, seeds it, runs the tool with the same API description and credentials, and stops it
(always). Findings are mapped to the listed weaknesses by a rule per kind (endpoint + weakness class, see
``KIND_CLASSES``); a finding that maps to nothing listed is looked up in the target's ``[[judged]]`` entries
(true-but-unlisted or wrong, judged by hand once) and otherwise shown as "unjudged".

    .venv/bin/python benchmarks/probe_zoo.py                    # every target, every tool
    .venv/bin/python benchmarks/probe_zoo.py --only vapi --tools apishield
    .venv/bin/python benchmarks/probe_zoo.py --split development --json out.json
    .venv/bin/python benchmarks/probe_zoo.py --check --split test   # install, start, log in, stop; no tool runs

Exit status: 0 when every run was attempted (a tool or target that failed is reported "not run"), 2 on a harness
error (bad ground-truth file, missing checkout). With --check: 0 when every selected target started and every
identity of its login recipe logged in, 1 otherwise (one line per target says why).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
GROUND_TRUTH = ROOT / "benchmarks" / "zoo"
ZOO_DIR = Path(os.environ.get("ZOO_DIR", Path(__file__).resolve().parent / ".cache" / "zoo"))
TOOLS_VENV = Path(os.environ.get("ZOO_TOOLS", str(ZOO_DIR / ".tools")))
# the prober under test: this checkout's, or another build (e.g. a frozen "before" install) via $ZOO_APISHIELD
APISHIELD = Path(os.environ.get("ZOO_APISHIELD", str(ROOT / ".venv" / "bin" / "apishield")))
TOOLS = ("apishield", "schemathesis", "offat")
PYTHONS = {v: f"/root/.pyenv/versions/{p}/bin/python" for v, p in
           (("3.8", "3.8.18"), ("3.9", "3.9.18"), ("3.10", "3.10.13"), ("3.11", "3.11.7"), ("3.12", "3.12.1"))}

# ---------------------------------------------------------------------------------------------------------------
# Mapping: every tool finding becomes (method, path, classes); a listed weakness is found when a finding on its
# endpoint (or anywhere, for endpoint "*" and token-wide kinds) carries a class its kind accepts.

KIND_CLASSES: dict[str, frozenset[str]] = {
    "sqli": frozenset({"sqli"}),
    "cmdi": frozenset({"cmdi", "code_injection"}),
    "xxe": frozenset({"xxe"}),
    "redos": frozenset({"redos"}),
    "ssti": frozenset({"ssti"}),
    "xss": frozenset({"xss"}),
    "path_traversal": frozenset({"path_traversal"}),
    "user_enum": frozenset({"user_enum"}),
    "sensitive_data": frozenset({"sensitive_data"}),
    "error_disclosure": frozenset({"error_disclosure"}),
    "bola": frozenset({"bola"}),
    "bfla": frozenset({"bfla", "missing_auth"}),
    "privilege_escalation": frozenset({"mass_assignment", "bfla"}),
    "auth_bypass": frozenset({"missing_auth", "garbage_auth", "sqli", "login_bypass", "header_identity"}),
    "headers": frozenset({"headers"}),
    "version_disclosure": frozenset({"version_disclosure"}),
    "cors": frozenset({"cors"}),
    "open_redirect": frozenset({"open_redirect"}),
    "jwt_none": frozenset({"jwt_none"}),
    "jwt_unverified": frozenset({"jwt_unverified", "jwt_none", "jwt_weak_secret"}),
    "jwt_weak_secret": frozenset({"jwt_weak_secret"}),
    "jwt_alg_confusion": frozenset({"jwt_alg_confusion"}),
    "jwt_claims_disclosure": frozenset({"jwt_claims_disclosure"}),
    "jwt_not_revoked": frozenset({"jwt_not_revoked"}),
    "jwt_expired": frozenset({"jwt_expired"}),
    "mass_assignment": frozenset({"mass_assignment"}),
    "deserialization": frozenset({"deserialization"}),
    "ssrf": frozenset({"ssrf"}),
    "jwt_no_expiry": frozenset({"jwt_no_expiry"}),
    "jwt_long_expiry": frozenset({"jwt_long_expiry"}),
    "clickjacking": frozenset({"clickjacking"}),
    "host_header_injection": frozenset({"host_header_injection"}),
}
# kinds about a token or the whole server: any endpoint of the target proves them
ENDPOINT_FREE = frozenset({"jwt_long_expiry", "jwt_none", "jwt_unverified", "jwt_weak_secret", "jwt_alg_confusion",
                           "jwt_claims_disclosure", "jwt_not_revoked", "jwt_no_expiry"})

APISHIELD_CLASSES: dict[str, str] = {
    "PR-AUTH-001": "missing_auth", "PR-AUTH-003": "garbage_auth", "PR-AUTH-002": "sensitive_data",
    "PR-AUTH-005": "credentials_in_url", "PR-AUTH-006": "login_bypass", "PR-AUTH-008": "header_identity",
    "PR-COOKIE-001": "cookie_flags",
    "PR-JWT-001": "jwt_none", "PR-JWT-002": "jwt_unverified", "PR-JWT-003": "jwt_weak_secret",
    "PR-JWT-009": "jwt_unverified", "PR-JWT-004": "jwt_expired", "PR-JWT-005": "jwt_alg_confusion",
    "PR-JWT-006": "jwt_kid", "PR-JWT-010": "jwt_long_expiry",
    "PR-BOLA-001": "bola", "PR-BOLA-002": "bola", "PR-BFLA-001": "bfla", "PR-MASS-001": "mass_assignment",
    "PR-SQLI-001": "sqli", "PR-SQLI-002": "sqli", "PR-SQLI-003": "sqli", "PR-XSS-001": "xss",
    "PR-PATH-001": "path_traversal", "PR-SSTI-001": "ssti", "PR-CMDI-001": "cmdi", "PR-XXE-001": "xxe",
    "PR-CODE-001": "code_injection", "PR-UPLOAD-001": "file_upload",
    "PR-REDOS-001": "redos", "PR-CORS-001": "cors", "PR-CORS-002": "cors", "PR-CORS-003": "cors",
    "PR-HDR-001": "headers", "PR-HDR-002": "version_disclosure",
    "PR-TRACE-001": "trace",
    "PR-ERR-001": "error_disclosure", "PR-ERR-002": "error_disclosure", "PR-ERR-003": "error_disclosure",
    "PR-ERR-004": "server_error", "PR-ENUM-001": "user_enum", "PR-RATE-001": "rate_limit",
    "PR-DATA-001": "sensitive_data", "PR-DATA-002": "sensitive_data", "PR-REDIR-001": "open_redirect",
    "PR-HDR-003": "csp_weak", "PR-DESER-001": "deserialization", "PR-XSS-002": "xss", "PR-HDR-004": "clickjacking",
    "PR-INFO-001": "version_disclosure", "PR-DATA-003": "sensitive_data", "PR-DATA-004": "sensitive_data",
    "PR-DATA-005": "sensitive_data",
    "PR-JWT-007": "jwt_no_expiry",
    "PR-SESS-001": "session_fixation", "PR-EAR-001": "execution_after_redirect", "PR-RATE-002": "rate_limit_bypass",
    "PR-SSRF-001": "ssrf", "PR-AUTH-004": "weak_password_policy", "PR-SQLI-004": "sqli", "PR-NOSQL-001": "nosqli",
    "PR-NOSQL-002": "nosqli", "PR-RESET-001": "weak_reset_token",
    "PR-RESET-002": "weak_reset_token", "PR-AUTH-007": "default_credentials",
    "PR-HOST-001": "host_header_injection", "PR-SESS-004": "weak_token",
    "PR-SESS-002": "jwt_not_revoked", "PR-JWT-008": "jwt_claims_disclosure",
    "PR-SESS-003": "hardcoded_secret", "PR-BIZ-001": "business_logic", "PR-PASS-001": "weak_password_hashing",
    "PR-PASS-002": "weak_password_hashing",
}
# Schemathesis checks that make a security claim; the rest (schema, status-code, content-type conformance ...) are
# API-contract findings, counted separately and not judged as security findings.
SCHEMATHESIS_CLASSES: dict[str, str] = {
    "server error": "server_error", "api accepts requests without authentication": "missing_auth",
    "authorization bypass": "bola", "object-level": "bola", "use after free": "use_after_free",
}
# OFFAT test names (lower case, substring) -> class
OFFAT_CLASSES: tuple[tuple[str, str], ...] = (
    ("sqli", "sqli"), ("sql injection", "sqli"), ("xss", "xss"), ("html injection", "xss"),
    ("os command", "cmdi"), ("command injection", "cmdi"), ("ssti", "ssti"), ("template injection", "ssti"),
    ("bola", "bola"), ("broken object", "bola"), ("bopla", "mass_assignment"), ("mass assignment", "mass_assignment"),
    ("unsupported http method", "unsupported_method"), ("http method", "unsupported_method"),
    ("missing auth", "missing_auth"), ("broken access", "missing_auth"), ("xxe", "xxe"), ("ssrf", "ssrf"),
    ("data exposure", "sensitive_data"), ("sensitive data", "sensitive_data"), ("redos", "redos"),
)


def norm_path(path: str) -> str:
    """``/user/{user}`` and ``/user/{id}`` compare equal; a trailing slash does not matter."""
    p = re.sub(r"\{[^}]*\}", "{}", path.split("?")[0])
    return p.rstrip("/") or "/"


@dataclass(frozen=True)
class Weakness:
    id: str
    endpoint: str
    kind: str
    reachable: bool

    def accepts(self, f: ToolFinding) -> bool:
        classes = KIND_CLASSES.get(self.kind, frozenset({self.kind}))
        if f.cls not in classes:
            return False
        return self.kind in ENDPOINT_FREE or at_endpoint(self.endpoint, f)


def at_endpoint(endpoint: str, f: ToolFinding) -> bool:
    """``endpoint`` ("METHOD /path", or "*" for anywhere) is where finding ``f`` was reported."""
    if endpoint == "*":
        return True
    method, _, path = endpoint.partition(" ")
    if f.method.upper() == method.upper() and norm_path(f.path) == norm_path(path):
        return True
    # a stored weakness is the same one at the request that stored it and at the page that shows it
    wrote, _, where = f.written_by.partition(" ")
    return bool(where) and wrote.upper() == method.upper() and norm_path(where) == norm_path(path)


@dataclass(frozen=True)
class Judged:
    """A finding that maps to no listed weakness, judged by hand once: ``true`` (real but unlisted) or ``wrong``.
    An entry naming a ``tool`` judges that tool's finding on its own evidence and comes before one naming none."""

    cls: str
    endpoint: str  # "METHOD /path" or "*"
    verdict: str
    reason: str
    tool: str = ""

    def covers(self, f: ToolFinding) -> bool:
        return self.cls == f.cls and at_endpoint(self.endpoint, f) and self.tool in ("", f.tool)


@dataclass(frozen=True)
class ToolFinding:
    tool: str
    cls: str
    method: str
    path: str
    detail: str = ""
    written_by: str = ""  # "METHOD /path" of the request that stored what the finding shows (stored XSS)


@dataclass
class Score:
    found: list[str] = field(default_factory=list)  # reachable weakness ids found
    found_unreachable: list[str] = field(default_factory=list)
    true_unlisted: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    unjudged: list[str] = field(default_factory=list)


def score_findings(findings: Iterable[ToolFinding], weaknesses: list[Weakness], judged: list[Judged]) -> Score:
    """Map findings to listed weaknesses; the rest to the hand judgements (one key per class and endpoint)."""
    s = Score()
    for f in findings:
        hits = [w for w in weaknesses if w.accepts(f)]
        if hits:
            for w in hits:
                bucket = s.found if w.reachable else s.found_unreachable
                if w.id not in bucket:
                    bucket.append(w.id)
            continue
        key = f"{f.cls} {f.method} {f.path}"
        verdict = next((j for j in judged if j.tool and j.covers(f)), None) or next(
            (j for j in judged if j.covers(f)), None)
        bucket = s.unjudged if verdict is None else s.wrong if verdict.verdict == "wrong" else s.true_unlisted
        if key not in bucket:
            bucket.append(key)
    order = {w.id: i for i, w in enumerate(weaknesses)}
    s.found.sort(key=order.__getitem__)
    s.found_unreachable.sort(key=order.__getitem__)
    return s


@dataclass
class RunResult:
    target: str
    tool: str
    status: str  # "ok" or "not run: why"
    findings: list[ToolFinding] = field(default_factory=list)
    requests: int | None = None
    seconds: float | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Target:
    name: str
    split: str
    data: dict[str, Any]
    weaknesses: list[Weakness]
    judged: list[Judged]

    @property
    def reachable(self) -> list[Weakness]:
        return [w for w in self.weaknesses if w.reachable]


def load_target(path: Path) -> Target:
    data = tomllib.loads(path.read_text())
    ws = [Weakness(w["id"], w["endpoint"], w["kind"], bool(w["reachable"])) for w in data.get("weakness", [])]
    js = [Judged(j["class"], j["endpoint"], j["verdict"], j["reason"], j.get("tool", ""))
          for j in data.get("judged", [])]
    for j in js:
        if j.verdict not in ("true", "wrong"):
            raise ValueError(f"{path.name}: judged verdict must be 'true' or 'wrong', not {j.verdict!r}")
    if data.get("split") not in ("development", "test"):
        raise ValueError(f"{path.name}: split must be 'development' or 'test'")
    return Target(data["name"], data["split"], data, ws, js)


def cell(t: Target, r: RunResult | None) -> str:
    if r is None:
        return "—"
    if r.status != "ok":
        return r.status
    s = score_findings(r.findings, t.weaknesses, t.judged)
    unj = f", {len(s.unjudged)} unjudged" if s.unjudged else ""
    secs = "?" if r.seconds is None else f"{r.seconds:.0f}s"
    reqs = "?" if r.requests is None else str(r.requests)
    extra = f" (+{len(s.true_unlisted)} true unlisted)" if s.true_unlisted else ""
    return f"{len(s.found)}/{len(t.reachable)}{extra}, {len(s.wrong)} wrong{unj}, {reqs} req, {secs}"


def table(targets: list[Target], results: list[RunResult], tools: Iterable[str] = TOOLS) -> str:
    tools = list(tools)
    head = "| target | split | listed (reachable) | " + " | ".join(
        f"{t}: found/reachable, wrong, requests, time" for t in tools) + " |"
    lines = [head, "|" + " --- |" * (3 + len(tools))]
    by = {(r.target, r.tool): r for r in results}
    totals = {tool: [0, 0, 0] for tool in tools}  # found, reachable (of targets run), wrong
    for t in targets:
        row = [t.name, t.split, f"{len(t.weaknesses)} ({len(t.reachable)})"]
        for tool in tools:
            r = by.get((t.name, tool))
            row.append(cell(t, r))
            if r is not None and r.status == "ok":
                s = score_findings(r.findings, t.weaknesses, t.judged)
                totals[tool][0] += len(s.found)
                totals[tool][1] += len(t.reachable)
                totals[tool][2] += len(s.wrong)
        lines.append("| " + " | ".join(row) + " |")
    row = ["**all**", "", f"{sum(len(t.weaknesses) for t in targets)} ({sum(len(t.reachable) for t in targets)})"]
    for tool in tools:
        f, n, w = totals[tool]
        row.append(f"**{f}/{n}** = {f / n:.2f}, {w} wrong" if n else "not run")
    lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def details(targets: list[Target], results: list[RunResult]) -> str:
    out = []
    tmap = {t.name: t for t in targets}
    for r in results:
        t = tmap[r.target]
        if r.status != "ok":
            out.append(f"- {r.tool} on {r.target}: {r.status}")
            continue
        s = score_findings(r.findings, t.weaknesses, t.judged)
        missed = [w.id for w in t.reachable if w.id not in s.found]
        out.append(f"- {r.tool} on {r.target}: found {', '.join(s.found) or 'none'}; "
                   f"missed {', '.join(missed) or 'none'}"
                   + (f"; also unreachable {', '.join(s.found_unreachable)}" if s.found_unreachable else "")
                   + (f"; true-unlisted {len(s.true_unlisted)}" if s.true_unlisted else "")
                   + (f"; WRONG {s.wrong}" if s.wrong else "")
                   + (f"; UNJUDGED {s.unjudged}" if s.unjudged else "")
                   + (f"; notes: {'; '.join(r.notes)}" if r.notes else ""))
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------------------
# Running a target


class HarnessError(Exception):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def checkout(t: Target) -> Path:
    d = ZOO_DIR / t.name
    if not (d / ".git").exists():
        raise HarnessError(f"{t.name}: no checkout at {d} (git clone https://github.com/{t.data['repo']} {d} "
                           f"&& git -C {d} checkout {t.data['commit']})")
    head = subprocess.run(["git", "-C", str(d), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    if head != t.data["commit"]:
        raise HarnessError(f"{t.name}: checkout at {head[:12]}, ground truth pinned at {t.data['commit'][:12]}")
    return d


def python_for(t: Target, src: Path, log: Path) -> Path:
    """The target's own virtualenv (created once, with its dependencies), and the target's own install commands
    (``[setup] install``: argument lists run once in the checkout, e.g. ``npm install`` for a Node target), run after
    it with the virtualenv first on ``PATH``. A failed install leaves no marker, so the next run installs again."""
    venv = ZOO_DIR / ".venvs" / t.name
    py = venv / "bin" / "python"
    done = venv / ".zoo-installed"
    if done.exists():
        return py
    setup = t.data.get("setup", {})
    base = PYTHONS.get(setup.get("python", "3.11"), sys.executable)
    with log.open("a") as out:
        if not py.exists():
            subprocess.run([base, "-m", "venv", str(venv)], check=True, stdout=out, stderr=out)
            reqs = (["-r", str(src / setup["requirements_file"])] if "requirements_file" in setup
                    else list(setup.get("requirements", [])))
            if reqs:
                subprocess.run([str(py), "-m", "pip", "install", "-q", *reqs], check=True, stdout=out, stderr=out)
        env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
        for argv in setup.get("install", []):
            subprocess.run([str(a) for a in argv], cwd=src, env=env, check=True, stdout=out, stderr=out)
    done.touch()
    return py


@dataclass
class Running:
    url: str
    proc: subprocess.Popen[bytes]


@contextmanager
def postgresql(log: Path) -> Iterator[dict[str, str]]:
    """A throwaway PostgreSQL cluster on a free loopback port (trust authentication, fsync off, run as the
    ``postgres`` user when the harness runs as root), stopped and removed afterwards. Placeholders:
    ``{postgresql_port}`` and ``{postgresql_url}`` (``postgresql://postgres@127.0.0.1:PORT/postgres``)."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                  key=lambda b: int(b.parent.name) if b.parent.name.isdigit() else 0)
    if not bins:
        raise HarnessError("the target needs PostgreSQL, which is not installed (no /usr/lib/postgresql/*/bin)")
    pg_bin, tmp = bins[-1], Path(tempfile.mkdtemp(prefix="zoo-postgresql-"))
    data, port = tmp / "data", free_port()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    try:
        data.mkdir(mode=0o700)
        if as_postgres:
            shutil.chown(tmp, "postgres")
            shutil.chown(data, "postgres")
        with log.open("a") as out:
            for argv in ([str(pg_bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
                         [str(pg_bin / "pg_ctl"), "-D", str(data), "-l", str(tmp / "postgresql.log"), "-w", "-o",
                          f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off", "start"]):
                if subprocess.run([*as_postgres, *argv], stdout=out, stderr=out).returncode:
                    raise HarnessError(f"PostgreSQL did not start ({Path(argv[0]).name} failed, see {log})")
        yield {"postgresql_port": str(port), "postgresql_url": f"postgresql://postgres@127.0.0.1:{port}/postgres"}
    finally:
        subprocess.run([*as_postgres, str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


# state servers a target's [start] may ask for (``services = ["postgresql"]``), each fresh for every start
SERVICES = {"postgresql": postgresql}


@contextmanager
def running(t: Target, src: Path, py: Path, log: Path) -> Iterator[Running]:
    """Start the target fresh (its state files restored from the checkout, its state servers new), wait until it
    answers, seed it, and always stop it."""
    start = t.data["start"]
    for rel in start.get("restore", []):
        subprocess.run(["git", "-C", str(src), "checkout", "-q", "--", rel], check=True)
    with ExitStack() as stack:
        values = {"python": str(py), "port": str(free_port())}
        for name in start.get("services", []):
            if name not in SERVICES:
                raise HarnessError(f"unknown service {name!r} (known: {', '.join(SERVICES)})")
            values.update(stack.enter_context(SERVICES[name](log)))
        yield stack.enter_context(_started(start, t.data.get("seed_request", []), src, values, log))


def _fill(text: str, values: dict[str, str]) -> str:
    """``{python}``, ``{port}`` and the services' placeholders in a start command or environment value."""
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


@contextmanager
def _started(start: dict[str, Any], seeds: list[dict[str, Any]], src: Path, values: dict[str, str],
             log: Path) -> Iterator[Running]:
    port = values["port"]
    argv = [_fill(a, values) for a in start["command"]]
    env = {**os.environ, **{k: _fill(str(v), values) for k, v in start.get("env", {}).items()}, "PYTHONUNBUFFERED": "1"}
    env.pop("VIRTUAL_ENV", None)
    out = log.open("ab")
    proc = subprocess.Popen(argv, cwd=src / start.get("cwd", "."), env=env, stdout=out, stderr=out,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise HarnessError(f"exited with {proc.returncode} before answering (see {log})")
            with suppress(httpx.HTTPError):
                if httpx.get(url + start.get("ready", "/"), timeout=2).status_code < 500:
                    break
            if time.monotonic() > deadline:
                raise HarnessError(f"did not answer {start.get('ready', '/')} within 90 s (see {log})")
            time.sleep(0.5)
        for s in seeds:
            r = httpx.request(s["method"], url + s["path"], content=s.get("json", ""),
                              headers={"Content-Type": "application/json"}, timeout=10)
            if r.status_code >= 400:
                raise HarnessError(f"seed {s['method']} {s['path']} answered {r.status_code}")
        yield Running(url, proc)
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        out.close()


def api_description(t: Target, src: Path, url: str, work: Path) -> Path:
    o = t.data["openapi"]
    if o["source"] == "file":
        return src / str(o["path"])
    if o["source"] == "ours":
        return GROUND_TRUTH / str(o["path"])
    dest = work / f"{t.name}-openapi.json"
    if not dest.exists():
        r = httpx.get(url + o["path"], timeout=10)
        r.raise_for_status()
        dest.write_bytes(r.content)
    return dest


# the login encodings ``apishield probe --login-encoding`` takes; for any other (``query``: the credentials in the
# query string) the harness logs in itself and hands apishield the tokens, as a user would with ``--auth``
APISHIELD_LOGIN_ENCODINGS = ("json", "form", "basic")


def login_headers(t: Target, url: str) -> list[tuple[str, str]]:
    """One ``(header, value)`` per identity of the login recipe, obtained the way its documentation says."""
    lg = t.data["login"]
    if "tokens" in lg:
        return [(lg["token_header"], lg.get("token_prefix", "") + tok) for tok in lg["tokens"]]
    out = []
    for body in lg["bodies"]:
        data = json.loads(body)
        encoding = lg.get("encoding", "json")
        kw: dict[str, Any] = ({"data": data} if encoding == "form" else {"params": data} if encoding == "query"
                              else {"json": data})
        r = httpx.request(lg["method"], url + lg["path"], timeout=10, **kw)
        if r.status_code >= 400:
            raise HarnessError(f"login {lg['method']} {lg['path']} answered {r.status_code}")
        if lg.get("token_path", "") == "cookie":
            out.append(("Cookie", "; ".join(f"{k}={v}" for k, v in r.cookies.items())))
            continue
        value: Any = r.json()
        for part in lg["token_path"].split("."):
            value = value[part]
        out.append((lg["token_header"], lg.get("token_prefix", "") + str(value)))
    return out


def apishield_argv(t: Target, url: str, spec: Path, report: Path,
                   headers: list[tuple[str, str]] | None = None) -> list[str]:
    """The prober's command line: the login recipe as options, or ``--auth`` per identity for static tokens and for
    a recipe apishield has no encoding for (then ``headers``, obtained by the harness's own login)."""
    lg = t.data["login"]
    argv = [str(APISHIELD), "probe", url, "--openapi", str(spec), "--format", "json", "-o", str(report),
            "--no-progress", "--seed", "1", "--fail-on", "never", "--allow-incomplete"]
    if "tokens" in lg:
        headers = [(lg["token_header"], lg.get("token_prefix", "") + tok) for tok in lg["tokens"]]
    if "tokens" in lg or lg.get("encoding", "json") not in APISHIELD_LOGIN_ENCODINGS:
        for i, (name, value) in enumerate(headers or []):
            argv += ["--auth", f"id{i + 1}={name}:{value}"]
        return argv
    argv += ["--login", lg["method"], lg["path"], "--login-encoding", lg.get("encoding", "json")]
    for body in lg["bodies"]:
        argv += ["--body", body]
    if lg.get("token_path") and lg["token_path"] != "cookie":
        argv += ["--token-path", lg["token_path"],
                 "--token-header", f"{lg['token_header']}: {lg.get('token_prefix', '')}{{token}}"]
    return argv


def run_apishield(t: Target, url: str, spec: Path, work: Path) -> RunResult:
    report = work / f"{t.name}-apishield.json"
    lg = t.data["login"]
    own_login = "tokens" not in lg and lg.get("encoding", "json") not in APISHIELD_LOGIN_ENCODINGS
    headers = login_headers(t, url) if own_login else None
    began = time.monotonic()
    proc = subprocess.run(apishield_argv(t, url, spec, report, headers), capture_output=True, text=True,
                          timeout=1800)
    seconds = time.monotonic() - began
    if not report.exists():
        return RunResult(t.name, "apishield", f"not run: exit {proc.returncode}: "
                         + (proc.stderr.strip().splitlines() or ["no output"])[-1][:160])
    doc = json.loads(report.read_text())
    findings = [ToolFinding("apishield", APISHIELD_CLASSES.get(f["rule_id"], f["rule_id"]), f.get("method") or "*",
                            f.get("path") or "*", f["rule_id"], f.get("written_by") or "") for f in doc["findings"]]
    notes = [f"status {doc.get('status')}", f"coverage {doc.get('coverage', {}).get('ratio', 0):.0%}"]
    return RunResult(t.name, "apishield", "ok", findings, doc.get("requests_used"), seconds, notes)


SECTION = re.compile(r"^_{3,} (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|TRACE) (\S+) _{3,}$")
FAILURE = re.compile(r"^- (.+)$")
OTHER_SECTION = re.compile(r"^_{3,} .+ _{3,}$")
CURL = re.compile(r"curl -X ([A-Z]+) .*?'?(https?://[^\s']+)'?\s*$")


def parse_schemathesis(stdout: str, templates: list[str] | None = None) -> tuple[list[ToolFinding], int]:
    """Security-relevant failures per operation, and the number of contract (conformance) failures.

    Failures under an operation's heading belong to it; those under another heading (``Stateful tests``, a
    sequence of calls) belong to the operation of the ``curl -X METHOD URL`` line that reproduces them."""
    findings: list[ToolFinding] = []
    contract = 0
    method = path = ""
    pending: list[tuple[str, str]] = []  # (class, title) of a stateful case, waiting for its reproduction line
    for raw in stdout.splitlines():
        line = raw.strip()
        m = SECTION.match(line)
        if m:
            method, path, pending = m.group(1), m.group(2), []
            continue
        if OTHER_SECTION.match(line):  # not one operation's failures: each case names its own below
            method = path = ""
            pending = []
            continue
        if not method:
            c = CURL.search(line)
            if c and pending:
                where = urlsplit(c.group(2)).path or "/"
                op = to_template(unquote(where), templates or [])
                findings += [ToolFinding("schemathesis", cls, c.group(1), op, title) for cls, title in pending]
                pending = []
                continue
        f = FAILURE.match(line)
        if not f:
            continue
        title = f.group(1)
        cls = next((c for key, c in SCHEMATHESIS_CLASSES.items() if key in title.lower()), None)
        if cls is None:
            contract += 1
        elif method:
            findings.append(ToolFinding("schemathesis", cls, method, path, title))
        else:
            pending.append((cls, title))
    return findings, contract


def run_schemathesis(t: Target, url: str, spec: Path, work: Path, headers: list[tuple[str, str]]) -> RunResult:
    st = TOOLS_VENV / "bin" / "st"
    if not st.exists():
        return RunResult(t.name, "schemathesis", f"not run: {st} missing")
    har_dir = work / f"{t.name}-st"
    shutil.rmtree(har_dir, ignore_errors=True)
    argv = [str(st), "run", str(spec), "--url", url, "--checks", "all", "--seed", "1", "--report", "har",
            "--report-dir", str(har_dir), "--request-timeout", "5", "--workers", "1",
            "--no-color"]
    if headers:
        argv += ["-H", f"{headers[0][0]}: {headers[0][1]}"]
    began = time.monotonic()
    try:  # in a fresh directory: Schemathesis keeps a crash cache in its working directory and replays it
        with tempfile.TemporaryDirectory() as cwd:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=1800, cwd=cwd)
    except subprocess.TimeoutExpired:
        return RunResult(t.name, "schemathesis", "not run: timed out after 1800 s")
    seconds = time.monotonic() - began
    requests = 0
    for har in har_dir.glob("*.json"):
        with suppress(ValueError, KeyError):
            requests += len(json.loads(har.read_text())["log"]["entries"])
    if proc.returncode not in (0, 1):
        return RunResult(t.name, "schemathesis", f"not run: exit {proc.returncode}: "
                         + (proc.stdout.strip().splitlines() or ["no output"])[-1][:160])
    findings, contract = parse_schemathesis(proc.stdout, spec_paths(spec))
    (work / f"{t.name}-schemathesis.txt").write_text(proc.stdout)
    return RunResult(t.name, "schemathesis", "ok", findings, requests, seconds, [f"{contract} contract failures"])


def yaml_or_json(spec: Path) -> dict[str, Any]:
    import yaml

    doc = yaml.safe_load(spec.read_text())  # JSON is YAML
    if not isinstance(doc, dict):
        raise ValueError(f"{spec.name} is not an API description")
    return doc


def spec_paths(spec: Path) -> list[str]:
    return list(yaml_or_json(spec).get("paths") or {})


def to_template(path: str, templates: list[str]) -> str:
    """A concrete path a tool sent (``/user/' OR 1=1``) back to the description's template (``/user/{user}``):
    a literal template first, then the one whose parameters match (a parameter may swallow anything)."""
    clean = path.split("?")[0]
    if clean in templates or clean.rstrip("/") in templates:
        return clean
    for t in sorted(templates, key=lambda x: x.count("{")):
        if "{" in t and re.fullmatch(re.sub(r"\\\{[^}]*\\\}", ".+", re.escape(t)), clean):
            return t
    return clean


def offat_findings(doc: Any, templates: list[str] | None = None) -> list[ToolFinding]:
    results = doc.get("results", doc) if isinstance(doc, dict) else doc
    out = []
    for r in results if isinstance(results, list) else []:
        if not isinstance(r, dict) or not r.get("vulnerable"):
            continue
        name = str(r.get("test_name", "")).lower()
        cls = next((c for key, c in OFFAT_CLASSES if key in name), "other:" + name[:40])
        path = str(r.get("endpoint") or r.get("url") or "*")
        path = httpx.URL(path).path if path.startswith("http") else path
        path = to_template(path, templates or [])
        out.append(ToolFinding("offat", cls, str(r.get("method", "*")).upper(), path, str(r.get("test_name"))))
    return out


def run_offat(t: Target, url: str, spec: Path, work: Path, headers: list[tuple[str, str]]) -> RunResult:
    offat = TOOLS_VENV / "bin" / "offat"
    if not offat.exists():
        return RunResult(t.name, "offat", f"not run: {offat} missing")
    report = work / f"{t.name}-offat.json"
    report.unlink(missing_ok=True)
    argv = [str(offat), "-f", str(spec), "--server", url, "-o", str(report), "-of", "json", "-rl", "20"]
    if headers:
        argv += ["-H", f"{headers[0][0]}: {headers[0][1]}"]
    began = time.monotonic()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=1800, cwd=work)
    except subprocess.TimeoutExpired:
        return RunResult(t.name, "offat", "not run: timed out after 1800 s")
    seconds = time.monotonic() - began
    if not report.exists():
        tail = (proc.stderr.strip() or proc.stdout.strip()).splitlines() or ["no output"]
        return RunResult(t.name, "offat", f"not run: exit {proc.returncode}: {tail[-1][:160]}")
    doc = json.loads(report.read_text())
    results = doc.get("results", doc) if isinstance(doc, dict) else doc
    count = len(results) if isinstance(results, list) else None
    return RunResult(t.name, "offat", "ok", offat_findings(doc, spec_paths(spec)), count, seconds)


def run_target(t: Target, tools: list[str], work: Path) -> list[RunResult]:
    src = checkout(t)
    log = work / f"{t.name}-server.log"
    try:
        py = python_for(t, src, log)
    except subprocess.CalledProcessError as exc:
        return [RunResult(t.name, tool, f"not run: target install failed ({exc.returncode})") for tool in tools]
    results = []
    for tool in tools:
        try:
            with running(t, src, py, log) as srv:
                spec = api_description(t, src, srv.url, work)
                if tool == "apishield":
                    results.append(run_apishield(t, srv.url, spec, work))
                else:
                    headers = login_headers(t, srv.url)
                    runner = run_schemathesis if tool == "schemathesis" else run_offat
                    results.append(runner(t, srv.url, spec, work, headers))
        except (HarnessError, httpx.HTTPError, OSError, ValueError, KeyError) as exc:
            results.append(RunResult(t.name, tool, f"not run: target {type(exc).__name__}: {exc}"[:200]))
        print(f"[zoo] {t.name} / {tool}: {results[-1].status}", file=sys.stderr, flush=True)
    return results


def check_target(t: Target, work: Path) -> tuple[bool, str]:
    """Install and start the target, load its API description, log in every identity of its recipe, stop it: whether
    all of it worked, and one line, ``NAME: ok (...)`` or ``NAME: not ok: why``. No tool runs, no other request."""
    try:
        src = checkout(t)
        log = work / f"{t.name}-server.log"
        try:
            py = python_for(t, src, log)
        except subprocess.CalledProcessError as exc:
            return False, f"{t.name}: not ok: target install failed ({exc.returncode}, see {log})"
        with running(t, src, py, log) as srv:
            spec = api_description(t, src, srv.url, work)
            operations = sum(1 for item in (yaml_or_json(spec).get("paths") or {}).values() if isinstance(item, dict)
                             for method in item if method.lower() in HTTP_METHODS)
            headers = login_headers(t, srv.url)
    except (HarnessError, httpx.HTTPError, OSError, ValueError, KeyError, TypeError) as exc:
        return False, f"{t.name}: not ok: {type(exc).__name__}: {exc}"[:300]
    lg = t.data["login"]
    if "tokens" in lg:
        who = f"{len(headers)} static token(s), not checked" if headers else "anonymous (no login recipe)"
    else:
        who = f"{len(headers)} of {len(lg['bodies'])} identities logged in at {lg['method']} {lg['path']}"
    return True, f"{t.name}: ok ({operations} operations in the API description; {who})"


HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def versions(tools: list[str]) -> str:
    """One line naming what ran: each tool's own version answer (and the prober's executable)."""
    argv = {"apishield": [str(APISHIELD), "--version"], "schemathesis": [str(TOOLS_VENV / "bin" / "st"), "--version"],
            "offat": [str(TOOLS_VENV / "bin" / "offat"), "-v"]}
    out = []
    for tool in tools:
        try:
            proc = subprocess.run(argv[tool], capture_output=True, text=True, timeout=60)
            lines = (proc.stdout.strip() or proc.stderr.strip()).splitlines()
            out.append(lines[-1] if lines else f"{tool} ?")
        except OSError:
            out.append(f"{tool} missing")
    return "tools: " + "; ".join(out) + (f" ({APISHIELD})" if "apishield" in tools else "")


def load_result(d: dict[str, Any]) -> RunResult:
    return RunResult(d["target"], d["tool"], d["status"], [ToolFinding(**f) for f in d["findings"]], d["requests"],
                     d["seconds"], d["notes"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", action="append", help="target name (repeat)")
    ap.add_argument("--split", choices=("development", "test"))
    ap.add_argument("--tools", default=",".join(TOOLS), help="comma-separated: " + ", ".join(TOOLS))
    ap.add_argument("--work", type=Path, help="keep reports and logs here (default: a temporary directory)")
    ap.add_argument("--json", type=Path, help="write every run's findings and figures here")
    ap.add_argument("--from-json", type=Path, action="append",
                    help="score runs saved earlier with --json (repeat) against the current ground truth; runs nothing")
    ap.add_argument("--check", action="store_true",
                    help="only install and start each selected target, load its API description and log in its "
                         "identities, then stop it; runs no tool")
    args = ap.parse_args(argv)
    if args.check and (args.from_json or args.json):
        print("probe_zoo: --check runs no tool, so it takes neither --from-json nor --json", file=sys.stderr)
        return 2
    try:
        targets = [load_target(p) for p in sorted(GROUND_TRUTH.glob("*.toml"))]
    except (ValueError, KeyError, tomllib.TOMLDecodeError) as exc:
        print(f"probe_zoo: bad ground truth: {exc}", file=sys.stderr)
        return 2
    if args.only:
        targets = [t for t in targets if t.name in args.only]
    if args.split:
        targets = [t for t in targets if t.split == args.split]
    tools = [x for x in args.tools.split(",") if x]
    if bad := [x for x in tools if x not in TOOLS]:
        print(f"probe_zoo: unknown tool(s) {bad}", file=sys.stderr)
        return 2
    if not targets:
        print("probe_zoo: no target selected", file=sys.stderr)
        return 2
    if args.check:
        all_ok = True
        with tempfile.TemporaryDirectory() as tmp:
            work = args.work or Path(tmp)
            work.mkdir(parents=True, exist_ok=True)
            for t in targets:
                ok, line = check_target(t, work)
                all_ok = all_ok and ok
                print(line, flush=True)
        return 0 if all_ok else 1
    if args.from_json:
        results = [load_result(r) for path in args.from_json for r in json.loads(path.read_text())]
        known = {t.name for t in targets}
        for gone in sorted({r.target for r in results} - known):
            print(f"probe_zoo: runs of {gone!r} left out (not a selected target of the zoo)", file=sys.stderr)
        results = [r for r in results if r.target in known]
        names = {r.target for r in results}
        targets = [t for t in targets if t.name in names]
        used = [tool for tool in TOOLS if any(r.tool == tool for r in results)]
        print(table(targets, results, used))
        print()
        print(details(targets, results))
        return 0
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        try:
            for t in targets:
                results += run_target(t, tools, work)
                if args.json:  # after every target, so an interrupted run keeps what it measured
                    args.json.write_text(json.dumps([asdict(r) for r in results], indent=1))
        except HarnessError as exc:
            print(f"probe_zoo: {exc}", file=sys.stderr)
            return 2
    print(table(targets, results, tools))
    print()
    print(details(targets, results))
    print()
    print(versions(tools))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
