"""The coverage apps (tests/integrations/apps/coverage.py) for real servers, with the suite's JWT settings.

``fastapi_app``, ``flask_app`` and ``bottle_app`` are WSGI/ASGI attributes for uvicorn, gunicorn and waitress;
``python -m tests.integrations.apps.coverage_serve PORT`` serves the CherryPy tree with CherryPy's server.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.integrations.apps import coverage
from tests.integrations.apps.common import shield_settings

ROOT = Path(tempfile.mkdtemp(prefix="apishield-coverage-"))


def __getattr__(name: str) -> Any:
    """Build an app on first use only (each framework's server imports just its own)."""
    builders = {"fastapi_app": coverage.fastapi_app, "flask_app": coverage.flask_app, "bottle_app": coverage.bottle_app}
    if name not in builders:
        raise AttributeError(name)
    app = builders[name](shield_settings(), ROOT)
    globals()[name] = app
    return app


def main(port: int) -> None:
    import cherrypy

    tree = coverage.cherrypy_tree(shield_settings(), ROOT)
    cherrypy.tree = tree
    cherrypy.config.update(
        {"server.socket_host": "127.0.0.1", "server.socket_port": port, "engine.autoreload.on": False,
         "log.screen": False, "environment": "production"}
    )
    cherrypy.engine.start()
    cherrypy.engine.block()


if __name__ == "__main__":
    main(int(sys.argv[1]))
