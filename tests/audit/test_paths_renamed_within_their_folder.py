"""``folder.with_name(x)`` (``with_stem``, ``with_suffix``) names a file of the same folder: pathlib refuses a name
holding a separator, and ``..`` names the folder above, never a file in it. The request's text there chooses a file
of the folder, not a path; joined onto the folder (``folder / x``) it is still a traversal."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_APP = """\
from pathlib import Path
from starlette.applications import Starlette
from starlette.responses import FileResponse
from starlette.routing import Route

UPLOADS = Path("/srv/uploads")


async def view(request):
    name = request.query_params["name"]
    return FileResponse({target})


app = Starlette(routes=[Route("/images", view)])
"""


@pytest.mark.parametrize(("target", "fires"), [
    ('UPLOADS.joinpath("placeholder").with_name(name)', False),  # must stay quiet: a file of the folder
    ('(UPLOADS / "a.png").with_stem(name)', False),
    ("UPLOADS / name", True),  # must fire: joined, the name may climb out
    ("UPLOADS.joinpath(name).with_suffix('.png')", True),
])
def test_a_name_given_to_with_name_stays_in_the_folder(tmp_path: Path, target: str, fires: bool) -> None:
    result = audit(tmp_path, {"main.py": _APP.format(target=target)})
    assert any(f.rule_id == "AS806" for f in result.findings) is fires
