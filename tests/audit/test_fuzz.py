"""Random and garbled input never crashes the engine: one warning at most, never an exception."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from apishield.audit.config import AuditConfig
from apishield.audit.discover import SourceFile
from apishield.audit.engine import analyse_file, parse_module, run

SEED = """\
from flask import Flask, request, jsonify
import cherrypy, bottle
app = Flask(__name__)

@app.route("/api/<int:item_id>", methods=["GET", "POST"])
def item(item_id):
    return jsonify(request.json)

class Root:
    @cherrypy.expose
    def index(self, q=""):
        return q

cfg = {"/": {"tools.sessions.on": True}}
app.run(debug=True)
"""


def _garble(text: str, cuts: list[int], junk: str) -> str:
    out = text
    for cut in cuts:
        pos = cut % (len(out) + 1)
        out = out[:pos] + junk + out[pos + 1 :]
    return out


@settings(max_examples=40, deadline=None)
@given(
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=6),
    junk=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8),
)
def test_garbled_python_never_crashes(cuts: list[int], junk: str) -> None:
    source = _garble(SEED, cuts, junk)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.py"
        path.write_text(source, encoding="utf-8", errors="surrogatepass")
        result = analyse_file(SourceFile(str(path), "m.py", "python"))
        assert result.module is not None or len(result.warnings) == 1
        assert not [w for w in result.warnings if "failed" in w], result.warnings


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=300))
def test_random_text_as_template_and_module(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "t.html").write_text(text, encoding="utf-8", errors="surrogatepass")
        (root / "m.py").write_text(text, encoding="utf-8", errors="surrogatepass")
        result = run([tmp], AuditConfig(), jobs=1)
        assert not [w for w in result.warnings if "failed" in w], result.warnings


@settings(max_examples=30, deadline=None)
@given(st.from_regex(r"[a-z_(){}\[\]:=,.\"' \n@0-9]{0,120}", fullmatch=True))
def test_parse_module_either_parses_or_raises_syntax_error(source: str) -> None:
    try:
        ctx = parse_module("m.py", source)
    except (SyntaxError, ValueError):
        return
    assert ctx.tree is not None


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="f'\"{}\\\\ ab:()#\n", max_size=80))
def test_modernise_never_raises_and_keeps_line_count(source: str) -> None:
    from apishield.audit.modernise import modernise

    assert modernise(source).count("\n") == source.count("\n")
