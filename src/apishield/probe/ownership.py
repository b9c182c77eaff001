"""Whose record is this? Owner fields, and ownership carried by a person's own record.

A record belongs to an identity when an owner field (``user_id``, ``owner``, ``created_by`` …) holds its user id
or user name. Many APIs key private records to a person's profile instead of the user account: an appointment names
its ``patient_id``, an invoice its ``customer_id``, a grade its ``student_id``. The probe learns those profile ids
from what it has already been answered — a record of a person-like collection (``/patients``, ``/customers``,
``/members`` …) whose owner field names one identity and not the other — and then reads ``patient_id: 1`` as the
identity's own, exactly as ``user_id: 1``. Nothing is guessed from numbering: an id counts only after a record with
that id was seen naming its owner.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from apishield.probe import objects
from apishield.probe.client import Exchange, denied
from apishield.probe.engine import Identity

OWNER_FIELDS = ("user_id", "userId", "owner_id", "ownerId", "owner", "username", "user", "account_owner",
                "created_by", "createdBy", "customer_id", "customerId")

#: collections whose records stand for one person (or one person's account): a record there that names its user
#: makes its own id a stand-in for that user in references from other records (``patient_id``, ``customerId``)
PERSON_KINDS = re.compile(r"(?i)^(?:patients?|customers?|clients?|members?|students?|employees?|profiles?|"
                          r"tenants?|accounts?|wallets?|holders?|applicants?|borrowers?)$")


def _singular(segment: str) -> str:
    key = objects.attribute_key(segment)
    return key[:-1] if key.endswith("s") and not key.endswith("ss") else key


def person_kind(path: str) -> str | None:
    """The person-like kind a path reads (``/api/patients/{id}`` and ``/api/patients/`` -> ``patient``)."""
    fixed = [seg for seg in path.split("?")[0].strip("/").split("/") if seg and "{" not in seg]
    if not fixed:
        return None
    # an item path ends in its key (``/patients/1``): the kind is the segment before a value that is no word
    last = fixed[-1] if not fixed[-1].isdigit() and len(fixed[-1]) < 32 else (fixed[-2] if len(fixed) > 1 else "")
    return _singular(last) if PERSON_KINDS.match(last) else None


def named_owner(record: dict[str, Any], who: Identity) -> bool:
    """An owner field of the record holds ``who``'s user id or user name."""
    mine = {str(v) for v in (who.user_id, who.username) if v not in (None, "")}
    return any(str(record.get(name)) in mine for name in OWNER_FIELDS if record.get(name) not in (None, ""))


def owned_record(record: dict[str, Any], who: Identity) -> bool:
    """The record names ``who`` as its owner: an owner field holding its user id or user name, or a reference to a
    person record already seen to be ``who``'s (``patient_id`` of the identity's own patient record)."""
    if named_owner(record, who):
        return True
    if not who.owns:
        return False
    for name, value in record.items():
        match = objects.REFERENCE.match(str(name))
        if match is None or match.group(2) or value in (None, "") or isinstance(value, (dict, list)):
            continue
        if str(value) in who.owns.get(objects.attribute_key(match.group(1)), ()):
            return True
    return False


def learn(log: Iterable[Exchange], users: list[Identity]) -> None:
    """Record, for each identity, the ids of person-like records that name it (and no other identity) as their
    owner, from every successful read in ``log``."""
    for ex in log:
        if ex.method != "GET" or not ex.ok or denied(ex) or "json" not in ex.content_type:
            continue
        kind = person_kind(ex.path)
        if kind is None:
            continue
        data = ex.json()
        records = [data] if isinstance(data, dict) and objects.find_id(data) is not None else \
            objects.listed_objects(data)
        for record in records:
            key = objects.find_id(record)
            owners = [u for u in users if named_owner(record, u)]
            if key is None or len(owners) != 1:
                continue
            owners[0].owns.setdefault(kind, set()).add(str(key))


__all__ = ["OWNER_FIELDS", "PERSON_KINDS", "learn", "named_owner", "owned_record", "person_kind"]
