"""One canonical form for account identities (user names and e-mail addresses).

Two spellings that a person cannot tell apart must name the same account, or look-alike accounts can be
registered next to real ones (``Alice`` / ``alice``, ``аdmin`` with a Cyrillic ``а``) and any state keyed on a
name (lockout counters, audit trails) can be split or shared by accident. So:

* :func:`canonical_username` and :func:`canonical_email` apply Unicode NFKC and full case folding, refuse
  control, format (``Cf``: zero-width, bidi controls), separator (``Z*``: spaces of every kind) and unassigned
  characters, and check the result with an anchored pattern (``fullmatch``: ``$`` would accept a trailing
  newline). Store and look up accounts by this form only, with a unique index on it.
* :func:`username_skeleton` maps a name to its UTS #39 confusable *skeleton* using the Unicode confusables
  data shipped by ``confusable_homoglyphs``: two names with the same skeleton look alike (``paypal`` /
  ``pаypal``, ``l1`` / ``Il``), so registration refuses a name whose skeleton is already taken.

Invalid input raises :class:`~apishield.errors.InputError` (a ValueError) with a message that names the rule,
never echoing the input.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import idna
from confusable_homoglyphs import confusables  # type: ignore[import-untyped]

from apishield.errors import InputError

USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_.-]{2,39}")
MAX_EMAIL_LENGTH = 254
_LOCAL_PART = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}")
_FORBIDDEN_CATEGORIES = ("C", "Z")  # Cc control, Cf format, Cs surrogate, Co private, Cn unassigned; Z* separators


def _clean(value: object, what: str, limit: int) -> str:
    if not isinstance(value, str) or not value:
        raise InputError(f"{what} must be non-empty text")
    if len(value) > limit * 4:  # NFKC can expand a little; refuse hostile lengths before normalising
        raise InputError(f"{what} is too long")
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())
    for char in folded:
        if unicodedata.category(char)[0] in _FORBIDDEN_CATEGORIES:
            raise InputError(f"{what} must not contain spaces, control or invisible characters")
    if len(folded) > limit:
        raise InputError(f"{what} is too long")
    return folded


def canonical_username(name: object, pattern: re.Pattern[str] = USERNAME_PATTERN) -> str:
    """The canonical user name (NFKC + casefold), or :class:`~apishield.errors.InputError`; ``pattern`` must
    fullmatch it."""
    folded = _clean(name, "the user name", 64)
    if pattern.fullmatch(folded) is None:
        raise InputError("the user name may use letters, digits, '.', '_' and '-' (3 to 40 characters)")
    return folded


def canonical_email(address: object) -> str:
    """The canonical e-mail address: NFKC + casefold, one ``@``, an IDNA-valid domain in A-label form."""
    folded = _clean(address, "the e-mail address", MAX_EMAIL_LENGTH)
    local, at, domain = folded.rpartition("@")
    if not at or not local or _LOCAL_PART.fullmatch(local) is None or local.startswith(".") \
            or local.endswith(".") or ".." in local:
        raise InputError("the e-mail address must look like name@example.com")
    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        raise InputError("the e-mail address has an invalid domain") from None
    if "." not in ascii_domain.strip("."):
        raise InputError("the e-mail address must have a domain such as example.com")
    out = f"{local}@{ascii_domain}"
    if len(out) > MAX_EMAIL_LENGTH:
        raise InputError("the e-mail address is too long")
    return out


@lru_cache(maxsize=1)
def _prototypes() -> dict[str, str]:
    """Character → representative of its confusable class (union of the pairs in Unicode confusables.txt)."""
    parent: dict[str, str] = {}

    def find(char: str) -> str:
        root = parent.setdefault(char, char)
        while root != parent[root]:
            parent[root] = parent[parent[root]]
            root = parent[root]
        return root

    for char, glyphs in confusables.confusables_data.items():
        for glyph in glyphs:
            other = str(glyph.get("c", "")).replace("\u200e", "").replace("\u200f", "")
            if len(char) == 1 and len(other) == 1:
                a, b = find(char), find(other)
                if a != b:  # the smallest code point represents the class: ASCII letters stay themselves
                    parent[max(a, b)] = min(a, b)
    return {char: find(char) for char in parent}


def username_skeleton(name: str) -> str:
    """The confusable skeleton of ``name`` (UTS #39 ``skeleton``, then case folded, then mapped again)."""
    table = _prototypes()
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", name))
    first = unicodedata.normalize("NFD", "".join(table.get(c, c) for c in decomposed))
    return "".join(table.get(c, c) for c in first.casefold())


__all__ = ["USERNAME_PATTERN", "canonical_email", "canonical_username", "username_skeleton"]
