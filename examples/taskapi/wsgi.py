"""WSGI entry point for production servers: ``gunicorn -w 3 --preload --chdir examples taskapi.wsgi:app``."""

import logging

from taskapi.app import create_app

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
app = create_app()
