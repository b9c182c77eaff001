"""Server-side request forgery, in band: a parameter that names a URL (``url``, ``callback``, ``feed`` … or a
default value that is one) is given the target's own base URL. The finding needs the content of that page —
fetched directly by the probe just before — in the answer, while the baseline answer (the parameter's own
default) does not carry it. No outside host is ever named: the server is only asked to fetch the target itself.
Called by the injection check for each string parameter (see :mod:`apishield.probe.checks.injection`).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from apishield.probe import rules
from apishield.probe.checks._util import try_send
from apishield.probe.client import Exchange
from apishield.probe.engine import Context
from apishield.probe.targets import Operation

URLISH = re.compile(r"(?i)(url|uri$|link|href|callback|webhook|endpoint|feed|fetch|proxy|remote|target|website)")
MIN_TELLING = 16  # alphanumeric characters of the target's own page that must come back


def _alnum(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def names_a_url(name: str, default: Any) -> bool:
    return bool(URLISH.search(name)) or (isinstance(default, str) and default.startswith(("http://", "https://")))


async def in_band(ctx: Context, op: Operation, name: str, default: Any, base: Exchange,
                  send: Callable[[Any], Awaitable[Exchange | None]]) -> None:
    """Ask the server to fetch the target's own base URL through parameter ``name`` of ``op``."""
    if not names_a_url(name, default):
        return
    page = await try_send(ctx, "GET", "")
    telling = _alnum(page.text)[:80] if page is not None and page.ok else ""
    if len(telling) < MIN_TELLING or telling in _alnum(base.text):
        return
    ex = await send(ctx.client.base_url)
    if ex is not None and ex.ok and telling in _alnum(ex.text):
        ctx.report(rules.SSRF, f"{name}={ctx.client.base_url!r} made the server fetch that URL: the page it serves "
                   "there came back in the answer (the baseline answer does not carry it)", ex, op=op,
                   parameter=name)
