"""A path segment or handler names a system function when a whole word of it does (``/logs``, ``/api_keys``,
``show_env``), not when a longer word ends in the same letters (``/blog``, ``/catalog``, ``/turkey``)."""

from __future__ import annotations

import pytest

from apishield.audit.rules.route_nature import SYSADMIN


@pytest.mark.parametrize(("word", "system"), [
    ("logs", True), ("log", True), ("error_log", True), ("api_keys", True), ("key", True), ("show-env", True),
    ("admin", True), ("shutdown", True),
    ("blog", False), ("catalog", False), ("dialog", False), ("backlog", False), ("turkey", False),
    ("monkeys", False), ("seven", False), ("articles", False),
])
def test_a_system_word_must_be_a_whole_word_of_the_name(word: str, system: bool) -> None:
    assert bool(SYSADMIN.search(word)) is system
