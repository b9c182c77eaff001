"""WSGI entry point for production servers:
``gunicorn -c examples/taskapi/gunicorn.conf.py --chdir examples taskapi.wsgi:app`` (gthread workers; see
that file and docs/how-to/behind-a-proxy.md for why sync workers need a buffering proxy)."""

import logging

from taskapi.app import create_app

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
app = create_app()
