"""AS814: a handler that stores a client's uploaded file must fire when nothing in it looks at the file's type — a
safe name (``secure_filename``) or a helper that only returns ``True`` is not a check — and stay quiet when an
extension allow-list, a MIME comparison, content sniffing or a validating helper comes first (a test of the name
after the file is stored guards nothing), or when the upload is only read (parsed), never stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

FLASK = ("import os, imghdr\nfrom flask import Flask, request\nfrom werkzeug.utils import secure_filename\n"
         "from app_checks import validate_extension\napp = Flask(__name__)\nALLOWED = {'png', 'jpg'}\n\n"
         "def always(name):\n    return True\n\n"
         "def allowed_file(name):\n    return '.' in name and name.rsplit('.', 1)[1].lower() in ALLOWED\n\n"
         "@app.post('/upload')\ndef upload():\n    f = request.files['file']\n")


@pytest.mark.parametrize(("body", "reported"), [
    ("    f.save(os.path.join('up', secure_filename(f.filename)))\n", True),
    ("    if always(f.filename):\n        f.save(os.path.join('up', secure_filename(f.filename)))\n", True),
    ("    for g in request.files.getlist('more'):\n        g.save(os.path.join('up', secure_filename(g.filename)))\n",
     True),
    ("    if allowed_file(f.filename):\n        f.save(os.path.join('up', secure_filename(f.filename)))\n", False),
    ("    if f.mimetype not in ('image/png', 'image/jpeg'):\n        return 'no', 415\n    f.save('up/x')\n", False),
    ("    if imghdr.what(f.stream) is None:\n        return 'no', 415\n    f.save('up/x')\n", False),
    ("    validate_extension(f.filename)\n    f.save('up/x')\n", False),
    ("    if not f.filename.lower().endswith(('.png', '.jpg')):\n        return 'no', 415\n"
     "    f.save('up/x')\n", False),
    ("    rows = f.read().decode().splitlines()\n    return str(len(rows))\n", False),
    # must fire: the extension is looked at only after the file is stored, to choose how to read it
    ("    f.save('up/x')\n    if f.filename.endswith('.csv'):\n        return 'csv'\n", True),
])
def test_a_flask_upload_stored_with_or_without_a_type_check(tmp_path: Path, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": FLASK + body + "    return 'ok'\n"})
    assert any(f.rule_id == "AS814" for f in result.findings) is reported


FASTAPI = ("import shutil\nfrom pathlib import Path\nfrom uuid import uuid4\n"
           "from fastapi import FastAPI, File, UploadFile\napp = FastAPI()\n\n"
           "@app.post('/upload')\nasync def upload(file: UploadFile = File(...)):\n"
           "    suffix = Path(file.filename or 'x').suffix\n    target = Path('up') / f'{uuid4().hex}{suffix}'\n")


@pytest.mark.parametrize(("body", "reported"), [
    ("    with target.open('wb') as out:\n        shutil.copyfileobj(file.file, out)\n", True),
    ("    data = await file.read()\n    target.write_bytes(data)\n", True),
    ("    with open(target, 'wb') as out:\n        out.write(await file.read())\n", True),
    ("    if suffix not in {'.png', '.jpg'}:\n        return {'error': 'type'}\n"
     "    with target.open('wb') as out:\n        shutil.copyfileobj(file.file, out)\n", False),
    ("    if file.content_type != 'image/png':\n        return {'error': 'type'}\n"
     "    target.write_bytes(await file.read())\n", False),
])
def test_a_fastapi_upload_stored_with_or_without_a_type_check(tmp_path: Path, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"main.py": FASTAPI + body + "    return {'ok': True}\n"})
    assert any(f.rule_id == "AS814" for f in result.findings) is reported


def test_an_upload_saved_in_test_code_is_not_reported(tmp_path: Path) -> None:
    result = audit(tmp_path, {"tests/test_upload.py": FLASK + "    f.save('up/x')\n    return 'ok'\n"})
    assert not any(f.rule_id == "AS814" for f in result.findings)


def test_a_handler_whose_name_a_later_definition_reuses_is_still_read(tmp_path: Path) -> None:
    twice = FLASK + "    f.save('up/x')\n    return 'ok'\n\n@app.get('/upload')\ndef upload():\n    return 'form'\n"
    result = audit(tmp_path, {"app.py": twice})
    assert any(f.rule_id == "AS814" for f in result.findings)
