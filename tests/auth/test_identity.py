"""Canonical identities: one form per user name and e-mail address, anchored validation, confusable skeletons."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apishield.auth.identity import canonical_email, canonical_username, username_skeleton


@pytest.mark.parametrize(("raw", "canonical"), [
    ("Alice", "alice"), ("ALICE", "alice"), ("ａｌｉｃｅ", "alice"), ("Straße", "strasse"),
    ("bob.smith-2", "bob.smith-2"),
])
def test_user_names_fold_to_one_form(raw: str, canonical: str) -> None:
    assert canonical_username(raw) == canonical


@pytest.mark.parametrize("raw", [
    "alice\n", "alice\r", " alice", "al ice", "al\u00a0ice", "al\u200bice", "al\u202eice", "alice\x00", "ab",
    "a" * 41, "al/ice", "-alice", "\ud800abc", "",
])
def test_user_names_with_separators_controls_or_bad_shape_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        canonical_username(raw)


@pytest.mark.parametrize(("raw", "canonical"), [
    ("Bob@Example.COM", "bob@example.com"), ("x@BÜCHER.de", "x@xn--bcher-kva.de"), ("a.b+tag@ex.org", "a.b+tag@ex.org"),
])
def test_emails_fold_to_one_form(raw: str, canonical: str) -> None:
    assert canonical_email(raw) == canonical


@pytest.mark.parametrize("raw", [
    "bob@example.com\n", "bob@example.com ", "bob @example.com", "bob@@example.com", "@example.com", "bob@",
    "bob@localhost", ".bob@example.com", "bo..b@example.com", "bob@exa mple.com", "b\u200bob@example.com",
])
def test_malformed_emails_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        canonical_email(raw)


@pytest.mark.parametrize(("a", "b"), [
    ("alice", "AIice"), ("admin", "\u0430dmin"), ("paypal", "p\u0430ypal"), ("l1l1", "IlIl"), ("root", "r\u043eot"),
])
def test_look_alike_names_share_a_skeleton(a: str, b: str) -> None:
    assert username_skeleton(a) == username_skeleton(b)


@pytest.mark.parametrize(("a", "b"), [("alice", "alicia"), ("bob", "rob"), ("anna", "hanna")])
def test_different_names_keep_different_skeletons(a: str, b: str) -> None:
    assert username_skeleton(a) != username_skeleton(b)


@given(st.text(max_size=60))
def test_canonical_forms_raise_only_value_error_and_are_idempotent(raw: str) -> None:
    for canon in (canonical_username, canonical_email):
        try:
            once = canon(raw)
        except ValueError:
            continue
        assert canon(once) == once
        assert once.isprintable() and "\n" not in once
