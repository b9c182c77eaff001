"""Engine behaviour: discovery, unparsable files, suppressions, baseline, configuration, parallel runs."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from apishield.audit import baseline
from apishield.audit.config import AuditConfig, load
from apishield.audit.discover import discover
from apishield.audit.engine import run
from apishield.errors import ConfigError
from apishield.findings import Severity

from .helpers import audit, ids, lines_of, write

DEBUG_APP = """\
from flask import Flask
app = Flask(__name__)
app.run(debug=True)
"""


def test_discover_skips_environments_and_build_output(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app.py": "x = 1\n",
            "templates/page.html": "<p>{{ x }}</p>\n",
            "views/t.tpl": "{{x}}\n",
            "node_modules/pkg/index.py": "x = 1\n",
            ".venv/lib/site.py": "x = 1\n",
            "build/lib/app.py": "x = 1\n",
            "dist/app.py": "x = 1\n",
            ".git/hooks/h.py": "x = 1\n",
            "env2/pyvenv.cfg": "home = /usr\n",
            "env2/lib/mod.py": "x = 1\n",
            "README.md": "not scanned\n",
        },
    )
    found = {f.relpath: f.kind for f in discover(str(tmp_path))}
    assert found == {"app.py": "python", "templates/page.html": "template", "views/t.tpl": "template"}


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file or directory"):
        run([str(tmp_path / "nope")])


def test_unparsable_file_gives_one_warning_and_the_rest_is_audited(tmp_path: Path) -> None:
    result = audit(
        tmp_path, {"broken.py": "def f(:\n", "app.py": DEBUG_APP, "bad.py": b"\xff\xfe\x00".decode("latin-1")}
    )
    assert "AS301" in ids(result)
    assert [w for w in result.warnings if "broken.py" in w] == [w for w in result.warnings if "broken.py" in w][:1]
    assert any("broken.py" in w and "cannot parse" in w for w in result.warnings)


def test_a_list_constant_in_a_top_level_condition_is_read_like_any_other(tmp_path: Path) -> None:
    """``if os.getenv("ENV") not in ["test"]:`` at module level: a list is a constant, not a crash."""
    guarded = ("import os\nif os.getenv('ENV') not in ['test']:\n    CONFIG = 1\n"
               "if __name__ in ['__main__']:\n    pass\n")
    result = audit(tmp_path, {"conf.py": guarded, "app.py": DEBUG_APP})
    assert "AS301" in ids(result)
    assert result.warnings == []


def test_a_file_the_fact_extraction_chokes_on_is_one_warning_not_a_failed_audit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from apishield.audit import engine

    real = engine.unchecked_id_params

    def choke(tree: object, handlers: set[str]) -> dict[str, list[str]]:
        if any(isinstance(n, engine.ast.Global) for n in engine.ast.walk(tree)):  # type: ignore[arg-type]
            raise TypeError("unhashable type: 'list'")
        return real(tree, handlers)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "unchecked_id_params", choke)
    result = audit(tmp_path, {"odd.py": "def f():\n    global X\n", "app.py": DEBUG_APP})
    assert "AS301" in ids(result)
    assert any("odd.py" in w and "internal error" in w and "TypeError" in w for w in result.warnings)


def test_inline_suppression_silences_only_the_named_rule(tmp_path: Path) -> None:
    result = audit(
        tmp_path,
        {
            "app.py": """\
        from flask import Flask
        app = Flask(__name__)
        app.run(debug=True, host="0.0.0.0")  # apishield: ignore[AS301] local tool only
        """
        },
    )
    assert "AS301" not in ids(result)
    assert "AS303" in ids(result)
    assert result.stats["suppressed"] >= 1


def test_suppression_comment_on_the_line_above(tmp_path: Path) -> None:
    result = audit(
        tmp_path,
        {
            "app.py": """\
        from flask import Flask
        app = Flask(__name__)
        # apishield: ignore[AS301,AS303] reviewed
        app.run(debug=True, host="0.0.0.0")
        """
        },
    )
    assert not {"AS301", "AS303"} & ids(result)


def test_baseline_hides_known_findings_and_reports_new_ones(tmp_path: Path) -> None:
    src = tmp_path / "src"
    first = audit(src, {"app.py": DEBUG_APP})
    path = tmp_path / "baseline.json"
    assert baseline.write(str(path), first.findings) == len({f.fingerprint() for f in first.findings})
    # move the code down (line numbers change) and add a new problem
    (src / "app.py").write_text("\n\n" + DEBUG_APP + "import requests\nrequests.get('https://x.example.net')\n")
    second = run([str(src)], AuditConfig(), baseline=str(path), jobs=1)
    assert ids(second) == {"AS309"}
    assert second.stats["baselined"] == len(first.findings)


def test_baseline_file_that_is_not_a_baseline(tmp_path: Path) -> None:
    bad = tmp_path / "b.json"
    bad.write_text("[1, 2]")
    with pytest.raises(ValueError, match="fingerprints"):
        baseline.load(str(bad))


def test_pyproject_configuration(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": """\
            [tool.apishield.audit]
            exclude = ["legacy/*"]
            disable = ["AS302"]
            fail-on = "critical"
            [tool.apishield.audit.severity]
            AS301 = "low"
            """,
            "app.py": DEBUG_APP,
            "legacy/old.py": DEBUG_APP,
        },
    )
    config = load(str(tmp_path))
    assert config.fail_on == Severity.CRITICAL
    result = run([str(tmp_path)], config, jobs=1)
    assert "AS302" not in ids(result)
    assert {f.location.path for f in result.findings if f.location} == {"app.py"}
    assert [f.severity for f in result.findings if f.rule_id == "AS301"] == [Severity.LOW]


def test_unknown_config_key_is_refused(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.apishield.audit]\nexlcude = ['x']\n"})
    with pytest.raises(ValueError, match="unknown"):
        load(str(tmp_path))


def test_audit_settings_come_from_apishield_toml_like_every_other_part(tmp_path: Path) -> None:
    write(tmp_path, {"apishield.toml": "[audit]\nfail-on = 'critical'\ndisable = ['as302']\n", "app.py": DEBUG_APP})
    config = load(str(tmp_path / "app.py"))
    assert config.fail_on == Severity.CRITICAL
    assert config.disable == frozenset({"AS302"})


def test_bad_audit_settings_are_a_config_error(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.apishield.audit]\njobs = 0\n"})
    with pytest.raises(ConfigError, match="jobs"):
        load(str(tmp_path))


def test_min_severity_and_confidence_filters(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": DEBUG_APP})
    result = run([str(tmp_path)], AuditConfig(min_severity=Severity.HIGH), jobs=1)
    assert result.findings and all(f.severity >= Severity.HIGH for f in result.findings)


def test_parallel_and_serial_runs_agree(tmp_path: Path) -> None:
    bola = '\n@app.route("/items/<item_id>")\ndef get_item(item_id):\n    return db.get(item_id)\n'
    files = {f"pkg/m{i}.py": (DEBUG_APP + bola).replace("app", f"app{i}") for i in range(110)}
    write(tmp_path, files)
    serial = run([str(tmp_path)], AuditConfig(), jobs=1)
    parallel = run([str(tmp_path)], AuditConfig(), jobs=2)
    key = lambda r: sorted((f.rule_id, f.location.path, f.location.line) for f in r.findings)  # noqa: E731
    assert key(serial) == key(parallel)
    assert len(parallel.findings) >= 110
    assert "AS102" in {f.rule_id for f in parallel.findings}  # project rules work from facts, not trees


def test_paths_are_relative_to_each_scanned_root(tmp_path: Path) -> None:
    write(tmp_path, {"a/app.py": DEBUG_APP, "b/sub/app.py": DEBUG_APP})
    result = run([str(tmp_path / "a"), str(tmp_path / "b")], AuditConfig(), jobs=1)
    assert {f.location.path for f in result.findings if f.location} == {"app.py", "sub/app.py"}


def test_rule_that_crashes_becomes_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from apishield.audit import engine
    from apishield.audit.rules.registry import RegisteredRule

    def boom(ctx: object) -> list[object]:
        raise RuntimeError("kaput")

    real = engine.load_rules()
    broken = RegisteredRule(real[0].rule, "module", boom)
    monkeypatch.setattr(engine, "load_rules", lambda: [broken])
    result = audit(tmp_path, {"app.py": DEBUG_APP})
    assert any("kaput" in w for w in result.warnings)


def test_lines_of_helper_counts_findings(tmp_path: Path) -> None:
    result = audit(tmp_path, {"app.py": DEBUG_APP})
    assert lines_of(result, "AS301") == [3]
    assert json.dumps([f.to_dict() for f in result.findings])


def test_newer_python_syntax_is_still_audited(tmp_path: Path) -> None:
    """PEP 701 f-strings, PEP 758 except lists and PEP 695 aliases parse on this interpreter, same lines."""
    result = audit(
        tmp_path,
        {
            "app.py": """\
        from flask import Flask
        type Handler = object
        def show(d):
            return f"{d.get("name")}" + f'{d.get('q').replace('\\'', '&apos;')}'
        def safe():
            try:
                return 1
            except ValueError, TypeError:
                return 0
        app = Flask(__name__)
        app.run(debug=True)
        """
        },
    )
    assert result.warnings == []
    assert lines_of(result, "AS301") == [11]


def test_rule_table_lists_every_rule_once() -> None:
    from apishield.audit.docs import rule_reference, rule_table
    from apishield.audit.rules.registry import all_rules

    table = rule_table()
    rows = [line for line in table.splitlines() if line.startswith("| AS")]
    assert len(rows) == len(all_rules())
    assert "| AS101 | Route reachable without authentication | high |" in table
    assert "### AS402" in rule_reference()


_DEBUG_APP = "from flask import Flask\napp = Flask(__name__)\napp.run(debug=True)\n"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("utf-8 byte-order mark", b"\xef\xbb\xbf" + _DEBUG_APP.encode()),
        ("byte-order mark and a coding line", b"\xef\xbb\xbf# -*- coding: utf-8 -*-\n" + _DEBUG_APP.encode()),
        ("latin-1 coding declaration", "# -*- coding: latin-1 -*-\n# caf\u00e9\n".encode("latin-1")
         + _DEBUG_APP.encode()),
        ("CRLF line endings", _DEBUG_APP.replace("\n", "\r\n").encode()),
        ("old Mac CR line endings", _DEBUG_APP.replace("\n", "\r").encode()),
        ("form feed between sections", ("\x0c\n" + _DEBUG_APP).encode()),
    ],
)
def test_every_file_python_accepts_is_audited(tmp_path: Path, name: str, data: bytes) -> None:
    """What ``python file.py`` compiles is parsed too, with the same line numbers."""
    (tmp_path / "app.py").write_bytes(data)
    compile(data, "app.py", "exec")  # the interpreter accepts the file
    result = audit(tmp_path)
    assert result.warnings == [], name
    assert result.stats["unparsable"] == 0
    lines = data.decode("latin-1").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    expected = next(i for i, text in enumerate(lines, 1) if "debug=True" in text)
    assert lines_of(result, "AS301") == [expected]


def test_a_byte_order_mark_in_an_imported_helper_does_not_hide_its_sink(tmp_path: Path) -> None:
    """Helpers resolved across modules are read like the scanned files: a BOM does not make them opaque."""
    write(tmp_path, {"app.py": """\
        from flask import Flask, request
        import helpers
        app = Flask(__name__)
        @app.route('/run')
        def run():
            return helpers.shell(request.args['cmd'])
        """})
    (tmp_path / "helpers.py").write_bytes(b"\xef\xbb\xbfimport os\ndef shell(cmd):\n    return os.popen(cmd).read()\n")
    result = audit(tmp_path)
    assert result.warnings == []
    assert any(f.rule_id == "AS802" and f.location and f.location.path == "app.py" for f in result.findings)


def test_audit_rules_live_in_the_one_registry_shape() -> None:
    from apishield.audit.rules.registry import RULES, all_rules, get_rule, rule
    from apishield.findings import Rule
    from apishield.registry import Registry, RegistryError

    assert isinstance(RULES, Registry)
    assert [r.rule.id for r in all_rules()] == sorted(RULES.names())
    first = all_rules()[0]
    assert get_rule(first.rule.id) is first.rule
    with pytest.raises(RegistryError, match="registered twice"):  # another rule under a known id
        rule(dataclasses.replace(first.rule, title="another rule"), first.scope)(lambda ctx: iter(()))
    with pytest.raises(RegistryError, match="unknown audit rule"):
        get_rule("AS000")
    assert isinstance(first.rule, Rule)
