"""One configuration loader: one search rule, one key style, one ConfigError for the shield and the tools."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.config import ShieldConfig, discover, find_config, read_toml, tool_settings
from apishield.errors import ConfigError

PYPROJECT = """
[project]
name = "x"

[tool.apishield]
mode = "development"

[tool.apishield.rate_limit]
default-limits = ["7/minute"]

[tool.apishield.audit]
fail-on = "high"
exclude = ["tests/*"]
"""


def test_the_nearest_file_at_or_above_the_start_is_found(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    deep = tmp_path / "src" / "pkg"
    deep.mkdir(parents=True)
    assert find_config(deep) == tmp_path / "pyproject.toml"
    assert find_config(deep / "module.py") == tmp_path / "pyproject.toml"
    (tmp_path / "apishield.toml").write_text('mode = "production"\n')
    assert find_config(deep) == tmp_path / "apishield.toml"  # same directory: apishield.toml first
    (deep / "pyproject.toml").write_text("[project]\nname = 'inner'\n")
    assert find_config(deep) == deep / "pyproject.toml"  # nearer wins


def test_shield_and_tools_read_the_same_file_in_one_key_style(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    sub = tmp_path / "app"
    sub.mkdir()
    config = ShieldConfig.from_mapping(discover(sub))
    assert config.mode == "development" and config.rate_limit.default_limits == ("7/minute",)
    audit, source = tool_settings("audit", sub)
    assert source == tmp_path / "pyproject.toml"
    assert audit == {"fail_on": "high", "exclude": ["tests/*"]}
    assert tool_settings("probe", sub) == ({}, tmp_path / "pyproject.toml")
    explicit, _ = tool_settings("audit", Path("/"), explicit=tmp_path / "pyproject.toml")
    assert explicit == audit


def test_no_file_means_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'plain'\n")
    assert discover(tmp_path) == {}
    assert tool_settings("audit", tmp_path) == ({}, tmp_path / "pyproject.toml")


def test_bad_files_raise_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "pyproject.toml"
    bad.write_text("[tool.apishield\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        tool_settings("audit", tmp_path)
    bad.write_text("[tool.apishield]\naudit = 3\n")
    with pytest.raises(ConfigError, match=r"\[audit\] must be a table"):
        read_toml(bad, "audit")
    with pytest.raises(ConfigError, match="cannot read"):
        read_toml(tmp_path / "missing.toml")


def test_kebab_and_snake_keys_are_one_setting() -> None:
    config = ShieldConfig.from_mapping({"rate-limit": {"default-limits": ["3/second"]}, "trusted-proxies": []})
    assert config.rate_limit.default_limits == ("3/second",)
    with pytest.raises(ConfigError, match="unknown setting"):
        ShieldConfig.from_mapping({"rate-limits": {}})
