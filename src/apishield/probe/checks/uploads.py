"""Uploads served back as active content: a file an identity uploads must not come back from the API's origin as a
page the browser runs.

For each operation whose multipart body declares a file field (at most :data:`MAX_OPS`), one upload of a small HTML
file under a fresh name (``apishield-<token>.html``, a marker in its text and no script: nothing runs if it is
served), then GETs of where it may be served: every path or same-origin URL the upload's answer names that ends in
the file's name or carries it, then the usual upload folders (:data:`FOLDERS`). Reported when a 2xx answer carries
the marker as HTML (``text/html``, ``application/xhtml+xml``, ``image/svg+xml``) and does not ask to be downloaded
(``Content-Disposition: attachment``) or sandboxed (a ``Content-Security-Policy`` with ``sandbox``): any page can
send a victim there, and a script in such a file would run with the API's origin (its cookies and storage). A file
served as ``text/plain``, as a download, or not at all is quiet. Each file has a new name, so nothing stored is
overwritten.
"""

from __future__ import annotations

import functools
import re
from typing import Any
from urllib.parse import quote, urlsplit

from apishield.probe import rules
from apishield.probe.checks._util import string_leaves, try_send, who_for
from apishield.probe.client import Exchange
from apishield.probe.engine import Context, check
from apishield.probe.targets import Operation

MAX_OPS = 4
#: where servers usually put what they were sent, asked after the places the answer names
FOLDERS = ("/uploads/", "/static/uploads/", "/files/", "/media/", "/public/uploads/")
#: answer types a browser renders as a document that can run script
ACTIVE = re.compile(r"(?i)^(text/html|application/xhtml\+xml|image/svg\+xml)")


def upload_ops(ctx: Context) -> list[Operation]:
    """Operations that take an uploaded file in a multipart body and are not destructive."""
    return [op for op in ctx.operations if op.method in ("POST", "PUT") and op.file_fields()
            and not op.looks_destructive()][:MAX_OPS]


def named_places(ex: Exchange, stem: str) -> list[str]:
    """Paths of the API's origin the upload's answer names for the file: values carrying its name's stem (a server
    that renames usually keeps it, or answers a path or URL), and ``Location``. URLs of another host are left out."""
    text = ex.text[:65536]
    values = list(string_leaves(ex.json())) if "json" in ex.content_type else re.findall(
        rf"[^\s\"'<>()]*{re.escape(stem)}[^\s\"'<>()]*", text)
    location = ex.header("location")
    if location:
        values.append(location)
    origin = urlsplit(ex.url)
    out: list[str] = []
    for value in values:
        if stem not in value or len(value) > 400:
            continue
        parts = urlsplit(value)
        if parts.scheme in ("http", "https") and (parts.hostname, parts.port) != (origin.hostname, origin.port):
            continue
        path = parts.path if parts.scheme else value.split("?", 1)[0]
        path = path if path.startswith("/") else "/" + path.lstrip("./")
        if path not in out:
            out.append(path)
    return out


def served_active(ex: Exchange, marker: str) -> bool:
    """The answer is the uploaded page, served as a document the browser renders and runs script in."""
    if not ex.ok or marker not in ex.text or not ACTIVE.match(ex.content_type or ""):
        return False
    if "attachment" in (ex.header("content-disposition") or "").lower():
        return False
    return "sandbox" not in (ex.header("content-security-policy") or "").lower()


@check("uploads", rules=(rules.UPLOAD_ACTIVE,), weight=0, phase="input", order=70)
async def uploads(ctx: Context) -> None:
    """A file uploaded through the API is not served back from its origin as a page the browser runs. Asked on what
    the other checks leave (deferred work): it takes no share from the checks that test every operation."""
    ops = upload_ops(ctx)
    if not ops:
        ctx.not_applicable("no operation takes an uploaded file (a multipart file field)")
        return
    ctx.plan(ops)
    ctx.deferred.append(("uploads", functools.partial(_upload_all, ctx, ops)))


async def _upload_all(ctx: Context, ops: list[Operation]) -> None:
    for op in ops:
        await _upload(ctx, op)


async def _upload(ctx: Context, op: Operation) -> None:
    who = who_for(ctx, op)
    stem = f"apishield-{ctx.token(10)}"
    name, marker = f"{stem}.html", f"apishield upload marker {ctx.token(12)}"
    page = f"<!doctype html><title>apishield</title><p>{marker}</p>"
    body: dict[str, Any] = ctx.body_for(op) or {}
    for field in op.file_fields():
        body.setdefault(field, "x")
    encoded = op.encode_body(body, upload=(name, "text/html", page))
    if encoded is None:
        return
    content, content_type = encoded
    path = ctx.concrete_path(op, who) or op.path
    sent = await try_send(ctx, op.method, path, op=op, identity=who, content=content, content_type=content_type)
    if sent is None or sent.status is None or not (sent.ok or 300 <= sent.status < 400):
        return
    places = named_places(sent, stem) + [f"{folder}{quote(name)}" for folder in FOLDERS]
    seen: set[str] = set()
    for place in places:
        if place in seen:
            continue
        seen.add(place)
        ex = await try_send(ctx, "GET", place, identity=who)
        if ex is None or ex.status is None:
            continue
        if served_active(ex, marker):
            ctx.report(rules.UPLOAD_ACTIVE, f"a file uploaded as {name!r} through {op.method} {op.path} is served back "
                       f"by GET {ex.path} as {ex.content_type} from the API's origin: a page uploaded this way runs "
                       "its script with the API's origin", ex, op=op, highlight=marker)
            return


__all__ = ["FOLDERS", "named_places", "served_active", "upload_ops", "uploads"]
