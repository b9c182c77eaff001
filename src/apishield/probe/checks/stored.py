"""Stored XSS: markup the injection check sent in one request (``"'><apshxxxxxx x=1>``, a tag of its own) shows up
unescaped in an HTML answer to a *later* request that did not carry it — a guest book, a comment list, a profile
page. The answers already recorded are read first (no request); then every safe GET operation that answered HTML
during the run is read once more, with its required inputs only, after all writes were made (one request per
page). A tag only counts in a ``text/html`` answer and only when the request that brought it back did not send it.

Pages that show only the newest records (a comment list's twenty latest) would have dropped markup sent early in a
run under everything written after it, so before the pages are read the last request that carried markup to each
creating operation (a POST) is sent once more, with every body field that carried markup in any of that operation's
requests (the injection check puts its markup in one field per request, and the page may show only some fields):
the newest record then holds it wherever the page shows it.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, unquote, unquote_plus, urlencode, urlsplit

from apishield.probe import rules
from apishield.probe.checks._util import live_markup, try_send, who_for
from apishield.probe.client import Exchange
from apishield.probe.engine import Context, check
from apishield.probe.targets import Operation

TAG = re.compile(r"<(apsh[a-z]{6}) x=1>")
HTML = ("text/html", "application/xhtml+xml")
MAX_PAGES = 25
MAX_REPLANTED = 10


def _carried(ex: Exchange) -> set[str]:
    """The probe's markup tags this request carried (URL-decoded query, and the body)."""
    body = ex.request_body.decode("utf-8", "replace")
    text = " ".join((unquote(ex.url), unquote_plus(ex.url), body, unquote_plus(body), body.replace('\\"', '"')))
    return set(TAG.findall(text))


def _shown(ex: Exchange, sent: dict[str, Exchange]) -> tuple[str, Exchange] | None:
    """A tag sent by an earlier, other request that this HTML answer renders unescaped."""
    if ex.status is None or ex.content_type not in HTML:
        return None
    own = _carried(ex)
    for tag in TAG.findall(live_markup(ex.text)):  # not inside a comment or a <textarea>, where it never runs
        origin = sent.get(tag)
        if tag not in own and origin is not None and origin.seq < ex.seq:
            return tag, origin
    return None


def _report(ctx: Context, op: Operation | None, ex: Exchange, tag: str, origin: Exchange) -> None:
    where = origin.operation or f"{origin.method} {origin.path}"
    ctx.report(rules.XSS_STORED, f"markup sent earlier to {where} (request #{origin.seq}) is rendered unescaped in "
               f"the HTML answer to {ex.method} {ex.path}, a request that did not carry it", ex, op=op,
               highlight=f"<{tag}", written_by=where)


def _accepted(ex: Exchange) -> bool:
    """A write the target took: 2xx, or the redirect a form post answers with."""
    return ex.status is not None and 200 <= ex.status < 400


def _fields(ex: Exchange, content_type: str) -> dict[str, Any] | None:
    """The top-level fields of a JSON object or form body, or None for any other body."""
    body = ex.request_body.decode("utf-8", "replace")
    if "json" in content_type:
        try:
            data = json.loads(body)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None
    if "x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(body, keep_blank_values=True))
    return None


def _merged_body(carriers: list[Exchange], content_type: str) -> bytes:
    """The last carrier's body with every field that carried markup in any carrier (as the last one it did)."""
    last = carriers[-1]
    merged = _fields(last, content_type)
    if merged is None:
        return last.request_body
    for ex in carriers:
        for name, value in (_fields(ex, content_type) or {}).items():
            if isinstance(value, str) and TAG.search(unquote_plus(value)):
                merged[name] = value
    return json.dumps(merged).encode() if "json" in content_type else urlencode(merged).encode()


async def _replant(ctx: Context, by_key: dict[str, Operation]) -> None:
    """Send again the markup each creating operation took, every field that carried some in one request."""
    carriers: dict[str, list[Exchange]] = {}
    for ex in ctx.client.log:
        op = by_key.get(ex.operation)
        if op is not None and op.method == "POST" and not op.looks_destructive() and _accepted(ex) and _carried(ex):
            carriers.setdefault(op.key, []).append(ex)
    identities = {i.name: i for i in ctx.identities}
    for key, taken in list(carriers.items())[:MAX_REPLANTED]:
        last = taken[-1]
        split = urlsplit(last.url)
        path = split.path + (f"?{split.query}" if split.query else "")
        content_type = next((v for k, v in last.request_headers if k.lower() == "content-type"), None)
        body = _merged_body([ex for ex in taken if ex.identity == last.identity], (content_type or "").lower())
        await try_send(ctx, "POST", path, op=by_key[key], identity=identities.get(last.identity), content=body,
                       content_type=content_type)


@check("stored_xss", rules=(rules.XSS_STORED,), weight=1, phase="passive", order=5)
async def stored_xss(ctx: Context) -> None:
    """Markup sent in an earlier request must not come back unescaped in a later HTML answer."""
    sent: dict[str, Exchange] = {}
    pages: dict[str, Operation] = {}
    by_key = {op.key: op for op in ctx.operations}
    for ex in list(ctx.client.log):
        for tag in _carried(ex):
            sent.setdefault(tag, ex)
        op = by_key.get(ex.operation)
        if op is not None and op.method == "GET" and ex.content_type in HTML and not op.looks_destructive():
            pages.setdefault(op.key, op)
    if not sent:
        ctx.not_applicable("no markup was sent (the injection check did not run or found no input)")
        return
    if not pages:
        ctx.not_applicable("no operation answered HTML")
        return
    found: set[str] = set()
    for ex in list(ctx.client.log):  # the answers already recorded: no request
        hit = _shown(ex, sent)
        if hit is not None and ex.operation in pages and ex.operation not in found:
            found.add(ex.operation)
            _report(ctx, pages[ex.operation], ex, *hit)
    todo = [op for key, op in pages.items() if key not in found][:MAX_PAGES]
    if todo:
        await _replant(ctx, by_key)
    ctx.plan(todo)
    for op in todo:  # read every HTML page once more, after every write of the run
        who = who_for(ctx, op)
        path = ctx.concrete_path(op, who)
        if path is None:
            continue
        again = await try_send(ctx, "GET", path, op=op, identity=who, params=ctx.query_for(op) or None)
        hit = _shown(again, sent) if again is not None else None
        if again is not None and hit is not None:
            _report(ctx, op, again, *hit)


__all__ = ["stored_xss"]
