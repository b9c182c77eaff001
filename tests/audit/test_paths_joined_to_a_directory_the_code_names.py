"""A directory a module names once (``DATA = Path("/srv/data")``) is still a path when a handler joins a client's
value to it with ``/``: reading or listing the result is AS806 when the value may hold a ``/`` (FastAPI's
``{x:path}``), as it is for a directory written in place. A fixed file name, a value of one path segment, a name with
both separators removed (``name.replace('/', '').replace('\\\\', '')``) or the temporary file Django spooled an
upload to is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

APP = '''from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

DATA = Path("/srv/data")
app = FastAPI()


@app.get("{route}")
def serve(name: str = ""):
    target = {target}
    return PlainTextResponse(target.read_text())
'''


@pytest.mark.parametrize(("route", "target", "reported"), [
    ("/files/{name:path}", "DATA / name", True),
    ("/files/{name:path}", "DATA / name.strip('/')", True),
    ("/files/{name:path}", "Path('/srv/data') / name", True),
    ("/files/{name:path}", "DATA / 'index.txt'", False),
    ("/files/{name}", "DATA / name", False),
])
def test_a_client_path_joined_to_a_named_directory(tmp_path: Path, route: str, target: str, reported: bool) -> None:
    result = audit(tmp_path, {"app/__init__.py": "", "app/main.py": APP.format(route=route, target=target)})
    assert any(f.rule_id == "AS806" for f in result.findings) is reported


FLASK = '''import os

from flask import Flask, request

app = Flask(__name__)


@app.route("/files")
def read():
    name = request.args["name"]{cleaning}
    return open(os.path.join("/srv/files", name)).read()
'''


@pytest.mark.parametrize(("cleaning", "reported"), [
    (".replace('/', '').replace('\\\\', '')", False),  # no separator left: the name stays in the directory
    (".replace('/', '')", True),  # a backslash is a separator where the server runs on Windows
    (".replace('..', '')", True),  # '....//' still climbs once the dots are removed
    ("", True),
])
def test_a_name_without_separators_stays_in_its_directory(tmp_path: Path, cleaning: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": FLASK.format(cleaning=cleaning)})
    assert any(f.rule_id == "AS806" and f.severity.name in {"HIGH", "CRITICAL"}
               for f in result.findings) is reported


UPLOAD = '''from django.http import JsonResponse


def upload(request):
    upload = request.FILES["file"]
    with open({path}, "rb") as f:
        size = len(f.read())
    return JsonResponse({{"size": size}})
'''


@pytest.mark.parametrize(("path", "reported"), [
    ("upload.temporary_file_path()", False),  # where Django spooled the upload: the server's own name
    ("upload.name", True),  # the name the client gave
])
def test_the_temporary_file_django_spooled_an_upload_to_is_the_servers(tmp_path: Path, path: str,
                                                                       reported: bool) -> None:
    files = {"app/__init__.py": "", "app/views.py": UPLOAD.format(path=path),
             "app/urls.py": "from django.urls import path\nfrom . import views\n\n"
                            "urlpatterns = [path('upload/', views.upload)]\n"}
    result = audit(tmp_path, files)
    assert any(f.rule_id == "AS806" and f.severity.name in {"HIGH", "CRITICAL"}
               for f in result.findings) is reported
