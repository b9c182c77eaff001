"""MkDocs hook: generate the reference pages from the code at build time, so they cannot drift.

* ``reference/rules/index.md`` and one page per audit and probe rule (``apishield.explain``, the same text
  ``apishield explain ID`` prints);
* ``reference/configuration.md`` from the :class:`apishield.config.ShieldConfig` dataclasses;
* ``reference/cli.md`` from the argparse parsers of ``apishield``.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import os
import textwrap
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for path, content in generated_pages().items():
        files.append(File.generated(config, path, content=content))
    return files


def generated_pages() -> dict[str, str]:
    from apishield import explain

    pages = {
        "reference/rules/index.md": rules_index(),
        "reference/configuration.md": configuration_page(),
        "reference/cli.md": cli_page(),
    }
    for rule_id in explain.rule_ids():
        pages[f"reference/rules/{rule_id}.md"] = explain.page(rule_id)
    return pages


# --- rules ---------------------------------------------------------------------------------------------
def rules_index() -> str:
    from apishield import explain

    return "\n".join(
        [
            "# Rules\n",
            "Every finding names a rule. Each rule has a page: what it detects, why it matters, its CWE ids and",
            "OWASP API Security Top 10 category, how to fix it (with bad and good code where we have an example",
            "the test-suite audits), and how to suppress it. The same page is printed in a terminal by",
            "`apishield explain ID`; `apishield explain --list` lists every id. These pages are generated from the",
            "rule tables when the site is built.\n",
            "## Audit rules (`apishield audit`)\n",
            explain.index_table(explain.AUDIT, "{id}.md"),
            "## Probe rules (`apishield probe`)\n",
            explain.index_table(explain.PROBE, "{id}.md"),
        ]
    )


# --- configuration -------------------------------------------------------------------------------------
def _field_comments(cls: type[Any]) -> dict[str, str]:
    """``#:`` comments written above dataclass fields."""
    source = textwrap.dedent(inspect.getsource(cls))
    lines = source.splitlines()
    comments: dict[str, str] = {}
    for node in ast.parse(source).body[0].body:  # type: ignore[attr-defined]
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            above: list[str] = []
            index = node.lineno - 2
            while index >= 0 and lines[index].strip().startswith("#:"):
                above.insert(0, lines[index].strip()[2:].strip())
                index -= 1
            if above:
                comments[node.target.id] = " ".join(above)
    return comments


def _default(field: dataclasses.Field[Any]) -> str:
    if field.default is not dataclasses.MISSING:
        value = field.default
    elif field.default_factory is not dataclasses.MISSING:
        value = field.default_factory()
    else:
        return "required"
    if value is None:
        return "unset"
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, dict) and not value:
        return "`{}`"
    return f"`{value!r}`".replace("|", "\\|")


def _type(field: dataclasses.Field[Any]) -> str:
    return f"`{field.type}`".replace("|", "\\|")


# What each setting means, for fields whose definition in apishield/config.py has no ``#:`` comment. A field
# with neither fails tests/test_docs.py, so a new setting cannot reach the reference undocumented.
MEANINGS: dict[tuple[str, str], str] = {
    ("auth", "jwt_secret"): "the HMAC secret itself (prefer `jwt_secret_env`: secrets do not belong in files)",
    ("auth", "jwt_secret_env"): "name of the environment variable holding the HMAC secret (32+ bytes); start-up "
    "fails when it is unset",
    ("auth", "jwt_public_key"): "PEM public key for RS256/ES256/EdDSA tokens (with `jwt_algorithm`)",
    ("auth", "jwt_algorithm"): "the one algorithm accepted for the key (HS256/384/512, RS*, PS*, ES*, EdDSA)",
    ("auth", "jwt_issuer"): "required `iss` claim, when set",
    ("auth", "jwt_audience"): "required `aud` claim, when set",
    ("auth", "api_key_header"): "header that carries an API key (also `Authorization: ApiKey <key>`)",
    ("auth", "token_cache_size"): "verified tokens kept in the cache",
    ("rate_limit", "enabled"): "rate limiting on or off",
    ("rate_limit", "default_limits"): "limits per client across the whole API; a route with its own limits uses "
    "those instead",
    ("rate_limit", "on_store_error"): "when the store is down: `allow` (no limit, no headers) or `deny` (503)",
    ("rate_limit", "headers"): "send `RateLimit`, `RateLimit-Policy` and `Retry-After`",
    ("penalties", "enabled"): "progressive bans for repeated invalid credentials",
    ("penalties", "violations"): "invalid credentials within `window` that trigger a ban",
    ("penalties", "window"): "seconds over which violations are counted",
    ("penalties", "ban_durations"): "successive ban lengths in seconds (429 while banned)",
    ("penalties", "allow"): "networks never banned",
    ("cors", "origins"): "allowed origins: exact (`https://app.example.com`), one-label wildcard "
    "(`https://*.example.com`), or `*` without credentials",
    ("cors", "allow_credentials"): "allow cookies/authorization on cross-origin requests (never with `*`)",
    ("cors", "methods"): "methods allowed cross-origin",
    ("cors", "headers"): "request headers allowed cross-origin",
    ("cors", "expose_headers"): "response headers readable by the calling page",
    ("cors", "max_age"): "seconds a browser may cache a preflight (at most 86400)",
    ("headers", "enabled"): "security headers on every answer",
    ("headers", "content_security_policy"): "the `Content-Security-Policy` value (per route: `headers` route setting)",
    ("headers", "hsts_max_age"): "`Strict-Transport-Security` max-age, HTTPS answers only",
    ("headers", "hsts_include_subdomains"): "add `includeSubDomains` to HSTS",
    ("headers", "extra"): "headers to add or override",
    ("headers", "hsts_preload"): "add `preload` to HSTS (only once the domain is submitted to the preload list)",
    ("headers", "frame_options"): "`X-Frame-Options` value (`DENY` or `SAMEORIGIN`)",
    ("headers", "permissions_policy"): "the `Permissions-Policy` value",
    ("headers", "cross_origin_opener_policy"): "the `Cross-Origin-Opener-Policy` value",
    ("headers", "cross_origin_resource_policy"): "the `Cross-Origin-Resource-Policy` value",
    ("headers", "authenticated_cache_control"): "`Cache-Control` sent on answers to authenticated requests",
    ("https", "action"): "plain HTTP: `redirect` (production default), `refuse`, or `off` (development default)",
    ("csrf", "enabled"): "CSRF checks for requests authenticated by the shield's cookie sessions",
    ("csrf", "trusted_origins"): "other origins allowed to send unsafe requests",
    ("csrf", "allow_same_site"): "accept `Sec-Fetch-Site: same-site` requests",
    ("csrf", "header"): "header carrying the CSRF token",
    ("csrf", "form_field"): "form field carrying the CSRF token",
    ("sessions", "enabled"): "server-side cookie sessions as an authenticator",
    ("sessions", "cookie_name"): "session cookie name (`__Host-` keeps it host-only and `Secure`)",
    ("sessions", "secure"): "`Secure` cookie flag",
    ("sessions", "same_site"): "`SameSite` cookie attribute",
    ("sessions", "idle_timeout"): "seconds of inactivity before a session ends",
    ("sessions", "absolute_timeout"): "seconds after login at which a session ends regardless",
    ("sessions", "max_sessions"): "sessions per user; the oldest is evicted beyond it",
    ("validation", "max_body_size"): "largest request body in bytes (413 above)",
    ("validation", "json_content_types"): "media types accepted as JSON bodies (415 otherwise)",
}


def _rst(text: str) -> str:
    return text.replace("``", "`")


def configuration_page() -> str:
    from apishield import config as cfg

    flat_names: dict[tuple[str, str], list[str]] = {}
    for flat, target in cfg._FLAT.items():
        flat_names.setdefault(target, []).append(flat)
    out = [
        "# Configuration keys\n",
        "Generated from `apishield.config.ShieldConfig` when the site is built. The same settings are accepted",
        "as keyword arguments (`Shield(jwt_secret_env=\"...\")`), a dict, `apishield.toml`, or `[tool.apishield]`",
        "in `pyproject.toml`; see [the configuration guide](../how-to/configure.md) for how they combine.",
        "A flat keyword name is the field name when only one section has it, or `<section>_<field>`;",
        "unknown names are refused with the closest known ones.\n",
        "## Top level (`[tool.apishield]`)\n",
        "| key | type | default | meaning |",
        "| --- | --- | --- | --- |",
    ]
    top_comments = _field_comments(cfg.ShieldConfig)
    top_meaning = {
        "mode": "`production`: HTTPS enforced (redirect/refuse plain HTTP), HSTS; `development`: plain HTTP allowed",
        "trusted_proxies": "addresses or networks allowed to set `X-Forwarded-For` / `X-Forwarded-Proto`",
        "warn_debug_server": "log a warning when served by a development server or in debug mode",
    }
    sections: list[tuple[str, type[Any]]] = []
    for field in dataclasses.fields(cfg.ShieldConfig):
        kind = field.default_factory() if field.default_factory is not dataclasses.MISSING else None
        if dataclasses.is_dataclass(kind):
            sections.append((field.name, type(kind)))
            continue
        meaning = top_comments.get(field.name) or top_meaning.get(field.name, "")
        out.append(f"| `{field.name}` | {_type(field)} | {_default(field)} | {_rst(meaning)} |")
    for name, section in sections:
        doc = inspect.cleandoc(section.__doc__ or "")
        out += ["", f"## `{name}` (`[tool.apishield.{name}]`)\n", doc + "\n"]
        out += ["| key | flat keyword | type | default | meaning |", "| --- | --- | --- | --- | --- |"]
        comments = _field_comments(section)
        for field in dataclasses.fields(section):
            flats = sorted(flat_names.get((name, field.name), []), key=len)
            out.append(
                f"| `{field.name}` | `{flats[0]}` | {_type(field)} | {_default(field)} | "
                f"{_rst(comments.get(field.name) or MEANINGS.get((name, field.name), ''))} |"
            )
    return "\n".join(out) + "\n"


# --- command line ---------------------------------------------------------------------------------------
def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def cli_page() -> str:
    from apishield.cli import build_parser

    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "110"  # argparse wraps help text to the terminal width: pin it
    try:
        parser = build_parser()
        out = [
            "# Command line\n",
            "Generated from the `apishield` argparse parsers when the site is built (`apishield COMMAND --help`",
            "prints the same). Errors are one line on stderr with a non-zero exit code: 2 for usage errors, 3 for",
            "bad input or an unreachable target; `audit` and `probe` exit 1 when `--fail-on` is reached.\n",
            "```text",
            parser.format_help().rstrip(),
            "```\n",
        ]
        for name, sub in _subparsers(parser).items():
            out += [f"## `apishield {name}`\n", "```text", sub.format_help().rstrip(), "```\n"]
            for inner_name, inner in _subparsers(sub).items():
                out += [f"### `apishield {name} {inner_name}`\n", "```text", inner.format_help().rstrip(), "```\n"]
        return "\n".join(out)
    finally:
        if previous is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = previous
