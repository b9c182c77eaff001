"""Values the probe invents honour the schema's ``pattern``, ``minLength`` and ``maxLength`` (also inside the first
non-null alternative of ``anyOf``/``oneOf``, as FastAPI declares optional fields): an API that validates
them (an expiry month ``^0[1-9]|1[0-2]$``, a card number of at least 13 characters) accepts the probe's objects, so
the object-level checks have something to test. Checked on the value builder itself and on a loopback app that
refuses non-conforming creations: with the ownership check missing the probe must report, with it present it must
stay quiet."""

from __future__ import annotations

import random
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apishield.probe.targets import from_pattern, sample_value
from tests.probe.loopback import Answer, findings_at, loopback, probe_paths
from tests.probe.test_user_keyed_access_and_fetches import BEARER, OK, USER_ID, _caller, _param, _users


@pytest.mark.parametrize("pattern", [r"^0[1-9]|1[0-2]$", r"^20[2-9][0-9]$", r"^[A-Z]{2}-\d{4}$", r"^[^a]+$",
                                     r"^\w+@\w+\.com$", r"^[a-z0-9_-]{3,16}$", r"^(EUR|USD)$", r"\d"])
def test_a_pattern_gives_a_value_it_matches(pattern: str) -> None:
    value = from_pattern(pattern)
    assert value is not None and re.search(pattern, value)


@pytest.mark.parametrize("pattern", [r"(a)\1", r"^(?!x)a$", r"^a$b"])
def test_a_pattern_it_cannot_build_gives_nothing(pattern: str) -> None:
    assert from_pattern(pattern) is None


@settings(max_examples=60, deadline=None)
@given(low=st.integers(0, 40), extra=st.integers(0, 40))
def test_sampled_strings_respect_declared_lengths(low: int, extra: int) -> None:
    value = sample_value({"type": "string", "minLength": low, "maxLength": max(low + extra, 1)},
                         random.Random(0), "name")
    assert low <= len(value) <= max(low + extra, 1)


@pytest.mark.parametrize(("schema", "expected"), [
    ({"anyOf": [{"type": "string", "pattern": "^password$"}, {"type": "null"}]}, "password"),  # FastAPI's form
    ({"oneOf": [{"type": "null"}, {"type": "integer", "minimum": 5}]}, 5),
    ({"anyOf": [{"type": "string", "enum": ["asc", "desc"]}, {"type": "null"}], "default": None}, "asc"),
])
def test_an_optional_value_takes_its_first_alternative_that_is_not_null(schema: dict[str, Any], expected: Any) -> None:
    assert sample_value(schema, random.Random(0), "grant_type") == expected


def test_a_marker_that_already_matches_the_pattern_is_kept() -> None:
    assert sample_value({"type": "string", "pattern": "^[a-z0-9]+$"}, random.Random(0), "label").startswith(
        "apishield")


@pytest.mark.parametrize("owner_checked", [False, True])
def test_objects_whose_fields_are_validated_are_created_and_tested(tmp_path: Path, owner_checked: bool) -> None:
    users, tokens = _users()
    cards: dict[str, list[dict[str, Any]]] = {uid: [] for uid in users}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(path).path.strip("/").split("/")
        caller = _caller(headers, tokens)
        if caller is None:
            return 401, {}, {"detail": "not authenticated"}
        if parts[:1] != ["users"] or len(parts) != 3 or parts[1] not in users or parts[2] != "cards":
            return 404, {}, {"detail": "not found"}
        uid = parts[1]
        if owner_checked and caller["user_id"] != uid:
            return 403, {}, {"detail": "not yours"}
        if method == "GET":
            return 200, {}, cards[uid]
        query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        if (not re.search(r"^0[1-9]|1[0-2]$", query.get("expiry_month", ""))
                or len(query.get("card_number", "")) < 13 or not query.get("holder")):
            return 422, {}, {"detail": "invalid card"}
        card = {"card_id": str(uuid.uuid4()), "holder": query["holder"], "expiry_month": query["expiry_month"]}
        cards[uid].append(card)
        return 201, {}, card

    spec = {"/users/{userId}/cards": {
        "get": {"parameters": [USER_ID], "security": BEARER, "responses": OK},
        "post": {"parameters": [USER_ID, _param("holder", "query"),
                                _param("card_number", "query", minLength=13, maxLength=19),
                                _param("expiry_month", "query", pattern=r"^0[1-9]|1[0-2]$")],
                 "security": BEARER, "responses": {"201": {"description": "created"}}}}}
    alice, bob = (t for t, u in tokens.items() if u["username"] in ("alice", "bob"))
    with loopback(app) as url:
        result = probe_paths(tmp_path, url, spec, ("bola",),
                             auth=(f"alice=Authorization:Bearer {alice}", f"bob=Authorization:Bearer {bob}"))
    assert result.stats["objects_created"] == 2
    found = {f for f in findings_at(result) if f[0].startswith("PR-BOLA")}
    expected = {("PR-BOLA-001", "GET", "/users/{userId}/cards"), ("PR-BOLA-002", "POST", "/users/{userId}/cards")}
    assert found == (set() if owner_checked else expected)


def test_an_optional_form_field_read_from_a_description_keeps_its_pattern() -> None:
    """The description's resolver merges the first non-null alternative with what it must satisfy, so a FastAPI
    OAuth2 password form's ``grant_type`` is sampled as ``password``."""
    from apishield.probe.targets import from_openapi, sample_body

    form = {"type": "object", "required": ["username", "password"], "properties": {
        "grant_type": {"anyOf": [{"type": "string", "pattern": "^password$"}, {"type": "null"}], "title": "Grant"},
        "username": {"type": "string"}, "password": {"type": "string"}}}
    doc = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/token": {"post": {
        "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": form}}},
        "responses": {"200": {"description": "token"}}}}}}
    op = from_openapi(doc)[0]
    assert sample_body(op.body_schema, random.Random(0))["grant_type"] == "password"
