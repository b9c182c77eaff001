"""Configuration: kwargs, dicts, TOML files, pyproject, environment secrets, and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.config import ShieldConfig, load, read_toml, secret_from_env
from apishield.errors import ConfigError


def test_flat_and_nested_settings_agree() -> None:
    flat = ShieldConfig.build(jwt_secret_env="X", cors_origins=["https://a.example"], default_limits=["5/minute"])
    nested = ShieldConfig.build(
        auth={"jwt_secret_env": "X"},
        cors={"origins": ["https://a.example"]},
        rate_limit={"default_limits": ["5/minute"]},
    )
    assert flat == nested
    assert flat.cors.origins == ("https://a.example",)
    assert flat.rate_limit.default_limits == ("5/minute",)


def test_unknown_setting_is_refused_with_the_known_names() -> None:
    with pytest.raises(ConfigError, match=r"unknown setting 'cors_origin'.*cors_origins"):
        ShieldConfig.build(cors_origin=["https://a.example"])
    with pytest.raises(ConfigError, match="unknown setting 'origin' in \\[cors\\]"):
        ShieldConfig.build(cors={"origin": []})


def test_wildcard_origin_with_credentials_is_refused() -> None:
    with pytest.raises(ConfigError, match="credentials"):
        ShieldConfig.build(cors_origins=["*"], cors_allow_credentials=True)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"mode": "prod"}, "mode"),
        ({"https": "sometimes"}, "https"),
        ({"cors_max_age": -1}, "negative"),
        ({"headers_enabled": "yes"}, "true or false"),
        ({"trusted_proxies": 5}, "list of strings"),
        ({"routes": {"/x": 1}}, "routes"),
    ],
)
def test_bad_values_are_refused(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ShieldConfig.build(**settings)


def test_https_defaults_follow_the_mode() -> None:
    assert ShieldConfig.build().https_action == "redirect"
    assert ShieldConfig.build(mode="development").https_action == "off"
    assert ShieldConfig.build(mode="development", https="refuse").https_action == "refuse"


def test_pyproject_tool_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.apishield]\nmode = "development"\nstore_url = "memory://"\n'
        '[tool.apishield.cors]\norigins = ["https://app.example.com"]\n'
        '[tool.apishield.routes."GET /health"]\npublic = true\n'
    )
    config = load(tmp_path / "pyproject.toml")
    assert config.mode == "development"
    assert config.cors.origins == ("https://app.example.com",)
    assert config.routes["GET /health"] == {"public": True}


def test_apishield_toml_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "apishield.toml"
    path.write_text('[rate_limit]\ndefault_limits = ["10/second"]\n[auth]\njwt_algorithm = "HS512"\n')
    config = load(path, default_limits=["1/second"])
    assert config.rate_limit.default_limits == ("1/second",)
    assert config.auth.jwt_algorithm == "HS512"


def test_broken_toml_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "apishield.toml"
    path.write_text("mode = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_toml(path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    with pytest.raises(ConfigError, match=r"no \[tool\.apishield\]"):
        read_toml(tmp_path / "pyproject.toml")


def test_secret_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APISHIELD_T_SECRET", "s3cret")
    assert secret_from_env("APISHIELD_T_SECRET", None, "JWT secret") == "s3cret"
    monkeypatch.delenv("APISHIELD_T_SECRET")
    with pytest.raises(ConfigError, match="APISHIELD_T_SECRET is not set"):
        secret_from_env("APISHIELD_T_SECRET", None, "JWT secret")
    assert secret_from_env(None, "literal", "x") == "literal"


def test_discover_reads_the_tool_table_and_ignores_other_subcommands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apishield.config import discover

    (tmp_path / "pyproject.toml").write_text(
        '[tool.apishield]\nmode = "development"\n[tool.apishield.audit]\nexclude = ["x"]\n'
    )
    monkeypatch.chdir(tmp_path)
    assert load(discover()).mode == "development"
    (tmp_path / "apishield.toml").write_text('mode = "production"\n')
    assert load(discover(), store_url="memory://").mode == "production"
