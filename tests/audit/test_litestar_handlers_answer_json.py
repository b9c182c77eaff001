"""Litestar (and Starlite, its former name) has no route model here, but its handlers' return values are serialised
by the route's media type, JSON unless the route says otherwise: a handler returning request data is not reflected
XSS (no AS404), where the same code under Flask, whose returned strings are pages, still fires. A path parameter
its router (or Starlette's) converts, ``{id:uuid}``, names no file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

LITESTAR = '''
from dataclasses import dataclass

from {package} import Controller, Request, get, post


@dataclass
class Greeting:
    text: str


class GreetController(Controller):
    path = "/greet"

    @get("/{{name:str}}")
    async def greet(self, name: str) -> str:
        return "hello " + name

    @post("/")
    async def echo(self, request: Request) -> Greeting:
        data = await request.json()
        return Greeting(text="hello " + data["name"])
'''

FLASK = '''
from flask import Flask, request

app = Flask(__name__)


@app.get("/greet")
def greet():
    return "hello " + request.args["name"]
'''


@pytest.mark.parametrize("package", ["litestar", "starlite"])
def test_a_litestar_handler_returning_request_data_is_not_a_page(tmp_path: Path, package: str) -> None:
    result = audit(tmp_path, {"app/controllers.py": LITESTAR.format(package=package)})
    assert not [f for f in result.findings if f.rule_id == "AS404"]


def test_the_same_data_returned_by_a_flask_view_is_still_a_page(tmp_path: Path) -> None:
    result = audit(tmp_path, {"app.py": FLASK})
    assert [f for f in result.findings if f.rule_id == "AS404"]


CONVERTED = '''
from pathlib import Path

from {package} import get

BASE = Path("/srv/images")


@get("/images/{{image_id:{converter}}}")
async def image(image_id) -> bytes:
    return open(str(BASE) + "/" + str(image_id), "rb").read()
'''


@pytest.mark.parametrize(("package", "converter", "reported"), [
    ("litestar", "uuid", False), ("litestar", "int", False), ("starlette.routing", "uuid", False),
    ("litestar", "path", True)])
def test_a_path_parameter_the_router_converts_names_no_file(tmp_path: Path, package: str, converter: str,
                                                              reported: bool) -> None:
    """``{id:uuid}`` / ``{id:int}`` (Litestar, Starlette): the router passes only a UUID or a number, so it cannot
    name a file elsewhere; ``{name:path}`` can hold a ``/`` and still reaches the file open."""
    result = audit(tmp_path, {"app/images.py": CONVERTED.format(package=package, converter=converter)})
    assert bool([f for f in result.findings if f.rule_id == "AS806"]) is reported
