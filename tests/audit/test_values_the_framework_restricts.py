"""Request values the framework itself restricts before the handler runs carry no payload: a FastAPI parameter
declared with a pattern of fixed words (``Query(pattern="^(GRCh38|GRCh37)$")``) or a ``Literal[...]`` type is one of
its listed words. A temporary file the program creates keeps the name the program gave it, whatever is written into
it. Each stays quiet where a free value is still reported (AS806)."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_APP = """\
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import FastAPI, Query, UploadFile
from fastapi.responses import FileResponse

app = FastAPI()
DATA = Path("/srv/data")


@app.get("/assembly")
def assembly({param}):
    return FileResponse(DATA / f"{{name}}.fa")
"""


@pytest.mark.parametrize(("param", "reported"), [
    ('name: Annotated[str, Query(pattern="^(GRCh38|GRCh37)$")] = "GRCh38"', False),  # must stay quiet
    ('name: str = Query("GRCh38", pattern="^(GRCh38|GRCh37)$")', False),
    ('name: Literal["GRCh38", "GRCh37"] = "GRCh38"', False),
    ('name: Annotated[str, Query(pattern="^[A-Za-z0-9./]+$")] = "GRCh38"', True),  # must fire: dots and slashes
    ("name: str", True),
])
def test_a_parameter_the_framework_restricts_to_fixed_words(tmp_path: Path, param: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(param=param)})
    assert any(f.rule_id == "AS806" and f.severity > Severity.LOW for f in result.findings) is reported


_UPLOAD = """\
import tempfile
from pathlib import Path

from fastapi import FastAPI, UploadFile
from fastapi.responses import FileResponse

app = FastAPI()


@app.post("/convert")
async def convert(upload: UploadFile):
{body}
"""


@pytest.mark.parametrize(("body", "reported"), [
    ("    with tempfile.NamedTemporaryFile(delete=False, suffix='.vcf') as out:\n"
     "        out.write(await upload.read())\n        path = Path(out.name)\n"
     "    return FileResponse(path)", False),  # must stay quiet: the program named the file
    ("    path = Path('/srv/uploads') / upload.filename\n    path.write_bytes(await upload.read())\n"
     "    return FileResponse(path)", True),  # must fire: the client names it
])
def test_a_temporary_file_keeps_the_name_the_program_gave_it(tmp_path: Path, body: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _UPLOAD.format(body=body)})
    assert any(f.rule_id == "AS806" and f.severity > Severity.LOW for f in result.findings) is reported
