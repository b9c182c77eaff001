"""The version matrix: the adapter suites against the oldest supported and the newest framework versions.

    nox                 # both sessions (``make matrix``)
    nox -s "adapters(oldest)"

The oldest versions are the floors declared in pyproject.toml's extras; the newest are whatever the package
index has today. Each session installs apishield (no extras) with only the frameworks and test tools the suites
need, so a floor that is too low fails here instead of in a user's project.
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True

# keep in step with the floors in pyproject.toml ([project.optional-dependencies])
OLDEST = [
    "flask==2.2.5",
    "werkzeug==2.2.3",
    "fastapi==0.124.0",
    "starlette==0.40.0",
    "pydantic==2.7.0",
    "bottle==0.13.0",
    "cherrypy==18.8.0",
]
NEWEST = ["flask", "werkzeug", "fastapi", "starlette", "pydantic", "bottle", "cherrypy"]
TOOLS = [
    "pytest>=8",
    "pytest-timeout",
    "pytest-xdist",
    "hypothesis",
    "httpx",
    "requests",
    "pyjwt[crypto]",
    "gunicorn",
    "uvicorn",
    "waitress",
    "websockets",
    # the extensions whose presence the adapters warn about
    "flask-cors",
    "flask-talisman",
    "flask-limiter",
    "slowapi",
]
# every adapter against real servers, the generic WSGI/ASGI middleware, configuration, route headers, Vary, and
# validation with pydantic models; the multi-worker and example-app suites need Redis/SQLAlchemy and the
# browser suite Chromium: they run in `make test` with the newest versions only
SUITES = ["tests/integrations", "tests/web/test_validation.py", "tests/test_docs.py", "tests/test_readme.py"]
DESELECT = ["tests/integrations/test_multiworker.py", "tests/integrations/test_examples.py"]


def _pytest(session: nox.Session, *extra: str) -> None:
    args = ["-m", "not browser", "-n", "2", "-q", "-p", "no:cacheprovider", *extra]
    for path in DESELECT:
        args += ["--deselect", path]
    session.run("python", "-m", "pytest", *SUITES, *args)


@nox.session
def adapters_oldest(session: nox.Session) -> None:
    """Oldest supported Flask, FastAPI/Starlette, pydantic, Bottle and CherryPy."""
    session.install("-e", ".", *TOOLS, *OLDEST, "flask-login==0.6.3", "flask-jwt-extended==4.5.3")
    # Bottle 0.12's import hook for ``bottle.ext`` predates Python 3.4's find_spec: an ImportWarning, not a fault
    _pytest(session, "-W", "ignore::ImportWarning")


@nox.session
def adapters_newest(session: nox.Session) -> None:
    """The newest release of each framework."""
    session.install("--upgrade", "-e", ".", *TOOLS, *NEWEST, "flask-login", "flask-jwt-extended")
    _pytest(session)
