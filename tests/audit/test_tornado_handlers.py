"""Tornado request handlers: the HTTP-verb methods of a ``RequestHandler`` subclass serve requests, so what
``self`` reads (``self.get_argument``, ``self.get_body_argument``, ``self.request.body``) and the URL pattern's
groups passed as arguments are request data, and ``tornado.template.Template`` compiles its argument: request data
there is template injection (AS403), in SQL text AS801, in a shell command AS802. A template of constant text given
the request data as a variable, a value converted to a number and a helper method that reads no request stay
quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = '''
import os
import sqlite3

import tornado.template
import tornado.web

PAGE = "<p>Hello NAMEHERE</p>"


class Base(tornado.web.RequestHandler):
    def db(self):
        return sqlite3.connect("items.db")


class Hello(Base):
    def get(self):
        name = self.get_argument("name", "")
        self.write(tornado.template.Template(PAGE.replace("NAMEHERE", name)).generate())


class Fixed(tornado.web.RequestHandler):
    def get(self):
        self.write(tornado.template.Template(PAGE).generate(name=self.get_argument("name", "")))


class Item(Base):
    def get(self, item_id):
        self.db().execute("SELECT * FROM items WHERE id = '%s'" % item_id)

    def put(self, item_id):
        self.db().execute("UPDATE items SET seen = 1 WHERE id = %d" % int(item_id))

    def post(self, item_id):
        os.system("touch " + self.get_body_argument("note"))


application = tornado.web.Application([(r"/", Hello), (r"/fixed", Fixed), (r"/items/(.*)", Item)])
'''


def _high(tmp_path: Path, rule: str) -> list[int]:
    result = audit(tmp_path, {"server.py": _APP})
    return sorted(f.location.line for f in result.findings
                  if f.rule_id == rule and f.location and f.severity >= Severity.HIGH)


@pytest.mark.parametrize(("rule", "lines"), [
    ("AS403", [line for line, text in enumerate(_APP.splitlines(), 1) if "PAGE.replace" in text]),
    ("AS801", [line for line, text in enumerate(_APP.splitlines(), 1) if "'%s'\" % item_id" in text]),
    ("AS802", [line for line, text in enumerate(_APP.splitlines(), 1) if "os.system" in text]),
])
def test_request_data_a_tornado_handler_reads_reaches_its_sinks(tmp_path: Path, rule: str, lines: list[int]) -> None:
    assert _high(tmp_path, rule) == lines
