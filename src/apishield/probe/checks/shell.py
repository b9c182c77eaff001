"""Code execution per parameter, with harmless canaries only: command injection (``echo`` of an arithmetic
expansion whose result must come back, and a calibrated ``sleep`` whose delay must follow the seconds asked),
code injection (an arithmetic product that comes back computed, then a string built by a Python or JavaScript
function call that only ``eval`` would build) and
Python deserialization (a pickle or YAML document whose only effect is ``time.sleep(N)``). Called by the injection
check for each string parameter (see :mod:`apishield.probe.checks.injection`), with its sender and baseline.
"""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING

from apishield.findings import Confidence
from apishield.probe import rules
from apishield.probe.checks._util import shows_number
from apishield.probe.client import Exchange
from apishield.probe.engine import Context
from apishield.probe.targets import is_file

if TYPE_CHECKING:
    from apishield.probe.checks.injection import Sender, Slot

CMD_HINT = re.compile(r"(?i)(host|ip|addr|domain|cmd|command|exec|ping|dns|lookup|target|file|path|dir|url|arg)")


#: the last one has no space (``${IFS}`` separates the words) for filters that refuse spaces
SLEEP_FORMS = (";sleep {n};", "$(sleep {n})", "';sleep {n};'", ";sleep${{IFS}}{n};")


def without_spaces(form: str) -> str:
    """A shell canary whose words are separated by ``${IFS}`` instead of spaces: the same command for a shell,
    and it passes a filter that refuses spaces (``' ' not in ip``)."""
    return form.replace(" ", "${IFS}")


def follows_seconds(base: Exchange, first: Exchange, second: Exchange) -> bool:
    """Answers to a 2-second and a 4-second sleep canary delayed by about 2 and 4 seconds: each at least 90 % of
    what was asked, the first shorter than the second's minimum, the second about two seconds longer. A stall of
    the target's own (a database lock wait, a slow upstream) delays both alike and is no proof."""
    short, long = first.elapsed - base.elapsed, second.elapsed - base.elapsed
    return 1.8 <= short < 3.6 <= long and long - short >= 1.5


async def cmdi(ctx: Context, slot: Slot, send: Sender, base: Exchange, *, reflected: bool, timed: bool = True) -> None:
    """Command injection with harmless canaries only: ``echo`` of an arithmetic expansion (the shell's result,
    not the text sent, must come back); then, where the cheap signals point — a name that suggests a command
    context, or a quote alone changing the answer (the value reaches some interpreter) — a calibrated ``sleep``
    in three shell syntaxes and one without spaces, which must delay the answer in proportion. The time canary
    needs no output, so a command whose output is filtered or discarded is found too. Behind a filter that
    refuses spaces the canaries without them (``${IFS}`` between the words) get through. Without a baseline
    answer (``timed`` False) only the output canaries run."""
    a, b = 300 + send.rng.randrange(600), 41 + send.rng.randrange(50)
    want = f"apshc{a * b}"
    if want in base.text:
        return
    canary = f"echo apshc$(({a}*{b}))"
    forms = [f";{canary};", f"$({canary})", f"|{canary}", f"';{canary};'", f"\";{canary};\"", f"`{canary}`",
             without_spaces(f";{canary};"), without_spaces(f"$({canary})")]
    hinted = bool(CMD_HINT.search(slot.name))
    for form in forms if hinted or reflected else forms[:2]:
        ex = await send(f"{send.default}{form}")
        if ex is not None and want in ex.text:
            ctx.report(rules.CMDI, f"{slot.name!r}: a shell ran the canary {form!r} (its output {want} came back)",
                       ex, op=slot.op, parameter=slot.name, highlight=want)
            return
    if not timed or not (hinted or send.quote_sensitive):
        return
    async with ctx.timing:
        for form in SLEEP_FORMS:
            first = await send(f"{send.default}{form.format(n=2)}", timeout=base.elapsed + 8)
            if first is None:
                return
            if first.elapsed - base.elapsed < 1.8:
                continue
            second = await send(f"{send.default}{form.format(n=4)}", timeout=base.elapsed + 10)
            if second is not None and follows_seconds(base, first, second):
                ctx.report(rules.CMDI, f"{slot.name!r}: {form.format(n='N')!r} delays the answer by N seconds "
                           f"({first.elapsed:.1f}s at 2, {second.elapsed:.1f}s at 4; baseline {base.elapsed:.2f}s)",
                           second, op=slot.op, parameter=slot.name, confidence=Confidence.MEDIUM)
            return


SERIAL_HINT = re.compile(r"(?i)(pickle|serial|marshal|object|obj$|blob|state|dump|payload|ya?ml)")
SERIAL_ERROR = re.compile(r"(?i)(unpickl|pickle|invalid load key|binascii|incorrect padding|could not deserial|"
                          r"yaml\.(scanner|parser|constructor)|could not determine a constructor)")
# what a description says of serialized data: a field in base64 (``format: byte``) or words like these
SERIAL_WORDS = re.compile(r"(?i)(serializ|pickl|marshal|snapshot|backup|restore|base64|session state)")
# a protocol-0 pickle whose only effect is time.sleep(N): harmless, and proves pickle.loads ran on the input
PICKLED_SLEEP = "ctime\nsleep\n(I{n}\ntR."


# a YAML document whose only effect, under an unsafe loader (PyYAML's yaml.load, UnsafeLoader), is time.sleep(N)
YAML_SLEEP = "!!python/object/apply:time.sleep [{n}]"


def _pickled(n: int) -> list[tuple[str, str]]:
    raw = PICKLED_SLEEP.format(n=n).encode()
    return [("a pickle", base64.urlsafe_b64encode(raw).decode()), ("a pickle", base64.b64encode(raw).decode()),
            ("a pickle", raw.decode()), ("a YAML document", YAML_SLEEP.format(n=n))]


async def deserialization(ctx: Context, slot: Slot, send: Sender, base: Exchange) -> None:
    """Python pickle and YAML: for parameters named like serialized data, described as such (base64, a snapshot,
    a saved state), whole bodies that are one string, uploaded files, or whose answer shows a decoding error, a
    pickle (base64, URL-safe base64 and raw) and a YAML document that only sleep; the delay must follow the
    requested seconds (2, then 4)."""
    schema = slot.op.body_schema if slot.location == "raw" else slot.op.body_fields.get(slot.name)
    uploaded = slot.location == "body" and is_file(schema)
    prose = f"{schema.get('description', '')} {slot.op.summary}" if isinstance(schema, dict) else ""
    described = slot.location == "raw" or (isinstance(schema, dict) and (
        schema.get("format") == "byte" or bool(SERIAL_WORDS.search(prose))))
    if not (SERIAL_HINT.search(slot.name) or SERIAL_ERROR.search(base.text) or uploaded or described):
        return
    async with ctx.timing:
        for index, (what, payload) in enumerate(_pickled(2)):
            first = await send(payload, timeout=base.elapsed + 8, encoded=True)
            if first is None:
                return
            if first.elapsed - base.elapsed < 1.8:
                continue
            second = await send(_pickled(4)[index][1], timeout=base.elapsed + 10, encoded=True)
            if second is not None and follows_seconds(base, first, second):
                ctx.report(rules.DESERIALIZATION, f"{slot.name!r}: {what} whose only effect is time.sleep(N) delays "
                           f"the answer by N seconds ({first.elapsed:.1f}s at 2, {second.elapsed:.1f}s at 4; "
                           f"baseline {base.elapsed:.2f}s)", second, op=slot.op, parameter=slot.name)
            return


#: parameter names that suggest code or a formula: tried at once; other names after the likelier techniques
CODE_HINT = re.compile(r"(?i)(expr|eval|code|calc|formula|math|script|cmd|command|exec|comput|equation|lambda)")
#: expressions only a Python or a JavaScript ``eval`` turns into ``apsh<product>``: a calculator that computes
#: arithmetic safely (numexpr, simpleeval, a parser) has no ``str``/``String`` to call
CODE_PROOFS: tuple[tuple[str, str], ...] = (("Python", "'apsh'+str({a}*{b})"),
                                           ("JavaScript", "'apsh'+String({a}*{b})"))
#: the same proofs for code run as statements (Python's ``exec``), whose printed output is answered
STATEMENT_PROOFS: tuple[tuple[str, str], ...] = (("Python", "print('apsh'+str({a}*{b}))"),)
#: and for code compiled as a function body (JavaScript's ``new Function(text)``), whose returned value is answered
BODY_PROOFS: tuple[tuple[str, str], ...] = (("JavaScript", "return 'apsh'+String({a}*{b})"),)
#: the answer of a JavaScript engine that ran ``print(...)`` and found no such function: the text was run as code
_NO_PRINT = re.compile(r"print is not defined|ReferenceError[^\n]{0,40}print")


def operands(send: Sender) -> tuple[int, int, str]:
    """Two factors whose product is unlikely to appear by chance, drawn from the slot's own generator, and the
    product as text: what an evaluated ``a*b`` would answer."""
    a, b = 7000 + send.rng.randrange(999), 131 + send.rng.randrange(97)
    return a, b, str(a * b)


async def code_eval(ctx: Context, slot: Slot, send: Sender, base: Exchange) -> None:
    """One request: ``a*b`` as the whole value (then ``print(a*b)`` for statements, and ``return a*b`` when a
    JavaScript engine answered that it has no ``print``); only when the product comes back (and was not there
    before), a string built by a function call of each language, which must come back built."""
    a, b, product = operands(send)
    if shows_number(base.text, product):
        return
    ex = await send(f"{a}*{b}")
    proofs = CODE_PROOFS
    if ex is not None and not shows_number(ex.text, product):
        # run as statements (``exec``), a bare expression prints nothing: the same product, printed
        ex = await send(f"print({a}*{b})")
        proofs = STATEMENT_PROOFS
        if ex is not None and not shows_number(ex.text, product) and _NO_PRINT.search(ex.text):
            # a JavaScript engine ran it and has no ``print``: a function body answers what it returns
            ex = await send(f"return {a}*{b}")
            proofs = BODY_PROOFS
    if ex is None or not shows_number(ex.text, product):
        return
    for language, template in proofs:
        proof = await send(template.format(a=a, b=b))
        if proof is not None and f"apsh{product}" in proof.text:
            ctx.report(rules.CODE_INJECTION, f"{slot.name!r}: {template.format(a=a, b=b)} came back as "
                       f"'apsh{product}': the value is run as {language} code", proof, op=slot.op,
                       parameter=slot.name, highlight=f"apsh{product}")
            return
