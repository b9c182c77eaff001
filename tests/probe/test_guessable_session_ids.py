"""Session ids and opaque tokens that logins hand out in a guessable sequence (PR-SESS-004): a counter
(``sess_1001``, ``sess_1002``), a clock reading, base64 of ``user:time``, or a few digits. Random values of any
length, signed JWTs, values that differ in letters and a clock-stamped cookie that is not a credential by itself stay
quiet."""

from __future__ import annotations

import base64
import itertools
import json
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apishield.probe.checks.session_ids import predictable
from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, loopback, probe_paths

NOW = 1_765_000_000.0


@pytest.mark.parametrize("values", [
    ["sess_1001", "sess_1002"],
    ["1", "2", "3"],
    [f"tok-{int(NOW)}", f"tok-{int(NOW) + 4}"],
    [str(int(NOW * 1000)), str(int(NOW * 1000) + 812)],
    [base64.b64encode(f"2:{int(NOW)}".encode()).decode(), base64.b64encode(f"3:{int(NOW) + 1}".encode()).decode()],
    ["u-48213", "u-90517"],
])
def test_values_that_differ_only_by_a_counter_the_clock_or_a_few_digits_are_guessable(values: list[str]) -> None:
    assert predictable(values, now=NOW) is not None


def test_values_spelling_the_users_name_and_the_minute_are_guessable() -> None:
    minute = int(NOW / 60)
    values, names = [f"alice:{minute}", f"bob:{minute}"], ["alice", "bob"]
    assert "the user's name" in (predictable(values, names, now=NOW) or "")
    assert predictable([f"alice.{secrets.token_hex(16)}", f"bob.{secrets.token_hex(16)}"], names, now=NOW) is None


@pytest.mark.parametrize("values", [
    ["sess_1001"],  # one value is no sequence
    ["sess_1001", "sess_1001"],
    ["sess-a", "sess-b"],  # differs in letters, not numbers
    ["user-81726354910", "user-29837465019"],  # a long number that moves at random
    ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIyIn0.c2ln"],  # JWTs
])
def test_values_without_a_guessable_sequence_are_not_reported(values: list[str]) -> None:
    assert predictable(values, now=NOW) is None


@given(st.integers(min_value=2, max_value=5), st.sampled_from([secrets.token_hex, secrets.token_urlsafe]))
def test_random_tokens_are_never_guessable(count: int, draw: Callable[[int], str]) -> None:
    assert predictable([draw(16) for _ in range(count)], now=NOW) is None


SPEC = {"/login": {"post": {"requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}},
            "responses": OK}},
        "/profile": {"get": {"responses": OK}}}
USERS = {"alice": (1, "alice-pass-1"), "bob": (2, "bob-pass-2")}
RECIPE = LoginRecipe("POST", "/login", token_path="token", bodies=tuple(
    {"username": name, "password": password} for name, (_id, password) in USERS.items()))


def _lab(issue: str) -> Any:
    """A login answering a random bearer token and setting a cookie; ``issue`` says what the cookie is."""
    counter = itertools.count(1001)
    sessions: dict[str, int] = {}
    tokens: dict[str, int] = {}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if method == "POST" and route == "/login":
            sent = json.loads(body or b"{}")
            user = USERS.get(str(sent.get("username")))
            if user is None or sent.get("password") != user[1]:
                return 401, {}, {"error": "invalid credentials"}
            token = secrets.token_hex(16)
            tokens[token] = user[0]
            if issue == "counter":  # the session the cookie carries is the next number
                cookie = f"session_id=sess_{next(counter)}"
            elif issue == "random":
                cookie = f"session_id={secrets.token_urlsafe(24)}"
            else:  # a clock-stamped cookie beside the token: not a credential
                cookie = f"last_login={int(time.time()) + next(counter)}"
            name, _, value = cookie.partition("=")
            if name == "session_id":
                sessions[value] = user[0]
            return 200, {"Set-Cookie": f"{cookie}; HttpOnly; Path=/"}, {"token": token}
        sid = headers.get("Cookie", "").partition("session_id=")[2].split(";")[0]
        who = sessions.get(sid) or tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if who is None:
            return 401, {}, {"error": "login required"}
        return 200, {}, {"id": who}
    return app


@pytest.mark.parametrize(("issue", "found"), [("counter", True), ("random", False), ("clock-not-credential", False)])
def test_a_login_numbering_its_session_cookies_is_reported(tmp_path: Path, issue: str, found: bool) -> None:
    with loopback(_lab(issue)) as url:
        result = probe_paths(tmp_path, url, SPEC, ("crawl", "sessions"), login=RECIPE)
    guessable = [f for f in result.findings if f.rule_id == "PR-SESS-004"]
    assert bool(guessable) is found
    assert all(f.parameter == "session_id" and "counter" in f.message for f in guessable)
