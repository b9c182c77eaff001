"""Secret files: the environment file and configuration backups a deployment leaves where the server serves them.

Two kinds of place are asked, with GETs only: the API's root and the first segment most of the description's paths
share (``/api``), for ``.env`` and its usual siblings and backups; and every GET operation whose last path segment
is a parameter naming a file (``/backup/{filename}``, ``/files/{name}``), with those names in its place. A place is
asked first for a made-up name (the control): a server that answers anything to any name proves nothing there.

Reported when a 2xx answer assigns values to two or more settings named like secrets — ``JWT_SECRET=…`` lines read as
the disclosure check reads configuration, or an object whose upper-case keys are (``{"SMTP_PASS": "…"}``) — and the
control's answer assigns none. At most :data:`MAX_PLACES` file-name places beside the root and the prefix, and the
:data:`NAMES` at each: a few dozen harmless requests.
"""

from __future__ import annotations

import functools
import re
from typing import Any
from urllib.parse import quote

from apishield.probe import rules
from apishield.probe.checks._util import secret_named, try_send, walk_keys, who_for
from apishield.probe.checks.disclosure import PLACEHOLDER, config_secret
from apishield.probe.client import Exchange
from apishield.probe.engine import Context, Identity, check
from apishield.probe.targets import Operation

#: the names a deployment leaves behind, most common first
NAMES = (".env", ".env.bak", ".env.local", ".env.production", "config.bak", ".env.backup", "config.env")
MAX_PLACES = 4
#: the keys of an environment file served as JSON (``{"JWT_SECRET": "…"}``): upper case, as the file writes them
ENV_KEY = re.compile(r"\A[A-Z][A-Z0-9_]*\Z")
FILE_PARAM = re.compile(r"(?i)(file|name|backup|path|doc|config)")


def assignments(ex: Exchange) -> list[str]:
    """The secret-named settings an answer assigns a value to: configuration lines (``JWT_SECRET=…``, read by
    :func:`disclosure.config_secret`, placeholders left out), or the upper-case keys of a JSON object
    (``{"SMTP_PASS": "…"}``) named like a secret (:func:`secret_named`)."""
    if "json" in ex.content_type:
        data: Any = ex.json()
        return [key for key, value in walk_keys(data) if ENV_KEY.match(key) and secret_named(key)
                and isinstance(value, str) and len(value) >= 4 and not PLACEHOLDER.search(value)]
    return [found[0] for line in ex.text[:65536].splitlines() if (found := config_secret(line)) is not None]


def _prefixes(ctx: Context) -> list[str]:
    """The root, and the first path segment most operations share (``/api``)."""
    firsts = [op.path.split("/")[1] for op in ctx.operations if op.path.count("/") >= 2]
    common = max(set(firsts), key=firsts.count) if firsts else ""
    share = firsts.count(common) / len(ctx.operations) if ctx.operations else 0.0
    return ["", f"/{common}"] if common and "{" not in common and share >= 0.5 else [""]


def _file_ops(ctx: Context) -> list[Operation]:
    """GET operations whose last segment is their only path parameter and names a file (not an id)."""
    out = []
    for op in ctx.operations:
        last = op.path.rstrip("/").rsplit("/", 1)[-1]
        names = [p.name for p in op.path_params]
        if (op.method == "GET" and len(names) == 1 and last == "{" + names[0] + "}"
                and FILE_PARAM.search(names[0]) and not names[0].lower().endswith("id")
                and not op.looks_destructive()):
            out.append(op)
    return out


@check("secret_files", rules=(rules.SECRETS_FILE,), weight=0, phase="config", order=40)
async def secret_files(ctx: Context) -> None:
    """No environment file or configuration backup served at the root or through a file-name parameter. Asked on
    what the other checks leave (deferred work): it takes no share from the checks that test every operation."""
    ops = _file_ops(ctx)[:MAX_PLACES]
    ctx.plan(ops)
    ctx.deferred.append(("secret_files", functools.partial(_ask, ctx, ops)))


async def _ask(ctx: Context, ops: list[Operation]) -> None:
    places: list[tuple[str, Operation | None, Identity | None]] = [(f"{p}/{{}}", None, None) for p in _prefixes(ctx)]
    for file_op in ops:
        places.append((file_op.path.replace("{" + file_op.path_params[0].name + "}", "{}"), file_op,
                       who_for(ctx, file_op)))
    for template, op, who in places[:MAX_PLACES + 2]:
        await _place(ctx, template, op, who)


async def _place(ctx: Context, template: str, op: Operation | None, who: Identity | None) -> None:
    def at(name: str) -> str:
        return template.replace("{}", quote(name, safe=".-_"))

    control = await try_send(ctx, "GET", at(f"apishield-{ctx.token(8)}.env"), op=op, identity=who)
    if control is None or control.status is None or (control.ok and assignments(control)):
        return  # no answer, or any name is answered with settings: nothing a file name could prove here
    for name in NAMES:
        ex = await try_send(ctx, "GET", at(name), op=op, identity=who)
        if ex is None or ex.status is None:
            return
        found = assignments(ex) if ex.ok else []
        settings = sorted(set(found))
        if len(settings) >= 2:
            ctx.report(rules.SECRETS_FILE, f"GET {ex.path} answered {ex.status} with {len(settings)} secret settings "
                       f"({', '.join(settings[:4])}); a made-up file name there answered "
                       f"{control.status} without any", ex, op=op, parameter=op.path_params[0].name if op else None,
                       highlight=found[0])
            return


__all__ = ["NAMES", "assignments", "secret_files"]
