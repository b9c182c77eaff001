"""Values the probe invents for a schema: examples and enums first, then values that satisfy the schema's pattern,
length and bounds (a string built from a regular expression when the marker does not match), and whole bodies."""

from __future__ import annotations

import random
import re
from typing import Any

#: keywords of a schema a value must satisfy, kept when an alternative or a part of ``allOf`` is merged in
CONSTRAINTS = ("pattern", "enum", "format", "minLength", "maxLength", "minimum", "maximum")


def first_alternative(options: list[Any]) -> Any:
    """Of ``anyOf``/``oneOf`` alternatives, the first that is not ``null``: FastAPI declares an optional field as its
    type or ``null`` (``str | None = Form(pattern="^password$")`` still needs ``password``)."""
    return next((o for o in options if not (isinstance(o, dict) and o.get("type") == "null")), options[0])


def sample_value(schema: dict[str, Any], rng: random.Random, name: str = "") -> Any:
    """A plausible value for ``schema`` (examples and enums first; of ``anyOf``/``oneOf`` alternatives not yet
    merged by the resolver, :func:`first_alternative`)."""
    for key in ("example", "default"):
        if key in schema and schema[key] is not None:
            return schema[key]
    for combo in ("anyOf", "oneOf"):
        options = schema.get(combo)
        if isinstance(options, list) and options and "type" not in schema:
            choice = first_alternative(options)
            if isinstance(choice, dict) and choice.get("type") != "null":
                return sample_value({**{k: v for k, v in schema.items() if k != combo}, **choice}, rng, name)
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    low = name.lower()
    if kind in ("integer", "number"):
        lo = schema.get("minimum", 1)
        return max(int(lo) if isinstance(lo, (int, float)) else 1, 1)
    if kind == "boolean":
        return False
    if kind == "array":
        return [sample_value(schema.get("items") or {}, rng, name)]
    if kind == "object" or "properties" in schema:
        return sample_body(schema, rng)
    fmt = schema.get("format", "")
    tag = f"{rng.randrange(16**6):06x}"
    if fmt == "email" or "email" in low:
        return f"apishield.{tag}@example.com"
    if fmt in ("date-time",):
        return "2030-01-01T00:00:00Z"
    if fmt == "date":
        return "2030-01-01"
    if fmt == "uuid":
        return f"00000000-0000-4000-8000-000000{tag}"
    if "password" in low:
        return _fit(f"Apishield-{tag}-Pw!9", schema)
    return _fit(f"apishield{tag}", schema)


def _fit(value: str, schema: dict[str, Any]) -> str:
    """``value`` made to satisfy the schema's ``pattern`` (the value itself when it matches, else a string built
    from the pattern) and its ``minLength``/``maxLength`` (padded or cut); ``value`` unchanged when unknowable."""
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        try:
            if not re.search(pattern, value):
                built = from_pattern(pattern)
                value = built if built is not None else value
        except re.error:
            pass
    low, high = schema.get("minLength"), schema.get("maxLength")
    if isinstance(low, int) and len(value) < low:
        value += "x" * (low - len(value))
    if isinstance(high, int) and high > 0 and len(value) > high:
        value = value[:high]
    return value



class _NoSample(Exception):
    """A regular-expression construct the sampler does not build a value for (caught where it is raised)."""


def from_pattern(pattern: str) -> str | None:
    """A short string the regular expression ``pattern`` matches (first branch, fewest repeats but at least one,
    first member of each class), or None for what it does not build (back-references, look-arounds) or a miss."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import sre_constants as c
        import sre_parse

    def member(items: Any) -> str:
        if items and items[0][0] is c.NEGATE:
            rest = "".join(build([tok]) for tok in items[1:] if tok[0] is c.LITERAL)
            return next(ch for ch in "aZ0_x" if ch not in rest)
        return build([items[0]])

    def build(tokens: Any) -> str:
        out = []
        for op, arg in tokens:
            if op is c.LITERAL:
                out.append(chr(arg))
            elif op is c.RANGE:
                out.append(chr(arg[0]))
            elif op is c.CATEGORY:
                out.append({c.CATEGORY_DIGIT: "0", c.CATEGORY_SPACE: " "}.get(arg, "a"))
            elif op in (c.NOT_LITERAL, c.ANY):
                out.append("a" if op is c.ANY or chr(arg) != "a" else "b")
            elif op is c.IN:
                out.append(member(arg))
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
                out.append(build(arg[2]) * max(int(arg[0]), 1))
            elif op is c.SUBPATTERN:
                out.append(build(arg[-1]))
            elif op is c.BRANCH:
                out.append(build(arg[1][0]))
            elif op is not c.AT:
                raise _NoSample(op)
        return "".join(out)

    try:
        value = build(sre_parse.parse(pattern))
    except (_NoSample, ValueError, TypeError, StopIteration, re.error, IndexError, OverflowError):
        return None
    return value if re.search(pattern, value) else None


def sample_body(schema: dict[str, Any] | None, rng: random.Random) -> dict[str, Any]:
    """A JSON object with every declared property (read-only ones left out)."""
    props = (schema or {}).get("properties") or {}
    out: dict[str, Any] = {}
    for key, sub in props.items():
        if isinstance(sub, dict) and sub.get("readOnly"):
            continue
        out[key] = sample_value(sub if isinstance(sub, dict) else {}, rng, key)
    return out


__all__ = ["CONSTRAINTS", "first_alternative", "from_pattern", "sample_body", "sample_value"]
