"""The four demo applications: how to audit, serve and log into each.

The twins run under gunicorn (Flask, Bottle) and CherryPy's own server; the Secure Task API under gunicorn
with several workers sharing their state through a SQLite store. All bind to 127.0.0.1.
"""

from __future__ import annotations

import json
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx

from apishield.errors import ApishieldError

Kind = Literal["twin", "secure"]
Identity = tuple[str, str, str]  # (name, header, value)
#: where the prober's requests come from: every demo server listens on loopback
PROBE_NETWORK = "127.0.0.1/32"


class ProvisionError(ApishieldError):
    """The demo could not create its test identities on an application."""


@dataclass(frozen=True, slots=True)
class DemoApp:
    name: str
    kind: Kind
    framework: str
    audit_path: Path
    cwd: Path
    command: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    provision: Callable[[str, DemoApp], list[Identity]] | None = None
    weaknesses: Path | None = None
    #: lines the demo prints about how this app is set up for the probe (what it relaxes, and where that is tested)
    notes: tuple[str, ...] = ()


def _gunicorn(*args: str) -> tuple[str, ...]:
    return (sys.executable, "-m", "gunicorn", "--no-control-socket", "--graceful-timeout", "3",
            "-b", "127.0.0.1:{port}", *args)


def _user(prefix: str) -> tuple[str, str, str]:
    name = f"{prefix}{secrets.token_hex(4)}"
    return name, f"{name}@example.test", secrets.token_urlsafe(18) + "-Aa1"


def provision_twin(base_url: str, app: DemoApp) -> list[Identity]:
    """Two accounts through the twin's own register and login routes."""
    identities: list[Identity] = []
    with httpx.Client(base_url=base_url, timeout=10.0, trust_env=False) as client:
        for who in ("alice", "bob"):
            username, email, password = _user(who)
            reg = client.post("/api/register", json={"username": username, "email": email, "password": password})
            login = client.post("/api/login", json={"username": username, "password": password})
            token = login.json().get("token") if login.status_code == 200 else None
            if reg.status_code >= 300 or not token:
                raise ProvisionError(f"{app.name}: could not register and log in {who} "
                                     f"({reg.status_code}/{login.status_code})")
            identities.append((who, "Authorization", f"Bearer {token}"))
    return identities


def read_outbox(outbox: Path, email: str, deadline: float) -> str:
    while time.monotonic() < deadline:
        if outbox.exists():
            for line in outbox.read_text(encoding="utf-8").splitlines():
                try:
                    mail = json.loads(line)
                except ValueError:
                    continue
                if mail.get("to") == email and mail.get("token"):
                    return str(mail["token"])
        time.sleep(0.05)
    raise ProvisionError(f"no verification mail for {email} in {outbox}")


def provision_taskapi(base_url: str, app: DemoApp) -> list[Identity]:
    """Two accounts: register, read the verification token from the demo outbox, verify, log in."""
    outbox = Path(app.env["TASKAPI_OUTBOX"])
    identities: list[Identity] = []
    with httpx.Client(base_url=base_url, timeout=10.0, trust_env=False) as client:
        for who in ("alice", "bob"):
            username, email, password = _user(who)
            reg = client.post("/api/v1/auth/register",
                              json={"username": username, "email": email, "password": password})
            if reg.status_code != 201:
                raise ProvisionError(f"{app.name}: registering {who} answered {reg.status_code}")
            token = read_outbox(outbox, email, time.monotonic() + 10)
            verify = client.post("/api/v1/auth/verify", json={"token": token})
            login = client.post("/api/v1/auth/login", json={"username": username, "password": password})
            if verify.status_code != 200 or login.status_code != 200:
                raise ProvisionError(f"{app.name}: verifying/logging in {who} answered "
                                     f"{verify.status_code}/{login.status_code}")
            identities.append((who, "Authorization", f"Bearer {login.json()['access_token']}"))
    return identities


def demo_apps(examples: Path, run_dir: Path, *, workers: int = 3) -> list[DemoApp]:
    """The apps, with their state (databases, outbox, secrets) placed in the fresh ``run_dir``."""
    vulnerable = examples / "vulnerable"
    loopback_conf = str(vulnerable / "gunicorn_loopback.py")
    taskapi_data = run_dir / "taskapi"
    taskapi_data.mkdir(parents=True, exist_ok=True)
    twins = [
        DemoApp("flask-twin", "twin", "Flask", vulnerable / "flask_twin", vulnerable / "flask_twin",
                _gunicorn("-c", loopback_conf, "app:app"),
                {"TWIN_DB": str(run_dir / "flask-twin.db")}, provision_twin,
                vulnerable / "flask_twin" / "weaknesses.json"),
        DemoApp("cherrypy-twin", "twin", "CherryPy", vulnerable / "cherrypy_twin", vulnerable / "cherrypy_twin",
                (sys.executable, "app.py", "--port", "{port}", "--no-reload"),
                {"TWIN_DB": str(run_dir / "cherrypy-twin.db")}, provision_twin,
                vulnerable / "cherrypy_twin" / "weaknesses.json"),
        DemoApp("bottle-twin", "twin", "Bottle", vulnerable / "bottle_twin", vulnerable / "bottle_twin",
                _gunicorn("-c", loopback_conf, "app:app"),
                {"TWIN_DB": str(run_dir / "bottle-twin.db")}, provision_twin,
                vulnerable / "bottle_twin" / "weaknesses.json"),
    ]
    secure = DemoApp(
        "taskapi", "secure", "Flask + apishield", examples / "taskapi", examples,
        # the shipped production config (gthread workers: a slow client holds a thread, not a worker; preload;
        # timeouts), with the demo's worker count
        _gunicorn("-c", str(examples / "taskapi" / "gunicorn.conf.py"), "-w", str(workers), "taskapi.wsgi:app"),
        {
            "TASKAPI_ENV": "demo",
            "TASKAPI_DATA_DIR": str(taskapi_data),
            "TASKAPI_OUTBOX": str(taskapi_data / "outbox.jsonl"),
            "TASKAPI_JWT_SECRET": secrets.token_urlsafe(48),
            "DATABASE_URL": f"sqlite:///{taskapi_data / 'taskapi.db'}",
            "TASKAPI_STATE_URL": f"sqlite:///{taskapi_data / 'state.db'}",
            # the prober sends its whole budget within a minute from one address; the auth routes keep
            # their own tight limits (10 logins a minute), which the probe's burst check meets
            "TASKAPI_RATE_LIMIT": "3000/minute",
            # the prober sends garbage and tampered tokens and wrong passwords on purpose; the penalty box would
            # ban its address for longer than it waits, so its address is exempt from bans (still rate limited).
            # Bans themselves are tested by the Task API's attack tests (tests/examples).
            "TASKAPI_PENALTY_EXEMPT": PROBE_NETWORK,
        },
        provision_taskapi,
        notes=(f"taskapi: the penalty box does not ban the scanner's address ({PROBE_NETWORK}, "
               "TASKAPI_PENALTY_EXEMPT; still rate limited), so checks that send bad credentials cannot end the "
               "run; bans are tested by the Task API's attack tests (tests/examples/test_taskapi_penalties.py)",),
    )
    return [*twins, secure]
