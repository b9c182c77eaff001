"""Object model inference: which key names an object the probe created, and which values of its identities
fill user-keyed paths.

A created object's key comes, in order, from: an id-like field of the creation answer; the ``Location``
header; a path parameter of the item operation that matches a field the probe sent (objects keyed by a name
or title: ``/books/{book_title}``); or the list endpoint, by finding the element that carries the probe's
marker. An identity's own attributes (user name, e-mail, id — from the login or ``/me`` answer, or the JWT's
``sub``/``username`` claims) fill path parameters such as ``/users/{username}/…``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

ID_KEYS = ("id", "_id", "uuid", "pk", "key")
USERISH = re.compile(r"(?i)(user|owner|account|login|member|customer|author|profile|me$)")
#: collections whose item is a user, however the path spells it (``/users/{id}``, ``/api/user/{id}``)
USER_COLLECTIONS = ("/users", "/accounts", "/members", "/user", "/member", "/profile", "/profiles")
#: collections of people an account may be one of (a patient portal's ``/patients/{id}``, a bank's ``/customers``):
#: keyed by the account's own id only where the identity's own record there names it (see :mod:`.checks.bola`)
_PEOPLE = r"patients?|customers?|clients?|employees?|students?|persons?|people|doctors?|teachers?|staff"
PERSON_COLLECTION = re.compile(rf"(?i)/(?:{_PEOPLE})$")
#: a parameter that refers to such a person (``{patientId}``, ``{customer_id}``)
PERSON_REFERENCE = re.compile(rf"(?i)^({_PEOPLE})[_-]?(?:id|no|number)$")


def find_id(data: Any, collection: str = "") -> Any:
    """An id-like value in a JSON answer (``id``, ``_id``, ``uuid``, ``*_id`` …), nested objects included; with
    the ``collection`` it came from, the key named after it first (``order_id`` before ``address_id`` for an
    order of ``/users/{userId}/orders``)."""
    if isinstance(data, dict):
        for key in ID_KEYS:
            if key in data and isinstance(data[key], (int, str)) and not isinstance(data[key], bool):
                return data[key]
        for key, value in data.items():
            if (collection and reference_to(key, collection) and isinstance(value, (int, str))
                    and not isinstance(value, bool)):
                return value
        for key, value in data.items():
            if key.endswith("_id") and isinstance(value, (int, str)) and not key.startswith(("user", "owner")):
                return value
        for value in data.values():
            if isinstance(value, dict):
                found = find_id(value)
                if found is not None:
                    return found
    return None


def object_key(obj: dict[str, Any], param: str, collection: str = "") -> Any:
    """The value an item operation's path parameter takes for a listed object: the field named like the parameter
    (``{doc_token}`` ↔ ``doc_token``, ``{orderId}`` ↔ ``order_id``) first, else the object's id, else — for an
    object with no id — its number or code (``{account_id}`` ↔ ``account_number``, ``number``)."""
    named = _named_field(obj, param)
    if named is None:
        named = find_id(obj, collection)
    if named is None and (base := KEYED_BY.match(param)) is not None:
        thing = attribute_key(base.group(1))
        named = next((v for k, v in obj.items() if isinstance(v, (str, int)) and not isinstance(v, bool)
                      and attribute_key(str(k)) in {thing + s for s in NUMBER_SUFFIXES} | set(NUMBER_SUFFIXES)), None)
    return named


#: a parameter that keys a thing (``account_id``, ``accountId``): its thing's name
KEYED_BY = re.compile(r"(?i)^([a-z][a-z0-9_]*?)[_-]?id$")
#: fields that key a thing that has no id (``account_number``, ``card_no``, ``code``)
NUMBER_SUFFIXES = ("number", "no", "num", "code")


def _named_field(obj: dict[str, Any], param: str) -> Any:
    """The string or number of the field whose name is ``param``'s attribute (:func:`attribute_key`), or None."""
    want = attribute_key(param)
    for key, value in obj.items():
        if isinstance(value, (str, int)) and not isinstance(value, bool) and attribute_key(str(key)) == want:
            return value
    return None


def listed_objects(data: Any) -> list[dict[str, Any]]:
    """The objects of a listing answer: a JSON array of objects, or the first array of objects one or two levels
    down (``{"customers": [...]}``, ``{"data": {"items": [...]}}``)."""
    return listing(data)[1]


#: a listing's key that names people related to the caller (``{"followers": [...]}``): its records are those people
#: themselves, whose own user name or id is no sign of an object they own
PEOPLE_RELATIONS = re.compile(r"(?i)^(?:followers?|following|friends?|members?|contacts?|connections?|subscribers?|"
                              r"participants?|attendees?|blocked(?:_users)?|mutuals?|fans?|likers?)$")


def listing(data: Any) -> tuple[str, list[dict[str, Any]]]:
    """:func:`listed_objects` with the key its array sits under (``""`` for a top-level array)."""
    if isinstance(data, list):
        return "", [d for d in data[:200] if isinstance(d, dict)]
    if isinstance(data, dict):
        for name, value in data.items():
            if isinstance(value, list) and value and all(isinstance(d, dict) for d in value[:5]):
                return str(name), [d for d in value[:200] if isinstance(d, dict)]
        for value in data.values():
            if isinstance(value, dict):
                inner = listing(value)
                if inner[1]:
                    return inner
    return "", []


#: fields a write across identities never carries its marker in: credentials, privileges and keys
NEVER_MARKED = re.compile(r"(?i)pass|pwd|e-?mail|login|role|admin|staff|super|permission|scope|token|secret|key|"
                          r"^id$|_id$|Id$")


def free_text_fields(fields: dict[str, Any]) -> Iterator[str]:
    """The body fields of free text a marker may be carried in (a creation, a write across identities): plain
    strings (no enum, no format), none of them a credential, a privilege or a key."""
    return (name for name, schema in fields.items()
            if isinstance(schema, dict) and schema.get("type") == "string" and not schema.get("enum")
            and not schema.get("format") and not NEVER_MARKED.search(name))


def telling_values(obj: dict[str, Any]) -> list[str]:
    """Values of an object's own fields that are unlikely to appear by chance elsewhere: strings of three or
    more characters and numbers of two or more digits (booleans and nested structures left out), as text."""
    out = []
    for key, value in obj.items():
        if key in ID_KEYS or isinstance(value, bool) or value is None:
            continue
        if isinstance(value, str) and len(value) >= 3:
            out.append(value)
        elif isinstance(value, (int, float)) and abs(value) >= 10:
            out.append(str(value))
    return out


def record_values(obj: dict[str, Any], depth: int = 0) -> list[str]:
    """:func:`telling_values` of an object and of the objects nested in it, so that a record wrapped in an
    envelope (``{"status": "OK", "response": {...}}``) is read too."""
    out = telling_values(obj)
    for value in obj.values():
        if isinstance(value, dict) and depth < 3:
            out += record_values(value, depth + 1)
    return out


def from_location(location: str | None, collection_path: str) -> str | None:
    """The key at the end of a ``Location`` header that points below the collection."""
    if not location:
        return None
    path = urlsplit(location).path.rstrip("/")
    base = collection_path.rstrip("/")
    if "{" not in base and not path.startswith(base + "/"):
        return None
    last = path.rsplit("/", 1)[-1]
    return unquote(last) or None


def attribute_key(name: str) -> str:
    """A field or parameter name reduced to letters and digits, lower case: ``accountNumber`` and
    ``account_number`` (and ``account-number``) are the same attribute."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def from_sent_fields(param: str, body: dict[str, Any]) -> Any:
    """A field the probe sent whose name matches the item's path parameter (``{book_title}`` ↔ ``book_title``
    or ``title``; ``{name}`` ↔ ``name``)."""
    named = _named_field(body, param)
    if named is not None:
        return named
    want = attribute_key(param)
    for key, value in body.items():
        k = attribute_key(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and len(k) >= 3 and (
                want.endswith(k) or k.endswith(want)) and not want.endswith("id"):
            return value
    return None


def from_listing(data: Any, marker: str, param: str) -> Any:
    """In a list answer, the element that carries ``marker``: its value for ``param``, else its id."""
    items = data
    if isinstance(data, dict):
        items = next((v for v in data.values() if isinstance(v, list)), [])
    if not isinstance(items, list):
        return None
    for item in items:
        if isinstance(item, dict) and marker and marker in json.dumps(item, default=str):
            value = item.get(param)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                return value
            return find_id(item)
    return None


def jwt_claims(token: str | None) -> dict[str, Any]:
    """The claims of a JWT, unverified (only to learn the identity's own name and id)."""
    if not token or token.count(".") != 2:
        return {}
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, UnicodeDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _user_object(data: Any, depth: int) -> dict[str, Any] | None:
    """The object under a ``user``/``account``/``profile`` key, at most three levels down."""
    if not isinstance(data, dict) or depth > 2:
        return None
    for key in ("user", "account", "profile"):
        if isinstance(data.get(key), dict):
            return dict(data[key])
    for value in data.values():
        found = _user_object(value, depth + 1)
        if found is not None:
            return found
    return None


def learn_identity(username: str | None, user_id: Any, data: Any) -> tuple[str | None, Any]:
    """Fill a missing user name / id from an answer about the identity (login, ``/me``, JWT claims); the user
    object may sit a level or two down (``{"access": {"user": {...}, "token": {...}}}``)."""
    data = _user_object(data, 0) or data
    if not isinstance(data, dict):
        return username, user_id
    if user_id is None:
        for key in ("id", "user_id", "userId", "uid", "sub"):
            value = data.get(key)
            if isinstance(value, (int, str)) and not isinstance(value, bool) and value != "":
                if key == "sub" and isinstance(value, str) and not value.isdigit():
                    continue  # a sub that is a name or an opaque key: the name keys below decide the user name
                user_id = value
                break
    if username is None:
        for key in ("username", "user_name", "preferred_username", "login", "name", "email", "user", "sub"):
            value = data.get(key)
            if isinstance(value, str) and value and not (key == "sub" and (value.isdigit() or value == str(user_id))):
                username = value  # a ``sub`` that is a name (``{"sub": "alice", "user_id": "…"}``) counts too
                break
    return username, user_id


# attribute names too generic to say whose value they are (``/items/{id}`` is no user's ``id``)
GENERIC_ATTRIBUTES = frozenset({"id", "pk", "uuid", "key", "name", "slug", "value", "type", "status", "message"})
SECRET_ATTRIBUTE = re.compile(r"(?i)token|pass|secret|hash|otp|cookie|session|jwt|bearer|credential|apikey|api_key")


def learn_attributes(attributes: dict[str, Any], data: Any, depth: int = 0) -> None:
    """Record the scalar fields (strings, numbers, booleans) of an answer about an identity (its login or ``/me``
    answer), nested objects included, under :func:`attribute_key` names; the first value seen wins, secrets are
    never kept."""
    if not isinstance(data, dict) or depth > 3:
        return
    for key, value in data.items():
        if isinstance(value, dict):
            learn_attributes(attributes, value, depth + 1)
        elif (isinstance(value, (int, str)) and value != ""
              and not SECRET_ATTRIBUTE.search(str(key)) and len(str(value)) <= 200):
            attributes.setdefault(attribute_key(str(key)), value)


#: what an identity's own record says when it is an administrator (``role: admin``, ``is_admin: true``)
ADMIN_VALUES = frozenset({"admin", "administrator", "superuser", "superadmin", "root", "staff"})
ROLE_KEYS = frozenset({"role", "roles", "usertype", "accounttype", "type", "group", "level", "userrole"})
ADMIN_FLAGS = frozenset({"admin", "isadmin", "superuser", "issuperuser", "isstaff", "staff"})


def account_record(data: Any) -> dict[str, Any]:
    """The account record of an answer (``{"user": {...}}``, ``{"response": {...}}``, an answer that is one object
    under any name, ``{"updated": {...}}``, one record among status fields, or the answer itself)."""
    if isinstance(data, dict):
        inner = next((v for k, v in data.items() if k in ("user", "response", "data", "account") and isinstance(
            v, dict)), None)
        if inner is None and len(data) == 1 and isinstance(next(iter(data.values())), dict):
            inner = next(iter(data.values()))
        return inner if inner is not None else single_record(data)
    return {}


def single_record(data: Any) -> Any:
    """The one record an answer wraps among status fields (``{"success": true, "order": {...}}``): the answer
    itself has no id, and exactly one of its members is an object, which has one; anything else is returned as is
    (``{"id": 1, "address": {...}}`` is a record with a nested object, not an envelope)."""
    if not isinstance(data, dict) or any(k in ID_KEYS or str(k).endswith("_id") for k in data):
        return data
    inner = [v for v in data.values() if isinstance(v, (dict, list))]
    if len(inner) == 1 and isinstance(inner[0], dict) and find_id(inner[0]) is not None:
        return inner[0]
    return data


def listed_records(data: Any) -> list[dict[str, Any]]:
    """The JSON objects of a listing: the items of a top-level list, or of the one list an object wraps
    (``{"users": [...]}``, ``{"legacy": true, "users": [...]}``); empty for anything else."""
    if isinstance(data, dict):
        wrapped = [v for v in data.values() if isinstance(v, list) and v and all(isinstance(d, dict) for d in v[:20])]
        data = wrapped[0] if len(wrapped) == 1 else None
    return [d for d in data[:200] if isinstance(d, dict)] if isinstance(data, list) else []


def privileged(attributes: dict[str, Any]) -> bool:
    """Whether an identity's own answers (login, ``/me``, token claims) say it is an administrator: another user's
    record shown to it is what an administrator is for, not a broken object-level check."""
    for key, value in attributes.items():
        if key in ADMIN_FLAGS and (value is True or str(value).lower() in {"true", "1", "yes"}):
            return True
        if key in ROLE_KEYS and isinstance(value, str) and value.strip().lower() in ADMIN_VALUES:
            return True
    return False


def identity_value(param: str, username: str | None, user_id: Any, collection: str,
                   attributes: dict[str, Any] | None = None, people: bool = False) -> Any:
    """The identity's own value for a user-keyed path parameter, or None when the parameter is not about users.
    A field of the identity's own answers named like the parameter (``accountNumber`` for ``{account_number}``)
    comes first. With ``people``, a collection of people (:data:`PERSON_COLLECTION`) counts as one of users, and a
    parameter referring to a person (:data:`PERSON_REFERENCE`) as a user id: the caller then proves that the people's
    collection holds the identity's own record under that id."""
    own = (attributes or {}).get(key := attribute_key(param))
    if own is not None and not isinstance(own, bool) and key not in GENERIC_ATTRIBUTES:
        return own
    low = param.lower()
    base = collection.rstrip("/")
    if not (USERISH.search(low) or base.endswith(USER_COLLECTIONS) or (people and (
            PERSON_COLLECTION.search(base) or PERSON_REFERENCE.match(param)))):
        return None
    if "email" in low:
        return username if username and "@" in username else None
    if low.endswith("id") or low in ("pk", "uid"):
        return user_id if user_id is not None else None
    if "name" in low or "login" in low or "handle" in low:
        return username if username is not None else user_id
    return user_id if user_id is not None else username


def identity_path(template: str, names: Iterable[str], username: str | None, user_id: Any,
                  attributes: dict[str, Any] | None = None, people: bool = False) -> str | None:
    """``template`` with each named path parameter filled with the identity's own value (its id, name or
    e-mail), or None when one of them is not about users (``people``: see :func:`identity_value`)."""
    prefix = template.split("{")[0]
    path = template
    for name in names:
        value = identity_value(name, username, user_id, prefix, attributes, people)
        if value is None:
            return None
        path = path.replace("{" + name + "}", str(value))
    return path


REFERENCE = re.compile(r"(?i)^([a-z][a-z0-9_-]*?)[_-]?id(?:[_-]?(\d+))?$")


def reference_to(name: str, collection: str) -> bool:
    """Whether a field or parameter named like a reference (``address_id``, ``creditCardId``, ``product_id_1``)
    names objects of ``collection`` (its last fixed segment: ``/users/{userId}/addresses``, ``/credit-cards``)."""
    match = REFERENCE.match(name)
    segments = [seg for seg in collection.strip("/").split("/") if seg and "{" not in seg]
    if match is None or not segments or USERISH.fullmatch(match.group(1)):
        return False
    thing, seg = attribute_key(match.group(1)), attribute_key(segments[-1])
    return len(thing) >= 3 and seg in (thing, thing + "s", thing + "es", thing[:-1] + "ies")


def suffix_of(name: str) -> str | None:
    """The numbered suffix of a reference (``product_id_1`` → ``1``): its companions share it (``quantity_1``)."""
    match = REFERENCE.match(name)
    return match.group(2) if match else None


__all__ = [
    "NEVER_MARKED",
    "account_record",
    "attribute_key",
    "find_id",
    "free_text_fields",
    "from_listing",
    "from_location",
    "from_sent_fields",
    "identity_path",
    "identity_value",
    "jwt_claims",
    "learn_attributes",
    "learn_identity",
    "listed_records",
    "privileged",
    "reference_to",
    "suffix_of",
]
