"""An upload stored under a generated name (``uuid4()``, ``secrets.token_hex``) plus only the client's extension
(``os.path.splitext(name)[1]``, ``Path(name).suffix``, ``mimetypes.guess_extension``) cannot leave the upload
directory: the extension comes after the last separator, so no AS806. A name that keeps the client's base name
(``splitext(name)[0]``, the whole file name) is still path traversal."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = '''
import mimetypes
import os
import secrets
from pathlib import Path
from uuid import uuid4

from flask import Flask, request

app = Flask(__name__)
UPLOADS = "/srv/uploads"


@app.post("/upload")
def upload():
    upload = request.files["file"]
    {name}
    with open(os.path.join(UPLOADS, stored), "wb") as out:
        out.write(upload.read())
    return {{"stored": stored}}
'''


@pytest.mark.parametrize(("name", "reported"), [
    ('stored = f"{uuid4()}{os.path.splitext(upload.filename)[1]}"', False),
    ('root, ext = os.path.splitext(upload.filename); stored = secrets.token_hex(16) + ext.lower()', False),
    ('stored = f"{uuid4().hex}{Path(upload.filename).suffix}"', False),
    ('stored = str(uuid4()) + mimetypes.guess_extension(request.form["type"])', False),
    ('stored = f"{uuid4()}-{upload.filename}"', True),
    ('stored = f"{os.path.splitext(upload.filename)[0]}-{uuid4()}.png"', True),
    ('root, ext = os.path.splitext(upload.filename); stored = root + ext', True),
], ids=["uuid-plus-splitext", "token-plus-unpacked-extension", "uuid-plus-path-suffix", "uuid-plus-guessed",
        "uuid-plus-client-name", "client-base-name", "client-base-name-unpacked"])
def test_generated_upload_names_do_not_traverse(tmp_path: Path, name: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(name=name)})
    assert any(f.rule_id == "AS806" for f in result.findings) is reported


_HELPER = '''
import os
from uuid import uuid4

from fastapi import FastAPI, UploadFile

app = FastAPI()


async def stored_path(file_name: str, kind: str = "images") -> str:
    folder = "{{}}/{{}}/".format("static/media", kind)
    return f"{{folder}}{{file_name}}"


async def save(upload: UploadFile) -> str:
    {name}
    location = await stored_path({arg}, "files")
    with open(location, "wb") as out:
        out.write(await upload.read())
    return location


@app.post("/upload")
async def upload(file: UploadFile) -> dict[str, str]:
    return {{"at": await save(file)}}
'''


@pytest.mark.parametrize(("name", "arg", "reported"), [
    ("_, ext = os.path.splitext(upload.filename)", 'f"{uuid4()}{ext}"', False),
    ("ext = os.path.splitext(upload.filename)[1]", "str(uuid4()) + ext", False),
    ("ext = upload.filename", 'f"{uuid4()}{ext}"', True),
    ("root, _ = os.path.splitext(upload.filename)", 'f"{root}-{uuid4()}.png"', True),
], ids=["helper-composes-uuid-and-extension", "helper-composes-concatenation", "helper-composes-client-name",
        "helper-composes-client-base-name"])
def test_generated_names_stay_safe_through_a_helper_that_composes_the_path(
        tmp_path: Path, name: str, arg: str, reported: bool) -> None:
    """The upload reaches a helper as a parameter (origin unknown there) and the path is composed by another helper
    from its arguments and literals: the caller's generated name keeps it safe through that helper."""
    result = audit(tmp_path, {"app.py": _HELPER.format(name=name, arg=arg)})
    assert any(f.rule_id == "AS806" for f in result.findings) is reported
