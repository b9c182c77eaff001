"""Rewrite syntax newer than the running interpreter into equivalent older syntax, line for line.

The auditor runs on Python 3.11 but audits code written for 3.12+ as well. When a file does not parse, these
rewrites are tried before giving up (line numbers never move):

* PEP 701 f-strings that reuse their own quote inside a replacement field: ``f'{d.get('k')}'`` becomes
  ``f'{d.get("k")}'``;
* PEP 758 ``except A, B:`` becomes ``except (A, B):``;
* PEP 695 ``type X = ...`` becomes ``X = ...`` and ``def f[T](...)`` / ``class C[T]:`` lose their type parameters.
"""

from __future__ import annotations

import ast
import re

_EXCEPT_TUPLE = re.compile(r"^(\s*except\*?\s+)([\w.]+(?:\s*,\s*[\w.]+)+)(\s*:)", re.MULTILINE)
_TYPE_ALIAS = re.compile(r"^(\s*)type\s+(\w+)\s*(\[[^\]]*\])?\s*=", re.MULTILINE)
_GENERIC_DEF = re.compile(r"^(\s*(?:async\s+)?(?:def|class)\s+\w+)\[[^\]]*\](?=\s*[(:])", re.MULTILINE)
_PREFIX = re.compile(r"([rRbBuUfF]{0,2})(['\"])")


def _literal_end(line: str, start: int) -> int:
    """Index of the quote closing the (single-line, single-quoted) literal that opens at ``start``."""
    quote = line[start]
    j = start + 1
    while j < len(line):
        if line[j] == "\\":
            j += 2
            continue
        if line[j] == quote:
            return j
        j += 1
    return len(line) - 1


def _nested_literal(literal: str, outer: str) -> str:
    """A string literal inside a replacement field, made legal for 3.11: no backslashes, no outer quote."""
    if "\\" in literal:
        try:
            value = ast.literal_eval(literal)
        except (ValueError, SyntaxError):
            return literal
        if isinstance(value, str):
            return "(" + "+".join(f"chr({ord(ch)})" for ch in value) + ")" if value else "str()"
    if literal[0] == outer:
        other = "'" if outer == '"' else '"'
        return other + literal[1:-1] + other
    return literal


def _fstring_line(line: str) -> str:
    """Swap quotes nested inside single-line f-string replacement fields to the other quote character."""
    out: list[str] = []
    i = 0
    n = len(line)
    while i < n:
        ch = line[i]
        if ch == "#":
            out.append(line[i:])
            break
        match = _PREFIX.match(line, i)
        if match and (i == 0 or not (line[i - 1].isalnum() or line[i - 1] == "_")):
            prefix, quote = match.group(1), match.group(2)
            start = match.end()
            if line.startswith(quote * 3, start - 1):
                out.append(line[i:])  # triple-quoted: leave the rest of the line alone
                break
            j = start
            depth = 0
            body: list[str] = []
            fstring = "f" in prefix.lower()
            while j < n:
                c = line[j]
                if depth == 0:
                    if c == "\\" and j + 1 < n:
                        body.append(line[j : j + 2])
                        j += 2
                        continue
                    if c == quote:
                        break
                    if fstring and c == "{":
                        if line.startswith("{{", j):
                            body.append("{{")
                            j += 2
                            continue
                        depth = 1
                    body.append(c)
                    j += 1
                    continue
                if c in "'\"":
                    end = _literal_end(line, j)
                    body.append(_nested_literal(line[j : end + 1], quote))
                    j = end + 1
                    continue
                if c == "{":
                    depth += 1
                elif c == "}":
                    depth -= 1
                body.append(c)
                j += 1
            out.append(prefix + quote + "".join(body) + (quote if j < n else ""))
            i = j + 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _fstrings(source: str) -> str:
    lines = source.split("\n")
    in_triple = False
    for index, line in enumerate(lines):
        triples = line.count('"""') + line.count("'''")
        if not in_triple and triples == 0 and ("f'" in line or 'f"' in line or "F'" in line or 'F"' in line):
            lines[index] = _fstring_line(line)
        if triples % 2 == 1:
            in_triple = not in_triple
    return "\n".join(lines)


def modernise(source: str) -> str:
    source = _EXCEPT_TUPLE.sub(lambda m: f"{m.group(1)}({m.group(2)}){m.group(3)}", source)
    source = _TYPE_ALIAS.sub(lambda m: f"{m.group(1)}{m.group(2)} =", source)
    source = _GENERIC_DEF.sub(lambda m: m.group(1), source)
    return _fstrings(source)


__all__ = ["modernise"]
