"""A request's whole header, cookie or environment collection written to the log carries every caller's
``Authorization`` header and session cookie into it (AS609); one named header, a count, or the collection handed to a
format whose named fields pick its keys (``log.info("%(PATH_INFO)s", request.environ)``, or a configured format)
does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit, lines_of

_APP = """\
import logging

from flask import Flask, request

app = Flask(__name__)
logger = logging.getLogger(__name__)


@app.before_request
def trace():
    headers = dict(request.headers)
{log}
"""


@pytest.mark.parametrize(("log", "lines"), [
    ('    logger.info(f"Headers: {headers}")', [12]),  # must fire: the collection, through a name
    ('    logger.debug("Cookies: %s", request.cookies)', [12]),
    ('    logger.info("Request %s", str(request.environ))', [12]),
    ('    logger.info("Headers: %s", list(request.headers.items()))', [12]),
    ('    logger.info("Agent: %s", request.headers.get("User-Agent"))', []),  # must stay quiet: one header
    ('    logger.info("%d headers on %s", len(headers), request.path)', []),  # a count and the path
    ('    logger.info(FORMAT, request.environ)', []),  # a configured format picks the keys it logs
    ('    logger.info("%(REMOTE_ADDR)s %(PATH_INFO)s", request.environ)', []),  # named fields only
])
def test_the_whole_header_collection_in_the_log_is_reported(tmp_path: Path, log: str, lines: list[int]) -> None:
    assert lines_of(audit(tmp_path, {"app.py": _APP.format(log=log)}), "AS609") == lines
