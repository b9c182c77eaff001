"""Request validation: size (413), media type (415), well-formed JSON (400), schema (422), uploads.

A :class:`RequestValidator` is configured once per route with a pydantic model or a JSON Schema for the
body, query and path parameters. Failures raise :class:`~apishield.errors.Reject` whose problem document
lists each field error as ``{"in", "pointer", "code", "detail"}``. Details are written from the schema, not
from the input; pointers to keys the client chose are percent-encoded, so nothing the client sent comes
back unescaped.
"""

from __future__ import annotations

import html
import json
import math
import re
import sys
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING, Any, TypeGuard
from urllib.parse import parse_qsl, quote

import jsonschema

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

from apishield.errors import ConfigError, Reject
from apishield.events import emit
from apishield.guard import Allow
from apishield.request import RequestView
from apishield.web.uploads import StoredUpload, UploadedFile, UploadPolicy

STATE_KEY = "apishield.validated"
PATH_PARAMS_STATE_KEY = "apishield.path_params"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(slots=True)
class Validated:
    """What validation produced: model instances (pydantic) or plain data (JSON Schema)."""

    body: Any = None
    query: Any = None
    path: Any = None
    form: dict[str, str] = field(default_factory=dict)
    files: list[StoredUpload] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FieldError:
    where: str  # body | query | path
    pointer: str
    code: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"in": self.where, "pointer": self.pointer, "code": self.code, "detail": self.detail}


def json_pointer(path: Iterable[Any]) -> str:
    """An RFC 6901 pointer whose segments are percent-encoded (client-chosen keys come back escaped)."""
    parts = []
    for seg in path:
        text = str(seg).replace("~", "~0").replace("/", "~1")
        parts.append(quote(text, safe="~!$&'()*+,;=:@-._")[:64])
    return "/" + "/".join(parts) if parts else ""


def _safe_text(text: str, limit: int = 200) -> str:
    return html.escape(text, quote=True)[:limit]


def _describe(value: Any) -> str:
    return _safe_text(json.dumps(value, default=str, ensure_ascii=True), 120)


_SCHEMA_MESSAGES: dict[str, str] = {
    "type": "must be of type {v}",
    "minimum": "must be at least {v}",
    "maximum": "must be at most {v}",
    "exclusiveMinimum": "must be greater than {v}",
    "exclusiveMaximum": "must be less than {v}",
    "multipleOf": "must be a multiple of {v}",
    "minLength": "must have at least {v} characters",
    "maxLength": "must have at most {v} characters",
    "minItems": "must have at least {v} items",
    "maxItems": "must have at most {v} items",
    "uniqueItems": "items must be unique",
    "minProperties": "must have at least {v} properties",
    "maxProperties": "must have at most {v} properties",
    "pattern": "must match the pattern {v}",
    "enum": "must be one of {v}",
    "const": "must equal {v}",
    "format": "must be a valid {v}",
}


def _is_sequence(annotation: Any) -> bool:
    """True for ``list[...]``-like annotations (also inside ``Optional``), so one query value becomes a list."""
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return True
    return any(_is_sequence(arg) for arg in typing.get_args(annotation)) if origin is not None else False


def _is_pydantic_model(spec: Any, where: str) -> TypeGuard[type[BaseModel]]:
    """Whether ``spec`` is a pydantic 2 model class. pydantic is optional (``apishield[validation]``): a model
    class can only exist once pydantic is imported, so nothing is imported here."""
    pydantic = sys.modules.get("pydantic")
    if pydantic is None or not isinstance(spec, type) or not issubclass(spec, pydantic.BaseModel):
        return False
    if not hasattr(spec, "model_validate"):
        raise ConfigError(f"validation ({where}): pydantic 1 models are not supported; install pydantic>=2")
    return True


def _pydantic_validation_error() -> type[ValidationError]:
    from pydantic import ValidationError

    return ValidationError


class BodySchema:
    """A compiled body/query/path schema: a pydantic model class or a JSON Schema document."""

    def __init__(self, spec: type[BaseModel] | Mapping[str, Any], where: str) -> None:
        self.where = where
        self.model: type[BaseModel] | None = None
        self.validator: jsonschema.protocols.Validator | None = None
        self.list_fields: frozenset[str] = frozenset()
        if _is_pydantic_model(spec, where):
            self.model = spec
            self.list_fields = frozenset(
                name for name, info in spec.model_fields.items() if _is_sequence(info.annotation)
            )
        elif isinstance(spec, Mapping):
            schema = dict(spec)
            cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
            try:
                cls.check_schema(schema)
            except jsonschema.SchemaError as exc:
                raise ConfigError(f"validation ({where}): the JSON Schema is invalid: {exc.message[:200]}") from exc
            self.validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
        else:
            raise ConfigError(f"validation ({where}): give a pydantic model class or a JSON Schema mapping")

    def validate(self, data: Any, max_errors: int) -> tuple[Any, list[FieldError]]:
        if self.model is not None:
            try:
                return self.model.model_validate(data), []
            except _pydantic_validation_error() as exc:
                errors = [
                    FieldError(self.where, json_pointer(e["loc"]), e["type"], _safe_text(e["msg"]))
                    for e in exc.errors(include_url=False, include_input=False)[:max_errors]
                ]
                return None, errors
        assert self.validator is not None
        out: list[FieldError] = []
        seen: set[tuple[str, str]] = set()
        for err in self.validator.iter_errors(data):
            for fe in self._schema_errors(err):
                if (fe.pointer, fe.code) not in seen:
                    seen.add((fe.pointer, fe.code))
                    out.append(fe)
            if len(out) >= max_errors:
                break
        out.sort(key=lambda e: e.pointer)
        return (data if not out else None), out[:max_errors]

    def _schema_errors(self, err: jsonschema.ValidationError) -> list[FieldError]:
        path = list(err.absolute_path)
        keyword = str(err.validator)
        value = err.validator_value
        instance = err.instance
        if keyword == "required" and isinstance(instance, dict) and isinstance(value, list):
            return [
                FieldError(self.where, json_pointer([*path, name]), "required", "is required")
                for name in value
                if name not in instance
            ]
        if keyword == "additionalProperties" and isinstance(instance, dict):
            schema = err.schema if isinstance(err.schema, Mapping) else {}
            known = set(schema.get("properties", {}))
            extras = [k for k in instance if k not in known] or ["?"]
            return [
                FieldError(self.where, json_pointer([*path, k]), "additional_property", "is not an allowed property")
                for k in extras
            ]
        template = _SCHEMA_MESSAGES.get(keyword)
        detail = template.format(v=_describe(value)) if template else f"fails the {_safe_text(keyword, 40)} rule"
        return [FieldError(self.where, json_pointer(path), _safe_text(keyword, 40), detail)]


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e400 overflows to inf without ever reaching parse_constant
        raise ValueError("number out of range")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError("duplicate key")
        out[key] = value
    return out


def json_depth(value: Any) -> int:
    """Nesting depth of parsed JSON, computed without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Iterable[Any] = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def parse_json(raw: bytes, *, max_depth: int = 64) -> Any:
    """Strict JSON: UTF-8 only, no duplicate keys, no NaN/Infinity, at most ``max_depth`` levels of nesting.

    Raises :class:`Reject` (400). The depth limit keeps recursive validators and application code safe.
    """
    too_deep = Reject(400, f"The JSON body may nest at most {max_depth} levels.", title="Malformed JSON")
    try:
        text = raw.decode("utf-8")
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant,
                          parse_float=_finite_float)
    except RecursionError as exc:
        raise too_deep from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise Reject(400, "The request body is not valid JSON.", title="Malformed JSON") from exc
    if json_depth(data) > max_depth:
        raise too_deep
    return data


_MEDIA_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9a-z]+/[!#$%&'*+\-.^_`|~0-9a-z]+")


def _media_type(header: str | None) -> tuple[str, dict[str, str]]:
    """``(type/subtype, params)`` from a Content-Type header, lowercased; ``("", {})`` when malformed."""
    if not header:
        return "", {}
    media, *rest = str(header).split(";")
    media = media.strip().lower()
    if not _MEDIA_RE.fullmatch(media):
        return "", {}
    params: dict[str, str] = {}
    for item in rest:
        key, sep, value = item.partition("=")
        if sep:
            params[key.strip().lower()] = value.strip().strip('"')
    return media, params


_BOUNDARY_RE = re.compile(rb'boundary="?([^";\r\n]{1,70})', re.IGNORECASE)
_NESTED_RE = re.compile(rb"content-type\s*:\s*multipart/", re.IGNORECASE)
MAX_NESTED_MULTIPARTS = 8


def _count_delimiters(boundary: str, body: bytes) -> int:
    """Delimiter lines of ``boundary`` and of every boundary declared inside ``body`` (nested multiparts).

    A cheap upper bound on the number of parts, taken before the (slow, recursive) MIME parser runs.
    """
    boundaries = {boundary.encode("latin-1", "replace"), *_BOUNDARY_RE.findall(body)}
    # a delimiter starts a line (or the body), so "--b" inside content such as "--build" does not count
    return sum(body.count(b"\n--" + b) + body.startswith(b"--" + b) for b in boundaries if b)


def _split_multipart(
    content_type: str, body: bytes, max_parts: int = 100
) -> tuple[dict[str, str], list[UploadedFile]]:
    # checked first and cheaply: each nesting level costs the MIME parser recursion, and each declared
    # boundary one scan of the body below
    nested = max(len(_NESTED_RE.findall(body)), len(_BOUNDARY_RE.findall(body)))
    if nested > MAX_NESTED_MULTIPARTS:
        raise Reject(413, "The multipart body nests too deeply.", title="Too many parts")
    boundary = _media_type(content_type)[1].get("boundary", "")
    if boundary and _count_delimiters(boundary, body) > max_parts + 1:  # +1: the closing delimiter
        raise Reject(413, f"A multipart body may have at most {max_parts} parts.", title="Too many parts")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    try:
        msg = BytesParser(policy=HTTP).parsebytes(head + body)
    except (ValueError, TypeError, UnicodeError, RecursionError) as exc:  # RecursionError: nested multiparts
        raise Reject(400, "The multipart body could not be parsed.", title="Malformed multipart") from exc
    if not msg.is_multipart():
        raise Reject(400, "The multipart body could not be parsed.", title="Malformed multipart")
    form: dict[str, str] = {}
    files: list[UploadedFile] = []
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if filename is not None:
            files.append(UploadedFile(name, filename, data))
        else:
            form[name] = data.decode("utf-8", "replace")
    return form, files


class RequestValidator:
    """Validates one route's requests. Use :meth:`validate` directly or :meth:`check` as a guard."""

    name = "validation"

    def __init__(
        self,
        *,
        body: type[BaseModel] | Mapping[str, Any] | None = None,
        query: type[BaseModel] | Mapping[str, Any] | None = None,
        path: type[BaseModel] | Mapping[str, Any] | None = None,
        max_body_bytes: int = 1024 * 1024,
        content_types: Sequence[str] = ("application/json",),
        require_body: bool = False,
        uploads: UploadPolicy | None = None,
        max_query_fields: int = 100,
        max_errors: int = 50,
        max_json_depth: int = 64,
        max_multipart_parts: int = 100,
    ) -> None:
        if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int) or max_body_bytes <= 0:
            raise ConfigError("validation: max_body_bytes must be a positive integer")
        self._body = BodySchema(body, "body") if body is not None else None
        self._query = BodySchema(query, "query") if query is not None else None
        self._path = BodySchema(path, "path") if path is not None else None
        types = [t.strip().lower() for t in content_types]
        if uploads is not None and "multipart/form-data" not in types:
            types.append("multipart/form-data")
        if not types or any("/" not in t for t in types):
            raise ConfigError("validation: content_types must be media types such as 'application/json'")
        self.content_types = tuple(types)
        self.max_body_bytes = max_body_bytes
        self.require_body = require_body
        self.uploads = uploads
        self.max_query_fields = max_query_fields
        self.max_errors = max_errors
        self.max_json_depth = max_json_depth
        if uploads is not None:
            max_multipart_parts = max(max_multipart_parts, uploads.max_files)
        self.max_multipart_parts = max_multipart_parts
        self._query_spec = query
        self._path_spec = path
        self._routes: dict[int, tuple[Any, RequestValidator]] = {}

    # --- steps ----------------------------------------------------------------------------------
    def _check_size(self, view: RequestView) -> bytes:
        length = view.headers.get("content-length")
        if length is not None:
            text = str(length).strip()
            if not text.isdigit() or not text.isascii():
                raise Reject(400, "Content-Length must be a non-negative integer.", title="Bad Content-Length")
            digits = text.lstrip("0")  # int() refuses > 4300 digits; anything over 18 is too large anyway
            if len(digits) > 18 or int(digits or "0") > self.max_body_bytes:
                raise Reject(413, f"The request body may be at most {self.max_body_bytes} bytes.")
        body = view.body or b""
        if len(body) > self.max_body_bytes:
            raise Reject(413, f"The request body may be at most {self.max_body_bytes} bytes.")
        return body

    def _parse_query(self, view: RequestView) -> dict[str, Any]:
        try:
            pairs = parse_qsl(view.query_string, keep_blank_values=True, max_num_fields=self.max_query_fields)
        except ValueError as exc:
            raise Reject(400, f"At most {self.max_query_fields} query parameters are accepted.") from exc
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                prev = out[key]
                out[key] = [*prev, value] if isinstance(prev, list) else [prev, value]
            else:
                out[key] = value
        return out

    def validate(self, view: RequestView, *, path_params: Mapping[str, str] | None = None) -> Validated:
        """Validate the whole request; raises :class:`Reject` (400/413/415/422) on the first failing stage."""
        result = Validated()
        errors: list[FieldError] = []
        body = self._check_size(view)
        if body:
            media, params = _media_type(view.headers.get("content-type"))
            if media not in self.content_types:
                raise Reject(415, "The request body's media type is not accepted here.",
                             extra={"accepted": list(self.content_types)})
            charset = params.get("charset", "utf-8").lower()
            if media == "application/json" or media.endswith("+json"):
                if charset not in ("utf-8", "utf8"):
                    raise Reject(415, "JSON bodies must be UTF-8.", extra={"accepted": list(self.content_types)})
                data: Any = parse_json(body, max_depth=self.max_json_depth)
            elif media == "multipart/form-data":
                form, files = _split_multipart(str(view.headers.get("content-type")), body, self.max_multipart_parts)
                if files and self.uploads is None:
                    raise Reject(415, "File uploads are not accepted here.")
                if self.uploads is not None:
                    result.files = self.uploads.save(files)
                result.form = form
                data = form
            elif media == "application/x-www-form-urlencoded":
                try:
                    data = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=1000))
                except (UnicodeDecodeError, ValueError) as exc:
                    raise Reject(400, "The form body could not be parsed.") from exc
                result.form = data
            else:
                data = body
            if self._body is not None:
                result.body, found = self._body.validate(data, self.max_errors)
                errors += found
            else:
                result.body = data
        elif self.require_body and view.method in BODY_METHODS:
            raise Reject(400, "A request body is required.", title="Missing body")
        if self._query is not None:
            query = self._parse_query(view)
            for name in self._query.list_fields & query.keys():
                if not isinstance(query[name], list):
                    query[name] = [query[name]]
            result.query, found = self._query.validate(query, self.max_errors)
            errors += found
        if self._path is not None:
            given = path_params if path_params is not None else view.state.get(PATH_PARAMS_STATE_KEY, {})
            result.path, found = self._path.validate(dict(given), self.max_errors)
            errors += found
        if errors:
            raise Reject(
                422,
                "The request is not valid; see errors.",
                title="Validation failed",
                extra={"errors": [e.to_dict() for e in errors[: self.max_errors]]},
            )
        return result

    def check(self, view: RequestView) -> Allow:
        """Guard form: the result goes to ``view.state[STATE_KEY]``; path params come from
        ``view.state[PATH_PARAMS_STATE_KEY]`` when the adapter knows them. Raises :class:`Reject`."""
        view.state[STATE_KEY] = self.validate(view)
        return Allow()

    @property
    def reads_body(self) -> bool:
        """True when deciding needs the request body (a body schema or uploads), not just its size."""
        return self._body is not None or self.uploads is not None or self.require_body

    def admit(self, view: RequestView) -> None:
        """The shield's step for unsafe methods: the size limit always, the whole validation when this
        validator has something to validate. Raises :class:`Reject`."""
        if self._body is None and self._query is None and self._path is None and not self.reads_body:
            self._check_size(view)
            return
        try:
            view.state[STATE_KEY] = self.validate(view)
        except Reject:
            emit("validation.refused", path=view.path, method=view.method, client_ip=view.client_ip)
            raise

    def for_route(self, settings: Any) -> RequestValidator:
        """This validator with a route's body schema (``settings.body_schema``), compiled once per schema."""
        schema = getattr(settings, "body_schema", None)
        if schema is None:
            return self
        hit = self._routes.get(id(schema))
        if hit is not None and hit[0] is schema:
            return hit[1]
        compiled = RequestValidator(
            body=schema,
            query=self._query_spec,
            path=self._path_spec,
            max_body_bytes=self.max_body_bytes,
            content_types=self.content_types,
            require_body=self.require_body,
            uploads=self.uploads,
            max_query_fields=self.max_query_fields,
            max_errors=self.max_errors,
            max_json_depth=self.max_json_depth,
            max_multipart_parts=self.max_multipart_parts,
        )
        if len(self._routes) < 1024:
            self._routes[id(schema)] = (schema, compiled)
        return compiled


__all__ = [
    "BODY_METHODS",
    "PATH_PARAMS_STATE_KEY",
    "STATE_KEY",
    "BodySchema",
    "FieldError",
    "RequestValidator",
    "Validated",
    "json_depth",
    "json_pointer",
    "parse_json",
]
