"""A repository that ships its nginx configuration says which paths outside clients can reach: a location marked
``internal;``, or ``deny all;`` after allowing only loopback and private networks, is answered by the proxy itself.
Findings of the application's routes under such a location stay, low; every other route keeps its severity."""

from __future__ import annotations

from pathlib import Path

from apishield.audit.proxy_config import closed_locations, project_closed_locations
from apishield.findings import Finding, Severity
from tests.audit.helpers import audit

_NGINX = """\
server {
    listen 80;
    # location /commented { internal; }
    location /internal {
        internal;
        proxy_pass http://admin;
    }
    location /metrics {
        allow 127.0.0.1;
        allow 10.0.0.0/8;
        deny all;
        proxy_pass http://admin;
    }
    location /partners {
        allow 93.184.216.34;
        deny all;
        proxy_pass http://admin;
    }
    location ~ ^/regex/ {
        internal;
    }
    location /api {
        location /api/hidden { internal; }
        proxy_pass http://admin;
    }
}
server {
    listen 81 default_server;
    location / { deny all; }
}
"""

_APP = """\
from flask import Flask, jsonify
app = Flask(__name__)

@app.route("/internal/users/<name>")
def lookup(name):
    return jsonify({"name": name})

@app.route("/metrics")
def metrics():
    return jsonify({"up": 1})

@app.route("/partners/users/<name>")
def partners(name):
    return jsonify({"name": name})

@app.route("/api/users/<name>")
def users(name):
    return jsonify({"name": name})
"""


def test_the_locations_closed_to_outside_clients() -> None:
    closed = {(c.prefix, c.how) for c in closed_locations(_NGINX, "nginx.conf")}
    # must count: internal, deny all after private allows, a nested internal location
    assert closed == {("/internal", "internal"), ("/metrics", "deny all"), ("/api/hidden", "internal")}
    # must not count: a public allow, a regular-expression location, a comment, a catch-all server's ``location /``


def test_a_path_another_server_serves_openly_is_not_closed(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "a.conf").write_text("server { location /internal { internal; } }\n")
    (tmp_path / "deploy" / "b.conf").write_text("server { location /internal { proxy_pass http://app; } }\n")
    assert project_closed_locations(str(tmp_path / "deploy")) == []


def test_route_findings_under_a_closed_location_are_low(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "nginx.conf.j2").write_text(_NGINX)
    result = audit(tmp_path / "service", {"app.py": _APP})
    missing = {f.location.line: f for f in result.findings if f.rule_id == "AS101" and f.location is not None}
    lines = _APP.splitlines()

    def at(handler: str) -> Finding:
        number = next(i for i, text in enumerate(lines, 1) if text.startswith(f"def {handler}("))
        return next(f for line, f in missing.items() if number - 1 <= line <= number)

    assert at("lookup").severity == Severity.LOW and "internal" in at("lookup").message  # must stay quiet
    assert at("metrics").severity == Severity.LOW  # must stay quiet: loopback and private networks only
    assert at("partners").severity >= Severity.MEDIUM  # must fire: a public address is allowed in
    assert at("users").severity >= Severity.MEDIUM  # must fire: an open location


def test_without_a_proxy_configuration_nothing_changes(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    result = audit(tmp_path / "service", {"app.py": _APP})
    assert not any("proxy" in f.message for f in result.findings)
    # the /internal route, reported when nothing closes it
    assert [f.severity >= Severity.MEDIUM for f in result.findings if f.rule_id == "AS101"
            and f.location is not None and f.location.line <= 6] == [True]
